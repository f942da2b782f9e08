"""Regenerate the README pictures in docs/images (`make gallery`).

Only public-domain material: scikit-image's bundled photos and public-domain paintings from
../shared/data/style (Van Gogh, Munch, Hokusai, Kandinsky). Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from PIL import Image, ImageDraw

import brushwork as bw
from brushwork import image as imageio
from brushwork import zoo
from brushwork.samples import brushstrokes, sample_photo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
PAINTINGS = ("starry_night", "the_scream", "great_wave", "composition_vii")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=100, help="iterations at half size")
    ap.add_argument(
        "--part",
        choices=["all", "optimize", "fast", "multi", "adain", "wct", "linear"],
        default="all",
    )
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    styles = {n: imageio.load(args.data / "style" / f"{n}.jpg").rgb for n in PAINTINGS}
    photos = {n: sample_photo(n) for n in ("astronaut", "coffee", "chelsea")}
    if args.part in ("all", "fast"):
        fast_gallery(styles, photos)
    if args.part in ("all", "optimize"):
        optimize_gallery(args, styles, photos)
    if args.part in ("all", "multi") and "paintings" in zoo.names():
        multi_gallery(args.data, photos)
    if args.part in ("all", "adain") and "adain" in zoo.names():
        adain_gallery(args.data, photos)
    if args.part in ("all", "wct") and "wct" in zoo.names():
        wct_gallery(args.data, photos, args.size)
    if args.part in ("all", "linear") and "linear" in zoo.names():
        linear_gallery(args.data, photos, args.size)
    print(f"wrote {OUT}")


def fast_gallery(styles: dict[str, Image.Image], photos: dict[str, Image.Image]) -> None:
    """Bundled fast styles on the photos, each at its own size (one pass each)."""
    rows = [[Image.new("RGB", (8, 8), "white"), *styles.values()]]
    for photo in photos.values():
        rows.append([photo] + [bw.load(name)(photo) for name in styles])
    imageio.save(imageio.grid(rows, 192), OUT / "fast_grid.jpg", overwrite=True)
    astro = photos["astronaut"]
    model = bw.load("starry_night")
    strip = [
        astro,
        model(astro, strength=0.5),
        model(astro),
        model(astro, preserve_color="luminance"),
    ]
    imageio.save(imageio.grid([strip], 256), OUT / "fast_options.jpg", overwrite=True)
    lites = [n for n in styles if f"{n}_lite" in zoo.names()]
    if lites:  # full against lite, per style: photo, full, lite on two photos
        rows = []
        for name in lites:
            full, lite = bw.load(name), bw.load(f"{name}_lite")
            rows.append(
                [x for p in ("astronaut", "chelsea") for x in (full(photos[p]), lite(photos[p]))]
            )
        imageio.save(imageio.grid(rows, 192), OUT / "lite_grid.jpg", overwrite=True)


def multi_gallery(data: Path, photos: dict[str, Image.Image]) -> None:
    """The multi-style model: every style on two photos (paintings on top), blends of pairs at
    0/25/50/75/100%, and a mask giving each half of a photo its own style."""
    multi = bw.load_multi("paintings")
    paintings = [imageio.load(data / "style" / f"{n}.jpg").rgb for n in multi.names]
    rows = [[*paintings]]
    for p in ("astronaut", "chelsea"):
        rows.append([multi(photos[p], style=n) for n in multi.names])
    imageio.save(imageio.grid(rows, 160), OUT / "multi_grid.jpg", overwrite=True)
    pairs = [("starry_night", "the_scream"), ("great_wave", "mondrian"), ("udnie", "night_cafe")]
    rows = []
    for a, b in pairs:
        photo = photos["astronaut"]
        rows.append([multi(photo, style={a: 1 - t, b: t}) for t in (0.0, 0.25, 0.5, 0.75, 1.0)])
    imageio.save(imageio.grid(rows, 192), OUT / "multi_blends.jpg", overwrite=True)
    astro = photos["astronaut"]
    mask = Image.new("RGB", astro.size, "white")
    ImageDraw.Draw(mask).rectangle((0, 0, astro.size[0] // 2, astro.size[1]), fill="black")
    masked = multi(astro, style=["starry_night", "water_lilies_monet"], mask=mask)
    imageio.save(imageio.grid([[mask, masked]], 256), OUT / "multi_mask.jpg", overwrite=True)


#: public-domain paintings the bundled AdaIN decoder never saw in training
UNSEEN = ("starry_night", "the_scream", "great_wave", "composition_vii", "udnie")


def adain_gallery(data: Path, photos: dict[str, Image.Image]) -> None:
    """AdaIN with paintings held out of the decoder's training: each on three photos; the
    alpha trade-off; a blend of two; a mask; colour preservation."""
    adain = bw.load("adain")
    assert isinstance(adain, bw.ArbitraryStyle)
    held = set(adain.config["held_out"])
    assert held >= set(UNSEEN), held
    paintings = {n: imageio.load(data / "style" / f"{n}.jpg").rgb for n in UNSEEN}
    rows = [[Image.new("RGB", (8, 8), "white"), *paintings.values()]]
    for photo in photos.values():
        rows.append([photo] + [adain(photo, style=p) for p in paintings.values()])
    imageio.save(imageio.grid(rows, 192), OUT / "adain_grid.jpg", overwrite=True)
    astro = photos["chelsea"]
    wave, scream = paintings["great_wave"], paintings["the_scream"]
    alphas = [adain(astro, style=wave, alpha=a) for a in (0.0, 0.25, 0.5, 0.75, 1.0)]
    blends = [
        adain(astro, style=[wave, scream], weights=[1 - t, t]) for t in (0.0, 0.25, 0.5, 0.75, 1.0)
    ]
    mask = Image.new("RGB", astro.size, "white")
    ImageDraw.Draw(mask).rectangle((0, 0, astro.size[0] // 2, astro.size[1]), fill="black")
    extras = [
        mask,
        adain(astro, style=[wave, scream], mask=mask),
        adain(astro, style=scream, preserve_color="luminance"),
        adain(astro, style=scream, preserve_color="histogram"),
        astro,
    ]
    imageio.save(
        imageio.grid([alphas, blends, extras], 192), OUT / "adain_controls.jpg", overwrite=True
    )
    adain_zoom(adain, photos, paintings)


def adain_zoom(
    adain: bw.ArbitraryStyle, photos: dict[str, Image.Image], paintings: dict[str, Image.Image]
) -> None:
    """The decoder's grid at 3x zoom: photo | one pass | two shifts | two shifts + grid filter,
    on a flat part of two photos (``adain_zoom.jpg``)."""
    runs = [(1, False), (2, False), (2, True)]
    rows = []
    for photo_name, painting, box in (
        ("astronaut", "starry_night", (16, 16, 112, 80)),
        ("coffee", "great_wave", (24, 8, 120, 72)),
    ):
        photo = imageio.resize(
            photos[photo_name], (384, 384 * photos[photo_name].height // photos[photo_name].width)
        )
        x = imageio.to_tensor(photo)
        style = [imageio.to_tensor(paintings[painting])]
        outs = [photo] + [
            imageio.to_pil(adain.stylize_tensor(x, style, shifts=k, degrid=g).clamp(0, 1))
            for k, g in runs
        ]
        w, h = box[2] - box[0], box[3] - box[1]
        rows.append([o.crop(box).resize((w * 3, h * 3), Image.Resampling.NEAREST) for o in outs])
    w, h = rows[0][0].size
    sheet = Image.new("RGB", (w * 4 + 12, h * len(rows) + 4 * (len(rows) - 1)), "white")
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            sheet.paste(im, (c * (w + 4), r * (h + 4)))
    imageio.save(sheet, OUT / "adain_zoom.jpg", overwrite=True)


def wct_gallery(data: Path, photos: dict[str, Image.Image], size: int) -> None:
    """WCT (photo-only decoders: every painting is unseen) on three photos with five
    public-domain paintings of the held-out list; then, for one photo, AdaIN | WCT | WCT + 30
    refine steps | 100 optimisation steps side by side."""
    wct = bw.load("wct")
    paintings = {n: imageio.load(data / "style" / f"{n}.jpg").rgb for n in UNSEEN}
    rows = [[Image.new("RGB", (8, 8), "white"), *paintings.values()]]
    for photo in photos.values():
        rows.append([photo] + [wct(photo, style=p, alpha=0.6) for p in paintings.values()])
    imageio.save(imageio.grid(rows, 192), OUT / "wct_grid.jpg", overwrite=True)
    photo = imageio.resize(
        photos["chelsea"], imageio.size_for_long_side(photos["chelsea"].size, size)
    )
    adain = bw.load("adain")
    cfg = bw.OptimizeConfig(steps=100, size=size)
    compare = []
    for name in ("starry_night", "great_wave", "the_scream"):
        p = paintings[name]
        first = wct(photo, style=p, alpha=0.6)
        compare.append([
            p,
            adain(photo, style=p),
            first,
            bw.refine(photo, first, [p], steps=30).image,
            bw.optimize_result(photo, [p], config=cfg, progress=False).image,
        ])  # fmt: skip
    imageio.save(imageio.grid(compare, 224), OUT / "refine_compare.jpg", overwrite=True)


def linear_gallery(data: Path, photos: dict[str, Image.Image], size: int) -> None:
    """The one-pass methods on paintings no trainer saw, beside the optimiser: for each
    public-domain painting of the held-out list, the painting | AdaIN | WCT (alpha 0.6) | the
    learned linear transform | 100 optimisation steps, on one photo; then the linear one pass
    refined by 30 and 100 optimisation steps beside 100 steps from the photo."""
    photo = imageio.resize(
        photos["coffee"], imageio.size_for_long_side(photos["coffee"].size, size)
    )
    adain, wct, linear = bw.load("adain"), bw.load("wct"), bw.load("linear")
    cfg = bw.OptimizeConfig(steps=100, size=size)
    rows = []
    for name in UNSEEN:
        p = imageio.load(data / "style" / f"{name}.jpg").rgb
        rows.append([
            p,
            adain(photo, style=p),
            wct(photo, style=p, alpha=0.6),
            linear(photo, style=p),
            bw.optimize_result(photo, [p], config=cfg, progress=False).image,
        ])  # fmt: skip
    imageio.save(imageio.grid(rows, 224), OUT / "linear_compare.jpg", overwrite=True)
    # one pass, then refine: painting | linear | + 30 | + 100 refine steps | 100 optimiser steps
    photo = imageio.resize(
        photos["chelsea"], imageio.size_for_long_side(photos["chelsea"].size, size)
    )
    rows = []
    for name in ("starry_night", "the_scream", "great_wave"):
        p = imageio.load(data / "style" / f"{name}.jpg").rgb
        first = linear(photo, style=p)
        rows.append([
            p,
            first,
            bw.refine(photo, first, [p], steps=30, config=cfg).image,
            bw.refine(photo, first, [p], steps=100, config=cfg).image,
            bw.optimize_result(photo, [p], config=cfg, progress=False).image,
        ])  # fmt: skip
    imageio.save(imageio.grid(rows, 224), OUT / "linear_refine.jpg", overwrite=True)


def optimize_gallery(
    args: argparse.Namespace, styles: dict[str, Image.Image], photos: dict[str, Image.Image]
) -> None:
    """Gatys optimisation pictures."""
    # coarse to fine: steps at half size, then a third as many at full size
    kw = dict(
        scales=(args.size // 2, args.size), steps=(args.steps, args.steps // 3), progress=True
    )

    rows = [[Image.new("RGB", (8, 8), "white"), *styles.values()]]
    for photo in photos.values():
        rows.append([photo] + [bw.optimize(photo, [s], **kw) for s in styles.values()])
    imageio.save(imageio.grid(rows, 192), OUT / "grid.jpg", overwrite=True)

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
    imageio.save(
        imageio.grid([[mask, masked, blended]], 256), OUT / "mask_blend.jpg", overwrite=True
    )

    big = bw.optimize(
        photos["coffee"], [styles["great_wave"]], scales=(256, 512), steps=(150, 50), progress=True
    )
    imageio.save(big, OUT / "coffee_great_wave_512.jpg", overwrite=True)

    demo = bw.optimize(astro, [brushstrokes()], size=256, steps=80, progress=True)
    imageio.save(
        imageio.grid([[astro, brushstrokes(), demo]], 256), OUT / "demo.jpg", overwrite=True
    )


if __name__ == "__main__":
    main()
