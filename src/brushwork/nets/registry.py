"""Nets from model files: ``build(architecture, config)`` and ``load_net(model_file)``, with the
architectures' builders found through the method registry (:mod:`brushwork.methods`)."""

from __future__ import annotations

from typing import Any

from torch import nn

from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import ModelFile, component

#: the image-to-image nets a fast style can be (``bw.load`` takes any of them)
FEEDFORWARD = ("transformer", "lite")


def build(architecture: str, config: dict[str, Any]) -> nn.Module:
    """An untrained net of ``architecture`` with ``config`` (its builder comes from the method
    that owns the architecture, :mod:`brushwork.methods`)."""
    from brushwork.methods import builder

    make = builder(architecture)
    try:
        net: nn.Module = make(dict(config))
    except (OptionError, TypeError, ValueError) as exc:
        raise WeightsError(f"bad {architecture} config: {exc}") from None
    return net


def load_net(model: ModelFile, *, expect: str | tuple[str, ...] | None = None) -> nn.Module:
    """Build the net a model file describes and load its weights (cast to float32).

    ``expect``: the architecture(s) the caller can use; any other is a clear error. A model
    folder of several nets gives its main net (:func:`~brushwork.modelfile.component` picks
    another).
    """
    model = component(model)
    wanted = (expect,) if isinstance(expect, str) else expect
    if wanted is not None and model.architecture not in wanted:
        raise WeightsError(
            f"{model.path}: {_article(model.architecture or 'unknown')} model, "
            f"not {' or '.join(_article(w) for w in wanted)} model"
        )
    cfg = model.config.get("config", {})
    if not isinstance(cfg, dict):
        raise WeightsError(f"{model.path}: 'config' must be an object")
    net = build(model.architecture, cfg)
    state = {
        k.removeprefix("module.").removeprefix("_orig_mod."): v for k, v in model.state.items()
    }
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in expected if k in state and state[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        parts = [
            f"{what} {', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}"
            for what, keys in (
                ("missing", missing),
                ("unexpected", unexpected),
                ("wrong shape", wrong),
            )
            if keys
        ]
        raise WeightsError(f"{model.path}: weights do not fit the config ({'; '.join(parts)})")
    net.load_state_dict(state, strict=True)
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word
