"""Helpers shared by the pipelines: memory checks, image inputs, seeding."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeAlias

import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import OptionError

ImageLike: TypeAlias = str | os.PathLike[str] | Image.Image


def available_memory() -> int:
    """Bytes of memory available for a run (MemAvailable on Linux, else total physical)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_memory(needed: int, what: str, device: torch.device) -> None:
    """Refuse work that would not fit in memory, with the size to use instead."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        have = int(free)
    else:
        have = available_memory()
    if needed > 0.9 * have:
        raise OptionError(
            f"{what} needs about {needed / 2**30:.1f} GiB of memory but only "
            f"{have / 2**30:.1f} GiB is available; use a smaller size"
        )


def load_input(img: ImageLike, *, min_side: int = imageio.MIN_SIDE) -> imageio.LoadedImage:
    """A path or PIL image as a :class:`brushwork.image.LoadedImage` (sides >= ``min_side``)."""
    if isinstance(img, Image.Image):
        if min(img.size) < min_side:
            raise OptionError(f"image is {img.size[0]}x{img.size[1]}, smaller than {min_side} px")
        rgb, alpha = imageio.split_alpha(img)
        return imageio.LoadedImage(rgb=rgb, alpha=alpha)
    if isinstance(img, str | os.PathLike):
        return imageio.load(Path(img), min_side=min_side)
    raise OptionError(f"expected an image path or PIL image, got {type(img).__name__}")


def resized(rgb: Image.Image, size: int | None) -> Image.Image:
    """``rgb`` with its long side ``size`` (``None``: as it is), within the pixel limit."""
    if size is None:
        return rgb
    if size < imageio.MIN_SIDE:
        raise OptionError(f"size must be at least {imageio.MIN_SIDE} px, got {size}")
    new = imageio.size_for_long_side(rgb.size, size)
    if new[0] * new[1] > imageio.MAX_PIXELS:
        raise OptionError(
            f"--size {size} gives {new[0]}x{new[1]}, over the "
            f"{imageio.MAX_PIXELS // 1_000_000} MP limit; use a smaller size"
        )
    return imageio.resize(rgb, new)


def load_mask(
    mask: ImageLike, size: tuple[int, int], *, what: str = "mask", of: str = "photo"
) -> torch.Tensor:
    """A colour-coded region mask as (1, 3, H, W), checked to have the shape of an image of
    ``size`` (width, height)."""
    m = load_input(mask).rgb
    cw, ch = size
    if abs(m.size[0] / m.size[1] - cw / ch) > 0.02 * cw / ch:
        raise OptionError(
            f"{what} is {m.size[0]}x{m.size[1]} but the {of} is {cw}x{ch}; "
            "they must have the same shape"
        )
    return imageio.to_tensor(m)


def style_tensor(style: Image.Image, area: float, scale: float = 1.0) -> torch.Tensor:
    """A style image as (1, 3, H, W), resized to ``scale**2`` times the area ``area`` (the style
    scale relative to the output: larger gives larger strokes)."""
    size = imageio.size_for_area(style.size, area * scale * scale)
    if min(size) < imageio.MIN_SIDE:
        raise OptionError(f"style image would be {size[0]}x{size[1]} px; raise style_scale")
    return imageio.to_tensor(imageio.resize(style, size))


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Fork the RNG and seed it, so a run is repeatable without touching global state."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
