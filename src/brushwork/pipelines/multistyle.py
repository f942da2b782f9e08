"""Multi-style models (Dumoulin, Shlens and Kudlur, 2017): one net, many styles, chosen by
name or index, blended by weight, or assigned to regions of the photo by a colour mask.

A style or a blend runs as an ordinary single-style :class:`FastStyle` (its scales and shifts
mixed into plain instance norms), so it gets every backend, export and tiling of those. A mask
blend mixes the norm parameters per position instead, in PyTorch, without tiling.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import torch
from PIL import Image

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.errors import OptionError, unknown_choice
from brushwork.modelfile import read_model
from brushwork.nets.multistyle import StyleMix, collapse, mixture, styles_of
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerNet
from brushwork.ops.regions import regions_from_mask
from brushwork.pipelines._common import ImageLike, load_input, load_mask
from brushwork.pipelines.feedforward import FastStyle, StylizeResult

#: a style of a multi-style model: its name, its index, or a blend {name or index: weight}
StyleChoice: TypeAlias = str | int | Mapping[str | int, float]


def parse_blend(spec: str) -> dict[str | int, float]:
    """``"starry_night:0.7,the_scream:0.3"`` -> ``{"starry_night": 0.7, "the_scream": 0.3}``;
    a bare name weighs 1; a bare integer is a style index."""
    out: dict[str | int, float] = {}
    for part in spec.split(","):
        name, sep, weight = part.strip().rpartition(":")
        if not sep:
            name, weight = weight, "1"
        name = name.strip()
        if not name:
            raise OptionError(f"style blend {spec!r}: a style name is missing")
        try:
            w = float(weight)
        except ValueError:
            raise OptionError(f"style blend {spec!r}: {weight!r} is not a number") from None
        key: str | int = int(name) if name.isdigit() else name
        out[key] = out.get(key, 0.0) + w
    return out


def style_names(config: Mapping[str, Any]) -> list[str]:
    """The style names a model's config lists (empty for a single-style model)."""
    return [str(s.get("name", i)) for i, s in enumerate(config.get("styles") or [])]


def find_model(spec: str, model: str | os.PathLike[str] | None = None) -> tuple[Path, str | None]:
    """Where the style ``spec`` lives: (model path, the choice within it or ``None``).

    ``spec`` is a bundled name or model path, or (with ``model``, or alone for the bundled
    multi-style models) a style name, index or blend ``"a:0.7,b:0.3"`` inside a model.
    """
    if model is not None:
        return zoo.resolve(model), spec
    if spec in zoo.names() or zoo.is_model_path(spec) or "/" in spec or os.sep in spec:
        return zoo.resolve(spec), None  # a path: its own clear error when it is no model
    wanted = [k for k in parse_blend(spec) if isinstance(k, str)]
    for entry in zoo.entries():
        names = style_names(entry.config)
        if wanted and all(n in names for n in wanted):
            return entry.path, spec
    inside = [n for e in zoo.entries() for n in style_names(e.config)]
    if len(wanted) > 1 and all(n in zoo.names() + inside for n in wanted):
        raise OptionError(
            f"{spec!r}: a blend needs styles of one multi-style model; "
            f"{', '.join(wanted)} are not all in one"
        )
    missing = next((n for n in wanted if n not in inside), spec)
    known = list(dict.fromkeys(zoo.style_names() + inside))
    close = difflib.get_close_matches(str(missing), known, n=1)
    hint = f" Did you mean the bundled style {close[0]!r}?" if close else ""
    raise OptionError(
        f"{missing}: not a bundled style, a style of a bundled multi-style model, a model "
        f"folder or an image file (bundled: {', '.join(known) or 'none'}).{hint}"
    )


