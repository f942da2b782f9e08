"""Model files: a folder with ``model.safetensors``, ``config.json`` and ``preview.jpg``, or one
``.safetensors`` file carrying the same config in its metadata. Reading never unpickles.

config.json holds ``architecture`` (a name in :mod:`brushwork.nets.registry`), ``config`` (the
net's dataclass), and free-form ``recipe``, ``style``, ``data`` and ``training`` records.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from brushwork.errors import WeightsError
from brushwork.files import atomic_path, write_json
from brushwork.weights import read_safetensors, write_safetensors

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
PREVIEW_FILE = "preview.jpg"
#: folder of a multi-style model holding one preview per style, ``<name>.jpg``
STYLE_PREVIEWS = "previews"
#: config.json key of a several-net model: net name -> {architecture, config}
COMPONENTS = "components"


@dataclass
class ModelFile:
    """What a model file holds: tensors, the config dict and where it came from."""

    state: dict[str, torch.Tensor]
    config: dict[str, Any]
    path: Path
    preview: Path | None = field(default=None)

    @property
    def architecture(self) -> str:
        return str(self.config.get("architecture", ""))


def _read_config(path: Path) -> dict[str, Any]:
    try:
        cfg = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsError(f"{path.parent}: model folder has no {CONFIG_FILE}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{path}: unreadable model config ({exc})") from None
    if not isinstance(cfg, dict) or "architecture" not in cfg:
        raise WeightsError(f"{path}: not a brushwork model config (no 'architecture')")
    return cfg


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Only the config of a model folder or ``.safetensors`` file (no weights are read), to
    learn what a model is before loading it."""
    p = Path(path)
    if p.is_dir():
        return _read_config(p / CONFIG_FILE)
    if p.is_file():
        from safetensors import SafetensorError, safe_open

        try:
            with safe_open(str(p), framework="pt") as f:
                meta = dict(f.metadata() or {})
            cfg = json.loads(meta["config"])
        except (SafetensorError, OSError, ValueError, KeyError):
            raise WeightsError(f"{p}: not a brushwork model file") from None
        if not isinstance(cfg, dict):
            raise WeightsError(f"{p}: not a brushwork model file")
        return cfg
    raise WeightsError(f"{p}: no such model folder or file")


def read_model(path: str | os.PathLike[str]) -> ModelFile:
    """Read a model folder or single ``.safetensors`` file, with clear errors."""
    p = Path(path)
    if p.is_dir():
        cfg = _read_config(p / CONFIG_FILE)
        weights = p / WEIGHTS_FILE
        if not weights.is_file():
            raise WeightsError(f"{p}: model folder has no {WEIGHTS_FILE}")
        state, _ = read_safetensors(weights)
        preview = p / PREVIEW_FILE
        return ModelFile(state, cfg, p, preview if preview.is_file() else None)
    if p.is_file():
        state, meta = read_safetensors(p)
        try:
            cfg = json.loads(meta["config"])
        except (KeyError, json.JSONDecodeError):
            raise WeightsError(f"{p}: safetensors file without a brushwork config") from None
        return ModelFile(state, cfg, p)
    raise WeightsError(f"{p}: no such model folder or file")


def write_components(
    folder: str | os.PathLike[str],
    states: Mapping[str, Mapping[str, torch.Tensor]],
    config: Mapping[str, Any],
    *,
    dtype: torch.dtype = torch.float32,
    preview: Image.Image | None = None,
) -> Path:
    """Write a model folder of several named nets (a GAN's ``generator`` and
    ``discriminator``): one weights file, keys ``<name>.<param>``, and one config.json whose
    ``components`` maps each name to its ``architecture`` and ``config``; its top-level
    ``architecture`` and ``config`` are those of ``main`` (the net that runs the model)."""
    comps = config.get(COMPONENTS)
    if not isinstance(comps, Mapping) or set(comps) != set(states):
        raise WeightsError("a several-net model's config must name each of its nets' configs")
    main = str(config.get("main", next(iter(states))))
    full = {
        **config,
        "main": main,
        "architecture": comps[main]["architecture"],
        "config": comps[main].get("config", {}),
    }
    tensors = {f"{name}.{k}": v for name, state in states.items() for k, v in state.items()}
    return write_model(folder, tensors, full, dtype=dtype, preview=preview)


