"""FastPhotoStyle's smoothing: exact (sparse solve) and fast (colour guided filter)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.ops.matting import matting_laplacian
from brushwork.ops.smoothing import guided_filter, smooth, smooth_exact


@pytest.fixture
def photo(small) -> torch.Tensor:  # type: ignore[no-untyped-def]
    return imageio.to_tensor(small("content/tubingen.jpg", 64))


def relit(photo: torch.Tensor) -> torch.Tensor:
    """An affine colour transform of the photo (new light), inside [0, 1]."""
    m = torch.tensor([[0.5, 0.2, 0.1], [0.1, 0.6, 0.0], [0.0, 0.2, 0.7]])
    return (torch.einsum("oc,bchw->bohw", m, photo) + 0.1).clamp(0, 1)


@pytest.mark.parametrize(("mode", "grey_levels"), [("exact", 0.5), ("fast", 1.5)])
def test_an_affine_transform_of_the_photo_comes_back_unchanged(photo, mode, grey_levels) -> None:  # type: ignore[no-untyped-def]
    """Exact: the Laplacian maps it to zero; fast: the ridge term (eps) shrinks the fit a little."""
    y = relit(photo)
    out = smooth(y, photo, mode)
    assert (out - y).abs().mean() * 255 < grey_levels


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_texture_goes_and_the_photos_structure_stays(photo, mode) -> None:  # type: ignore[no-untyped-def]
    clean = relit(photo)
    noisy = (clean + 0.08 * torch.randn_like(clean, generator=None)).clamp(0, 1)
    out = smooth(noisy, photo, mode)
    assert (out - clean).abs().mean() < 0.5 * (noisy - clean).abs().mean()


def test_exact_solves_the_system(photo) -> None:  # type: ignore[no-untyped-def]
    small_photo = photo[..., :12, :14]
    y = torch.rand_like(small_photo)
    out = smooth_exact(y, small_photo, strength=3.0)
    a = np.eye(12 * 14) + 3.0 * matting_laplacian(small_photo).toarray()
    want = np.linalg.solve(a, y[0].reshape(3, -1).t().double().numpy()).clip(0, 1)
    got = out[0].reshape(3, -1).t().double().numpy()
    np.testing.assert_allclose(got, want, atol=2e-3)
    assert torch.equal(smooth_exact(y, small_photo, strength=0), y)


def naive_guided_filter(p: np.ndarray, g: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He et al. (2013) eqs. 14-16, one window at a time (windows cut at the borders)."""
    h, w, _ = g.shape
    a = np.zeros((h, w, 3, 3))
    b = np.zeros((h, w, 3))
    for y in range(h):
        for x in range(w):
            sl = (slice(max(0, y - r), y + r + 1), slice(max(0, x - r), x + r + 1))
            gi, pi = g[sl].reshape(-1, 3), p[sl].reshape(-1, 3)
            mg, mp = gi.mean(0), pi.mean(0)
            cov = (gi - mg).T @ (gi - mg) / len(gi)
            cross = (gi - mg).T @ (pi - mp) / len(gi)
            a[y, x] = np.linalg.solve(cov + eps * np.eye(3), cross)
            b[y, x] = mp - mg @ a[y, x]
    out = np.zeros_like(p)
    for y in range(h):
        for x in range(w):
            sl = (slice(max(0, y - r), y + r + 1), slice(max(0, x - r), x + r + 1))
            out[y, x] = g[y, x] @ a[sl].reshape(-1, 3, 3).mean(0) + b[sl].reshape(-1, 3).mean(0)
    return out


def test_guided_filter_matches_the_papers_equations() -> None:
    rng = np.random.default_rng(0)
    g, p = rng.random((9, 11, 3)), rng.random((9, 11, 3))
    t = lambda a: torch.from_numpy(a).permute(2, 0, 1)[None].float()  # noqa: E731
    ours = guided_filter(t(p), t(g), radius=2, eps=1e-2)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ours, naive_guided_filter(p, g, 2, 1e-2).clip(0, 1), atol=1e-4)


def test_bad_input(photo) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match="unknown smoothing mode 'fastt'"):
        smooth(photo, photo, "fastt")
    with pytest.raises(OptionError, match="64x48 but the photo is"):
        smooth(photo, photo[..., :40, :40], "fast")
    with pytest.raises(OptionError, match="radius"):
        guided_filter(photo, photo, radius=0)
    with pytest.raises(OptionError, match="strength"):
        smooth_exact(photo, photo, strength=-1)
