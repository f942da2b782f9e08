"""The training loop under torchrun (DistributedDataParallel, gloo on CPU): slow, run by hand
with `make test-slow`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from brushwork.modelfile import read_model


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fast", "multi", "adain"])
def test_torchrun_two_processes(kind: str, tmp_path: Path, data: Path) -> None:
    out = tmp_path / "ddp"
    cli = Path(sys.executable).parent / "brushwork"
    names = ["great_wave"] if kind == "fast" else ["great_wave", "udnie"]
    styles = [x for n in names for x in ("-s", str(data / "style" / f"{n}.jpg"))]
    net = ["--widths", "4,8,8", "--style-size", "64", "--data"]
    if kind == "adain":  # a tiny decoder, one held-out painting
        net = ["--width", "0.125", "--hold-out", "udnie", "--content"]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
           str(cli), "train", kind, *net, str(data / "content"), *styles,
           "-o", str(out), "--crop", "32", "--batch-size", "1",
           "--steps", "3", "--device", "cpu", "-q"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    model = read_model(out)
    assert model.config["training"]["loop"]["world_size"] == 2
    assert all(torch.isfinite(v).all() for v in model.state.values())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pix2pix", "cyclegan"])
def test_torchrun_translation(kind: str, tmp_path: Path, data: Path) -> None:
    """Both GANs under two processes (CycleGAN's image pools are not wrapped: no parameters)."""
    from PIL import Image

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for i in range(1, 5):
        img = Image.open(data / "translation" / "facades" / "train" / f"{i}.jpg").resize((64, 32))
        img.crop((0, 0, 32, 32)).save(a / f"{i}.png")
        img.crop((32, 0, 64, 32)).save(b / f"{i}.png")
    out = tmp_path / "ddp"
    cli = Path(sys.executable).parent / "brushwork"
    where = (
        ["--data", str(a), "--b", str(b)] if kind == "pix2pix" else ["--a", str(a), "--b", str(b)]
    )
    net = ["--depth", "5"] if kind == "pix2pix" else ["--blocks", "1"]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29534",
           str(cli), "train", kind, *where, *net, "--width", "4", "-o", str(out), "--crop", "32",
           "--load-size", "34", "--batch-size", "1", "--steps", "3", "--device", "cpu", "-q"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    model = read_model(out)
    assert model.config["training"]["loop"]["world_size"] == 2
    assert all(torch.isfinite(v).all() for v in model.state.values())
