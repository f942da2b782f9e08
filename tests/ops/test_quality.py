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
