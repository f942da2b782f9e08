from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from brushwork.errors import OptionError
from brushwork.ops.tiling import tile_starts, tiled


@pytest.mark.parametrize(
    "length,tile,overlap", [(1000, 400, 100), (1500, 768, 128), (300, 300, 32), (257, 100, 32)]
)
def test_tiles_cover_with_overlap(length: int, tile: int, overlap: int) -> None:
    starts = tile_starts(length, tile, overlap)
    assert starts[0] == 0 and starts[-1] + min(tile, length) == length
    for a, b in itertools.pairwise(starts):
        assert a + tile - b >= overlap


def test_identity_is_exact() -> None:
    x = torch.rand(1, 3, 150, 230)
    assert torch.allclose(tiled(lambda t: t, x, tile=64, overlap=16), x, atol=1e-6)


def test_local_op_matches_untiled() -> None:
    # a 5x5 blur reaches 2 px: the zero-weight margin (overlap / 4) hides each tile's padding
    k = torch.ones(3, 1, 5, 5) / 25

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(t, (2, 2, 2, 2), mode="replicate"), k, groups=3)

    x = torch.rand(1, 3, 140, 190)
    assert torch.allclose(tiled(blur, x, tile=64, overlap=16), blur(x), atol=1e-5)


def test_progress_and_bad_tile() -> None:
    seen = []
    tiled(
        lambda t: t,
        torch.rand(1, 3, 100, 100),
        tile=48,
        overlap=8,
        progress=lambda d, n: seen.append((d, n)),
    )
    assert seen[-1][0] == seen[-1][1] == len(seen) == 9
    with pytest.raises(OptionError, match="twice the overlap"):
        tiled(lambda t: t, torch.rand(1, 3, 100, 100), tile=32, overlap=16)


def test_an_upscaling_op_is_tiled_at_its_output_scale() -> None:
    # nearest x3 upscaling of a 3x3 blur: tiles blend in the 3x larger output without seams
    k = torch.ones(3, 1, 3, 3) / 9

    def up(t: torch.Tensor) -> torch.Tensor:
        y = F.conv2d(F.pad(t, (1, 1, 1, 1), mode="replicate"), k, groups=3)
        return F.interpolate(y, scale_factor=3.0, mode="nearest")

    x = torch.rand(1, 3, 70, 95)
    out = tiled(up, x, tile=40, overlap=16, scale=3)
    assert out.shape == (1, 3, 210, 285)
    assert torch.allclose(out, up(x), atol=1e-5)
