"""Model folders of both config layouts: flat (now) and nested ``recipe.recipe`` (before)."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

import brushwork as bw
from brushwork import zoo
from brushwork.modelfile import read_model, recipe_of, training_record, training_totals
from brushwork.nets.transformer import TransformerConfig
from brushwork.training.fast import FastRecipe

OLD = Path(__file__).parent / "fixtures" / "old_fast_model"  # written by the code before


def test_a_model_folder_written_by_the_old_code_still_loads_and_paints() -> None:
    model = read_model(OLD)
    assert "recipe" in model.config["recipe"]  # the old, nested layout
    recipe = FastRecipe.from_dict(recipe_of(model.config))
    assert recipe.crop == 32 and recipe.net == TransformerConfig(widths=(4, 8, 8))
    record = training_record(model.config)
    assert record["data"] == "/tmp/oldfix/photos" and record["steps"] == 2
    assert record["loop"]["batch_size"] == 1
    out = bw.load(str(OLD)).stylize_tensor(torch.rand(1, 3, 32, 40))[0]
    assert out.shape == (1, 3, 32, 40) and 0 <= float(out.min()) <= float(out.max()) <= 1


def test_every_bundled_recipe_reads_back_as_its_options() -> None:
    from brushwork.training.adain import AdaINRecipe
    from brushwork.training.lite import LiteRecipe
    from brushwork.training.multi import MultiRecipe
    from brushwork.training.sr import SRRecipe
    from brushwork.training.wct import WCTRecipe

    by_method = {"adain": AdaINRecipe, "sr": SRRecipe, "wct": WCTRecipe}
    for entry in zoo.entries():
        cfg = entry.config
        cls = by_method.get(cfg["architecture"]) or by_method.get(cfg.get("method", ""))
        if cfg.get("method") in ("pix2pix", "cyclegan", "mixgan", "linear"):
            from brushwork import methods

            cls = methods.get(cfg["method"]).options_class()
        if cls is None:
            cls = LiteRecipe if cfg["architecture"] == "lite" else MultiRecipe
        assert cls.from_dict(recipe_of(cfg)).to_dict() is not None, entry.name
        assert training_record(cfg)["steps"] > 0


def test_a_new_model_folder_is_flat(tmp_path: Path, data: Path) -> None:
    from brushwork.training.fast import train_fast
    from brushwork.training.loop import LoopConfig

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("tubingen", "golden_gate"):
        Image.open(data / "content" / f"{name}.jpg").convert("RGB").resize((48, 32)).save(
            photos / f"{name}.png"
        )
    recipe = FastRecipe(crop=32, net=TransformerConfig(widths=(4, 8, 8), residual_blocks=1))
    loop = LoopConfig(steps=1, batch_size=1, preview_every=0, checkpoint_every=0)
    train_fast(photos, data / "style" / "udnie.jpg", tmp_path / "m", recipe=recipe, loop=loop,
               progress=False)  # fmt: skip
    cfg = read_model(tmp_path / "m").config
    assert cfg["recipe"] == recipe.to_dict()  # flat: the options themselves
    assert FastRecipe.from_dict(recipe_of(cfg)) == recipe
    assert cfg["training"]["data"] == str(photos) and cfg["training"]["steps"] == 1
    assert cfg["training"]["loop"]["batch_size"] == 1


def test_training_totals_add_up_every_stage() -> None:
    """A model continued twice trained for its three stages, not for the last one's steps."""
    staged = {
        "training": {"steps": 2000, "seconds": 100.5},
        "stages": [
            {"stage": "a", "steps": 8000, "seconds": 2054.5},
            {"stage": "b", "steps": 6000, "seconds": 4055.0},
            {"stage": "c", "steps": 2000, "seconds": 100.5},
        ],
    }
    assert training_totals(staged) == (16000, 6210.0, 3)
    assert training_totals({"training": {"steps": 40, "seconds": 2.0}}) == (40, 2.0, 1)
    # the old nested layout keeps the run's facts under recipe
    assert training_totals(read_model(OLD).config)[0] == 2
    # a stage that did not record its time, or counts steps per level (WCT's decoders)
    gap = {"stages": [{"steps": 10, "seconds": 1.0}, {"steps": {"relu4_1": 5}}]}
    assert training_totals(gap) == (None, None, 2)
