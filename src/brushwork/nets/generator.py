"""What the image-to-image translation nets share (Isola et al., "Image-to-Image Translation
with Conditional Adversarial Networks", CVPR 2017; Zhu et al., "Unpaired Image-to-Image
Translation using Cycle-Consistent Adversarial Networks", ICCV 2017): the norm layer by name,
the papers' weight initialisation, and a generator body run on any image size.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.errors import OptionError, unknown_choice
from brushwork.nets.norm import InstanceNorm

NORMS = ("instance", "batch", "none")
#: init of every conv weight: N(0, INIT_STD); of every norm scale: N(1, INIT_STD) (both papers)
INIT_STD = 0.02


def check_norm(norm: str) -> None:
    if norm not in NORMS:
        raise unknown_choice("norm", norm, NORMS)


def norm_layer(norm: str, channels: int) -> nn.Module:
    """``"instance"`` (brushwork's, whose statistics can be shared by tiles), ``"batch"`` or
    ``"none"``."""
    check_norm(norm)
    if norm == "instance":
        return InstanceNorm(channels)
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    return nn.Identity()


@torch.no_grad()
def init_weights(net: nn.Module, std: float = INIT_STD) -> nn.Module:
    """The papers' init: conv weights N(0, std), biases 0; norm scales N(1, std), shifts 0."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | InstanceNorm):
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
    return net


def check_positive(kind: str, **values: int) -> None:
    for name, v in values.items():
        if int(v) < 1:
            raise OptionError(f"{kind}: {name} must be at least 1, got {v}")


class PaddedGenerator(nn.Module):
    """A generator whose ``body`` maps [-1, 1] images whose sides are multiples of
    :attr:`multiple` to [-1, 1] images (tanh): :meth:`forward` takes [0, 1] images of any size,
    edge-padded on the right and bottom to the multiple and cropped back, as every brushwork
    image net does. The pad is unconditional so that exports keep H and W dynamic, and an edge
    pad (unlike a reflection) reaches any distance, so even a U-Net of multiple 256 takes a
    17-pixel image; a side must be at least :attr:`min_side`."""

    multiple: int
    body: nn.Module
    #: the smallest side :meth:`forward` takes (the body's own reflection pads' reach)
    min_side: int = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise OptionError(f"{type(self).__name__}: expected (B, 3, H, W), got {tuple(x.shape)}")
        h, w = x.shape[-2:]
        m = self.multiple
        y = F.pad(x * 2.0 - 1.0, (0, (-w) % m, 0, (-h) % m), mode="replicate")
        out: torch.Tensor = (self.body(y).float() + 1.0) / 2.0
        return out[..., :h, :w]


def upsample_conv(cin: int, cout: int, mode: str, *, kernel: int = 3) -> nn.Module:
    """2x upsampling: nearest resize + conv (no checkerboards; Odena et al. 2016) or the papers'
    transposed conv (``mode="transpose"``, 4x4 stride 2 as in pix2pix; 3x3 in CycleGAN)."""
    if mode == "transpose":
        if kernel == 4:
            return nn.ConvTranspose2d(cin, cout, 4, 2, padding=1)
        return nn.ConvTranspose2d(cin, cout, 3, 2, padding=1, output_padding=1)
    if mode != "nearest":
        raise unknown_choice("upsample", mode, ("nearest", "transpose"))
    return nn.Sequential(
        nn.Upsample(scale_factor=2.0, mode="nearest"),
        nn.ReflectionPad2d(1),
        nn.Conv2d(cin, cout, 3),
    )


def config_dict(config: Any) -> dict[str, Any]:
    """A net config as config.json holds it."""
    out: dict[str, Any] = config.to_dict()
    return out
