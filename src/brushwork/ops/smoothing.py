"""Photorealistic smoothing of a stylised photo (Li, Liu, Li, Yang and Kautz, "A Closed-form
Solution to Photorealistic Image Stylization", ECCV 2018, the smoothing step of FastPhotoStyle).

The stylised image ``Y`` says which colours go where; the smoothing step puts them back on the
content photo's structure: pixels that are alike in the photo get alike colours, so painterly
texture and bent edges go and the photo's edges come back. Written here from the paper with
the matting affinity of the photo (:mod:`brushwork.ops.matting`):

- ``exact``: the closed form ``R = argmin ||R - Y||^2 + lam * sum_c R_c^T L R_c``, that is the
  sparse system ``(I + lam L) R = Y``, solved by conjugate gradients (SciPy). FastPhotoStyle
  writes the same system as ``(I - beta S) R = (1 - beta) Y`` with a normalised affinity S; the
  Laplacian form keeps any locally affine colour transform of the photo exactly as it is.
- ``fast``: the guided filter of He, Sun and Tang (TPAMI 2013) with the photo as the colour
  guide, the approximation the FastPhotoStyle paper suggests: the output is, in every window,
  an affine transform of the photo's colours fitted to ``Y`` (box filters, OpenCV).
"""

from __future__ import annotations

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

from brushwork.errors import OptionError, unknown_choice
from brushwork.ops.matting import matting_laplacian

MODES = ("fast", "exact")
#: weight of the Laplacian in the exact mode (larger: closer to the photo's structure)
EXACT_STRENGTH = 1.0
#: guided filter: window radius as a share of the image's long side, and the regulariser
FAST_RADIUS = 1 / 25
FAST_EPS = 1e-3
CG_TOLERANCE = 1e-5
CG_MAX_ITERS = 500


def _hwc(image: torch.Tensor, what: str) -> np.ndarray:
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise OptionError(f"smoothing: {what} must be (1, 3, H, W), got {tuple(image.shape)}")
    return image[0].detach().float().cpu().permute(1, 2, 0).numpy().astype(np.float64)


def _to_tensor(hwc: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(hwc, dtype=np.float32)).permute(2, 0, 1)[None]
    return t.clamp(0, 1).to(like.device)


def _check_pair(stylized: torch.Tensor, content: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    y, i = _hwc(stylized, "the stylised image"), _hwc(content, "the content photo")
    if y.shape != i.shape:
        raise OptionError(
            f"smoothing: the stylised image is {y.shape[1]}x{y.shape[0]} but the photo is "
            f"{i.shape[1]}x{i.shape[0]}"
        )
    return y, i


def smooth_exact(
    stylized: torch.Tensor, content: torch.Tensor, *, strength: float = EXACT_STRENGTH
) -> torch.Tensor:
    """Solve ``(I + strength * L) R = Y`` with L the matting Laplacian of ``content``.

    Args:
        stylized: Y, (1, 3, H, W) in [0, 1].
        content: the photo, the same shape.
        strength: the Laplacian's weight (0 returns Y).

    Returns:
        R, (1, 3, H, W) in [0, 1].
    """
    y, photo = _check_pair(stylized, content)
    if not strength >= 0:
        raise OptionError(f"smoothing strength must be >= 0, got {strength}")
    if strength == 0:
        return stylized.clone()
    h, w, _ = y.shape
    a = (sp.identity(h * w, format="csr") + strength * matting_laplacian(photo)).tocsr()
    jacobi = sp.diags(1.0 / a.diagonal())
    out = np.empty_like(y)
    for c in range(3):
        b = y[..., c].ravel()
        x, _ = spla.cg(a, b, x0=b, rtol=CG_TOLERANCE, maxiter=CG_MAX_ITERS, M=jacobi)
        out[..., c] = x.reshape(h, w)
    return _to_tensor(out, stylized)


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window, windows cut at the borders (channels last)."""
    k = (2 * radius + 1, 2 * radius + 1)
    total = cv2.boxFilter(x, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    ones = np.ones(x.shape[:2], dtype=x.dtype)
    count = cv2.boxFilter(ones, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    return total / (count[..., None] if total.ndim == 3 else count)


def guided_filter(
    image: torch.Tensor, guide: torch.Tensor, *, radius: int, eps: float = FAST_EPS
) -> torch.Tensor:
    """The colour guided filter of He et al. (2013): in every window the output is an affine
    function of the guide's RGB fitted to ``image`` by ridge regression (``eps``).

    Args:
        image: (1, 3, H, W) in [0, 1], filtered channel by channel.
        guide: (1, 3, H, W) in [0, 1].
        radius: window radius in pixels (>= 1).
        eps: ridge regulariser (larger: smoother).

    Returns:
        (1, 3, H, W) in [0, 1].
    """
    p, g = _check_pair(image, guide)
    if radius < 1:
        raise OptionError(f"guided filter radius must be >= 1, got {radius}")
    p32, g32 = p.astype(np.float32), g.astype(np.float32)
    mean_g, mean_p = _box(g32, radius), _box(p32, radius)
    # second moments: guide x guide (9) and guide x image (9), channels last
    gg = _box((g32[..., :, None] * g32[..., None, :]).reshape(*g32.shape[:2], 9), radius)
    gp = _box((g32[..., :, None] * p32[..., None, :]).reshape(*g32.shape[:2], 9), radius)
    var = gg.reshape(*gg.shape[:2], 3, 3) - mean_g[..., :, None] * mean_g[..., None, :]
    cov = gp.reshape(*gp.shape[:2], 3, 3) - mean_g[..., :, None] * mean_p[..., None, :]
    a = np.linalg.solve(var.astype(np.float64) + eps * np.eye(3), cov.astype(np.float64))
    a = a.astype(np.float32)  # (H, W, 3 guide, 3 out)
    b = mean_p - np.einsum("hwi,hwio->hwo", mean_g, a)
    mean_a = _box(a.reshape(*a.shape[:2], 9), radius).reshape(a.shape)
    mean_b = _box(b, radius)
    return _to_tensor(np.einsum("hwi,hwio->hwo", g32, mean_a) + mean_b, image)


def smooth(
    stylized: torch.Tensor,
    content: torch.Tensor,
    mode: str = "fast",
    *,
    strength: float | None = None,
) -> torch.Tensor:
    """FastPhotoStyle's smoothing of ``stylized`` on the structure of ``content``.

    Args:
        stylized: (1, 3, H, W) in [0, 1], any method's output.
        content: the photo it came from, resized to the same size.
        mode: "fast" (guided filter) or "exact" (sparse solve).
        strength: exact mode: the Laplacian's weight; fast mode: the guided filter's eps.

    Returns:
        (1, 3, H, W) in [0, 1].
    """
    if mode == "exact":
        return smooth_exact(
            stylized, content, strength=EXACT_STRENGTH if strength is None else strength
        )
    if mode == "fast":
        radius = max(1, round(FAST_RADIUS * max(stylized.shape[-2:])))
        return guided_filter(
            stylized, content, radius=radius, eps=FAST_EPS if strength is None else strength
        )
    raise unknown_choice("smoothing mode", mode, MODES)
