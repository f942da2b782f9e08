"""What the registry knows of a method: one frozen spec, its pieces named lazily."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: what a method can do, as front ends ask: paint photos, run on clips, take a style image,
#: blend styles, follow a mask, tile large images, export to ONNX, upscale, translate between
#: image domains, mix the content of one domain with the style of another, train
CAPABILITIES = frozenset(
    {
        "stylize",
        "video",
        "style_image",
        "blend",
        "masks",
        "tiling",
        "export",
        "upscale",
        "translate",
        "mix",
        "train",
    }
)


def resolve(ref: str) -> Any:
    """``"package.module:attribute"`` -> the attribute (imported now)."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class MethodSpec:
    """One method.

    Attributes:
        name: the method's name (``--method``, the API's ``method``, config.json's ``method``).
        title: one line for people, citing the paper.
        architectures: model-folder architectures this method runs -> ``"module:builder"``,
            the function that builds an untrained net from the config dict.
        options: ``"module:Class"`` of the options its trainer records (``None``: no trainer).
        load: ``"module:function"`` that turns a model (name or path) into a ready pipeline:
            ``load(name_or_path, **options)``; ``None`` for methods without a model
            (optimisation).
        run: ``"module:function"`` for methods without a model (``optimize``).
        trainer: ``"module:function"`` that trains one (``train_*``), if any.
        commands: the CLI commands that reach it (``"stylize"``, ``"train fast"``, ...).
        capabilities: what it can do (see :data:`CAPABILITIES`).
        extra_architectures: names of net configs inside a model folder besides the main one
            (a GAN's discriminator), for documentation.
    """

    name: str
    title: str
    architectures: Mapping[str, str] = field(default_factory=dict)
    options: str | None = None
    load: str | None = None
    run: str | None = None
    trainer: str | None = None
    commands: tuple[str, ...] = ()
    capabilities: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.capabilities - CAPABILITIES
        if unknown:
            raise ValueError(f"{self.name}: unknown capabilities {sorted(unknown)}")

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def main_architecture(self) -> str:
        """The method's full net (the first listed; later ones are variants, e.g. lite)."""
        return next(iter(self.architectures))

    @property
    def runs(self) -> tuple[str, ...]:
        """Every architecture this method runs (``load_net``'s ``expect``)."""
        return tuple(self.architectures)

    def builder(self, architecture: str) -> Any:
        return resolve(self.architectures[architecture])

    def loader(self) -> Any:
        if self.load is None:
            raise ValueError(f"method {self.name!r} has no model to load")
        return resolve(self.load)

    def pipeline(self, name_or_path: str | os.PathLike[str], **options: Any) -> Any:
        """The ready pipeline of a model of this method."""
        return self.loader()(name_or_path, **options)

    def options_class(self) -> Any:
        return resolve(self.options) if self.options else None

    def train_function(self) -> Any:
        return resolve(self.trainer) if self.trainer else None
