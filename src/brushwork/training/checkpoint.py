"""Training checkpoints as safetensors: net weights, optimizer state and the step, with the
recipe in the metadata. Written atomically; read without unpickling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from brushwork.errors import OptionError, WeightsError
from brushwork.weights import read_safetensors, write_safetensors

CHECKPOINT_FILE = "checkpoint.safetensors"


def save_checkpoint(
    path: Path,
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    step: int,
    recipe: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    """Write net, optimizer state and ``step`` (the number of steps done) to ``path``."""
    tensors = {f"net.{k}": v.detach().cpu() for k, v in net.state_dict().items()}
    opt = optimizer.state_dict()
    for idx, state in opt["state"].items():
        for name, value in state.items():
            t = value if isinstance(value, torch.Tensor) else torch.tensor(value)
            tensors[f"opt.{idx}.{name}"] = t.detach().cpu()
    meta = {
        "step": str(step),
        "recipe": json.dumps(recipe, sort_keys=True),
        "param_groups": json.dumps(opt["param_groups"]),
        "extra": json.dumps(extra or {}),
    }
    write_safetensors(tensors, path, meta)


def recipe_difference(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Names of the fields whose values differ between two recipes, ignoring ``steps``."""
    keys = sorted(set(a) | set(b))
    return [k for k in keys if k != "steps" and a.get(k) != b.get(k)]


def load_checkpoint(
    path: Path,
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    *,
    recipe: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """Restore net and optimizer from ``path``; returns (steps done, extra).

    Raises:
        OptionError: the checkpoint was made with another recipe (the differing fields named).
        WeightsError: the file is corrupt or does not fit the net.
    """
    if not path.is_file():
        raise OptionError(f"{path}: no checkpoint to resume from")
    tensors, meta = read_safetensors(path)
    try:
        saved = json.loads(meta["recipe"])
        step = int(meta["step"])
        groups = json.loads(meta["param_groups"])
        extra = json.loads(meta.get("extra", "{}"))
    except (KeyError, ValueError) as exc:
        raise WeightsError(f"{path}: not a brushwork checkpoint ({exc})") from None
    current = json.loads(json.dumps(recipe, sort_keys=True))
    diff = recipe_difference(saved, current)
    if diff:
        shown = "; ".join(f"{k}: {saved.get(k)!r} != {current.get(k)!r}" for k in diff[:3])
        raise OptionError(
            f"{path}: checkpoint was made with a different config ({shown}); "
            "use the same options or another output folder"
        )
    net_state = {k[4:]: v for k, v in tensors.items() if k.startswith("net.")}
    try:
        net.load_state_dict(net_state, strict=True)
    except RuntimeError:
        raise WeightsError(f"{path}: checkpoint weights do not fit the net") from None
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("opt."):
            _, idx, name = key.split(".", 2)
            state.setdefault(int(idx), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": groups})
    return step, extra
