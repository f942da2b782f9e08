"""A light transform net for real-time use: the shape of Johnson et al.'s net, made about 60x
cheaper than the paper's by three changes (cf. MobileNets, Howard et al., 2017, for the
depthwise-separable convolutions; ESPCN, Shi et al., 2016, for the sub-pixel output):

- it works at a reduced internal resolution: a stride-2 3x3 stem instead of the 9x9 stride-1
  conv, so the residual blocks run at 1/8 of the input size (the paper's at 1/4);
- residual blocks and upsampling convs are depthwise-separable (3x3 depthwise + 1x1);
- the output is a 3x3 conv to 12 channels at half resolution, rearranged to full-resolution RGB
  (pixel shuffle) instead of a 9x9 conv at full resolution.

Instance norm as in the full net (with the same record/replay of statistics for tiling).
Lite styles are distilled from the full net of the same style (``brushwork train lite``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.norm import InstanceNorm
from brushwork.nets.transformer import ConvBlock, ConvLayer, run_padded
from brushwork.options import Options


@dataclass(frozen=True)
class LiteConfig(Options):
    """Hyper-parameters of :class:`LiteNet`; saved in every model's config.json.

    Args:
        widths: channels at 1/2, 1/4 and 1/8 of the input size.
        residual_blocks: depthwise-separable residual blocks at 1/8 size.
    """

    kind: ClassVar[str] = "lite"

    widths: tuple[int, ...] = (16, 32, 64)
    residual_blocks: int = 5

    def __post_init__(self) -> None:
        if len(self.widths) != 3 or any(int(w) < 1 for w in self.widths):
            raise OptionError(f"widths must be three positive numbers, got {self.widths}")
        if self.residual_blocks < 0:
            raise OptionError(f"residual_blocks must be >= 0, got {self.residual_blocks}")


class SeparableConv(nn.Sequential):
    """Reflection pad + 3x3 depthwise conv + 1x1 pointwise conv."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(
            nn.ReflectionPad2d(1),
            nn.Conv2d(cin, cin, 3, groups=cin),
            nn.Conv2d(cin, cout, 1),
        )


class SeparableResidual(nn.Module):
    """x + IN(sep(ReLU(IN(sep(x)))))."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = SeparableConv(channels, channels)
        self.in1 = InstanceNorm(channels)
        self.conv2 = SeparableConv(channels, channels)
        self.in2 = InstanceNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in1(self.conv1(x)))
        out: torch.Tensor = x + self.in2(self.conv2(y))
        return out


class SeparableUp(nn.Module):
    """2x nearest-neighbour upsampling then a separable conv."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = SeparableConv(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return out


class LiteNet(nn.Module):
    """Photo -> stylised photo in one cheap pass, any size.

    Shape:
        input (B, 3, H, W) RGB in [0, 1]; output the same shape. Sizes that are not multiples of
        8 are reflection-padded inside and cropped back.

    Example:
        >>> net = LiteNet(LiteConfig(widths=(4, 8, 8), residual_blocks=1))
        >>> net(torch.rand(1, 3, 37, 50)).shape
        torch.Size([1, 3, 37, 50])
    """

    def __init__(self, config: LiteConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or LiteConfig()
        w1, w2, w3 = cfg.widths
        self.encoder = nn.Sequential(
            ConvBlock(ConvLayer(3, w1, 3, 2), w1),
            ConvBlock(ConvLayer(w1, w2, 3, 2), w2),
            ConvBlock(ConvLayer(w2, w3, 3, 2), w3),
        )
        self.residual = nn.Sequential(*[SeparableResidual(w3) for _ in range(cfg.residual_blocks)])
        self.decoder = nn.Sequential(
            ConvBlock(SeparableUp(w3, w2), w2), ConvBlock(SeparableUp(w2, w1), w1)
        )
        rgb = nn.Conv2d(w1, 12, 3)
        assert rgb.bias is not None
        nn.init.constant_(rgb.bias, 127.5)  # start mid-grey rather than black: converges sooner
        self.to_rgb = nn.Sequential(nn.ReflectionPad2d(1), rgb, nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise OptionError(f"LiteNet: expected (B, 3, H, W), got {tuple(x.shape)}")
        return run_padded(lambda y: self.to_rgb(self.decoder(self.residual(self.encoder(y)))), x, 8)


def build(config: dict[str, Any]) -> LiteNet:
    """An untrained net from its config.json entry (the method registry's builder)."""
    return LiteNet(LiteConfig.from_dict(config))
