from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.nets.norm import (
    ConditionalInstanceNorm,
    InstanceNorm,
    conditional_instance_norm,
    instance_norm,
    set_condition,
    shared_statistics,
)


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
    assert torch.autograd.gradcheck(instance_norm, (x,))


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


def test_conditional_norm_hand_computed_blend() -> None:
    x = torch.tensor([[[[1.0, 3.0], [5.0, 7.0]]]])  # mean 4, var 5
    weight = torch.tensor([[2.0], [4.0]])  # two styles, one channel
    bias = torch.tensor([[1.0], [-1.0]])
    y = conditional_instance_norm(x, weight, bias, torch.tensor([[0.25, 0.75]]), eps=0.0)
    # gamma = 0.25*2 + 0.75*4 = 3.5, beta = 0.25 - 0.75 = -0.5
    assert torch.allclose(y, (x - 4.0) / 5.0**0.5 * 3.5 - 0.5)


def test_untrained_conditional_slot_is_plain_instance_norm() -> None:
    x = torch.randn(2, 3, 6, 5)
    cin = ConditionalInstanceNorm(3, styles=4)
    for slot in range(4):
        cond = torch.zeros(1, 4)
        cond[0, slot] = 1.0
        set_condition(cin, cond)
        assert torch.allclose(cin(x), InstanceNorm(3)(x), atol=1e-6)
        assert torch.allclose(cin(x), instance_norm(x), atol=1e-6)


def test_conditional_norm_spatial_condition_per_region() -> None:
    x = torch.randn(1, 2, 8, 8)
    weight = torch.tensor([[1.0, 1.0], [3.0, -2.0]])
    bias = torch.tensor([[0.0, 0.0], [0.5, 0.5]])
    cond = torch.zeros(1, 2, 8, 8)
    cond[:, 0, :, :4] = 1.0  # left half style 0
    cond[:, 1, :, 4:] = 1.0  # right half style 1
    y = conditional_instance_norm(x, weight, bias, cond)
    n = instance_norm(x)
    assert torch.allclose(y[..., :4], n[..., :4], atol=1e-6)
    right = n[..., 4:] * weight[1].view(1, 2, 1, 1) + 0.5
    assert torch.allclose(y[..., 4:], right, atol=1e-6)
    # a coarser condition map is resized to the features; a finer one averaged down
    half = conditional_instance_norm(x, weight, bias, cond[..., ::2, ::2])
    assert torch.allclose(half[..., :3], y[..., :3], atol=1e-5)


def test_conditional_norm_needs_a_choice_with_several_styles() -> None:
    cin = ConditionalInstanceNorm(3, styles=2)
    with pytest.raises(OptionError, match="2 styles"):
        cin(torch.randn(1, 3, 4, 4))
    with pytest.raises(OptionError, match="3 style weights"):
        conditional_instance_norm(torch.randn(1, 3, 4, 4), cin.weight, cin.bias, torch.ones(1, 3))
    single = ConditionalInstanceNorm(3, styles=1)
    x = torch.randn(1, 3, 4, 4)
    assert torch.allclose(single(x), instance_norm(x), atol=1e-6)
