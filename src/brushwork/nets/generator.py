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


def mirror_pad(x: torch.Tensor, right: int, bottom: int) -> torch.Tensor:
    """``x`` (..., H, W) padded by ``right`` columns and ``bottom`` rows of its own mirror image
    (reflection, repeated as often as it takes: a 100-pixel side padded by 156 reflects twice),
    so the padding looks like more of the picture. An edge pad instead smears the last row and
    column into stripes, which a U-Net sees through its whole depth: the bundled facades
    photo -> labels pix2pix at 143 px (padded to 256) labelled 0.355 of the test pixels right
    with an edge pad, 0.448 with this. A side of one pixel is repeated.

    Example:
        >>> mirror_pad(torch.tensor([[[1.0, 2.0, 3.0]]]), 4, 0)
        tensor([[[1., 2., 3., 2., 1., 2., 3.]]])
    """
    for dim, more in ((-1, right), (-2, bottom)):
        while more > 0:
            step = min(more, x.shape[dim] - 1)
            mode = "reflect" if step else "replicate"  # a one-pixel side has no mirror image
            step = step or more
            x = _pad(x, (0, step, 0, 0) if dim == -1 else (0, 0, 0, step), mode)
            more -= step
    return x


def _pad(x: torch.Tensor, pad: tuple[int, int, int, int], mode: str) -> torch.Tensor:
    """F.pad of the last two dims, for any number of leading dims (it wants 3 or 4)."""
    lead = x.shape[:-2]
    y = F.pad(x.reshape(-1, *x.shape[-2:]), pad, mode=mode)
    return y.reshape(*lead, *y.shape[-2:])


class PaddedGenerator(nn.Module):
    """A generator whose ``body`` maps [-1, 1] images whose sides are multiples of
    :attr:`multiple` to [-1, 1] images (tanh): :meth:`forward` takes [0, 1] images of any size,
    padded on the right and bottom to the multiple by their mirror image (:func:`mirror_pad`,
    as the pix2pix issue asks: reflect-pad, run, crop back)."""

    multiple: int
    body: nn.Module
    #: the smallest side :meth:`forward` takes (the body's own reflection pads' reach)
    min_side: int = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise OptionError(f"{type(self).__name__}: expected (B, 3, H, W), got {tuple(x.shape)}")
        h, w = x.shape[-2:]
        m = self.multiple
        pad_w, pad_h = (-w) % m, (-h) % m
        if torch.compiler.is_exporting():
            # an exported graph cannot branch on its input's size, as a reflection's reach
            # needs; the engines feed it multiples (PaddedEngine), so this pad is empty there
            y = F.pad(x * 2.0 - 1.0, (0, pad_w, 0, pad_h), mode="replicate")
        else:
            y = mirror_pad(x * 2.0 - 1.0, pad_w, pad_h)
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
