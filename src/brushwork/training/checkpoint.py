"""Training checkpoints as safetensors: every named net's weights, every named optimizer's and
LR scheduler's state, the step and the random generator's state, with the recipe in the
metadata, so a resumed run continues bit for bit, however many nets a method trains (a GAN's
generator and discriminator, CycleGAN's four). Written atomically; read without unpickling.

Layout: tensors ``nets.<name>.<param>``, ``optimizers.<name>.<index>.<state>`` and
``rng.torch``; metadata ``format`` ("2"), ``step``, ``recipe``, ``param_groups`` and
``schedulers`` (JSON, by name) and ``extra``. A checkpoint of the first format (one net,
``net.<param>`` and ``opt.<index>.<state>``) still resumes a method whose only net is ``net``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from brushwork.errors import OptionError, WeightsError
from brushwork.weights import read_safetensors, write_safetensors

CHECKPOINT_FILE = "checkpoint.safetensors"
FORMAT = "2"
#: the net name a first-format checkpoint's only net is restored into
SOLE_NET = "net"


@dataclass
class TrainingState:
    """What a checkpoint holds, by name: nets, their optimizers and LR schedulers."""

    nets: Mapping[str, nn.Module]
    optimizers: Mapping[str, torch.optim.Optimizer]
    schedulers: Mapping[str, Any] = field(default_factory=dict)


def save_checkpoint(
    path: Path,
    state: TrainingState,
    *,
    step: int,
    recipe: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    """Write every net, optimizer and scheduler of ``state``, ``step`` (the number of steps
    done) and the torch random state to ``path``."""
    tensors: dict[str, torch.Tensor] = {}
    for name, net in state.nets.items():
        for k, v in net.state_dict().items():
            tensors[f"nets.{name}.{k}"] = v.detach().cpu()
    groups: dict[str, Any] = {}
    for name, optimizer in state.optimizers.items():
        opt = optimizer.state_dict()
        for idx, per_param in opt["state"].items():
            for key, value in per_param.items():
                t = value if isinstance(value, torch.Tensor) else torch.tensor(value)
                tensors[f"optimizers.{name}.{idx}.{key}"] = t.detach().cpu()
        groups[name] = opt["param_groups"]
    tensors["rng.torch"] = torch.get_rng_state()
    meta = {
        "format": FORMAT,
        "step": str(step),
        "recipe": json.dumps(recipe, sort_keys=True),
        "param_groups": json.dumps(groups),
        "schedulers": json.dumps({n: s.state_dict() for n, s in state.schedulers.items()}),
        "extra": json.dumps(extra or {}),
    }
    write_safetensors(tensors, path, meta)


def recipe_difference(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Names of the fields whose values differ between two recipes, ignoring ``steps``."""
    keys = sorted(set(a) | set(b))
    return [k for k in keys if k != "steps" and a.get(k) != b.get(k)]


def load_checkpoint(
    path: Path, state: TrainingState, *, recipe: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Restore every net, optimizer, scheduler and the random state from ``path``; returns
    (steps done, extra).

    Raises:
        OptionError: the checkpoint was made with another recipe (the differing fields named).
        WeightsError: the file is corrupt or does not fit the nets.
    """
    if not path.is_file():
        raise OptionError(f"{path}: no checkpoint to resume from")
    tensors, meta = read_safetensors(path)
    try:
        saved = json.loads(meta["recipe"])
        step = int(meta["step"])
        groups = json.loads(meta["param_groups"])
        schedulers = json.loads(meta.get("schedulers", "{}"))
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
    if meta.get("format") != FORMAT:
        tensors, groups = _from_first_format(path, tensors, groups, state)
    for name, net in state.nets.items():
        prefix = f"nets.{name}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            net.load_state_dict(own, strict=True)
        except RuntimeError:
            raise WeightsError(f"{path}: checkpoint weights do not fit the net {name!r}") from None
    for name, optimizer in state.optimizers.items():
        if name not in groups:
            raise WeightsError(f"{path}: checkpoint has no optimizer {name!r}")
        per: dict[int, dict[str, torch.Tensor]] = {}
        prefix = f"optimizers.{name}."
        for key, value in tensors.items():
            if key.startswith(prefix):
                idx, item = key[len(prefix) :].split(".", 1)
                per.setdefault(int(idx), {})[item] = value
        optimizer.load_state_dict({"state": per, "param_groups": groups[name]})
    for name, scheduler in state.schedulers.items():
        if name in schedulers:
            scheduler.load_state_dict(schedulers[name])
    if "rng.torch" in tensors:
        torch.set_rng_state(tensors["rng.torch"])
    return step, extra


def _from_first_format(
    path: Path, tensors: dict[str, torch.Tensor], groups: Any, state: TrainingState
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """A one-net checkpoint (``net.*``, ``opt.*``) renamed into this format's keys."""
    if set(state.nets) != {SOLE_NET}:
        raise WeightsError(f"{path}: a one-net checkpoint cannot resume {', '.join(state.nets)}")
    renamed: dict[str, torch.Tensor] = {}
    for key, value in tensors.items():
        if key.startswith("net."):
            renamed[f"nets.{SOLE_NET}.{key[4:]}"] = value
        elif key.startswith("opt."):
            renamed[f"optimizers.{SOLE_NET}.{key[4:]}"] = value
    return renamed, {SOLE_NET: groups}
