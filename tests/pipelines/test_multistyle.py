"""Multi-style models through the pipeline: choose, blend, regions, and every bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.modelfile import write_model
from brushwork.nets.multistyle import StyleMix, conditional_norms
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.pipelines.fast import load
from brushwork.pipelines.multistyle import load_multi, parse_blend

NAMES = ["calm", "loud", "odd"]


def tiny_multi() -> TransformerNet:
    torch.manual_seed(0)
    net = TransformerNet(TransformerConfig(widths=(8, 16, 16), residual_blocks=1, styles=3))
    with torch.no_grad():  # outputs around mid-grey with structure; each style its own tone
        net.to_rgb[1].weight.mul_(30.0)
        net.to_rgb[1].bias.fill_(128.0)
        for m in conditional_norms(net):
            m.weight.normal_(1.0, 0.4)
            m.bias.normal_(0.0, 0.4)
    return net.eval()


@pytest.fixture(scope="module")
def multi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    net = tiny_multi()
    config = {
        "architecture": "transformer",
        "config": net.config.to_dict(),
        "styles": [{"name": n} for n in NAMES],
    }
    return write_model(tmp_path_factory.mktemp("m") / "multi", net.state_dict(), config)


def styled(net: TransformerNet, photo: Image.Image, condition: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return StyleMix(net, condition)(imageio.to_tensor(photo)).clamp(0, 1)


def test_parse_blend() -> None:
    assert parse_blend("calm:0.7, loud:0.3") == {"calm": 0.7, "loud": 0.3}
    assert parse_blend("calm") == {"calm": 1.0}
    assert parse_blend("2") == {2: 1.0}
    with pytest.raises(OptionError, match="not a number"):
        parse_blend("calm:lots")
    with pytest.raises(OptionError, match="missing"):
        parse_blend(":0.5")


def test_a_style_and_a_blend_equal_the_conditional_net(multi_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    photo, net = small("content/tubingen.jpg", 96), tiny_multi()
    got = imageio.to_tensor(load(multi_dir, style="loud")(photo))
    assert (got - styled(net, photo, torch.tensor([[0.0, 1.0, 0.0]]))).abs().max() <= 1 / 255
    by_index = imageio.to_tensor(load(multi_dir, style=1)(photo))
    assert torch.equal(by_index, got)
    blend = imageio.to_tensor(load(multi_dir, style={"calm": 3, "odd": 1})(photo))
    want = styled(net, photo, torch.tensor([[0.75, 0.0, 0.25]]))
    assert (blend - want).abs().max() <= 1 / 255
    text = imageio.to_tensor(load(multi_dir, style="calm:0.75,odd:0.25")(photo))
    assert torch.equal(text, blend)
    # weight 1 on one style (any scale) is that style
    assert torch.equal(imageio.to_tensor(load(multi_dir, style={"loud": 5.0})(photo)), got)


def test_bad_choices_are_clear_errors(multi_dir: Path) -> None:
    with pytest.raises(OptionError, match="holds 3 styles"):
        load(multi_dir)
    with pytest.raises(OptionError, match=r"unknown style of multi 'lod'.*loud"):
        load(multi_dir, style="lod")
    with pytest.raises(OptionError, match="index 3 is out of range"):
        load(multi_dir, style=3)
    with pytest.raises(OptionError, match="sum to a positive"):
        load(multi_dir, style={"calm": 0.0, "loud": 0.0})
    with pytest.raises(OptionError, match=">= 0"):
        load(multi_dir, style="calm:1,loud:-0.5")


def test_mask_assigns_styles_to_regions(multi_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    photo, net = small("content/golden_gate.jpg", 128), tiny_multi()
    w, h = photo.size
    mask = Image.new("RGB", photo.size, "black")
    mask.paste((255, 255, 255), (w // 2, 0, w, h))  # right half white
    out = imageio.to_tensor(load_multi(multi_dir)(photo, style=["calm", "odd"], mask=mask))
    calm = styled(net, photo, torch.tensor([[1.0, 0.0, 0.0]]))
    odd = styled(net, photo, torch.tensor([[0.0, 0.0, 1.0]]))
    left, right = slice(0, w // 4), slice(3 * w // 4, w)

    def err(a: torch.Tensor, b: torch.Tensor, cols: slice) -> float:
        return float((a[..., cols] - b[..., cols]).abs().mean())

    # each side is nearer its own style than the other (not equal: instance-norm
    # statistics are over the whole picture, as in the paper's spatial blends)
    assert err(out, calm, left) < 0.7 * err(out, odd, left)
    assert err(out, odd, right) < 0.7 * err(out, calm, right)
    # explicit colours in style order swap the regions
    swapped = load_multi(multi_dir)(
        photo, style=["calm", "odd"], mask=mask, mask_colors=[(255, 255, 255), (0, 0, 0)]
    )
    swapped_t = imageio.to_tensor(swapped)
    assert err(swapped_t, odd, left) < 0.7 * err(swapped_t, calm, left)


def test_bad_masks_are_clear_errors(multi_dir: Path, small) -> None:  # type: ignore[no-untyped-def]
    photo = small("content/golden_gate.jpg", 96)
    w, h = photo.size
    three = Image.new("RGB", photo.size, "black")
    three.paste((255, 0, 0), (0, 0, w // 3, h))
    three.paste((0, 0, 255), (w // 3, 0, 2 * w // 3, h))
    ms = load_multi(multi_dir)
    with pytest.raises(OptionError, match="mask colours do not fit"):
        ms(photo, style=["calm", "odd"], mask=three)  # a colour that maps to no style
    with pytest.raises(OptionError, match="1 colours but 2 style"):
        ms(photo, style=["calm", "odd"], mask=Image.new("RGB", photo.size, "black"))
    with pytest.raises(OptionError, match="same shape"):
        ms(photo, style=["calm", "odd"], mask=Image.new("RGB", (h, w * 2)))
    with pytest.raises(OptionError, match="weights cannot be combined"):
        ms(photo, style="calm:0.3,odd:0.7", mask=three)


def test_single_style_models_have_no_styles_to_choose(tmp_path: Path) -> None:
    net = TransformerNet(TransformerConfig(widths=(8, 16, 16), residual_blocks=1))
    path = write_model(
        tmp_path / "one",
        net.state_dict(),
        {"architecture": "transformer", "config": net.config.to_dict()},
    )
    with pytest.raises(OptionError, match="single-style"):
        load(path, style="calm")
    with pytest.raises(OptionError, match="single-style"):
        load_multi(path)


def test_a_blend_exports_as_a_single_style_net(multi_dir: Path, tmp_path: Path, small) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("onnxruntime")
    import onnxruntime

    from brushwork.pipelines.export import export_model

    path = export_model(multi_dir, tmp_path / "blend.onnx", style="calm:0.5,odd:0.5")
    photo = small("content/tubingen.jpg", 64)
    x = imageio.to_tensor(photo)
    (y,) = onnxruntime.InferenceSession(str(path)).run(None, {"image": x.numpy()})
    want = styled(tiny_multi(), photo, torch.tensor([[0.5, 0.0, 0.5]]))
    assert (torch.from_numpy(y).clamp(0, 1) - want).abs().max() < 1e-3
    with pytest.raises(OptionError, match="holds 3 styles"):
        export_model(multi_dir, tmp_path / "none.onnx")