def component(model: ModelFile, name: str | None = None) -> ModelFile:
    """One named net of a several-net model folder (default: its ``main`` net) as a one-net
    :class:`ModelFile`; a one-net model is returned as it is."""
    comps = model.config.get(COMPONENTS)
    if not isinstance(comps, Mapping):
        if name is not None:
            raise WeightsError(f"{model.path}: a one-net model has no net {name!r}")
        return model
    name = name or str(model.config.get("main", ""))
    if name not in comps or not isinstance(comps[name], Mapping):
        raise WeightsError(
            f"{model.path}: no net {name!r} in this model (it has {', '.join(comps)})"
        )
    prefix = name + "."
    state = {k[len(prefix) :]: v for k, v in model.state.items() if k.startswith(prefix)}
    config = {
        **{k: v for k, v in model.config.items() if k not in (COMPONENTS, "main")},
        "component": name,
        "architecture": comps[name].get("architecture", ""),
        "config": comps[name].get("config", {}),
    }
    return ModelFile(state, config, model.path, model.preview)


def recipe_of(config: Mapping[str, Any]) -> dict[str, Any]:
    """The options a model was trained with: ``config["recipe"]``, or, in a config written
    before configs were flat, ``config["recipe"]["recipe"]``."""
    recipe = config.get("recipe", {})
    if not isinstance(recipe, Mapping):
        return {}
    nested = recipe.get("recipe")
    return dict(nested) if isinstance(nested, Mapping) else dict(recipe)


def training_record(config: Mapping[str, Any]) -> dict[str, Any]:
    """The record of the run that trained a model (data, loop, init, steps, ...), from either
    layout (older configs kept all but the facts beside the options, under ``recipe``)."""
    record = dict(config.get("training", {}) or {})
    old = config.get("recipe", {})
    if isinstance(old, Mapping) and isinstance(old.get("recipe"), Mapping):
        record = {**{k: v for k, v in old.items() if k != "recipe"}, **record}
    return record


def training_totals(config: Mapping[str, Any]) -> tuple[int | None, float | None, int]:
    """(steps, seconds, stages) of all the training behind a model: summed over the stages its
    config.json records (``stages``, the last one included), else its last run's alone. A
    model continued from its bundled weights has trained for all its stages, not the last one's
    steps. None where a stage did not record the figure (or recorded it per level, as WCT's
    decoders do)."""
    run = training_record(config)
    stages = [st for st in config.get("stages", []) or [] if isinstance(st, Mapping)] or [run]

    def total(key: str) -> Any:
        values = [st.get(key) for st in stages]
        ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        return sum(values) if ok else None

    return total("steps"), total("seconds"), len(stages)


def write_model(
    folder: str | os.PathLike[str],
    state: Mapping[str, torch.Tensor],
    config: Mapping[str, Any],
    *,
    dtype: torch.dtype = torch.float32,
    preview: Image.Image | None = None,
) -> Path:
    """Write a model folder: weights (cast to ``dtype``), config.json and preview.jpg."""
    out = Path(folder)
    tensors = {
        k: (v.detach().to(dtype) if v.is_floating_point() else v.detach()).cpu()
        for k, v in state.items()
    }
    write_safetensors(tensors, out / WEIGHTS_FILE, {"config": json.dumps(dict(config))})
    write_json(dict(config), out / CONFIG_FILE)
    if preview is not None:
        with atomic_path(out / PREVIEW_FILE) as tmp:
            preview.convert("RGB").save(tmp, format="JPEG", quality=90)
    return out
