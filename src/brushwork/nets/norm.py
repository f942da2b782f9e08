"""Instance normalisation (Ulyanov, Vedaldi and Lempitsky, "Instance Normalization: The Missing
Ingredient for Fast Stylization", 2016) whose statistics can be recorded on one pass and reused
on another, so that tiles of a large image are normalised alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-5


def instance_norm(
    x: torch.Tensor, stats: tuple[torch.Tensor, torch.Tensor] | None = None, eps: float = EPS
) -> torch.Tensor:
    """Normalise each channel of each image to zero mean and unit variance, in float32
    (float64 stays float64).

    Args:
        x: (B, C, H, W).
        stats: optional (mean, var), each (B, C, 1, 1), used instead of ``x``'s own.

    Returns:
        (B, C, H, W).
    """
    x = x if x.dtype == torch.float64 else x.float()
    if stats is None:
        return F.instance_norm(x, eps=eps)
    mean, var = stats
    return (x - mean) * torch.rsqrt(var + eps)


class InstanceNorm(nn.Module):
    """Affine instance norm. ``mode`` is ``"normal"``, ``"record"`` (normal, and keep the
    statistics seen) or ``"replay"`` (use the kept statistics); see :func:`shared_statistics`.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.mode = "normal"
        self.stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stats = None
        if self.mode == "record":
            xf = x if x.dtype == torch.float64 else x.float()
            self.stats = stats = (
                xf.mean(dim=(2, 3), keepdim=True),
                xf.var(dim=(2, 3), keepdim=True, unbiased=False),
            )
        elif self.mode == "replay":
            if self.stats is None:
                raise RuntimeError("InstanceNorm: replay without recorded statistics")
            stats = self.stats
        y = instance_norm(x, stats)
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


@contextlib.contextmanager
def shared_statistics(net: nn.Module, mode: str) -> Iterator[None]:
    """Set every :class:`InstanceNorm` in ``net`` to ``mode`` for the block; ``"record"`` keeps
    the statistics for a later ``"replay"`` block, which then forgets them."""
    norms = norm_layers(net)
    for m in norms:
        m.mode = mode
    try:
        yield
    finally:
        for m in norms:
            m.mode = "normal"
            if mode == "replay":
                m.stats = None


def norm_layers(net: nn.Module) -> list[InstanceNorm]:
    """Every :class:`InstanceNorm` of ``net``, in module order."""
    return [m for m in net.modules() if isinstance(m, InstanceNorm)]


def statistics_width(net: nn.Module) -> int:
    """Length of the flat statistics vector of ``net``: mean and variance of every channel of
    every instance norm."""
    return sum(2 * m.weight.numel() for m in norm_layers(net))


class RecordStatistics(nn.Module):
    """``net`` returning the statistics its instance norms saw, flattened to (B, S): per norm,
    the C means then the C variances. With :class:`ReplayStatistics` these let an exported graph
    normalise every tile of a large image alike."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with shared_statistics(self.net, "record"):
            self.net(x)
            parts = []
            for m in norm_layers(self.net):
                assert m.stats is not None
                parts += [m.stats[0].flatten(1), m.stats[1].flatten(1)]
        return torch.cat(parts, dim=1)


class ReplayStatistics(nn.Module):
    """``net(x)`` with the instance-norm statistics given as (B, S), as :class:`RecordStatistics`
    returns them, instead of ``x``'s own."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        norms = norm_layers(self.net)
        sizes = [n for m in norms for n in (m.weight.numel(),) * 2]
        chunks = torch.split(stats, sizes, dim=1)
        with shared_statistics(self.net, "replay"):
            for i, m in enumerate(norms):
                mean, var = chunks[2 * i], chunks[2 * i + 1]
                m.stats = (mean[:, :, None, None], var[:, :, None, None])
            out: torch.Tensor = self.net(x)
        return out
