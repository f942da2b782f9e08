"""Fast feed-forward stylisation (Johnson, Alahi and Fei-Fei, 2016): one pass of a trained
image transform net, at any size.

Large images run tile by tile (:func:`brushwork.ops.tiling.tiled`). Instance norm would give
each tile its own statistics and so its own tone; instead the statistics of every norm layer are
recorded on one pass over the image scaled to at most ``STATS_PIXELS`` and replayed on each
tile, so all tiles are normalised alike (for an image below that size they are exactly the
statistics of an untiled pass).

The net runs on a backend of :mod:`brushwork.runtime` (PyTorch, ONNX Runtime or OpenVINO);
``backend="auto"`` picks the fastest installed one for the image size.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image
from tqdm.auto import tqdm

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.devices import resolve_device, resolve_precision
from brushwork.errors import OptionError
from brushwork.modelfile import ModelFile, read_model
from brushwork.nets.registry import load_net
from brushwork.ops.color import check_mode, recolor
from brushwork.ops.tiling import tiled
from brushwork.pipelines._common import (
    ImageLike,
    check_memory,
    load_input,
    resized,
)
from brushwork.runtime import (
    Engine,
    check_backend,
    create_engine,
    is_exported,
    model_digest,
    pick,
)

#: Images above this many pixels are stylised in tiles.
TILE_ABOVE = 1536 * 1536
TILE = 768
OVERLAP = 128
#: Size of the pass that records instance-norm statistics for tiling.
STATS_PIXELS = 1024 * 1024
#: Rough peak bytes per pixel of an untiled float32 pass (activations of the 32-channel layers).
BYTES_PER_PIXEL = 1_200


@dataclass
class StylizeResult:
    """What a feed-forward call returns alongside the picture."""

    image: Image.Image
    seconds: float
    tiles: int
    backend: str = "torch"


class FastStyle:
    """A trained feed-forward style; call it on an image.

    Example:
        >>> import brushwork as bw
        >>> style = bw.load("starry_night")
        >>> out = style(bw.samples.sample_photo("coffee"), strength=0.8)
        >>> out.size
        (600, 400)
    """

    def __init__(
        self,
        net: torch.nn.Module,
        *,
        name: str,
        config: dict[str, Any] | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        backend: str = "auto",
        compile: bool = False,
    ) -> None:
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.net = net.to(self.device).eval()
        self.name = name
        self.config = config or {}
        self.backend = check_backend(backend, compile=compile)
        self.compile = compile
        #: pixels of the whole job ahead (a folder, a video), set by callers that know it, so
        #: ``auto`` may export the net to a faster backend when that pays off
        self.job_pixels = 0
        self._engines: dict[str, Engine] = {}
        self._digest: str | None = None
        #: False for nets that must see the whole image at once (a mask blend's condition)
        self.tileable = True

    @property
    def digest(self) -> str:
        """Digest of the weights and config (keys the export cache)."""
        if self._digest is None:
            self._digest = model_digest(self.net.state_dict(), self.config)
        return self._digest

    def engine(self, pixels: int) -> Engine:
        """The backend engine for images of ``pixels`` pixels (created once per backend)."""
        name = pick(
            self.backend,
            pixels,
            self.device,
            exported=lambda: is_exported(self.digest),  # hashes the weights only when asked
            job_pixels=self.job_pixels,
            compile=self.compile,
        )
        if name not in self._engines:
            self._engines[name] = create_engine(
                name,
                self.net,
                config=self.config,
                digest=self.digest if name != "torch" else None,
                device=self.device,
                precision=self.precision,
                compile=self.compile,
            )
        return self._engines[name]

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        backend: str = "auto",
        compile: bool = False,
    ) -> FastStyle:
        """A bundled style by name, or a model folder / ``.safetensors`` file by path."""
        path = zoo.resolve(name_or_path)
        model: ModelFile = read_model(path)
        net = load_net(model, expect=methods.get("fast").runs)
        return cls(
            net,
            name=path.name,
            config=model.config,
            device=device,
            precision=precision,
            backend=backend,
            compile=compile,
        )

    @torch.no_grad()
    def stylize_tensor(
        self,
        x: torch.Tensor,
        *,
        tile: int | None = None,
        overlap: int = OVERLAP,
        progress: bool = False,
    ) -> tuple[torch.Tensor, int]:
        """Stylise (1, 3, H, W) in [0, 1]; tiles when ``tile`` is given or the image is large.

        Returns:
            the output (1, 3, H, W) float32 on the CPU, clamped to [0, 1], and the tile count.
        """
        h, w = x.shape[-2:]
        if tile is None and h * w <= TILE_ABOVE:
            check_memory(h * w * BYTES_PER_PIXEL, f"stylising {w}x{h}", self.device)
            return self.engine(h * w).run(x).clamp(0, 1), 1
        if not self.tileable:
            raise OptionError(
                f"{w}x{h} would need tiling, which a mask blend cannot use; keep it within "
                f"{TILE_ABOVE} pixels (for example --size {int(math.sqrt(TILE_ABOVE))})"
            )
        tile = tile or TILE
        engine = self.engine(tile * tile)
        scale = min(1.0, math.sqrt(STATS_PIXELS / (h * w)))
        small = x
        if scale < 1.0:
            small = imageio.resize_tensor(x, (max(16, round(h * scale)), max(16, round(w * scale))))
        stats = engine.statistics(small)
        bar = tqdm(total=1, desc="tiles", unit="tile", disable=not progress, leave=False)

        def step(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            out = tiled(
                lambda t: engine.replay(t, stats),
                x,
                tile=tile,
                overlap=overlap,
                align=4,
                progress=step,
            )
        finally:
            bar.close()
        return out.clamp(0, 1), int(bar.total or 1)

    def stylize(
        self,
        image: ImageLike,
        *,
        strength: float = 1.0,
        preserve_color: str | None = None,
        size: int | None = None,
        tile: int | None = None,
        progress: bool = False,
    ) -> StylizeResult:
        """Stylise a path or PIL image; alpha is kept.

        Args:
            image: the photo.
            strength: 1 is the full style, 0 the photo; in between blends the two.
            preserve_color: ``None``, ``"luminance"`` or ``"histogram"`` (keep the photo's colours).
            size: long side of the output; ``None`` keeps the photo's size.
            tile: tile side for large images; ``None`` tiles only above ``TILE_ABOVE`` pixels.
        """
        if not 0.0 <= strength <= 1.0:
            raise OptionError(f"strength must be between 0 and 1, got {strength}")
        mode = check_mode(preserve_color)
        start = time.perf_counter()
        loaded = load_input(image)
        x = imageio.to_tensor(resized(loaded.rgb, size))
        y, tiles = self.stylize_tensor(x, tile=tile, progress=progress)
        y = recolor(y, x, mode)
        if strength < 1.0:
            y = strength * y + (1.0 - strength) * x
        out = imageio.with_alpha(imageio.to_pil(y), loaded.alpha)
        backend = self.engine(x.shape[-2] * x.shape[-1] if tiles == 1 else TILE * TILE).name
        return StylizeResult(out, time.perf_counter() - start, tiles, backend)

    def __call__(
        self,
        image: ImageLike,
        *,
        strength: float = 1.0,
        preserve_color: str | None = None,
        size: int | None = None,
        tile: int | None = None,
    ) -> Image.Image:
        """PIL in, PIL out: see :meth:`stylize`."""
        return self.stylize(
            image, strength=strength, preserve_color=preserve_color, size=size, tile=tile
        ).image

    def __repr__(self) -> str:
        return f"FastStyle({self.name!r}, device={self.device})"
