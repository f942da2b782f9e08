"""CycleGAN training on real facades used unpaired: a run killed after two steps resumes bit for
bit (its image pools included), and the model runs both directions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork.errors import OptionError
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


@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_cyclegan_resumes_bit_exactly_with_its_pools(
    halves: tuple[Path, Path], tmp_path: Path, noise: float
) -> None:
    a, b = halves
    recipe = dataclasses.replace(CYC, cycle_noise=noise)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    cyclegan.train_cyclegan(a, b, whole, recipe=recipe, loop=loop(4), progress=False)
    cyclegan.train_cyclegan(a, b, parts, recipe=recipe, loop=loop(2), progress=False)
    cyclegan.train_cyclegan(a, b, parts, recipe=recipe, loop=loop(4), resume=True, progress=False)
    same_weights(whole, parts)  # the cycle noise comes from the checkpointed generator
    model = read_model(whole)
    assert {k.split(".")[0] for k in model.state} == {"g_ab", "g_ba", "d_a", "d_b"}
    assert model.config["directions"] == ["AtoB", "BtoA"]
    forward, back = bw.load(whole), bw.load(whole, direction="BtoA")
    assert forward.translates == ("photo", "labels") and back.translates == ("labels", "photo")
    x = Image.open(next(a.iterdir()))
    assert forward(x).tobytes() != back(x).tobytes()
    assert read_model(whole).config["recipe"].get("cycle_noise") == (noise or None)


def test_cycle_noise_is_gaussian_of_the_given_std_from_torchs_generator() -> None:
    x = torch.linspace(-1, 1, 2 * 3 * 64 * 64).reshape(2, 3, 64, 64)
    assert cyclegan.noisy(x, 0.0) is x
    torch.manual_seed(5)
    y = cyclegan.noisy(x, 0.25)
    torch.manual_seed(5)
    assert torch.equal(y, x + 0.25 * torch.randn_like(x))
    assert float((y - x).std()) == pytest.approx(0.25, rel=0.02)
    with pytest.raises(OptionError, match="cycle noise"):
        dataclasses.replace(CYC, cycle_noise=-0.1)
    assert "cycle_noise" not in CYC.to_dict()  # older recipes read and write as before


def test_cycle_noise_changes_what_the_generators_learn(
    halves: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b = halves
    for name, noise in (("plain", 0.0), ("noisy", 0.5)):
        recipe = dataclasses.replace(CYC, cycle_noise=noise)
        cyclegan.train_cyclegan(a, b, tmp_path / name, recipe=recipe, loop=loop(2), progress=False)
    plain, noisy = read_model(tmp_path / "plain").state, read_model(tmp_path / "noisy").state
    assert any(not torch.equal(plain[k], noisy[k]) for k in plain if k.startswith("g_ab."))


JET = ("0000aa", "0000ff", "0055ff", "00aaff", "00ffff", "55ffaa")


def test_label_colors_snap_what_the_way_back_sees(
    halves: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = halves
    seen: list[torch.Tensor] = []
    real = cyclegan.snap_colors

    def spy(x: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
        out = real(x, colors)
        seen.append(out.detach())
        return out

    monkeypatch.setattr(cyclegan, "snap_colors", spy)
    recipe = dataclasses.replace(CYC, label_colors=JET)
    cyclegan.train_cyclegan(a, b, tmp_path / "m", recipe=recipe, loop=loop(2), progress=False)
    assert len(seen) == 2  # once a step, on the translated label maps
    palette = torch.tensor([[int(c[i : i + 2], 16) for i in (0, 2, 4)] for c in JET]) / 127.5 - 1
    for out in seen:
        pixels = out.permute(0, 2, 3, 1).reshape(-1, 3)
        dist = (pixels[:, None, :] - palette[None]).abs().amax(-1).amin(-1)
        assert float(dist.max()) < 1e-2  # every pixel is one of the label colours
    config = read_model(tmp_path / "m").config["recipe"]
    assert tuple(config["label_colors"]) == JET
    assert cyclegan.CycleGANRecipe.from_dict(config).label_colors == JET


def test_label_colors_are_checked_and_left_out_when_unused() -> None:
    with pytest.raises(OptionError, match="label colour 'blue' is not of the form #rrggbb"):
        dataclasses.replace(CYC, label_colors=("0000aa", "blue"))
    with pytest.raises(OptionError, match="at least two colours"):
        dataclasses.replace(CYC, label_colors=("0000aa",))
    assert "label_colors" not in CYC.to_dict() and CYC.label_palette() is None
