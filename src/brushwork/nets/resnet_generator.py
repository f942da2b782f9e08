"""The ResNet generator of CycleGAN (Zhu et al., ICCV 2017, appendix 7.2; after Johnson et al.
2016): c7s1-64, d128, d256, ``blocks`` residual blocks R256 (6 for 128 px, 9 for 256 px), u128,
u64, c7s1-3, reflection padding, instance norm. Upsampling is nearest resize + conv by default
(no checkerboards), or the paper's transposed conv. ``residual`` adds a skip from the input to
the output (the refiner of Shrivastava et al., CVPR 2017, and the global residual of Kim et al.,
CVPR 2016): the net learns only the change, and starts as the identity.
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
class ResnetConfig(Options):
    """Hyper-parameters of :class:`ResnetGenerator`; saved in the model's config.json.

    Attributes:
        width: channels of the first conv (paper: 64); the two downsamplings double it twice.
        blocks: residual blocks (paper: 6 at 128 px, 9 at 256 px).
        norm: "instance" (paper), "batch" or "none".
        upsample: "nearest" (resize + conv) or "transpose" (the paper's).
        dropout: dropout inside the residual blocks (the CycleGAN repo's option; 0: off).
        residual: output ``tanh(atanh(x) + r(x))`` for input ``x`` (in [-1, 1]) and the net's
            last conv ``r``, which starts at zero: an identity at the start of training, for
            domains that differ in detail (focus, tone), not in content. Off in the paper.
    """

    kind: ClassVar[str] = "resnet generator"

    width: int = 64
    blocks: int = 9
    norm: str = "instance"
    upsample: str = "nearest"
    dropout: float = 0.0
    residual: bool = False

    def __post_init__(self) -> None:
        check_positive("resnet generator", width=self.width)
        if self.blocks < 0:
            raise OptionError(f"resnet generator blocks must be >= 0, got {self.blocks}")
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError(f"dropout must lie in [0, 1), got {self.dropout}")
        check_norm(self.norm)
        upsample_conv(1, 1, self.upsample)


class _Residual(nn.Module):
    def __init__(self, channels: int, norm: str, dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            norm_layer(norm, channels),
            nn.ReLU(),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers += [
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            norm_layer(norm, channels),
        ]
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.block(x)
        return out


class _InputSkip(nn.Module):
    """``tanh(atanh(x) + r(x))``: the input's pre-activation plus the net's, bounded as the
    tanh output of the paper's generator (``x`` clamped off +-1, where atanh is infinite); in
    float32, so that bf16 autocast does not round the identity part."""

    def __init__(self, net: nn.Sequential) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = torch.atanh(x.float().clamp(-0.999, 0.999))
        out: torch.Tensor = torch.tanh(skip + self.net(x).float())  # float32 under bf16 autocast
        return out


class ResnetGenerator(PaddedGenerator):
    """Image -> image through residual blocks at a quarter of the size; any input size.

    Example:
        >>> net = ResnetGenerator(ResnetConfig(width=4, blocks=1))
        >>> net(torch.rand(1, 3, 37, 50)).shape
        torch.Size([1, 3, 37, 50])
    """

    multiple = 4
    #: padded to 8, a quarter of it still takes the residual blocks' one-pixel reflection pad
    min_side = 5

    def __init__(self, config: ResnetConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or ResnetConfig()
        w, n = cfg.width, cfg.norm

        def conv(cin: int, cout: int, kernel: int, stride: int = 1) -> list[nn.Module]:
            pad: nn.Module = nn.ReflectionPad2d(kernel // 2) if stride == 1 else nn.Identity()
            c = nn.Conv2d(cin, cout, kernel, stride, padding=0 if stride == 1 else kernel // 2)
            return [pad, c, norm_layer(n, cout), nn.ReLU()]

        layers = conv(3, w, 7) + conv(w, 2 * w, 3, 2) + conv(2 * w, 4 * w, 3, 2)
        layers += [_Residual(4 * w, n, cfg.dropout) for _ in range(cfg.blocks)]
        for cin, cout in ((4 * w, 2 * w), (2 * w, w)):
            layers += [upsample_conv(cin, cout, cfg.upsample), norm_layer(n, cout), nn.ReLU()]
        last = nn.Conv2d(w, 3, 7)
        layers += [nn.ReflectionPad2d(3), last]
        body = nn.Sequential(*layers)
        self.body: nn.Module = _InputSkip(body) if cfg.residual else body.append(nn.Tanh())
        init_weights(self)
        if cfg.residual:  # start as the identity
            nn.init.zeros_(last.weight)
            if last.bias is not None:
                nn.init.zeros_(last.bias)


def build(config: dict[str, Any]) -> ResnetGenerator:
    """An untrained ResNet generator from its config.json entry (the registry's builder)."""
    return ResnetGenerator(ResnetConfig.from_dict(config))
