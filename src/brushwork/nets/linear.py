"""A learned linear style transform (Li, Liu, Li and Yang, "Learning Linear Transformations for
Fast Arbitrary Style Transfer", CVPR 2019), started from whitening and colouring.

WCT (Li et al. 2017, :mod:`brushwork.ops.wct`) moves a photo's features to a painting's
covariance with a whitening and a colouring matrix, eigendecompositions of the full feature
covariances. Li et al. 2019 learn the transform instead: the features are compressed to ``rank``
channels, two small CNNs turn the content's and the style's (centred) features into one
``rank x rank`` matrix each from their covariance, and the transform is their product:

    ``t = expand(T_s T_c (compress(f_c) - mu)) + mu_s``

It is linear in the content features, so it keeps their structure, and it is trained end to end
through a fixed reconstruction decoder on the style loss, so it learns what the loss wants. Here
each learned matrix is a correction added to its WCT counterpart in the compressed space,
``T_c = C_c^(-1/2) + net_c(f_c)`` and ``T_s = C_s^(1/2) + net_s(f_s)`` (``C``: the
covariances of the compressed features; eigendecompositions of ``rank x rank`` matrices, cheap).
With the corrections at zero and compress/expand on the photos' principal axes
(:meth:`LinearTransform.init_projection`) it is WCT in that subspace, so training starts from a
transform that already follows each painting: learnt from scratch as in the paper, a CPU budget
of a few thousand steps gave one average style for every painting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from brushwork.devices import at_least_float32
from brushwork.errors import OptionError
from brushwork.nets.adain import LAYER_WIDTHS
from brushwork.ops.wct import matrix_power
from brushwork.options import Options

#: a style's target: its feature mean (1, C, 1, 1) and its matrix (1, rank, rank)
LinearTarget = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class LinearConfig(Options):
    """Hyper-parameters of :class:`LinearTransform`; saved in the model's config.json.

    Args:
        layer: the VGG19 layer it transforms (the paper's models: relu3_1 and relu4_1).
        rank: side of the learned matrices (the paper: 32).
        input_scale: factor on the features inside the transform (1 / their RMS on photos),
            undone on the way out, so the small nets see values near 1.
    """

    kind: ClassVar[str] = "linear transform"

    layer: str = "relu3_1"
    rank: int = 32
    input_scale: float = 0.005

    def __post_init__(self) -> None:
        if self.layer not in LAYER_WIDTHS:
            raise OptionError(f"layer must be one of {', '.join(LAYER_WIDTHS)}, got {self.layer!r}")
        if not 2 <= self.rank <= LAYER_WIDTHS[self.layer]:
            raise OptionError(f"rank must be in [2, {LAYER_WIDTHS[self.layer]}], got {self.rank}")
        if not 0 < self.input_scale <= 1:
            raise OptionError(f"input scale must be in (0, 1], got {self.input_scale}")


def check_detail(value: object) -> float:
    """``value`` as a detail share, or a one-line :class:`OptionError` unless it is in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise OptionError(f"detail must be a number in [0, 1], got {value!r}")
    return float(value)


def masked_mean(x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Per-channel mean of (B, C, H, W) over the pixels, weighted by ``mask`` (B or 1, 1, H, W)."""
    if mask is None:
        return x.mean(dim=(2, 3), keepdim=True)
    m = mask.to(x)
    return (x * m).sum(dim=(2, 3), keepdim=True) / m.sum(dim=(2, 3), keepdim=True).clamp_min(1e-8)


def second_moment(z: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """``z z^T / N`` over the pixels of (B, r, H, W) (weighted by ``mask``), in float32: (B, r, r).

    Example:
        >>> second_moment(torch.tensor([[[[1.0, -1.0]], [[2.0, 0.0]]]]))
        tensor([[[1., 1.],
                 [1., 2.]]])
    """
    b, r = z.shape[:2]
    with torch.autocast(device_type=z.device.type, enabled=False):
        f = at_least_float32(z).reshape(b, r, -1)
        if mask is None:
            return f @ f.transpose(1, 2) / f.shape[-1]
        m = at_least_float32(mask.to(z.device)).reshape(mask.shape[0], 1, -1)
        return (f * m) @ f.transpose(1, 2) / m.sum(dim=-1, keepdim=True).clamp_min(1e-8)


class MatrixNet(nn.Module):
    """Centred features (B, C, H, W) -> a (B, rank, rank) matrix: three 3x3 convs narrow C to
    ``rank`` (C/2, C/4, rank), then the second moment of the result over the pixels, then one
    fully connected layer (the paper's CNN of fig. 3); here the learned correction of a WCT
    matrix."""

    def __init__(self, channels: int, rank: int) -> None:
        super().__init__()
        self.rank = rank
        self.convs = nn.Sequential(
            nn.Conv2d(channels, channels // 2, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels // 2, channels // 4, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels // 4, rank, 3, padding=1),
        )
        self.fc = nn.Linear(rank * rank, rank * rank)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        moment = second_moment(self.convs(x), mask)
        out: torch.Tensor = self.fc(moment.flatten(1).to(self.fc.weight.dtype))
        return out.reshape(-1, self.rank, self.rank)


class LinearTransform(nn.Module):
    """The learned transform of Li et al. (2019): content features and a style's target ->
    stylised features at the same layer.

    Shape:
        content (B, C, H, W) features of ``config.layer``; a style's target from
        :meth:`style_target`; output (B, C, H, W) float32.

    Example:
        >>> t = LinearTransform(LinearConfig(layer="relu1_1", rank=4))
        >>> fc, fs = torch.rand(1, 64, 6, 6), torch.rand(1, 64, 5, 7)
        >>> t(fc, t.style_target(fs)).shape
        torch.Size([1, 64, 6, 6])
    """

    def __init__(self, config: LinearConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or LinearConfig()
        self.channels = c = LAYER_WIDTHS[cfg.layer]
        self.content_net = MatrixNet(c, cfg.rank)
        self.style_net = MatrixNet(c, cfg.rank)
        self.compress = nn.Conv2d(c, cfg.rank, 1)
        self.expand = nn.Conv2d(cfg.rank, c, 1)

    def _check(self, x: torch.Tensor, what: str) -> None:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise OptionError(
                f"LinearTransform: expected (B, {self.channels}, h, w) {self.config.layer} "
                f"{what} features, got {tuple(x.shape)}"
            )

    def _compressed(
        self, features: torch.Tensor, mask: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scaled features' mean and centred features, their compressed (centred) form and its
        covariance (fixed: no gradient flows through the eigendecompositions)."""
        f = features * self.config.input_scale
        mean = masked_mean(f, mask)
        centred = f - mean
        z = self.compress(centred)
        z = z - masked_mean(z, mask)
        with torch.no_grad():
            cov = second_moment(z, mask)
        return mean, centred, z, cov

    def style_target(self, style: torch.Tensor, mask: torch.Tensor | None = None) -> LinearTarget:
        """A style's mean and matrix ``T_s`` from its features (B, C, h, w) (of a masked
        region)."""
        self._check(style, "style")
        mean, centred, _, cov = self._compressed(style, mask)
        return mean, matrix_power(cov, 0.5) + self.style_net(centred, mask)

    def forward(
        self,
        content: torch.Tensor,
        target: LinearTarget,
        mask: torch.Tensor | None = None,
        detail: float = 0.0,
    ) -> torch.Tensor:
        """``content``'s features with the style of ``target``; with ``mask`` (B or 1, 1, H, W)
        the content's statistics are those of the masked region (elsewhere the result is
        meaningless, so callers combine regions with their masks). ``detail`` in [0, 1] adds
        back that share of the content's centred features outside the compressed subspace
        (:meth:`outside`), which the transform otherwise drops (0: the paper's transform)."""
        self._check(content, "content")
        s_mean, s_matrix = target
        _, centred, z, cov = self._compressed(content, mask)
        c_matrix = matrix_power(cov, -0.5) + self.content_net(centred, mask).float()
        b, r, h, w = z.shape
        moved = (s_matrix.float() @ c_matrix) @ z.float().reshape(b, r, h * w)
        out: torch.Tensor = self.expand(moved.reshape(b, r, h, w).to(z.dtype)).float()
        if detail:
            out = out + detail * self.outside(centred.float())
        return (out + s_mean.float()) / self.config.input_scale

    def outside(self, centred: torch.Tensor) -> torch.Tensor:
        """The part of (scaled, centred) features (B, C, H, W) outside the subspace that
        ``compress`` reads: the features minus their orthogonal projection onto the span of its
        ``rank`` rows (float32)."""
        with torch.autocast(device_type=centred.device.type, enabled=False):
            rows = self.compress.weight.detach().float().reshape(self.config.rank, -1)
            basis, _ = torch.linalg.qr(rows.T)  # (C, rank), orthonormal columns
            f = centred.float()
            inside = torch.einsum("ck,dk,bdhw->bchw", basis, basis, f)
            return f - inside

    @torch.no_grad()
    def init_projection(self, features: torch.Tensor) -> None:
        """Start as WCT in the features' principal subspace: ``compress`` and ``expand``
        project onto the ``rank`` leading principal axes of ``features`` (N, C, H, W, photos'
        features at ``config.layer``) and both learned corrections are zero; training then
        learns what whitening and colouring miss."""
        self._check(features, "photo")
        f = (features.float() * self.config.input_scale).transpose(0, 1).reshape(self.channels, -1)
        f = f - f.mean(dim=1, keepdim=True)
        _, vectors = torch.linalg.eigh(f @ f.T / f.shape[1])
        axes = vectors[:, -self.config.rank :].flip(1)  # (C, r), the leading axes first
        self.compress.weight.copy_(axes.T[:, :, None, None])
        self.expand.weight.copy_(axes[:, :, None, None])
        for conv in (self.compress, self.expand):
            assert conv.bias is not None
            conv.bias.zero_()
        for net in (self.content_net, self.style_net):
            net.fc.weight.zero_()
            net.fc.bias.zero_()


def build(config: dict[str, Any]) -> LinearTransform:
    """An untrained transform from its config.json entry (the method registry's builder)."""
    return LinearTransform(LinearConfig.from_dict(config))
