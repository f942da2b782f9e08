"""Stylising with a feed-forward net: sizes, strength, colours, alpha, tiling, model files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import CONFIG_FILE, WEIGHTS_FILE, write_model
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.ops.color import rgb_to_yiq
from brushwork.pipelines.fast import load
from brushwork.pipelines.feedforward import FastStyle


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    cfg = TransformerConfig(widths=(8, 16, 16), residual_blocks=2)
    net = TransformerNet(cfg)
    with torch.no_grad():  # outputs around mid-grey with some structure, not clipped
        net.to_rgb[1].weight.mul_(30.0)
        net.to_rgb[1].bias.fill_(128.0)
    config = {"architecture": "transformer", "config": cfg.to_dict()}
    return write_model(tmp_path / "model", net.state_dict(), config)


def test_keeps_size_and_alpha(model_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/tubingen.jpg", 101)
    rgba = photo.convert("RGBA")
    rgba.putalpha(Image.new("L", photo.size, 77))
    out = load(model_dir)(rgba)
    assert out.size == photo.size and out.mode == "RGBA"
    assert out.getchannel("A").getextrema() == (77, 77)


def test_size_option_sets_the_long_side(model_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    out = load(model_dir)(small("content/lion.jpg", 200), size=64)
    assert max(out.size) == 64


def test_strength_blends_with_the_photo(model_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/golden_gate.jpg", 96)
    style = load(model_dir)
    x = imageio.to_tensor(photo)
    full = imageio.to_tensor(style(photo))
    half = imageio.to_tensor(style(photo, strength=0.5))
    none = imageio.to_tensor(style(photo, strength=0.0))
    assert (none - x).abs().max() <= 1 / 255 + 1e-6
    assert (half - (full + x) / 2).abs().max() <= 1.5 / 255
    with pytest.raises(OptionError, match="strength"):
        style(photo, strength=1.5)


def test_preserve_color_keeps_the_photos_chrominance(model_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/sailboat.jpg", 96)
    style = load(model_dir)
    x = rgb_to_yiq(imageio.to_tensor(photo))
    y = rgb_to_yiq(imageio.to_tensor(style(photo, preserve_color="luminance")))
    inside = (y[:, :1] > 0.05) & (y[:, :1] < 0.95)  # clamping may move the extremes
    assert (y[:, 1:] - x[:, 1:]).abs()[inside.expand(-1, 2, -1, -1)].mean() < 0.01
    h = imageio.to_tensor(style(photo, preserve_color="histogram"))
    c = imageio.to_tensor(photo)
    assert torch.allclose(h.mean(dim=(2, 3)), c.mean(dim=(2, 3)), atol=0.03)
    with pytest.raises(OptionError, match="luminance"):
        style(photo, preserve_color="sepia")


def test_tiled_agrees_with_untiled(model_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    style = load(model_dir)
    x = imageio.to_tensor(small("content/stata_center.jpg", 320))
    whole, n1 = style.stylize_tensor(x)
    tiles, n = style.stylize_tensor(x, tile=128, overlap=48)
    assert n1 == 1 and n > 4
    diff = (whole - tiles).abs()
    assert diff.mean() < 0.004 and diff.max() < 0.1


def test_model_file_errors(model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="no such model"):
        load(tmp_path / "nothing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / CONFIG_FILE).write_text((model_dir / CONFIG_FILE).read_text())
    with pytest.raises(WeightsError, match=r"no model\.safetensors"):
        load(broken)
    (broken / WEIGHTS_FILE).write_bytes((model_dir / WEIGHTS_FILE).read_bytes()[:500])
    with pytest.raises(WeightsError, match="corrupt or truncated"):
        load(broken)
    (broken / WEIGHTS_FILE).write_bytes((model_dir / WEIGHTS_FILE).read_bytes())
    (broken / CONFIG_FILE).write_text("{not json")
    with pytest.raises(WeightsError, match="unreadable model config"):
        load(broken)
    cfg = json.loads((model_dir / CONFIG_FILE).read_text())
    (broken / CONFIG_FILE).write_text(json.dumps(cfg | {"architecture": "adain_decoder"}))
    with pytest.raises(
        OptionError, match=r"is an any-style model \(adain\): it paints with a style image"
    ):
        load(broken)
    (broken / CONFIG_FILE).write_text(json.dumps(cfg | {"architecture": "pix2pix_unet"}))
    with pytest.raises(
        WeightsError, match="a pix2pix_unet model, not a transformer or a lite model"
    ):
        load(broken)
    from brushwork.modelfile import read_model
    from brushwork.nets.registry import load_net

    with pytest.raises(WeightsError, match="not one brushwork knows"):
        load_net(read_model(broken))
    cfg["config"]["widths"] = [8, 16, 32]
    (broken / CONFIG_FILE).write_text(json.dumps(cfg))
    with pytest.raises(WeightsError, match=r"do not fit the config.*wrong shape"):
        load(broken)


def test_single_safetensors_file(model_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    style = FastStyle.from_pretrained(model_dir / WEIGHTS_FILE)
    assert style(small("content/lion.jpg", 64)).size[0] == 64


def test_read_config_reads_only_the_config(model_dir: Path, tmp_path: Path) -> None:
    from brushwork.modelfile import read_config, read_model

    assert read_config(model_dir) == read_model(model_dir).config
    assert read_config(model_dir / WEIGHTS_FILE) == read_model(model_dir / WEIGHTS_FILE).config
    (tmp_path / "x.safetensors").write_bytes(b"garbage")
    with pytest.raises(WeightsError, match="not a brushwork model file"):
        read_config(tmp_path / "x.safetensors")
    with pytest.raises(WeightsError, match="no such model"):
        read_config(tmp_path / "nothing")
