"""Training the learned linear transform (Li et al. 2019) with the real VGG19 on real photos and
paintings, toy sizes: the loss falls, only the transform learns, the model loads and resumes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import read_model, write_model
from brushwork.nets.adain import AdaINDecoder, DecoderConfig
from brushwork.nets.linear import LinearConfig, LinearTransform
from brushwork.nets.registry import load_net
from brushwork.pipelines.linear import LinearStyle
from brushwork.training.data import PhotoFolder, StyleSet
from brushwork.training.linear import (
    LinearRecipe,
    linear_losses,
    load_decoder,
    principal_start,
    train_linear,
)
from tests.training.test_fast import loop

LAYERS = {"relu1_1": 1.0, "relu2_1": 1.0}
RECIPE = LinearRecipe(
    crop=48,
    style_scale=(1.0, 1.5),
    content_layers={"relu2_1": 1.0},
    style_layers=LAYERS,
    transform=LinearConfig(layer="relu2_1", rank=8),
)


@pytest.fixture
def decoder_folder(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    d = AdaINDecoder(DecoderConfig(layer="relu2_1", width=0.25, input_scale=0.005))
    cfg = {"architecture": "adain_decoder", "config": d.config.to_dict(), "method": "adain"}
    return write_model(tmp_path / "decoder", d.state_dict(), cfg)


def test_a_few_steps_lower_the_optimisers_objective(data: Path, decoder_folder: Path) -> None:
    photos = PhotoFolder(data / "content", crop=64)
    styles = StyleSet([data / "style" / "starry_night.jpg", data / "style" / "mondrian.jpg"], 64)
    x, s = photos.batch(0, 0, 2), styles.batch(0, 0, 2)
    enc = load_vgg19(max_layer="relu2_1")
    dec = load_decoder(decoder_folder, "relu2_1")
    t = LinearTransform(RECIPE.transform)
    principal_start(t, photos, enc, count=4)
    opt = torch.optim.Adam(t.parameters(), lr=1e-3)
    with torch.no_grad():
        first, _ = linear_losses(enc, t, dec, x, s, RECIPE)
    for _ in range(15):
        parts, _ = linear_losses(enc, t, dec, x, s, RECIPE)
        opt.zero_grad()
        parts["total"].backward()
        opt.step()
    with torch.no_grad():
        last, out = linear_losses(enc, t, dec, x, s, RECIPE)
    assert out.shape == x.shape
    assert float(last["total"]) < 0.7 * float(first["total"])
    assert float(last["total"]) == pytest.approx(
        float(last["content"]) + 100 * float(last["style"]), rel=1e-5
    )


def test_train_writes_a_model_that_loads_and_resumes_exactly(
    tmp_path: Path, data: Path, decoder_folder: Path
) -> None:
    styles = [data / "style" / f"{n}.jpg" for n in ("starry_night", "mondrian", "udnie")]
    full, half = tmp_path / "full", tmp_path / "half"
    kw = dict(recipe=RECIPE, held_out=["udnie"], decoder=decoder_folder, progress=False)
    train_linear(data / "content", styles, full, loop=loop(4, preview_every=2, lr=1e-3), **kw)
    model = read_model(full)
    assert model.config["method"] == "linear" and model.config["held_out"] == ["udnie"]
    assert "udnie" not in model.config["training"]["styles"]
    assert list(model.config["components"]) == ["transform", "decoder"]
    assert (full / "previews" / "step_000002.jpg").is_file()
    linear = bw.load(full)
    assert isinstance(linear, LinearStyle)
    photo = imageio_photo(data)
    assert linear(photo, style=data / "style/udnie.jpg").size == photo.size
    # the decoder travels unchanged
    dec = load_decoder(decoder_folder, "relu2_1")
    for k, v in dec.state_dict().items():
        torch.testing.assert_close(linear.decoder.state_dict()[k], v)
    train_linear(data / "content", styles, half, loop=loop(2, lr=1e-3), **kw)
    train_linear(data / "content", styles, half, loop=loop(4, lr=1e-3), resume=True, **kw)
    a = load_net(read_model(full))
    b = load_net(read_model(half))
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(v, w), k
    # a later stage continues the model's transform, and its decoder; trained with detail, the
    # model runs with it
    kw = kw | {"decoder": full, "recipe": replace(RECIPE, detail=0.4)}
    again = train_linear(data / "content", styles, tmp_path / "next", loop=loop(1, lr=1e-3),
                         init=full, **kw)  # fmt: skip
    config = read_model(again.folder).config
    assert config["training"]["init"] == str(full)
    assert config["detail"] == 0.4 and config["recipe"]["detail"] == 0.4
    assert bw.load(again.folder).detail == 0.4 and "detail" not in model.config


def imageio_photo(data: Path) -> Image.Image:
    return imageio.resize(imageio.load(data / "content/tubingen.jpg").rgb, (60, 44))


def test_decoders_and_recipes_are_checked(tmp_path: Path, decoder_folder: Path) -> None:
    with pytest.raises(WeightsError, match="decodes relu2_1, not relu3_1"):
        load_decoder(decoder_folder, "relu3_1")
    with pytest.raises(OptionError, match="crop"):
        LinearRecipe(crop=50)
    with pytest.raises(OptionError, match="decay_from"):
        LinearRecipe(decay_from=2.0)
    with pytest.raises(OptionError, match="detail"):
        LinearRecipe(detail=1.5)
    with pytest.raises(OptionError, match="at least one"):
        LinearRecipe(content_weight=0, style_weight=0)
