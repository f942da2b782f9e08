"""Early shape checks shared by the losses (concise errors instead of broadcasting surprises)."""

from __future__ import annotations

import torch

from brushwork.errors import OptionError


def check_same_shape(
    a: torch.Tensor, b: torch.Tensor, where: str, *, broadcast_batch: bool = False
) -> None:
    if a.dim() != 4:
        raise OptionError(f"{where}: expected (B, C, H, W), got shape {tuple(a.shape)}")
    if a.shape == b.shape:
        return
    if broadcast_batch and b.dim() == 4 and b.shape[0] == 1 and a.shape[1:] == b.shape[1:]:
        return
    raise OptionError(f"{where}: shapes differ, {tuple(a.shape)} vs {tuple(b.shape)}")
