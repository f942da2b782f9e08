"""Every bundled style loads, stylises a real photo, and is listed with its recipe."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.errors import OptionError
from brushwork.modelfile import STYLE_PREVIEWS, read_config, recipe_of
from brushwork.pipelines.fast import load
from brushwork.pipelines.multistyle import find_model, style_names

#: the bundled AdaIN decoder and linear transform (any style image; tested in
#: tests/pipelines/test_arbitrary.py and test_linear.py)
DECODERS = [
    e.name
    for e in zoo.entries()
    if e.config.get("architecture") in ("adain_decoder", "linear_transform")
]
#: the bundled WCT decoders (photo-only; tested in tests/pipelines/test_universal.py)
WCT = [e.name for e in zoo.entries() if e.config.get("architecture") == "wct_decoder"]
#: the bundled super-resolution nets (tested in tests/pipelines/test_upscale.py)
UPSCALERS = [e.name for e in zoo.entries() if e.config.get("architecture") == "sr"]
#: the bundled translations (tests/pipelines/test_translate.py) and mixtures (test_mix.py)
OTHERS = [
    e.name for e in zoo.entries() if e.config.get("method") in ("pix2pix", "cyclegan", "mixgan")
]
BUNDLED = [n for n in zoo.names() if n not in DECODERS + WCT + UPSCALERS + OTHERS]
#: every bundled style: (model, style within it or None for a single-style model)
STYLES = [
    (e.name, name)
    for e in zoo.entries()
    if e.name in BUNDLED
    for name in (style_names(e.config) or [None])
]
MULTI = [e for e in zoo.entries() if e.config.get("styles")]


def test_at_least_four_bundled_styles() -> None:
    assert len(BUNDLED) >= 4, BUNDLED
    assert DECODERS == ["adain", "linear"] and WCT == ["wct"]
    for entry in zoo.entries():
        assert entry.preview is not None, entry.name
        if entry.name in WCT:  # one decoder per level, each with its own training record
            levels = entry.config["levels"]
            assert list(levels) == list(entry.config["components"]) and entry.description
            assert levels["relu1_1"]["training"]["fit"] == "least squares"
            assert all(levels[k]["training"]["steps"] > 0 for k in levels if k != "relu1_1")
            continue
        assert entry.config["training"]["steps"] > 0
        if entry.name in DECODERS:  # trained on many paintings, some held out
            assert entry.config["held_out"] and entry.config["styles_seen"]
            continue
        if entry.name in OTHERS:  # generator and discriminator(s), in one folder
            assert len(entry.config["components"]) >= 2 and entry.description
            assert entry.config["stages"], entry.name
            continue
        if entry.name in UPSCALERS:  # a scale and the loss it was trained with
            assert entry.config["scale"] in (4, 8) and entry.description
            assert recipe_of(entry.config)["loss"] in ("feature", "pixel")
            continue
        assert style_names(entry.config) or entry.config["style"]["name"]
        assert entry.description
        for name in style_names(entry.config):  # one preview per style of a multi-style model
            assert (entry.path / STYLE_PREVIEWS / f"{name}.jpg").is_file(), name


@pytest.mark.parametrize(("name", "style"), STYLES)
def test_bundled_style_stylises_a_real_photo(name: str, style: str | None, small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/golden_gate.jpg", 160)
    out = load(name, style=style)(photo)
    assert out.size == photo.size
    x, y = imageio.to_tensor(photo), imageio.to_tensor(out)
    assert (y - x).abs().mean() > 0.05  # it is painted, not copied
    assert y.std() > 0.08  # not flat or washed out
    assert (
        torch.corrcoef(torch.stack([x.mean(1).flatten(), y.mean(1).flatten()]))[0, 1] > 0.2
    )  # the photo is still there


def test_unknown_style_lists_the_bundled_ones_and_the_closest() -> None:
    with pytest.raises(
        OptionError, match=r"unknown style 'stary_night'.*Did you mean 'starry_night'"
    ) as err:
        zoo.resolve("stary_night")
    assert "sr-x4" not in str(err.value)  # upscalers are not styles
    with pytest.raises(OptionError, match=r"unknown super-resolution model 'sr-x3'.*sr-x4"):
        zoo.resolve("sr-x3")


def test_an_unknown_name_lists_the_models_that_can_do_what_was_asked() -> None:
    """A caller that needs a translation model (or an upscaler, a MIXGAN) hears of those, not of
    the styles; each list holds only models whose method has that capability."""
    cases = {
        "translate": ("facade2photo", "translation model", "facades_labels2photo"),
        "upscale": ("x4", "super-resolution model", "sr-x4"),
        "mix": ("mnist_mix", "MIXGAN model", "mnist_mixgan"),
        "stylize": ("great_wav", "style", "great_wave"),
    }
    for can, (name, kind, closest) in cases.items():
        with pytest.raises(OptionError, match=rf"unknown {kind} '{name}'") as err:
            zoo.resolve(name, can)
        listed = str(err.value).split("choose from ")[1].split(".")[0].split(", ")
        assert closest in listed
        assert all(methods.for_model(read_config(zoo.ZOO_DIR / n)).can(can) for n in listed)
        assert set(listed) == set(zoo.names_that(can))
    assert zoo.names_that("translate") == ["facades_cyclegan", "facades_labels2photo",
        "facades_photo2labels", "iphone2dslr", "photo2starry_night"]  # fmt: skip


def test_tiles_of_a_bundled_style_have_no_seams(small) -> None:  # type: ignore[no-untyped-def]
    style = load(BUNDLED[0])
    x = imageio.to_tensor(small("content/chicago.jpg", 360))
    whole, _ = style.stylize_tensor(x)
    tiles, n = style.stylize_tensor(x, tile=160, overlap=64)
    assert n >= 4
    diff = (whole - tiles).abs()
    assert float(diff.mean()) < 0.01, float(diff.mean())
    assert float(diff.max()) < 0.2, float(diff.max())


@pytest.mark.skipif(not MULTI, reason="no multi-style model bundled")
def test_styles_of_the_bundled_multi_style_model_are_found_by_name(small) -> None:  # type: ignore[no-untyped-def]
    entry = MULTI[0]
    names = style_names(entry.config)
    inside = [n for n in names if n not in BUNDLED]  # names no single-style model takes
    assert find_model(inside[0]) == (entry.path, inside[0])
    blend = f"{names[0]}:0.5,{names[1]}:0.5"
    assert find_model(blend) == (entry.path, blend)
    photo = small("content/golden_gate.jpg", 96)
    a, b = (imageio.to_tensor(load(entry.name, style=n)(photo)) for n in names[:2])
    mid = imageio.to_tensor(load(blend)(photo))
    # a half-half blend lies between its two styles
    assert (mid - a).abs().mean() < (b - a).abs().mean()
    assert (mid - b).abs().mean() < (b - a).abs().mean()


def test_every_bundled_model_gives_the_recorded_picture(data) -> None:  # type: ignore[no-untyped-def]
    """Outputs recorded before the method registry and options refactor (issue 20), by
    tests/fixtures/make_bundled_outputs.py; any change to a net, a loader or a pipeline's
    numerics shows here."""
    from safetensors import safe_open

    from tests.fixtures.make_bundled_outputs import inputs, outputs

    recorded = Path(__file__).parent / "fixtures" / "bundled_outputs.safetensors"
    now = outputs(inputs(data))
    with safe_open(str(recorded), "pt") as f:
        assert sorted(f.keys()) == sorted(now) == sorted(zoo.names())
        for name in f.keys():  # noqa: SIM118 (safe_open has no __iter__)
            # 1e-4: another CPU's kernels (AVX2 or AVX-512) or thread count move an output by
            # up to 2.3e-5 (WCT's eigendecomposition; the nets by under 6e-6); a change to
            # the numerics moves it by far more
            torch.testing.assert_close(now[name], f.get_tensor(name), atol=1e-4, rtol=0)


def test_bundled_records_name_the_models_they_continued_not_a_machines_folder() -> None:
    for name in zoo.names():
        text = (zoo.ZOO_DIR / name / "config.json").read_text()
        assert str(zoo.ZOO_DIR) not in text and "/src/brushwork/zoo/" not in text, name
    assert zoo.describe(zoo.resolve("adain")) == "bundled adain"
