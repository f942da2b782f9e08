"""Optical flow: DIS recovers known motions of a real photo, warping moves pixels exactly, and
the consistency check separates trusted pixels from occlusions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from brushwork.ops.flow import consistency_mask, estimate_flow, inside, random_motion, warp


@pytest.fixture
def photo(small) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.array(small("content/tubingen.jpg", 160))


def test_warp_by_whole_pixels_is_a_shift() -> None:
    x = torch.rand(1, 3, 12, 16, generator=torch.Generator().manual_seed(0))
    flow = torch.zeros(1, 2, 12, 16)
    flow[:, 0], flow[:, 1] = 2.0, -1.0  # each pixel reads from 2 right, 1 up
    out = warp(x, flow)
    # float32 grid coordinates land within ~1e-6 px of the pixel: weights off by as much
    assert torch.allclose(out[..., 1:, :-2], x[..., :-1, 2:], atol=1e-5)
    assert torch.allclose(warp(x, torch.zeros_like(flow)), x, atol=1e-6)


def test_dis_recovers_a_known_shift_of_a_real_photo(photo: np.ndarray) -> None:
    moved = np.roll(photo, shift=(-2, 3), axis=(0, 1))  # content moves 3 right, 2 up
    f = estimate_flow(photo, moved)
    inner = f[0, :, 10:-10, 10:-10]
    assert inner[0].median().item() == pytest.approx(3.0, abs=0.25)
    assert inner[1].median().item() == pytest.approx(-2.0, abs=0.25)
    # backward warping the moved frame with that flow gives the photo back
    a = torch.from_numpy(photo).permute(2, 0, 1)[None].float()
    b = torch.from_numpy(moved).permute(2, 0, 1)[None].float()
    err = (warp(b, f) - a).abs()[..., 10:-10, 10:-10].mean()
    assert err < 0.25 * (b - a).abs()[..., 10:-10, 10:-10].mean()


def test_flow_of_large_frames_is_estimated_small_and_scaled(photo: np.ndarray) -> None:
    big = np.kron(photo, np.ones((4, 4, 1), np.uint8))  # 640 px wide
    moved = np.roll(big, shift=8, axis=1)
    f = estimate_flow(big, moved, max_side=160)
    assert f.shape == (1, 2, *big.shape[:2])
    assert f[0, 0, 40:-40, 40:-40].median().item() == pytest.approx(8.0, abs=1.0)


def test_consistency_mask_trusts_agreeing_flows_and_rejects_the_rest() -> None:
    back = torch.zeros(1, 2, 20, 20)
    back[:, 0] = -3.0
    fwd = -back
    assert consistency_mask(back, fwd)[..., 2:-2, 4:-4].min() == 1.0
    wrong = torch.zeros_like(fwd)  # forward says nothing moved: occluded everywhere
    assert consistency_mask(back, wrong).max() == 0.0
    # a motion boundary: left half moves, right half stands still
    split_b, split_f = torch.zeros(1, 2, 20, 20), torch.zeros(1, 2, 20, 20)
    split_b[:, 0, :, :10], split_f[:, 0, :, :10] = -4.0, 4.0
    m = consistency_mask(split_b, split_f)
    assert m[0, 0, :, 9].max() == 0.0 and m[0, 0, :, 15].min() == 1.0


def test_random_motion_is_small_and_inside_marks_pixels_that_stay() -> None:
    g = torch.Generator().manual_seed(0)
    f = random_motion(3, 32, 48, shift=2.0, angle=1.0, zoom=0.02, generator=g)
    assert f.shape == (3, 2, 32, 48)
    assert f.abs().max() <= 2.0 + 0.02 * 24 + 48 * np.pi / 180 + 1e-4
    shift = torch.zeros(1, 2, 8, 8)
    shift[:, 0] = 3.0
    m = inside(shift, margin=0.0)
    assert m[0, 0, :, :5].min() == 1.0 and m[0, 0, :, 5:].max() == 0.0
