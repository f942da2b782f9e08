"""Fixtures the arbitrary-style pipelines share (AdaIN, WCT)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from brushwork import image as imageio


@pytest.fixture(scope="session")
def images(data: Path) -> dict[str, torch.Tensor]:
    def t(rel: str, side: int) -> torch.Tensor:
        img = imageio.load(data / rel).rgb
        return imageio.to_tensor(imageio.resize(img, imageio.size_for_long_side(img.size, side)))

    return {
        "photo": t("content/tubingen.jpg", 100),  # 100x75: not a multiple of 8
        "a": t("style/starry_night.jpg", 96),
        "b": t("style/mondrian.jpg", 80),
    }
