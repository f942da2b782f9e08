"""The command line: real runs at tiny sizes, and one clear line for every bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from brushwork import image as imageio
from brushwork import zoo
from brushwork.cli import main


@pytest.fixture
def pair(tmp_path: Path, small) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    c, s = tmp_path / "content.png", tmp_path / "style.jpg"
    small("content/tubingen.jpg", 64).save(c)
    small("style/starry_night.jpg", 64).save(s)
    return c, s


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_stylize_writes_the_image_and_prints_its_path(pair, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    c, s = pair
    out = tmp_path / "o" / "result.jpg"
    code, stdout, _ = run(["stylize", str(c), "-s", str(s), "-o", str(out), "--size", "48", "--steps", "4",
                           "--save-every", "2", "-q"], capsys)  # fmt: skip
    assert code == 0
    assert stdout.strip() == str(out)
    assert Image.open(out).size == (48, 36)
    steps = sorted(p.name for p in (out.parent / "result.steps").iterdir())
    assert steps == ["level0_step00002.png", "level0_step00004.png"]
    # a second run does not overwrite without --overwrite, and leaves the file alone
    before = out.read_bytes()
    code, _, err = run(
        ["stylize", str(c), "-s", str(s), "-o", str(out), "--steps", "1", "-q"], capsys
    )
    assert code == 1 and "already exists" in err and out.read_bytes() == before
    code, _, _ = run(["stylize", str(c), "-s", str(s), "-o", str(out), "--size", "32", "--steps", "1",
                      "--overwrite", "-q"], capsys)  # fmt: skip
    assert code == 0 and Image.open(out).size == (32, 24)


def test_input_is_never_overwritten(pair, capsys) -> None:  # type: ignore[no-untyped-def]
    c, s = pair
    before = c.read_bytes()
    code, _, err = run(["stylize", str(c), "-s", str(s), "-o", str(c), "--steps", "1", "--size", "32",
                        "--overwrite", "-q"], capsys)  # fmt: skip
    assert code == 1 and "input" in err and c.read_bytes() == before


def test_scales_blend_colour_and_mask_options(pair, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    c, s = pair
    mask = tmp_path / "mask.png"
    m = Image.new("RGB", Image.open(c).size, "#ff0000")
    m.paste((0, 0, 255), (0, 0, 20, 48))
    m.save(mask)
    out = tmp_path / "m.png"
    code, _, err = run(["stylize", str(c), "-s", str(s), "-s", str(s), "--mask", str(mask),
                        "--mask-colors", "#0000ff,#ff0000", "--scales", "32,48", "--steps", "3,2",
                        "--preserve-color", "histogram", "-o", str(out), "-q"], capsys)  # fmt: skip
    assert code == 0, err
    assert max(Image.open(out).size) == 48


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    """Broken files, made once for all the bad-input cases."""
    d = tmp_path_factory.mktemp("bad")
    c = imageio.load(data / "content" / "tubingen.jpg").rgb.resize((64, 48))
    c.save(d / "content.png")
    imageio.load(data / "style" / "starry_night.jpg").rgb.resize((64, 51)).save(d / "style.jpg")
    (d / "empty.jpg").write_bytes(b"")
    (d / "text.jpg").write_text("not an image")
    (d / "tiny.png").write_bytes(b"")
    Image.new("RGB", (1, 1)).save(d / "tiny.png")
    raw = (data / "content" / "tubingen.jpg").read_bytes()
    (d / "trunc.jpg").write_bytes(raw[: len(raw) // 3])
    Image.new("1", (15000, 15000)).save(d / "huge.png")
    Image.new("RGB", (20, 100)).save(d / "tallmask.png")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), np.uint8)).save(d / "noisymask.png")
    (d / "corrupt_model").mkdir()
    (d / "corrupt_model" / "config.json").write_text(
        '{"architecture": "transformer", "config": {}}'
    )
    (d / "corrupt_model" / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    _tiny_multi(d / "multi")
    _tiny_decoder(d / "decoder")
    _tiny_decoder(d / "decoder3", layer="relu3_1", claims="relu4_1")
    painting = imageio.load(data / "style" / "the_scream.jpg").rgb
    painting.resize((10, 12)).save(d / "tinystyle.png")
    return d


def _tiny_decoder(folder: Path, layer: str = "relu4_1", claims: str | None = None) -> Path:
    """A random AdaIN decoder for ``layer`` whose config says ``claims`` (default: the same)."""
    import torch

    from brushwork.modelfile import write_model
    from brushwork.nets.adain import AdaINDecoder, DecoderConfig

    torch.manual_seed(0)
    net = AdaINDecoder(DecoderConfig(layer=layer, width=0.125))
    config = {
        "architecture": "adain_decoder",
        "config": DecoderConfig(layer=claims or layer, width=0.125).to_dict(),
        "encoder": {"name": "vgg19", "layer": claims or layer},
    }
    return write_model(folder, net.state_dict(), config)


def _tiny_multi(folder: Path) -> Path:
    """A random three-style model (styles calm, loud, odd), to choose and blend in."""
    import torch

    from brushwork.modelfile import write_model
    from brushwork.nets.transformer import TransformerConfig, TransformerNet

    torch.manual_seed(0)
    cfg = TransformerConfig(widths=(4, 8, 8), residual_blocks=1, styles=3)
    config = {
        "architecture": "transformer",
        "config": cfg.to_dict(),
        "styles": [{"name": n} for n in ("calm", "loud", "odd")],
    }
    return write_model(folder, TransformerNet(cfg).state_dict(), config)


def _bad(d: Path, out: Path) -> dict[str, tuple[list[str], str]]:
    c, s = d / "content.png", d / "style.jpg"
    o = ["-o", str(out / "out.png"), "--steps", "1", "--size", "32", "-q"]
    return {
        "missing": (["stylize", str(d / "nope.jpg"), "-s", str(s), *o], "no such file"),
        "directory": (["stylize", str(c), "-s", str(d), *o], "is a directory"),
        "zero-byte": (["stylize", str(d / "empty.jpg"), "-s", str(s), *o], "empty"),
        "truncated": (["stylize", str(d / "trunc.jpg"), "-s", str(s), *o], "truncated"),
        "text as jpg": (["stylize", str(c), "-s", str(d / "text.jpg"), *o], "not an image"),
        "1x1": (["stylize", str(d / "tiny.png"), "-s", str(s), *o], "smaller than"),
        "huge": (["stylize", str(d / "huge.png"), "-s", str(s), *o], "too large|over the limit"),
        "optimizer": (["stylize", str(c), "-s", str(s), "--optimizer", "sgd", *o], "unknown optimizer"),
        "layer": (["stylize", str(c), "-s", str(s), "--style-layers", "relu1_1,relu6_1", *o], "relu"),
        "colour": (["stylize", str(c), "-s", str(s), "--preserve-color", "sepia", *o], "luminance"),
        "method": (["stylize", str(c), "-s", str(s), "--method", "magic", *o], "unknown method"),
        "mask size": (["stylize", str(c), "-s", str(s), "-s", str(s), "--mask", str(d / "tallmask.png"), *o],
                      "same shape"),
        "mask colours": (["stylize", str(c), "-s", str(s), "-s", str(s), "--mask", str(d / "noisymask.png"), *o],
                         "mask colours"),
        "steps": (["stylize", str(c), "-s", str(s), *o[:2], "--steps", "ten"], "--steps"),
        "extension": (["stylize", str(c), "-s", str(s), "-o", str(out / "out.xyz")], "unknown output format"),
        "unknown flag": (["stylize", str(c), "--frobnicate"], "No such option"),
        "no gpu": (["stylize", str(c), "-s", str(s), "--device", "cuda:0", *o], "no CUDA GPU"),
        "device": (["stylize", str(c), "-s", str(s), "--device", "abacus", *o], "unknown device"),
        "init": (["stylize", str(c), "-s", str(s), "--init", str(d / "nope.png"), *o], "no such file"),
        "style name": (["stylize", str(c), "-s", "stary_night", *o], "stary_night.*Did you mean the bundled style 'starry_night'"),
        "fast with image": (["stylize", str(c), "-s", str(s), "--method", "fast", *o], "is an image"),
        "corrupt model": (["stylize", str(c), "-s", str(d / "corrupt_model"), *o], "corrupt or truncated"),
        "strength": (["stylize", str(c), "-s", "starry_night", "--strength", "2", *o], "strength"),
        "fast size": (["stylize", str(c), "-s", "starry_night", *o[:2], "--size", "200000"], "MP limit"),
        "glob": (["stylize", str(d / "*.nothing"), "-s", "starry_night", *o], "no files match"),
        "no images": (["train", "fast", "--data", str(d / "corrupt_model"), "-s", str(s), "-o", str(out / "m"), "-q"], "no readable images"),
        "train style": (["train", "fast", "--data", str(d), "-s", str(d / "text.jpg"), "-o", str(out / "m"), "-q"], "not an image"),
        "resume nothing": (["train", "fast", "--data", str(d), "-s", str(s), "-o", str(out / "m"), "--resume", "-q"], "no checkpoint"),
        "backend": (["stylize", str(c), "-s", "starry_night", *o, "--backend", "tensorrt"], "unknown backend 'tensorrt'"),
        "compile backend": (["stylize", str(c), "-s", "starry_night", *o, "--backend", "onnxruntime", "--compile"], "torch backend only"),
        "export format": (["export", "starry_night", "-o", str(out / "m.onnx"), "--format", "tflite"], "unknown format"),
        "export model": (["export", str(d / "corrupt_model"), "-o", str(out / "m.onnx")], "corrupt or truncated"),
        "lite teacher": (["train", "lite", "--teacher", "starry_nite", "--data", str(d), "-o", str(out / "m"), "-q"], "unknown style 'starry_nite'.*Did you mean 'starry_night'"),
        "blend weights": (["stylize", str(c), "-m", str(d / "multi"), "-s", "calm:0,loud:0", *o], "sum to a positive"),
        "negative weight": (["stylize", str(c), "-m", str(d / "multi"), "-s", "calm:1,loud:-1", *o], ">= 0"),
        "style in model": (["stylize", str(c), "-m", str(d / "multi"), "-s", "lod", *o], "unknown style of multi 'lod'.*Did you mean 'loud'"),
        "style index": (["stylize", str(c), "-m", str(d / "multi"), "-s", "7", *o], "index 7 is out of range"),
        "multi unchosen": (["stylize", str(c), "-s", str(d / "multi"), *o], "holds 3 styles"),
        "mask no style": (["stylize", str(c), "-m", str(d / "multi"), "-s", "calm", "-s", "odd", "--mask", str(d / "noisymask.png"), *o], "mask colours do not fit"),
        "multi one style": (["train", "multi", "--data", str(d), "-s", str(s), "-o", str(out / "m"), "-q"], "at least two"),
        "add to bundled": (["train", "add-style", "-m", "starry_night", "-s", str(s), "--data", str(d), "-q"], "cannot change in place"),
        "alpha": (["stylize", str(c), "-s", str(s), "--alpha", "1.5", *o[:2]], "alpha must be between 0 and 1"),
        "adain weights": (["stylize", str(c), "-s", str(s), "-s", str(s), "--blend", "1", *o[:2]], "2 style image.*1 style weight"),
        "adain steps": (["stylize", str(c), "-s", str(s), "--method", "adain", *o], "--steps is an option of --method optimize"),
        "tiny style": (["stylize", str(c), "-s", str(d / "tinystyle.png"), *o[:2]], "smaller than"),
        "huge style": (["stylize", str(c), "-s", str(d / "huge.png"), *o[:2]], "too large|over the limit"),
        "decoder depth": (["stylize", str(c), "-s", str(s), "-m", str(d / "decoder3"), *o[:2]], "weights do not fit"),
        "decoder as style": (["stylize", str(c), "-s", "adain", *o[:2]], "is a decoder for any style, not a style"),
        "fast with decoder": (["stylize", str(c), "-s", str(s), "-m", str(d / "decoder"), "--method", "fast", *o[:2]], "use it with --method adain"),
        "demo decoder": (["demo", "-o", str(out / "out.png"), "--style", "adain"], "is an any-style model \\(adain\\)"),
        "strength with adain": (["stylize", str(c), "-s", str(s), "--strength", "0.5", *o[:2]], "--strength is an option of fast styles.*--alpha"),
        "alpha with fast": (["stylize", str(c), "-s", "starry_night", "--alpha", "0.5", *o[:2]], "--alpha is an option of adain, wct and linear"),
        "hold out typo": (["train", "adain", "--content", str(d), "-s", str(s), "--hold-out", "styel", "-o", str(out / "m"), "-q"], "held-out style"),
        "add-style data": (["train", "add-style", "-m", str(d / "multi"), "-s", str(s), "-q"], "pass --data"),
        "lite style": (["train", "lite", "--teacher", "starry_night", "--data", str(d), "-s", str(d / "text.jpg"), "-o", str(out / "m"), "-q"], "not an image"),
    }  # fmt: skip


CASES = [
    "missing", "directory", "zero-byte", "truncated", "text as jpg", "1x1", "huge", "optimizer",
    "layer", "colour", "method", "mask size", "mask colours", "steps", "extension", "unknown flag",
    "no gpu", "device", "init", "style name", "fast with image", "corrupt model", "strength",
    "glob", "no images", "train style", "resume nothing", "fast size", "backend", "compile backend",
    "export format", "export model", "lite teacher", "lite style", "blend weights",
    "negative weight", "style in model", "style index", "multi unchosen", "mask no style",
    "multi one style", "add to bundled", "add-style data", "alpha", "adain weights",
    "adain steps", "tiny style", "huge style", "decoder depth", "decoder as style",
    "fast with decoder", "demo decoder", "hold out typo", "strength with adain", "alpha with fast",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_one_line_and_exit_1(case: str, bad_inputs, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    args, message = _bad(bad_inputs, tmp_path)[case]
    code, stdout, err = run(args, capsys)
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    warned = [ln for ln in lines[:-1] if ln.startswith("warning: ")]  # brushwork's one-liners
    assert "UserWarning" not in err and "warnings.warn" not in err  # no raw Python warning
    lines = [ln for ln in lines if ln not in warned]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    import re

    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in err and stdout == ""
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.xyz").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_help_and_layers(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run([], capsys)
    assert code == 0 and "stylize" in out
    code, out, _ = run(["layers"], capsys)
    assert code == 0 and "relu4_2" in out.split()


def test_demo_runs(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "demo.png"
    code, stdout, err = run(["demo", "-o", str(out), "--size", "96", "-q"], capsys)
    assert code == 0, err
    assert stdout.strip() == str(out) and max(Image.open(out).size) == 96
    code, _, err = run(["demo", "-o", str(tmp_path / "other.png"), "--style", "mona_lisa"], capsys)
    assert code == 1 and "mona_lisa: not a bundled style" in err and "starry_night" in err


@pytest.fixture
def tiny_model(tmp_path: Path) -> Path:
    import torch

    from brushwork.modelfile import write_model
    from brushwork.nets.transformer import TransformerConfig, TransformerNet

    torch.manual_seed(0)
    cfg = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)
    return write_model(
        tmp_path / "tiny",
        TransformerNet(cfg).state_dict(),
        {"architecture": "transformer", "config": cfg.to_dict()},
    )


def test_fast_style_file_folder_and_glob(tiny_model, pair, tmp_path, small, capsys) -> None:  # type: ignore[no-untyped-def]
    c, _ = pair
    code, stdout, err = run(
        ["stylize", str(c), "-s", str(tiny_model), "-o", str(tmp_path / "o.jpg"), "-q"], capsys
    )
    assert code == 0, err
    assert (
        stdout.strip() == str(tmp_path / "o.jpg")
        and Image.open(tmp_path / "o.jpg").size == Image.open(c).size
    )
    photos = tmp_path / "photos"
    (photos / "sub").mkdir(parents=True)
    small("content/lion.jpg", 40).save(photos / "a.jpg")
    small("content/bear.jpg", 40).save(photos / "sub" / "b.png")
    code, stdout, err = run(
        [
            "stylize",
            str(photos),
            "-s",
            str(tiny_model),
            "-o",
            str(tmp_path / "styled"),
            "--size",
            "32",
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    assert sorted(
        str(p.relative_to(tmp_path / "styled")) for p in (tmp_path / "styled").rglob("*.*")
    ) == ["a.jpg", "sub/b.png"]
    assert max(Image.open(tmp_path / "styled" / "sub" / "b.png").size) == 32
    # again without --overwrite: refused before anything is written
    code, _, err = run(
        ["stylize", str(photos), "-s", str(tiny_model), "-o", str(tmp_path / "styled"), "-q"],
        capsys,
    )
    assert code == 1 and "already exists" in err
    code, _, err = run(
        [
            "stylize",
            str(photos / "*.jpg"),
            "-s",
            str(tiny_model),
            "-o",
            str(tmp_path / "globbed"),
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    assert [p.name for p in (tmp_path / "globbed").iterdir()] == ["a.jpg"]


@pytest.mark.parametrize("backend", ["torch", "onnxruntime", "openvino"])
def test_backends_and_export_from_the_cli(
    backend, tiny_model, pair, tmp_path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from brushwork import runtime

    if not runtime.installed(backend):
        pytest.skip(f"{backend} extra not installed")
    monkeypatch.setenv("BRUSHWORK_HOME", str(tmp_path / "home"))
    c, _ = pair
    outs = {}
    for b in dict.fromkeys(("torch", backend)):
        out = tmp_path / f"{b}.png"
        code, _, err = run(
            ["stylize", str(c), "-s", str(tiny_model), "-o", str(out), "--backend", b], capsys
        )
        assert code == 0 and f"({b})" in err, err
        outs[b] = np.asarray(Image.open(out), dtype=np.int16)
    assert np.abs(outs[backend] - outs["torch"]).max() <= 1  # the same picture, to rounding
    if backend == "torch":
        return
    fmt = "onnx" if backend == "onnxruntime" else "openvino"
    code, stdout, err = run(
        ["export", str(tiny_model), "-o", str(tmp_path / "tiny"), "--format", fmt], capsys
    )
    assert code == 0, err
    assert Path(stdout.strip()).is_file() and Path(stdout.strip()).suffix in (".onnx", ".xml")


def test_a_bad_photo_in_a_folder_is_skipped_and_reported(
    tiny_model, tmp_path, small, capsys
) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "photos"
    photos.mkdir()
    small("content/lion.jpg", 40).save(photos / "good.jpg")
    (photos / "bad.jpg").write_text("nope")
    code, _, err = run(
        ["stylize", str(photos), "-s", str(tiny_model), "-o", str(tmp_path / "out"), "-q"], capsys
    )
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: 1 of 2 images could not be read")
    assert (tmp_path / "out" / "good.jpg").is_file() and not (tmp_path / "out" / "bad.jpg").exists()


def test_train_fast_and_resume_from_the_cli(tmp_path, data, capsys) -> None:  # type: ignore[no-untyped-def]
    m = tmp_path / "m"
    base = [
        "train",
        "fast",
        "--data",
        str(data / "content"),
        "-s",
        str(data / "style" / "great_wave.jpg"),
        "-o",
        str(m),
        "--widths",
        "4,8,8",
        "--crop",
        "32",
        "--style-size",
        "64",
        "--batch-size",
        "1",
        "-q",
    ]
    code, stdout, err = run([*base, "--steps", "2"], capsys)
    assert code == 0, err
    assert (
        stdout.strip() == str(m)
        and (m / "model.safetensors").is_file()
        and (m / "preview.jpg").is_file()
    )
    code, _, err = run([*base, "--steps", "3", "--resume"], capsys)
    assert code == 0, err
    code, _, err = run([*base, "--steps", "4", "--resume", "--style-weight", "1"], capsys)
    assert code == 1 and "different config" in err and len(err.strip().splitlines()) == 1
    code, _, err = run([*base, "--steps", "2"], capsys)
    assert code == 1 and "--resume" in err


def test_multi_style_train_blend_mask_and_add_style_from_the_cli(
    tmp_path, data, pair, capsys
) -> None:  # type: ignore[no-untyped-def]
    c, _ = pair
    m = tmp_path / "multi"
    styles = ["-s", str(data / "style" / "udnie.jpg"), "-s", str(data / "style" / "mosaic.jpg")]
    tiny = ["--widths", "4,8,8", "--crop", "32", "--style-size", "64", "--batch-size", "1"]
    code, stdout, err = run(
        ["train", "multi", "--data", str(data / "content"), *styles, "-o", str(m), *tiny,
         "--steps", "2", "-q"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert stdout.strip() == str(m) and (m / "previews" / "udnie.jpg").is_file()
    out = tmp_path / "blend.png"
    code, stdout, err = run(
        ["stylize", str(c), "-m", str(m), "-s", "udnie:0.7,mosaic:0.3", "-o", str(out), "-q"],
        capsys,
    )
    assert code == 0, err
    assert Image.open(out).size == Image.open(c).size
    mask = tmp_path / "mask.png"
    half = Image.new("RGB", Image.open(c).size, "black")
    half.paste((255, 255, 255), (half.width // 2, 0, half.width, half.height))
    half.save(mask)
    code, _, err = run(
        ["stylize", str(c), "-m", str(m), "-s", "udnie", "-s", "mosaic", "--mask", str(mask),
         "-o", str(tmp_path / "masked.png"), "-q"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    code, stdout, err = run(
        ["train", "add-style", "-m", str(m), "-s", str(data / "style" / "candy.jpg"),
         "--steps", "2", "--batch-size", "1", "-q"],
        capsys,
    )  # fmt: skip
    assert code == 0, err  # the photos it was trained on are found from its config
    code, _, err = run(
        ["stylize", str(c), "-m", str(m), "-s", "2", "-o", str(tmp_path / "candy.png"), "-q"],
        capsys,
    )
    assert code == 0, err


def test_models_list(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["models", "list"], capsys)
    assert code == 0
    for name in ("starry_night", "the_scream", "great_wave", "composition_vii"):
        assert name in out
    assert "preview.jpg" in out and "steps" in out
    # a model of several stages shows all of them (facades_labels2photo: 8,000 + 6,000 + 2,000 + 13,000)
    config = json.loads((zoo.ZOO_DIR / "facades_labels2photo" / "config.json").read_text())
    steps = [st["steps"] for st in config["stages"]]
    line = out.split("facades_labels2photo\t")[1].splitlines()[2]
    assert len(steps) > 1 and f"pix2pix, {sum(steps):,} steps in {len(steps)} stages" in line


def test_style_images_go_to_adain_with_its_controls(pair, tmp_path, capsys, bad_inputs) -> None:  # type: ignore[no-untyped-def]
    c, s = pair
    dec = bad_inputs / "decoder"
    out = tmp_path / "a.png"
    code, stdout, err = run(
        ["stylize", str(c), "-s", str(s), "-m", str(dec), "-o", str(out)], capsys
    )
    assert code == 0, err
    assert "torch" in err and stdout.strip() == str(out)
    assert Image.open(out).size == Image.open(c).size
    mask = tmp_path / "mask.png"
    half = Image.new("RGB", Image.open(c).size, "black")
    half.paste((255, 255, 255), (half.width // 2, 0, half.width, half.height))
    half.save(mask)
    for extra in (
        ["--alpha", "0.5", "--preserve-color", "luminance", "--size", "48"],
        ["-s", str(s), "--blend", "0.7,0.3"],
        ["-s", str(c), "--mask", str(mask)],
    ):
        code, _, err = run(
            [
                "stylize",
                str(c),
                "-s",
                str(s),
                "-m",
                str(dec),
                *extra,
                "-o",
                str(tmp_path / "b.png"),
                "--overwrite",
                "-q",
            ],
            capsys,
        )
        assert code == 0, (extra, err)
    # a folder of photos, one decoder load
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("x.png", "y.png"):
        Image.open(c).save(photos / name)
    code, stdout, err = run(
        [
            "stylize",
            str(photos),
            "-s",
            str(s),
            "-m",
            str(dec),
            "-o",
            str(tmp_path / "styled"),
            "-q",
        ],
        capsys,
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "styled").iterdir()) == ["x.png", "y.png"]
    # optimisation options with a style image pick optimisation
    code, _, err = run(
        [
            "stylize",
            str(c),
            "-s",
            str(s),
            "--steps",
            "2",
            "--size",
            "32",
            "-o",
            str(tmp_path / "o.png"),
            "-q",
        ],
        capsys,
    )
    assert code == 0, err


def test_wct_and_refine_from_the_cli(pair, tmp_path, capsys, bad_inputs) -> None:  # type: ignore[no-untyped-def]
    c, s = pair
    out = tmp_path / "w.png"
    for extra in (
        ["--method", "wct"],
        ["--model", "wct", "--alpha", "0.6", "--preserve-color", "histogram"],
        ["--method", "wct", "-s", str(c), "--blend", "0.5,0.5"],
    ):
        code, _, err = run(["stylize", str(c), "-s", str(s), *extra, "-o", str(out),
                            "--overwrite", "-q"], capsys)  # fmt: skip
        assert code == 0, (extra, err)
        assert Image.open(out).size == Image.open(c).size
    # a refine follows fast (towards the bundled painting), AdaIN and WCT
    for extra in (
        ["-s", "starry_night"],
        ["-s", str(s), "-m", str(bad_inputs / "decoder")],
        ["-s", str(s), "--method", "wct", "--style-weight", "1e3"],
    ):
        code, _, err = run(["stylize", str(c), *extra, "--refine", "2", "--size", "40", "-o",
                            str(out), "--overwrite"], capsys)  # fmt: skip
        assert code == 0, (extra, err)
        assert "2 refine steps" in err and Image.open(out).size == (40, 30)
    for extra, message in (
        (["-s", str(s), "--method", "optimize", "--refine", "2"], "--refine follows"),
        (["-s", str(s), "--refine", "2", "--steps", "5"], "--steps is the optimiser's"),
        (["-s", str(s), "--refine", "-1"], "refine steps"),
        (["-s", str(s), "--method", "adain", "-m", "wct"], "not a decoder model of --method adain"),
        (["-s", "wct"], "not a style"),
    ):
        code, _, err = run(["stylize", str(c), *extra, "-o", str(tmp_path / "x.png")], capsys)
        assert code != 0 and message in err and err.count("\n") == 1, (extra, err)


def test_train_adain_and_resume_from_the_cli(tmp_path, data, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "dec"
    args = ["train", "adain", "--content", str(data / "content"), "-s", str(data / "style" / "mondrian.jpg"),
            "-s", str(data / "style" / "udnie.jpg"), "--hold-out", "udnie", "-o", str(out),
            "--crop", "48", "--width", "0.125", "--batch-size", "1", "--preview-every", "0",
            "--checkpoint-every", "1", "--precision", "fp32", "--jitter", "5", "--decay-from", "0.5",
            "-q"]  # fmt: skip
    code, _, err = run([*args, "--steps", "1"], capsys)
    assert code == 0, err
    code, _, err = run([*args, "--steps", "2", "--resume"], capsys)
    assert code == 0, err
    import json

    config = json.loads((out / "config.json").read_text())
    assert config["training"]["steps"] == 2 and config["held_out"] == ["udnie"]
    assert config["recipe"]["jitter"] == 5 and config["recipe"]["decay_from"] == 0.5
    code, _, err = run(["stylize", str(data / "content" / "tubingen.jpg"), "-s", str(data / "style" / "udnie.jpg"),
                        "-m", str(out), "--size", "64", "-o", str(tmp_path / "t.png"), "-q"], capsys)  # fmt: skip
    assert code == 0, err


def test_train_lite_with_the_grid_term_and_a_cool_down_from_the_cli(tmp_path, data, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "lite"
    args = ["train", "lite", "--teacher", "the_scream", "--data", str(data / "content"), "-o", str(out),
            "--steps", "2", "--crop", "48", "--batch-size", "1", "--widths", "8,16,16",
            "--grid-weight", "1e7", "--decay-from", "0.5", "--preview-every", "0", "--precision", "fp32",
            "-q"]  # fmt: skip
    code, _, err = run(args, capsys)
    assert code == 0, err
    import json

    config = json.loads((out / "config.json").read_text())
    assert config["recipe"]["grid_weight"] == 1e7 and config["recipe"]["decay_from"] == 0.5
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert log and all("grid" in e for e in log)
    code, _, err = run([*args[:-1], "-o", str(tmp_path / "x"), "--grid-weight", "-1", "-q"], capsys)
    assert code == 1 and "grid_weight" in err and "Traceback" not in err


def test_train_wct_then_a_stage_of_one_level_from_the_cli(tmp_path, data, capsys) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "w1", tmp_path / "w2"
    args = ["train", "wct", "--content", str(data / "content"), "--levels", "relu2_1,relu1_1",
            "--crop", "64", "--steps", "1", "--batch-size", "1", "--preview-every", "0",
            "--precision", "fp32", "-q"]  # fmt: skip
    code, _, err = run([*args, "-o", str(first)], capsys)
    assert code == 0, err
    code, _, err = run([*args, "-o", str(tmp_path / "x"), "--keep", "relu2_1"], capsys)
    assert code == 1 and "only from an init model" in err and "Traceback" not in err
    more = ["-o", str(second), "--init", str(first), "--keep", "relu2_1", "--decay-from", "0"]
    code, _, err = run([*args, *more], capsys)
    assert code == 0, err
    import json

    a, b = (json.loads((m / "config.json").read_text()) for m in (first, second))
    assert b["levels"]["relu2_1"] == a["levels"]["relu2_1"]  # kept, with its own record
    assert b["recipe"]["decay_from"] == 0.0 and "decay_from" not in a["recipe"]


def test_train_linear_and_paint_with_it_from_the_cli(tmp_path, data, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "lin"
    args = ["train", "linear", "--content", str(data / "content"), "-s", str(data / "style" / "mondrian.jpg"),
            "-s", str(data / "style" / "udnie.jpg"), "--hold-out", "udnie", "-o", str(out),
            "--crop", "48", "--rank", "8", "--batch-size", "1", "--preview-every", "0",
            "--checkpoint-every", "1", "--precision", "fp32", "--decay-from", "0.5", "-q"]  # fmt: skip
    code, _, err = run([*args, "--steps", "1"], capsys)
    assert code == 0, err
    code, _, err = run([*args, "--steps", "2", "--resume"], capsys)
    assert code == 0, err
    import json

    config = json.loads((out / "config.json").read_text())
    assert config["method"] == "linear" and config["training"]["steps"] == 2
    assert config["training"]["decoder"] == "bundled wct" and config["held_out"] == ["udnie"]
    assert config["recipe"]["transform"]["rank"] == 8 and config["recipe"]["decay_from"] == 0.5
    code, _, err = run(["stylize", str(data / "content" / "tubingen.jpg"), "-s", str(data / "style" / "udnie.jpg"),
                        "-m", str(out), "--alpha", "0.7", "--size", "64", "-o", str(tmp_path / "t.png"), "-q"],
                       capsys)  # fmt: skip
    assert code == 0, err
    code, _, err = run([*args[:-1], "--steps", "1", "--layer", "relu5_1"], capsys)
    assert code != 0 and "layer must be one of" in err and err.count("\n") == 1, err


def test_video_command_keeps_sound_and_reports(data, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from brushwork import video as videoio

    out = tmp_path / "clip.mp4"
    code, stdout, err = run(["video", str(data / "video/big_buck_bunny_cut.mp4"), "-o", str(out), "-s",
                             "starry_night_lite", "--end", "0.5", "--size", "64"], capsys)  # fmt: skip
    assert code == 0, err
    assert stdout.strip() == str(out) and "12 frames 64x36" in err and "sound kept" in err
    info = videoio.probe(out)
    assert info.frames == 12 and info.audio == "aac"
    code, _, err = run(["video", str(data / "video/sintel_ambush_4.mp4"), "-o", str(tmp_path / "a.gif"),
                        "-s", str(data / "style/mondrian.jpg"), "--alpha", "0.7", "--end", "0.2",
                        "--size", "48", "-q"], capsys)  # fmt: skip
    assert code == 0, err
    assert videoio.probe(tmp_path / "a.gif").frames == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/o.avi", "-s", "starry_night_lite"], "unknown output format '.avi'"),
        (["-o", "{tmp}/o.mp4", "-s", "starry_night_lite", "--start", "11"], "after the end"),
        (
            ["-o", "{tmp}/o.mp4", "-s", "starry_nite"],
            "Did you mean the bundled style 'starry_night'",
        ),
        (
            ["-o", "{tmp}/o.mp4", "-s", "starry_night_lite", "--temporal", "flo"],
            "unknown temporal mode 'flo'",
        ),
        (
            ["-o", "{tmp}/o.mp4", "-s", "starry_night_lite", "--alpha", "0.5"],
            "--alpha is an option of adain, wct and linear",
        ),
        (
            ["-o", "{tmp}/o.mp4", "-s", "starry_night_lite", "--temporal-weight", "1.5"],
            "temporal weight",
        ),
    ],
)
def test_video_bad_options_are_one_line(data, tmp_path, capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    src = str(data / "video/big_buck_bunny_cut.mp4")
    code, _, err = run(["video", src, *[a.format(tmp=tmp_path) for a in args], "-q"], capsys)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())


def test_video_bad_inputs_are_one_line(data, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    text = tmp_path / "notes.mp4"
    text.write_text("hello\n" * 100)
    for src, message in [(text, "not a video file"), (data / "style/mondrian.jpg", "still image"),
                         (tmp_path / "none.mp4", "no such file")]:  # fmt: skip
        code, _, err = run(
            ["video", str(src), "-o", str(tmp_path / "o.mp4"), "-s", "starry_night_lite"], capsys
        )
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err


def test_video_interrupted_says_so_and_writes_nothing(data, tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import brushwork.pipelines.video as pv

    real = pv.to_frame
    calls = {"n": 0}

    def interrupt(x):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(x)

    monkeypatch.setattr(pv, "to_frame", interrupt)
    out = tmp_path / "o.mp4"
    code, _, err = run(["video", str(data / "video/sintel_ambush_4.mp4"), "-o", str(out), "-s",
                        "starry_night_lite", "--size", "64", "-q"], capsys)  # fmt: skip
    assert code == 130 and "interrupted" in err and "was not written" in err
    assert not list(tmp_path.iterdir())


def test_upscale_files_folders_and_bad_scales(data, tmp_path, small, capsys) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in"
    src.mkdir()
    small("content/tubingen.jpg", 48).save(src / "a.png")
    small("content/golden_gate.jpg", 40).save(src / "b.jpg")
    code, out, err = run(
        ["upscale", str(src / "a.png"), "--scale", "4", "-o", str(tmp_path / "a4.png")], capsys
    )
    assert code == 0 and out.strip() == str(tmp_path / "a4.png")
    with Image.open(src / "a.png") as a, Image.open(tmp_path / "a4.png") as b:
        assert b.size == (a.size[0] * 4, a.size[1] * 4)
    code, out, _ = run(
        ["upscale", str(src), "--scale", "8", "-o", str(tmp_path / "big"), "-q"], capsys
    )
    assert code == 0 and sorted(p.name for p in (tmp_path / "big").iterdir()) == ["a.png", "b.jpg"]
    code, _, err = run(
        ["upscale", str(src / "a.png"), "--scale", "3", "-o", str(tmp_path / "x.png")], capsys
    )
    assert code == 1 and err.count("\n") == 1 and "available scales: x4, x8" in err
    code, _, err = run(
        ["upscale", str(src / "a.png"), "-m", "x4", "-o", str(tmp_path / "x.png")], capsys
    )
    assert code == 1 and "unknown super-resolution model 'x4'; choose from sr-x4," in err
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    code, _, err = run(
        ["upscale", str(tmp_path / "dot.png"), "-o", str(tmp_path / "y.png")], capsys
    )
    assert code == 1 and err.count("\n") == 1 and "1x1" in err
    Image.new("RGB", (2600, 2600)).save(tmp_path / "huge.png")
    code, _, err = run(
        ["upscale", str(tmp_path / "huge.png"), "-o", str(tmp_path / "z.png")], capsys
    )
    assert code == 1 and "over the 100 MP limit" in err
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "z.png").exists()
    code, out, _ = run(["models", "list"], capsys)
    assert "sr-x4" in out and "sr-x8" in out and "brushwork upscale" in out


def test_train_sr_from_the_cli(data, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["train", "sr", "--data", str(data / "content"), "-o", str(tmp_path / "m"),
            "--scale", "4", "--loss", "pixel", "--steps", "3", "--crop", "48", "--channels", "8",
            "--blocks", "1", "--batch-size", "2", "--precision", "fp32", "-q"]  # fmt: skip
    code, out, _ = run(args, capsys)
    assert code == 0 and out.strip() == str(tmp_path / "m")
    code, out, _ = run(["upscale", str(data / "sr/Set5/bird.png"), "-m", str(tmp_path / "m"),
                        "-o", str(tmp_path / "bird.png"), "-q"], capsys)  # fmt: skip
    assert code == 0
    code, _, err = run([*args[:-1], "--crop", "50"], capsys)
    assert code == 1 and "multiple of the scale" in err


def test_a_clip_cut_short_is_painted_with_a_warning(data, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """fox.mp4 (420 frames) with its index moved to the front, then cut half-way: the frames
    that are there are written, and a line says the clip ended early."""
    import av

    whole = tmp_path / "fox_faststart.mp4"
    with (
        av.open(str(data / "video/fox.mp4")) as src,
        av.open(str(whole), "w", options={"movflags": "faststart"}) as dst,
    ):
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    cut = tmp_path / "fox_cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    out = tmp_path / "out.mp4"
    args = ["video", str(cut), "-s", "starry_night", "-o", str(out), "--size", "64", "--temporal", "off", "-q"]  # fmt: skip
    code, _, err = run(args, capsys)
    assert code == 0 and out.is_file(), err
    (line,) = [ln for ln in err.splitlines() if "ended early" in ln]
    written = int(re.search(r"wrote (\d+) frames", line).group(1))  # type: ignore[union-attr]
    assert line.startswith("warning: fox_cut.mp4: the clip ended early (") and "of the 420" in line
    assert 100 < written < 400
    with av.open(str(out)) as result:
        assert sum(1 for _ in result.decode(video=0)) == written


def test_edges_of_the_bad_input_probe(pair, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A FIFO alone (refused, no hang) or in a folder (skipped with one line); an output under
    a file (refused before any work); an animated GIF (first frame, one line pointing to video)."""
    import os

    c, _ = pair
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    o = ["-s", "starry_night", "--size", "48", "-q"]
    code, _, err = run(["stylize", str(fifo), *o, "-o", str(tmp_path / "a.png")], capsys)
    assert code == 1 and err == f"error: {fifo}: is a FIFO (named pipe), not a regular file\n"
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.png")
    Image.open(c).save(folder / "photo.png")
    code, _, err = run(["stylize", str(folder), *o, "-o", str(tmp_path / "styled")], capsys)
    assert code == 0 and (tmp_path / "styled" / "photo.png").is_file()
    assert err == f"warning: skipping {folder / 'pipe.png'}: a FIFO (named pipe)\n"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(["stylize", str(c), *o, "-o", str(blocker / "out.png")], capsys)
    assert code == 1
    assert err == f"error: {blocker}: cannot write there, {blocker} is a file, not a folder\n"
    frames = [Image.open(c).convert("RGB"), Image.open(c).convert("RGB").rotate(180)]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    code, _, err = run(["stylize", str(gif), *o, "-o", str(tmp_path / "g.png")], capsys)
    assert code == 0 and (tmp_path / "g.png").is_file()
    assert err == (
        "warning: anim.gif is animated: only its first frame is used; brushwork video paints "
        "every frame\n"
    )
    photos = tmp_path / "photos"
    photos.mkdir()
    Image.open(c).convert("RGB").resize((64, 48)).save(photos / "good.png")
    (photos / "bad.jpg").write_text("not a picture")
    style = tmp_path / "style.png"
    Image.open(c).convert("RGB").resize((64, 48)).save(style)
    args = ["train", "fast", "--data", str(photos), "-s", str(style), "-o", str(tmp_path / "m"),
            "--steps", "1", "--crop", "32", "--batch-size", "1", "-q"]  # fmt: skip
    code, _, err = run(args, capsys)
    assert code == 0 and err == f"warning: {photos}: skipped 1 unreadable or tiny image(s)\n"
    # --time-limit: the run stops at the first logging step (every 10th) past the limit and
    # writes its model there
    timed = tmp_path / "timed"
    args = ["train", "fast", "--data", str(photos), "-s", str(style), "-o", str(timed),
            "--steps", "500", "--crop", "32", "--batch-size", "1", "--widths", "4,8,8",
            "--time-limit", "0.000001", "-q"]  # fmt: skip
    code, _, err = run(args, capsys)
    assert code == 0, err
    assert json.loads((timed / "config.json").read_text())["training"]["steps"] == 10


