"""All conversions between image files, PIL images and tensors.

Tensors are float32 RGB in [0, 1] with shape (B, 3, H, W). Reading applies EXIF orientation,
converts grey, palette, CMYK and 16-bit images to RGB, and splits off alpha so a caller can put
it back on output. Writing is atomic: a temporary file in the output folder is renamed into
place, and an existing output is only replaced when asked.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from brushwork.errors import ImageError, OutputExistsError
from brushwork.files import atomic_path

if TYPE_CHECKING:  # torch is imported where a tensor is made, so the CLI starts fast
    import torch

#: Largest image brushwork reads, in pixels (Pillow's own decompression-bomb limit is ~179 MP).
MAX_PIXELS = 100_000_000
#: Smallest side brushwork accepts; VGG19 pools four times, so smaller images carry no style.
MIN_SIDE = 16

_SAVE_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".gif": "GIF",
}


@dataclass(frozen=True)
class LoadedImage:
    """An RGB image read from disk, with its alpha channel kept aside (or ``None``)."""

    rgb: Image.Image
    alpha: Image.Image | None
    path: Path | None = None


def split_alpha(img: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """Convert any Pillow mode to 8-bit RGB, returning the alpha channel separately."""
    alpha: Image.Image | None = None
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        mode = img.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        img = img.convert("RGBA")
        alpha = img.getchannel("A")
        if alpha.getextrema() == (255, 255):
            alpha = None
        return img.convert("RGB"), alpha
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if (mode.startswith("I;16") or arr.max() > 255) else 255.0
        if mode == "F":
            top = 1.0 if arr.max() <= 1.0 else 255.0
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB"), None
    if mode == "RGB":
        return img, None
    # L, 1, CMYK, YCbCr, LAB, HSV and anything else Pillow can convert.
    return img.convert("RGB"), None


def check_input_file(path: Path, kind: str) -> None:
    """A clear error unless ``path`` is an existing, non-empty regular file (``kind``: "an
    image"); a FIFO, socket or device is refused before anything opens it (a read would hang)."""
    if not path.exists():
        raise ImageError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a directory, expected {kind} file")
    if not path.is_file():
        raise ImageError(f"{path}: is {special_kind(path)}, not a regular file")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: file is empty")


def special_kind(path: Path) -> str:
    """What a path that is neither a file nor a folder is: "a FIFO (named pipe)", ..."""
    import stat

    mode = path.stat().st_mode
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


def load(
    path: str | os.PathLike[str], *, max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE
) -> LoadedImage:
    """Read an image file as RGB (EXIF orientation applied), keeping any alpha channel aside.

    Raises:
        ImageError: the path is missing, is a folder, is empty, is not an image, is
            truncated, is too small, or has more than ``max_pixels`` pixels.
    """
    p = Path(path)
    check_input_file(p, "an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(p) as opened:
                w, h = opened.size
                if w * h > max_pixels:
                    raise ImageError(
                        f"{p}: image is {w}x{h} = {w * h / 1e6:.0f} MP, over the limit of "
                        f"{max_pixels / 1e6:.0f} MP; resize it first"
                    )
                animated = bool(getattr(opened, "is_animated", False))
                if animated:
                    opened.seek(0)
                opened.load()
                img: Image.Image = ImageOps.exif_transpose(opened)
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{p}: image is too large to decode safely ({exc})") from None
    except UnidentifiedImageError:
        raise ImageError(f"{p}: not an image file Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(
            f"{p}: cannot read image, the file is corrupt or truncated ({exc})"
        ) from None
    if min(img.size) < min_side:
        raise ImageError(
            f"{p}: image is {img.size[0]}x{img.size[1]}, smaller than {min_side} px on a side"
        )
    rgb, alpha = split_alpha(img)
    if animated:
        warnings.warn(
            f"{p.name} is animated: only its first frame is used; "
            "brushwork video paints every frame",
            stacklevel=2,
        )
    return LoadedImage(rgb=rgb, alpha=alpha, path=p)


def pixels_of(path: str | os.PathLike[str], long_side: int | None = None) -> int:
    """Pixel count of an image file from its header (0 if unreadable), optionally as resized to
    ``long_side``; for planning work, not for loading."""
    try:
        with Image.open(path) as img:
            size = img.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return 0
    if long_side is not None:
        size = size_for_long_side(size, long_side)
    return size[0] * size[1]


def as_rgb(img: Image.Image) -> Image.Image:
    """Any PIL image as 8-bit RGB (alpha dropped, 16-bit scaled, CMYK converted)."""
    if min(img.size) < 1:
        raise ImageError("image is empty")
    return split_alpha(img)[0]


def size_for_long_side(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(width, height) scaled so the longer side equals ``long_side``, aspect kept."""
    w, h = size
    s = long_side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def size_for_area(size: tuple[int, int], area: float) -> tuple[int, int]:
    """(width, height) scaled to about ``area`` pixels, aspect kept."""
    w, h = size
    s = math.sqrt(area / (w * h))
    return max(1, round(w * s)), max(1, round(h * s))


def resize(img: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to (width, height) with a Lanczos filter (antialiased when shrinking)."""
    if img.size == size:
        return img
    return img.resize(size, Image.Resampling.LANCZOS)


def to_tensor(img: Image.Image) -> torch.Tensor:
    """PIL image -> float32 tensor (1, 3, H, W) in [0, 1]."""
    import torch

    arr = np.asarray(as_rgb(img), dtype=np.uint8)
    return (
        torch.from_numpy(arr.copy()).permute(2, 0, 1).unsqueeze(0).float().div_(255.0).contiguous()
    )


def to_pil(x: torch.Tensor) -> Image.Image:
    """Tensor (1, 3, H, W) or (3, H, W) in [0, 1] -> PIL RGB image (values clamped, rounded)."""
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise ImageError(f"to_pil takes one image, got a batch of {x.shape[0]}")
        x = x[0]
    if x.dim() != 3 or x.shape[0] != 3:
        raise ImageError(f"expected a (3, H, W) tensor, got shape {tuple(x.shape)}")
    arr = x.detach().float().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(arr, "RGB")


def resize_tensor(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize a (B, C, H, W) tensor to (height, width) = ``size`` (bicubic, antialiased)."""
    import torch.nn.functional as F

    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bicubic", align_corners=False, antialias=True)


def with_alpha(rgb: Image.Image, alpha: Image.Image | None) -> Image.Image:
    """Put an alpha channel (resized to fit) back on an RGB image."""
    if alpha is None:
        return rgb
    out = rgb.convert("RGBA")
    out.putalpha(alpha.resize(rgb.size, Image.Resampling.LANCZOS))
    return out


def check_output_path(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    extensions: Iterable[str] = _SAVE_FORMATS,
) -> Path:
    """Validate an output path before any work: known extension (one of ``extensions``, by
    default the image formats), not a folder, no clobbering."""
    p = Path(path)
    known = sorted(extensions)
    if p.suffix.lower() not in known:
        raise ImageError(
            f"{p}: unknown output format {p.suffix or '(none)'!r}; use one of {', '.join(known)}"
        )
    if p.is_dir():
        raise ImageError(f"{p}: is a directory, expected an output file name")
    if p.exists() and not overwrite:
        raise OutputExistsError(f"{p}: already exists; pass --overwrite to replace it")
    check_output_folder(p.parent)
    return p


def check_output_folder(folder: Path) -> None:
    """Before any work: ``folder`` is, or can be made, a writable folder (its nearest existing
    ancestor is a writable folder, not a file)."""
    here = folder if str(folder) else Path(".")
    while not here.exists():
        if here.parent == here:
            break
        here = here.parent
    if here.exists() and not here.is_dir():
        raise ImageError(f"{folder}: cannot write there, {here} is a file, not a folder")
    if here.is_dir() and not os.access(here, os.W_OK | os.X_OK):
        raise ImageError(f"{folder}: cannot write there, {here} is not writable")


def save(
    img: Image.Image,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protect: tuple[str | os.PathLike[str], ...] = (),
    quality: int = 95,
) -> Path:
    """Write ``img`` atomically; the format comes from the extension.

    Args:
        img: the picture (RGB or RGBA; alpha is dropped for formats without it).
        path: where to write it; the parent folder is created.
        overwrite: replace an existing file; without it an existing file is an error.
        protect: input paths that must never be replaced, even with ``overwrite``.
        quality: JPEG/WebP quality.
    """
    p = check_output_path(path, overwrite=overwrite)
    for q in protect:
        if Path(q).exists() and p.exists() and p.resolve() == Path(q).resolve():
            raise OutputExistsError(f"{p}: is an input file; choose another output path")
    fmt = _SAVE_FORMATS[p.suffix.lower()]
    if fmt in ("JPEG", "BMP") and img.mode == "RGBA":
        img = img.convert("RGB")
    kwargs: dict[str, object] = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    with atomic_path(p) as tmp:
        img.save(tmp, format=fmt, **kwargs)
    return p


def square(img: Image.Image, side: int) -> Image.Image:
    """Centre-crop to a square and resize to ``side`` x ``side`` (for contact sheets)."""
    w, h = img.size
    s = min(w, h)
    box = ((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)
    return img.convert("RGB").crop(box).resize((side, side), Image.Resampling.LANCZOS)


def grid(rows: list[list[Image.Image]], side: int) -> Image.Image:
    """A contact sheet: each image squared to ``side`` px, rows of equal length."""
    out = Image.new("RGB", (side * max(len(r) for r in rows), side * len(rows)), "white")
    for r, row in enumerate(rows):
        for c, img in enumerate(row):
            out.paste(square(img, side), (c * side, r * side))
    return out
