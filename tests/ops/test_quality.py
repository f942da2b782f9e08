"""PSNR and SSIM on luminance, against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.ops.quality import psnr_y, rgb_to_y, ssim_y


def test_luma_is_bt601_studio_range() -> None:
    x = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    assert abs(rgb_to_y(x).item() - (16 + 65.481)) < 1e-4


def test_psnr_by_hand_and_border_crop() -> None:
    a = torch.full((1, 3, 10, 10), 0.5)
    b = a.clone()
    b[..., 0, :] = 0.6  # the top row differs in Y by 0.1 * 219
    mse = (0.1 * 219) ** 2 * 10 / 100
    assert abs(psnr_y(a, b) - 10 * math.log10(255**2 / mse)) < 1e-5
    assert psnr_y(a, b, border=1) == math.inf  # the row is cropped away


def test_ssim_is_one_for_equal_images_and_falls_with_noise() -> None:
    g = torch.Generator().manual_seed(0)
    a = torch.rand(1, 3, 40, 40, generator=g)
    assert abs(ssim_y(a, a) - 1.0) < 1e-9
    noisy = (a + 0.1 * torch.randn(a.shape, generator=g)).clamp(0, 1)
    noisier = (a + 0.3 * torch.randn(a.shape, generator=g)).clamp(0, 1)
    assert 1.0 > ssim_y(a, noisy) > ssim_y(a, noisier) > 0.0


def test_ssim_of_a_constant_shift_by_hand() -> None:
    # flat images: only the luminance term is left, (2 m1 m2 + C1) / (m1^2 + m2^2 + C1)
    a, b = torch.full((1, 3, 12, 12), 0.2), torch.full((1, 3, 12, 12), 0.4)
    m1, m2 = 16 + 0.2 * 219, 16 + 0.4 * 219
    c1 = (0.01 * 255) ** 2
    assert abs(ssim_y(a, b) - (2 * m1 * m2 + c1) / (m1**2 + m2**2 + c1)) < 1e-9


def test_shapes_are_checked() -> None:
    with pytest.raises(OptionError):
        psnr_y(torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 5))
    with pytest.raises(OptionError):
        ssim_y(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8))


def test_grid_pattern_finds_a_grid_a_photo_does_not_have(small) -> None:  # type: ignore[no-untyped-def]
    from brushwork import image as imageio
    from brushwork.ops.quality import fine_detail, grid_pattern

    photo = imageio.to_tensor(small("content/tubingen.jpg", 256))
    # hatching locked to a 4-pixel grid: +-8 grey levels on a diagonal, as a short training leaves
    ys, xs = torch.meshgrid(
        torch.arange(photo.shape[-2]), torch.arange(photo.shape[-1]), indexing="ij"
    )
    hatch = ((ys + xs) % 4 < 2).float() * 2 - 1
    hatched = (photo + hatch * 8 / 219).clamp(0, 1)
    assert grid_pattern(photo) < 2.0
    assert grid_pattern(hatched) == pytest.approx(8.0, rel=0.1)  # the luma amplitude, 0-255
    assert fine_detail(hatched) > fine_detail(photo) + 0.02
    # shifting the picture moves the grid's phase, not its strength
    assert grid_pattern(hatched[..., 1:, 3:]) == pytest.approx(grid_pattern(hatched), rel=0.1)
    with pytest.raises(OptionError):
        grid_pattern(photo[..., :4, :4])
