"""Arbitrary style with AdaIN against optimisation, on paintings the decoder saw and on paintings
it never saw (held out of its training), in one run.

Prints, per style, on a held-out photo (../shared/data/content, never trained on):
  1. losses of one AdaIN pass next to the optimisation method (Gatys et al., L-BFGS from the
     photo) after 100 and 300 steps, all scored by one judge: the optimiser's own objective
     (content relu4_2 against the photo, Gram style relu1_1..relu5_1, total variation; the
     CLI's default weights), plus AdaIN's training style loss (feature means and standard
     deviations, relu1_1..relu4_1) for reference. Outputs are scored as delivered (clamped).
  2. seconds per image at 256 and 512 px: AdaIN's pass (median of 3) next to the seconds the
     optimiser needs to stylise as strongly (its Gram style loss down to AdaIN's), with the
     total of both there ("same quality").
A decoder that generalises scores on unseen paintings as it does on seen ones.

    python benchmarks/bench_adain.py [--photo tubingen] [--unseen ...] [--seen ...]

``--smoke`` runs the same code at tiny sizes (one unseen and one seen painting, 32 and 48 px
instead of 256 and 512, 1 optimisation step, one timed AdaIN pass) to prove it works in
seconds; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.losses.moments import moment_loss
from brushwork.ops.moments import mean_std
from brushwork.pipelines._common import style_tensor
from brushwork.pipelines.arbitrary import ArbitraryStyle, load_adain
from brushwork.pipelines.optimize import OptimizeConfig, build_loss, optimize_result
from brushwork.training.adain import ADAIN_STYLE_LAYERS

DATA = _judge.DATA
#: optimisation steps whose pictures are scored (to find where it matches AdaIN)
CHECKED = (1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 85, 100, 125, 150, 200, 250, 300)


class Judge:
    """The optimiser's objective for one (photo, style) pair, and AdaIN's moment style loss."""

    def __init__(self, photo: torch.Tensor, style: torch.Tensor, cfg: OptimizeConfig) -> None:
        self.loss = build_loss(photo, [style], cfg, torch.device("cpu"))
        self.enc = load_vgg19(max_layer="relu4_1")
        with torch.no_grad():
            feats = self.enc(style, ADAIN_STYLE_LAYERS)
        self.targets = {k: mean_std(v) for k, v in feats.items()}

    def __call__(self, y: torch.Tensor) -> dict[str, float]:
        with torch.no_grad():
            parts = self.loss(y)
            feats = self.enc(y, ADAIN_STYLE_LAYERS)
            moments = sum(float(moment_loss(feats[k], *self.targets[k])) for k in feats)
        out = {k: float(parts[k]) for k in ("content", "style", "total")}
        return out | {"moments": moments}


def painting_path(name: str) -> Path:
    """A painting of the data folder by name: ``style/NAME.jpg``, else ``paintings/NAME.jpg``
    (a decoder trained on the whole painting set holds out names of both)."""
    first = DATA / "style" / f"{name}.jpg"
    return first if first.exists() else DATA / "paintings" / f"{name}.jpg"


def run_pair(
    adain: ArbitraryStyle, photo: str, style: str, size: int, steps: int, repeats: int = 3
) -> dict[str, object]:
    img = _judge.held_photo(photo, size)
    painting = imageio.load(painting_path(style)).rgb
    x = imageio.to_tensor(img)
    cfg = OptimizeConfig(steps=steps, size=size, precision="fp32")
    s = style_tensor(painting, img.size[0] * img.size[1], cfg.style_scale)
    judge = Judge(x, s, cfg)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = adain.stylize(img, painting).image
        times.append(time.perf_counter() - t)
    ada = judge(imageio.to_tensor(out))
    snaps: dict[int, torch.Tensor] = {}

    def snap(_lvl: int, step: int, y: torch.Tensor, loss: float) -> None:
        if step in CHECKED:
            snaps[step] = y.detach().clamp(0, 1).clone()

    t = time.perf_counter()
    optimize_result(img, [painting], config=cfg, callback=snap, progress=False)
    opt_s = time.perf_counter() - t
    per_step = opt_s / steps
    row: dict[str, object] = {
        "photo": photo,
        "style": style,
        "size": size,
        "adain_seconds": statistics.median(times),
        "opt_seconds_per_step": per_step,
        "adain": ada,
    }
    for k in (100, 300):
        if k in snaps:
            row[f"opt{k}"] = judge(snaps[k])
    row["photo"] = judge(x)  # the unstylised photo, for scale
    # the first checked step whose delivered (clamped) picture is as stylised as AdaIN's
    # (Gram style loss at or below AdaIN's); the total is reported beside it
    scored = {k: judge(snaps[k]) for k in sorted(snaps)}
    match = next((k for k, p in scored.items() if p["style"] <= ada["style"]), None)
    row["same_quality_step"] = match
    row["same_quality_seconds"] = None if match is None else match * per_step
    row["same_quality_total"] = None if match is None else scored[match]["total"]
    return row


def fmt(p: dict[str, float]) -> str:
    return f"{p['content']:.3g} / {p['style']:.3g} / {p['total']:.3g} / {p['moments']:.3g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photo", default="tubingen")
    ap.add_argument("--model", default="adain")
    ap.add_argument("--unseen", nargs="*", default=None, help="default: the decoder's held-out")
    ap.add_argument("--seen", nargs="*", default=["mondrian", "night_cafe"])
    ap.add_argument("--steps", type=int, default=300, help="optimisation steps at 256 px")
    ap.add_argument("--steps-512", type=int, default=100, help="optimisation steps at 512 px")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    small, large, repeats = 256, 512, 3
    adain = load_adain(args.model)
    held = adain.config.get("held_out", [])
    # the famous paintings of style/ first, then the held-out ones of paintings/
    by_fame = sorted(held, key=lambda n: not (DATA / "style" / f"{n}.jpg").exists())
    unseen = args.unseen if args.unseen is not None else by_fame
    if args.smoke:
        small, large, repeats = 32, 48, 1
        args.steps, args.steps_512 = 1, 1
        unseen, args.seen = unseen[:1], args.seen[:1]
    leaked = [s for s in unseen if s not in held]
    if leaked:
        raise SystemExit(f"not held out of {args.model}'s training: {', '.join(leaked)}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; decoder {args.model} "
          f"({adain.config.get('training', {}).get('steps')} steps), photo {args.photo}")  # fmt: skip
    rows = []
    print(
        f"\n1. losses at {small} px, content / Gram style / total / moment style (lower is better)"
    )
    print(f"  {'style':22s} {'':7s} {'AdaIN (one pass)':40s} {'100 L-BFGS steps':40s} 300 steps")
    for group, styles in (("unseen", unseen), ("seen", args.seen)):
        for style in styles:
            row = run_pair(adain, args.photo, style, small, args.steps, repeats)
            row["group"] = group
            rows.append(row)
            cells = [fmt(row["adain"])] + [fmt(row[k]) for k in ("opt100", "opt300") if k in row]  # type: ignore[arg-type]
            print(f"  {style:22s} {group:7s} " + "  ".join(f"{c:40s}" for c in cells)
                  + f"  (photo itself: {fmt(row['photo'])})", flush=True)  # type: ignore[arg-type]  # fmt: skip
    for group in ("unseen", "seen"):
        g = [r for r in rows if r["group"] == group and "opt100" in r]
        if not g:
            continue
        ratio = statistics.mean(
            r["adain"]["total"] / r["opt100"]["total"]
            for r in g  # type: ignore[index]
        )
        print(f"  mean AdaIN total / 100-step total, {group}: {ratio:.2f}")
    print("\n2. seconds per image: AdaIN pass vs optimisation to AdaIN's style loss")
    picks = [unseen[0], args.seen[0]] if unseen and args.seen else (unseen or args.seen)[:1]
    for size in (small, large):
        for style in picks if size == small else picks[:1]:
            if size == small:
                row = next(r for r in rows if r["style"] == style)
            else:
                row = run_pair(adain, args.photo, style, large, args.steps_512, repeats)
                rows.append(row | {"group": "timing"})
            step = row["same_quality_step"]
            opt = (
                f"{row['same_quality_seconds']:.1f} s ({step} steps)"
                if step is not None
                else f"> {args.steps if size == small else args.steps_512} steps"
            )
            a = row["adain_seconds"]
            totals = (f", totals AdaIN {row['adain']['total']:.3g} / optimisation "  # type: ignore[index]
                      f"{row['same_quality_total']:.3g}") if step else ""  # fmt: skip
            print(f"  {size} px {style:22s} AdaIN {a:.2f} s   optimisation {opt}"
                  + (f" = {row['same_quality_seconds'] / a:.1f}x" if step else "") + totals, flush=True)  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
