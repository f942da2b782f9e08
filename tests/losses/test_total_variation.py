from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses import TotalVariation, total_variation


def test_value_by_hand() -> None:
    x = torch.tensor([[0.0, 1.0, 3.0], [0.0, 0.0, 0.0]]).view(1, 1, 2, 3)
    dx = (1 + 4 + 0 + 0) / 4  # horizontal neighbours: (0,1) (1,3) (0,0) (0,0)
    dy = (0 + 1 + 9) / 3  # vertical neighbours
    assert total_variation(x).item() == pytest.approx(dx + dy)
    assert total_variation(torch.ones(2, 3, 5, 5)).item() == 0.0


def test_module_and_gradcheck() -> None:
    x = torch.rand(1, 3, 4, 5)
    assert torch.equal(TotalVariation()(x), total_variation(x))
    x64 = torch.rand(1, 2, 3, 3, dtype=torch.float64, requires_grad=True)

    def tv64(v: torch.Tensor) -> torch.Tensor:
        return (v[..., 1:] - v[..., :-1]).pow(2).mean() + (v[..., 1:, :] - v[..., :-1, :]).pow(
            2
        ).mean()

    assert torch.autograd.gradcheck(total_variation, (x64,))  # brushwork's own, in float64
    assert torch.autograd.gradcheck(TotalVariation(), (x64,))
    x32 = x64.detach().float().requires_grad_(True)
    total_variation(x32).backward()
    x64.grad = None
    tv64(x64).backward()
    assert torch.allclose(x32.grad.double(), x64.grad, atol=1e-6)


def test_noise_costs_more_than_a_smooth_image() -> None:
    smooth = torch.linspace(0, 1, 32).view(1, 1, 1, 32).expand(1, 3, 32, 32)
    # smooth ramp: (1/31)^2 ~ 0.001; uniform noise of 0.1 adds 2 * 2 * 0.1^2 / 12 ~ 0.0033
    noisy = smooth + 0.1 * torch.rand_like(smooth)
    assert total_variation(noisy).item() == pytest.approx(0.001 + 0.0033, rel=0.1)


def test_bad_shape() -> None:
    with pytest.raises(OptionError):
        total_variation(torch.rand(1, 3, 1, 5))
