from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses import StyleLoss, blend_grams, gram_matrix, style_loss


def test_gram_by_hand() -> None:
    # two channels over 2 positions: f0 = [1, 2], f1 = [3, 4]
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)
    g = gram_matrix(f)
    # F F^T = [[5, 11], [11, 25]], divided by C * H * W = 4
    assert torch.allclose(g, torch.tensor([[[5.0, 11.0], [11.0, 25.0]]]) / 4)


def test_gram_does_not_depend_on_image_size() -> None:
    f = torch.rand(1, 8, 5, 7)
    tiled = f.repeat(1, 1, 3, 2)  # same statistics, six times the area
    assert torch.allclose(gram_matrix(f), gram_matrix(tiled), atol=1e-6)


def test_mask_of_ones_equals_plain_gram_and_regions_are_separate() -> None:
    f = torch.rand(1, 4, 6, 6)
    ones = torch.ones(1, 1, 6, 6)
    assert torch.allclose(gram_matrix(f, ones)[:, 0], gram_matrix(f), atol=1e-6)
    left = torch.zeros(1, 2, 6, 6)
    left[:, 0, :, :3] = 1
    left[:, 1, :, 3:] = 1
    g = gram_matrix(f, left)
    assert torch.allclose(g[:, 0], gram_matrix(f[..., :3]), atol=1e-6)
    assert torch.allclose(g[:, 1], gram_matrix(f[..., 3:]), atol=1e-6)


def test_style_loss_by_hand_and_module() -> None:
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)
    target = torch.zeros(1, 2, 2)
    expected = ((torch.tensor([5.0, 11.0, 11.0, 25.0]) / 4) ** 2).mean()
    assert style_loss(f, target).item() == pytest.approx(expected.item())
    assert torch.equal(StyleLoss(target)(f), style_loss(f, target))
    assert style_loss(f, gram_matrix(f)).item() == 0.0


def test_gradcheck_float64() -> None:
    f = torch.rand(1, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    t = torch.rand(1, 3, 3, dtype=torch.float64)
    assert torch.autograd.gradcheck(gram_matrix, (f,))  # brushwork's own, in float64
    assert torch.autograd.gradcheck(style_loss, (f, t))
    mask = torch.rand(1, 1, 4, 4, dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: gram_matrix(x, mask=mask), (f,))

    def g64(x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        m = x.reshape(b, c, h * w)
        return ((m @ m.transpose(1, 2)) / (c * h * w) - t).pow(2).mean()

    assert torch.autograd.gradcheck(g64, (f,))
    x32 = f.detach().float().requires_grad_(True)
    style_loss(x32, t.float()).backward()
    f.grad = None
    g64(f).backward()
    assert torch.allclose(x32.grad.double(), f.grad, rtol=1e-4, atol=1e-7)


def test_blend_equals_weighted_sum_of_losses_up_to_a_constant() -> None:
    a, b = torch.rand(1, 3, 3), torch.rand(1, 3, 3)
    blended = blend_grams([a, b], [0.7, 0.3])
    assert torch.allclose(blended, 0.7 * a + 0.3 * b)
    x = torch.rand(1, 3, 4, 4, requires_grad=True)
    gx = torch.autograd.grad(style_loss(x, blended), x)[0]
    weighted = 0.7 * style_loss(x, a) + 0.3 * style_loss(x, b)
    gy = torch.autograd.grad(weighted, x)[0]
    assert torch.allclose(gx, gy, atol=1e-6)  # same optimisation problem


def test_bad_input() -> None:
    with pytest.raises(OptionError):
        gram_matrix(torch.rand(3, 4, 4))
    with pytest.raises(OptionError, match="weights"):
        blend_grams([torch.rand(1, 2, 2)], [1.0, 2.0])
    with pytest.raises(OptionError, match="non-negative"):
        blend_grams([torch.rand(1, 2, 2)], [-1.0])
    with pytest.raises(OptionError, match="does not fit"):
        style_loss(torch.rand(1, 3, 4, 4), torch.rand(1, 4, 4))
