"""The matting Laplacian (Levin et al. 2008) against one built window by window as the paper
writes it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.matting import matting_laplacian, to_torch, window_indices


def hand_built(img: np.ndarray, eps: float) -> np.ndarray:
    """L_ij = sum_k [delta_ij - (1 + (I_i - mu_k)^T (S_k + eps/9 Id)^-1 (I_j - mu_k)) / 9],
    one 3x3 window k at a time, every pair (i, j) of its pixels."""
    h, w, _ = img.shape
    lap = np.zeros((h * w, h * w))
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            pix = [(y + dy) * w + (x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
            cols = np.array([img[p // w, p % w] for p in pix])  # (9, 3)
            mu = cols.mean(0)
            sigma = (cols - mu).T @ (cols - mu) / 9
            inv = np.linalg.inv(sigma + eps / 9 * np.eye(3))
            for a, i in enumerate(pix):
                for b, j in enumerate(pix):
                    lap[i, j] += (a == b) - (1 + (cols[a] - mu) @ inv @ (cols[b] - mu)) / 9
    return lap


@pytest.mark.parametrize("eps", [1e-7, 1e-2])
def test_equals_the_hand_built_laplacian(eps: float) -> None:
    img = np.random.default_rng(0).random((5, 6, 3))
    ours = matting_laplacian(img, eps=eps).toarray()
    np.testing.assert_allclose(ours, hand_built(img, eps), rtol=1e-6, atol=1e-6)


def test_symmetric_rows_sum_to_zero_and_positive_semidefinite() -> None:
    lap = matting_laplacian(torch.rand(1, 3, 7, 8, generator=torch.Generator().manual_seed(1)))
    dense = lap.toarray()
    np.testing.assert_allclose(dense, dense.T, atol=1e-9)
    np.testing.assert_allclose(dense.sum(1), 0, atol=1e-9)
    assert np.linalg.eigvalsh(dense).min() > -1e-8
    assert lap.getnnz(axis=1).max() <= 25  # a pixel meets its 5x5 neighbourhood only


def test_locally_affine_images_cost_nothing(small) -> None:  # type: ignore[no-untyped-def]
    photo = np.asarray(small("content/golden_gate.jpg", 64), dtype=np.float64) / 255
    lap = matting_laplacian(photo)
    v = photo.reshape(-1, 3)
    affine = v @ np.array([[0.2, 0.5, 0.1], [0.0, 0.9, 0.3], [0.6, 0.1, 0.2]]) + 0.1
    noise = np.random.default_rng(0).random(v.shape)
    cost = lambda x: float((x * (lap @ x)).sum())  # noqa: E731
    assert cost(affine) < 1e-5 * cost(noise)


def test_window_indices_and_bad_input() -> None:
    assert window_indices(3, 3).tolist() == [list(range(9))]
    with pytest.raises(OptionError, match="smaller than a window"):
        window_indices(2, 5)
    with pytest.raises(OptionError, match="RGB"):
        matting_laplacian(torch.rand(1, 1, 5, 5))
    with pytest.raises(OptionError, match="one image"):
        matting_laplacian(torch.rand(2, 3, 5, 5))


def test_to_torch_keeps_the_matrix() -> None:
    lap = matting_laplacian(np.random.default_rng(2).random((4, 5, 3)))
    t = to_torch(lap)
    np.testing.assert_allclose(t.to_dense().numpy(), lap.toarray(), rtol=1e-5, atol=1e-5)
