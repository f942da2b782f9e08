from __future__ import annotations

import torch

from brushwork.nets.norm import InstanceNorm, instance_norm, shared_statistics


def test_instance_norm_hand_computed() -> None:
    x = torch.tensor([[[[1.0, 3.0], [5.0, 7.0]]]])  # mean 4, var 5
    y = instance_norm(x, eps=0.0)
    expected = (x - 4.0) / 5.0**0.5
    assert torch.allclose(y, expected)


def test_instance_norm_with_given_stats() -> None:
    x = torch.randn(2, 3, 5, 6)
    stats = (torch.full((2, 3, 1, 1), 0.5), torch.full((2, 3, 1, 1), 4.0))
    y = instance_norm(x, stats, eps=0.0)
    assert torch.allclose(y, (x - 0.5) / 2.0)


def test_instance_norm_gradcheck() -> None:
    x = torch.randn(1, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: instance_norm(t), (x,))


def test_module_equals_function_and_is_affine() -> None:
    m = InstanceNorm(3)
    with torch.no_grad():
        m.weight.copy_(torch.tensor([1.0, 2.0, 3.0]))
        m.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
    x = torch.randn(2, 3, 8, 8)
    expected = instance_norm(x) * m.weight.view(1, 3, 1, 1) + m.bias.view(1, 3, 1, 1)
    assert torch.allclose(m(x), expected)


def test_record_then_replay_uses_the_recorded_statistics() -> None:
    m = InstanceNorm(2)
    full = torch.randn(1, 2, 16, 16) * 3 + 1
    with shared_statistics(m, "record"):
        y_full = m(full)
    with shared_statistics(m, "replay"):
        y_crop = m(full[..., :8, :8])
    # the crop is normalised with the full image's statistics: equals the full output's crop
    assert torch.allclose(y_crop, y_full[..., :8, :8], atol=1e-5)
    assert m.mode == "normal" and m.stats is None
    # back to its own statistics afterwards
    assert torch.allclose(m(full[..., :8, :8]).mean(), torch.tensor(0.0), atol=1e-5)
