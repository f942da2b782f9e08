"""Helpers shared by the pipelines: devices, precision, memory checks, image inputs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeAlias

import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import OptionError, unknown_choice

ImageLike: TypeAlias = str | os.PathLike[str] | Image.Image
PRECISIONS = ("auto", "bf16", "fp32")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None``/"auto" -> CUDA if available else CPU; a clear error for unusable devices."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise unknown_choice("device", str(device), ["cpu", "cuda", "cuda:0", "auto"]) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise OptionError(f"device {device!r} asked for, but no CUDA GPU is available")
    if dev.type not in ("cpu", "cuda"):
        raise unknown_choice("device", str(device), ["cpu", "cuda", "auto"])
    return dev


def bf16_supported(device: torch.device) -> bool:
    """Whether bfloat16 convolutions are fast on ``device``."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """ "auto" -> "bf16" where the hardware runs it fast, else "fp32"."""
    if precision not in PRECISIONS:
        raise unknown_choice("precision", precision, PRECISIONS)
    if precision == "auto":
        return "bf16" if bf16_supported(device) else "fp32"
    return precision


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager[object]:
    """bfloat16 autocast for "bf16", a no-op otherwise."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


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


def load_input(img: ImageLike) -> imageio.LoadedImage:
    """A path or PIL image as a :class:`brushwork.image.LoadedImage`."""
    if isinstance(img, Image.Image):
        if min(img.size) < imageio.MIN_SIDE:
            raise OptionError(
                f"image is {img.size[0]}x{img.size[1]}, smaller than {imageio.MIN_SIDE} px"
            )
        rgb, alpha = imageio.split_alpha(img)
        return imageio.LoadedImage(rgb=rgb, alpha=alpha)
    if isinstance(img, str | os.PathLike):
        return imageio.load(Path(img))
    raise OptionError(f"expected an image path or PIL image, got {type(img).__name__}")


@contextlib.contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Fork the RNG and seed it, so a run is repeatable without touching global state."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
