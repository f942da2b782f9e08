"""The U-Net generator of pix2pix (Isola et al., CVPR 2017, section 3.2.1 and appendix 6.1.1):
an encoder of 4x4 stride-2 convs (C64-C128-C256-C512-C512-...), a mirrored decoder, and a skip
connection from every encoder level to the decoder level of the same size, so that the low-level
structure of the input (edges, label boundaries) reaches the output directly. Dropout (0.5) in the
decoder levels next to the bottleneck is the generator's only source of noise, as in the paper.

``depth`` sets the input multiple (2**depth): 8 for 256 px training crops (1x1 bottleneck), 7 for
128 px. Upsampling is nearest resize + conv by default (no checkerboards), or the paper's
transposed conv.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.generator import (
    PaddedGenerator,
    check_norm,
    check_positive,
    init_weights,
    norm_layer,
    upsample_conv,
)
from brushwork.options import Options


@dataclass(frozen=True)
class UNetConfig(Options):
    """Hyper-parameters of :class:`UNetGenerator`; saved in the model's config.json.

    Attributes:
        depth: downsampling levels (paper: 8 for 256 px; 7 for 128 px).
        width: channels of the first level (paper: 64); level ``i`` has
            ``width * min(2**i, max_mult)``.
        max_mult: the widest level's multiple of ``width`` (paper: 8).
        norm: "instance" (batch 1 batch norm, as the paper runs it), "batch" or "none".
        dropout: decoder levels next to the bottleneck with dropout 0.5 (paper: 3).
        upsample: "nearest" (resize + conv) or "transpose" (the paper's).
    """

    kind: ClassVar[str] = "unet"

    depth: int = 8
    width: int = 64
    max_mult: int = 8
    norm: str = "instance"
    dropout: int = 3
    upsample: str = "nearest"

    def __post_init__(self) -> None:
        check_positive("unet", width=self.width, max_mult=self.max_mult)
        if not 2 <= self.depth <= 9:
            raise OptionError(f"unet depth must be between 2 and 9, got {self.depth}")
        if not 0 <= self.dropout <= self.depth - 2:
            raise OptionError(
                f"unet dropout levels must be between 0 and depth - 2, got {self.dropout}"
            )
        check_norm(self.norm)
        upsample_conv(1, 1, self.upsample)  # checks the name

    def channels(self, level: int) -> int:
        return int(self.width * min(2**level, self.max_mult))


class UNetGenerator(PaddedGenerator):
    """Image -> image with skip connections; any size (padded to a multiple of 2**depth).

    Example:
        >>> net = UNetGenerator(UNetConfig(depth=3, width=4, dropout=1))
        >>> net(torch.rand(1, 3, 37, 50)).shape
        torch.Size([1, 3, 37, 50])
    """

    def __init__(self, config: UNetConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or UNetConfig()
        self.multiple = 2**cfg.depth
        d = cfg.depth
        down = nn.ModuleList()
        for i in range(d):
            cin = 3 if i == 0 else cfg.channels(i - 1)
            layers: list[nn.Module] = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(cin, cfg.channels(i), 4, 2, 1, bias=cfg.norm != "batch"))
            if 0 < i < d - 1:  # neither the first level nor the bottleneck is normalised
                layers.append(norm_layer(cfg.norm, cfg.channels(i)))
            down.append(nn.Sequential(*layers))
        up = nn.ModuleList()
        for i in reversed(range(d)):
            cin = cfg.channels(i) * (1 if i == d - 1 else 2)
            cout = 3 if i == 0 else cfg.channels(i - 1)
            layers = [nn.ReLU(), upsample_conv(cin, cout, cfg.upsample, kernel=4)]
            if i == 0:
                layers.append(nn.Tanh())
            else:
                layers.append(norm_layer(cfg.norm, cout))
                if d - 1 - cfg.dropout <= i < d - 1:
                    layers.append(nn.Dropout(0.5))
            up.append(nn.Sequential(*layers))
        self.body = _UNetBody(down, up)
        init_weights(self)


class _UNetBody(nn.Module):
    def __init__(self, down: nn.ModuleList, up: nn.ModuleList) -> None:
        super().__init__()
        self.down = down
        self.up = up

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        x = self.up[0](skips.pop())
        for layer in self.up[1:]:
            skip = skips.pop()
            x = layer(torch.cat([skip, x.to(skip.dtype)], dim=1))
        return x


def build(config: dict[str, Any]) -> UNetGenerator:
    """An untrained U-Net from its config.json entry (the method registry's builder)."""
    return UNetGenerator(UNetConfig.from_dict(config))
