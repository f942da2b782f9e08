"""A folder of photos as training batches: recursive, any Pillow format, grey and odd sizes
handled, random crops chosen by a per-step random generator so that a run resumed at step ``s``
sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, TypeVar

import torch
from PIL import Image, UnidentifiedImageError

from brushwork import image as imageio
from brushwork.errors import ImageError, OptionError

T = TypeVar("T")

EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm"}


class Batches(Protocol):
    """What the training loop draws from: files (for default previews) and a batch per step
    that depends only on (seed, step), split among ``world`` processes."""

    files: list[Path]

    def __len__(self) -> int: ...

    def batch(
        self, seed: int, step: int, batch_size: int, *, rank: int = 0, world: int = 1
    ) -> torch.Tensor: ...


def step_generator(seed: int, key: int) -> torch.Generator:
    """A generator that depends only on (seed, key): batches are a function of (seed, step)."""
    return torch.Generator().manual_seed((seed * 1_000_003 + key) % 2**63)


class PhotoFolder:
    """Photos under ``root`` (recursive), cropped to ``crop`` x ``crop``.

    Files whose header cannot be read are left out when the folder is scanned; files that fail
    to decode later are replaced by the next photo. Both are counted in :attr:`skipped` and
    reported with a warning.

    Args:
        root: the folder.
        crop: side of the square training crops.
    """

    def __init__(self, root: str | os.PathLike[str], crop: int = 256) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise OptionError(f"{self.root}: training data must be a folder of photos")
        if crop < imageio.MIN_SIDE:
            raise OptionError(f"crop must be at least {imageio.MIN_SIDE} px, got {crop}")
        self.crop = crop
        self.skipped: set[Path] = set()
        self.files = []
        for p in sorted(self.root.rglob("*")):
            if p.suffix.lower() not in EXTENSIONS or not p.is_file():
                continue
            try:
                with Image.open(p) as img:
                    ok = min(img.size) >= imageio.MIN_SIDE
            except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
                ok = False
            if ok:
                self.files.append(p)
            else:
                self.skipped.add(p)
        if not self.files:
            raise OptionError(f"{self.root}: no readable images found (looked for {_exts()})")
        if self.skipped:
            warnings.warn(
                f"{self.root}: skipped {len(self.skipped)} unreadable or tiny image(s)",
                stacklevel=2,
            )

    def __len__(self) -> int:
        return len(self.files)

    def summary(self) -> dict[str, str | int]:
        """What a model's config records of its training photos."""
        return {"folder": str(self.root), "images": len(self), "skipped": len(self.skipped)}

    def load(self, index: int) -> Image.Image:
        """RGB photo ``index``; an undecodable one is skipped (warned once) for the next."""
        for k in range(len(self.files)):
            path = self.files[(index + k) % len(self.files)]
            if path in self.skipped:
                continue
            try:
                return imageio.load(path).rgb
            except ImageError as exc:
                self.skipped.add(path)
                warnings.warn(f"skipping {exc}", stacklevel=2)
        raise OptionError(f"{self.root}: none of the images could be decoded")

    def crop_tensor(self, img: Image.Image, g: torch.Generator) -> torch.Tensor:
        """A random (3, crop, crop) crop: the photo is scaled so its short side lies between
        ``crop`` and its own short side, then cropped at a random place and maybe flipped."""
        w, h = img.size
        short = min(w, h)
        target = self.crop
        if short > self.crop:
            target = int(self.crop + torch.randint(0, short - self.crop + 1, (1,), generator=g))
        scale = target / short
        size = (max(self.crop, round(w * scale)), max(self.crop, round(h * scale)))
        img = imageio.resize(img, size)
        x0 = int(torch.randint(0, size[0] - self.crop + 1, (1,), generator=g))
        y0 = int(torch.randint(0, size[1] - self.crop + 1, (1,), generator=g))
        t = imageio.to_tensor(img.crop((x0, y0, x0 + self.crop, y0 + self.crop)))[0]
        if bool(torch.rand((), generator=g) < 0.5):
            t = t.flip(-1)
        return t

    def batch(
        self, seed: int, step: int, batch_size: int, *, rank: int = 0, world: int = 1
    ) -> torch.Tensor:
        """The (batch_size, 3, crop, crop) batch of ``step`` for process ``rank`` of ``world``:
        the step's global batch of ``batch_size * world`` photos, split among the processes."""
        total = batch_size * world
        n = len(self.files)
        perms: dict[int, list[int]] = {}

        def photo(pos: int) -> int:  # the pos-th photo of the run: epochs are permutations
            epoch = pos // n
            if epoch not in perms:
                perms[epoch] = torch.randperm(
                    n, generator=step_generator(seed, -1 - epoch)
                ).tolist()
            return perms[epoch][pos % n]

        crops = []
        for slot in range(rank * batch_size, (rank + 1) * batch_size):
            g = step_generator(seed, step * total + slot)
            crops.append(self.crop_tensor(self.load(photo(step * total + slot)), g))
        return torch.stack(crops)


