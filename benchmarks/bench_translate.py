"""Image-to-image translation (issue 23) on data no bundled model trained on: the 106 CMP
Facades test pairs (``translation/facades/test``) and the held-out flowers
(``benchmarks/heldout/flowers.txt``). Printed as one table:

1. photo -> labels: per-pixel accuracy, mean per-class accuracy and mean class IoU (Isola et al.
   2017, table 4's "FCN-scores" on Cityscapes; here the outputs are read directly, each pixel's
   colour mapped to the nearest of the 12 CMP label colours as they appear in pix2pix's maps),
   for the bundled pix2pix (``facades_photo2labels``), the CycleGAN trained unpaired on the
   same photos and labels (``facades_cyclegan``, A -> B), and a baseline that learns nothing
   from the photo: the most frequent class at each pixel position over the 400 training label
   maps. A last column, wall-window, is the photo's mean luminance under the facade class less
   that under the window class, next to the true maps' (real windows are darker than the
   wall): below zero, the two classes are swapped (the colour inversion an unpaired model can
   fall into).
2. labels -> photo: mean absolute error to the true photo (0-1) and a Frechet distance between
   VGG19 relu4_1 features (means and covariances over every position) of the outputs and of the
   real test photos, for pix2pix (``facades_labels2photo``), CycleGAN (B -> A) and the label maps
   themselves.
3. flowers: the same Frechet distance of the held-out iPhone photos to the held-out DSLR photos
   before and after ``iphone2dslr``; and the share of low-gradient pixels (|Sobel| of the
   luminance below 0.05: blur), for iPhone, translated and DSLR.
4. compare with a fast style: the bundled ``starry_night`` net next to ``photo2starry_night``
   (a CycleGAN from the training photos to crops of the painting) on held-out photos, scored
   with the fast net's own recipe (content and Gram style losses at its layers), and a picture.
5. speed: seconds per 256 px image for each generator on each installed backend; training
   seconds per step (batch 1, 128 px) fp32 vs bf16 for pix2pix and CycleGAN (on a CPU without
   fast bf16 the bf16 figure is printed with a note).

Everything runs at the models' training scale: test images are resized to 128 px (label maps
with nearest-neighbour, so the classes stay exact; the flowers to a 144 px long side, the
scale of the 143 px squares the CycleGAN recipe resizes them to). Targets: pix2pix > CycleGAN > baseline on
all three label scores; pix2pix lowest on both labels -> photo scores; flowers closer to DSLR
after; the pictures acceptable to a person. Grids go to ``--out`` (default ``.bench/``):
``translate_facades.jpg`` (labels | pix2pix | CycleGAN | truth), ``translate_flowers.jpg``
(before | after) and ``translate_painting.jpg`` (photo | fast style | CycleGAN).

    python benchmarks/bench_translate.py [--limit N] [--out DIR]

``--smoke`` runs every part on two images and one timing repeat (figures mean nothing).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork.devices import bf16_supported
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.pipelines.translate import load
from brushwork.training import cyclegan, pix2pix
from brushwork.training.loop import LoopConfig

DATA = _judge.DATA
ROOT = _judge.ROOT
SIDE = 128
#: the colours of the 12 CMP Facades classes in pix2pix's label maps, in class order. Measured on
#: the 400 training maps (the most common colour of each cluster of flat pixels); they are not
#: MATLAB's jet(12), which puts background and facade one class off and splits the windows
#: between facade and door
PALETTE = np.array(
    [[0, 0, 222], [0, 48, 255], [0, 128, 255], [0, 207, 255], [32, 255, 224], [112, 255, 142],
     [192, 255, 63], [255, 240, 0], [255, 159, 0], [255, 80, 0], [255, 0, 0], [174, 0, 0]],
    dtype=np.float32,
)  # fmt: skip
CLASSES = ("background", "facade", "window", "door", "cornice", "sill", "balcony", "blind",
           "deco", "molding", "pillar", "shop")  # fmt: skip


def halves(path: Path) -> tuple[Image.Image, Image.Image]:
    """(photo, labels) of an AB pair at ``SIDE`` px (labels by nearest neighbour)."""
    ab = imageio.load(path).rgb
    w, h = ab.size
    photo = ab.crop((0, 0, w // 2, h)).resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    labels = ab.crop((w // 2, 0, w, h)).resize((SIDE, SIDE), Image.Resampling.NEAREST)
    return photo, labels


def classes(img: Image.Image) -> np.ndarray:
    """Each pixel's class: the nearest palette colour."""
    px = np.asarray(img.convert("RGB"), np.float32)
    d = ((px[..., None, :] - PALETTE) ** 2).sum(-1)
    return d.argmin(-1)


