"""The image pool of past fakes: fills, then swaps half the time, checkpoints with the run."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.training.pool import ImagePool


def test_fills_first_then_returns_a_mix_of_old_and_new() -> None:
    torch.manual_seed(0)
    pool = ImagePool(3, (1, 2, 2))
    first = torch.arange(3.0).view(3, 1, 1, 1).expand(3, 1, 2, 2)
    assert torch.equal(pool.query(first), first)  # while it fills: the new fakes themselves
    assert int(pool.count) == 3
    new = (100.0 + torch.arange(40.0)).view(40, 1, 1, 1).expand(40, 1, 2, 2)
    out = pool.query(new)
    swapped = out[:, 0, 0, 0] != new[:, 0, 0, 0]
    # each slot: a stored fake with probability 1/2, else its own new fake
    assert 8 <= int(swapped.sum()) <= 32
    earlier = {0.0, 1.0, 2.0, *new[:, 0, 0, 0].tolist()}
    for i in swapped.nonzero().flatten().tolist():  # a stored fake is an older one
        value = float(out[i, 0, 0, 0])
        assert value in earlier and value < float(new[i, 0, 0, 0])
    # what was given back was replaced by the new fake
    assert set(pool.images[:, 0, 0, 0].tolist()) <= earlier


def test_size_zero_passes_fakes_through_detached() -> None:
    pool = ImagePool(0, (3, 4, 4))
    x = torch.rand(2, 3, 4, 4, requires_grad=True)
    out = pool.query(x)
    assert torch.equal(out, x) and not out.requires_grad


def test_its_state_round_trips_through_a_state_dict() -> None:
    torch.manual_seed(1)
    pool = ImagePool(2, (3, 4, 4))
    pool.query(torch.rand(2, 3, 4, 4))
    other = ImagePool(2, (3, 4, 4))
    other.load_state_dict(pool.state_dict())
    assert torch.equal(other.images, pool.images) and int(other.count) == 2
    with pytest.raises(OptionError):
        ImagePool(-1, (3, 4, 4))
