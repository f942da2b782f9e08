"""Upscaling with the bundled super-resolution nets on real photos: exact output sizes, tiling
that agrees with one pass, alpha kept apart, sharper than bicubic, and clear errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork.errors import ImageError, OptionError
from brushwork.ops.degrade import crop_to_multiple, degrade
from brushwork.ops.quality import psnr_y, rgb_to_y
from brushwork.pipelines.upscale import Upscaler, bundled_scales, load_sr


@pytest.fixture(scope="module")
def x4() -> Upscaler:
    up = bw.load("sr-x4")
    assert isinstance(up, Upscaler)
    return up


def test_bundled_scales() -> None:
    assert bundled_scales() == [4, 8]
    assert load_sr(scale=8).scale == 8 and load_sr().scale == 4


@pytest.mark.parametrize("scale,size", [(4, (37, 23)), (4, (64, 48)), (8, (21, 30))])
def test_output_is_exactly_scale_times_the_input(scale: int, size: tuple[int, int], small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/tubingen.jpg", 200).resize(size)
    out = load_sr(scale=scale)(photo)
    assert out.size == (size[0] * scale, size[1] * scale) and out.mode == "RGB"


def test_tiled_and_untiled_agree(x4: Upscaler, small) -> None:  # type: ignore[no-untyped-def]
    x = imageio.to_tensor(small("content/golden_gate.jpg", 250))
    whole, n1 = x4.upscale_tensor(x)
    tiles, n = x4.upscale_tensor(x, tile=160)
    assert (
        n1 == 1 and n >= 2 and tiles.shape == whole.shape == (1, 3, *(s * 4 for s in x.shape[-2:]))
    )
    assert float((tiles - whole).abs().max()) < 1e-4


def test_sharper_than_bicubic_on_a_real_photo(x4: Upscaler, data) -> None:  # type: ignore[no-untyped-def]
    hr = crop_to_multiple(imageio.to_tensor(imageio.load(data / "sr/Set14/zebra.png").rgb), 4)
    low = degrade(hr, 4)
    bicubic = F.interpolate(low, scale_factor=4.0, mode="bicubic", align_corners=False).clamp(0, 1)
    out, _ = x4.upscale_tensor(low)

    def grad(x: torch.Tensor) -> float:
        y = rgb_to_y(x.double())
        return float(
            (y[..., :, 1:] - y[..., :, :-1]).abs().mean()
            + (y[..., 1:, :] - y[..., :-1, :]).abs().mean()
        )

    assert grad(out) > 1.15 * grad(bicubic)
    assert grad(out) < 1.3 * grad(hr)  # sharper, not noisier than the truth
    assert psnr_y(out, hr, 4) > psnr_y(bicubic, hr, 4) - 2.0


def test_alpha_is_upscaled_apart(x4: Upscaler, small) -> None:  # type: ignore[no-untyped-def]
    rgba = small("content/tubingen.jpg", 64).convert("RGBA")
    alpha = Image.new("L", rgba.size, 0)
    alpha.paste(255, (10, 10, 40, 30))
    rgba.putalpha(alpha)
    out = x4(rgba)
    assert out.mode == "RGBA" and out.size == (rgba.size[0] * 4, rgba.size[1] * 4)
    a = out.getchannel("A")
    assert a.getpixel((2, 2)) == 0 and a.getpixel((100, 80)) == 255


def test_bad_inputs_are_clear(x4: Upscaler, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImageError, match="too small to upscale"):
        x4(Image.new("RGB", (1, 1)))
    tiny = tmp_path / "dot.png"
    Image.new("RGB", (1, 1)).save(tiny)
    with pytest.raises(ImageError, match="1x1"):
        x4(tiny)
    with pytest.raises(ImageError, match="over the 100 MP limit"):
        x4(Image.new("RGB", (3000, 2600)))
    with pytest.raises(OptionError, match="available scales: x4, x8"):
        load_sr(scale=3)
    with pytest.raises(OptionError, match="upscales x4, not x8"):
        load_sr("sr-x4", scale=8)
    with pytest.raises(OptionError, match="not a super-resolution model"):
        load_sr("starry_night")
    with pytest.raises(OptionError, match="no style options"):
        bw.load("sr-x4", style="udnie")


def test_on_tile_reports_each_tile_and_can_stop_the_run(x4: Upscaler, small) -> None:  # type: ignore[no-untyped-def]
    img = small("content/tubingen.jpg", 200)  # 200x150: 2 x 1 tiles of 160 px
    seen: list[tuple[int, int]] = []
    result = x4.upscale(img, tile=160, on_tile=lambda done, total: seen.append((done, total)))
    assert result.tiles == 2 and seen == [(1, 2), (2, 2)]

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        if done == 1:
            raise Stop

    with pytest.raises(Stop):
        x4.upscale(img, tile=160, on_tile=stop)