def label_scores(pred: list[np.ndarray], truth: list[np.ndarray]) -> dict[str, float]:
    """Per-pixel accuracy, mean per-class accuracy, mean class IoU (classes present)."""
    p, t = np.concatenate([x.ravel() for x in pred]), np.concatenate([x.ravel() for x in truth])
    n = len(PALETTE)
    conf = np.bincount(t * n + p, minlength=n * n).reshape(n, n)
    tp = np.diag(conf).astype(float)
    present = conf.sum(1) > 0
    per_class = tp[present] / conf.sum(1)[present]
    union = conf.sum(1) + conf.sum(0) - np.diag(conf)
    iou = tp[present] / np.maximum(union[present], 1)
    return {
        "pixel acc": float(tp.sum() / conf.sum()),
        "class acc": float(per_class.mean()),
        "class IoU": float(iou.mean()),
    }


def window_contrast(pred: list[np.ndarray], photos: list[Image.Image]) -> float:
    """Mean photo luminance (0-255) where the maps say facade less where they say window.

    Windows are darker than the wall around them in real facades (about 18 on the training
    pairs), so a map with the classes swapped scores below zero: the colour inversion of an
    unpaired model that the three label scores show only as a low accuracy.
    """
    luma = [np.asarray(x.convert("L"), np.float32) for x in photos]
    facade, window = CLASSES.index("facade"), CLASSES.index("window")
    on = {k: np.concatenate([y[p == k] for y, p in zip(luma, pred, strict=True)]) for k in
          (facade, window)}  # fmt: skip
    if not all(v.size for v in on.values()):
        return float("nan")
    return float(on[facade].mean() - on[window].mean())


class Features:
    """VGG19 relu4_1 features of images: every position's 512-vector, for a Frechet distance."""

    def __init__(self) -> None:
        self.vgg = load_vgg19(max_layer="relu4_1")

    @torch.no_grad()
    def __call__(self, images: list[Image.Image]) -> np.ndarray:
        out = []
        for img in images:
            x = imageio.to_tensor(img.convert("RGB"))
            f = self.vgg(x, ["relu4_1"])["relu4_1"][0]
            out.append(f.flatten(1).T.double().numpy())
        return np.concatenate(out)


def blur_share(img: Image.Image, threshold: float = 0.05) -> float:
    """Share of pixels whose luminance gradient (Sobel, 0-1 units) is below ``threshold``."""
    y = torch.from_numpy(np.asarray(img.convert("L"), np.float32) / 255)[None, None]
    kx = torch.tensor([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]], dtype=torch.float32) / 8
    gx = F.conv2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), kx)
    gy = F.conv2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), kx.transpose(-1, -2))
    return float(((gx**2 + gy**2).sqrt() < threshold).float().mean())


def most_frequent_classes() -> np.ndarray:
    """The baseline: at each pixel position the class most frequent over the training labels."""
    n = len(PALETTE)
    counts = np.zeros((SIDE, SIDE, n), np.int32)
    for p in sorted((DATA / "translation/facades/train").glob("*.jpg")):
        c = classes(halves(p)[1])
        np.put_along_axis(counts, c[..., None], np.take_along_axis(counts, c[..., None], 2) + 1, 2)
    return counts.argmax(-1)


