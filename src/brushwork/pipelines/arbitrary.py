"""Arbitrary style transfer with AdaIN (Huang and Belongie, "Arbitrary Style Transfer in
Real-time with Adaptive Instance Normalization", ICCV 2017): any style image, one pass, no
training per style.

``t = AdaIN(f(c), f(s))`` at VGG19 relu4_1, then the decoder ``g(t)``. The paper's controls
(section 7) work on ``t``: ``alpha`` blends it with the content's own features
(``g(alpha t + (1 - alpha) f(c))``), several styles mix their targets by weight
(``sum_k w_k AdaIN(f(c), f(s_k))``), and a mask gives each region of the photo its own style,
normalised with that region's own statistics. Colour preservation is shared with the other
methods (:mod:`brushwork.ops.color`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from PIL import Image

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.devices import autocast, resolve_device, resolve_precision
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import read_model
from brushwork.nets.adain import AdaINDecoder, adaptive_instance_norm
from brushwork.nets.multistyle import mixture
from brushwork.nets.registry import load_net
from brushwork.ops import color
from brushwork.ops.jitter import check_shifts, remove_grid, shift_ensemble
from brushwork.ops.moments import mean_std
from brushwork.ops.regions import regions_from_mask
from brushwork.pipelines._common import (
    ImageLike,
    check_memory,
    load_input,
    load_mask,
    resized,
    style_tensor,
)
from brushwork.pipelines.feedforward import StylizeResult

#: the bundled decoder
DEFAULT_MODEL = "adain"
#: Rough peak bytes per output pixel (VGG19 to relu4_1 and the decoder, no gradients).
BYTES_PER_PIXEL = 1_500


class ArbitraryStyle:
    """A trained AdaIN decoder; call it with a photo and any style image(s).

    Example:
        >>> import brushwork as bw
        >>> adain = bw.load("adain")
        >>> photo = bw.samples.sample_photo("coffee")
        >>> out = adain(photo, style=bw.samples.brushstrokes(), alpha=0.8)
        >>> out.size
        (600, 400)
    """

    #: rough peak bytes per output pixel of a call (memory checks before the work)
    bytes_per_pixel = BYTES_PER_PIXEL
    #: the method's name in messages
    title = "AdaIN"

    def __init__(
        self,
        decoder: AdaINDecoder,
        *,
        name: str,
        config: dict[str, Any] | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        shifts: int | None = None,
        degrid: bool | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.decoder = decoder.to(self.device).eval()
        self.layer = decoder.config.layer
        self.encoder = load_vgg19(max_layer=self.layer, device=self.device)
        self.name = name
        self.config = config or {}
        #: passes averaged over half-cell shifts (config.json's ``shifts``; 1 for older models)
        value = self.config.get("shifts", 1) if shifts is None else shifts
        check_shifts(value)
        self.shifts: int = value
        #: take out what is left of the decoder's grid (config.json's ``degrid``; off for older
        #: models): :func:`~brushwork.ops.jitter.remove_grid` after the shift ensemble
        flag = self.config.get("degrid", False) if degrid is None else degrid
        if not isinstance(flag, bool):
            raise OptionError(f"degrid must be true or false, got {flag!r}")
        self.degrid: bool = flag

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        with autocast(self.precision, self.device):
            out: torch.Tensor = self.encoder(x.to(self.device), [self.layer])[self.layer]
        return out.float()

    @torch.no_grad()
    def style_statistics(
        self, styles: Sequence[torch.Tensor]
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The targets of style images (for AdaIN, the channel mean and std at the encoder
        layer); pass them to :meth:`stylize_tensor` to stylise many frames without re-encoding
        the styles."""
        return [self.target(self._features(s)) for s in styles]

    def target(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """A style's target from its features at the encoder layer (AdaIN: mean and std)."""
        return mean_std(features)

    def transform(
        self,
        features: torch.Tensor,
        target: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The content ``features`` moved to a style's ``target`` (with ``mask``: the masked
        region's own statistics moved); AdaIN here, a learned transform in subclasses."""
        return adaptive_instance_norm(features, target, mask=mask)

    @torch.no_grad()
    def stylize_tensor(
        self,
        content: torch.Tensor,
        styles: Sequence[torch.Tensor] | Sequence[tuple[torch.Tensor, torch.Tensor]],
        *,
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        regions: torch.Tensor | None = None,
        shifts: int | None = None,
        degrid: bool | None = None,
    ) -> torch.Tensor:
        """Stylise (B, 3, H, W) in [0, 1] with style images (1, 3, h, w) of any size, or with
        their :meth:`style_statistics`.

        Args:
            alpha: 1 = the full style, 0 = the decoder's reconstruction of the content.
            weights: one per style, blending their AdaIN targets (normalised to sum to one).
            regions: (1, R, H, W) region weights, one region per style (excludes ``weights``).
            shifts: 1, 2 or 4 passes over the photo shifted by half the decoder's 8 px grid,
                averaged (:func:`~brushwork.ops.jitter.shift_ensemble`); default the model's.
            degrid: subtract the pattern locked to that grid
                (:func:`~brushwork.ops.jitter.remove_grid`); default the model's.

        Returns:
            (B, 3, H, W) float32 on the CPU, not clamped.
        """
        check_alpha(alpha)
        shifts = self.shifts if shifts is None else shifts
        check_shifts(shifts)
        w = style_weights(weights, len(styles))
        stats = [s if isinstance(s, tuple) else self.style_statistics([s])[0] for s in styles]
        if regions is not None and regions.shape[1] != len(styles):
            raise OptionError(f"{regions.shape[1]} regions for {len(styles)} styles")

        def one_pass(x: torch.Tensor, *region: torch.Tensor) -> torch.Tensor:
            h, wd = x.shape[-2:]
            f = self.decoder.factor
            fc = self._features(F.pad(x, (0, (-wd) % f, 0, (-h) % f), mode="reflect"))
            if region:
                r = F.pad(region[0].to(fc), (0, (-wd) % f, 0, (-h) % f), mode="replicate")
                r = F.adaptive_avg_pool2d(r, (int(fc.shape[-2]), int(fc.shape[-1])))
                t = sum(
                    (
                        r[:, k : k + 1] * self.transform(fc, stats[k], mask=r[:, k : k + 1])
                        for k in range(len(stats))
                    ),
                    torch.zeros_like(fc),
                )
            else:
                t = sum(
                    (float(wk) * self.transform(fc, st) for wk, st in zip(w, stats, strict=True)),
                    torch.zeros_like(fc),
                )
            t = alpha * t + (1.0 - alpha) * fc
            with autocast(self.precision, self.device):
                y: torch.Tensor = self.decoder(t)
            return y.float()[..., :h, :wd].cpu()

        maps = () if regions is None else (regions,)
        y = shift_ensemble(one_pass, shifts, self.decoder.factor, content, *maps)
        use = self.degrid if degrid is None else degrid
        return remove_grid(y, self.decoder.factor) if use else y

    def stylize(
        self,
        image: ImageLike,
        style: ImageLike | Sequence[ImageLike],
        *,
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        preserve_color: str | None = None,
        mask: ImageLike | None = None,
        mask_colors: Sequence[tuple[int, int, int]] | None = None,
        size: int | None = None,
        style_scale: float = 1.0,
    ) -> StylizeResult:
        """Stylise a path or PIL image with one or more style images; alpha is kept.

        Args:
            image: the photo.
            style: a style image, or several (blended by ``weights`` or split by ``mask``).
            alpha: content-style trade-off in [0, 1], at feature level (paper, eq. 15).
            weights: one per style image (paper, eq. 16); default equal.
            preserve_color: ``None``, ``"luminance"`` or ``"histogram"`` (keep the photo's colours).
            mask: colour-coded image of the photo's shape; region r gets style r.
            mask_colors: the region colours in style order (default: darkest first).
            size: long side of the output; ``None`` keeps the photo's size.
            style_scale: style image area relative to the output (larger: larger strokes).
        """
        check_alpha(alpha)
        mode = color.check_mode(preserve_color)
        styles = _as_list(style)
        style_weights(weights, len(styles))
        if mask is not None and weights is not None:
            raise OptionError(
                "style weights cannot be combined with a mask; the mask assigns styles"
            )
        if not style_scale > 0:
            raise OptionError(f"style scale must be > 0, got {style_scale}")
        start = time.perf_counter()
        loaded = load_input(image)
        rgb = resized(loaded.rgb, size)
        w, h = rgb.size
        check_memory(
            w * h * self.bytes_per_pixel, f"stylising {w}x{h} with {self.title}", self.device
        )
        x = imageio.to_tensor(rgb)
        regions = None
        if mask is not None:
            m = load_mask(mask, loaded.rgb.size)
            m = F.interpolate(m, size=(h, w), mode="nearest-exact")
            regions = regions_from_mask(m, len(styles), mask_colors)
        s = [
            color.prepare_style(style_tensor(load_input(p).rgb, w * h, style_scale), x, mode)
            for p in styles
        ]
        y = self.stylize_tensor(
            color.prepare_content(x, mode), s, alpha=alpha, weights=weights, regions=regions
        )
        y = color.finish(y, x, mode)
        out = imageio.with_alpha(imageio.to_pil(y), loaded.alpha)
        return StylizeResult(out, time.perf_counter() - start, 1, "torch")

    def __call__(
        self, image: ImageLike, style: ImageLike | Sequence[ImageLike], **options: Any
    ) -> Image.Image:
        """PIL in, PIL out: :meth:`stylize` with the same options."""
        return self.stylize(image, style, **options).image

    def __repr__(self) -> str:
        return f"ArbitraryStyle({self.name!r}, layer={self.layer}, device={self.device})"


def check_alpha(alpha: float) -> None:
    """``alpha`` must be a number in [0, 1]."""
    if not (isinstance(alpha, int | float) and math.isfinite(alpha) and 0.0 <= alpha <= 1.0):
        raise OptionError(f"alpha must be between 0 and 1, got {alpha}")


def style_weights(weights: Sequence[float] | None, n: int) -> list[float]:
    """Interpolation weights of ``n`` styles, normalised to sum to one (default: equal)."""
    if n < 1:
        raise OptionError("at least one style image is needed")
    if weights is None:
        return [1.0 / n] * n
    if len(weights) != n:
        raise OptionError(f"{n} style image(s) but {len(weights)} style weight(s)")
    return mixture(dict(enumerate(weights)), n).tolist()


def _as_list(style: ImageLike | Sequence[ImageLike]) -> list[ImageLike]:
    if isinstance(style, str | Image.Image) or hasattr(style, "__fspath__"):
        return [style]
    return list(style)


def from_model(path: os.PathLike[str] | str, **options: Any) -> ArbitraryStyle:
    """An :class:`ArbitraryStyle` from a decoder model folder or file, checking that it decodes
    the features of the encoder brushwork has."""
    model = read_model(path)
    enc = model.config.get("encoder", {})
    decoder = load_net(model, expect=methods.get("adain").runs)
    assert isinstance(decoder, AdaINDecoder)
    if not isinstance(enc, dict) or enc.get("name", "vgg19") != "vgg19":
        raise WeightsError(
            f"{model.path}: a decoder for another encoder ({enc}); brushwork has VGG19"
        )
    if enc.get("layer", decoder.config.layer) != decoder.config.layer:
        raise WeightsError(
            f"{model.path}: decoder for encoder depth {enc.get('layer')} but its config says "
            f"{decoder.config.layer}"
        )
    return ArbitraryStyle(decoder, name=model.path.name, config=model.config, **options)


def load_adain(
    name_or_path: str | os.PathLike[str] = DEFAULT_MODEL,
    *,
    device: str | torch.device | None = None,
    precision: str = "fp32",
) -> ArbitraryStyle:
    """The bundled AdaIN decoder (``"adain"``) or a trained one by path."""
    return from_model(zoo.resolve(name_or_path), device=device, precision=precision)


def no_style_at_load(value: str, kind: str, style: Any, options: dict[str, Any]) -> None:
    """A model that takes its style image at each call refuses one (or options) at load."""
    if style is not None or options:
        given = "style" if style is not None else ", ".join(options)
        raise OptionError(
            f"{value} is {kind}: give the style image at each call, "
            f"e.g. bw.load({value!r})(photo, style=painting) (not {given} here)"
        )


AnyStyle = TypeVar("AnyStyle", bound=ArbitraryStyle)


def style_at_each_call(kind: str, from_folder: Callable[..., AnyStyle]) -> Callable[..., AnyStyle]:
    """The method registry's loader (``bw.load``) of an any-style method whose model folders
    ``from_folder`` opens: a bundled name or a path, the style image given at each call (one at
    load is refused, naming ``kind``)."""

    def load_model(
        name_or_path: str | os.PathLike[str],
        *,
        style: Any = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        **options: Any,
    ) -> AnyStyle:
        value = str(name_or_path)
        no_style_at_load(value, kind, style, options)
        return from_folder(zoo.resolve(value), device=device, precision=precision)

    return load_model


load_model = style_at_each_call("an AdaIN decoder", from_model)
