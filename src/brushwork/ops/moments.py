"""Feature moments: per-channel mean and standard deviation over positions (optionally in a
region), the statistic AdaIN transfers (Huang and Belongie, 2017) and its style loss compares;
below both the nets and the losses that use it."""

from __future__ import annotations

import torch

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError

EPS = 1e-5


def mean_std(
    features: torch.Tensor, eps: float = EPS, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation over positions, in float32.

    Args:
        features: (B, C, H, W).
        mask: optional (B or 1, 1, H, W) non-negative position weights: the statistics of
            that region only.

    Returns:
        (mean, std), each (B, C, 1, 1); ``std = sqrt(var + eps)`` (biased variance).

    Example:
        >>> m, s = mean_std(torch.tensor([[[[1.0, 3.0]]]]), eps=0.0)
        >>> float(m), float(s)
        (2.0, 1.0)
    """
    if features.dim() != 4:
        raise OptionError(f"mean_std: expected (B, C, H, W), got {tuple(features.shape)}")
    x = at_least_float32(features)
    if mask is None:
        var, mean = torch.var_mean(x, dim=(2, 3), keepdim=True, correction=0)
        return mean, (var + eps).sqrt()
    m = mask.to(x.dtype)
    area = m.sum(dim=(2, 3), keepdim=True).clamp_min(1e-8)
    mean = (x * m).sum(dim=(2, 3), keepdim=True) / area
    var = ((x - mean).pow(2) * m).sum(dim=(2, 3), keepdim=True) / area
    return mean, (var + eps).sqrt()
