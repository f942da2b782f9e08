"""The architectures brushwork can build from a model's config.json, by name (as in timm's
registry): ``build(name, config)`` and ``load_net(model_file)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from brushwork.errors import OptionError, WeightsError
from brushwork.modelfile import ModelFile
from brushwork.nets.adain import AdaINDecoder, DecoderConfig
from brushwork.nets.lite import LiteConfig, LiteNet
from brushwork.nets.sr import SRConfig, SRNet
from brushwork.nets.transformer import TransformerConfig, TransformerNet

#: name -> function from the config dict to an (untrained) net.
ARCHITECTURES: dict[str, Callable[[dict[str, Any]], nn.Module]] = {
    "transformer": lambda d: TransformerNet(TransformerConfig.from_dict(d)),
    "lite": lambda d: LiteNet(LiteConfig.from_dict(d)),
    "adain_decoder": lambda d: AdaINDecoder(DecoderConfig.from_dict(d)),
    "sr": lambda d: SRNet(SRConfig.from_dict(d)),
}
#: the image-to-image nets a fast style can be (``bw.load`` takes any of them)
FEEDFORWARD = ("transformer", "lite")


def build(architecture: str, config: dict[str, Any]) -> nn.Module:
    """An untrained net of ``architecture`` with ``config``."""
    if architecture not in ARCHITECTURES:
        raise WeightsError(
            f"architecture {architecture!r} is not one brushwork knows ({', '.join(ARCHITECTURES)})"
        )
    try:
        return ARCHITECTURES[architecture](dict(config))
    except (OptionError, TypeError, ValueError) as exc:
        raise WeightsError(f"bad {architecture} config: {exc}") from None


def load_net(model: ModelFile, *, expect: str | tuple[str, ...] | None = None) -> nn.Module:
    """Build the net a model file describes and load its weights (cast to float32).

    ``expect``: the architecture(s) the caller can use; any other is a clear error.
    """
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
