"""The random shift between a net's output and the loss network."""

from __future__ import annotations

import torch

from brushwork.ops.jitter import jitter_crop, random_jitter


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
