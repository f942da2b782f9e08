"""Refine: a one-pass picture (fast, AdaIN or WCT) as the start of a few optimisation steps on
the optimiser's objective for the same painting (Gatys et al., 2016). Johnson et al. (2016,
section 4.1) found a trained net's output worth 50-100 optimisation steps; starting there gives
a picture in a second and the optimiser's quality in a fraction of its time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from brushwork.errors import OptionError
from brushwork.pipelines._common import ImageLike, load_input
from brushwork.pipelines.optimize import (
    OptimizeConfig,
    OptimizeResult,
    StepCallback,
    optimize_result,
)

#: the most refine steps a call may ask for (beyond that, run the optimiser itself)
MAX_STEPS = 1000


def check_steps(steps: int, low: int = 0) -> None:
    """``steps`` must be a whole number in [``low``, :data:`MAX_STEPS`] (0: no refine)."""
    if not isinstance(steps, int) or isinstance(steps, bool) or not low <= steps <= MAX_STEPS:
        raise OptionError(
            f"refine steps must be a whole number from {low} to {MAX_STEPS}, got {steps}"
        )


def refine(
    photo: ImageLike,
    start: ImageLike,
    styles: Sequence[ImageLike],
    *,
    steps: int,
    config: OptimizeConfig | None = None,
    mask: ImageLike | None = None,
    mask_colors: Sequence[tuple[int, int, int]] | None = None,
    progress: bool = False,
    interrupt: Any = None,
    callback: StepCallback | None = None,
) -> OptimizeResult:
    """Optimise ``steps`` iterations from ``start`` (a one-pass result of ``photo``) towards the
    photo's content and the style images' Gram statistics, at ``start``'s size.

    Args:
        photo: the photo the one pass painted (its content is the target).
        start: the one-pass picture; the optimisation's first image and its output size.
        styles: the painting(s); blended by ``config.style_weights`` or split by ``mask``.
        steps: L-BFGS iterations, at least 1.
        callback, interrupt, progress: as :func:`~brushwork.pipelines.optimize.optimize_result`.
        config: the objective and its options (default: the optimiser's own); its ``steps``,
            ``size`` and ``scales`` are replaced.

    Returns:
        the optimiser's result: the refined picture, its losses and their history from the
        start, and the seconds the refine took (not the one pass).
    """
    check_steps(steps, low=1)
    first = load_input(start)
    cfg = replace(config or OptimizeConfig(), steps=steps, size=max(first.rgb.size), scales=None)
    return optimize_result(
        photo,
        list(styles),
        config=cfg,
        init_image=first.rgb,
        mask=mask,
        mask_colors=mask_colors,
        progress=progress,
        interrupt=interrupt,
        callback=callback,
    )
