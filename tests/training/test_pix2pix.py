"""pix2pix training on real facades: the L1 falls, a run killed after two steps resumes bit for
bit, the model folder holds both nets with one config, the CLI trains pix2pix and CycleGAN,
and bad options fail in one line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork.cli import main
from brushwork.modelfile import read_model
from brushwork.nets.patchgan import PatchGANConfig
from brushwork.nets.unet import UNetConfig
from brushwork.training import pix2pix
from brushwork.training.loop import LoopConfig

P2P = dataclasses.replace(
    pix2pix.CPU,
    crop=32,
    load_size=36,
    direction="BtoA",
    generator=UNetConfig(depth=5, width=4, dropout=2),
    discriminator=PatchGANConfig(in_channels=6, width=4, n_layers=1, norm="instance"),
    domains=("photo", "labels"),
)


def loop(steps: int) -> LoopConfig:
    return LoopConfig(
        steps=steps,
        batch_size=2,
        lr=2e-4,
        checkpoint_every=2,
        preview_every=0,
        log_every=1,
        precision="fp32",
        device="cpu",
    )


def same_weights(a: Path, b: Path) -> None:
    sa, sb = read_model(a).state, read_model(b).state
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


def test_pix2pix_resumes_bit_exactly_and_writes_both_nets(facades: Path, tmp_path: Path) -> None:
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    pix2pix.train_pix2pix(facades, whole, recipe=P2P, loop=loop(4), progress=False)
    pix2pix.train_pix2pix(facades, parts, recipe=P2P, loop=loop(2), progress=False)
    pix2pix.train_pix2pix(facades, parts, recipe=P2P, loop=loop(4), resume=True, progress=False)
    same_weights(whole, parts)
    model = read_model(whole)
    assert {k.split(".")[0] for k in model.state} == {"generator", "discriminator"}
    cfg = model.config
    assert cfg["method"] == "pix2pix" and cfg["direction"] == "BtoA"
    assert cfg["translates"] == {"from": "labels", "to": "photo"}
    assert cfg["recipe"]["l1_weight"] == 100.0 and cfg["training"]["steps"] == 4
    assert (whole / "preview.jpg").is_file()
    t = bw.load(whole)
    assert t.translates == ("labels", "photo")
    assert t(Image.new("RGB", (45, 30))).size == (45, 30)


def test_pix2pix_learns_on_real_facades(facades: Path, tmp_path: Path) -> None:
    """Sixty steps of L1 + GAN bring the generator's L1 to the photo well below where it
    started."""
    r = dataclasses.replace(P2P, l1_weight=100.0)
    out = tmp_path / "m"
    lp = dataclasses.replace(loop(60), lr=2e-3)
    result = pix2pix.train_pix2pix(facades, out, recipe=r, loop=lp, progress=False)
    first = (out / "log.jsonl").read_text().splitlines()[:3]
    start = sum(json.loads(x)["g_l1"] for x in first) / 3
    assert result.losses["g_l1"] < 0.8 * start


def test_the_lr_holds_then_decays_linearly_to_zero(facades: Path, tmp_path: Path) -> None:
    from brushwork.training.schedule import lr_factor

    assert [lr_factor(s, 8, 0.5) for s in range(8)] == [1, 1, 1, 1, 1, 0.75, 0.5, 0.25]
    trainer = pix2pix.Pix2PixTrainer(
        P2P, pix2pix.PairedImages(facades, crop=32, load_size=36), total_steps=8,
        folder=tmp_path, describe={},
    )  # fmt: skip
    opts = trainer.optimizers(1e-3)
    trainer.begin_step(6)
    assert all(g["lr"] == pytest.approx(5e-4) for o in opts.values() for g in o.param_groups)
    assert all(o.defaults["betas"] == (0.5, 0.999) for o in opts.values())


def test_cli_trains_pix2pix_and_cyclegan_and_refuses_bad_options(
    facades: Path, halves: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli_p2p"
    small = ["--steps", "2", "--crop", "32", "--load-size", "36", "--width", "4", "-q"]
    small += ["--precision", "fp32", "--checkpoint-every", "1", "--preview-every", "0"]
    args = ["train", "pix2pix", "--data", str(facades), "-o", str(out), "--depth", "5"]
    assert main([*args, *small, "--direction", "BtoA", "--domains", "photo,labels"]) == 0
    assert read_model(out).config["direction"] == "BtoA"
    capsys.readouterr()
    assert main([*args, *small]) == 1  # the folder holds a model: nothing overwritten
    assert "--resume" in capsys.readouterr().err
    other = ["train", "pix2pix", "--data", str(facades), "-o", str(tmp_path / "x")]
    assert main([*other, "--depth", "5", *small, "--direction", "up"]) == 1
    assert "unknown direction 'up'" in capsys.readouterr().err
    a, b = halves
    cyc = ["train", "cyclegan", "--a", str(a), "--b", str(b), "-o", str(tmp_path / "cyc")]
    assert main([*cyc, *small, "--blocks", "1"]) == 0
    inverted = tmp_path / "inv"
    flip = [*cyc[:-1], str(inverted), *small, "--blocks", "1", "--invert-b"]
    assert main(flip) == 1  # the identity term would compare A's colours with inverted B's
    assert "invert_b needs identity_weight 0" in capsys.readouterr().err
    assert main([*flip, "--identity-weight", "0"]) == 0
    assert read_model(inverted).config["recipe"]["invert_b"] is True
    assert main([*cyc[:-1], str(tmp_path / "c2"), *small, "--domains", "one"]) == 1
    assert "two names" in capsys.readouterr().err
