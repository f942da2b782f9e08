"""Perceptual-loss super-resolution (Johnson, Alahi and Fei-Fei, 2016, section 4.2): one pass
of a trained :class:`~brushwork.nets.sr.SRNet` makes the image ``scale`` times larger.

Large inputs run tile by tile (:func:`brushwork.ops.tiling.tiled`; the net has no normalisation,
so tiles agree exactly away from their blended edges). An alpha channel is upscaled apart from
the colour, by Lanczos, so transparent edges stay clean. The output is exactly ``scale`` times
the input in each direction.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from tqdm.auto import tqdm

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.devices import resolve_device
from brushwork.errors import ImageError, OptionError
from brushwork.modelfile import read_config, read_model
from brushwork.nets.registry import load_net
from brushwork.nets.sr import SRNet
from brushwork.ops.tiling import tile_starts, tiled
from brushwork.pipelines._common import ImageLike, check_memory, load_input

#: Inputs above this many pixels are upscaled in tiles of ``TILE`` input pixels.
TILE_ABOVE = 256 * 256
TILE = 256
#: Input pixels shared by neighbouring tiles (the net sees about 14 input pixels around each; the
#: outer quarter of an overlap is not used).
OVERLAP = 64
#: Smallest input side (smaller images are padded inside the net's reach, then cropped).
MIN_SIDE = 4
_PAD_TO = 16
#: Rough peak bytes of an untiled float32 pass per *output* pixel (64-channel activations).
BYTES_PER_OUTPUT_PIXEL = 800

#: ``on_tile(tiles done, tiles in all)``
TileCallback = Callable[[int, int], None]


def zoo_name(scale: int) -> str:
    """The bundled model of a scale: ``sr-x4``, ``sr-x8``."""
    return f"sr-x{scale}"


def bundled_scales() -> list[int]:
    """Scales of the bundled (feature-loss) super-resolution models."""
    out = []
    for e in zoo.entries():
        if methods.for_model(e.config).name == "sr" and e.name == zoo_name(int(e.config["scale"])):
            out.append(int(e.config["scale"]))
    return sorted(out)


@dataclass
class UpscaleResult:
    """What an upscaling call returns alongside the picture."""

    image: Image.Image
    seconds: float
    tiles: int
    scale: int
    backend: str = "torch"


class Upscaler:
    """A trained super-resolution net; call it on an image.

    Example:
        >>> import brushwork as bw
        >>> sr = bw.load("sr-x4")
        >>> sr(bw.samples.sample_photo("coffee").resize((60, 40))).size
        (240, 160)
    """

    def __init__(
        self,
        net: SRNet,
        *,
        name: str,
        config: dict[str, object] | None = None,
        device: str | torch.device | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.net = net.to(self.device).eval()
        self.name = name
        self.config = config or {}

    @property
    def scale(self) -> int:
        return self.net.scale

    @classmethod
    def from_pretrained(
        cls, name_or_path: str | os.PathLike[str], *, device: str | torch.device | None = None
    ) -> Upscaler:
        """A bundled model by name (``sr-x4``) or a model folder / file by path."""
        path = zoo.resolve(name_or_path, "upscale")
        model = read_model(path)
        net = load_net(model, expect=methods.get("sr").runs)
        assert isinstance(net, SRNet)
        return cls(net, name=path.name, config=model.config, device=device)

    def check_size(self, width: int, height: int) -> None:
        """Clear errors for inputs too small to upscale or whose output would be too large."""
        if min(width, height) < MIN_SIDE:
            raise ImageError(
                f"image is {width}x{height}: too small to upscale (at least {MIN_SIDE}x{MIN_SIDE})"
            )
        s = self.scale
        out = width * s * height * s
        if out > imageio.MAX_PIXELS:
            raise ImageError(
                f"{width}x{height} upscaled x{s} would be {width * s}x{height * s} = "
                f"{out / 1e6:.0f} MP, over the {imageio.MAX_PIXELS // 1_000_000} MP limit"
            )

    @torch.no_grad()
    def upscale_tensor(
        self,
        x: torch.Tensor,
        *,
        tile: int | None = None,
        progress: bool = False,
        on_tile: TileCallback | None = None,
    ) -> tuple[torch.Tensor, int]:
        """(1, 3, H, W) in [0, 1] -> ((1, 3, sH, sW) in [0, 1] on the CPU, tile count).

        ``on_tile(done, total)`` is called after each tile (an exception from it stops the run).
        """
        h, w = x.shape[-2:]
        self.check_size(w, h)
        s = self.scale
        if tile is None and h * w <= TILE_ABOVE:
            check_memory(h * w * s * s * BYTES_PER_OUTPUT_PIXEL, f"upscaling {w}x{h}", self.device)
            return self._run(x).clamp(0, 1), 1
        tile = tile or TILE
        if tile <= 2 * OVERLAP:
            raise OptionError(f"tile must be more than {2 * OVERLAP} px, got {tile}")
        bar = tqdm(total=1, desc="tiles", unit="tile", disable=not progress, leave=False)

        def step(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)
            if on_tile is not None:
                on_tile(done, total)

        try:
            out = tiled(self._run, x, tile=tile, overlap=OVERLAP, scale=s, progress=step)
        finally:
            bar.close()
        n = len(tile_starts(h, tile, OVERLAP)) * len(tile_starts(w, tile, OVERLAP))
        return out.clamp(0, 1), n

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        """The net on one piece; pieces under ``_PAD_TO`` px are edge-padded, then cropped."""
        h, w = x.shape[-2:]
        ph, pw = max(0, _PAD_TO - h), max(0, _PAD_TO - w)
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        y: torch.Tensor = self.net(x.to(self.device)).float().cpu()
        s = self.scale
        return y[..., : h * s, : w * s]

    def upscale(
        self,
        image: ImageLike,
        *,
        tile: int | None = None,
        progress: bool = False,
        on_tile: TileCallback | None = None,
    ) -> UpscaleResult:
        """Upscale a path or PIL image; an alpha channel is upscaled apart (Lanczos)."""
        t0 = time.perf_counter()
        loaded = load_input(image, min_side=1)  # upscale_tensor's check_size says what is too small
        y, tiles = self.upscale_tensor(
            imageio.to_tensor(loaded.rgb), tile=tile, progress=progress, on_tile=on_tile
        )
        out = imageio.to_pil(y)
        if loaded.alpha is not None:
            out = imageio.with_alpha(out, loaded.alpha)
        return UpscaleResult(out, time.perf_counter() - t0, tiles, self.scale)

    def __call__(self, image: ImageLike, **options: object) -> Image.Image:
        """The upscaled image (``options`` as :meth:`upscale`)."""
        return self.upscale(image, **options).image  # type: ignore[arg-type]


def load_sr(
    model: str | os.PathLike[str] | None = None,
    *,
    scale: int | None = None,
    device: str | torch.device | None = None,
) -> Upscaler:
    """The upscaler for ``model`` (name or path), or the bundled one for ``scale``.

    Raises:
        OptionError: no bundled model for ``scale``, or ``model`` upscales by another factor
            (the message names the scales that exist).
    """
    if model is None:
        scales = bundled_scales()
        scale = scale or 4
        if scale not in scales:
            raise OptionError(
                f"no model for x{scale}; available scales: {', '.join(f'x{s}' for s in scales)}"
            )
        model = zoo_name(scale)
    config = read_config(zoo.resolve(model, "upscale"))
    if methods.for_model(config).name != "sr":
        raise OptionError(f"{model} is not a super-resolution model")
    if scale is not None and int(config.get("scale", 0)) != scale:
        scales = bundled_scales()
        raise OptionError(
            f"{model} upscales x{config.get('scale')}, not x{scale}; bundled scales: "
            f"{', '.join(f'x{s}' for s in scales)}"
        )
    return Upscaler.from_pretrained(model, device=device)


def load_model(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    **options: Any,
) -> Upscaler:
    """The method registry's loader (``bw.load``): an upscaler takes no style options."""
    if style is not None or options:
        raise OptionError(f"{name_or_path} is a super-resolution model: it takes no style options")
    return Upscaler.from_pretrained(str(name_or_path), device=device)
