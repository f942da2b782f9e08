"""Regenerate the README pictures in docs/images (`make gallery`).

Only public-domain material: scikit-image's bundled photos and public-domain paintings from
../shared/data/style (Van Gogh, Munch, Hokusai, Kandinsky). Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

import brushwork as bw
from brushwork import image as imageio
from brushwork.samples import brushstrokes, sample_photo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
PAINTINGS = ("starry_night", "the_scream", "great_wave", "composition_vii")


def tile(img: Image.Image, side: int) -> Image.Image:
    """Centre-crop to a square and resize, for grids."""
    w, h = img.size
    s = min(w, h)
    return img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize(
        (side, side)
    )


def grid(rows: list[list[Image.Image]], side: int) -> Image.Image:
    out = Image.new("RGB", (side * len(rows[0]), side * len(rows)), "white")
    for r, row in enumerate(rows):
        for c, img in enumerate(row):
            out.paste(tile(img, side), (c * side, r * side))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--steps", type=int, default=150, help="iterations at half size")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    styles = {n: imageio.load(args.data / "style" / f"{n}.jpg").rgb for n in PAINTINGS}
    photos = {n: sample_photo(n) for n in ("astronaut", "coffee", "chelsea")}
    # coarse to fine: steps at half size, then a third as many at full size
    kw = dict(
        scales=(args.size // 2, args.size), steps=(args.steps, args.steps // 3), progress=True
    )

    rows = [[Image.new("RGB", (8, 8), "white"), *styles.values()]]
    for photo in photos.values():
        rows.append([photo] + [bw.optimize(photo, [s], **kw) for s in styles.values()])
    imageio.save(grid(rows, 192), OUT / "grid.jpg", overwrite=True)

    chelsea, starry = photos["chelsea"], styles["starry_night"]
    keep = [
        chelsea,
        bw.optimize(chelsea, [starry], **kw),
        bw.optimize(chelsea, [starry], preserve_color="luminance", **kw),
        bw.optimize(chelsea, [starry], preserve_color="histogram", **kw),
    ]
    strip = Image.new("RGB", (256 * 4, 256 * keep[0].height // keep[0].width))
    for i, img in enumerate(keep):
        strip.paste(img.resize((256, strip.height)), (i * 256, 0))
    imageio.save(strip, OUT / "colour.jpg", overwrite=True)

    astro = photos["astronaut"]
    mask = Image.new("RGB", astro.size, "white")
    ImageDraw.Draw(mask).rectangle((0, 0, astro.size[0] // 2, astro.size[1]), fill="black")
    masked = bw.optimize(astro, [styles["starry_night"], styles["the_scream"]], mask=mask, **kw)
    blended = bw.optimize(
        astro, [styles["starry_night"], styles["the_scream"]], style_weights=(0.5, 0.5), **kw
    )
    imageio.save(grid([[mask, masked, blended]], 256), OUT / "mask_blend.jpg", overwrite=True)

    big = bw.optimize(
        photos["coffee"],
        [styles["great_wave"]],
        scales=(256, 512, 768),
        steps=(200, 80, 40),
        progress=True,
    )
    imageio.save(big, OUT / "coffee_great_wave_768.jpg", overwrite=True)

    demo = bw.optimize(astro, [brushstrokes()], size=256, steps=80, progress=True)
    imageio.save(grid([[astro, brushstrokes(), demo]], 256), OUT / "demo.jpg", overwrite=True)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
