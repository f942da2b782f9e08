"""The photo-only decoders of universal style transfer (WCT): the closed-form relu1_1 fit on
real photos, the resumable level-by-level run, and the model folder round trip."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import brushwork as bw
from brushwork import image as imageio
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.adain import AdaINDecoder, DecoderConfig
from brushwork.pipelines.universal import UniversalStyle
from brushwork.training.data import PhotoFolder
from brushwork.training.wct import WCTRecipe, fit_linear_decoder, train_wct, write_wct_model
from tests.training.test_fast import loop


def _psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return -10 * math.log10(F.mse_loss(a.clamp(0, 1), b).item())


def test_least_squares_relu1_1_decoder_inverts_a_photo_it_never_saw(data: Path) -> None:
    photos = PhotoFolder(data / "train", crop=64)
    net, record = fit_linear_decoder(
        photos, DecoderConfig(layer="relu1_1", input_scale=0.02), images=12, progress=False
    )
    assert record["fit"] == "least squares" and record["train_psnr"] > 30
    x = imageio.to_tensor(imageio.square(imageio.load(data / "content/tubingen.jpg").rgb, 96))
    with torch.no_grad():
        y = net(load_vgg19(max_layer="relu1_1")(x, ["relu1_1"])["relu1_1"])
    # a 3x3 linear map of relu1_1 gives the photo back almost exactly (Adam stalls near 20 dB)
    assert _psnr(y, x) > 33


def test_least_squares_needs_a_one_conv_decoder(data: Path) -> None:
    with pytest.raises(OptionError, match="one-conv"):
        fit_linear_decoder(
            PhotoFolder(data / "content", crop=64), DecoderConfig(layer="relu2_1"), images=1
        )


def test_train_wct_writes_a_model_bw_load_opens_and_resumes(data: Path, tmp_path: Path) -> None:
    recipe = WCTRecipe(levels=("relu2_1", "relu1_1"), crop=64, steps={"relu2_1": 3}, lsq_images=4)
    out = train_wct(data / "content", tmp_path / "wct", recipe=recipe, loop=loop(3), progress=False)
    model = read_model(out)
    assert model.config["method"] == "wct" and model.config["main"] == "relu2_1"
    assert list(model.config["components"]) == ["relu2_1", "relu1_1"]
    assert model.config["levels"]["relu1_1"]["training"]["fit"] == "least squares"
    assert model.config["levels"]["relu2_1"]["training"]["steps"] == 3
    assert model.config["training"]["steps"] == 3  # the trained levels' steps in all
    wct = bw.load(out)
    assert isinstance(wct, UniversalStyle) and wct.levels == ["relu2_1", "relu1_1"]
    photo = imageio.resize(imageio.load(data / "content/tubingen.jpg").rgb, (60, 44))
    assert wct(photo, style=data / "style/mondrian.jpg").size == (60, 44)
    # a second run finds every level done and only writes the model again
    before = (out / "levels" / "relu2_1" / "model.safetensors").stat().st_mtime_ns
    train_wct(data / "content", out, recipe=recipe, loop=loop(3), progress=False)
    assert (out / "levels" / "relu2_1" / "model.safetensors").stat().st_mtime_ns == before
    # and a run continued from it starts each trained level from its weights
    shutil.rmtree(out / "levels" / "relu2_1")
    again = train_wct(
        data / "content", tmp_path / "next", recipe=recipe, loop=loop(1), init=out, progress=False
    )
    assert (
        read_model(again).config["levels"]["relu2_1"]["training"]["init"].endswith("relu2_1_init")
    )


def test_a_stage_can_train_one_level_and_keep_the_others(data: Path, tmp_path: Path) -> None:
    recipe = WCTRecipe(levels=("relu3_1", "relu2_1"), crop=64, steps={"relu3_1": 2, "relu2_1": 2})
    first = train_wct(data / "content", tmp_path / "a", recipe=recipe, loop=loop(2), progress=False)
    with pytest.raises(OptionError, match="init"):
        train_wct(data / "content", tmp_path / "x", recipe=recipe, keep=["relu2_1"])
    with pytest.raises(OptionError, match="cannot keep relu1_1"):
        train_wct(data / "content", tmp_path / "x", recipe=recipe, init=first, keep=["relu1_1"])
    later = replace(recipe, decay_from=0.5)
    out = train_wct(
        data / "content", tmp_path / "b", recipe=later, loop=loop(2), init=first,
        keep=["relu2_1"], progress=False,
    )  # fmt: skip
    a, b = read_model(first), read_model(out)
    for k, v in a.state.items():  # relu2_1 copied as it was, relu3_1 trained on
        assert torch.equal(v, b.state[k]) == k.startswith("relu2_1."), k
    assert b.config["levels"]["relu2_1"] == a.config["levels"]["relu2_1"]  # its own record
    trained = b.config["levels"]["relu3_1"]
    assert trained["recipe"]["decay_from"] == 0.5
    assert trained["training"]["init"].endswith("relu3_1_init")
    assert b.config["recipe"]["decay_from"] == 0.5 and "decay_from" not in a.config["recipe"]


def test_write_wct_model_checks_each_level(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="decodes relu2_1"):
        write_wct_model(tmp_path / "m", {"relu1_1": AdaINDecoder(DecoderConfig(layer="relu2_1"))})


def test_recipe_rejects_unknown_levels() -> None:
    with pytest.raises(OptionError, match="levels"):
        WCTRecipe(levels=("relu5_1",))
    assert WCTRecipe.from_dict(WCTRecipe().to_dict()) == WCTRecipe()
