"""The random shift between a net's output and the loss network, and the test-time shift
ensemble that cancels a grid-locked pattern."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.jitter import jitter_crop, random_jitter, shift_ensemble


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
