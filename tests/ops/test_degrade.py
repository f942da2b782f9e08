"""The super-resolution degradation does what its documentation says: a Gaussian blur of
sigma 1, then Pillow-style antialiased bicubic downscaling."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.ops.degrade import crop_to_multiple, degrade, gaussian_blur, gaussian_kernel


def test_kernel_is_the_sampled_normalised_gaussian() -> None:
    k = gaussian_kernel(1.0)
    t = torch.arange(-3, 4, dtype=torch.float32)
    hand = torch.exp(-(t**2) / 2)
    assert torch.allclose(k, hand / hand.sum())
    assert len(gaussian_kernel(2.0)) == 13  # radius ceil(3 sigma)
    with pytest.raises(OptionError):
        gaussian_kernel(0.0)


def test_blur_of_an_impulse_is_the_2d_kernel_and_a_flat_image_stays_flat() -> None:
    x = torch.zeros(1, 3, 21, 21)
    x[..., 10, 10] = 1.0
    y = gaussian_blur(x, 1.0)
    k = gaussian_kernel(1.0)
    assert torch.allclose(y[0, 0, 7:14, 7:14], k[:, None] * k[None, :], atol=1e-7)
    assert abs(float(y[0, 0, 10, 11] / y[0, 0, 10, 10]) - math.exp(-0.5)) < 1e-5
    flat = torch.full((1, 3, 16, 16), 0.3)
    assert torch.allclose(gaussian_blur(flat, 1.0), flat)


def test_downscale_matches_pillow_bicubic_on_a_real_photo(data: Path) -> None:
    hr = crop_to_multiple(imageio.to_tensor(imageio.load(data / "sr/Set14/baboon.png").rgb), 4)
    h, w = hr.shape[-2:]
    # with a vanishing blur, degrade is Pillow's antialiased bicubic resize
    mine = degrade(hr, 4, sigma=1e-3)
    pil = imageio.to_tensor(imageio.to_pil(hr).resize((w // 4, h // 4), Image.Resampling.BICUBIC))
    assert mine.shape == pil.shape == (1, 3, h // 4, w // 4)
    assert float((mine - pil).abs().mean()) * 255 < 0.5
    # and the documented degradation is blur first, then that resize
    blurred = imageio.to_pil(gaussian_blur(hr, 1.0))
    pil_blur = imageio.to_tensor(blurred.resize((w // 4, h // 4), Image.Resampling.BICUBIC))
    assert float((degrade(hr, 4) - pil_blur).abs().mean()) * 255 < 0.6


def test_sizes_must_divide_the_scale() -> None:
    x = torch.rand(1, 3, 30, 41)
    assert crop_to_multiple(x, 4).shape[-2:] == (28, 40)
    assert degrade(crop_to_multiple(x, 8), 8).shape[-2:] == (3, 5)
    with pytest.raises(OptionError, match="divisible"):
        degrade(x, 4)


def test_degrade_runs_in_float32_under_bf16_autocast() -> None:
    # the bf16 training step of a super-resolution net degrades its batch inside autocast;
    # bicubic antialiasing has no bf16 kernel, so this failed before degradation left autocast
    hr = torch.rand(2, 3, 32, 32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        low = degrade(hr, 4)
    assert low.dtype == torch.float32
    torch.testing.assert_close(low, degrade(hr, 4))
