"""Training a super-resolution net on real photos, at toy sizes: the loss falls, the model
file records its scale and recipe, a run resumes, and bad recipes are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.registry import load_net
from brushwork.nets.sr import SRConfig, SRNet
from brushwork.ops.degrade import crop_to_multiple, degrade
from brushwork.training.loop import LoopConfig
from brushwork.training.sr import SRRecipe, train_sr

TINY = SRConfig(scale=4, channels=16, residual_blocks=1)


def loop(steps: int, **kw: object) -> LoopConfig:
    opts = dict(steps=steps, batch_size=4, lr=2e-3, checkpoint_every=5, preview_every=0,
                log_every=1, precision="fp32", device="cpu")  # fmt: skip
    opts.update(kw)
    return LoopConfig(**opts)  # type: ignore[arg-type]


def log(folder: Path, key: str) -> list[float]:
    return [json.loads(line)[key] for line in (folder / "log.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("loss", ["pixel", "feature"])
def test_a_few_steps_lower_the_loss_and_write_a_model(
    loss: str,
    tmp_path: Path,
    data: Path,
    small,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / loss
    result = train_sr(data / "content", out, recipe=SRRecipe(crop=48, loss=loss, net=TINY),
                      loop=loop(30, preview_every=15), progress=False)  # fmt: skip
    assert result.steps == 30 and len(log(out, "total")) == 30
    model = read_model(out)
    assert model.config["architecture"] == "sr" and model.config["scale"] == 4
    assert model.config["recipe"]["loss"] == loss
    net = load_net(model, expect="sr")
    assert isinstance(net, SRNet) and net(torch.rand(1, 3, 10, 12)).shape == (1, 3, 40, 48)
    # on a held-out photo, the trained net beats its own starting point (same seed)
    torch.manual_seed(0)
    start = SRNet(TINY).eval()
    hr = crop_to_multiple(imageio.to_tensor(small("content/tubingen.jpg", 160)), 4)
    low = degrade(hr, 4)
    with torch.no_grad():
        before, after = (F.mse_loss(n(low), hr).item() for n in (start, net))
    assert after < 0.8 * before
    assert (out / "previews" / "step_000015.jpg").is_file()
    if loss == "feature":  # the pixel error is logged beside the feature loss, to compare
        assert "feature" in json.loads((out / "log.jsonl").read_text().splitlines()[0])


def test_resume_continues_to_the_same_weights(tmp_path: Path, data: Path) -> None:
    recipe = SRRecipe(crop=48, loss="pixel", net=TINY)
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train_sr(data / "content", whole, recipe=recipe, loop=loop(10), progress=False)
    train_sr(data / "content", parts, recipe=recipe, loop=loop(5), progress=False)
    train_sr(data / "content", parts, recipe=recipe, loop=loop(10), resume=True, progress=False)
    a, b = read_model(whole).state, read_model(parts).state
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_bad_recipes_are_refused() -> None:
    with pytest.raises(OptionError, match="multiple of the scale"):
        SRRecipe(crop=50, net=TINY)
    with pytest.raises(OptionError, match="loss"):
        SRRecipe(loss="gan")
    with pytest.raises(OptionError):
        SRRecipe(sigma=-1.0)


def test_a_stage_continues_from_a_model_with_jitter_in_bf16(tmp_path: Path, data: Path) -> None:
    first = tmp_path / "first"
    recipe = SRRecipe(crop=48, loss="feature", net=TINY)
    train_sr(data / "content", first, recipe=recipe, loop=loop(2), progress=False)
    start = load_net(read_model(first), expect="sr")
    # a continued stage that barely moves: the net written is the one it started from
    more = tmp_path / "more"
    jittered = SRRecipe(crop=48, loss="feature", net=TINY, jitter=4)
    train_sr(data / "content", more, recipe=jittered, loop=loop(3, lr=1e-12, precision="bf16"),
             init=first, progress=False)  # fmt: skip
    cont = load_net(read_model(more), expect="sr")
    for (name, a), b in zip(start.state_dict().items(), cont.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, msg=name)
    assert read_model(more).config["recipe"]["jitter"] == 4
    assert all(v == v for v in log(more, "total"))  # bf16 steps ran (degrade left autocast)
    with pytest.raises(OptionError, match="jitter"):
        SRRecipe(crop=48, net=TINY, jitter=24)
    with pytest.raises(OptionError, match="net config"):
        train_sr(data / "content", tmp_path / "x8", recipe=SRRecipe(crop=64, net=SRConfig(scale=8)),
                 loop=loop(1), init=first, progress=False)  # fmt: skip
