"""The super-resolution network of Johnson, Alahi and Fei-Fei ("Perceptual Losses for Real-Time
Style Transfer and Super-Resolution", ECCV 2016, section 4.2 and supplement): residual blocks
at the low resolution, then log2(scale) stages that each double the size, then a 9x9 conv to
RGB.

Two departures, both measured to train faster on little compute: no batch norm (as in EDSR,
Lim et al. 2017, normalisation hurts super-resolution) and a global skip, so the net learns
only what bicubic upscaling misses (as in VDSR, Kim et al. 2016); each stage doubles by
nearest-neighbour upsampling then a conv, which avoids checkerboard artefacts (Odena et al.
2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.transformer import ConvLayer
from brushwork.options import Options

#: Scales a net can be built for (each a power of two).
SCALES = (2, 4, 8)


@dataclass(frozen=True)
class SRConfig(Options):
    """Architecture of an :class:`SRNet`.

    Attributes:
        scale: the upscaling factor, 2, 4 or 8.
        channels: feature maps at every resolution.
        residual_blocks: conv-ReLU-conv blocks at the input resolution (Johnson et al.: 4).
        tail_kernel: kernel of the last conv to RGB (Johnson et al.: 9).
    """

    kind: ClassVar[str] = "sr"

    scale: int = 4
    channels: int = 64
    residual_blocks: int = 4
    tail_kernel: int = 9

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise OptionError(
                f"scale must be one of {', '.join(map(str, SCALES))}, got {self.scale}"
            )
        if self.channels < 1 or self.residual_blocks < 0 or self.tail_kernel % 2 == 0:
            raise OptionError("channels >= 1, residual_blocks >= 0 and an odd tail_kernel")


class PlainResidualBlock(nn.Module):
    """conv-ReLU-conv plus the identity, without normalisation (Lim et al., 2017)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3)
        self.conv2 = ConvLayer(channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.conv2(F.relu(self.conv1(x)))
        return out


class Upsample2x(nn.Module):
    """2x nearest-neighbour upsampling, conv, ReLU."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = ConvLayer(channels, channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest")))


class SRNet(nn.Module):
    """Low-resolution RGB -> ``scale`` times larger RGB.

    Shape:
        input (B, 3, H, W) in [0, 1]; output (B, 3, scale*H, scale*W), not clamped (the
        pipeline clamps). Any H, W of at least ``min_side`` pixels.

    Example:
        >>> net = SRNet(SRConfig(scale=4, channels=8, residual_blocks=1))
        >>> net(torch.rand(1, 3, 7, 10)).shape
        torch.Size([1, 3, 28, 40])
    """

    def __init__(self, config: SRConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or SRConfig()
        c = cfg.channels
        self.head = ConvLayer(3, c, 9)
        self.residual = nn.Sequential(*(PlainResidualBlock(c) for _ in range(cfg.residual_blocks)))
        self.upsample = nn.Sequential(*(Upsample2x(c) for _ in range(int(math.log2(cfg.scale)))))
        self.tail = ConvLayer(c, 3, cfg.tail_kernel)

    @property
    def scale(self) -> int:
        return self.config.scale

    @property
    def min_side(self) -> int:
        """The smallest input side the reflection padding of the 9x9 head can take."""
        return 5

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise OptionError(f"SRNet: expected (B, 3, H, W), got {tuple(x.shape)}")
        h = F.relu(self.head(x - 0.5))
        h = self.upsample(h + self.residual(h))
        base = F.interpolate(x, scale_factor=float(self.scale), mode="bicubic", align_corners=False)
        out: torch.Tensor = base + self.tail(h)
        return out


def build(config: dict[str, Any]) -> SRNet:
    """An untrained net from its config.json entry (the method registry's builder)."""
    return SRNet(SRConfig.from_dict(config))
