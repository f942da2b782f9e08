"""The learned linear transform (Li et al. 2019): its moments against hand-computed ones, its
principal-axes start against an independent eigendecomposition, masks and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brushwork.errors import OptionError
from brushwork.nets.linear import (
    LinearConfig,
    LinearTransform,
    build,
    masked_mean,
    second_moment,
)


def test_second_moment_and_mean_by_hand_and_over_a_mask() -> None:
    z = torch.tensor([[[[1.0, 2.0], [3.0, -1.0]], [[0.0, 1.0], [2.0, 2.0]]]])  # (1, 2, 2, 2)
    # pixels (1, 0), (2, 1), (3, 2), (-1, 2): sum of x x^T = [[15, 6], [6, 9]] over 4
    torch.testing.assert_close(second_moment(z), torch.tensor([[[3.75, 1.5], [1.5, 2.25]]]))
    mask = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])  # pixels (1, 0) and (3, 2)
    torch.testing.assert_close(second_moment(z, mask), torch.tensor([[[5.0, 3.0], [3.0, 2.0]]]))
    torch.testing.assert_close(masked_mean(z, mask).flatten(), torch.tensor([2.0, 1.0]))
    torch.testing.assert_close(masked_mean(z).flatten(), torch.tensor([1.25, 1.25]))


def _features(seed: int, c: int = 64, h: int = 9, w: int = 11) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    # correlated channels of unequal variances, well conditioned (as whitening needs)
    mix = (torch.eye(c) + 0.5 * torch.randn(c, c, generator=g) / c**0.5) * torch.linspace(0.5, 2, c)
    return (mix @ torch.randn(c, h * w, generator=g)).reshape(1, c, h, w) * 50 + 20


def _power(m: np.ndarray, p: float) -> np.ndarray:
    w, v = np.linalg.eigh(m)
    return (v * w**p) @ v.T


def test_principal_start_is_whitening_and_colouring_in_the_leading_subspace() -> None:
    scale = 0.02
    t = LinearTransform(LinearConfig(layer="relu1_1", rank=6, input_scale=scale))
    photos = torch.cat([_features(1), _features(2)])
    t.init_projection(photos)
    # the leading axes, by numpy from the photos' features
    f = photos.double().numpy().transpose(1, 0, 2, 3).reshape(64, -1) * scale
    f = f - f.mean(axis=1, keepdims=True)
    u = np.linalg.eigh(f @ f.T / f.shape[1])[1][:, -6:]
    fc, fs = _features(3), _features(4, h=7, w=5)
    c = fc[0].double().numpy().reshape(64, -1) * scale
    s = fs[0].double().numpy().reshape(64, -1) * scale
    zc = u.T @ (c - c.mean(1, keepdims=True))
    zs = u.T @ (s - s.mean(1, keepdims=True))
    moved = _power(zs @ zs.T / zs.shape[1], 0.5) @ _power(zc @ zc.T / zc.shape[1], -0.5) @ zc
    want = (u @ moved + s.mean(1, keepdims=True)) / scale
    with torch.no_grad():
        got = t(fc, t.style_target(fs))
    torch.testing.assert_close(got[0].reshape(64, -1).double(), torch.from_numpy(want),
                               atol=2e-2, rtol=1e-3)  # fmt: skip


def test_at_full_rank_the_output_covariance_is_the_styles() -> None:
    """Whitening and colouring (Li et al. 2017): the transformed features' covariance and mean
    are the style's, hand-computed, whatever the content's were."""
    t = LinearTransform(LinearConfig(layer="relu1_1", rank=64, input_scale=0.02))
    t.init_projection(torch.cat([_features(1), _features(2)]))
    fc, fs = _features(3), _features(4, h=12, w=10)
    with torch.no_grad():
        out = t(fc, t.style_target(fs))[0].reshape(64, -1).double()
    s = fs[0].reshape(64, -1).double()
    cov = lambda x: (x - x.mean(1, keepdim=True)) @ (x - x.mean(1, keepdim=True)).T / x.shape[1]  # noqa: E731
    torch.testing.assert_close(out.mean(1), s.mean(1), atol=1e-2, rtol=1e-4)
    torch.testing.assert_close(cov(out), cov(s), atol=1.0, rtol=2e-3)
    assert not torch.allclose(cov(fc[0].reshape(64, -1).double()), cov(s), rtol=0.1)


def test_a_mask_takes_the_region_statistics() -> None:
    torch.manual_seed(0)
    t = LinearTransform(LinearConfig(layer="relu1_1", rank=4))
    fc, fs = _features(5), _features(6)
    target = t.style_target(fs)
    left = torch.zeros(1, 1, 9, 11)
    left[..., :5] = 1
    with torch.no_grad():
        everywhere = t(fc, target)
        region = t(fc, target, left)
        whole = t(fc, target, torch.ones(1, 1, 9, 11))
    torch.testing.assert_close(whole, everywhere, atol=1e-3, rtol=1e-4)
    assert not torch.allclose(region, everywhere, atol=1e-2)
    # the style side too: a style mask all ones is the plain target
    m, s = t.style_target(fs, torch.ones(1, 1, 9, 11))
    torch.testing.assert_close(m, target[0])
    torch.testing.assert_close(s, target[1], atol=1e-4, rtol=1e-4)


def test_gradients_reach_both_matrix_nets_and_the_projections() -> None:
    torch.manual_seed(0)
    t = LinearTransform(LinearConfig(layer="relu1_1", rank=4))
    t(_features(7), t.style_target(_features(8))).pow(2).mean().backward()
    for name, p in t.named_parameters():
        assert p.grad is not None and float(p.grad.abs().sum()) > 0, name


def test_config_and_shapes_are_checked() -> None:
    with pytest.raises(OptionError, match="layer"):
        LinearConfig(layer="relu4_2")
    with pytest.raises(OptionError, match="rank"):
        LinearConfig(layer="relu1_1", rank=65)
    with pytest.raises(OptionError, match="input scale"):
        LinearConfig(input_scale=0)
    t = build({"layer": "relu1_1", "rank": 4})
    assert isinstance(t, LinearTransform) and t.config.rank == 4
    with pytest.raises(OptionError, match="expected"):
        t(torch.rand(1, 128, 4, 4), t.style_target(torch.rand(1, 64, 4, 4)))


def test_the_compressed_features_are_centred_so_compress_bias_is_moot() -> None:
    torch.manual_seed(0)
    t = LinearTransform(LinearConfig(layer="relu1_1", rank=4))
    fc, fs = _features(9), _features(10)
    with torch.no_grad():
        before = t(fc, t.style_target(fs))
        t.compress.bias.add_(3.0)
        torch.testing.assert_close(t(fc, t.style_target(fs)), before, atol=1e-3, rtol=1e-4)


def test_detail_adds_back_the_content_outside_the_subspace() -> None:
    """``detail`` d adds d x (the centred content minus its projection on compress's rows),
    computed here by numpy least squares; at the principal start with d = 1 and the content as
    its own style, the transform gives the features back exactly (identity in the subspace plus
    everything outside it)."""
    scale = 0.02
    t = LinearTransform(LinearConfig(layer="relu1_1", rank=6, input_scale=scale))
    t.init_projection(torch.cat([_features(1), _features(2)]))
    fc, fs = _features(3), _features(4, h=7, w=5)
    with torch.no_grad():
        t.compress.weight.add_(0.1 * torch.randn(t.compress.weight.shape))  # not orthonormal
        plain = t(fc, t.style_target(fs))
        half = t(fc, t.style_target(fs), detail=0.5)
    w = t.compress.weight.detach().double().reshape(6, 64).numpy()
    c = fc[0].double().numpy().reshape(64, -1) * scale
    c = c - c.mean(1, keepdims=True)
    coef = np.linalg.lstsq(w.T, c, rcond=None)[0]  # projection onto the span of w's rows
    want = 0.5 * (c - w.T @ coef) / scale
    torch.testing.assert_close((half - plain)[0].reshape(64, -1).double(), torch.from_numpy(want),
                               atol=1e-2, rtol=1e-3)  # fmt: skip
    assert float(want.std()) > 1.0  # the part outside is not negligible here
    start = LinearTransform(LinearConfig(layer="relu1_1", rank=6, input_scale=scale))
    start.init_projection(torch.cat([_features(1), _features(2)]))
    with torch.no_grad():
        back = start(fc, start.style_target(fc), detail=1.0)
        dropped = start(fc, start.style_target(fc))
    torch.testing.assert_close(back, fc, atol=2e-2, rtol=1e-3)
    assert not torch.allclose(dropped, fc, atol=1.0)