def _exts() -> str:
    return ", ".join(sorted(EXTENSIONS))


class StyleSet:
    """Style images for arbitrary-style training: paintings, plus (optionally) photos drawn as
    extra styles, with scale and colour jitter, widening the few paintings at hand.

    Each draw depends only on (seed, key), so resumed runs see what uninterrupted ones would.

    Args:
        paintings: style image files (held in memory, scaled down to what the largest crop
            scale needs).
        crop: side of the square style crops.
        scale: (low, high): each style is scaled so its short side is ``crop`` times a factor
            drawn from this range (never beyond its own size), then cropped.
        photos: a :class:`PhotoFolder` whose photos serve as styles with probability
            ``photo_share``.
        color_jitter: strength of :func:`~brushwork.ops.color.jitter_color`, applied to every
            photo style and to half of the painting draws.
    """

    def __init__(
        self,
        paintings: list[Path],
        crop: int,
        *,
        scale: tuple[float, float] = (1.0, 2.0),
        photos: PhotoFolder | None = None,
        photo_share: float = 0.0,
        color_jitter: float = 0.0,
    ) -> None:
        if not paintings and (photos is None or photo_share <= 0):
            raise OptionError("no style images to train on")
        if not 1.0 <= scale[0] <= scale[1]:
            raise OptionError(f"style scale range must satisfy 1 <= low <= high, got {scale}")
        if not 0 <= photo_share <= 1 or not 0 <= color_jitter <= 1:
            raise OptionError("photo share and colour jitter must lie in [0, 1]")
        self.crop = crop
        self.scale = scale
        self.photos = photos
        self.photo_share = photo_share if paintings else 1.0
        self.color_jitter = color_jitter
        self.names = [p.stem for p in paintings]
        self.images: list[Image.Image] = []
        longest = round(crop * scale[1])
        for p in paintings:
            img = imageio.load(p).rgb
            if min(img.size) < crop:
                raise OptionError(
                    f"{p}: {img.size[0]}x{img.size[1]} is smaller than the crop {crop}"
                )
            if min(img.size) > longest:
                f = longest / min(img.size)
                img = imageio.resize(img, (round(img.size[0] * f), round(img.size[1] * f)))
            self.images.append(img)

    def draw(self, g: torch.Generator) -> torch.Tensor:
        """One (3, crop, crop) style crop."""
        from brushwork.ops.color import jitter_color

        use_photo = self.photos is not None and bool(torch.rand((), generator=g) < self.photo_share)
        if use_photo:
            assert self.photos is not None
            k = int(torch.randint(len(self.photos), (1,), generator=g))
            img = self.photos.load(k)
        else:
            img = self.images[int(torch.randint(len(self.images), (1,), generator=g))]
        w, h = img.size
        lo, hi = self.scale
        factor = lo + float(torch.rand((), generator=g)) * (hi - lo)
        short = min(max(self.crop, round(self.crop * factor)), min(w, h))
        img = imageio.resize(
            img,
            (
                max(self.crop, round(w * short / min(w, h))),
                max(self.crop, round(h * short / min(w, h))),
            ),
        )
        x0 = int(torch.randint(0, img.size[0] - self.crop + 1, (1,), generator=g))
        y0 = int(torch.randint(0, img.size[1] - self.crop + 1, (1,), generator=g))
        t = imageio.to_tensor(img.crop((x0, y0, x0 + self.crop, y0 + self.crop)))
        if use_photo or bool(torch.rand((), generator=g) < 0.5):
            t = jitter_color(t, g, self.color_jitter)
        return t[0]

    def batch(
        self, seed: int, step: int, batch_size: int, *, rank: int = 0, world: int = 1
    ) -> torch.Tensor:
        """The (batch_size, 3, crop, crop) style crops of ``step`` for process ``rank``; keyed
        apart from :meth:`PhotoFolder.batch`, so styles and photos are drawn independently."""
        total = batch_size * world
        out = [
            self.draw(step_generator(seed, -(2**40) - (step * total + slot)))
            for slot in range(rank * batch_size, (rank + 1) * batch_size)
        ]
        return torch.stack(out)


def prefetched(make: Callable[[int], T], steps: range) -> Generator[T, None, None]:
    """``make(s)`` for every step ``s``, each made on a background thread while the step before
    it trains: photo decoding and resizing (Pillow releases the GIL) overlap the net's work
    instead of stalling it. Errors surface at the step that needed the batch. ``close()`` the
    generator to stop early; at most one batch is then made in vain.

    Example:
        >>> list(prefetched(lambda s: s * s, range(2, 5)))
        [4, 9, 16]
    """
    if not steps:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="brushwork-data") as pool:
        ahead: Future[T] = pool.submit(make, steps[0])
        for nxt in (*steps[1:], None):
            current = ahead.result()
            if nxt is not None:
                ahead = pool.submit(make, nxt)
            yield current
