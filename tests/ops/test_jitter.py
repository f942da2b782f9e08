"""The random shift between a net's output and the loss network, and the test-time shift
ensemble that cancels a grid-locked pattern."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.jitter import (
    jitter_crop,
    phase_window,
    random_jitter,
    remove_grid,
    shift_ensemble,
)


def test_jitter_crop_takes_the_window_at_the_offset() -> None:
    x = torch.arange(5.0 * 6).reshape(1, 1, 5, 6)
    crop = jitter_crop(x, 3, 2, 1)
    assert crop.shape == (1, 1, 3, 4)
    assert crop[0, 0, 0, 0] == x[0, 0, 2, 1] and crop[0, 0, -1, -1] == x[0, 0, 4, 4]
    assert jitter_crop(x, 1, 0, 0) is x and jitter_crop(x, 0) is x


def test_random_jitter_crops_every_tensor_alike_and_reaches_every_offset() -> None:
    torch.manual_seed(0)
    ramp = torch.arange(8.0 * 8).reshape(1, 1, 8, 8)
    seen = set()
    for _ in range(200):
        a, b = random_jitter(4, ramp, ramp.expand(2, 3, 8, 8))
        assert a.shape == (1, 1, 5, 5) and b.shape == (2, 3, 5, 5)
        assert torch.equal(a[0, 0], b[1, 2])  # one offset for output and photo
        seen.add((int(a[0, 0, 0, 0]) // 8, int(a[0, 0, 0, 0]) % 8))
    assert seen == {(dy, dx) for dy in range(4) for dx in range(4)}


def _grid(h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos(pi i / 4) down the rows and across the columns: the fundamental of an 8 px grid."""
    return torch.cos(torch.arange(h) * torch.pi / 4)[:, None], torch.cos(
        torch.arange(w) * torch.pi / 4
    )[None, :]


def test_shift_ensemble_cancels_a_pattern_locked_to_the_grid() -> None:
    x = torch.rand(1, 3, 20, 28)
    rows, cols = _grid(20 + 4, 28 + 4)  # the net's grid starts at the padded input's corner

    def lines(x: torch.Tensor) -> torch.Tensor:  # a net that adds grid lines to its input
        return x + rows[: x.shape[-2]] + cols[:, : x.shape[-1]]

    def checks(x: torch.Tensor) -> torch.Tensor:  # one that adds a checkerboard of cells
        return x + rows[: x.shape[-2]] * cols[:, : x.shape[-1]]

    assert torch.allclose(shift_ensemble(lines, 1, 8, x), lines(x))
    # half a period flips cos(pi i / 4): (lines(x) + lines(x shifted by 4, 4)) / 2 = x
    assert torch.allclose(shift_ensemble(lines, 2, 8, x), x, atol=1e-6)
    # the product keeps its sign under the diagonal shift, so 2 shifts leave it whole...
    assert torch.allclose(shift_ensemble(checks, 2, 8, x), checks(x), atol=1e-6)
    # ...and the row and column shifts (signs -1) cancel it
    assert torch.allclose(shift_ensemble(checks, 4, 8, x), x, atol=1e-6)


def test_shift_ensemble_keeps_maps_aligned_and_the_size() -> None:
    x, m = torch.rand(2, 3, 13, 9), torch.rand(1, 1, 13, 9)
    out = shift_ensemble(lambda a, b: a * b, 4, 8, x, m)
    assert out.shape == x.shape and torch.allclose(out, x * m)


@pytest.mark.parametrize("bad", [0, 3, 8, True, "2", 2.0])
def test_shift_counts_other_than_1_2_4_are_refused(bad: object) -> None:
    with pytest.raises(OptionError, match="shifts must be 1, 2 or 4"):
        shift_ensemble(lambda a: a, bad, 8, torch.zeros(1, 3, 8, 8))  # type: ignore[arg-type]


def _tile_pattern(h: int, w: int, seed: int = 0) -> torch.Tensor:
    """A random 8 x 8 tile, zero mean per channel, repeated over (3, h, w)."""
    g = torch.Generator().manual_seed(seed)
    tile = torch.rand(3, 8, 8, generator=g) * 0.2
    tile = tile - tile.mean(dim=(1, 2), keepdim=True)
    return tile.repeat(1, h // 8 + 1, w // 8 + 1)[:, :h, :w]


@pytest.mark.parametrize(("n", "cells"), [(40, 2), (37, 2), (100, 3), (20, 2), (6, 1)])
def test_phase_window_keeps_each_index_on_its_phase_inside_the_picture(n: int, cells: int) -> None:
    window = torch.stack(phase_window(n, 8, cells))
    i = torch.arange(n)
    assert window.shape == (2 * cells + 1, n)
    assert ((window - i) % 8 == 0).all() and window.min() >= 0 and window.max() < n
    if n >= 8 * 2 * cells + 8:  # room for the whole window: distinct cells, centred inside
        assert (window[1:] - window[:-1] == 8).all()
        middle = torch.arange(8 * cells, n - 8 * cells)
        assert torch.equal(window[cells, middle], middle)


@pytest.mark.parametrize(("h", "w"), [(64, 80), (37, 35), (41, 90)])
def test_remove_grid_takes_out_any_pattern_of_the_period_and_keeps_a_plane(h: int, w: int) -> None:
    plane = (torch.arange(h)[:, None] * 0.004 + torch.arange(w)[None, :] * 0.007).expand(1, 3, h, w)
    assert torch.allclose(remove_grid(plane, 8), plane, atol=1e-5)
    assert torch.allclose(remove_grid(plane + _tile_pattern(h, w), 8), plane, atol=1e-5)


def test_remove_grid_on_a_photo_leaves_the_photo_and_drops_the_pattern(data) -> None:  # type: ignore[no-untyped-def]
    from brushwork import image as imageio

    photo = imageio.resize(imageio.load(data / "content" / "golden_gate.jpg").rgb, (256, 171))
    x = imageio.to_tensor(photo)
    clean = remove_grid(x, 8)
    assert torch.allclose(remove_grid(x + _tile_pattern(171, 256), 8), clean, atol=1e-5)
    mse = float(((clean - x) ** 2).mean())
    assert mse < 10 ** (-3.0)  # PSNR above 30 dB: the photo's own detail is kept


def test_remove_grid_leaves_no_echo_of_a_line_one_period_away() -> None:
    x = torch.full((1, 3, 48, 64), 0.2)
    x[..., 30:32] = 0.9  # a bright vertical stroke
    x[..., 20:22, :] = 0.7  # and a horizontal one
    out = remove_grid(x, 8)
    # a mean over the cells would paint copies of the strokes every 8 px; the median does not
    assert torch.allclose(out, x, atol=1e-6)
