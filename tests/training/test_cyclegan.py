"""CycleGAN training on real facades used unpaired: a run killed after two steps resumes bit for
bit (its image pools included), and the model runs both directions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PIL import Image

import brushwork as bw
from brushwork.modelfile import read_model
from brushwork.nets.patchgan import PatchGANConfig
from brushwork.nets.resnet_generator import ResnetConfig
from brushwork.training import cyclegan
from tests.training.test_pix2pix import loop, same_weights

CYC = dataclasses.replace(
    cyclegan.CPU,
    crop=32,
    load_size=36,
    pool_size=3,
    generator=ResnetConfig(width=4, blocks=1),
    discriminator=PatchGANConfig(in_channels=3, width=4, n_layers=1, norm="instance"),
    domains=("photo", "labels"),
)


def test_cyclegan_resumes_bit_exactly_with_its_pools(
    halves: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = halves
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    cyclegan.train_cyclegan(a, b, whole, recipe=CYC, loop=loop(4), progress=False)
    cyclegan.train_cyclegan(a, b, parts, recipe=CYC, loop=loop(2), progress=False)
    cyclegan.train_cyclegan(a, b, parts, recipe=CYC, loop=loop(4), resume=True, progress=False)
    same_weights(whole, parts)
    model = read_model(whole)
    assert {k.split(".")[0] for k in model.state} == {"g_ab", "g_ba", "d_a", "d_b"}
    assert model.config["directions"] == ["AtoB", "BtoA"]
    forward, back = bw.load(whole), bw.load(whole, direction="BtoA")
    assert forward.translates == ("photo", "labels") and back.translates == ("labels", "photo")
    x = Image.open(next(a.iterdir()))
    assert forward(x).tobytes() != back(x).tobytes()
