from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses import GridLoss, grid_loss
from brushwork.ops.quality import grid_pattern


def test_value_by_hand() -> None:
    # a 4 px tile, zero mean, on a picture that is not a whole number of cells (cropped away)
    tile = torch.tensor(
        [[0.2, -0.1, 0.0, 0.1], [0.0, 0.0, 0.0, 0.0], [-0.2, 0.1, 0.0, -0.1], [0.0, 0.0, 0.0, 0.0]]
    )
    power = float(tile.pow(2).mean())  # (0.04 + 0.01 + 0.01) * 2 / 16
    assert power == pytest.approx(0.0075)
    x = torch.rand(2, 3, 14, 18)
    patterned = x.clone()
    patterned[..., :12, :16] += tile.repeat(3, 4)
    # against the clean picture: exactly the tile's power, whatever the photo
    assert grid_loss(patterned, x, period=4).item() == pytest.approx(power, rel=1e-5)
    # an offset of the whole picture is no pattern
    assert grid_loss(x + 0.3, x, period=4).item() == pytest.approx(0.0, abs=1e-12)
    # a period-8 loss sees the 4 px pattern too, with the same power
    assert grid_loss(patterned, x).item() == pytest.approx(power, rel=1e-5)


def test_only_what_is_shared_by_every_cell_and_picture() -> None:
    # the pattern in one picture of two, opposite in the other: averaged over the batch, nothing
    tile = torch.tensor([[0.1, -0.1], [-0.1, 0.1]]).repeat(8, 8)
    x = torch.zeros(2, 1, 16, 16)
    x[0, 0] += tile
    x[1, 0] -= tile
    assert grid_loss(x, period=2).item() == pytest.approx(0.0, abs=1e-12)
    # a lone stroke (not periodic) costs a small share of its pixel power (here 1/51)
    stroke = torch.zeros(1, 1, 128, 128)
    stroke[..., 60:64, 20:100] = 1.0
    assert grid_loss(stroke).item() < 0.05 * stroke.pow(2).mean().item()


def test_agrees_with_the_grid_measure_and_has_gradients() -> None:
    g = torch.Generator().manual_seed(0)
    photo = 0.5 + 0.02 * torch.rand(1, 3, 64, 64, generator=g)
    cell = torch.rand(1, 1, 4, 4, generator=g) - 0.5
    weak, strong = (photo + a * cell.repeat(1, 3, 16, 16) for a in (0.01, 0.03))
    assert grid_loss(strong, photo).item() == pytest.approx(
        9 * grid_loss(weak, photo).item(), rel=1e-4
    )
    assert grid_pattern(strong) > 2.5 * grid_pattern(weak)  # the bench's measure: about 3x
    y = strong.clone().requires_grad_(True)
    GridLoss()(y, photo).backward()
    assert y.grad is not None and float(y.grad.abs().sum()) > 0
    z = torch.rand(1, 1, 8, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: grid_loss(v, period=4), (z,))


def test_bad_input() -> None:
    with pytest.raises(OptionError, match="expected"):
        grid_loss(torch.rand(1, 3, 4, 20))  # shorter than a cell
    with pytest.raises(OptionError, match="target"):
        grid_loss(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 16))
    with pytest.raises(OptionError, match="period"):
        grid_loss(torch.rand(1, 3, 8, 8), period=0)
