"""Image-to-image translation with a trained generator: pix2pix (Isola et al., CVPR 2017) or
either direction of a CycleGAN (Zhu et al., ICCV 2017), at any size.

A :class:`Translator` is a :class:`~brushwork.pipelines.feedforward.FastStyle` whose net is a
translation generator, so it shares that pipeline's backends (PyTorch, ONNX Runtime,
OpenVINO), tiling of large images with shared instance-norm statistics, video and export. The
generators pad any size to their multiple (2^depth for a U-Net, 4 for the ResNet) and crop back,
so nothing crashes on a side that is not a multiple. Dropout is off at inference (the same
image always gives the same output).
"""

from __future__ import annotations

import os
import time
from typing import Any

import torch

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.errors import OptionError
from brushwork.modelfile import ModelFile, component, read_model
from brushwork.nets.generator import PaddedGenerator, mirror_pad
from brushwork.nets.registry import load_net
from brushwork.pipelines._common import ImageLike, load_input, resized
from brushwork.pipelines.feedforward import FastStyle, StylizeResult
from brushwork.runtime.engine import Engine, PaddedEngine
from brushwork.training.pairs import DIRECTIONS, check_direction

#: the component of a CycleGAN model that runs each direction
CYCLE_COMPONENTS = {"AtoB": "g_ab", "BtoA": "g_ba"}


def directions(config: dict[str, Any]) -> list[str]:
    """The directions a translation model runs: a CycleGAN both, a pix2pix model its own."""
    listed = config.get("directions")
    if isinstance(listed, list):
        return [str(d) for d in listed]
    return [str(config.get("direction", "AtoB"))]


def domains(config: dict[str, Any], direction: str) -> tuple[str, str]:
    """(from, to) names of a model's translation in ``direction``."""
    t = config.get("translates", {}) or {}
    src, dst = str(t.get("from", "A")), str(t.get("to", "B"))
    trained = str(config.get("direction", "AtoB"))
    return (src, dst) if direction == trained else (dst, src)


class Translator(FastStyle):
    """A trained translation generator; call it on an image.

    Example:
        >>> import brushwork as bw
        >>> labels2photo = bw.load("facades_labels2photo")
        >>> labels2photo(bw.samples.sample_photo("coffee")).size
        (600, 400)
    """

    direction: str = "AtoB"
    translates: tuple[str, str] = ("A", "B")

    @classmethod
    def from_model(
        cls,
        model: ModelFile,
        *,
        name: str,
        direction: str | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        backend: str = "auto",
        compile: bool = False,
    ) -> Translator:
        """The generator of ``model`` that runs ``direction`` (default: the one it was trained
        for; a pix2pix model runs no other)."""
        runs = directions(model.config)
        wanted = direction or runs[0]
        check_direction(wanted)
        if wanted not in runs:
            src, dst = domains(model.config, runs[0])
            raise OptionError(
                f"{name} translates {src} -> {dst} ({runs[0]}) only; it cannot run {wanted} "
                "(pix2pix learns one direction: train or load a model for the other)"
            )
        part = CYCLE_COMPONENTS[wanted] if len(runs) > 1 else None
        translation = ("pix2pix", "cyclegan")
        net = load_net(component(model, part), expect=_architectures(translation))
        out = cls(
            net,
            name=name,
            config=model.config,
            device=device,
            precision=precision,
            backend=backend,
            compile=compile,
        )
        out.direction = wanted
        out.translates = domains(model.config, wanted)
        return out

    def engine(self, pixels: int) -> Engine:
        """The backend engine, fed sides that are multiples of the generator's, mirror-padded
        (a U-Net's exported graph assumes multiples, and no exported graph can mirror-pad
        itself), so every backend pads alike."""
        inner = super().engine(pixels)
        net = self.net
        m = int(net.multiple) if isinstance(net, PaddedGenerator) else 1
        return PaddedEngine(inner, m) if m > 1 else inner

    @property
    def min_side(self) -> int:
        """Smaller sides are mirror-padded before the generator sees them."""
        net = self.net
        return int(net.min_side) if isinstance(net, PaddedGenerator) else 1

    @torch.no_grad()
    def stylize_tensor(
        self,
        x: torch.Tensor,
        *,
        tile: int | None = None,
        overlap: int = 128,
        progress: bool = False,
    ) -> tuple[torch.Tensor, int]:
        """Translate (1, 3, H, W) in [0, 1]; sides below the generator's smallest are
        mirror-padded first, then cropped."""
        h, w = x.shape[-2:]
        least = self.min_side
        if min(h, w) < least:
            padded = mirror_pad(x, max(0, least - w), max(0, least - h))
            y, tiles = super().stylize_tensor(padded, tile=tile, overlap=overlap, progress=progress)
            return y[..., :h, :w], tiles
        return super().stylize_tensor(x, tile=tile, overlap=overlap, progress=progress)

    def translate(
        self,
        image: ImageLike,
        *,
        size: int | None = None,
        tile: int | None = None,
        progress: bool = False,
    ) -> StylizeResult:
        """Translate a path or PIL image (grey, CMYK and palette images are converted to RGB;
        alpha is kept); ``size``: long side of the output (``None``: the input's)."""
        start = time.perf_counter()
        loaded = load_input(image)
        x = imageio.to_tensor(resized(loaded.rgb, size))
        y, tiles = self.stylize_tensor(x, tile=tile, progress=progress)
        out = imageio.with_alpha(imageio.to_pil(y), loaded.alpha)
        backend = self.engine(x.shape[-2] * x.shape[-1]).name
        return StylizeResult(out, time.perf_counter() - start, tiles, backend)

    def __repr__(self) -> str:
        src, dst = self.translates
        return f"Translator({self.name!r}, {src} -> {dst}, device={self.device})"


def _architectures(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(a for n in names for a in methods.get(n).runs if a != "patchgan")


def load(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    direction: str | None = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    backend: str = "auto",
    compile: bool = False,
    **options: Any,
) -> Translator:
    """A bundled translation model by name or a model folder by path, ready to call
    (``bw.load("facades_labels2photo")(labels)``; a CycleGAN takes ``direction="BtoA"`` for its
    reverse generator). A translation model takes no style options."""
    if style is not None or options:
        given = ", ".join(sorted({*options, *(["style"] if style is not None else [])}))
        raise OptionError(
            f"{name_or_path} is a translation model: it takes no style options ({given})"
        )
    if direction is not None and direction not in DIRECTIONS:
        check_direction(direction)
    path = zoo.resolve(name_or_path, "translate")
    return Translator.from_model(
        read_model(path),
        name=path.name,
        direction=direction,
        device=device,
        precision=precision,
        backend=backend,
        compile=compile,
    )
