"""Instance normalisation (Ulyanov, Vedaldi and Lempitsky, "Instance Normalization: The Missing
Ingredient for Fast Stylization", 2016) whose statistics can be recorded on one pass and reused
on another, so that tiles of a large image are normalised alike; and its conditional form
(Dumoulin, Shlens and Kudlur, "A Learned Representation for Artistic Style", 2017), one scale
and shift per style, which lets one net hold many styles.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError

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
    x = at_least_float32(x)
    if stats is None:
        return F.instance_norm(x, eps=eps)
    mean, var = stats
    return (x - mean) * torch.rsqrt(var + eps)


def conditional_instance_norm(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    condition: torch.Tensor,
    stats: tuple[torch.Tensor, torch.Tensor] | None = None,
    eps: float = EPS,
) -> torch.Tensor:
    """Instance norm whose scale and shift mix per-style parameters (Dumoulin et al., 2017):
    ``gamma = sum_s c_s gamma_s``, ``beta = sum_s c_s beta_s``.

    Args:
        x: (B, C, H, W).
        weight, bias: (S, C), one row per style.
        condition: style weights, (B or 1, S) for the whole image, or (B or 1, S, h, w) per
            position (a spatial blend; resized to ``x``'s size by area averaging or bilinearly).
        stats: as in :func:`instance_norm`.

    Returns:
        (B, C, H, W).
    """
    if condition.shape[1] != weight.shape[0]:
        raise OptionError(
            f"condition has {condition.shape[1]} style weights; the norm has {weight.shape[0]}"
        )
    y = instance_norm(x, stats, eps)
    c = condition.to(y.dtype)
    if c.dim() == 2:
        gamma = (c @ weight.to(y.dtype))[:, :, None, None]
        beta = (c @ bias.to(y.dtype))[:, :, None, None]
        return y * gamma + beta
    size = y.shape[-2:]
    if c.shape[-2] >= size[0] and c.shape[-1] >= size[1]:
        c = F.adaptive_avg_pool2d(c, (int(size[0]), int(size[1])))
    else:
        c = F.interpolate(c, size=size, mode="bilinear", align_corners=False)
    gamma = torch.einsum("bshw,sc->bchw", c, weight.to(y.dtype))
    beta = torch.einsum("bshw,sc->bchw", c, bias.to(y.dtype))
    return y * gamma + beta


class InstanceNorm(nn.Module):
    """Affine instance norm. ``mode`` is ``"normal"``, ``"record"`` (normal, and keep the
    statistics seen) or ``"replay"`` (use the kept statistics); see :func:`shared_statistics`.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.mode = "normal"
        self.stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = instance_norm(x, self._statistics(x))
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    def _statistics(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The statistics to normalise with (``None``: ``x``'s own), as ``mode`` says."""
        stats = None
        if self.mode == "record":
            xf = at_least_float32(x)
            self.stats = stats = (
                xf.mean(dim=(2, 3), keepdim=True),
                xf.var(dim=(2, 3), keepdim=True, unbiased=False),
            )
        elif self.mode == "replay":
            if self.stats is None:
                raise RuntimeError("InstanceNorm: replay without recorded statistics")
            stats = self.stats
        return stats


class ConditionalInstanceNorm(InstanceNorm):
    """Conditional instance norm (Dumoulin et al., 2017): a scale and shift per style, (S, C).

    Every slot starts as plain instance norm (scale 1, shift 0). The styles to use are set with
    :func:`set_condition` (or :class:`~brushwork.nets.multistyle.StyleMix`) before a forward
    pass; with one slot and no condition the slot is used.
    """

    def __init__(self, channels: int, styles: int) -> None:
        super().__init__(channels)
        if styles < 1:
            raise OptionError(f"a conditional norm needs at least one style, got {styles}")
        self.styles = styles
        self.weight = nn.Parameter(torch.ones(styles, channels))
        self.bias = nn.Parameter(torch.zeros(styles, channels))
        self.condition: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cond = self.condition
        if cond is None:
            if self.styles != 1:
                raise OptionError(
                    f"this net holds {self.styles} styles: choose one (or a blend) first"
                )
            cond = x.new_ones(1, 1)
        return conditional_instance_norm(x, self.weight, self.bias, cond, self._statistics(x))


def set_condition(net: nn.Module, condition: torch.Tensor | None) -> None:
    """Give every :class:`ConditionalInstanceNorm` of ``net`` the style weights ``condition``:
    (B or 1, S) or per position (B or 1, S, H, W); ``None`` clears them."""
    for m in net.modules():
        if isinstance(m, ConditionalInstanceNorm):
            m.condition = condition


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
    return sum(2 * m.channels for m in norm_layers(net))


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
        if not parts:  # a net without instance norms (batch norm): nothing to share
            return x.new_zeros(x.shape[0], 0)
        return torch.cat(parts, dim=1)


class ReplayStatistics(nn.Module):
    """``net(x)`` with the instance-norm statistics given as (B, S), as :class:`RecordStatistics`
    returns them, instead of ``x``'s own."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        norms = norm_layers(self.net)
        if not norms:
            plain: torch.Tensor = self.net(x)
            return plain
        sizes = [n for m in norms for n in (m.channels,) * 2]
        chunks = torch.split(stats, sizes, dim=1)
        with shared_statistics(self.net, "replay"):
            for i, m in enumerate(norms):
                mean, var = chunks[2 * i], chunks[2 * i + 1]
                m.stats = (mean[:, :, None, None], var[:, :, None, None])
            out: torch.Tensor = self.net(x)
        return out
