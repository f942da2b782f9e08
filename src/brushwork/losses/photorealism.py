"""The photorealism regulariser of Deep Photo Style Transfer (Luan, Paris, Shechtman and Bala,
CVPR 2017, eq. 2): ``L_m = sum over channels c of V_c^T L V_c``, with ``L`` the matting Laplacian
of the *input photo* (:mod:`brushwork.ops.matting`) and ``V_c`` channel c of the output,
vectorised row by row. It is small when the output is, in every 3x3 window, an affine transform
of the photo's colours, so it penalises painterly texture and bent lines but not a change of
colour and light. Its gradient is ``2 L V_c`` (``L`` is symmetric), computed here directly by
one sparse product instead of through autograd.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from brushwork.errors import OptionError

#: the pixel count a photorealism weight refers to: the optimiser scales the weight by
#: REFERENCE_PIXELS / (H * W), so one weight acts alike at every size (the energy is a sum over
#: pixels; Luan et al.'s 1e4 was set for photos of about this size)
REFERENCE_PIXELS = 512 * 512


class _MattingEnergy(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, v: torch.Tensor, laplacian: torch.Tensor) -> torch.Tensor:
        lv = laplacian @ v  # (N, 3)
        ctx.save_for_backward(lv)
        return (v * lv).sum()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (lv,) = ctx.saved_tensors
        return 2.0 * lv * grad, None


def photorealism_loss(image: torch.Tensor, laplacian: torch.Tensor) -> torch.Tensor:
    """``sum_c V_c^T L V_c`` of an image, in float32 whatever the autocast.

    Args:
        image: (1, 3, H, W) in [0, 1].
        laplacian: (H*W, H*W) sparse (CSR) or dense tensor, e.g.
            ``to_torch(matting_laplacian(photo))``.

    Returns:
        A scalar; its gradient is ``2 L V``.

    Example:
        >>> from brushwork.ops.matting import matting_laplacian, to_torch
        >>> photo = torch.rand(1, 3, 6, 7)
        >>> L = to_torch(matting_laplacian(photo))
        >>> affine, noise = 0.5 * photo + 0.2, torch.rand(1, 3, 6, 7)
        >>> bool(photorealism_loss(affine, L) < 1e-3 * photorealism_loss(noise, L))
        True
    """
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise OptionError(f"photorealism_loss: expected (1, 3, H, W), got {tuple(image.shape)}")
    n = image.shape[-2] * image.shape[-1]
    if tuple(laplacian.shape) != (n, n):
        raise OptionError(
            f"photorealism_loss: Laplacian {tuple(laplacian.shape)} does not fit an image of "
            f"{image.shape[-1]}x{image.shape[-2]}"
        )
    with torch.autocast(device_type=image.device.type, enabled=False):
        v = image[0].float().reshape(3, n).t()  # (N, 3), pixels row by row
        out: torch.Tensor = _MattingEnergy.apply(v, laplacian.to(torch.float32))  # type: ignore[no-untyped-call]
        return out


class PhotorealismLoss(nn.Module):
    """Holds the matting Laplacian of the input photo; ``forward(image)`` calls
    :func:`photorealism_loss`."""

    laplacian: torch.Tensor

    def __init__(self, laplacian: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("laplacian", laplacian)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return photorealism_loss(image, self.laplacian)
