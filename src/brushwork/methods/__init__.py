"""The method registry: one :class:`~brushwork.methods.spec.MethodSpec` per method, found by
name or by the architecture a model folder records (as timm's and the CycleGAN repo's model
registries do). The CLI, ``bw.load``, video, the web page and API and ``brushwork models list``
choose and wire methods through it; nothing else compares architecture names.

Built-in methods live one per file in this package; others are added with :func:`register`
from a module named in the ``BRUSHWORK_METHODS`` environment variable (comma-separated) or in
the ``brushwork.methods`` entry-point group, imported the first time the registry is read.
Importing the registry imports no torch: a spec names its pieces as ``"module:attribute"``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from importlib import metadata
from typing import Any

from brushwork.errors import OptionError, WeightsError, unknown_choice
from brushwork.methods.spec import MethodSpec

BUILTIN = (
    "fast",
    "adain",
    "wct",
    "linear",
    "optimize",
    "photoreal",
    "sr",
    "pix2pix",
    "cyclegan",
    "mixgan",
)
#: the one-pass method a style image gets unless one is named: the best of them on the held-out
#: paintings (README, "Learned linear transform"); its bundled model is named after it
ANY_STYLE_DEFAULT = "linear"
_METHODS: dict[str, MethodSpec] = {}
_loaded = False


def register(spec: MethodSpec) -> MethodSpec:
    """Add a method (or replace one of the same name); returns ``spec``."""
    for arch in spec.architectures:
        owner = next((m for m in _METHODS.values() if arch in m.architectures), None)
        if owner is not None and owner.name != spec.name:
            raise OptionError(f"architecture {arch!r} already belongs to method {owner.name!r}")
    _METHODS[spec.name] = spec
    return spec


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in BUILTIN:
        importlib.import_module(f"brushwork.methods.{name}")
    plugins = [m.strip() for m in os.environ.get("BRUSHWORK_METHODS", "").split(",") if m.strip()]
    for module in plugins:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise OptionError(
                f"BRUSHWORK_METHODS names {module!r}, which does not import: {exc}"
            ) from None
    for entry in metadata.entry_points(group="brushwork.methods"):
        entry.load()


def methods() -> dict[str, MethodSpec]:
    """Every registered method, by name."""
    _load()
    return dict(_METHODS)


def get(name: str) -> MethodSpec:
    """The method called ``name`` (an unknown name is an error naming the closest)."""
    found = methods().get(name)
    if found is None:
        raise unknown_choice("method", name, sorted(_METHODS))
    return found


def with_capability(capability: str) -> list[str]:
    """Names of the methods that can ``capability`` ("stylize", "video", ...), in order."""
    return [n for n, m in methods().items() if capability in m.capabilities]


def arbitrary() -> list[str]:
    """Names of the one-pass methods whose model takes any style image at each call (AdaIN,
    WCT); each one's bundled model is named after it."""
    return [n for n, m in methods().items() if m.can("style_image") and m.load is not None]


def for_architecture(architecture: str) -> MethodSpec:
    """The method that runs models of ``architecture``."""
    for spec in methods().values():
        if architecture in spec.architectures:
            return spec
    known = sorted(a for m in _METHODS.values() for a in m.architectures)
    raise WeightsError(
        f"architecture {architecture!r} is not one brushwork knows ({', '.join(known)})"
    )


def for_model(config: Mapping[str, Any]) -> MethodSpec:
    """The method of a model, from its config.json."""
    return for_architecture(str(config.get("architecture", "")))


def for_path(name_or_path: str | os.PathLike[str], can: str | None = None) -> MethodSpec:
    """The method of a bundled model name or a model folder or file (its config only is read);
    ``can`` names the capability wanted, for the error on an unknown name (``zoo.resolve``)."""
    from brushwork import zoo
    from brushwork.modelfile import read_config

    return for_model(read_config(zoo.resolve(name_or_path, can)))


def builder(architecture: str) -> Any:
    """The function that builds an untrained net of ``architecture`` from its config dict."""
    return for_architecture(architecture).builder(architecture)
