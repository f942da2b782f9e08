"""Deep Photo Style Transfer (Luan et al. 2017) and smoothing of any output, on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError
from brushwork.losses.perceptual import PerceptualLoss
from brushwork.losses.photorealism import photorealism_loss
from brushwork.losses.style import gram_matrix
from brushwork.ops.matting import matting_laplacian, to_torch
from brushwork.pipelines._common import style_tensor
from brushwork.pipelines.optimize import OptimizeConfig, build_loss, optimize_result
from brushwork.pipelines.photoreal import PhotorealConfig, photorealistic, smooth_image

FAST = {"size": 64, "progress": False}


def energy(img: Image.Image, photo: Image.Image) -> float:
    """The output's matting-Laplacian energy on the photo, per pixel."""
    p = imageio.to_tensor(imageio.resize(photo, img.size))
    return float(photorealism_loss(imageio.to_tensor(img), to_torch(matting_laplacian(p)))) / (
        img.size[0] * img.size[1]
    )


def test_the_method_keeps_the_photo_a_photo(small) -> None:  # type: ignore[no-untyped-def]
    photo, night = small("content/tubingen.jpg", 64), small("content/hoover_tower_night.jpg", 64)
    plain = optimize_result(photo, [night], steps=40, **FAST)
    real = photorealistic(photo, night, first_steps=20, steps=20, **FAST)
    assert set(real.losses) >= {"content", "style", "photorealism", "total"}
    assert len(real.history) == 40
    assert energy(real.image, photo) < 0.5 * energy(plain.image, photo)
    # and the style came: the night photo's Gram loss fell well below the sunny photo's own
    c = imageio.to_tensor(photo)
    judge = build_loss(c, [style_tensor(night, c.shape[-1] * c.shape[-2])], OptimizeConfig(),
                       torch.device("cpu"))  # fmt: skip
    with torch.no_grad():
        assert float(judge(imageio.to_tensor(real.image))["style"]) < 0.5 * float(judge(c)["style"])


