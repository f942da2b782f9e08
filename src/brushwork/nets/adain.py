"""Adaptive instance normalisation and its decoder (Huang and Belongie, "Arbitrary Style
Transfer in Real-time with Adaptive Instance Normalization", ICCV 2017).

AdaIN gives each channel of the content features the mean and standard deviation of the style
features: ``AdaIN(x, y) = sigma(y) (x - mu(x)) / sigma(x) + mu(y)``. A fixed VGG19 encodes both
images up to relu4_1; the decoder here mirrors that encoder (nearest-neighbour upsampling in
place of pooling, reflection padding, no normalisation) and maps the result back to an image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError
from brushwork.ops.moments import EPS, mean_std
from brushwork.options import OMIT_DEFAULT, Options

#: the encoder layers a decoder can invert, and their widths (the AdaIN paper's is relu4_1;
#: universal style transfer, Li et al. 2017, decodes every relu*_1)
LAYER_WIDTHS = {"relu1_1": 64, "relu2_1": 128, "relu3_1": 256, "relu4_1": 512}

#: VGG19 mirrored, one block per layer from the deepest: the (in, out, upsample after) convs
#: that undo the layer's convs back to the previous relu*_1 (the last, 64 -> 3, is added after)
MIRROR: tuple[tuple[str, tuple[tuple[int, int, bool], ...]], ...] = (
    ("relu4_1", ((512, 256, True), (256, 256, False), (256, 256, False), (256, 256, False))),
    ("relu3_1", ((256, 128, True), (128, 128, False))),
    ("relu2_1", ((128, 64, True), (64, 64, False))),
)


def adaptive_instance_norm(
    content: torch.Tensor,
    style: torch.Tensor | tuple[torch.Tensor, torch.Tensor],
    eps: float = EPS,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """AdaIN (Huang and Belongie, 2017, eq. 8): ``content`` normalised per channel, then scaled
    by the style's standard deviation and shifted by its mean.

    Args:
        content: features (B, C, H, W).
        style: features (B or 1, C, h, w) of any size, or their ``(mean, std)`` from
            :func:`mean_std`, each (B or 1, C, 1, 1).
        mask: optional (B or 1, 1, H, W) region of the content whose own statistics are
            normalised (the paper's spatial control, section 7); outside it the result is
            meaningless, so callers combine regions with their masks.

    Returns:
        (B, C, H, W) float32 with the style's per-channel mean and std.
    """
    c_mean, c_std = mean_std(content, eps, mask)
    s_mean, s_std = mean_std(style, eps) if isinstance(style, torch.Tensor) else style
    if s_mean.shape[1] != content.shape[1]:
        raise OptionError(
            f"adaptive_instance_norm: content has {content.shape[1]} channels, "
            f"style {s_mean.shape[1]}"
        )
    x = at_least_float32(content)
    return (x - c_mean) / c_std * s_std + s_mean


class AdaIN(nn.Module):
    """Module form of :func:`adaptive_instance_norm` (no parameters)."""

    def __init__(self, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps

    def forward(
        self, content: torch.Tensor, style: torch.Tensor | tuple[torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        return adaptive_instance_norm(content, style, self.eps)


@dataclass(frozen=True)
class DecoderConfig(Options):
    """Hyper-parameters of :class:`AdaINDecoder`; saved in the model's config.json.

    Args:
        layer: the encoder layer whose features it decodes (the paper: ``relu4_1``).
        width: channel multiplier of the mirrored VGG widths (1.0 = the paper's 256/128/64).
        input_scale: factor on the features before the first conv; shallow VGG layers are
            large (relu1_1 about 40 RMS on a photo), and at 1 Adam's steps are too coarse for the
            near-linear inverse of a shallow layer (1/RMS of the layer is a good value).
    """

    kind: ClassVar[str] = "decoder"

    layer: str = "relu4_1"
    width: float = 1.0
    input_scale: float = field(default=1.0, metadata=OMIT_DEFAULT)

    def __post_init__(self) -> None:
        if self.layer not in LAYER_WIDTHS:
            raise OptionError(
                f"decoder layer must be one of {', '.join(LAYER_WIDTHS)}, got {self.layer!r}"
            )
        if not 0 < self.width <= 4:
            raise OptionError(f"decoder width must be in (0, 4], got {self.width}")
        if not 0 < self.input_scale <= 1:
            raise OptionError(f"decoder input scale must be in (0, 1], got {self.input_scale}")


class _Conv(nn.Sequential):
    """Reflection pad + 3x3 conv."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3))


class AdaINDecoder(nn.Module):
    """Features at ``config.layer`` -> RGB image: VGG19 mirrored (relu4_1 -> 256, up, 3 x 256,
    256 -> 128, up, 128, 128 -> 64, up, 64, 64 -> 3), ReLU after every conv but the last.

    Shape:
        input (B, C, h, w) features; output (B, 3, h * 2^k, w * 2^k) RGB, about [0, 1]
        (not clamped: the losses see what the net really produced).

    Example:
        >>> dec = AdaINDecoder(DecoderConfig(width=0.125))
        >>> dec(torch.rand(1, 512, 5, 7)).shape
        torch.Size([1, 3, 40, 56])
    """

    def __init__(self, config: DecoderConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or DecoderConfig()

        def w(c: int) -> int:
            return max(1, round(c * cfg.width))

        cin = LAYER_WIDTHS[cfg.layer]
        # (in, out, upsample after) per conv, mirroring VGG19's convs up to cfg.layer: each
        # block undoes one layer's convs and the pooling before them; the encoder's features
        # come in at their own width, the rest scale with ``width``
        plan = [conv for layer, block in MIRROR if LAYER_WIDTHS[layer] <= cin for conv in block]
        plan.append((64, 3, False))
        layers: list[nn.Module] = []
        for i, (a, b, up) in enumerate(plan):
            layers.append(_Conv(cin if i == 0 else w(a), 3 if b == 3 else w(b)))
            if i < len(plan) - 1:
                layers.append(nn.ReLU())
            if up:
                layers.append(nn.Upsample(scale_factor=2.0, mode="nearest"))
        self.body = nn.Sequential(*layers)
        self.in_channels = cin
        self.factor = 2 ** sum(up for _, _, up in plan)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if features.dim() != 4 or features.shape[1] != self.in_channels:
            raise OptionError(
                f"AdaINDecoder: expected (B, {self.in_channels}, h, w) {self.config.layer} "
                f"features, got {tuple(features.shape)}"
            )
        if self.config.input_scale != 1.0:
            features = features * self.config.input_scale
        out: torch.Tensor = self.body(features)
        return out


def build(config: dict[str, Any]) -> AdaINDecoder:
    """An untrained net from its config.json entry (the method registry's builder)."""
    return AdaINDecoder(DecoderConfig.from_dict(config))
