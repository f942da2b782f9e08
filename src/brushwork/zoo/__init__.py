"""The zoo: trained model folders shipped inside the package, found by name.

Each sub-folder holding a ``config.json`` is a model; its name is the folder's name.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brushwork.errors import WeightsError, unknown_choice
from brushwork.modelfile import CONFIG_FILE, PREVIEW_FILE

ZOO_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ZooEntry:
    """One bundled model: its name, folder and config.json."""

    name: str
    path: Path
    config: dict[str, Any]

    @property
    def preview(self) -> Path | None:
        p = self.path / PREVIEW_FILE
        return p if p.is_file() else None

    @property
    def description(self) -> str:
        return str(self.config.get("description", ""))


def names() -> list[str]:
    """Names of the bundled models, sorted."""
    return sorted(p.name for p in ZOO_DIR.iterdir() if (p / CONFIG_FILE).is_file())


def entries() -> list[ZooEntry]:
    """Every bundled model with its config."""
    out = []
    for name in names():
        path = ZOO_DIR / name
        try:
            cfg = json.loads((path / CONFIG_FILE).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise WeightsError(f"bundled model {name}: unreadable config ({exc})") from None
        out.append(ZooEntry(name, path, cfg))
    return out


def style_names() -> list[str]:
    """Names of the bundled style models (not the super-resolution ones), sorted."""
    return names_that("stylize")


#: folder of a multi-style model holding a thumbnail (640 px) of each painting it learned
PAINTINGS_DIR = "paintings"


def painting(name: str) -> Path | None:
    """The bundled thumbnail of the painting a style is named after (kept in the multi-style
    models' ``paintings/`` folders), or ``None``: the style image of a refine or a page's
    optimisation when only the style's name is known."""
    for e in entries():
        thumb = e.path / PAINTINGS_DIR / f"{name}.jpg"
        if thumb.is_file():
            return thumb
    return None


def is_model_path(value: str | os.PathLike[str]) -> bool:
    """Whether ``value`` is a model folder or a single-file ``.safetensors`` model."""
    p = Path(value)
    return (p.is_dir() and (p / CONFIG_FILE).is_file()) or (
        p.is_file() and p.suffix == ".safetensors"
    )


#: what an unknown name is called in the error, by the capability the caller needs
KINDS = {
    "stylize": "style",
    "translate": "translation model",
    "upscale": "super-resolution model",
    "mix": "MIXGAN model",
}


def names_that(capability: str) -> list[str]:
    """Names of the bundled models whose method has ``capability`` (``"translate"``), sorted."""
    from brushwork import methods

    return [e.name for e in entries() if methods.for_model(e.config).can(capability)]


def resolve(name_or_path: str | os.PathLike[str], can: str | None = None) -> Path:
    """The folder of a bundled model name, or a model folder/file given by path.

    ``can`` is the capability the caller needs (a key of :data:`KINDS`): an unknown name is then
    reported with the bundled models that have it (``unknown translation model 'x'; choose from
    facades_cyclegan, ...``). Without it, the styles are listed (or the super-resolution models
    for a name starting ``sr-``).

    Raises:
        OptionError: an unknown name, listing the bundled ones and the closest match.
    """
    value = str(name_or_path)
    if value in names():
        return ZOO_DIR / value
    if Path(value).exists():
        return Path(value)
    if "/" in value or os.sep in value or value.endswith(".safetensors"):
        raise WeightsError(f"{value}: no such model folder or file")
    if can is None:
        can = "upscale" if value.startswith("sr-") else "stylize"
    raise unknown_choice(KINDS[can], value, names_that(can))


def describe(path: str | os.PathLike[str]) -> str:
    """How a model's record names the model ``path`` it continued: ``"bundled NAME"`` for a
    model of the zoo (no machine's folder in a bundled config.json), else the path given.

    Example:
        >>> describe(ZOO_DIR / "adain"), describe("stages/adain_20261203p")
        ('bundled adain', 'stages/adain_20261203p')
    """
    folder = Path(path).resolve()
    return f"bundled {folder.name}" if folder.parent == ZOO_DIR else str(path)


def described(record: str, root: Path = ZOO_DIR) -> Path:
    """The model folder a record written by :func:`describe` names (a bundled one under
    ``root``): the inverse of it.

    Example:
        >>> described("bundled adain") == ZOO_DIR / "adain", described("stages/x")
        (True, PosixPath('stages/x'))
    """
    name = record.removeprefix("bundled ")
    return root / name if name != record else Path(record)
