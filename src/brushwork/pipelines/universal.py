"""Universal style transfer (Li et al., "Universal Style Transfer via Feature Transforms",
NeurIPS 2017): any style image, one pass, and no painting seen in training.

Decoders learn only to invert VGG19 features of photos (relu4_1, relu3_1, relu2_1, relu1_1).
The style enters by whitening and colouring (:mod:`brushwork.ops.wct`) the photo's features at
each layer, coarse to fine: encode at relu4_1, transform, decode; encode that picture at
relu3_1, transform, decode; and so on down to relu1_1 (the paper's multi-level pipeline, fig. 2c).
``alpha`` blends each level's transformed features with the picture's own
(``alpha t + (1 - alpha) f``, the paper's eq. 3); several styles mix their transformed features
by weight; a mask whitens and colours each region of the photo with its own statistics. The
rest (loading, colour preservation, style scale, video) is :class:`ArbitraryStyle`'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from brushwork import methods
from brushwork.devices import autocast
from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import COMPONENTS, component, read_model
from brushwork.nets.adain import AdaINDecoder
from brushwork.nets.registry import load_net
from brushwork.ops.wct import coloring, whiten_color
from brushwork.pipelines.arbitrary import (
    ArbitraryStyle,
    check_alpha,
    style_at_each_call,
    style_weights,
)

#: the bundled decoders
DEFAULT_MODEL = "wct"
#: the levels, coarse to fine, that a WCT model may hold (the paper adds relu5_1)
LEVELS = ("relu4_1", "relu3_1", "relu2_1", "relu1_1")

#: a style's WCT targets: layer -> (mean, colouring matrix)
Targets = dict[str, tuple[torch.Tensor, torch.Tensor]]


class UniversalStyle(ArbitraryStyle):
    """Multi-level WCT with photo-only decoders; call it with a photo and any style image(s),
    with the same options as :class:`ArbitraryStyle`.

    Example:
        >>> import brushwork as bw
        >>> wct = bw.load("wct")  # doctest: +SKIP
        >>> wct(photo, style="any_painting.jpg", alpha=0.8)  # doctest: +SKIP
    """

    #: measured: about 2.8 kB per pixel at 1024x768 (float64 covariances at relu1_1)
    bytes_per_pixel = 3_500
    title = "WCT"

    def __init__(
        self,
        decoders: Mapping[str, AdaINDecoder],
        *,
        name: str,
        config: dict[str, Any] | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
    ) -> None:
        levels = [layer for layer in LEVELS if layer in decoders]
        if not levels or len(levels) != len(decoders):
            raise WeightsError(f"{name}: WCT decoders must be some of {', '.join(LEVELS)}")
        # the deepest decoder is the base class's: device, precision and the encoder to its layer
        super().__init__(
            decoders[levels[0]], name=name, config=config, device=device, precision=precision
        )
        self.levels = levels
        self.decoders = {k: decoders[k].to(self.device).eval() for k in levels}

    def _level_features(self, x: torch.Tensor, layers: Sequence[str]) -> dict[str, torch.Tensor]:
        with autocast(self.precision, self.device):
            out = self.encoder(x.to(self.device), list(layers))
        return {k: v.float() for k, v in out.items()}

    @torch.no_grad()
    def style_statistics(self, styles: Sequence[torch.Tensor]) -> list[Targets]:  # type: ignore[override]
        """The WCT targets (mean and colouring matrix at every level) of style images; pass them
        to :meth:`stylize_tensor` to stylise many frames without re-encoding the styles."""
        out = []
        for s in styles:
            feats = self._level_features(s, self.levels)
            out.append({k: coloring(feats[k]) for k in self.levels})
        return out

    @torch.no_grad()
    def stylize_tensor(  # type: ignore[override]
        self,
        content: torch.Tensor,
        styles: Sequence[torch.Tensor] | Sequence[Targets],
        *,
        alpha: float = 1.0,
        weights: Sequence[float] | None = None,
        regions: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Stylise (B, 3, H, W) in [0, 1] with style images (1, 3, h, w) of any size, or with
        their :meth:`style_statistics`; the options are :meth:`ArbitraryStyle.stylize_tensor`'s.

        Returns:
            (B, 3, H, W) float32 on the CPU, not clamped.
        """
        check_alpha(alpha)
        w = style_weights(weights, len(styles))
        targets = [s if isinstance(s, dict) else self.style_statistics([s])[0] for s in styles]
        if regions is not None and regions.shape[1] != len(styles):
            raise OptionError(f"{regions.shape[1]} regions for {len(styles)} styles")
        h, wd = content.shape[-2:]
        f = self.decoder.factor
        pad = (0, (-wd) % f, 0, (-h) % f)
        frames = []
        for b in range(content.shape[0]):
            x = F.pad(content[b : b + 1], pad, mode="reflect").to(self.device)
            r = None if regions is None else F.pad(regions.to(x), pad, mode="replicate")
            for layer in self.levels:
                fc = self._level_features(x, [layer])[layer]
                t = self._transform(fc, layer, targets, w, r)
                t = alpha * t + (1.0 - alpha) * fc
                with autocast(self.precision, self.device):
                    x = self.decoders[layer](t).float()
            frames.append(x[..., :h, :wd].cpu())
        return torch.cat(frames)

    @staticmethod
    def _transform(
        fc: torch.Tensor,
        layer: str,
        targets: Sequence[Targets],
        w: Sequence[float],
        regions: torch.Tensor | None,
    ) -> torch.Tensor:
        """The styles' WCT of ``layer``'s features: blended by ``w``, or one per region."""
        if regions is None:
            return sum(
                (float(wk) * whiten_color(fc, t[layer]) for wk, t in zip(w, targets, strict=True)),
                torch.zeros_like(fc),
            )
        r = F.adaptive_avg_pool2d(regions, (int(fc.shape[-2]), int(fc.shape[-1])))
        out = torch.zeros_like(fc)
        for k, t in enumerate(targets):
            rk = r[:, k : k + 1]
            if float(rk.sum()) > 1:  # a region too small at this level keeps its features
                out = out + rk * whiten_color(fc, t[layer], mask=rk)
            else:
                out = out + rk * fc
        return out

    def __repr__(self) -> str:
        return (
            f"UniversalStyle({self.name!r}, levels={','.join(self.levels)}, device={self.device})"
        )


def from_model(path: os.PathLike[str] | str, **options: Any) -> UniversalStyle:
    """A :class:`UniversalStyle` from a WCT model folder (one decoder per level, its config's
    ``components``), checking that each decodes the VGG19 layer it is named after."""
    model = read_model(path)
    comps = model.config.get(COMPONENTS)
    if not isinstance(comps, Mapping) or not comps:
        raise WeightsError(f"{model.path}: a WCT model holds one decoder per level (components)")
    expect = methods.get("wct").runs
    decoders: dict[str, AdaINDecoder] = {}
    for name in comps:
        net = load_net(component(model, name), expect=expect)
        assert isinstance(net, AdaINDecoder)
        if net.config.layer != name:
            raise WeightsError(f"{model.path}: decoder {name!r} decodes {net.config.layer}")
        decoders[name] = net
    return UniversalStyle(decoders, name=model.path.name, config=model.config, **options)


load_model = style_at_each_call("a WCT model", from_model)
