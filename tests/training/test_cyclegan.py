"""CycleGAN training on real facades used unpaired: a run killed after two steps resumes bit for
bit (its image pools included), and the model runs both directions."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

import brushwork as bw
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.patchgan import PatchDiscriminator, PatchGANConfig
from brushwork.nets.resnet_generator import ResnetConfig, ResnetGenerator
from brushwork.training import cyclegan
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.weights import read_safetensors
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


def calls_of(monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple[tuple[Any, ...], Any]]:
    """Every call of ``cyclegan.<name>`` from now on, as (arguments, result)."""
    calls: list[tuple[tuple[Any, ...], Any]] = []
    real = getattr(cyclegan, name)

    def spy(*args: Any) -> Any:
        out = real(*args)
        calls.append((args, out))
        return out

    monkeypatch.setattr(cyclegan, name, spy)
    return calls


def test_label_colors_snap_what_the_way_back_sees(
    halves: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = halves
    snaps = calls_of(monkeypatch, "snap_colors")
    recipe = dataclasses.replace(CYC, label_colors=JET)
    cyclegan.train_cyclegan(a, b, tmp_path / "m", recipe=recipe, loop=loop(2), progress=False)
    seen = [out.detach() for _, out in snaps]
    assert len(seen) == 2  # once a step, on the translated label maps
    # in the images' own [0, 1] units (in [-1, 1] units, as before 2026-12-06, a wall pixel
    # snapped to the window colour)
    palette = torch.tensor([[int(c[i : i + 2], 16) for i in (0, 2, 4)] for c in JET]) / 255
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


def test_a_wall_pixel_snaps_to_the_wall_colour_not_the_window() -> None:
    facade, window = "0030ff", "0080ff"  # pix2pix's facade and window blues
    recipe = dataclasses.replace(CYC, label_colors=(facade, window), identity_weight=0.0)
    wall = torch.tensor([0.0, 48 / 255, 1.0]).view(1, 3, 1, 1) + 0.01
    snapped = cyclegan.snap_colors(wall, recipe.label_palette())
    assert torch.allclose(snapped.flatten(), torch.tensor([0.0, 48 / 255, 1.0]))
    inverted = dataclasses.replace(recipe, invert_b=True).label_palette()
    assert torch.allclose(inverted[0], torch.tensor([1.0, 207 / 255, 0.0]))  # ffcf00


def folded_pair() -> tuple[dict[str, torch.nn.Module], dict[str, torch.nn.Module]]:
    torch.manual_seed(0)
    nets = {
        "g_ab": ResnetGenerator(ResnetConfig(width=4, blocks=1)),
        "g_ba": ResnetGenerator(ResnetConfig(width=4, blocks=1)),
        "d_b": PatchDiscriminator(PatchGANConfig(in_channels=3, width=4, n_layers=2)),
    }
    for net in nets.values():  # biases away from zero, so a forgotten bias shows
        for p in net.parameters():
            p.data.add_(0.05 * torch.randn_like(p))
    folded = {k: copy.deepcopy(v) for k, v in nets.items()}
    cyclegan.invert_b_side(folded)
    return nets, folded


def test_invert_b_side_folds_an_inversion_of_b_into_the_nets() -> None:
    nets, folded = folded_pair()
    x = torch.rand(2, 3, 21, 30)
    with torch.no_grad():
        # G_AB now draws B's true colours: 1 - what it drew in the inverted ones
        assert torch.allclose(folded["g_ab"](x), 1 - nets["g_ab"](x), atol=1e-6)
        # G_BA now reads B's true colours: what it made of the inverted ones
        assert torch.allclose(folded["g_ba"](x), nets["g_ba"](1 - x), atol=1e-6)
        # D_B's first conv likewise, except in its one-pixel zero-padded border (the
        # discriminator is only warm-started from a model: close is enough there)
        first, plain = cyclegan._convs(folded["d_b"])[0], cyclegan._convs(nets["d_b"])[0]
        inner = (..., slice(1, -1), slice(1, -1))
        d, want = first(x), plain(1 - x)
        assert torch.allclose(d[inner], want[inner], atol=1e-5)
        assert not torch.allclose(d, want, atol=1e-3)  # the border is not folded exactly
    cyclegan.invert_b_side(folded)  # its own inverse
    for k, net in nets.items():
        for (name, a), b in zip(net.state_dict().items(), folded[k].state_dict().values(),
                                strict=True):  # fmt: skip
            assert torch.allclose(a, b, atol=1e-6), f"{k}.{name}"


def test_invert_b_trains_on_inverted_labels_and_writes_the_true_colours(
    halves: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = halves
    snaps, cycles = calls_of(monkeypatch, "snap_colors"), calls_of(monkeypatch, "cycle_loss")
    recipe = dataclasses.replace(CYC, label_colors=JET, invert_b=True, identity_weight=0.0)
    out = tmp_path / "m"
    cyclegan.train_cyclegan(a, b, out, recipe=recipe, loop=loop(2), progress=False)
    palette = snaps[0][0][1]
    assert torch.allclose(palette[0], torch.tensor([1.0, 1.0, 1 - 0xAA / 255]))  # ~0000aa
    # the nets learn the label maps (blue, mostly) inverted (yellow): little blue in them
    photos_blue, labels_blue = (float(args[0][:, 2].mean()) for args, _ in cycles[:2])
    assert labels_blue < 0.3 < photos_blue
    assert read_model(out).config["recipe"]["invert_b"] is True
    # the written nets are the checkpoint's (those that learnt inverted labels) folded
    ckpt, _ = read_safetensors(out / CHECKPOINT_FILE)
    written = bw.load(out).net  # type: ignore[attr-defined]
    g_ab = ResnetGenerator(recipe.generator)
    g_ab.load_state_dict({k[len("nets.g_ab."):]: v for k, v in ckpt.items()
                          if k.startswith("nets.g_ab.")})  # fmt: skip
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(written(x), 1 - g_ab(x), atol=1e-5)
    # continuing from the written model unfolds it: training goes on from the checkpoint's nets
    started: dict[str, torch.Tensor] = {}

    def first_nets(trainer: cyclegan.CycleGANTrainer, *args: object, **kw: object) -> None:
        for name, net in trainer.nets().items():
            started.update({f"nets.{name}.{k}": v for k, v in net.state_dict().items()})

    monkeypatch.setattr(cyclegan, "fit", first_nets)
    cyclegan.train_cyclegan(a, b, tmp_path / "again", recipe=recipe, init=out, progress=False)
    for k, v in ckpt.items():
        if k.startswith(("nets.g_", "nets.d_")):
            assert torch.allclose(started[k], v, atol=1e-6), k


def test_invert_b_is_refused_with_the_identity_terms_or_a_residual_generator() -> None:
    with pytest.raises(OptionError, match="invert_b needs identity_weight 0"):
        dataclasses.replace(CYC, invert_b=True, identity_weight=0.5)
    residual = dataclasses.replace(CYC.generator, residual=True)
    with pytest.raises(OptionError, match="without residual"):
        dataclasses.replace(CYC, invert_b=True, identity_weight=0.0, generator=residual)
    assert "invert_b" not in CYC.to_dict()  # older recipes read and write as before
