"""The trainer contract with two nets: the toy GAN of tests/training/toy_gan.py trains,
checkpoints every named component, is killed, resumes bit for bit, and is found by name by
``bw.load`` and the CLI through the method registry alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors import safe_open

import brushwork as bw
from brushwork import methods
from brushwork.cli import main
from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import component, read_model
from brushwork.nets.registry import load_net
from brushwork.training.loop import LoopConfig
from tests.training import toy_gan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def photos(tmp_path: Path, data: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("tubingen", "golden_gate", "neckarfront"):
        src = data / "content" / f"{name}.jpg"
        if src.is_file():
            Image.open(src).convert("RGB").resize((24, 18)).save(folder / f"{name}.png")
    return folder


def loop(steps: int) -> LoopConfig:
    return LoopConfig(
        steps=steps,
        batch_size=2,
        lr=2e-3,
        checkpoint_every=2,
        preview_every=0,
        log_every=1,
        precision="fp32",
        device="cpu",
    )


def test_two_nets_train_checkpoint_and_resume_bit_exactly(photos: Path, tmp_path: Path) -> None:
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    toy_gan.train_toy_gan(photos, whole, loop=loop(7))
    toy_gan.train_toy_gan(photos, parts, loop=loop(4))
    with safe_open(str(parts / "checkpoint.safetensors"), "pt") as f:
        meta = f.metadata()
        keys = set(f.keys())
    assert meta["format"] == "2" and meta["step"] == "4"
    assert {k.split(".")[1] for k in keys if k.startswith("nets.")} == {
        "generator",
        "discriminator",
    }
    assert {k.split(".")[1] for k in keys if k.startswith("optimizers.")} == {
        "generator",
        "discriminator",
    }
    assert json.loads(meta["schedulers"])["generator"]["last_epoch"] == 4
    assert "rng.torch" in keys
    (parts / "model.safetensors").unlink()  # as if killed after the step-4 checkpoint
    torch.manual_seed(1234)  # a different random state in the resuming process
    toy_gan.train_toy_gan(photos, parts, loop=loop(7), resume=True)
    a, b = read_model(whole).state, read_model(parts).state
    assert a.keys() == b.keys() and any(k.startswith("discriminator.") for k in a)
    assert all(torch.equal(a[k], b[k]) for k in a)
    log = [json.loads(line) for line in (whole / "log.jsonl").read_text().splitlines()]
    resumed = [json.loads(line) for line in (parts / "log.jsonl").read_text().splitlines()]
    assert resumed[-3:] == log[-3:]
    assert log[-1]["l1"] < log[0]["l1"]  # it learns


def test_a_model_folder_holds_both_nets_with_one_config(photos: Path, tmp_path: Path) -> None:
    out = tmp_path / "gan"
    toy_gan.train_toy_gan(photos, out, loop=loop(2))
    model = read_model(out)
    assert set(model.config["components"]) == {"generator", "discriminator"}
    assert model.config["architecture"] == "toy_generator"  # the main net runs the model
    assert model.config["recipe"]["generator"] == {"width": 8}
    g = load_net(model)
    d = load_net(component(model, "discriminator"), expect="toy_discriminator")
    assert isinstance(g, toy_gan.ToyGenerator) and isinstance(d, toy_gan.ToyDiscriminator)
    with pytest.raises(WeightsError, match="no net 'critic'"):
        component(model, "critic")


def test_found_by_name_by_bw_load_and_the_cli(photos: Path, tmp_path: Path) -> None:
    out = tmp_path / "gan"
    toy_gan.train_toy_gan(photos, out, loop=loop(3))
    assert methods.for_path(out).name == "toygan"
    picture = bw.load(str(out))(Image.open(next(photos.iterdir())))
    assert picture.size == (24, 18)
    # a fresh process finds the plugin method by the environment variable alone
    env = {**os.environ, "BRUSHWORK_METHODS": "tests.training.toy_gan", "PYTHONPATH": str(ROOT)}
    photo = next(photos.iterdir())
    target = tmp_path / "negative.png"
    done = subprocess.run(
        [sys.executable, "-m", "brushwork.cli", "apply", str(out), str(photo), "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(target).size == (24, 18)
    listed = subprocess.run(
        [sys.executable, "-m", "brushwork.cli", "methods"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert "toygan" in listed.stdout and "fast" in listed.stdout


def test_unknown_method_names_suggest_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(OptionError, match=r"unknown method 'adian'.*adain"):
        methods.get("adian")
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("fast", "adain", "optimize", "sr"))


def test_a_diverged_loss_stops_the_run_on_every_cpu_step_and_every_tenth_gpu_step() -> None:
    from brushwork.training.trainer import StepContext

    p = torch.nn.Parameter(torch.ones(1))
    opts = {"net": torch.optim.SGD([p], lr=0.1)}

    def nan() -> torch.Tensor:
        return p.sum() * float("nan")

    with pytest.raises(OptionError, match="diverged at step 1 "):
        StepContext(opts, "fp32", torch.device("cpu"), 0).update(nan(), "net")
    # on a GPU reading the loss would wait for the device mid-step: it is read on the steps
    # that complete a multiple of ten (where checkpoints fall), not on the others
    StepContext(opts, "fp32", torch.device("cuda"), 0).update(nan(), "net")
    with pytest.raises(OptionError, match="diverged at step 10 "):
        StepContext(opts, "fp32", torch.device("cuda"), 9).update(nan(), "net")


def test_an_update_whose_gradients_are_not_finite_is_skipped_and_counted() -> None:
    from brushwork.training.trainer import StepContext, finite_gradients

    p = torch.nn.Parameter(torch.ones(2))
    opts = {"net": torch.optim.SGD([p], lr=0.1)}
    ctx = StepContext(opts, "fp32", torch.device("cpu"), 4)
    # a finite loss whose gradient is 1e28 in one element: its square overflows float32
    with pytest.warns(UserWarning, match="step 5: update skipped"):
        ctx.update((p * torch.tensor([1.0, 1e28])).sum(), "net")
    assert ctx.skipped == 1
    assert p.tolist() == [1.0, 1.0]  # untouched
    ctx = StepContext(opts, "fp32", torch.device("cpu"), 5)
    ctx.update((p * torch.tensor([1.0, 2.0])).sum(), "net")  # SGD: p - 0.1 * grad
    assert ctx.skipped == 0
    assert p.tolist() == pytest.approx([0.9, 0.8])
    assert finite_gradients(opts["net"])
    # on a GPU the gradients are read with the loss, on the steps that complete a tenth
    gpu = [StepContext(opts, "fp32", torch.device("cuda"), s) for s in (0, 9)]
    assert [c.checks for c in gpu] == [False, True]
    with pytest.warns(UserWarning, match="step 10: update skipped"):
        gpu[1].update((p * torch.tensor([1.0, 1e28])).sum(), "net")
    assert gpu[1].skipped == 1


def test_a_flat_photo_gives_the_bundled_lite_net_gradients_that_are_not_finite() -> None:
    """Why updates are skipped: every instance norm of a constant map multiplies the gradient by
    about 1/sqrt(eps), so a flat training crop (a studio backdrop, a letterbox, a clear sky
    scaled up) sends the bundled lite net's gradient to about 1e28, whose square overflows
    float32: Adam would turn weights to NaN or freeze them."""
    from brushwork import zoo
    from brushwork.training.trainer import StepContext

    net = load_net(read_model(zoo.resolve("starry_night_lite"))).train().requires_grad_(True)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    flat = torch.full((1, 3, 64, 64), 0.6)
    out = net(flat)
    loss = ((out - 0.5) ** 2).mean()
    assert torch.isfinite(loss)
    with pytest.warns(UserWarning, match="update skipped"):
        StepContext({"net": opt}, "fp32", torch.device("cpu"), 0).update(loss, "net")
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    # a real photo's step goes through
    photo = torch.rand(1, 3, 64, 64)
    StepContext({"net": opt}, "fp32", torch.device("cpu"), 1).update(
        ((net(photo) - photo) ** 2).mean(), "net"
    )
    assert all(torch.isfinite(v).all() for v in net.state_dict().values())
    assert not torch.equal(before["to_rgb.1.weight"], net.state_dict()["to_rgb.1.weight"])


def test_a_run_of_flat_photos_stops_with_one_line_after_ten_skipped_steps(tmp_path: Path) -> None:
    from brushwork import zoo
    from brushwork.training.lite import LiteRecipe, train_lite
    from brushwork.training.trainer import MAX_SKIPPED

    folder = tmp_path / "flat"
    folder.mkdir()
    for i, grey in enumerate((90, 150, 200)):
        Image.new("RGB", (48, 48), (grey, grey, grey)).save(folder / f"{i}.png")
    stops = pytest.raises(OptionError, match=f"{MAX_SKIPPED} steps in a row had gradients")
    with pytest.warns(UserWarning, match="update skipped"), stops:
        train_lite(folder, "starry_night", tmp_path / "out", init=zoo.resolve("starry_night_lite"),
                   recipe=LiteRecipe(crop=48), loop=loop(20), progress=False)  # fmt: skip
