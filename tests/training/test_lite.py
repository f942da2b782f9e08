"""Distilling a bundled fast style into a lite net, with the real VGG19 on real photos."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from brushwork.losses.style import gram_matrix
from brushwork.modelfile import read_model
from brushwork.nets.lite import LiteConfig
from brushwork.nets.registry import load_net
from brushwork.pipelines.fast import load
from brushwork.training.lite import LiteRecipe, train_lite
from brushwork.training.loop import LoopConfig


def test_distillation_lowers_the_loss_and_writes_a_lite_model(tmp_path: Path, data: Path) -> None:
    import shutil

    from brushwork.zoo import ZOO_DIR

    out = tmp_path / "lite"
    teacher = tmp_path / "the_scream_20261203"  # a later stage's folder: named by its style
    shutil.copytree(ZOO_DIR / "the_scream", teacher)
    recipe = LiteRecipe(
        crop=64, style_size=96, net=LiteConfig(widths=(8, 16, 16), residual_blocks=1)
    )
    loop = LoopConfig(steps=30, batch_size=2, lr=1e-2, checkpoint_every=0, preview_every=15,
                      log_every=1, precision="fp32", device="cpu")  # fmt: skip
    train_lite(data / "content", teacher, out, style=data / "style" / "the_scream.jpg",
               recipe=recipe, loop=loop, progress=False)  # fmt: skip
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    first = sum(e["total"] for e in log[:5]) / 5
    last = sum(e["total"] for e in log[-5:]) / 5
    assert last < 0.85 * first  # the student moves towards the teacher's pictures
    model = read_model(out)
    assert model.config["architecture"] == "lite"
    assert model.config["style"]["name"] == "the_scream"
    assert model.config["training"]["teacher"]["name"] == "the_scream"
    assert (out / "previews" / "step_000015.jpg").is_file()
    net = load_net(model)
    assert net(torch.rand(1, 3, 37, 50)).shape == (1, 3, 37, 50)
    styled = load(out)(_photo(data))  # bw.load takes lite models like any fast style
    assert styled.size == (64, 48)


def _photo(data: Path):  # type: ignore[no-untyped-def]
    from brushwork import image as imageio

    img = imageio.load(data / "content" / "tubingen.jpg").rgb
    return imageio.resize(img, (64, 48))


def test_texture_term_matches_the_teachers_gram_per_photo() -> None:
    from brushwork.losses.style import gram_matrix
    from brushwork.nets.lite import LiteNet
    from brushwork.training.lite import LiteStyleRecipe

    torch.manual_seed(0)
    cfg = LiteConfig(widths=(8, 16, 16), residual_blocks=1)
    teacher = LiteNet(cfg).eval()
    recipe = LiteRecipe(crop=32, net=cfg, feature_layers={"relu2_2": 1.0}, texture_weight=2.0)
    r = LiteStyleRecipe(
        recipe, teacher, None, describe={}, folder=Path("/nonexistent"), total_steps=1
    )
    batch = torch.rand(2, 3, 32, 32)
    parts = r.losses(teacher, batch)  # the student is the teacher: nothing to learn
    assert float(parts["style"]) < 1e-6 and float(parts["content"]) < 1e-6
    target = r.loss.style_targets["relu2_2"]
    feats = r.loss.encoder(teacher(batch).clamp(0, 1), ["relu2_2"])["relu2_2"]
    assert target.shape[0] == 2 and torch.allclose(target, gram_matrix(feats), rtol=1e-4)
    other = r.losses(LiteNet(cfg), batch)
    assert float(other["style"]) > 0
    expect = float(other["content"]) + 2.0 * float(other["style"]) + 1e6 * float(other["pixel"])
    assert abs(float(other["total"]) - expect) < 1e-3 * expect
    both = LiteRecipe(style_weight=0.5, texture_weight=2.0)
    assert both.one_gram_term(with_style_image=True).texture_weight == 0.0
    assert both.one_gram_term(with_style_image=True).style_weight == 0.5
    assert both.one_gram_term(with_style_image=False).style_weight == 0.0
    assert both.one_gram_term(with_style_image=False).texture_weight == 2.0


def test_jitter_scores_student_and_teacher_at_one_random_offset() -> None:
    import pytest

    from brushwork.errors import OptionError
    from brushwork.nets.lite import LiteNet
    from brushwork.training.lite import LiteStyleRecipe

    torch.manual_seed(0)
    cfg = LiteConfig(widths=(8, 16, 16), residual_blocks=1)
    teacher, student = LiteNet(cfg).eval(), LiteNet(cfg)
    recipe = LiteRecipe(crop=32, net=cfg, feature_layers={"relu2_2": 1.0}, jitter=5)
    r = LiteStyleRecipe(
        recipe, teacher, None, describe={}, folder=Path("/nonexistent"), total_steps=1
    )
    batch = torch.rand(2, 3, 32, 32)
    torch.manual_seed(3)
    parts = r.losses(student, batch)
    torch.manual_seed(3)
    dy, dx = (int(v) for v in torch.randint(5, (2,)))
    with torch.no_grad():
        y, target = student(batch), teacher(batch).clamp(0, 1)
        crop = (..., slice(dy, dy + 28), slice(dx, dx + 28))
        r.loss.set_content(target[crop])
        r.loss.style_targets = {k: gram_matrix(v) for k, v in r.loss.content_targets.items()}
        expected = r.loss(y[crop])
        pixel = torch.nn.functional.mse_loss(y, target)  # the pixel term sees the whole picture
    assert (dy, dx) != (0, 0)
    assert float(parts["content"]) == pytest.approx(float(expected["content"]), rel=1e-5)
    assert float(parts["style"]) == pytest.approx(float(expected["style"]), rel=1e-5)
    assert float(parts["pixel"]) == pytest.approx(float(pixel), rel=1e-5)
    with torch.no_grad():
        unshifted = r.loss(y[..., :28, :28])  # the targets of the drawn offset, another crop
    assert float(unshifted["content"]) != pytest.approx(float(parts["content"]), rel=1e-3)
    assert "jitter" not in LiteRecipe().to_dict()  # older recipes stay as they are
    assert LiteRecipe.from_dict(recipe.to_dict()) == recipe
    with pytest.raises(OptionError, match="jitter"):
        LiteRecipe(crop=32, jitter=16)


def test_grid_term_costs_the_pattern_the_teacher_lacks() -> None:
    import pytest

    from brushwork.errors import OptionError
    from brushwork.losses.grid import grid_loss
    from brushwork.nets.lite import LiteNet
    from brushwork.training.lite import LiteStyleRecipe

    torch.manual_seed(0)
    cfg = LiteConfig(widths=(8, 16, 16), residual_blocks=1)
    teacher = LiteNet(cfg).eval()
    tile = 0.05 * (torch.rand(1, 3, 8, 8) - 0.5)

    class Gridded(torch.nn.Module):  # the teacher plus a pattern locked to its 8 px grid
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return teacher(x).clamp(0, 1) + tile.repeat(1, 1, 4, 4)

    batch = torch.rand(2, 3, 32, 32)
    recipe = LiteRecipe(crop=32, net=cfg, feature_layers={"relu2_2": 1.0}, grid_weight=1e7)
    r = LiteStyleRecipe(
        recipe, teacher, None, describe={}, folder=Path("/nonexistent"), total_steps=1
    )
    clean, gridded = r.losses(teacher, batch), r.losses(Gridded(), batch)
    assert float(clean["grid"]) < 1e-12  # the teacher itself: no pattern of its own
    power = float((tile - tile.mean(dim=(-2, -1), keepdim=True)).pow(2).mean())
    assert float(gridded["grid"]) == pytest.approx(power, rel=1e-3)
    expect = sum(
        w * float(gridded[k])
        for k, w in (("content", 1.0), ("style", 1.0), ("pixel", 1e6), ("grid", 1e7))
    )
    assert float(gridded["total"]) == pytest.approx(expect, rel=1e-4)
    with torch.no_grad():
        target = teacher(batch).clamp(0, 1)
        assert float(gridded["grid"]) == pytest.approx(
            float(grid_loss(Gridded()(batch), target)), rel=1e-5
        )
    off = LiteStyleRecipe(
        LiteRecipe(crop=32, net=cfg, feature_layers={"relu2_2": 1.0}),
        teacher, None, describe={}, folder=Path("/nonexistent"), total_steps=1,
    )  # fmt: skip
    assert "grid" not in off.losses(Gridded(), batch)  # older recipes: no term
    assert "grid_weight" not in LiteRecipe().to_dict()
    assert LiteRecipe.from_dict(recipe.to_dict()) == recipe
    with pytest.raises(OptionError, match="grid_weight"):
        LiteRecipe(grid_weight=-1.0)
