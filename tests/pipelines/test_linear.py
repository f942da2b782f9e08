"""The learned linear transform's pipeline (Li et al. 2019): against its definition (decode the
transformed features), its controls, bad model folders, and the bundled model on a real photo
and a painting no trainer saw."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import brushwork as bw
from brushwork import image as imageio
from brushwork.errors import OptionError, WeightsError
from brushwork.losses.style import gram_matrix
from brushwork.modelfile import COMPONENTS, read_model, write_components
from brushwork.nets.adain import AdaINDecoder, DecoderConfig
from brushwork.nets.linear import LinearConfig, LinearTransform
from brushwork.pipelines.linear import LinearStyle, from_model


def write_linear(folder: Path, transform: LinearTransform, decoder: AdaINDecoder) -> Path:
    config = {
        "method": "linear",
        "main": "transform",
        COMPONENTS: {
            "transform": {"architecture": "linear_transform", "config": transform.config.to_dict()},
            "decoder": {"architecture": "linear_decoder", "config": decoder.config.to_dict()},
        },
        "encoder": {"name": "vgg19", "layer": decoder.config.layer},
    }
    states = {"transform": transform.state_dict(), "decoder": decoder.state_dict()}
    return write_components(folder, states, config)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> LinearStyle:
    torch.manual_seed(0)
    t = LinearTransform(LinearConfig(layer="relu2_1", rank=8))
    d = AdaINDecoder(DecoderConfig(layer="relu2_1", width=0.25, input_scale=0.005))
    model = bw.load(write_linear(tmp_path_factory.mktemp("linear") / "tiny", t, d))
    assert isinstance(model, LinearStyle)
    return model


@pytest.mark.parametrize("alpha", [1.0, 0.3, 0.0])
def test_decodes_the_transformed_features(tiny, images, alpha) -> None:  # type: ignore[no-untyped-def]
    x, s = images["photo"], images["a"]
    out = tiny.stylize_tensor(x, [s], alpha=alpha)
    h, w = x.shape[-2:]
    with torch.no_grad():  # written out: pad to the decoder's factor, encode, transform, decode
        y = F.pad(x, (0, (-w) % 2, 0, (-h) % 2), mode="reflect")
        fc = tiny.encoder(y, ["relu2_1"])["relu2_1"]
        fs = tiny.encoder(s, ["relu2_1"])["relu2_1"]
        t = tiny.linear(fc, tiny.linear.style_target(fs))
        want = tiny.decoder(alpha * t + (1 - alpha) * fc)[..., :h, :w]
    torch.testing.assert_close(out, want, atol=1e-4, rtol=1e-4)


def test_detail_comes_from_the_config_or_the_caller_and_reaches_the_transform(
    tiny, images, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    x, s = images["photo"], images["a"]
    assert tiny.detail == 0.0
    plain = tiny.stylize_tensor(x, [s])
    tiny.detail = 0.5
    try:
        out = tiny.stylize_tensor(x, [s])
        h, w = x.shape[-2:]
        with torch.no_grad():  # written out, as above, with the transform's detail
            y = F.pad(x, (0, (-w) % 2, 0, (-h) % 2), mode="reflect")
            fc = tiny.encoder(y, ["relu2_1"])["relu2_1"]
            fs = tiny.encoder(s, ["relu2_1"])["relu2_1"]
            t = tiny.linear(fc, tiny.linear.style_target(fs), detail=0.5)
            want = tiny.decoder(t)[..., :h, :w]
        torch.testing.assert_close(out, want, atol=1e-4, rtol=1e-4)
        assert not torch.allclose(out, plain, atol=1e-3)
    finally:
        tiny.detail = 0.0
    folder = write_linear(tmp_path / "m", tiny.linear, tiny.decoder)
    config = json.loads((folder / "config.json").read_text())
    for value, ok in ((0.3, True), (1.5, False), ("lots", False), (True, False)):
        (folder / "config.json").write_text(json.dumps(config | {"detail": value}))
        if ok:
            assert bw.load(folder).detail == value
        else:
            with pytest.raises(OptionError, match="detail must be a number in"):
                bw.load(folder)


def test_statistics_blends_and_masks_agree_with_their_definitions(tiny, images) -> None:  # type: ignore[no-untyped-def]
    x, a, b = images["photo"], images["a"], images["b"]
    direct = tiny.stylize_tensor(x, [a])
    torch.testing.assert_close(tiny.stylize_tensor(x, tiny.style_statistics([a])), direct)
    torch.testing.assert_close(tiny.stylize_tensor(x, [a, b], weights=[1.0, 0.0]), direct)
    half = tiny.stylize_tensor(x, [a, b])
    assert not torch.allclose(half, direct, atol=1e-3)
    regions = torch.zeros(1, 2, *x.shape[-2:])
    regions[:, 0] = 1
    torch.testing.assert_close(tiny.stylize_tensor(x, [a, b], regions=regions), direct,
                               atol=1e-3, rtol=1e-3)  # fmt: skip
    # the PIL path: a mask of two colours, colour preservation, alpha kept
    photo = imageio.to_pil(x)
    out = tiny(photo, style=[imageio.to_pil(a), imageio.to_pil(b)], preserve_color="luminance")
    assert out.size == photo.size


def test_a_linear_model_must_hold_a_transform_and_a_decoder_of_one_layer(tmp_path: Path) -> None:
    t = LinearTransform(LinearConfig(layer="relu2_1", rank=4))
    d1 = AdaINDecoder(DecoderConfig(layer="relu1_1"))
    with pytest.raises(WeightsError, match="works at relu2_1 but the decoder decodes relu1_1"):
        from_model(write_linear(tmp_path / "mixed", t, d1))
    folder = write_linear(
        tmp_path / "m", t, AdaINDecoder(DecoderConfig(layer="relu2_1", width=0.25))
    )
    model = read_model(folder)
    cfg = dict(model.config)
    cfg[COMPONENTS] = {"transform": cfg[COMPONENTS]["transform"]}
    state = {k: v for k, v in model.state.items() if k.startswith("transform.")}
    one = write_components(tmp_path / "one", {"transform": {k[10:]: v for k, v in state.items()}},
                           cfg)  # fmt: skip
    with pytest.raises(WeightsError, match="a transform and a decoder"):
        from_model(one)
    with pytest.raises(OptionError, match="give the style image at each call"):
        bw.load(folder, style="x.jpg")


def _style_loss(y: torch.Tensor, s: torch.Tensor) -> float:
    from brushwork.encoders.vgg19 import load_vgg19

    enc = load_vgg19(max_layer="relu4_1")
    layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
    fy, fs = enc(y, layers), enc(s, layers)
    return sum(float(F.mse_loss(gram_matrix(fy[n]), gram_matrix(fs[n]))) for n in layers)


def test_bundled_model_paints_an_unseen_painting_and_gives_the_photo_back(data: Path) -> None:
    model = bw.load("linear")
    assert isinstance(model, LinearStyle) and model.layer == "relu3_1"
    held = (Path(__file__).parents[2] / "benchmarks/heldout/paintings.txt").read_text()
    assert "paintings/0001.jpg" in held.split()
    photo = imageio.load(data / "content/golden_gate.jpg").rgb
    x = imageio.to_tensor(imageio.resize(photo, imageio.size_for_long_side(photo.size, 192)))
    s = imageio.to_tensor(imageio.square(imageio.load(data / "paintings/0001.jpg").rgb, 192))
    out = model.stylize_tensor(x, [s]).clamp(0, 1)
    assert _style_loss(out, s) < 0.25 * _style_loss(x, s)
    back = model.stylize_tensor(x, [x], alpha=0.0).clamp(0, 1)
    psnr = -10 * math.log10(F.mse_loss(back, x).item())
    assert psnr > 20 and psnr > -10 * math.log10(F.mse_loss(out, x).item()) + 4
