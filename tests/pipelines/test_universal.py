"""Universal style transfer (multi-level WCT): the pipeline against its definition (each level
decodes whitened-and-coloured features, coarse to fine), its controls, bad model folders, and
the bundled decoders on a real photo and a painting they never saw."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import brushwork as bw
from brushwork import image as imageio
from brushwork.errors import WeightsError
from brushwork.losses.style import gram_matrix
from brushwork.modelfile import read_model, write_model
from brushwork.nets.adain import AdaINDecoder, DecoderConfig
from brushwork.ops.wct import whiten_color
from brushwork.pipelines.universal import UniversalStyle, from_model
from brushwork.training.wct import write_wct_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> UniversalStyle:
    torch.manual_seed(0)
    decoders = {
        "relu2_1": AdaINDecoder(DecoderConfig(layer="relu2_1", width=0.25, input_scale=0.005)),
        "relu1_1": AdaINDecoder(DecoderConfig(layer="relu1_1", input_scale=0.02)),
    }
    return from_model(write_wct_model(tmp_path_factory.mktemp("wct") / "tiny", decoders))


def _by_definition(
    wct: UniversalStyle, x: torch.Tensor, style: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Li et al.'s multi-level pipeline written out: encode, WCT, blend, decode, per level."""
    h, w = x.shape[-2:]
    y = F.pad(x, (0, (-w) % 2, 0, (-h) % 2), mode="reflect")
    with torch.no_grad():
        for layer in ("relu2_1", "relu1_1"):
            f = wct.encoder(y, [layer])[layer]
            s = wct.encoder(style, [layer])[layer]
            y = wct.decoders[layer](alpha * whiten_color(f, s) + (1 - alpha) * f)
    return y[..., :h, :w]


@pytest.mark.parametrize("alpha", [1.0, 0.4, 0.0])
def test_levels_decode_whitened_and_coloured_features(tiny, images, alpha) -> None:  # type: ignore[no-untyped-def]
    out = tiny.stylize_tensor(images["photo"], [images["a"]], alpha=alpha)
    assert out.shape == images["photo"].shape
    torch.testing.assert_close(out, _by_definition(tiny, images["photo"], images["a"], alpha),
                               atol=1e-4, rtol=1e-4)  # fmt: skip


def test_statistics_blends_and_masks_agree_with_their_definitions(tiny, images) -> None:  # type: ignore[no-untyped-def]
    x, a, b = images["photo"], images["a"], images["b"]
    direct = tiny.stylize_tensor(x, [a])
    torch.testing.assert_close(tiny.stylize_tensor(x, tiny.style_statistics([a])), direct)
    # a blend with all the weight on one style is that style; a mask all one region is too
    torch.testing.assert_close(tiny.stylize_tensor(x, [a, b], weights=[1.0, 0.0]), direct)
    regions = torch.zeros(1, 2, *x.shape[-2:])
    regions[:, 0] = 1
    torch.testing.assert_close(tiny.stylize_tensor(x, [a, b], regions=regions), direct,
                               atol=1e-4, rtol=1e-4)  # fmt: skip
    # two frames at once are each frame alone
    two = tiny.stylize_tensor(torch.cat([x, x.flip(-1)]), [a])
    torch.testing.assert_close(two[1:], tiny.stylize_tensor(x.flip(-1), [a]))


def test_a_wct_model_must_hold_its_levels(tmp_path: Path) -> None:
    one = AdaINDecoder(DecoderConfig(layer="relu1_1"))
    plain = write_model(tmp_path / "plain", one.state_dict(),
                        {"architecture": "wct_decoder", "config": one.config.to_dict()})  # fmt: skip
    with pytest.raises(WeightsError, match="one decoder per level"):
        from_model(plain)
    folder = write_wct_model(tmp_path / "m", {"relu1_1": one})
    cfg = read_model(folder).config
    cfg["components"]["relu1_1"]["config"]["layer"] = "relu2_1"
    write_model(folder, read_model(folder).state, cfg)
    with pytest.raises(WeightsError):
        from_model(folder)


def _style_loss(y: torch.Tensor, s: torch.Tensor) -> float:
    from brushwork.encoders.vgg19 import load_vgg19

    enc = load_vgg19(max_layer="relu4_1")
    layers = ["relu1_1", "relu2_1"]
    fy, fs = enc(y, layers), enc(s, layers)
    return sum(float(F.mse_loss(gram_matrix(fy[n]), gram_matrix(fs[n]))) for n in layers)


def test_bundled_decoders_paint_an_unseen_painting_and_reconstruct_the_photo(data: Path) -> None:
    wct = bw.load("wct")
    assert isinstance(wct, UniversalStyle) and wct.levels[-1] == "relu1_1"
    photo = imageio.load(data / "content/golden_gate.jpg").rgb
    x = imageio.to_tensor(imageio.resize(photo, imageio.size_for_long_side(photo.size, 192)))
    s = imageio.to_tensor(imageio.square(imageio.load(data / "paintings/0001.jpg").rgb, 192))
    out = wct.stylize_tensor(x, [s]).clamp(0, 1)
    # WCT matches covariances, so at the fine levels (coloured last) the Gram loss falls far
    # below the photo's own (deeper layers keep more of the photo: see bench_arbitrary.py)
    assert _style_loss(out, s) < 0.2 * _style_loss(x, s)
    back = wct.stylize_tensor(x, [s], alpha=0.0).clamp(0, 1)
    psnr = -10 * math.log10(F.mse_loss(back, x).item())
    # the decoders give the photo back (blurred by the relu4_1 one: its PSNR bounds the chain's)
    assert psnr > 16 and psnr > -10 * math.log10(F.mse_loss(out, x).item()) + 4
