"""Arbitrary style with AdaIN: the paper's controls checked against their definitions, the bad
inputs of the issue, and the bundled decoder on real photos and unseen paintings."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork.errors import BrushworkError, ImageError, OptionError, WeightsError
from brushwork.modelfile import write_model
from brushwork.nets.adain import AdaINDecoder, DecoderConfig, adaptive_instance_norm
from brushwork.ops.color import rgb_to_yiq
from brushwork.ops.jitter import remove_grid
from brushwork.ops.quality import grid_pattern
from brushwork.pipelines.arbitrary import ArbitraryStyle, from_model, load_adain


def _decoder_model(folder: Path, config: DecoderConfig, **extra: object) -> Path:
    torch.manual_seed(0)
    cfg = {
        "architecture": "adain_decoder",
        "config": config.to_dict(),
        "encoder": {"name": "vgg19", "layer": config.layer},
    } | extra
    return write_model(folder, AdaINDecoder(config).state_dict(), cfg)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> ArbitraryStyle:
    folder = _decoder_model(tmp_path_factory.mktemp("dec") / "tiny", DecoderConfig(width=0.125))
    return from_model(folder)


def _target(adain: ArbitraryStyle, x: torch.Tensor, styles: list[torch.Tensor]) -> torch.Tensor:
    """The AdaIN targets of each style, on the padded photo, as the paper defines them."""
    pad = torch.nn.functional.pad(x, (0, (-x.shape[-1]) % 8, 0, (-x.shape[-2]) % 8), mode="reflect")
    fc = adain._features(pad)
    return torch.stack([adaptive_instance_norm(fc, adain._features(s)) for s in styles]), fc


def test_alpha_zero_is_the_decoders_reconstruction_of_the_content(tiny, images) -> None:  # type: ignore[no-untyped-def]
    x = images["photo"]
    out = tiny.stylize_tensor(x, [images["a"]], alpha=0.0)
    _, fc = _target(tiny, x, [images["a"]])
    with torch.no_grad():
        expected = tiny.decoder(fc)[..., :75, :100]
    assert out.shape == x.shape
    assert torch.allclose(out, expected, atol=1e-5)


def test_alpha_blends_at_feature_level(tiny, images) -> None:  # type: ignore[no-untyped-def]
    x = images["photo"]
    out = tiny.stylize_tensor(x, [images["a"]], alpha=0.3)
    t, fc = _target(tiny, x, [images["a"]])
    with torch.no_grad():
        expected = tiny.decoder(0.3 * t[0] + 0.7 * fc)[..., :75, :100]
    assert torch.allclose(out, expected, atol=1e-5)


def test_interpolation_weights_are_normalised_and_mix_the_targets(tiny, images) -> None:  # type: ignore[no-untyped-def]
    x, styles = images["photo"], [images["a"], images["b"]]
    t, _ = _target(tiny, x, styles)
    with torch.no_grad():
        expected = tiny.decoder(0.7 * t[0] + 0.3 * t[1])[..., :75, :100]
    # 7:3 is 0.7/0.3 after normalising; the weights sum to one
    assert torch.allclose(tiny.stylize_tensor(x, styles, weights=[7.0, 3.0]), expected, atol=1e-5)
    only_a = tiny.stylize_tensor(x, styles, weights=[2.0, 0.0])
    assert torch.allclose(only_a, tiny.stylize_tensor(x, [images["a"]]), atol=1e-5)
    equal = tiny.stylize_tensor(x, styles)
    assert torch.allclose(equal, tiny.stylize_tensor(x, styles, weights=[1.0, 1.0]), atol=1e-6)


def test_shifts_average_the_passes_over_the_photo_shifted_by_half_a_cell(tiny, images) -> None:  # type: ignore[no-untyped-def]
    x, style = images["photo"], [images["a"]]
    one = tiny.stylize_tensor(x, style, alpha=0.7)
    moved = torch.nn.functional.pad(x, (4, 0, 4, 0), mode="reflect")  # 4 px down and right
    back = tiny.stylize_tensor(moved, style, alpha=0.7)[..., 4:, 4:]
    two = tiny.stylize_tensor(x, style, alpha=0.7, shifts=2)
    assert two.shape == x.shape
    assert torch.allclose(two, (one + back) / 2, atol=1e-5)
    assert not torch.allclose(two, one, atol=1e-3)


def test_a_models_config_sets_its_shifts(tmp_path: Path, images) -> None:  # type: ignore[no-untyped-def]
    two = from_model(_decoder_model(tmp_path / "two", DecoderConfig(width=0.125), shifts=2))
    assert two.shifts == 2
    x, style = images["photo"], [images["a"]]
    assert torch.equal(two.stylize_tensor(x, style), two.stylize_tensor(x, style, shifts=2))
    assert from_model(tmp_path / "two", shifts=1).shifts == 1
    bad = _decoder_model(tmp_path / "bad", DecoderConfig(width=0.125), shifts="many")
    with pytest.raises(OptionError, match="shifts must be 1, 2 or 4, got many"):
        from_model(bad)


def test_degrid_subtracts_the_grid_pattern_after_the_passes(tmp_path: Path, images) -> None:  # type: ignore[no-untyped-def]
    model = _decoder_model(tmp_path / "dg", DecoderConfig(width=0.125), shifts=2, degrid=True)
    net = from_model(model)
    assert net.degrid and not from_model(model, degrid=False).degrid
    x, style = images["photo"], [images["a"]]
    raw = net.stylize_tensor(x, style, alpha=0.7, degrid=False)
    out = net.stylize_tensor(x, style, alpha=0.7)
    assert torch.allclose(out, remove_grid(raw, 8), atol=1e-6)
    assert not torch.allclose(out, raw, atol=1e-3)
    bad = _decoder_model(tmp_path / "bad", DecoderConfig(width=0.125), degrid="yes")
    with pytest.raises(OptionError, match="degrid must be true or false, got 'yes'"):
        from_model(bad)


@pytest.mark.parametrize(
    ("weights", "message"),
    [([1.0], "2 style image"), ([1.0, -1.0], ">= 0"), ([0.0, 0.0], "sum to a positive")],
)
def test_weights_that_do_not_fit_are_refused(tiny, images, weights, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match=message):
        tiny.stylize_tensor(images["photo"], [images["a"], images["b"]], weights=weights)


@pytest.mark.parametrize("alpha", [-0.1, 1.5, float("nan")])
def test_alpha_outside_zero_one_is_refused(tiny, images, alpha) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match="alpha must be between 0 and 1"):
        tiny.stylize(imageio.to_pil(images["photo"]), imageio.to_pil(images["a"]), alpha=alpha)


@pytest.fixture(scope="module")
def odd_styles(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    d = tmp_path_factory.mktemp("styles")
    painting = imageio.load(data / "style" / "the_scream.jpg").rgb.resize((80, 100))
    painting.convert("L").save(d / "grey.png")
    rgba = painting.convert("RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 128))
    rgba.save(d / "alpha.png")
    painting.resize((8, 10)).save(d / "tiny.png")
    Image.new("1", (15000, 15000)).save(d / "huge.png")
    return d


def test_grey_and_alpha_style_images_work(tiny, images, odd_styles) -> None:  # type: ignore[no-untyped-def]
    photo = imageio.to_pil(images["photo"])
    for name in ("grey.png", "alpha.png"):
        out = tiny.stylize(photo, odd_styles / name).image
        assert out.size == photo.size and out.mode == "RGB"


@pytest.mark.parametrize(
    ("name", "message"), [("tiny.png", "smaller than"), ("huge.png", "too large|over the limit")]
)
def test_tiny_and_huge_style_images_are_refused(tiny, images, odd_styles, name, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BrushworkError, match=message):
        tiny.stylize(imageio.to_pil(images["photo"]), odd_styles / name)


def test_decoders_for_another_encoder_depth_are_refused(tmp_path: Path) -> None:
    # weights of a relu3_1 decoder under a relu4_1 config
    shallow = AdaINDecoder(DecoderConfig(layer="relu3_1", width=0.125))
    cfg = {"architecture": "adain_decoder", "config": DecoderConfig(width=0.125).to_dict()}
    write_model(tmp_path / "swapped", shallow.state_dict(), cfg)
    with pytest.raises(WeightsError, match="weights do not fit"):
        from_model(tmp_path / "swapped")
    # config and encoder record disagree
    _decoder_model(
        tmp_path / "mixed",
        DecoderConfig(width=0.125),
        encoder={"name": "vgg19", "layer": "relu3_1"},
    )
    with pytest.raises(WeightsError, match="encoder depth relu3_1"):
        from_model(tmp_path / "mixed")
    # a depth brushwork has no decoder for
    cfg = {"architecture": "adain_decoder", "config": {"layer": "relu5_1", "width": 0.125}}
    write_model(tmp_path / "deep", shallow.state_dict(), cfg)
    with pytest.raises(WeightsError, match="decoder layer must be one of"):
        from_model(tmp_path / "deep")
    # another architecture
    with pytest.raises(WeightsError, match="not an adain_decoder"):
        load_adain("starry_night")


def test_a_relu3_1_decoder_runs_with_a_matching_encoder(tmp_path: Path, images) -> None:  # type: ignore[no-untyped-def]
    adain = from_model(_decoder_model(tmp_path / "d", DecoderConfig(layer="relu3_1", width=0.125)))
    assert adain.stylize_tensor(images["photo"], [images["a"]]).shape == images["photo"].shape


def test_mask_and_weights_together_are_refused(tiny, images, tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = imageio.to_pil(images["photo"])
    mask = Image.new("RGB", photo.size, "white")
    mask.save(tmp_path / "m.png")
    with pytest.raises(OptionError, match="cannot be combined with a mask"):
        tiny.stylize(photo, [photo, photo], weights=[1, 1], mask=tmp_path / "m.png")


# --- the bundled decoder, on real photos and paintings it never saw -----------------------


@pytest.fixture(scope="module")
def bundled() -> ArbitraryStyle:
    adain = bw.load("adain")
    assert isinstance(adain, ArbitraryStyle)
    return adain


def test_bundled_decoder_reconstructs_the_photo_at_alpha_zero(bundled, data) -> None:  # type: ignore[no-untyped-def]
    photo = imageio.load(data / "content" / "golden_gate.jpg").rgb
    out = bundled(photo, style=data / "style" / "starry_night.jpg", alpha=0.0, size=256)
    x = imageio.to_tensor(imageio.resize(photo, out.size))
    psnr = -10 * torch.log10(((imageio.to_tensor(out) - x) ** 2).mean())
    assert psnr > 18.0, psnr


def test_bundled_decoder_takes_an_unseen_paintings_colours(bundled, data) -> None:  # type: ignore[no-untyped-def]
    assert "the_scream" in bundled.config["held_out"]
    photo = imageio.load(data / "content" / "tubingen.jpg").rgb
    painting = imageio.load(data / "style" / "the_scream.jpg").rgb
    out = imageio.to_tensor(bundled(photo, style=painting, size=256))
    x = imageio.to_tensor(imageio.resize(photo, (out.shape[-1], out.shape[-2])))
    s = imageio.to_tensor(painting)

    def colours(t: torch.Tensor) -> torch.Tensor:  # per-channel mean and spread
        return torch.cat([t.mean(dim=(0, 2, 3)), t.std(dim=(0, 2, 3))])

    # the output's colours moved most of the way from the photo's to the painting's
    far = (colours(x) - colours(s)).abs().sum()
    assert (colours(out) - colours(s)).abs().sum() < 0.5 * far


def test_bundled_decoder_averages_two_shifts_which_weakens_its_grid(bundled, data) -> None:  # type: ignore[no-untyped-def]
    assert bundled.shifts == 2 and bundled.degrid
    photo = imageio.resize(imageio.load(data / "content" / "golden_gate.jpg").rgb, (256, 171))
    x = imageio.to_tensor(photo)
    style = [imageio.to_tensor(imageio.load(data / "style" / "starry_night.jpg").rgb)]
    one = bundled.stylize_tensor(x, style, shifts=1, degrid=False).clamp(0, 1)
    two = bundled.stylize_tensor(x, style, degrid=False).clamp(0, 1)
    # the mean 8 px cell of one pass is well above the photo's own; two shifts cut what it adds
    # to the photo's own at least by 40% (the decoders of 2026-12-05 and -07: by 54% and 47%)
    g_one, g_photo, g_two = grid_pattern(one), grid_pattern(x), grid_pattern(two)
    assert g_one > 1.1 * g_photo and g_two - g_photo < 0.6 * (g_one - g_photo), (
        g_one,
        g_photo,
        g_two,
    )
    # and the grid filter takes the rest below the photo's own
    assert grid_pattern(bundled.stylize_tensor(x, style).clamp(0, 1)) < grid_pattern(x)


def test_bundled_mask_gives_each_region_its_style(bundled, data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = imageio.resize(imageio.load(data / "content" / "tubingen.jpg").rgb, (256, 192))
    mask = Image.new("RGB", photo.size, "black")
    mask.paste((255, 255, 255), (128, 0, 256, 192))
    mask.save(tmp_path / "mask.png")
    blue = data / "style" / "starry_night.jpg"
    red = data / "style" / "the_scream.jpg"
    out = imageio.to_tensor(bundled(photo, style=[blue, red], mask=tmp_path / "mask.png"))
    left, right = out[..., :, :112].mean(dim=(0, 2, 3)), out[..., :, 144:].mean(dim=(0, 2, 3))
    assert left[2] > left[0] and right[0] > right[2]  # blue night on the left, red sky right


def test_bundled_luminance_preservation_keeps_the_photos_colours(bundled, data) -> None:  # type: ignore[no-untyped-def]
    photo = imageio.resize(imageio.load(data / "content" / "golden_gate.jpg").rgb, (256, 171))
    painting = data / "style" / "the_scream.jpg"
    out = imageio.to_tensor(bundled(photo, style=painting, preserve_color="luminance"))
    plain = imageio.to_tensor(bundled(photo, style=painting))
    x = imageio.to_tensor(photo)
    y = rgb_to_yiq(out)
    mid = (y[:, :1] > 0.15) & (y[:, :1] < 0.85)  # away from clipping
    chroma = (y[:, 1:] - rgb_to_yiq(x)[:, 1:]).abs()
    assert chroma[mid.expand_as(chroma)].mean() < 0.01
    assert (rgb_to_yiq(plain)[:, 1:] - rgb_to_yiq(x)[:, 1:]).abs().mean() > 0.03


def test_load_with_a_style_choice_is_refused() -> None:
    with pytest.raises(OptionError, match="give the style image at each call"):
        bw.load("adain", style="starry_night")


def test_missing_style_file_is_an_image_error(tiny, images) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImageError, match="no such file"):
        tiny.stylize(imageio.to_pil(images["photo"]), "/nonexistent/style.jpg")