def _sigterm_when(
    cmd: list[str], ready: object, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run ``brushwork cmd`` in a process, SIGTERM it once ``ready()`` holds; (code, stderr)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    p = subprocess.Popen(
        [sys.executable, "-m", "brushwork.cli", *cmd],
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    deadline = time.monotonic() + 240
    while not ready() and time.monotonic() < deadline:  # type: ignore[operator]
        assert p.poll() is None, p.stderr.read().decode()  # type: ignore[union-attr]
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    return p.returncode, err.decode()


def test_sigterm_cleans_up_like_ctrl_c(data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SIGTERM mid-video: no partial (hidden) file left, exit 143, one line. SIGTERM mid-training:
    a checkpoint is saved, as on Ctrl-C, and the run resumes from it."""
    out = tmp_path / "v" / "out.mp4"
    out.parent.mkdir()
    cmd = ["video", str(data / "video/fox.mp4"), "-s", "starry_night", "-o", str(out),
           "--size", "96", "--temporal", "off", "-q"]  # fmt: skip
    code, err = _sigterm_when(cmd, lambda: any(out.parent.iterdir()))
    assert code == 143, err
    assert err.strip().splitlines()[-1] == f"error: terminated; {out} was not written"
    assert list(out.parent.iterdir()) == []
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("tubingen", "golden_gate"):
        imageio.load(data / f"content/{name}.jpg").rgb.resize((64, 48)).save(photos / f"{name}.png")
    model = tmp_path / "m"
    cmd = ["train", "fast", "--data", str(photos), "-s", str(data / "style/starry_night.jpg"),
           "-o", str(model), "--steps", "400", "--crop", "32", "--batch-size", "1", "-q"]  # fmt: skip
    log = model / "log.jsonl"
    code, err = _sigterm_when(cmd, lambda: log.is_file() and log.read_text().count("\n") >= 2)
    assert code == 143, err
    assert "checkpoint saved" in err and err.strip().splitlines()[-1] == "error: terminated"
    ckpt = model / "checkpoint.safetensors"
    from safetensors import safe_open

    with safe_open(str(ckpt), "pt") as f:
        done = int(f.metadata()["step"])
    assert done >= 2
    more = [*cmd[:cmd.index("--steps")], "--steps", str(done + 3), "--crop", "32",
            "--batch-size", "1", "-q", "--resume"]  # fmt: skip
    code = main(more)
    assert code == 0
    logged = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    assert max(logged) == done + 3


def test_apply_runs_any_model_by_its_registered_method(pair, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`brushwork apply` finds the method from the model's config: a fast style gives what
    `stylize` gives; an upscaler upscales; an AdaIN decoder needs a style image (one line)."""
    c, _ = pair
    small = tmp_path / "small.png"
    Image.open(c).convert("RGB").resize((40, 30)).save(small)
    assert (
        run(["apply", "starry_night", str(small), "-o", str(tmp_path / "a.png"), "-q"], capsys)[0]
        == 0
    )
    assert (
        run(
            ["stylize", str(small), "-s", "starry_night", "-o", str(tmp_path / "s.png"), "-q"],
            capsys,
        )[0]
        == 0
    )
    a = np.asarray(Image.open(tmp_path / "a.png"), dtype=np.int16)
    s = np.asarray(Image.open(tmp_path / "s.png"), dtype=np.int16)
    assert a.shape == s.shape and np.abs(a - s).max() <= 1
    assert (
        run(["apply", "sr-x4", str(small), "-o", str(tmp_path / "big.png"), "-q"], capsys)[0] == 0
    )
    assert Image.open(tmp_path / "big.png").size == (160, 120)
    code, _, err = run(["apply", "adain", str(small), "-o", str(tmp_path / "x.png")], capsys)
    assert code == 1 and err.startswith("error: adain: an adain model paints with a style image")


def test_photorealistic_and_smoothing_from_the_cli(pair, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from brushwork.ops.matting import matting_laplacian

    c, s = pair
    out, plain = tmp_path / "real.png", tmp_path / "plain.png"
    a, b = (0, 0, 0), (255, 255, 255)
    for path, side in ((tmp_path / "cm.png", (64, 48)), (tmp_path / "sm.png", (64, 40))):
        m = Image.new("RGB", side, a)
        m.paste(Image.new("RGB", (side[0] // 2, side[1]), b))
        m.save(path)
    code, _, err = run(["stylize", str(c), "-s", str(s), "--photorealistic", "--size", "48",
                        "--first-steps", "8", "--steps", "6", "--photorealism-weight", "2e4",
                        "--content-mask", str(tmp_path / "cm.png"), "--style-mask",
                        str(tmp_path / "sm.png"), "-o", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    code, _, err = run(["stylize", str(c), "-s", str(s), "--size", "48", "--steps", "14",
                        "-o", str(plain), "-q"], capsys)  # fmt: skip
    assert code == 0, err

    def energy(p: Path) -> float:
        x = np.asarray(Image.open(p).convert("RGB"), dtype=np.float64).reshape(-1, 3) / 255
        photo = np.asarray(Image.open(c).convert("RGB").resize((48, 36)), dtype=np.float64) / 255
        return float((x * (matting_laplacian(photo) @ x)).sum())

    assert energy(out) < 0.7 * energy(plain)  # the photorealistic pass made it more photo-like
    # smoothing after a fast style, AdaIN and optimisation: closer to the photo's structure
    for extra in (["-s", "starry_night"], ["-s", str(s)], ["-s", str(s), "--steps", "4"]):
        smoothed = tmp_path / "smoothed.png"
        code, _, err = run(["stylize", str(c), *extra, "--size", "48", "--smooth", "exact",
                            "-o", str(smoothed), "--overwrite"], capsys)  # fmt: skip
        assert code == 0, (extra, err)
        assert Image.open(smoothed).size == (48, 36)
        code, _, err = run(["stylize", str(c), *extra, "--size", "48", "-o", str(plain),
                            "--overwrite"], capsys)  # fmt: skip
        assert energy(smoothed) < 0.5 * energy(plain), extra
    for extra, message in (
        (["--photorealistic", "-s", "starry_night"], "starry_night: is a trained model"),
        (["--photorealistic", "--method", "adain"], "its own method, not --method adain"),
        (["--photorealistic", "-s", str(c)], "takes one style photo"),
        (["--smooth", "blur"], "unknown smoothing mode 'blur'"),
        (["--style-mask", str(c)], "--style-mask is an option of optimize and photoreal"),
        (["--first-steps", "3"], "--first-steps is an option of --photorealistic"),
        (["--photorealistic", "--content-mask", str(tmp_path / "cm.png")], "both masks"),
        (["--photorealistic", "--refine", "3"], "--refine follows"),
    ):
        code, _, err = run(["stylize", str(c), "-s", str(s), *extra, "-o",
                            str(tmp_path / "x.png")], capsys)  # fmt: skip
        assert code == 1 and message in err and err.count("\n") == 1, (extra, err)
        assert not (tmp_path / "x.png").exists()
