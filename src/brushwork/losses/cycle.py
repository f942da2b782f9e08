"""The reconstruction terms of image-to-image translation, each a weighted mean absolute error:
pix2pix's L1 to the target (Isola et al., CVPR 2017, eq. 3; lambda 100), CycleGAN's cycle
consistency ``F(G(x)) ~ x`` (Zhu et al., ICCV 2017, eq. 2; lambda 10) and its identity term
``G(y) ~ y`` (section 5.2; 0.5 lambda), which keeps colours from being inverted or shifted
when nothing asks the generators to keep them.
"""

from __future__ import annotations

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError


def l1_loss(output: torch.Tensor, target: torch.Tensor, weight: float = 1.0) -> torch.Tensor:
    """``weight * mean(|output - target|)`` in float32.

    Example:
        >>> l1_loss(torch.tensor([0.0, 1.0]), torch.tensor([0.5, 0.0]), weight=100.0)
        tensor(75.)
    """
    if output.shape != target.shape:
        raise OptionError(f"l1 loss: shapes differ, {tuple(output.shape)} != {tuple(target.shape)}")
    return weight * (at_least_float32(output) - at_least_float32(target)).abs().mean()


def cycle_loss(
    original: torch.Tensor, reconstructed: torch.Tensor, weight: float = 10.0
) -> torch.Tensor:
    """Cycle consistency, ``weight * mean(|F(G(x)) - x|)`` (CycleGAN's lambda = 10)."""
    return l1_loss(reconstructed, original, weight)


def identity_loss(
    image: torch.Tensor, translated: torch.Tensor, weight: float = 5.0
) -> torch.Tensor:
    """Identity, ``weight * mean(|G(y) - y|)`` for ``y`` already in G's target domain
    (CycleGAN: 0.5 x lambda = 5)."""
    return l1_loss(translated, image, weight)


class CycleLoss(nn.Module):
    """Module form of :func:`cycle_loss`."""

    def __init__(self, weight: float = 10.0) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, original: torch.Tensor, reconstructed: torch.Tensor) -> torch.Tensor:
        return cycle_loss(original, reconstructed, self.weight)


class IdentityLoss(nn.Module):
    """Module form of :func:`identity_loss`."""

    def __init__(self, weight: float = 5.0) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, image: torch.Tensor, translated: torch.Tensor) -> torch.Tensor:
        return identity_loss(image, translated, self.weight)
