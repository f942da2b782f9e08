"""Sample pictures that need no download: public-domain photos bundled with scikit-image and a
brush-stroke "painting" that brushwork paints itself, for the demo, docs and quick tries.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from brushwork.errors import OptionError, unknown_choice

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")


def sample_photo(name: str = "astronaut") -> Image.Image:
    """A public-domain photo from scikit-image's bundled data (``pip install scikit-image``)."""
    if name not in PHOTOS:
        raise unknown_choice("sample photo", name, PHOTOS)
    try:
        import skimage.data
    except ImportError:
        raise OptionError("sample photos need scikit-image: pip install scikit-image") from None
    arr = getattr(skimage.data, name)()
    return Image.fromarray(np.asarray(arr, dtype=np.uint8)).convert("RGB")


# A night-sky palette in the manner of Van Gogh: deep blues, teal, ochre and pale yellow.
_PALETTE = (
    (18, 37, 92), (31, 64, 140), (56, 98, 170), (92, 140, 196), (40, 110, 130),
    (222, 196, 80), (245, 230, 140), (190, 140, 50), (14, 22, 48), (150, 185, 215),
)  # fmt: skip


def brushstrokes(size: tuple[int, int] = (512, 384), *, seed: int = 7) -> Image.Image:
    """A swirling brush-stroke painting: thick curved strokes that follow a smooth flow field.

    Deterministic for a given seed; about a second to paint at 512 px.
    """
    rng = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size, _PALETTE[1])
    draw = ImageDraw.Draw(img)
    swirls = [(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(60, 160)) for _ in range(5)]

    def angle(x: float, y: float) -> float:
        a = 0.6 * math.sin(y / 45.0) + 0.4 * math.cos(x / 60.0)
        for cx, cy, r in swirls:
            dx, dy = x - cx, y - cy
            d2 = dx * dx + dy * dy
            a += math.exp(-d2 / (2 * r * r)) * (math.atan2(dy, dx) + math.pi / 2 - a)
        return a

    for i in range(int(w * h / 90)):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        warm = any((x - cx) ** 2 + (y - cy) ** 2 < (0.45 * r) ** 2 for cx, cy, r in swirls)
        base = (
            _PALETTE[rng.choice((5, 6, 7, 6))]
            if warm or rng.random() < 0.08
            else _PALETTE[rng.choice((0, 1, 2, 3, 4, 8, 9))]
        )
        col = tuple(max(0, min(255, c + rng.randint(-18, 18))) for c in base)
        width = rng.randint(3, 7) if i > w * h / 400 else rng.randint(8, 14)
        pts = [(x, y)]
        for _ in range(rng.randint(4, 10)):
            a = angle(x, y)
            x += 4.0 * math.cos(a)
            y += 4.0 * math.sin(a)
            pts.append((x, y))
        draw.line(pts, fill=col, width=width, joint="curve")
    return img.filter(ImageFilter.SMOOTH)
