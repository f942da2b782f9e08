"""Shared fixtures: the real data in ../shared/data, small real images, a private cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from PIL import Image

from brushwork import image as imageio

# the shared data sits beside the checkout; BRUSHWORK_DATA points elsewhere
DATA = Path(
    os.environ.get("BRUSHWORK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(scope="session")
def data() -> Path:
    if not DATA.is_dir():
        pytest.fail(
            f"test data not found at {DATA}; the tests read real images from ../shared/data"
        )
    return DATA


#: torch threads of each test: the machine's 2 cores, or one each for `make test`'s two
#: pytest-xdist workers; BRUSHWORK_TEST_THREADS=1 leaves a core to a training run
THREADS = int(
    os.environ.get("BRUSHWORK_TEST_THREADS", "1" if os.environ.get("PYTEST_XDIST_WORKER") else "2")
)


@pytest.fixture(autouse=True)
def _threads() -> None:
    torch.set_num_threads(THREADS)


@pytest.fixture
def small(data: Path):  # type: ignore[no-untyped-def]
    """Load a real image resized to a long side: small("content/tubingen.jpg", 96)."""

    def load(rel: str, side: int = 96) -> Image.Image:
        img = imageio.load(data / rel).rgb
        return imageio.resize(img, imageio.size_for_long_side(img.size, side))

    return load