def facades(limit: int, out: Path, feats: Features) -> list[str]:
    tests = sorted((DATA / "translation/facades/test").glob("*.jpg"), key=lambda p: int(p.stem))
    tests = tests[:limit]
    pairs = [halves(p) for p in tests]
    photos, labels = [p for p, _ in pairs], [lab for _, lab in pairs]
    truth = [classes(lab) for lab in labels]
    p2l = load("facades_photo2labels")
    l2p = load("facades_labels2photo")
    cyc_ab = load("facades_cyclegan", direction="AtoB")
    cyc_ba = load("facades_cyclegan", direction="BtoA")
    base = most_frequent_classes()
    lines = [f"1. photo -> labels on {len(tests)} facades test pairs ({SIDE} px):"]
    lines.append(
        f"   {'':24s} {'pixel acc':>10s} {'class acc':>10s} {'class IoU':>10s} {'wall-window':>12s}"
    )
    rows = {
        "pix2pix": [classes(p2l(x)) for x in photos],
        "CycleGAN (unpaired)": [classes(cyc_ab(x)) for x in photos],
        "baseline (mode/pixel)": [base for _ in photos],
        "true maps": truth,
    }
    for name, pred in rows.items():
        s = label_scores(pred, truth)
        lines.append(
            f"   {name:24s} {s['pixel acc']:10.3f} {s['class acc']:10.3f} {s['class IoU']:10.3f} "
            f"{window_contrast(pred, photos):12.1f}"
        )
    lines.append(
        "   (wall-window: the photo's mean luminance where the map says facade less where it says "
        "window; real windows are darker, so a swap of the two classes shows below zero)"
    )
    real = feats(photos)
    outs = {
        "pix2pix": [l2p(x) for x in labels],
        "CycleGAN (unpaired)": [cyc_ba(x) for x in labels],
        "label maps themselves": labels,
    }
    lines.append(
        f"2. labels -> photo ({SIDE} px): L1 to the true photo (0-1), Frechet distance of VGG "
        "relu4_1 features to the real test photos (millions; Caffe units)"
    )
    for name, ys in outs.items():
        l1 = np.mean([
            np.abs(np.asarray(y, np.float32) - np.asarray(x, np.float32)).mean() / 255
            for y, x in zip(ys, photos, strict=True)
        ])  # fmt: skip
        lines.append(f"   {name:24s} L1 {l1:.3f}   FD {_judge.frechet(feats(ys), real) / 1e6:8.1f}")
    show = list(range(min(6, len(tests))))
    grid = [[labels[i], outs["pix2pix"][i], outs["CycleGAN (unpaired)"][i], photos[i]]
            for i in show]  # fmt: skip
    grid += [[photos[i], p2l(photos[i]), cyc_ab(photos[i]), labels[i]] for i in show[:3]]
    imageio.grid(grid, SIDE * 2).save(out / "translate_facades.jpg", quality=90)
    return lines


