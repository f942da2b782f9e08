"""Whitening and colouring (Li et al. 2017) against hand-computed covariances."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.wct import WhitenColor, coloring, covariance, whiten_color


def _correlated(c: int, n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(c, c, generator=g, dtype=torch.float64)
    x = (
        mix @ torch.randn(c, n, generator=g, dtype=torch.float64)
        + torch.randn(c, 1, generator=g, dtype=torch.float64) * 3
    )
    return x.reshape(1, c, 1, n)


def test_covariance_by_hand() -> None:
    # two channels at four positions: means 2.5 and 1, deviations (-1.5,-.5,.5,1.5), (1,-1,1,-1)
    f = torch.tensor([[1.0, 2.0, 3.0, 4.0], [2.0, 0.0, 2.0, 0.0]]).reshape(1, 2, 2, 2)
    mean, cov = covariance(f)
    assert mean.flatten().tolist() == pytest.approx([2.5, 1.0])
    # var: (2.25+.25+.25+2.25)/3 = 5/3; (1+1+1+1)/3 = 4/3; cov: (-1.5+.5+.5-1.5)/3 = -2/3
    assert cov.tolist() == [pytest.approx([5 / 3, -2 / 3]), pytest.approx([-2 / 3, 4 / 3])]


def test_covariance_mask_keeps_region() -> None:
    f = torch.tensor([[1.0, 2.0, 3.0, 100.0], [2.0, 0.0, 2.0, -50.0]]).reshape(1, 2, 1, 4)
    mask = torch.tensor([1.0, 1.0, 1.0, 0.0]).reshape(1, 1, 1, 4)
    mean, cov = covariance(f, mask)
    assert mean.flatten().tolist() == pytest.approx([2.0, 4 / 3])
    # deviations (-1, 0, 1) and (2/3, -4/3, 2/3): var 1, 4/3; cov (-2/3 + 0 + 2/3) / 2 = 0
    assert cov.tolist() == [pytest.approx([1.0, 0.0]), pytest.approx([0.0, 4 / 3])]


def test_output_has_style_covariance_and_mean() -> None:
    content, style = _correlated(6, 400, 0).float(), _correlated(6, 300, 1).float()
    out = whiten_color(content, style)
    assert out.shape == content.shape and out.dtype == torch.float32
    m_out, c_out = covariance(out)
    m_s, c_s = covariance(style)
    torch.testing.assert_close(m_out, m_s, atol=1e-3, rtol=1e-4)
    torch.testing.assert_close(c_out, c_s, atol=1e-3, rtol=1e-3)
    # and it is not the style's features themselves: content's arrangement is kept
    assert out.shape[-1] != style.shape[-1]


def test_colouring_matrix_squares_to_covariance() -> None:
    style = _correlated(5, 200, 2)
    _, cov = covariance(style)
    mean, root = coloring(style)
    torch.testing.assert_close(mean, covariance(style)[0])
    torch.testing.assert_close(root @ root, cov)
    torch.testing.assert_close(root, root.T)


def test_own_style_is_identity() -> None:
    x = _correlated(4, 100, 3).float()
    torch.testing.assert_close(whiten_color(x, x), x, atol=1e-4, rtol=1e-4)


def test_precomputed_target_equals_features() -> None:
    content, style = _correlated(4, 50, 4).float(), _correlated(4, 80, 5).float()
    torch.testing.assert_close(whiten_color(content, coloring(style)), whiten_color(content, style))
    torch.testing.assert_close(WhitenColor()(content, style), whiten_color(content, style))


def test_masked_region_gets_style_covariance() -> None:
    content, style = _correlated(3, 200, 6).float(), _correlated(3, 100, 7).float()
    mask = torch.zeros(1, 1, 1, 200)
    mask[..., :120] = 1
    out = whiten_color(content, style, mask=mask)
    _, c_region = covariance(out[..., :120])
    torch.testing.assert_close(c_region, covariance(style)[1], atol=1e-3, rtol=1e-3)


def test_bad_shapes() -> None:
    with pytest.raises(OptionError, match="channels"):
        whiten_color(torch.rand(1, 3, 4, 4), torch.rand(1, 4, 4, 4))
    with pytest.raises(OptionError, match=r"\(1, C, H, W\)"):
        covariance(torch.rand(2, 3, 4, 4))
    with pytest.raises(OptionError, match="too few"):
        covariance(torch.rand(1, 3, 4, 4), torch.zeros(1, 1, 4, 4))
