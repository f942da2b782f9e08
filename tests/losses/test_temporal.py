"""Temporal loss: hand-computed values, weights, and its Module."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses import TemporalLoss, temporal_loss


def test_temporal_loss_by_hand() -> None:
    a = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    b = torch.zeros_like(a)
    assert temporal_loss(a, b).item() == pytest.approx((0 + 1 + 4 + 9) / 4)
    c = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])  # trust the top row only
    assert temporal_loss(a, b, c).item() == pytest.approx((0 + 1) / 2)
    half = torch.full_like(a, 0.5)  # uniform weights do not change a mean
    assert temporal_loss(a, b, half).item() == pytest.approx(3.5)
    rgb = torch.rand(2, 3, 5, 5)
    assert TemporalLoss()(rgb, rgb + 0.5, torch.ones(2, 1, 5, 5)).item() == pytest.approx(0.25)


def test_temporal_loss_shape_mismatch() -> None:
    with pytest.raises(OptionError, match="shapes"):
        temporal_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))
