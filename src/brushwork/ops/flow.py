"""Optical flow for temporally consistent video (Ruder, Dosovitskiy and Brox, "Artistic Style
Transfer for Videos", GCPR 2016): dense flow between frames, backward warping, and the
forward-backward consistency check that marks occluded pixels and motion boundaries.

Flow is estimated with DIS (Kroeger et al., "Fast Optical Flow using Dense Inverse Search",
ECCV 2016) from OpenCV (headless; a core dependency, so the default video path works on a
plain install). Flows are
(B, 2, H, W) float32 tensors in pixels, x then y; ``flow(a, b)`` maps each pixel p of frame
``a`` to where it is in frame ``b``: ``a(p) ~ b(p + flow(p))``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from brushwork.errors import OptionError

#: Flow is estimated on frames scaled to at most this long side, then scaled up: DIS at 640 px
#: takes ~15 ms a pair on one core, and finer flow changes little for blending.
FLOW_SIDE = 640
#: DIS preset: "ultrafast", "fast" or "medium" (each about twice the work of the one before)
FLOW_PRESET = "medium"
#: Ruder et al.'s thresholds: forward-backward disagreement (relative, absolute in px^2) and
#: flow-gradient magnitude (relative, absolute) that mark a pixel unreliable.
OCCLUSION = (0.01, 0.5)
MOTION_BOUNDARY = (0.01, 0.002)

_dis: dict[tuple[str, int], Any] = {}


def require_opencv() -> Any:
    """OpenCV's module, or a clear error saying how to install it."""
    try:
        import cv2
    except ImportError:
        raise OptionError(
            "temporal consistency needs OpenCV for optical flow, which this install lacks: "
            "pip install opencv-python-headless (or use --temporal off)"
        ) from None
    return cv2


