"""What the zoo scripts share: the stage history of a model and installing it into the zoo."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch

from brushwork.modelfile import (
    PREVIEW_FILE,
    STYLE_PREVIEWS,
    WEIGHTS_FILE,
    read_model,
    recipe_of,
    training_record,
    write_model,
)
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.loop import LoopConfig
from brushwork.zoo import PAINTINGS_DIR, ZOO_DIR, described

#: recipe keys a stage records when its recipe has them (fast, lite, adain, sr, gan stages)
STAGE_KEYS = (
    "crop",
    "style_size",
    "jitter",
    "temporal_weight",
    "feature_layers",
    "texture_weight",
    "grid_weight",
    "decay_from",
    "pixel_weight",
    "cycle_noise",
    "label_colors",
    "invert_b",
)


def stage_history(folder: Path) -> list[dict[str, Any]]:
    """Every stage that led to the model in ``folder``, first to last, following the warm-start
    chain back to the identity net, or to a bundled model, whose config.json already lists the
    stages that made it (each stage's own config.json holds only its own recipe)."""
    stages: list[dict[str, Any]] = []
    path: Path | None = folder
    while path is not None:
        cfg = read_model(path).config
        if path != folder and cfg.get("stages"):  # a bundled model: its history is recorded
            return [*cfg["stages"], *stages[::-1]]
        rec = training_record(cfg)
        recipe = recipe_of(cfg)
        entry = {
            "stage": path.name,
            "steps": rec.get("steps"),
            "seconds": rec.get("seconds"),
            "style_weight": recipe.get("style_weight"),
            "lr": rec.get("loop", {}).get("lr"),
            "batch_size": rec.get("loop", {}).get("batch_size"),
        }
        for key in STAGE_KEYS:
            if recipe.get(key):
                entry[key] = recipe[key]
        net = recipe.get("net", {})
        if net.get("widths"):
            entry["widths"] = net["widths"]
        if net.get("border"):
            entry["border"] = net["border"]
        if rec.get("date"):
            entry["date"] = rec["date"]
        stages.append({k: v for k, v in entry.items() if v is not None})
        path = described(rec["init"], ZOO_DIR) if rec.get("init") else None
    return stages[::-1]


def continued(bundled: Path, out: Path) -> dict[str, Any]:
    """What a stage that continues bundled model ``bundled`` into ``out`` passes its trainer:
    the warm start (which also keeps the bundled description), and resuming its own checkpoint
    when re-run."""
    return {"init": bundled, "resume": (out / CHECKPOINT_FILE).exists()}


def stage_loop(steps: int, lr: float, **overrides: Any) -> LoopConfig:
    """The loop of a continued stage: batch 4, checkpoints every 50 steps, previews every 250
    (``overrides``: any other loop option)."""
    options = dict(batch_size=4, checkpoint_every=50, preview_every=250) | overrides
    return LoopConfig(steps=steps, lr=lr, **options)


def set_border(folder: Path, border: int) -> None:
    """Give the transform net of the model in ``folder`` a border of ``border`` px of
    reflected context (:class:`~brushwork.nets.transformer.TransformerConfig`): its weights are
    unchanged, the frame it learnt to paint along the picture's edge falls outside the picture."""
    model = read_model(folder)
    config = dict(model.config)
    config["config"] = config["config"] | {"border": border}
    config["recipe"] = recipe_of(config) | {"net": recipe_of(config)["net"] | {"border": border}}
    stored = next(v.dtype for v in model.state.values() if v.is_floating_point())
    write_model(folder, model.state, config, dtype=stored)  # a bundled model stays float16


#: config.json keys that say how a bundled model runs, not how it was trained: kept on install
RUN_TIME_SETTINGS = ("shifts", "degrid", "detail")


def install(folder: Path, name: str, note: str = "") -> None:
    """Copy a finished model into the package's zoo, weights in float16 (a multi-style model's
    gallery thumbnails, ``paintings/``, are kept, and so are the bundled model's run-time
    settings, such as an AdaIN decoder's ``shifts``); ``note`` is added to its last stage."""
    model = read_model(folder)
    stages = stage_history(folder)
    if note:
        stages[-1] = stages[-1] | {"note": note}
    dest = ZOO_DIR / name
    kept = {}
    if (dest / "config.json").is_file():
        bundled = read_model(dest).config
        kept = {k: bundled[k] for k in RUN_TIME_SETTINGS if k in bundled}
    config = dict(model.config) | kept | {"stages": stages}
    with tempfile.TemporaryDirectory() as tmp:
        gallery, saved = dest / PAINTINGS_DIR, Path(tmp) / PAINTINGS_DIR
        if gallery.is_dir():
            shutil.copytree(gallery, saved)
        shutil.rmtree(dest, ignore_errors=True)
        write_model(dest, model.state, config, dtype=torch.float16)
        if saved.is_dir():
            shutil.copytree(saved, gallery)
    shutil.copy(folder / PREVIEW_FILE, dest / PREVIEW_FILE)
    if (folder / STYLE_PREVIEWS).is_dir() and model.config.get("styles"):
        (dest / STYLE_PREVIEWS).mkdir()
        for style in model.config["styles"]:  # one preview per style of a multi-style model
            shutil.copy(folder / STYLE_PREVIEWS / f"{style['name']}.jpg", dest / STYLE_PREVIEWS)
    print(f"installed {dest} ({(dest / WEIGHTS_FILE).stat().st_size / 1e6:.2f} MB)")
