"""Refine: optimisation steps started from a one-pass picture (issue 22), on real images."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import brushwork as bw
from brushwork import zoo
from brushwork.errors import OptionError
from brushwork.pipelines.optimize import OptimizeConfig, optimize_result
from brushwork.pipelines.refine import MAX_STEPS, check_steps, refine


def test_refine_starts_from_the_one_pass_picture_and_lowers_its_loss(small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/golden_gate.jpg", 96)
    painting = zoo.painting("starry_night")
    assert painting is not None and painting.is_file()
    first = bw.load("starry_night")(photo)
    cfg = OptimizeConfig(precision="fp32", device="cpu")
    done = refine(photo, first, [painting], steps=4, config=cfg)
    assert done.image.size == first.size and done.config.steps == 4
    assert done.history[-1] < done.history[0]
    # its first evaluation is the one-pass picture's loss: far below a run from the photo's
    plain = optimize_result(photo, [painting], config=OptimizeConfig(
        steps=1, size=96, precision="fp32", device="cpu"))  # fmt: skip
    assert done.history[0] < plain.history[0]


def test_refine_size_follows_the_start(small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/tubingen.jpg", 120)
    start = photo.resize((80, 60), Image.Resampling.BICUBIC)
    out = refine(photo, start, [small("style/mondrian.jpg", 80)], steps=1,
                 config=OptimizeConfig(precision="fp32", device="cpu"))  # fmt: skip
    assert out.image.size == (80, 60)


@pytest.mark.parametrize("steps", [-1, MAX_STEPS + 1, 2.5, True])
def test_bad_steps(steps: object) -> None:
    with pytest.raises(OptionError, match="refine steps"):
        check_steps(steps)  # type: ignore[arg-type]


def test_zero_steps_is_not_a_refine(data: Path) -> None:
    with pytest.raises(OptionError, match="from 1"):
        refine(data / "content/tubingen.jpg", data / "content/tubingen.jpg", [], steps=0)
