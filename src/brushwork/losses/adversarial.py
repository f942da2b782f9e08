"""Adversarial losses of conditional and unpaired GANs: the original (vanilla) cross-entropy
objective of Goodfellow et al. (2014) on logits, as pix2pix uses it (Isola et al., CVPR 2017),
and the least-squares objective of Mao et al. ("Least Squares Generative Adversarial
Networks", ICCV 2017), which CycleGAN uses for its stabler gradients (Zhu et al., ICCV 2017).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import unknown_choice

GAN_MODES = ("vanilla", "lsgan")


def gan_loss(logits: torch.Tensor, real: bool, mode: str = "lsgan") -> torch.Tensor:
    """How far a discriminator's outputs are from saying "real" (``real=True``) or "fake",
    averaged over every patch: ``mean(BCE-with-logits(logits, target))`` for ``"vanilla"``,
    ``mean((logits - target)^2)`` for ``"lsgan"``, with target 1 or 0.

    A discriminator minimises it with ``real=True`` on real images and ``False`` on fakes; a
    generator minimises it with ``real=True`` on its fakes.

    Example:
        >>> gan_loss(torch.tensor([0.0, 1.5]), real=True, mode="lsgan")
        tensor(0.6250)
    """
    if mode not in GAN_MODES:
        raise unknown_choice("GAN loss", mode, GAN_MODES)
    x = at_least_float32(logits)
    target = torch.full_like(x, 1.0 if real else 0.0)
    if mode == "vanilla":
        return F.binary_cross_entropy_with_logits(x, target)
    return F.mse_loss(x, target)


class GANLoss(nn.Module):
    """Module form of :func:`gan_loss` with its ``mode`` fixed."""

    def __init__(self, mode: str = "lsgan") -> None:
        super().__init__()
        if mode not in GAN_MODES:
            raise unknown_choice("GAN loss", mode, GAN_MODES)
        self.mode = mode

    def forward(self, logits: torch.Tensor, real: bool) -> torch.Tensor:
        return gan_loss(logits, real, self.mode)