def any_size(limit: int, sides: tuple[int, ...] = (143, 192)) -> list[str]:
    """photo -> labels by the bundled pix2pix on test photos at sides that are not multiples of
    its U-Net's 128: as brushwork pads them (a mirror image, ``nets.generator.mirror_pad``)
    against an edge pad done here first, the baseline (what brushwork did before 2026-12-07).
    Labels are scored at ``SIDE`` (nearest-neighbour resize)."""
    from brushwork.nets.generator import PaddedGenerator

    tests = sorted((DATA / "translation/facades/test").glob("*.jpg"), key=lambda p: int(p.stem))
    tests = tests[:limit]
    truth = [classes(halves(p)[1]) for p in tests]
    p2l = load("facades_photo2labels")
    assert isinstance(p2l.net, PaddedGenerator)
    m = p2l.net.multiple
    lines = [
        f"1b. photo -> labels by pix2pix at sides that are not multiples of its {m}: pixel / "
        "class acc / class IoU, the product's mirror pad against an edge pad (baseline)"
    ]
    for side in sides:
        mirror, edge = [], []
        for p in tests:
            ab = imageio.load(p).rgb
            photo = ab.crop((0, 0, ab.width // 2, ab.height)).resize(
                (side, side), Image.Resampling.BICUBIC
            )
            mirror.append(classes(p2l(photo).resize((SIDE, SIDE), Image.Resampling.NEAREST)))
            x = imageio.to_tensor(photo)
            padded = F.pad(x, (0, (-side) % m, 0, (-side) % m), mode="replicate")
            y = imageio.to_pil(p2l.stylize_tensor(padded)[0][..., :side, :side])
            edge.append(classes(y.resize((SIDE, SIDE), Image.Resampling.NEAREST)))
        a, b = label_scores(mirror, truth), label_scores(edge, truth)
        lines.append(
            f"   {side} px: mirror {a['pixel acc']:.3f} / {a['class acc']:.3f} / "
            f"{a['class IoU']:.3f}   edge {b['pixel acc']:.3f} / {b['class acc']:.3f} / "
            f"{b['class IoU']:.3f}   pixel acc x{a['pixel acc'] / max(b['pixel acc'], 1e-9):.2f}"
        )
    return lines


def heldout_flowers(limit: int) -> tuple[list[Image.Image], list[Image.Image]]:
    names = [
        s.strip()
        for s in (ROOT / "benchmarks/heldout/flowers.txt").read_text().splitlines()
        if s.strip() and not s.startswith("#")
    ]
    root = DATA / "translation/iphone2dslr_flower"

    def at_side(p: str) -> Image.Image:
        img = imageio.load(root / p).rgb
        return imageio.resize(img, imageio.size_for_long_side(img.size, SIDE + SIDE // 8))

    a = [at_side(n) for n in names if n.startswith("A_")][:limit]
    b = [at_side(n) for n in names if n.startswith("B_")][:limit]
    return a, b


def flowers(limit: int, out: Path, feats: Features) -> list[str]:
    iphone, dslr = heldout_flowers(limit)
    net = load("iphone2dslr")
    after = [net(x) for x in iphone]
    target = feats(dslr)
    side = max(iphone[0].size)
    lines = [f"3. flowers ({len(iphone)} held-out iPhone, {len(dslr)} DSLR, {side} px long side):"]
    lines.append(
        f"   Frechet to DSLR (millions): before {_judge.frechet(feats(iphone), target) / 1e6:.1f}, "
        f"after {_judge.frechet(feats(after), target) / 1e6:.1f}"
    )
    blur = [np.mean([blur_share(x) for x in xs]) for xs in (iphone, after, dslr)]
    lines.append(
        f"   low-gradient share: iPhone {blur[0]:.3f}, translated {blur[1]:.3f}, DSLR {blur[2]:.3f}"
    )
    rows = [[x, y] for x, y in zip(iphone[:6], after[:6], strict=True)]
    imageio.grid(rows, SIDE * 2).save(out / "translate_flowers.jpg", quality=90)
    return lines


def painting(photos: list[str], out: Path) -> list[str]:
    from brushwork.pipelines.fast import load as load_fast

    judge, _, _ = _judge.judge("starry_night")
    fast = load_fast("starry_night")
    cyc = load("photo2starry_night")
    lines = ["4. starry_night: the fast style net vs a CycleGAN to crops of the painting, "
             "held-out photos at 256 px (its recipe's losses):"]  # fmt: skip
    rows = []
    for name in photos:
        img = _judge.held_photo(name, 2 * SIDE)
        x = imageio.to_tensor(img)
        a, b = fast(img), cyc(img)
        sa = _judge.scores(judge, x, imageio.to_tensor(a))
        sb = _judge.scores(judge, x, imageio.to_tensor(b))
        lines.append(
            f"   {name:12s} fast: content {sa['content']:.3g} style {sa['style']:.3g}   "
            f"CycleGAN: content {sb['content']:.3g} style {sb['style']:.3g}"
        )
        rows.append([img, a, b])
    imageio.grid(rows, SIDE * 2).save(out / "translate_painting.jpg", quality=90)
    return lines


def speed(repeats: int, train_steps: int, crop: int = SIDE) -> list[str]:
    """Inference and training speed; ``crop`` < 128 (``--smoke``) trains a shallower U-Net on
    smaller crops, so that a CPU without fast bf16 (25 s a CycleGAN step) gets through quickly."""
    from brushwork.runtime import BACKENDS, installed

    x = torch.rand(1, 3, 2 * SIDE, 2 * SIDE)
    lines = ["5. seconds per 256 px image (mean of the runs after a warm-up):"]
    for name, direction in (("facades_labels2photo", None), ("iphone2dslr", None)):
        for backend in [b for b in BACKENDS if b != "auto" and installed(b)]:
            try:
                t = load(name, direction=direction, backend=backend)
                t.stylize_tensor(x)
                start = time.perf_counter()
                for _ in range(repeats):
                    t.stylize_tensor(x)
                s = (time.perf_counter() - start) / repeats
                lines.append(f"   {name:22s} {backend:12s} {s:.3f}")
            except Exception as exc:  # a backend that cannot run this net is reported
                lines.append(f"   {name:22s} {backend:12s} failed: {str(exc)[:80]}")
    lines.append(f"   training seconds per step (batch 1, {crop} px, CPU recipe nets):")
    jitter = {"crop": crop, "load_size": crop * 143 // 128}
    depth = min(pix2pix.CPU.generator.depth, (crop - 1).bit_length())  # fits the crop
    p2p = dataclasses.replace(
        pix2pix.CPU, generator=dataclasses.replace(pix2pix.CPU.generator, depth=depth), **jitter
    )
    cyc = dataclasses.replace(cyclegan.CPU, **jitter)
    fast_bf16 = bf16_supported(torch.device("cpu"))
    with tempfile.TemporaryDirectory() as tmp:
        ab = Path(tmp) / "ab"
        ab.mkdir()
        a, b = Path(tmp) / "a", Path(tmp) / "b"
        a.mkdir()
        b.mkdir()
        for p in sorted((DATA / "translation/facades/train").glob("*.jpg"))[:8]:
            img = Image.open(p)
            img.save(ab / p.name)
            img.crop((0, 0, 256, 256)).save(a / p.name)
            img.crop((256, 0, 512, 256)).save(b / p.name)
        for precision in ("fp32", "bf16"):
            loop = LoopConfig(steps=train_steps, batch_size=1, checkpoint_every=0,
                              preview_every=0, precision=precision, log_every=1)  # fmt: skip
            per = []
            for method in ("pix2pix", "cyclegan"):
                folder = Path(tmp) / f"{method}_{precision}"
                if method == "pix2pix":
                    r = pix2pix.train_pix2pix(ab, folder, recipe=p2p, loop=loop, progress=False)
                else:
                    r = cyclegan.train_cyclegan(a, b, folder, recipe=cyc, loop=loop, progress=False)
                per.append(r.seconds / train_steps)
            note = "" if precision == "fp32" or fast_bf16 else " (this CPU has no fast bf16)"
            lines.append(f"   {precision}: pix2pix {per[0]:.3f}, CycleGAN {per[1]:.3f}{note}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=106, help="facades test pairs to use")
    ap.add_argument("--flowers", type=int, default=50, help="held-out flowers per domain")
    ap.add_argument("--photos", nargs="*", default=["tubingen", "golden_gate", "bear"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--train-steps", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / ".bench")
    ap.add_argument("--smoke", action="store_true", help="every part on two images, quickly")
    args = ap.parse_args()
    if args.smoke:
        args.limit, args.flowers, args.photos, args.repeats, args.train_steps = 2, 2, ["bear"], 1, 2
        args.out = Path(tempfile.mkdtemp())
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    feats = Features()
    lines = facades(args.limit, args.out, feats)
    lines += any_size(args.limit)
    lines += flowers(args.flowers, args.out, feats)
    lines += painting(args.photos, args.out)
    lines += speed(args.repeats, args.train_steps, 32 if args.smoke else SIDE)
    print("\n".join(lines))
    print(f"pictures: {args.out}/translate_*.jpg")


if __name__ == "__main__":
    main()
