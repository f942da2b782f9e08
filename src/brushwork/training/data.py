"""A folder of photos as training batches: recursive, any Pillow format, grey and odd sizes
handled, random crops chosen by a per-step random generator so that a run resumed at step ``s``
sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError

from brushwork import image as imageio
from brushwork.errors import ImageError, OptionError

EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif", ".ppm"}


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
