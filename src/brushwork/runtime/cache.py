"""Where exported graphs and compiled blobs are kept: ``$BRUSHWORK_HOME/exports/<digest>/``,
keyed by a digest of the weights and the net's config, so a changed model never meets the
artefacts of its old self."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from brushwork.weights import brushwork_home


def model_digest(state: Mapping[str, torch.Tensor], config: Mapping[str, Any]) -> str:
    """sha256 over the architecture, its config and every tensor (name, dtype, shape, bytes)."""
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {"architecture": config.get("architecture"), "config": config.get("config")},
            sort_keys=True,
        ).encode()
    )
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def export_dir(digest: str, *, create: bool = True) -> Path:
    """The cache folder of one model's exports (created unless ``create`` is False)."""
    path = brushwork_home() / "exports" / digest[:24]
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
