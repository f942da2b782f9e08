"""Discriminators of pix2pix and CycleGAN (Isola et al., CVPR 2017, section 3.2.2 and appendix
6.1.2): the PatchGAN classifies each overlapping N x N patch of an image as real or fake, so it
judges local texture and leaves global structure to the L1 or cycle term. ``n_layers=3`` is the
paper's 70 x 70 discriminator (C64-C128-C256-C512, 4x4 convs, the first three stride 2, no norm
on the first, LeakyReLU 0.2), 1 gives 16 x 16, 0 the 1 x 1 "PixelGAN".

pix2pix's discriminator is conditional: it sees the input and the output stacked
(``in_channels=6``); CycleGAN's sees one image (3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.generator import check_norm, check_positive, init_weights, norm_layer
from brushwork.options import Options


@dataclass(frozen=True)
class PatchGANConfig(Options):
    """Hyper-parameters of :class:`PatchDiscriminator`; saved in the model's config.json.

    Attributes:
        in_channels: 6 for pix2pix (input and output stacked), 3 for CycleGAN.
        width: channels of the first layer (paper: 64).
        n_layers: stride-2 layers (3: 70 x 70 patches; 0: the per-pixel discriminator).
        norm: "batch" (pix2pix), "instance" (CycleGAN) or "none".
    """

    kind: ClassVar[str] = "patchgan"

    in_channels: int = 6
    width: int = 64
    n_layers: int = 3
    norm: str = "batch"

    def __post_init__(self) -> None:
        check_positive("patchgan", in_channels=self.in_channels, width=self.width)
        if not 0 <= self.n_layers <= 6:
            raise OptionError(f"patchgan n_layers must be between 0 and 6, got {self.n_layers}")
        check_norm(self.norm)


def receptive_field(n_layers: int) -> int:
    """Side of the input patch one output of a PatchGAN with ``n_layers`` sees (1 for the
    pixel discriminator).

    Example:
        >>> [receptive_field(n) for n in (0, 1, 2, 3)]
        [1, 16, 34, 70]
    """
    if n_layers == 0:
        return 1
    rf = 1
    # from the output back: two stride-1 4x4 convs, then n_layers stride-2 4x4 convs
    for stride in [1, 1] + [2] * n_layers:
        rf = (rf - 1) * stride + 4
    return rf


class PatchDiscriminator(nn.Module):
    """Images -> a map of real/fake logits, one per patch.

    Example:
        >>> d = PatchDiscriminator(PatchGANConfig(in_channels=3, width=4))
        >>> d(torch.rand(1, 3, 64, 64)).shape
        torch.Size([1, 1, 6, 6])
    """

    def __init__(self, config: PatchGANConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or PatchGANConfig()
        w, n = cfg.width, cfg.norm
        bias = n != "batch"
        layers: list[nn.Module]
        if cfg.n_layers == 0:
            layers = [
                nn.Conv2d(cfg.in_channels, w, 1),
                nn.LeakyReLU(0.2),
                nn.Conv2d(w, 2 * w, 1, bias=bias),
                norm_layer(n, 2 * w),
                nn.LeakyReLU(0.2),
                nn.Conv2d(2 * w, 1, 1),
            ]
        else:
            layers = [nn.Conv2d(cfg.in_channels, w, 4, 2, 1), nn.LeakyReLU(0.2)]
            mult = 1
            for i in range(1, cfg.n_layers + 1):
                prev, mult = mult, min(2**i, 8)
                stride = 2 if i < cfg.n_layers else 1
                layers += [
                    nn.Conv2d(w * prev, w * mult, 4, stride, 1, bias=bias),
                    norm_layer(n, w * mult),
                    nn.LeakyReLU(0.2),
                ]
            layers.append(nn.Conv2d(w * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)
        init_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.model(x)
        return out


def build(config: dict[str, Any]) -> PatchDiscriminator:
    """An untrained discriminator from its config.json entry (the registry's builder)."""
    return PatchDiscriminator(PatchGANConfig.from_dict(config))
