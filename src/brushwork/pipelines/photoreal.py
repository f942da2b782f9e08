"""Photorealistic style transfer: Deep Photo Style Transfer (Luan, Paris, Shechtman and Bala,
CVPR 2017) as a method of its own, and FastPhotoStyle's smoothing (Li et al., ECCV 2018) for the
output of any method.

Deep Photo Style Transfer is the optimiser of Gatys et al. with two additions: region-to-region
style targets from paired masks (sky to sky; ``content_mask`` and ``style_mask``), and a
photorealism regulariser, the matting Laplacian of the photo, that keeps the output locally an
affine colour transform of the photo (:mod:`brushwork.losses.photorealism`). As in the paper it
runs in two stages: a masked stylisation without the regulariser, then the photorealistic pass
started from it, each coarse to fine for large photos.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import ClassVar

import numpy as np
import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import OptionError, unknown_choice
from brushwork.ops.matting import BYTES_PER_PIXEL
from brushwork.ops.smoothing import MODES, smooth
from brushwork.pipelines._common import ImageLike, check_memory, load_input
from brushwork.pipelines.optimize import (
    OptimizeConfig,
    OptimizeResult,
    StepCallback,
    optimize_result,
)

#: the first stage's coarsest level, when the options give no scales
COARSEST = 256
#: the photorealism weight on this package's objective (Luan et al. used 1e4 on theirs)
PHOTOREALISM_WEIGHT = 1e4


@dataclass(frozen=True)
class PhotorealConfig(OptimizeConfig):
    """The options of Deep Photo Style Transfer: those of the optimiser (for the second stage),
    with these defaults, and the first stage's steps.

    Attributes:
        first_steps: iterations of the first stage (masked stylisation, no regulariser), per
            pyramid level as ``steps``.
        photorealism_weight: lambda of the second stage (the paper's photorealism weight).
        smooth: finish with FastPhotoStyle's smoothing ("fast", "exact"), or ``None``.
    """

    kind: ClassVar[str] = "photoreal"

    steps: int | tuple[int, ...] = 50
    first_steps: int | tuple[int, ...] = 200
    size: int | None = 512
    scales: tuple[int, ...] | None = None
    photorealism_weight: float = PHOTOREALISM_WEIGHT
    smooth: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        coarse = (self.scales[:-1] or self.scales) if self.scales else None
        OptimizeConfig(steps=self.first_steps, scales=coarse)  # checks the first stage
        if self.photorealism_weight <= 0:
            raise OptionError("the photorealistic method needs photorealism_weight > 0")
        check_smooth(self.smooth)
        if self.preserve_color is not None:
            raise OptionError("the photorealistic method takes the style photo's colours; "
                              "preserve_color does not apply")  # fmt: skip

    def stages(self, content_size: tuple[int, int]) -> tuple[OptimizeConfig, OptimizeConfig]:
        """The plain optimiser's configs of the two stages for a photo of ``content_size``:
        the stylisation on the coarse levels (``scales`` but the last, or halves of the size
        down to 256 px; the output size itself when it is smaller than 512 px), then the
        photorealistic pass at the output size."""
        keep = {k: v for k, v in self.to_dict().items() if k not in ("first_steps", "smooth")}
        base = OptimizeConfig.from_dict(keep)
        sizes = base.level_sizes(content_size)
        if self.scales is None:
            while sizes[0] >= 2 * COARSEST:
                sizes.insert(0, sizes[0] // 2)
        coarse = tuple(sizes[:-1]) or (sizes[-1],)
        first = replace(base, scales=coarse, steps=self.first_steps, photorealism_weight=0.0)
        return first, replace(base, scales=(sizes[-1],))

    def total_steps(self, content_size: tuple[int, int]) -> int:
        """Iterations of both stages together."""
        stages = self.stages(content_size)
        return sum(sum(c.level_steps(len(c.level_sizes(content_size)))) for c in stages)


def check_smooth(mode: str | None) -> None:
    """``None``, or one of the smoothing modes."""
    if mode is not None and mode not in MODES:
        raise unknown_choice("smoothing mode", mode, MODES)


def smooth_image(
    photo: ImageLike, stylized: Image.Image, mode: str = "fast", *, strength: float | None = None
) -> Image.Image:
    """FastPhotoStyle's smoothing of any method's output on the structure of its photo.

    Args:
        photo: the content photo (resized to the stylised picture's size).
        stylized: the stylised picture.
        mode: "fast" (guided filter) or "exact" (sparse solve).
        strength: see :func:`brushwork.ops.smoothing.smooth`.

    Returns:
        The smoothed picture (the stylised one's alpha kept).
    """
    check_smooth(mode)
    rgb, alpha = imageio.split_alpha(stylized)
    if mode == "exact":
        w, h = rgb.size
        check_memory(w * h * BYTES_PER_PIXEL, f"exact smoothing of {w}x{h}", torch.device("cpu"))
    content = imageio.resize(load_input(photo).rgb, rgb.size)
    out = smooth(imageio.to_tensor(rgb), imageio.to_tensor(content), mode, strength=strength)
    return imageio.with_alpha(imageio.to_pil(out), alpha)


#: colours of automatic region masks, region by region
PALETTE = ((0, 0, 255), (255, 0, 0), (0, 255, 0), (255, 255, 0), (0, 255, 255), (255, 0, 255))


def _features(img: Image.Image, side: int = 96) -> tuple[np.ndarray, tuple[int, int]]:
    """Per-pixel (lightness, two opponent colours, height) of a thumbnail, and its size."""
    thumb = imageio.resize(img, imageio.size_for_long_side(img.size, side))
    x = np.asarray(thumb, dtype=np.float64) / 255
    h, w, _ = x.shape
    light = x.mean(2)
    red_green = x[..., 0] - x[..., 1]
    yellow_blue = (x[..., 0] + x[..., 1]) / 2 - x[..., 2]
    height = np.repeat(np.linspace(0, 1, h)[:, None], w, axis=1)
    feats = np.stack([light, red_green, yellow_blue, HEIGHT_WEIGHT * height], axis=-1)
    return feats.reshape(-1, 4), (w, h)


#: weight of a pixel's height against its colour when clustering (sky above, ground below)
HEIGHT_WEIGHT = 0.5


def auto_masks(
    content: ImageLike, style: ImageLike, *, regions: int = 3, seed: int = 0
) -> tuple[Image.Image, Image.Image]:
    """Paired region masks for two photos without hand-made ones: each photo is clustered
    (k-means on lightness, colour and height) into ``regions`` regions, and the regions are
    paired across the photos by height and lightness order (Hungarian assignment), so the sky
    goes to the sky and the ground to the ground.

    Returns:
        (content mask, style mask) colour-coded like hand-made ones, each at its photo's size.
    """
    from scipy.cluster.vq import kmeans2
    from scipy.optimize import linear_sum_assignment

    if not 2 <= regions <= len(PALETTE):
        raise OptionError(f"regions must be between 2 and {len(PALETTE)}, got {regions}")
    images = [load_input(content).rgb, load_input(style).rgb]
    labels, summaries = [], []
    for img in images:
        feats, size = _features(img)
        centroids, label = kmeans2(feats, regions, minit="++", seed=seed)
        label = label.reshape(size[1], size[0])
        present = [r for r in range(regions) if (label == r).any()]
        light_rank = np.argsort(np.argsort(centroids[:, 0])) / max(1, regions - 1)
        summaries.append({r: (centroids[r, 3] / HEIGHT_WEIGHT, light_rank[r]) for r in present})
        labels.append(label)
    ours, theirs = summaries
    if len(ours) != len(theirs):  # k-means left a region empty: pair what there is
        n = min(len(ours), len(theirs))
        ours = dict(list(ours.items())[:n])
        theirs = dict(list(theirs.items())[:n])
    cost = np.array(
        [
            [abs(a[0] - b[0]) + 0.5 * abs(a[1] - b[1]) for b in theirs.values()]
            for a in ours.values()
        ]
    )
    rows, cols = linear_sum_assignment(cost)
    colour_of = [
        {list(ours)[i]: PALETTE[k] for k, i in enumerate(rows)},
        {list(theirs)[j]: PALETTE[k] for k, j in enumerate(cols)},
    ]
    masks = []
    for img, label, colours in zip(images, labels, colour_of, strict=True):
        rgb = np.zeros((*label.shape, 3), dtype=np.uint8)
        nearest = next(iter(colours.values()))
        for r in range(regions):
            rgb[label == r] = colours.get(r, nearest)
        small = Image.fromarray(rgb)
        masks.append(small.resize(img.size, Image.Resampling.NEAREST))
    return masks[0], masks[1]


def photorealistic(
    content: ImageLike,
    style: ImageLike,
    *,
    config: PhotorealConfig | None = None,
    content_mask: ImageLike | None = None,
    style_mask: ImageLike | None = None,
    callback: StepCallback | None = None,
    progress: bool = True,
    interrupt: Callable[[], None] | None = None,
    **options: object,
) -> OptimizeResult:
    """Deep Photo Style Transfer of ``style`` (a photo) onto ``content``.

    Args:
        content: the photo.
        style: the style photo (one).
        config: a :class:`PhotorealConfig`; keyword ``options`` build one instead.
        content_mask, style_mask: colour-coded regions of the two photos, paired by colour
            (both or neither).
        callback, progress, interrupt: as :func:`~brushwork.pipelines.optimize.optimize_result`,
            called through both stages (:meth:`PhotorealConfig.total_steps` in all).

    Returns:
        The second stage's result (losses include ``photorealism``), its seconds those of both.
    """
    if config is not None and options:
        raise OptionError("pass either config or keyword options, not both")
    cfg = config if config is not None else _make(**options)
    if (content_mask is None) != (style_mask is None):
        raise OptionError("give both masks (content and style) or neither")
    if cfg.style_weights is not None and len(cfg.style_weights) != 1:
        raise OptionError("the photorealistic method takes one style photo")
    first_cfg, second_cfg = cfg.stages(load_input(content).rgb.size)
    start = time.perf_counter()
    first = optimize_result(
        content, [style], config=first_cfg, mask=content_mask, style_mask=style_mask,
        callback=callback, progress=progress, interrupt=interrupt,
    )  # fmt: skip
    second = optimize_result(
        content, [style], config=second_cfg, init_image=first.image, mask=content_mask,
        style_mask=style_mask, callback=callback, progress=progress, interrupt=interrupt,
    )  # fmt: skip
    image = second.image
    if cfg.smooth is not None:
        image = smooth_image(content, image, cfg.smooth)
    return replace(
        second,
        image=image,
        history=first.history + second.history,
        seconds=time.perf_counter() - start,
    )


def _make(**options: object) -> PhotorealConfig:
    names = {f.name for f in fields(PhotorealConfig)}
    for key in options:
        if key not in names:
            raise unknown_choice("option", key, sorted(names))
    return PhotorealConfig(**options)  # type: ignore[arg-type]
