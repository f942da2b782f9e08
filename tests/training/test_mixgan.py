"""MIXGAN training on real digits: both phases run, the autoencoder's reconstruction falls, a
run killed mid-way resumes bit for bit, held-out digits stay out, and the model folder holds
both components."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from brushwork.cli import main
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.mixgan import MixGANConfig
from brushwork.training.loop import LoopConfig
from brushwork.training.mixgan import DigitDomains, MixGANRecipe, train_mixgan

NET = MixGANConfig(width=4, hidden=16, latent=8, blocks=1, style_code=2)


@pytest.fixture(scope="module")
def digits(data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("digits")
    out = []
    for domain in ("mnist", "mnist_m"):
        folder = root / domain
        folder.mkdir()
        for p in sorted((data / "mixgan" / domain).iterdir())[:40]:
            shutil.copy(p, folder / p.name)
        out.append(folder)
    return out[0], out[1]


def loop(steps: int = 1) -> LoopConfig:
    return LoopConfig(steps=steps, batch_size=8, lr=1e-3, checkpoint_every=2, preview_every=0,
                      log_every=1, precision="fp32", device="cpu")  # fmt: skip


def test_both_phases_run_in_order_and_write_both_components(
    digits: tuple[Path, Path], tmp_path: Path
) -> None:
    content, style = digits
    recipe = MixGANRecipe(ae_steps=3, mix_steps=3, net=NET)
    out = tmp_path / "whole"
    result = train_mixgan(content, style, out, recipe=recipe, loop=loop(), progress=False)
    assert result.steps == 6  # the loop's steps are the two phases'
    log = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    assert [("recon" in e, "g_gan" in e) for e in log] == [(True, False)] * 3 + [(False, True)] * 3
    model = read_model(out)
    assert {k.split(".")[0] for k in model.state} == {"generator", "critics"}
    assert model.config["method"] == "mixgan" and model.config["recipe"]["ae_steps"] == 3
    assert (out / "preview.jpg").is_file()


def test_kill_after_two_steps_and_resume(digits: tuple[Path, Path], tmp_path: Path) -> None:
    content, style = digits
    recipe = MixGANRecipe(ae_steps=2, mix_steps=2, net=NET)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train_mixgan(content, style, whole, recipe=recipe, loop=loop(), progress=False)
    train_mixgan_steps(content, style, parts, recipe, 2)  # killed after the autoencoder phase
    train_mixgan(content, style, parts, recipe=recipe, loop=loop(), resume=True, progress=False)
    a, b = read_model(whole).state, read_model(parts).state
    assert all(torch.equal(a[k], b[k]) for k in a)


def train_mixgan_steps(content: Path, style: Path, out: Path, recipe: MixGANRecipe, n: int) -> None:
    """The first ``n`` steps of a run of ``recipe``, as a kill would leave them."""
    from brushwork.training import mixgan
    from brushwork.training.loop import fit
    from brushwork.training.trainer import seeded

    data = DigitDomains(content, style, recipe.net)
    lp = LoopConfig(**{**loop().to_dict(), "steps": recipe.steps})
    record = {"recipe": recipe.to_dict(), "data": [str(content), str(style)], "excluded": 0}
    with seeded(lp.seed):
        trainer = mixgan.MixGANTrainer(recipe, data, folder=out, describe={})
    short = LoopConfig(**{**lp.to_dict(), "steps": n})
    fit(trainer, data, out, loop=short, record=record, preview_photos=[], progress=False)


def test_the_autoencoder_learns_real_digits(digits: tuple[Path, Path], tmp_path: Path) -> None:
    content, style = digits
    recipe = MixGANRecipe(ae_steps=60, mix_steps=0, net=NET)
    out = tmp_path / "ae"
    train_mixgan(content, style, out, recipe=recipe, loop=loop(), progress=False)
    log = [json.loads(x)["recon"] for x in (out / "log.jsonl").read_text().splitlines()]
    assert sum(log[-5:]) / 5 < 0.7 * sum(log[:5]) / 5


def test_held_out_digits_stay_out_and_bad_data(digits: tuple[Path, Path], tmp_path: Path) -> None:
    content, style = digits
    names = sorted(p.name for p in content.iterdir())
    data = DigitDomains(content, style, NET, exclude=set(names[:10]))
    assert len(data) == 30 and all(p.name not in names[:10] for p in data.files)
    assert data.batch(0, 3, 4).shape == (4, 4, 32, 32)
    assert torch.equal(data.batch(0, 3, 4), data.batch(0, 3, 4))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OptionError, match="at least two images"):
        DigitDomains(empty, style, NET)


def test_cli_trains_and_mixes(
    digits: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, style = digits
    out = tmp_path / "cli"
    held = tmp_path / "held.txt"
    held.write_text("# held out\nmnist/" + sorted(p.name for p in content.iterdir())[0] + "\n")
    args = ["train", "mixgan", "--content", str(content), "--style", str(style), "-o", str(out),
            "--ae-steps", "2", "--mix-steps", "2", "--width", "4", "--latent", "8",
            "--batch-size", "4", "--precision", "fp32", "--exclude", str(held), "-q"]  # fmt: skip
    assert main(args) == 0
    assert read_model(out).config["training"]["excluded"] == 1
    sheet = tmp_path / "sheet.png"
    assert main(["mix", "-m", str(out), "--samples", "5", "--seed", "3", "-o", str(sheet)]) == 0
    from PIL import Image

    assert Image.open(sheet).size == (5 * 64, 64)
    again = tmp_path / "again.png"
    assert main(["mix", "-m", str(out), "--samples", "5", "--seed", "3", "-o", str(again)]) == 0
    assert sheet.read_bytes() == again.read_bytes()  # same seed, same samples
    folder = tmp_path / "each"
    assert main(["mix", str(content), "-m", str(out), "-o", str(folder), "-q"]) == 0
    assert len(list(folder.iterdir())) == 40
    capsys.readouterr()
    assert main(["mix", "-m", "starry_night", "-o", str(tmp_path / "x.png")]) == 1
    assert "not a MIXGAN model" in capsys.readouterr().err
    assert main(["mix", "-m", str(out), "--samples", "0", "-o", str(tmp_path / "y.png")]) == 1
    assert "between 1 and" in capsys.readouterr().err


def test_shape_term_against_hand_computed_values() -> None:
    from brushwork.training.mixgan import shape_loss

    shape = torch.zeros(1, 1, 2, 2)
    shape[0, 0, 0, 0] = 1.0  # one stroke pixel
    dark_on_light = (1 - 0.5 * shape).expand(1, 3, 2, 2)  # stroke 0.5 darker than its ground
    # corr = -1 (either polarity counts), slope = -0.5: no contrast penalty below 0.5
    assert float(shape_loss(dark_on_light, shape, 0.5)) == pytest.approx(0.0, abs=1e-5)
    # asking for 0.8 of contrast costs 0.8 - 0.5
    assert float(shape_loss(dark_on_light, shape, 0.8)) == pytest.approx(0.3, abs=1e-5)
    # a flat mixture: no correlation (1) and no contrast (the whole hinge)
    flat = torch.full((1, 3, 2, 2), 0.4)
    assert float(shape_loss(flat, shape, 0.3)) == pytest.approx(1.3, abs=1e-4)
