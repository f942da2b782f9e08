"""The PatchGAN: its output map's size, and a receptive field of 70 x 70 px (n_layers=3) or one
pixel (the pixel discriminator): changing one input pixel changes only the outputs whose patch
holds it."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.nets.patchgan import PatchDiscriminator, PatchGANConfig, build, receptive_field


def _reach(n_layers: int, size: int = 160) -> tuple[int, int]:
    """(rows of outputs a change at the centre pixel reaches, the field seen from outputs)."""
    torch.manual_seed(0)
    d = PatchDiscriminator(PatchGANConfig(in_channels=3, width=4, n_layers=n_layers, norm="none"))
    x = torch.rand(1, 3, size, size, dtype=torch.float64)
    d = d.double()
    y0 = d(x)
    x2 = x.clone()
    x2[0, :, size // 2, size // 2] += 1.0
    changed = (d(x2) - y0).abs()[0, 0] > 0
    rows = changed.any(1).nonzero().flatten()
    return int(rows.max() - rows.min() + 1), int(changed.sum())


def test_receptive_field_formula() -> None:
    assert [receptive_field(n) for n in range(5)] == [1, 16, 34, 70, 142]


def test_pixel_discriminator_sees_one_pixel() -> None:
    rows, count = _reach(0, size=20)
    assert (rows, count) == (1, 1)


def test_70_px_patches_one_pixel_reaches_only_the_outputs_whose_patch_holds_it() -> None:
    rows, _ = _reach(3)
    # outputs are 8 px apart; a 70 px patch holds a given pixel for about 70 / 8 of them
    assert 7 <= rows <= 9
    # and a gradient check: output (0, 0) depends on the top-left 70 x 70 patch only
    d = PatchDiscriminator(PatchGANConfig(in_channels=3, width=4, n_layers=3, norm="none"))
    x = torch.rand(1, 3, 128, 128, requires_grad=True)
    d(x)[0, 0, 0, 0].backward()
    seen = (x.grad.abs().sum(1)[0] > 0).nonzero()
    assert int(seen[:, 0].max()) < 70 and int(seen[:, 1].max()) < 70
    assert int(seen[:, 0].max()) >= 40  # not a small field either (zero padding crops it)


def test_output_map_shape_and_config() -> None:
    d = PatchDiscriminator(PatchGANConfig(in_channels=6, width=8))
    assert d(torch.rand(2, 6, 256, 256)).shape == (2, 1, 30, 30)  # the paper's 30x30 map
    assert build(d.config.to_dict()).config == d.config
    for bad in ({"n_layers": 7}, {"in_channels": 0}, {"norm": "spectral"}):
        with pytest.raises(OptionError):
            PatchGANConfig(**bad)  # type: ignore[arg-type]
