"""Training multi-style nets and adding styles, with the real VGG19 on real photos, toy sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.modelfile import STYLE_PREVIEWS, read_model
from brushwork.nets.multistyle import StyleMix, conditional_norms
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerConfig
from brushwork.training.fast import FastRecipe, train_fast
from brushwork.training.multi import MultiRecipe, train_add_style, train_multi
from tests.training.test_fast import loop, losses

TINY = TransformerConfig(widths=(8, 16, 16), residual_blocks=1)
RECIPE = MultiRecipe(crop=48, style_size=96, net=TINY, style_weight=5.0, mix=0.25)
STYLES = ("starry_night", "the_scream", "great_wave")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    out = tmp_path_factory.mktemp("multi") / "model"
    train_multi(
        data / "content",
        [data / "style" / f"{s}.jpg" for s in STYLES],
        out,
        recipe=RECIPE,
        loop=loop(24, preview_every=12),
        progress=False,
    )
    return out


def test_multi_training_lowers_the_loss_and_records_every_style(trained: Path) -> None:
    seen = losses(trained)
    assert sum(seen[-4:]) / 4 < 0.7 * sum(seen[:4]) / 4
    model = read_model(trained)
    assert [s["name"] for s in model.config["styles"]] == list(STYLES)
    assert model.config["config"]["styles"] == 3
    for s in STYLES:
        assert (trained / STYLE_PREVIEWS / f"{s}.jpg").is_file()
    net = load_net(model)
    x = torch.rand(1, 3, 40, 52)
    outs = [StyleMix(net, torch.eye(3)[i : i + 1])(x) for i in range(3)]
    assert all(o.shape == x.shape for o in outs)
    # the styles have drifted apart: each slot paints differently
    assert (outs[0] - outs[1]).abs().mean() > 0.01 and (outs[1] - outs[2]).abs().mean() > 0.01


def test_multi_resume_gives_the_same_weights(tmp_path: Path, data: Path) -> None:
    styles = [data / "style" / f"{s}.jpg" for s in STYLES[:2]]
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    train_multi(data / "content", styles, whole, recipe=RECIPE, loop=loop(6), progress=False)
    train_multi(data / "content", styles, parts, recipe=RECIPE, loop=loop(4), progress=False)
    (parts / "model.safetensors").unlink()  # as if killed after the step-4 checkpoint
    train_multi(
        data / "content", styles, parts, recipe=RECIPE, loop=loop(6), resume=True, progress=False
    )
    a, b = read_model(whole).state, read_model(parts).state
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert losses(parts)[-2:] == losses(whole)[-2:]


def test_add_style_trains_only_the_new_slot(tmp_path: Path, data: Path, trained: Path) -> None:
    out = tmp_path / "grown"
    before = load_net(read_model(trained))
    train_add_style(
        trained,
        data / "style" / "mosaic.jpg",
        data / "content",
        output=out,
        loop=loop(8, lr=5e-2),
        progress=False,
    )
    model = read_model(out)
    assert [s["name"] for s in model.config["styles"]] == [*STYLES, "mosaic"]
    after = load_net(model)
    old, new = before.state_dict(), after.state_dict()
    norms = {n for n, m in after.named_modules() if m in conditional_norms(after)}
    for key, value in old.items():
        if key.rsplit(".", 1)[0] in norms:  # old slots bit for bit, the new one has trained
            assert torch.equal(new[key][:3], value)
            assert not torch.allclose(new[key][3], value.mean(0))
        else:  # the shared weights are frozen
            assert torch.equal(new[key], value)
    assert (out / STYLE_PREVIEWS / "mosaic.jpg").is_file()
    assert (out / STYLE_PREVIEWS / "starry_night.jpg").is_file()
    with pytest.raises(OptionError, match="already has a style named 'mosaic'"):
        train_add_style(out, data / "style" / "mosaic.jpg", data / "content", loop=loop(2))


def test_add_style_to_a_single_style_model_converts_it(tmp_path: Path, data: Path) -> None:
    single = tmp_path / "single"
    train_fast(
        data / "content",
        data / "style" / "udnie.jpg",
        single,
        recipe=FastRecipe(crop=48, style_size=96, net=TINY),
        loop=loop(2),
        progress=False,
    )
    before = read_model(single).state
    train_add_style(
        single, data / "style" / "candy.jpg", data / "content", loop=loop(2), progress=False
    )  # in place
    model = read_model(single)
    assert [s["name"] for s in model.config["styles"]] == ["udnie", "candy"]
    after = model.state
    for key, value in before.items():
        got = after[key][0] if after[key].dim() == 2 and value.dim() == 1 else after[key]
        assert torch.equal(got, value)
    assert (single / "add_style_candy" / "checkpoint.safetensors").is_file()


def test_multi_needs_two_distinct_styles(tmp_path: Path, data: Path) -> None:
    with pytest.raises(OptionError, match="at least two"):
        train_multi(data / "content", [data / "style" / "udnie.jpg"], tmp_path / "m")
    with pytest.raises(OptionError, match="share the name"):
        train_multi(
            data / "content",
            [data / "style" / "udnie.jpg", data / "style" / "udnie.jpg"],
            tmp_path / "m",
        )
    with pytest.raises(OptionError, match="mix"):
        MultiRecipe(mix=1.5)


def test_a_cool_down_keeps_the_style_parameters_faster_rate(data: Path) -> None:
    from dataclasses import replace

    from brushwork import image as imageio
    from brushwork.nets.transformer import TransformerNet
    from brushwork.training.multi import MultiStyleRecipe

    recipe = replace(RECIPE, decay_from=0.0)
    net = TransformerNet(replace(TINY, styles=2))
    images = [imageio.load(data / "style" / f"{s}.jpg").rgb for s in STYLES[:2]]
    trainer = MultiStyleRecipe(recipe, images, net=net, records=[], describe={},
                               folder=Path("unused"), total_steps=4)  # fmt: skip
    groups = [g for o in trainer.optimizers(1e-3).values() for g in o.param_groups]
    trainer.begin_step(2)  # half-way down
    assert [g["lr"] for g in groups] == pytest.approx([5e-4, 5e-4 * recipe.norm_lr])