def _grey(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    cv2 = require_opencv()
    g = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
    if (g.shape[1], g.shape[0]) != size:
        g = cv2.resize(g, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(g)


def estimate_flow(a: np.ndarray, b: np.ndarray, *, max_side: int | None = None) -> torch.Tensor:
    """Dense flow from frame ``a`` to frame ``b`` ((H, W, 3) uint8 RGB): (1, 2, H, W) pixels,
    estimated at a long side of at most ``max_side`` (default ``FLOW_SIDE``).

    Example:
        >>> a = np.zeros((64, 64, 3), np.uint8); a[20:40, 20:40] = 255
        >>> estimate_flow(a, np.roll(a, 3, axis=1)).shape  # the square moves 3 px right
        torch.Size([1, 2, 64, 64])
    """
    cv2 = require_opencv()
    h, w = a.shape[:2]
    scale = min(1.0, (max_side or FLOW_SIDE) / max(h, w))
    size = (max(16, round(w * scale)), max(16, round(h * scale)))
    key = (FLOW_PRESET, threading.get_ident())  # a DIS object is not safe to share
    if key not in _dis:
        preset = getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{FLOW_PRESET.upper()}")
        _dis[key] = cv2.DISOpticalFlow_create(preset)
    flow = _dis[key].calc(_grey(a, size), _grey(b, size), None)
    t = torch.from_numpy(flow).permute(2, 0, 1)[None].float()
    if size != (w, h):
        t = F.interpolate(t, size=(h, w), mode="bilinear", align_corners=False)
        t[:, 0] *= w / size[0]
        t[:, 1] *= h / size[1]
    return t


def warp(x: torch.Tensor, flow: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """Backward warping: ``out(p) = x(p + flow(p))`` for (B, C, H, W) ``x`` and (B, 2, H, W)
    ``flow``; samples outside the image repeat its border.

    Example:
        >>> x = torch.arange(4.0).view(1, 1, 1, 4)
        >>> warp(x, torch.tensor([1.0, 0.0]).view(1, 2, 1, 1).expand(1, 2, 1, 4))
        tensor([[[[1., 2., 3., 3.]]]])
    """
    b, _, h, w = x.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=flow.dtype, device=flow.device),
        torch.arange(w, dtype=flow.dtype, device=flow.device),
        indexing="ij",
    )
    gx = (xs + flow[:, 0]) * (2.0 / max(w - 1, 1)) - 1.0
    gy = (ys + flow[:, 1]) * (2.0 / max(h - 1, 1)) - 1.0
    grid = torch.stack([gx, gy], dim=-1).expand(b, h, w, 2)
    return F.grid_sample(x, grid.to(x.dtype), mode=mode, padding_mode="border", align_corners=True)


def consistency_mask(backward: torch.Tensor, forward: torch.Tensor) -> torch.Tensor:
    """Where ``backward`` flow (frame t -> t-1) can be trusted: (B, 1, H, W) of 0 and 1.

    A pixel is unreliable when following it back and forth does not return it to itself
    (occluded or disoccluded: ``|w_b + w_f(p + w_b)|^2 > 0.01 (|w_b|^2 + |w_f|^2) + 0.5``),
    or when it lies on a motion boundary (``|grad w_b|^2 > 0.01 |w_b|^2 + 0.002``), after
    Sundaram et al. (ECCV 2010) as used by Ruder et al. (2016).
    """
    fw = warp(forward, backward)
    sq = (backward**2).sum(1, keepdim=True)
    fw_sq = (fw**2).sum(1, keepdim=True)
    disagree = ((fw + backward) ** 2).sum(1, keepdim=True)
    occluded = disagree > OCCLUSION[0] * (sq + fw_sq) + OCCLUSION[1]
    dx = F.pad(backward[..., :, 1:] - backward[..., :, :-1], (0, 1))
    dy = F.pad(backward[..., 1:, :] - backward[..., :-1, :], (0, 0, 0, 1))
    grad = (dx**2 + dy**2).sum(1, keepdim=True)
    boundary = grad > MOTION_BOUNDARY[0] * sq + MOTION_BOUNDARY[1]
    return (~(occluded | boundary)).float()


def random_motion(
    batch: int,
    height: int,
    width: int,
    *,
    shift: float = 2.0,
    angle: float = 1.0,
    zoom: float = 0.02,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A random small camera motion as a flow field (B, 2, H, W): a rotation of up to
    ``angle`` degrees and a zoom of up to ``zoom`` about the centre, and a shift of up to
    ``shift`` pixels; synthetic flow for a temporal training loss (Wang et al., "Consistent
    Video Style Transfer via Compound Regularization", AAAI 2020).

    Example:
        >>> f = random_motion(1, 8, 8, shift=1.0, angle=0.0, zoom=0.0)
        >>> bool((f[0, 0] == f[0, 0, 0, 0]).all())  # a pure shift: the same everywhere
        True
    """

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(batch, generator=generator) * 2 - 1) * limit

    theta = uniform(angle) * (torch.pi / 180.0)
    scale = 1.0 + uniform(zoom)
    tx, ty = uniform(shift), uniform(shift)
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float32) - (height - 1) / 2,
        torch.arange(width, dtype=torch.float32) - (width - 1) / 2,
        indexing="ij",
    )
    c, s = (scale * torch.cos(theta)).view(-1, 1, 1), (scale * torch.sin(theta)).view(-1, 1, 1)
    fx = c * xs - s * ys - xs + tx.view(-1, 1, 1)
    fy = s * xs + c * ys - ys + ty.view(-1, 1, 1)
    return torch.stack([fx, fy], dim=1)


def inside(flow: torch.Tensor, margin: float = 1.0) -> torch.Tensor:
    """(B, 1, H, W): 1 where ``p + flow(p)`` lies inside the image (``margin`` px in)."""
    _, _, h, w = flow.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=flow.dtype, device=flow.device),
        torch.arange(w, dtype=flow.dtype, device=flow.device),
        indexing="ij",
    )
    x, y = xs + flow[:, 0], ys + flow[:, 1]
    ok = (x >= margin) & (x <= w - 1 - margin) & (y >= margin) & (y <= h - 1 - margin)
    return ok[:, None].float()
