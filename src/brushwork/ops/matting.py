"""The matting Laplacian of Levin, Lischinski and Weiss ("A Closed-Form Solution to Natural Image
Matting", TPAMI 2008), the affinity behind Deep Photo Style Transfer's photorealism regulariser
(Luan et al., CVPR 2017) and FastPhotoStyle's smoothing step (Li et al., ECCV 2018).

For every 3x3 window w_k of the guide image I (pixels as RGB 3-vectors in [0, 1]), with mean
mu_k and covariance Sigma_k over the window's 9 pixels,

    L_ij = sum over windows k holding i and j of
           delta_ij - (1 + (I_i - mu_k)^T (Sigma_k + eps/9 * Id)^-1 (I_j - mu_k)) / 9.

``x^T L x`` is the cost of explaining ``x`` in every window as an affine function of the
guide's colours, so ``L`` is symmetric, positive semi-definite, its rows sum to zero and (for a
small ``eps``) it maps any image that is locally an affine colour transform of the guide to
about zero. Windows are those that fit inside the image (as in Levin et al.'s code); pixels are
numbered row by row, ``i = y * W + x``.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch

from brushwork.errors import OptionError

#: the regulariser of Levin et al. and Luan et al.
EPS = 1e-7
#: Bytes one pixel of the guide costs while the Laplacian is built (81 window entries, float64
#: values and int32 indices, plus scipy's conversion copies); checked before building.
BYTES_PER_PIXEL = 81 * 16 * 3


def window_indices(height: int, width: int, radius: int = 1) -> np.ndarray:
    """Flat pixel indices of every (2r+1)^2 window inside an ``height`` x ``width`` image.

    Returns:
        (number of windows, (2r+1)^2) int64, windows in row order, pixels row by row.

    Example:
        >>> window_indices(3, 4).tolist()
        [[0, 1, 2, 4, 5, 6, 8, 9, 10], [1, 2, 3, 5, 6, 7, 9, 10, 11]]
    """
    side = 2 * radius + 1
    if height < side or width < side:
        raise OptionError(f"matting Laplacian: image {width}x{height} is smaller than a window")
    grid = np.arange(height * width, dtype=np.int64).reshape(height, width)
    win = np.lib.stride_tricks.sliding_window_view(grid, (side, side))
    return win.reshape(-1, side * side)


def matting_laplacian(image: torch.Tensor | np.ndarray, *, eps: float = EPS) -> sp.csr_matrix:
    """The matting Laplacian of a guide image as a sparse (H*W, H*W) float64 CSR matrix.

    Args:
        image: (1, 3, H, W) or (3, H, W) tensor, or (H, W, 3) array, RGB in [0, 1].
        eps: the regulariser of the windows' covariances (Levin et al.: 1e-7).

    Returns:
        L, symmetric, rows summing to zero, at most 25 non-zeros a row.

    Example:
        >>> L = matting_laplacian(torch.rand(1, 3, 4, 5))
        >>> L.shape, bool(abs(L.sum(axis=1)).max() < 1e-9)
        ((20, 20), True)
    """
    if isinstance(image, torch.Tensor):
        t = image.detach().float().cpu()
        if t.dim() == 4:
            if t.shape[0] != 1:
                raise OptionError(f"matting Laplacian: one image at a time, got {tuple(t.shape)}")
            t = t[0]
        if t.dim() != 3 or t.shape[0] != 3:
            raise OptionError(f"matting Laplacian: expected an RGB image, got {tuple(t.shape)}")
        img = t.permute(1, 2, 0).numpy().astype(np.float64)
    else:
        img = np.asarray(image, dtype=np.float64)
        if img.ndim != 3 or img.shape[2] != 3:
            raise OptionError(f"matting Laplacian: expected (H, W, 3), got {img.shape}")
    h, w, _ = img.shape
    idx = window_indices(h, w)  # (M, 9), M = (H-2)(W-2) windows
    n = idx.shape[1]
    colors = img.reshape(-1, 3)[idx]  # (M, 9, 3)
    centred = colors - colors.mean(axis=1, keepdims=True)
    cov = centred.transpose(0, 2, 1) @ centred / n  # (M, 3, 3)
    inv = np.linalg.inv(cov + (eps / n) * np.eye(3))
    vals = (1.0 + (centred @ inv) @ centred.transpose(0, 2, 1)) / n  # (M, 9, 9)
    # Pixel p of a window pairs with pixel q at offset q - p in [-2, 2]^2: add each of the 81
    # (p, q) planes of window values into the band of its offset, then build L from 25 bands.
    vals = vals.reshape(h - 2, w - 2, 3, 3, 3, 3)
    bands = np.zeros((5, 5, h, w))
    for py in range(3):
        for px in range(3):
            for qy in range(3):
                for qx in range(3):
                    band = bands[qy - py + 2, qx - px + 2]
                    band[py : py + h - 2, px : px + w - 2] += vals[:, :, py, px, qy, qx]
    degree = np.zeros((h, w))
    for py in range(3):
        for px in range(3):
            degree[py : py + h - 2, px : px + w - 2] += 1.0  # windows holding each pixel
    bands[2, 2] -= degree
    offsets = [dy * w + dx for dy in range(-2, 3) for dx in range(-2, 3)]
    # band (dy, dx) holds entry (i, i + offset) at position i; dia stores it at column i + offset
    data = np.zeros((25, h * w))
    for k, off in enumerate(offsets):
        flat = bands[k // 5, k % 5].ravel()
        if off >= 0:
            data[k, off:] = flat[: h * w - off]
        else:
            data[k, :off] = flat[-off:]
    return (-sp.dia_matrix((data, offsets), shape=(h * w, h * w))).tocsr()


def to_torch(matrix: sp.spmatrix, device: torch.device | str = "cpu") -> torch.Tensor:
    """A scipy sparse matrix as a float32 torch sparse CSR tensor on ``device``."""
    m = sp.csr_matrix(matrix)
    with warnings.catch_warnings():  # "sparse CSR tensor support is in beta"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(m.indptr.astype(np.int64)),
            torch.from_numpy(m.indices.astype(np.int64)),
            torch.from_numpy(m.data.astype(np.float32)),
            size=m.shape,
            device=device,
        )
