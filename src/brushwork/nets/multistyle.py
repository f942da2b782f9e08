"""Operations on multi-style transform nets (Dumoulin, Shlens and Kudlur, "A Learned
Representation for Artistic Style", 2017): a :class:`~brushwork.nets.transformer.TransformerNet`
with ``styles=N`` whose conditional instance norms hold one scale and shift per style.

- :func:`mixture`: style weights (by slot) -> the normalised convex combination.
- :func:`collapse`: a blend of styles as an ordinary single-style net (the blended scales and
  shifts become plain instance-norm parameters), so every backend, export and tiling path of
  single-style nets serves blends unchanged.
- :class:`StyleMix`: the net with a fixed, possibly per-position, condition (spatial blends).
- :func:`to_conditional`, :func:`add_slots`, :func:`spread`: a single-style net as a one-style
  multi net, new style slots for training a style's norm parameters alone, and a warm start of
  many slots from one net.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import torch
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.norm import ConditionalInstanceNorm, InstanceNorm, set_condition
from brushwork.nets.transformer import TransformerNet


def styles_of(net: nn.Module) -> int:
    """Number of style slots of a multi-style net (0 for a single-style net)."""
    return int(getattr(getattr(net, "config", None), "styles", 0))


def mixture(weights: Mapping[int, float], styles: int) -> torch.Tensor:
    """The style weights ``{slot: weight}`` as a (S,) convex combination (summing to one).

    Raises:
        OptionError: a slot out of range, a negative weight, or weights whose sum is not
            positive.
    """
    if not weights:
        raise OptionError("no style given to blend")
    w = torch.zeros(styles, dtype=torch.float64)
    for slot, value in weights.items():
        if not 0 <= slot < styles:
            raise OptionError(f"style index {slot} is out of range: the model has {styles} styles")
        if not value >= 0:
            raise OptionError(f"style weights must be >= 0, got {value} for style {slot}")
        w[slot] += float(value)
    total = float(w.sum())
    if not total > 0:
        raise OptionError("style weights must sum to a positive number")
    return (w / total).float()


def conditional_norms(net: nn.Module) -> list[ConditionalInstanceNorm]:
    """Every conditional norm of ``net``, in module order."""
    return [m for m in net.modules() if isinstance(m, ConditionalInstanceNorm)]


def collapse(net: TransformerNet, weights: torch.Tensor) -> TransformerNet:
    """The single-style net that computes ``net`` under the style mixture ``weights`` (S,).

    Exact: conditional instance norm with a global condition is instance norm with
    ``gamma = w @ Gamma`` and ``beta = w @ Beta``.
    """
    s = styles_of(net)
    if not s:
        raise OptionError("not a multi-style net")
    if weights.shape != (s,):
        raise OptionError(f"expected {s} style weights, got {tuple(weights.shape)}")
    single = TransformerNet(replace(net.config, styles=0))
    state = {}
    for key, value in net.state_dict().items():
        state[key] = weights.to(value) @ value if _is_norm(net, key) else value
    single.load_state_dict(state)
    return single.to(next(net.parameters()).device).eval()


def to_conditional(net: TransformerNet) -> TransformerNet:
    """A single-style net as a multi-style net with one slot (the same pictures)."""
    if styles_of(net):
        return net
    multi = TransformerNet(replace(net.config, styles=1))
    state = {k: v.unsqueeze(0) if _is_norm(net, k) else v for k, v in net.state_dict().items()}
    multi.load_state_dict(state)
    return multi


def add_slots(net: TransformerNet, count: int = 1, *, init: str = "mean") -> TransformerNet:
    """``net`` (single- or multi-style) with ``count`` new style slots after its own.

    Args:
        init: ``"mean"`` starts each new slot from the mean of the existing styles' scales and
            shifts (a nearby starting point, so a new style trains sooner); ``"identity"`` from
            plain instance norm (scale 1, shift 0).
    """
    if init not in ("mean", "identity"):
        raise OptionError(f"init must be 'mean' or 'identity', got {init!r}")
    base = to_conditional(net)
    s = styles_of(base)
    grown = TransformerNet(replace(base.config, styles=s + count))
    state = {}
    for key, value in base.state_dict().items():
        if _is_norm(base, key):
            if init == "mean":
                extra = value.mean(0, keepdim=True).expand(count, -1)
            else:
                extra = torch.full_like(value[:count], 1.0 if key.endswith("weight") else 0.0)
            value = torch.cat([value, extra])
        state[key] = value
    grown.load_state_dict(state)
    return grown


def spread(net: TransformerNet, styles: int) -> TransformerNet:
    """A net of ``styles`` slots with ``net``'s shared weights, every slot starting from the mean
    of ``net``'s norm parameters (a warm start for training many styles)."""
    base = to_conditional(net)
    multi = TransformerNet(replace(base.config, styles=styles))
    multi.load_state_dict(
        {
            k: v.mean(0, keepdim=True).repeat(styles, 1) if _is_norm(base, k) else v
            for k, v in base.state_dict().items()
        }
    )
    return multi


def _is_norm(net: nn.Module, key: str) -> bool:
    module = net.get_submodule(key.rsplit(".", 1)[0])
    return isinstance(module, InstanceNorm)


class StyleMix(nn.Module):
    """A multi-style net that always uses ``condition``: (1, S) for one blend, or
    (1, S, h, w) style weights per position (a spatial blend; any size, resized to each layer).
    """

    condition: torch.Tensor

    def __init__(self, net: TransformerNet, condition: torch.Tensor) -> None:
        super().__init__()
        s = styles_of(net)
        if not s or condition.dim() not in (2, 4) or condition.shape[1] != s:
            raise OptionError(
                f"condition of shape {tuple(condition.shape)} does not fit a net of {s} styles"
            )
        self.net = net
        self.config = net.config
        self.register_buffer("condition", condition.float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        set_condition(self.net, self.condition)
        try:
            out: torch.Tensor = self.net(x)
        finally:
            set_condition(self.net, None)
        return out