class MultiStyle:
    """A multi-style model; :meth:`select` a style or blend, or :meth:`stylize` with a mask.

    Example:
        >>> ms = MultiStyle.from_pretrained("paintings")
        >>> ms.names[:3]
        ['starry_night', 'the_scream', 'great_wave']
        >>> ms.select({"starry_night": 0.7, "the_scream": 0.3}).name
        'paintings[starry_night:0.7,the_scream:0.3]'
    """

    def __init__(
        self,
        net: TransformerNet,
        *,
        name: str,
        config: dict[str, Any],
        **options: Any,
    ) -> None:
        self.net = net
        self.name = name
        self.config = config
        self.options = options  # device, precision, backend, compile for every FastStyle made
        self.names = style_names(config) or [str(i) for i in range(styles_of(net))]
        if len(self.names) != styles_of(net):
            raise OptionError(
                f"{name}: config lists {len(self.names)} styles, the net holds {styles_of(net)}"
            )
        self._selected: dict[tuple[float, ...], FastStyle] = {}

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike[str], **options: Any) -> MultiStyle:
        path = zoo.resolve(name_or_path)
        model = read_model(path)
        net = load_net(model, expect=methods.get("fast").runs)
        if not isinstance(net, TransformerNet) or not styles_of(net):
            raise OptionError(f"{path.name}: a single-style model, not a multi-style one")
        return cls(net, name=path.name, config=model.config, **options)

    def slot(self, key: str | int) -> int:
        """The index of a style given by name or index."""
        if isinstance(key, int):
            if not 0 <= key < len(self.names):
                raise OptionError(
                    f"style index {key} is out of range: {self.name} has {len(self.names)} "
                    f"styles (0-{len(self.names) - 1})"
                )
            return key
        if key not in self.names:
            raise unknown_choice(f"style of {self.name}", key, self.names)
        return self.names.index(key)

    def weights(self, style: StyleChoice) -> torch.Tensor:
        """The (S,) convex combination of slots that ``style`` names."""
        if isinstance(style, str):
            style = parse_blend(style)
        if isinstance(style, int):
            style = {style: 1.0}
        return mixture({self.slot(k): w for k, w in style.items()}, len(self.names))

    def select(self, style: StyleChoice) -> FastStyle:
        """One style or a blend as a :class:`FastStyle` (any backend, tiling)."""
        w = self.weights(style)
        key = tuple(round(float(v), 6) for v in w)
        if key not in self._selected:
            label = ",".join(f"{n}:{v:g}" for n, v in zip(self.names, key, strict=True) if v)
            config = dict(self.config) | {"blend": dict(zip(self.names, key, strict=True))}
            self._selected[key] = FastStyle(
                collapse(self.net, w), name=f"{self.name}[{label}]", config=config, **self.options
            )
        return self._selected[key]

    def stylize(
        self,
        image: ImageLike,
        *,
        style: StyleChoice | Sequence[str | int],
        mask: ImageLike | None = None,
        mask_colors: Sequence[tuple[int, int, int]] | None = None,
        **kwargs: Any,
    ) -> StylizeResult:
        """Stylise with one style, a blend, or (with ``mask``) one style per mask region.

        Args:
            style: a choice (name, index, blend), or with a mask the styles of the regions in
                order (the mask's colours darkest first, or ``mask_colors``).
            mask: colour-coded regions, the photo's shape.
            kwargs: as :meth:`FastStyle.stylize` (strength, preserve_color, size, tile).
        """
        if mask is None:
            if not isinstance(style, str | int | Mapping):
                raise OptionError("several styles need a mask, or blend weights")
            return self.select(style).stylize(image, **kwargs)
        keys: list[str | int]
        if isinstance(style, str):
            blend = parse_blend(style)
            if any(w != 1.0 for w in blend.values()):
                raise OptionError("style weights cannot be combined with a mask: it assigns styles")
            keys = list(blend)
        elif isinstance(style, int | Mapping):
            raise OptionError("a mask needs one style per region, in the order of its colours")
        else:
            keys = list(style)
        slots = [self.slot(k) for k in keys]
        loaded = load_input(image)
        m = load_mask(mask, loaded.rgb.size)
        regions = regions_from_mask(m, len(slots), mask_colors)  # (1, R, H, W)
        condition = torch.zeros(1, len(self.names), *regions.shape[-2:])
        for r, s in enumerate(slots):
            condition[:, s] += regions[:, r]
        options = dict(self.options) | {"backend": "torch", "compile": False}
        fast = FastStyle(
            StyleMix(self.net, condition), name=f"{self.name}[mask]", config=self.config, **options
        )
        fast.tileable = False
        return fast.stylize(loaded_image(loaded), **kwargs)

    def __call__(self, image: ImageLike, *, style: StyleChoice, **kwargs: Any) -> Image.Image:
        """PIL in, PIL out: see :meth:`stylize`."""
        return self.stylize(image, style=style, **kwargs).image

    def __repr__(self) -> str:
        return f"MultiStyle({self.name!r}, styles={self.names})"


def loaded_image(loaded: imageio.LoadedImage) -> Image.Image:
    """A loaded photo back as one PIL image (alpha re-attached)."""
    return imageio.with_alpha(loaded.rgb, loaded.alpha)


def load_multi(name_or_path: str | os.PathLike[str], **options: Any) -> MultiStyle:
    """A multi-style model by bundled name or path (``bw.load_multi``)."""
    return MultiStyle.from_pretrained(name_or_path, **options)
