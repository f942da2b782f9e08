"""Training a fast style with the real VGG19 on real photos, at toy sizes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from brushwork.errors import OptionError, OutputExistsError, WeightsError
from brushwork.modelfile import read_model
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerConfig
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.fast import FastRecipe, FastStyleRecipe, train_fast
from brushwork.training.loop import LoopConfig

TINY = TransformerConfig(widths=(8, 16, 16), residual_blocks=1)
RECIPE = FastRecipe(crop=48, style_size=96, net=TINY, style_weight=5.0)


def loop(steps: int, **kw: object) -> LoopConfig:
    opts = dict(
        steps=steps,
        batch_size=2,
        lr=1e-2,
        checkpoint_every=2,
        preview_every=0,
        log_every=1,
        precision="fp32",
        device="cpu",
    )
    opts.update(kw)
    return LoopConfig(**opts)  # type: ignore[arg-type]


def losses(folder: Path) -> list[float]:
    return [json.loads(line)["total"] for line in (folder / "log.jsonl").read_text().splitlines()]


def test_training_lowers_the_loss_and_writes_a_model(tmp_path: Path, data: Path) -> None:
    out = tmp_path / "model"
    result = train_fast(
        data / "content",
        data / "style" / "starry_night.jpg",
        out,
        recipe=RECIPE,
        loop=loop(24, preview_every=12),
        progress=False,
    )
    seen = losses(out)
    assert len(seen) == 24 and result.steps == 24
    assert sum(seen[-4:]) / 4 < 0.7 * sum(seen[:4]) / 4
    model = read_model(out)
    assert model.config["architecture"] == "transformer"
    assert model.config["style"]["name"] == "starry_night"
    assert model.config["recipe"]["style_weight"] == 5.0
    assert model.config["training"]["steps"] == 24
    assert (out / "preview.jpg").is_file() and (out / "previews" / "step_000012.jpg").is_file()
    net = load_net(model)
    assert net(torch.rand(1, 3, 33, 47)).shape == (1, 3, 33, 47)


def test_kill_and_resume_gives_the_same_weights(tmp_path: Path, data: Path) -> None:
    style = data / "style" / "the_scream.jpg"
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train_fast(data / "content", style, whole, recipe=RECIPE, loop=loop(6), progress=False)
    train_fast(data / "content", style, parts, recipe=RECIPE, loop=loop(4), progress=False)
    (parts / "model.safetensors").unlink()  # as if killed after the step-4 checkpoint
    train_fast(
        data / "content", style, parts, recipe=RECIPE, loop=loop(6), resume=True, progress=False
    )
    a, b = read_model(whole).state, read_model(parts).state
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert losses(parts)[-2:] == losses(whole)[-2:]


def test_ctrl_c_saves_a_checkpoint(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = FastStyleRecipe.losses

    def interrupt_at_third(self, net, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, net, batch)

    monkeypatch.setattr(FastStyleRecipe, "losses", interrupt_at_third)
    out = tmp_path / "m"
    with pytest.raises(KeyboardInterrupt):
        train_fast(
            data / "content",
            data / "style" / "great_wave.jpg",
            out,
            recipe=RECIPE,
            loop=loop(10, checkpoint_every=0),
            progress=False,
        )
    from brushwork.weights import read_safetensors

    _, meta = read_safetensors(out / CHECKPOINT_FILE)
    assert meta["step"] == "2"
    assert not (out / "model.safetensors").exists()


def test_refuses_to_clobber_and_to_resume_another_config(tmp_path: Path, data: Path) -> None:
    style = data / "style" / "great_wave.jpg"
    out = tmp_path / "m"
    train_fast(data / "content", style, out, recipe=RECIPE, loop=loop(2), progress=False)
    with pytest.raises(OutputExistsError, match="--resume"):
        train_fast(data / "content", style, out, recipe=RECIPE, loop=loop(2), progress=False)
    other = FastRecipe(crop=48, style_size=96, net=TINY, style_weight=9.0)
    with pytest.raises(OptionError, match=r"different config.*recipe"):
        train_fast(
            data / "content", style, out, recipe=other, loop=loop(4), resume=True, progress=False
        )
    with pytest.raises(OptionError, match="no checkpoint"):
        train_fast(
            data / "content",
            style,
            tmp_path / "new",
            recipe=RECIPE,
            loop=loop(2),
            resume=True,
            progress=False,
        )


def test_warm_start_needs_the_same_net(tmp_path: Path, data: Path) -> None:
    style = data / "style" / "great_wave.jpg"
    train_fast(data / "content", style, tmp_path / "a", recipe=RECIPE, loop=loop(1), progress=False)
    wider = FastRecipe(
        crop=48, style_size=96, net=TransformerConfig(widths=(8, 16, 32), residual_blocks=1)
    )
    with pytest.raises(OptionError, match="cannot warm-start"):
        train_fast(
            data / "content",
            style,
            tmp_path / "b",
            recipe=wider,
            loop=loop(1),
            init=tmp_path / "a",
            progress=False,
        )


def test_corrupt_checkpoint_is_a_clear_error(tmp_path: Path, data: Path) -> None:
    style = data / "style" / "great_wave.jpg"
    out = tmp_path / "m"
    train_fast(data / "content", style, out, recipe=RECIPE, loop=loop(2), progress=False)
    ck = out / CHECKPOINT_FILE
    ck.write_bytes(ck.read_bytes()[:100])
    with pytest.raises(WeightsError, match="corrupt"):
        train_fast(
            data / "content", style, out, recipe=RECIPE, loop=loop(4), resume=True, progress=False
        )
    shutil.rmtree(out)


def test_stability_loss_is_zero_for_a_net_that_moves_with_its_input(small) -> None:  # type: ignore[no-untyped-def]
    from brushwork import image as imageio
    from brushwork.training.fast import stability_loss

    photo = imageio.to_tensor(small("content/tubingen.jpg", 64)).repeat(2, 1, 1, 1)
    recipe = FastRecipe(temporal_weight=1.0, temporal_noise=0.0)

    def identity(x: torch.Tensor) -> torch.Tensor:
        return x

    def fixed_pattern(x: torch.Tensor) -> torch.Tensor:  # strokes glued to the frame, not the scene
        pattern = torch.linspace(0, 1, x.shape[-1]).expand_as(x)
        return 0.5 * x + 0.5 * (pattern * 40).sin()

    torch.manual_seed(0)
    still = stability_loss(identity, photo, identity(photo), recipe).item()
    torch.manual_seed(0)
    glued = stability_loss(fixed_pattern, photo, fixed_pattern(photo), recipe).item()
    assert still < 1e-3 and glued > 20 * still
    with pytest.raises(OptionError, match="temporal_weight"):
        FastRecipe(temporal_weight=-1.0)


def test_jitter_scores_the_output_and_photo_at_one_random_offset(small) -> None:  # type: ignore[no-untyped-def]
    from brushwork import image as imageio
    from brushwork.nets.transformer import TransformerNet

    photo = imageio.to_tensor(small("content/tubingen.jpg", 64))[..., :48, :48]
    style = small("style/starry_night.jpg", 64)
    recipe = FastRecipe(crop=48, style_size=64, net=TINY, jitter=5)
    trainer = FastStyleRecipe(recipe, style, folder=Path("unused"), total_steps=1)
    trainer.to(torch.device("cpu"))
    torch.manual_seed(0)
    net = TransformerNet(TINY)
    torch.manual_seed(3)
    parts = trainer.losses(net, photo)
    torch.manual_seed(3)
    dy, dx = (int(v) for v in torch.randint(5, (2,)))
    y = net(photo)
    trainer.loss.set_content(photo[..., dy : dy + 44, dx : dx + 44])
    expected = trainer.loss(y[..., dy : dy + 44, dx : dx + 44])
    assert float(parts["total"]) == pytest.approx(float(expected["total"]), rel=1e-5)
    unshifted = trainer.loss(y[..., :44, :44])  # another offset scores differently
    assert (dy, dx) != (0, 0) and float(unshifted["total"]) != pytest.approx(float(parts["total"]))
    with pytest.raises(OptionError, match="jitter"):
        FastRecipe(crop=48, jitter=24)


def test_a_time_limit_ends_the_run_with_a_model_at_the_step_reached(
    tmp_path: Path, data: Path
) -> None:
    from brushwork.weights import read_safetensors

    out, style = tmp_path / "m", data / "style" / "starry_night.jpg"
    timed = loop(50, log_every=3, checkpoint_every=0, time_limit=1e-6)
    result = train_fast(data / "content", style, out, recipe=RECIPE, loop=timed, progress=False)
    # the clock is read on logging steps only: the first one past the limit ends the run
    assert result.steps == 3
    assert read_model(out).config["training"]["steps"] == 3
    assert read_safetensors(out / CHECKPOINT_FILE)[1]["step"] == "3"
    assert [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()] == [
        3
    ]
    # and it goes on from there, logging every third step and the last
    train_fast(data / "content", style, out, recipe=RECIPE, loop=loop(8, log_every=3),
               resume=True, progress=False)  # fmt: skip
    assert [json.loads(line)["step"] for line in (out / "log.jsonl").read_text().splitlines()] == [
        3, 6, 8]  # fmt: skip
    assert read_model(out).config["training"]["steps"] == 8
    with pytest.raises(OptionError, match="time limit"):
        loop(5, time_limit=-1.0)


def test_a_cool_down_decays_the_lr_resumes_exactly_and_is_recorded(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from brushwork import image as imageio

    style = data / "style" / "mondrian.jpg"
    cooled = replace(RECIPE, decay_from=0.5)
    trainer = FastStyleRecipe(cooled, imageio.load(style).rgb, folder=tmp_path, total_steps=8)
    groups = [g for o in trainer.optimizers(1e-3).values() for g in o.param_groups]
    for step, lr in ((3, 1e-3), (6, 5e-4), (7, 2.5e-4)):
        trainer.begin_step(step)
        assert [g["lr"] for g in groups] == pytest.approx([lr]), step
    # killed after 4 of 6 steps, resumed: the schedule depends on the step alone
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    kw: dict[str, Any] = dict(recipe=cooled, loop=loop(6, checkpoint_every=0), progress=False)
    train_fast(data / "content", style, whole, **kw)
    calls, original = {"n": 0}, FastStyleRecipe.losses

    def killed_at_fifth(self, net, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(self, net, batch)

    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        m.setattr(FastStyleRecipe, "losses", killed_at_fifth)
        train_fast(data / "content", style, parts, **kw)
    train_fast(data / "content", style, parts, resume=True, **kw)
    a, b = read_model(whole).state, read_model(parts).state
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert read_model(whole).config["recipe"]["decay_from"] == 0.5
    assert "decay_from" not in RECIPE.to_dict()  # older recipes: constant, and no key
    with pytest.raises(OptionError, match="decay_from"):
        replace(RECIPE, decay_from=-0.1)