def halves(
    side: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]
) -> Image.Image:
    w, h = side
    m = Image.new("RGB", side, right)
    m.paste(Image.new("RGB", (w // 2, h), left), (0, 0))
    return m


def test_paired_masks_match_region_to_region(small) -> None:  # type: ignore[no-untyped-def]
    """The style: red texture left, blue right. With the style mask's halves swapped, the photo's
    left half takes the blue and its right half the red; unswapped, the other way round."""
    photo = small("content/tubingen.jpg", 64)
    tex = np.random.default_rng(0).random((48, 64, 1))
    left = np.arange(64)[None, :, None] < 32
    style = Image.fromarray(
        np.where(left, tex * [255, 60, 40], tex * [40, 60, 255]).astype(np.uint8)
    )
    a, b = (0, 0, 0), (255, 255, 255)
    blue_minus_red = []
    for style_mask in (halves(style.size, b, a), halves(style.size, a, b)):
        done = optimize_result(photo, [style], steps=30, mask=halves(photo.size, a, b),
                               style_mask=style_mask, **FAST)  # fmt: skip
        out = imageio.to_tensor(done.image)[0]
        halves_rgb = [h.mean((1, 2)) for h in (out[..., :28], out[..., 36:])]
        blue_minus_red.append([float(h[2] - h[0]) for h in halves_rgb])
    (swapped_left, swapped_right), (kept_left, kept_right) = blue_minus_red
    assert swapped_left > 0.1 and kept_left < -0.05
    assert swapped_right < -0.05 and kept_right > 0.1


def test_region_targets_are_the_style_regions_grams(small) -> None:  # type: ignore[no-untyped-def]
    style = imageio.to_tensor(small("content/hoover_tower_night.jpg", 48))
    regions = torch.zeros(1, 2, *style.shape[-2:])
    regions[:, 0, :, :20], regions[:, 1, :, 20:] = 1, 1
    loss = PerceptualLoss(load_vgg19(max_layer="relu2_1"), content_layers={},
                          style_layers={"relu1_1": 1.0, "relu2_1": 1.0})  # fmt: skip
    loss.set_style([style], mask=torch.ones(1, 2, 8, 8), style_regions=regions)
    feats = loss.encoder(style, ["relu1_1"])["relu1_1"]
    left = feats[..., :20]
    by_hand = left[0].reshape(64, -1) @ left[0].reshape(64, -1).t() / (64 * left[0, 0].numel())
    torch.testing.assert_close(loss.style_targets["relu1_1"][0, 0], by_hand, rtol=1e-4, atol=1e-6)
    assert loss.style_targets["relu2_1"].shape == (1, 2, 128, 128)
    torch.testing.assert_close(loss.style_targets["relu1_1"][:, 1], gram_matrix(feats[..., 20:]))


def test_mask_errors(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo, night = small("content/tubingen.jpg", 64), small("content/hoover_tower_night.jpg", 64)
    a, b, c = (0, 0, 0), (255, 255, 255), (0, 255, 0)
    content_mask = halves(photo.size, a, b)
    with pytest.raises(OptionError, match="style mask is 40x40 but the style is"):
        photorealistic(photo, night, content_mask=content_mask,
                       style_mask=halves((40, 40), a, b), **FAST)  # fmt: skip
    with pytest.raises(OptionError, match="content mask colour #ffffff is not in the style mask"):
        photorealistic(photo, night, content_mask=content_mask,
                       style_mask=halves(night.size, a, c), **FAST)  # fmt: skip
    with pytest.raises(OptionError, match="both masks"):
        photorealistic(photo, night, content_mask=content_mask, **FAST)
    with pytest.raises(OptionError, match="needs a content mask"):
        optimize_result(photo, [night], style_mask=halves(night.size, a, b), **FAST)


def test_config_stages_and_checks() -> None:
    cfg = PhotorealConfig(size=1024)
    first, second = cfg.stages((2048, 1536))
    assert first.scales == (256, 512) and first.photorealism_weight == 0
    assert first.level_steps(2) == [200, 100]
    assert second.scales == (1024,) and second.photorealism_weight == cfg.photorealism_weight
    assert cfg.total_steps((2048, 1536)) == 200 + 100 + 50
    small_first, small_second = PhotorealConfig(size=300).stages((600, 400))
    assert small_first.scales == small_second.scales == (300,)
    with pytest.raises(OptionError, match="preserve_color"):
        PhotorealConfig(preserve_color="luminance")
    with pytest.raises(OptionError, match="photorealism_weight > 0"):
        PhotorealConfig(photorealism_weight=0)
    with pytest.raises(OptionError, match="unknown smoothing mode"):
        PhotorealConfig(smooth="blur")
    with pytest.raises(OptionError, match="unknown option 'first_step'"):
        photorealistic("a.jpg", "b.jpg", first_step=3)


def test_smooth_image_keeps_size_and_alpha(small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/tubingen.jpg", 64)
    painted = Image.merge(
        "RGBA", (*photo.convert("RGB").split()[::-1], Image.new("L", photo.size, 128))
    )
    for mode in ("fast", "exact"):
        out = smooth_image(photo, painted, mode)
        assert out.size == photo.size and out.mode == "RGBA"
        assert out.getchannel("A").getextrema() == (128, 128)
    with pytest.raises(OptionError, match="unknown smoothing mode"):
        smooth_image(photo, painted, "sharp")


def test_auto_masks_pair_sky_with_sky(small) -> None:  # type: ignore[no-untyped-def]
    from brushwork.ops.regions import flat_colors, paired_colors
    from brushwork.pipelines.photoreal import auto_masks

    photo = small("content/golden_gate.jpg", 96)
    same_a, same_b = auto_masks(photo, photo)
    assert same_a.size == photo.size and np.array_equal(np.asarray(same_a), np.asarray(same_b))
    night = small("content/hoover_tower_night.jpg", 80)
    cm, sm = auto_masks(photo, night, regions=3)
    assert cm.size == photo.size and sm.size == night.size
    cols = paired_colors(imageio.to_tensor(cm), imageio.to_tensor(sm))  # usable as given masks
    assert len(cols) == 3 == len(flat_colors(imageio.to_tensor(sm)))
    # the sky (top rows) of both photos got the same region
    top = lambda m: np.asarray(m)[1, m.size[0] // 2].tolist()  # noqa: E731
    assert top(cm) == top(sm)
    with pytest.raises(OptionError, match="regions must be between 2 and 6"):
        auto_masks(photo, night, regions=9)
