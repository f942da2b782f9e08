"""L1, cycle and identity terms against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses.cycle import CycleLoss, IdentityLoss, cycle_loss, identity_loss, l1_loss


def test_weighted_mean_absolute_error() -> None:
    a = torch.tensor([[0.0, 0.5], [1.0, 1.0]])
    b = torch.tensor([[1.0, 0.0], [1.0, 0.75]])
    assert float(l1_loss(a, b)) == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    assert float(l1_loss(a, b, 100.0)) == pytest.approx(43.75)
    assert float(cycle_loss(a, b)) == pytest.approx(4.375)  # lambda 10
    assert float(identity_loss(a, b)) == pytest.approx(2.1875)  # 0.5 lambda
    assert float(CycleLoss(2.0)(a, b)) == pytest.approx(0.875)
    assert float(IdentityLoss(4.0)(a, b)) == pytest.approx(1.75)


def test_shapes_must_match() -> None:
    with pytest.raises(OptionError, match="shapes differ"):
        l1_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))
