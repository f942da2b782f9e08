"""Training data of image-to-image translation: aligned pairs for pix2pix (Isola et al., CVPR
2017) and two unaligned folders for CycleGAN (Zhu et al., ICCV 2017), as batches of (B, 6, crop,
crop) tensors -- the input image in channels 0-2, the other in 3-5 -- so the shared training loop
moves them as one.

Random jitter as in both papers: each image is resized to ``load_size`` x ``load_size`` (286 for
256 px crops), cropped at a random place to ``crop`` and flipped left-right half of the time; a
pair gets the same crop and flip. Every draw depends only on (seed, step), so a resumed run sees
the batches an uninterrupted one would.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError

from brushwork import image as imageio
from brushwork.errors import ImageError, OptionError, unknown_choice
from brushwork.training.data import EXTENSIONS, step_generator

DIRECTIONS = ("AtoB", "BtoA")


def check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise unknown_choice("direction", direction, DIRECTIONS)


def image_files(
    root: str | os.PathLike[str], what: str, exclude: Collection[str] = ()
) -> list[Path]:
    """The image files under ``root`` (recursive, sorted), less those named in ``exclude``
    (held-out files); at least two, or a clear error."""
    folder = Path(root)
    if not folder.is_dir():
        raise OptionError(f"{folder}: {what} must be a folder of images")
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in EXTENSIONS and p.is_file() and p.name not in exclude
    )
    if len(files) < 2:
        found = "no images" if not files else "only one image"
        raise OptionError(f"{folder}: {what} has {found}; a domain needs at least two images")
    return files


def _size(path: Path) -> tuple[int, int]:
    try:
        with Image.open(path) as img:
            return img.size
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        raise ImageError(f"{path}: not a readable image") from None


def jitter(
    images: list[Image.Image], crop: int, load_size: int, g: torch.Generator, flip: bool = True
) -> list[torch.Tensor]:
    """The same random resize-crop-flip of each image: (3, crop, crop) tensors."""
    x0 = int(torch.randint(0, load_size - crop + 1, (1,), generator=g))
    y0 = int(torch.randint(0, load_size - crop + 1, (1,), generator=g))
    flipped = flip and bool(torch.rand((), generator=g) < 0.5)
    out = []
    for img in images:
        big = imageio.resize(img, (load_size, load_size))
        t = imageio.to_tensor(big.crop((x0, y0, x0 + crop, y0 + crop)))[0]
        out.append(t.flip(-1) if flipped else t)
    return out


def _check_sizes(crop: int, load_size: int) -> None:
    if crop < imageio.MIN_SIDE or load_size < crop:
        raise OptionError(
            f"need {imageio.MIN_SIDE} <= crop <= load size, got crop {crop}, load size {load_size}"
        )


class PairedImages:
    """Aligned pairs: a folder of pix2pix "AB" images (A on the left half, B on the right;
    ``a`` only), or two folders of same-named files (``a`` and ``b``).

    Args:
        a: the AB folder, or the A folder.
        b: the B folder of a two-folder set.
        crop, load_size: random jitter (see the module).
        direction: "AtoB" (input A, target B) or "BtoA".
    """

    def __init__(
        self,
        a: str | os.PathLike[str],
        b: str | os.PathLike[str] | None = None,
        *,
        crop: int = 256,
        load_size: int = 286,
        direction: str = "AtoB",
    ) -> None:
        check_direction(direction)
        _check_sizes(crop, load_size)
        self.crop, self.load_size, self.direction = crop, load_size, direction
        self.root = Path(a)
        self.files = image_files(a, "the paired data")
        self.partners: list[Path] | None = None
        if b is None:
            for p in self.files:
                w, h = _size(p)
                if w != 2 * h:
                    raise OptionError(
                        f"{p}: {w}x{h} is not an AB pair (its width must be twice its height); "
                        "give two folders of same-named images with --b instead"
                    )
        else:
            others = {p.relative_to(b).with_suffix(""): p for p in image_files(b, "--b")}
            mine = {p.relative_to(a).with_suffix(""): p for p in self.files}
            lonely = sorted(set(mine) ^ set(others))
            if lonely:
                side = "A" if lonely[0] in mine else "B"
                raise OptionError(
                    f"paired folders do not match: {lonely[0]} is only in {side} "
                    f"({len(lonely)} unmatched); pix2pix needs the same names on both sides"
                )
            self.files = [mine[k] for k in sorted(mine)]
            self.partners = [others[k] for k in sorted(mine)]

    def __len__(self) -> int:
        return len(self.files)

    def summary(self) -> dict[str, str | int]:
        return {"folder": str(self.root), "pairs": len(self), "direction": self.direction}

    def pair(self, index: int) -> tuple[Image.Image, Image.Image]:
        """(input, target) of pair ``index``, as the direction says."""
        if self.partners is None:
            ab = imageio.load(self.files[index]).rgb
            w, h = ab.size
            a, b = ab.crop((0, 0, w // 2, h)), ab.crop((w // 2, 0, w, h))
        else:
            a = imageio.load(self.files[index]).rgb
            b = imageio.load(self.partners[index]).rgb
        return (a, b) if self.direction == "AtoB" else (b, a)

    def batch(
        self, seed: int, step: int, batch_size: int, *, rank: int = 0, world: int = 1
    ) -> torch.Tensor:
        """(batch_size, 6, crop, crop): inputs in channels 0-2, targets in 3-5."""
        total = batch_size * world
        out = []
        for slot in range(rank * batch_size, (rank + 1) * batch_size):
            pos = step * total + slot
            order = torch.randperm(len(self), generator=step_generator(seed, -1 - pos // len(self)))
            g = step_generator(seed, pos)
            out.append(
                torch.cat(
                    jitter(
                        list(self.pair(int(order[pos % len(self)]))), self.crop, self.load_size, g
                    )
                )
            )
        return torch.stack(out)


class UnpairedImages:
    """Two folders of images with no correspondence (CycleGAN): each batch slot draws an A
    image in epoch order and an independent random B image."""

    def __init__(
        self,
        a: str | os.PathLike[str],
        b: str | os.PathLike[str],
        *,
        crop: int = 256,
        load_size: int = 286,
    ) -> None:
        _check_sizes(crop, load_size)
        self.crop, self.load_size = crop, load_size
        self.roots = (Path(a), Path(b))
        self.files = image_files(a, "domain A")
        self.others = image_files(b, "domain B")

    def __len__(self) -> int:
        return max(len(self.files), len(self.others))

    def summary(self) -> dict[str, str | int]:
        return {
            "a": str(self.roots[0]),
            "b": str(self.roots[1]),
            "a_images": len(self.files),
            "b_images": len(self.others),
        }

    def batch(
        self, seed: int, step: int, batch_size: int, *, rank: int = 0, world: int = 1
    ) -> torch.Tensor:
        """(batch_size, 6, crop, crop): A crops in channels 0-2, B crops in 3-5."""
        total = batch_size * world
        out = []
        n = len(self.files)
        for slot in range(rank * batch_size, (rank + 1) * batch_size):
            pos = step * total + slot
            order = torch.randperm(n, generator=step_generator(seed, -1 - pos // n))
            g = step_generator(seed, pos)
            a = imageio.load(self.files[int(order[pos % n])]).rgb
            b = imageio.load(
                self.others[int(torch.randint(len(self.others), (1,), generator=g))]
            ).rgb
            # independent jitter for each side
            out.append(
                torch.cat(
                    jitter([a], self.crop, self.load_size, g)
                    + jitter([b], self.crop, self.load_size, g)
                )
            )
        return torch.stack(out)
