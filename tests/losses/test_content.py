from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses import ContentLoss, content_loss


def test_value_by_hand() -> None:
    a = torch.tensor([1.0, 2.0, 3.0, 4.0]).view(1, 1, 2, 2)
    b = torch.tensor([1.0, 0.0, 3.0, 0.0]).view(1, 1, 2, 2)
    assert content_loss(a, b).item() == pytest.approx((4 + 16) / 4)


def test_module_equals_function_and_broadcasts_batch() -> None:
    t = torch.rand(1, 4, 5, 6)
    x = torch.rand(3, 4, 5, 6)
    assert torch.equal(ContentLoss(t)(x), content_loss(x, t))


def test_gradcheck() -> None:
    x = torch.rand(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    t = torch.rand(1, 2, 3, 3, dtype=torch.float64)
    assert torch.autograd.gradcheck(content_loss, (x, t))  # brushwork's own loss, in float64
    assert torch.autograd.gradcheck(ContentLoss(t), (x,))
    # in float32 (as in training) its gradient must equal the analytic 2(x - t)/N
    x32 = x.detach().float().requires_grad_(True)
    content_loss(x32, t.float()).backward()
    assert torch.allclose(x32.grad, 2 * (x32 - t.float()) / x.numel(), atol=1e-7)


def test_bad_shapes() -> None:
    with pytest.raises(OptionError, match="shapes differ"):
        content_loss(torch.rand(1, 2, 3, 3), torch.rand(1, 2, 4, 3))
    with pytest.raises(OptionError):
        content_loss(torch.rand(2, 3, 3), torch.rand(2, 3, 3))
