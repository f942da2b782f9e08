"""The styles the web page offers: every painting a bundled feed-forward model was trained on,
with a thumbnail of the painting, the net that paints it fastest, and the multi-style net
(Dumoulin et al., 2017) that can blend it with others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from brushwork import methods, zoo
from brushwork.errors import unknown_choice
from brushwork.modelfile import STYLE_PREVIEWS
from brushwork.zoo import PAINTINGS_DIR


@dataclass(frozen=True)
class Painting:
    """One style of the gallery.

    Attributes:
        name: the style's name (``starry_night``).
        title: painter, title and year.
        painting: a thumbnail of the painting (also the style image for AdaIN and optimisation).
        model: the zoo name of the feed-forward model that paints it alone.
        multi: the multi-style model that holds it (for blends), or ``None``.
        preview: stylised sample photos, or ``None``.
    """

    name: str
    title: str
    painting: Path
    model: str
    multi: str | None
    preview: Path | None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "title": self.title, "model": self.model, "multi": self.multi}


@cache
def catalogue() -> dict[str, Painting]:
    """Every bundled painting by name, in the order of the multi-style models' configs."""
    entries = zoo.entries()
    fast = methods.get("fast")  # a painting's own model is the full net, not its lite twin
    singles = {
        e.name: e
        for e in entries
        if e.config.get("architecture") == fast.main_architecture and not e.config.get("styles")
    }
    out: dict[str, Painting] = {}
    for e in entries:
        for style in e.config.get("styles") or []:
            name = style["name"]
            thumb = e.path / PAINTINGS_DIR / f"{name}.jpg"
            if name in out or not thumb.is_file():
                continue
            single = singles.get(name)
            preview = single.preview if single else e.path / STYLE_PREVIEWS / f"{name}.jpg"
            out[name] = Painting(
                name=name,
                title=str(style.get("title") or (single and single.description) or name),
                painting=thumb,
                model=single.name if single else e.name,
                multi=e.name,
                preview=preview if preview and preview.is_file() else None,
            )
    return out


def painting(name: str) -> Painting:
    """The gallery entry of ``name``.

    Raises:
        OptionError: an unknown style, listing the known ones.
    """
    styles = catalogue()
    if name not in styles:
        raise unknown_choice("style", name, list(styles))
    return styles[name]
