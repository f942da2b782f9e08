"""Translation with a trained generator: any input size, tiling, directions, file round trips
through the CLI and ``bw.load``, odd image modes, and bad inputs in one line with nothing
overwritten."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork.cli import main
from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import WEIGHTS_FILE
from brushwork.nets.patchgan import PatchGANConfig
from brushwork.nets.resnet_generator import ResnetConfig
from brushwork.nets.unet import UNetConfig
from brushwork.pipelines.translate import Translator
from brushwork.training import cyclegan, pix2pix
from brushwork.training.loop import LoopConfig

LOOP = LoopConfig(steps=2, batch_size=2, checkpoint_every=0, preview_every=0, precision="fp32")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, data: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("translate")
    ab, a, b = root / "ab", root / "a", root / "b"
    for f in (ab, a, b):
        f.mkdir()
    for i in range(1, 4):
        img = Image.open(data / "translation" / "facades" / "train" / f"{i}.jpg").resize((64, 32))
        img.save(ab / f"{i}.png")
        img.crop((0, 0, 32, 32)).save(a / f"{i}.png")
        img.crop((32, 0, 64, 32)).save(b / f"{i}.png")
    p2p = dataclasses.replace(
        pix2pix.CPU,
        crop=32,
        load_size=34,
        direction="BtoA",
        domains=("photo", "labels"),
        generator=UNetConfig(depth=5, width=4, dropout=2),
        discriminator=PatchGANConfig(in_channels=6, width=4, n_layers=1),
    )
    cyc = dataclasses.replace(
        cyclegan.CPU,
        crop=32,
        load_size=34,
        domains=("photo", "labels"),
        generator=ResnetConfig(width=4, blocks=1),
        discriminator=PatchGANConfig(in_channels=3, width=4, n_layers=1, norm="instance"),
    )
    pix2pix.train_pix2pix(ab, root / "p2p", recipe=p2p, loop=LOOP, progress=False)
    cyclegan.train_cyclegan(a, b, root / "cyc", recipe=cyc, loop=LOOP, progress=False)
    return {"p2p": root / "p2p", "cyc": root / "cyc"}


@pytest.mark.parametrize("size", [(16, 20), (33, 16), (100, 75), (300, 17)])
def test_any_size_comes_back_at_its_size(models: dict[str, Path], size: tuple[int, int]) -> None:
    for name in ("p2p", "cyc"):
        out = bw.load(models[name])(Image.new("RGB", size, (90, 120, 200)))
        assert out.size == size


def test_tiles_agree_with_one_pass_away_from_the_seams(models: dict[str, Path], small) -> None:  # type: ignore[no-untyped-def]
    """The ResNet generator sees a bounded neighbourhood and shares its instance-norm
    statistics across tiles, so a tiled pass matches an untiled one closely."""
    t = bw.load(models["cyc"])
    x = torch.from_numpy(np.asarray(small("content/tubingen.jpg", 200), np.float32) / 255)
    x = x.permute(2, 0, 1)[None]
    whole, _ = t.stylize_tensor(x)
    tiled, n = t.stylize_tensor(x, tile=96, overlap=32)
    assert n > 1
    assert float((whole - tiled).abs().mean()) < 0.01


def test_directions(models: dict[str, Path]) -> None:
    p2p = bw.load(models["p2p"])
    assert isinstance(p2p, Translator) and p2p.translates == ("labels", "photo")
    with pytest.raises(OptionError, match="translates labels -> photo \\(BtoA\\) only"):
        bw.load(models["p2p"], direction="AtoB")
    assert bw.load(models["cyc"], direction="BtoA").translates == ("labels", "photo")
    with pytest.raises(OptionError, match="unknown direction"):
        bw.load(models["cyc"], direction="sideways")
    with pytest.raises(OptionError, match="takes no style options"):
        bw.load(models["p2p"], style="starry_night")
    with pytest.raises(OptionError, match="takes no style options \\(strength\\)"):
        bw.load(models["cyc"], strength=0.5)


def test_grey_cmyk_and_alpha_are_converted(models: dict[str, Path], tmp_path: Path) -> None:
    t = bw.load(models["p2p"])
    grey = Image.new("L", (40, 30), 128)
    cmyk = Image.new("CMYK", (40, 30), (0, 50, 100, 0))
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 100))
    assert t(grey).mode == "RGB" and t(cmyk).mode == "RGB"
    out = t(rgba)
    assert out.mode == "RGBA" and out.getpixel((3, 3))[3] == 100  # alpha kept


def test_cli_round_trip_folder_and_bad_inputs(
    models: dict[str, Path], tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    Image.open(data / "content" / "tubingen.jpg").resize((60, 45)).save(src / "a.png")
    Image.open(data / "content" / "tubingen.jpg").resize((50, 40)).save(src / "sub" / "b.jpg")
    out = tmp_path / "out"
    assert main(["translate", str(src), "-m", str(models["cyc"]), "-o", str(out), "-q"]) == 0
    assert Image.open(out / "a.png").size == (60, 45)
    assert Image.open(out / "sub" / "b.jpg").size == (50, 40)
    # the file round trip gives what the Python call gives
    direct = bw.load(models["cyc"])(Image.open(src / "a.png"))
    assert np.array_equal(np.asarray(Image.open(out / "a.png")), np.asarray(direct))
    one = tmp_path / "one.png"
    assert main(["translate", str(src / "a.png"), "-m", str(models["cyc"]),
                 "--direction", "BtoA", "-o", str(one)]) == 0  # fmt: skip
    before = one.read_bytes()
    capsys.readouterr()
    cases = [
        (["-m", "starry_night"], "not a translation model"),
        (
            ["-m", "facades_cyclegn"],
            "unknown translation model 'facades_cyclegn'; choose from "
            "facades_cyclegan, facades_labels2photo",
        ),
        (["-m", str(models["p2p"]), "--direction", "AtoB"], "BtoA) only"),
        (["-m", str(tmp_path / "nothing")], "no such model"),
        (["-m", str(models["cyc"]), "--size", "0"], "size"),
    ]
    for extra, message in cases:
        code = main(["translate", str(src / "a.png"), *extra, "-o", str(one), "--overwrite"])
        err = capsys.readouterr().err
        assert code == 1 and message in err and err.count("\n") == 1, err
        assert one.read_bytes() == before  # nothing overwritten
    assert main(["translate", str(src / "a.png"), "-m", str(models["cyc"]), "-o", str(one)]) == 1
    assert "exists" in capsys.readouterr().err


def test_a_corrupt_generator_file_is_one_clear_error(
    models: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(models["p2p"], broken)
    weights = broken / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(WeightsError):
        bw.load(broken)


def test_onnx_export_of_a_unet_matches_the_torch_pass(
    models: dict[str, Path], tmp_path: Path
) -> None:
    """The exported U-Net takes sides that are multiples of its 2^depth (32 here) and gives the
    torch pass's picture; brushwork's own onnxruntime backend pads any size to that."""
    import onnxruntime as ort

    path = tmp_path / "p2p.onnx"
    assert main(["export", str(models["p2p"]), "-o", str(path)]) == 0
    t = bw.load(models["p2p"])
    x = torch.rand(1, 3, 64, 96)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {"image": x.numpy()})
    with torch.no_grad():
        expected = t.net(x)
    assert float((torch.from_numpy(y) - expected).abs().max()) < 1e-4
    odd = torch.rand(1, 3, 45, 70)
    via_backend, _ = bw.load(models["p2p"], backend="onnxruntime").stylize_tensor(odd)
    via_torch, _ = t.stylize_tensor(odd)
    assert via_backend.shape == (1, 3, 45, 70)
    assert float((via_backend - via_torch).abs().max()) < 1e-4
    assert main(["export", "starry_night", "-o", str(tmp_path / "s.onnx"), "--direction",
                 "AtoB"]) == 1  # fmt: skip


def test_a_clip_through_a_translation_model(
    models: dict[str, Path], tmp_path: Path, data: Path
) -> None:
    from brushwork import video as videoio

    out = tmp_path / "clip.mp4"
    clip = data / "video" / "sintel_ambush_4.mp4"
    args = ["video", str(clip), "-m", str(models["cyc"]), "--direction", "BtoA"]
    assert main([*args, "-o", str(out), "--size", "128", "--end", "0.5", "-q"]) == 0
    info = videoio.probe(out)
    assert info.frames >= 5 and max(info.width, info.height) == 128
    assert main([*args, "-s", "starry_night", "-o", str(tmp_path / "x.mp4")]) == 1


def test_a_side_off_the_unets_multiple_is_mirror_padded_and_keeps_the_picture(
    data: Path,
) -> None:
    """The bundled pix2pix (U-Net multiple 128) on real test facades at 143 px, padded to 256:
    its labels stay close to those it gives at its own 128 px, much closer than with an edge pad
    (which smears the last row and column over 113 px the U-Net sees through its depth)."""
    import torch.nn.functional as F

    from brushwork import image as imageio

    p2l = bw.load("facades_photo2labels", backend="torch")
    assert p2l.net.multiple == 128
    for i in (1, 2, 3):
        ab = Image.open(data / "translation" / "facades" / "test" / f"{i}.jpg").convert("RGB")
        photo = ab.crop((0, 0, ab.width // 2, ab.height))
        own = np.asarray(p2l(photo.resize((128, 128), Image.Resampling.BICUBIC)), np.float32)
        small = photo.resize((143, 143), Image.Resampling.BICUBIC)

        edge = F.pad(imageio.to_tensor(small), (0, 113, 0, 113), mode="replicate")
        by_edge = imageio.to_pil(p2l.stylize_tensor(edge)[0][..., :143, :143])
        off = [
            float(np.abs(np.asarray(y.resize((128, 128)), np.float32) - own).mean())
            for y in (p2l(small), by_edge)
        ]
        assert off[0] < 0.8 * off[1], (i, off)  # measured 25-30 against 40-60
