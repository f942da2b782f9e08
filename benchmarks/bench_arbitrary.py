"""One-pass arbitrary style (AdaIN, WCT, the learned linear transform) and refine, against optimisation, on held-out paintings
(benchmarks/heldout/paintings.txt, chosen before any training) and held-out photos
(../shared/data/content, never trained on), in one run.

For each (painting, photo) pair at ``--size`` (256 px) it prints:
  1. content and Gram style loss of each one-pass method and of 100 and 300 L-BFGS steps from
     the photo (Gatys et al.), all scored by one judge: the optimiser's own objective (content
     relu4_2, Gram style relu1_1..relu5_1, total variation; the CLI's default weights), on the
     delivered (clamped) pictures; seconds per image (median of 3, style image included).
  2. time to reach the total loss of 300 plain steps: plain optimisation against one pass +
     refine (optimisation started from the one-pass picture, ``brushwork.refine``), on the same
     objective (the optimiser's own loss at each step, both timed from their start).
Then medians over the pairs: style and content ratios to 300 steps (targets: style within 1.5x
at content no higher), the refine speed-up (target: at least 3x) and each method's grid strength
(:func:`brushwork.ops.quality.grid_pattern`: a pattern locked to an 8 px cell, the decoders'
stripes; the photos' own for scale). Section 3 times one pass at
512 px (target: at most 1 s on 2 cores) and section 4 gives each method's reconstruction PSNR of
the photos (alpha 0: the decoders alone; target: at least 28 dB), the pairs' and all the held-out
photos' (../shared/data/content).

    python benchmarks/bench_arbitrary.py [--paintings 12] [--photos golden_gate tubingen]

``--smoke`` runs the same code at tiny sizes (one painting, one photo, 48 px, 3 steps) to prove
it works; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

import _judge  # benchmarks/_judge.py
import brushwork as bw
from brushwork import image as imageio
from brushwork.devices import bf16_supported
from brushwork.nets.linear import check_detail
from brushwork.ops.quality import grid_pattern
from brushwork.pipelines._common import style_tensor
from brushwork.pipelines.optimize import OptimizeConfig, build_loss, optimize_result
from brushwork.pipelines.refine import refine

DATA = _judge.DATA
HELD = Path(__file__).resolve().parent / "heldout" / "paintings.txt"


def held_paintings() -> list[str]:
    """The held-out paintings, paths relative to the data folder, in the list's order."""
    lines = HELD.read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def spread(items: list[str], n: int) -> list[str]:
    """``n`` items spread evenly over ``items`` (its order mixes the sources)."""
    if n >= len(items):
        return items
    return [items[round(i * (len(items) - 1) / max(1, n - 1))] for i in range(n)]


class Judge:
    """The optimiser's objective for one (photo, painting) pair, on delivered pictures."""

    def __init__(self, photo: torch.Tensor, style: torch.Tensor, cfg: OptimizeConfig) -> None:
        self.loss = build_loss(photo, [style], cfg, torch.device("cpu"))

    def __call__(self, y: torch.Tensor) -> dict[str, float]:
        with torch.no_grad():
            parts = self.loss(y.clamp(0, 1))
        return {k: float(parts[k]) for k in ("content", "style", "total")}


class Reached(Exception):
    """A refine reached its target loss: the run stops there."""


def timed_run(
    photo: Any, painting: Any, cfg: OptimizeConfig, start: Any = None, target: float = 0.0
) -> tuple[list[float], list[float], dict[int, torch.Tensor]]:
    """(loss, seconds since start) after every step, and the pictures at 100 and 300 steps;
    a run from ``start`` (a refine) stops once its loss reaches ``target``."""
    losses: list[float] = []
    times: list[float] = []
    snaps: dict[int, torch.Tensor] = {}
    t0 = time.perf_counter()

    def step(_level: int, i: int, y: torch.Tensor, loss: float) -> None:
        losses.append(loss)
        times.append(time.perf_counter() - t0)
        if i in (100, 300) or i == cfg.steps:
            snaps[i] = y.detach().clamp(0, 1).clone()
        if start is not None and loss <= target:
            raise Reached

    if start is None:
        optimize_result(photo, [painting], config=cfg, callback=step, progress=False)
    else:
        with contextlib.suppress(Reached):
            refine(photo, start, [painting], steps=int(cfg.steps), config=cfg, callback=step)
    return losses, times, snaps


def reach(losses: list[float], times: list[float], target: float) -> float | None:
    """Seconds until the loss first reaches ``target`` (None: never)."""
    return next((t for v, t in zip(losses, times, strict=True) if v <= target), None)


def run_pair(
    nets: dict[str, Any],
    painting_rel: str,
    photo: str,
    size: int,
    steps: int,
    repeats: int,
    optimise: bool = True,
) -> dict[str, Any]:
    img = _judge.held_photo(photo, size)
    painting = imageio.load(DATA / painting_rel).rgb
    x = imageio.to_tensor(img)
    cfg = OptimizeConfig(steps=steps, size=size, precision="fp32")
    judge = Judge(x, style_tensor(painting, img.size[0] * img.size[1], cfg.style_scale), cfg)
    row: dict[str, Any] = {"painting": painting_rel, "photo": photo, "size": size}
    outs = {}
    for name, net in nets.items():
        secs = []
        for _ in range(repeats):
            t = time.perf_counter()
            out = net.stylize(img, painting, alpha=alpha_of(name)).image
            secs.append(time.perf_counter() - t)
        outs[name] = out
        y = imageio.to_tensor(out)
        row[name] = judge(y) | {"seconds": statistics.median(secs), "grid": grid_pattern(y)}
    row["photo_grid"] = grid_pattern(x)
    if not optimise:
        return row | {"plain_seconds": None, "refine_seconds": None, "refine_from": None}
    losses, times, snaps = timed_run(img, painting, cfg)
    for k in (100, 300):
        if k in snaps:
            row[f"opt{k}"] = judge(snaps[k])
    last = snaps[max(snaps)]
    target = min(losses)  # the plain run's loss after its last step
    row["plain_seconds"] = reach(losses, times, target)
    best = min(nets, key=lambda n: row[n]["total"])
    r_losses, r_times, _ = timed_run(img, painting, cfg, start=outs[best], target=target)
    row["refine_from"] = best
    t = reach(r_losses, r_times, target)
    row["refine_seconds"] = None if t is None else t + row[best]["seconds"]
    row["final"] = judge(last)
    return row


def alpha_of(method: str) -> float:
    """``"wct@0.6"``: the method at alpha 0.6 (default 1)."""
    return float(method.partition("@")[2] or 1.0)


def load_variant(model: str, precision: str = "fp32") -> Any:
    """``"adain#1"``: the bundled decoder with 1 shift (default: its config's); a trailing
    ``"-"`` (``"adain#2-"``) without its grid filter; ``"linear~0.3"``: a linear model with
    detail 0.3 (default: its config's); ``"wct"``."""
    raw = model.endswith("-")
    rest, _, detail = model.removesuffix("-").partition("~")
    name, _, shifts = rest.partition("#")
    net = bw.load(name, precision=precision)
    if shifts:
        net.shifts = int(shifts)
    if raw:
        net.degrid = False
    if detail:
        net.detail = check_detail(float(detail))
    return net


def psnr(net: Any, photo: str, size: int) -> float:
    img = _judge.held_photo(photo, size)
    x = imageio.to_tensor(img)
    y = imageio.to_tensor(net.stylize(img, img, alpha=0.0).image)
    return -10 * math.log10(max(F.mse_loss(y, x).item(), 1e-12))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--methods", nargs="*", default=["adain", "linear", "adain#1-", "wct", "wct@0.6"],
                    help="bundled decoders; NAME@A runs one at alpha A, adain#S with S shifts, adain#S- without the grid filter, linear~D with detail D")  # fmt: skip
    ap.add_argument("--paintings", type=int, default=12, help="how many of the held-out list")
    ap.add_argument("--photos", nargs="*", default=["golden_gate", "tubingen"])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--one-pass-only", action="store_true",
                    help="no optimisation or refine: compare the methods with the first one")  # fmt: skip
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    paintings, repeats, large = spread(held_paintings(), args.paintings), 3, 512
    if args.smoke:
        paintings, args.photos, args.size, args.steps, repeats, large = (
            paintings[:1],
            args.photos[:1],
            48,
            3,
            1,
            64,
        )
    loaded = {m: load_variant(m) for m in dict.fromkeys(m.partition("@")[0] for m in args.methods)}
    nets = {m: loaded[m.partition("@")[0]] for m in args.methods}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{len(paintings)} held-out paintings x {len(args.photos)} photos at {args.size} px")  # fmt: skip
    print("\n1-2. content / Gram style per method and optimisation; seconds to the loss of "
          f"{args.steps} plain steps: plain vs one pass + refine")  # fmt: skip
    rows = []
    for rel in paintings:
        for photo in args.photos:
            row = run_pair(nets, rel, photo, args.size, args.steps, repeats,
                           optimise=not args.one_pass_only)  # fmt: skip
            rows.append(row)
            cells = "  ".join(
                f"{k} {row[k]['content']:.3g}/{row[k]['style']:.3g}"
                for k in (*nets, "opt100", "opt300")
                if k in row
            )
            plain, ref = row["plain_seconds"], row["refine_seconds"]
            speed = f"{plain / ref:.1f}x" if plain and ref else "n/a"
            if args.one_pass_only:
                print(f"  {rel:22s} {photo:12s} {cells}", flush=True)
                continue
            print(f"  {rel:22s} {photo:12s} {cells}  plain {plain:.1f} s, {row['refine_from']} + "
                  f"refine {ref if ref is None else round(ref, 1)} s ({speed})", flush=True)  # fmt: skip
    top = f"opt{args.steps}" if f"opt{args.steps}" in rows[0] else None
    print("\nmedians over the pairs")
    if args.one_pass_only:
        first = next(iter(nets))
        for name in nets:
            s = statistics.median(r[name]["style"] / r[first]["style"] for r in rows)
            c = statistics.median(r[name]["content"] / r[first]["content"] for r in rows)
            wins = sum(r[name]["style"] < r[first]["style"] for r in rows)
            print(f"  {name}: style {s:.2f}x and content {c:.2f}x of {first}'s; lower style on "
                  f"{wins} of {len(rows)} pairs")  # fmt: skip
    print(f"  grid strength (8 px cell, luma; brushwork.ops.quality.grid_pattern), median: photos "
          f"{statistics.median(r['photo_grid'] for r in rows):.2f}, "
          + ", ".join(f"{n} {statistics.median(r[n]['grid'] for r in rows):.2f}" for n in nets))  # fmt: skip
    for name in nets:
        if top is None:
            break
        s = statistics.median(r[name]["style"] / r[top]["style"] for r in rows)
        c = statistics.median(r[name]["content"] / r[top]["content"] for r in rows)
        secs = statistics.median(r[name]["seconds"] for r in rows)
        print(f"  {name}: style {s:.2f}x and content {c:.2f}x of {args.steps} steps' "
              f"(target: style <= 1.5x at content <= 1x); {secs:.2f} s per image")  # fmt: skip
    speeds = [r["plain_seconds"] / r["refine_seconds"] for r in rows if r["refine_seconds"]]
    never = sum(1 for r in rows if not r["refine_seconds"])
    if speeds:
        print(f"  one pass + refine reaches {args.steps} plain steps' loss "
              f"{statistics.median(speeds):.1f}x sooner (median; target >= 3x); "
              f"{never} of {len(rows)} never did within {args.steps} steps")  # fmt: skip
    print(f"\n3. seconds per image at {large} px (median of {repeats} after a warm-up, style "
          "included; target <= 1 s on 2 cores)")  # fmt: skip
    img = _judge.held_photo(args.photos[0], large)
    painting = imageio.load(DATA / paintings[0]).rgb
    fast = "bf16" if bf16_supported(torch.device("cpu")) else None
    print(f"  {torch.get_num_threads()} threads; the CLI's default precision (auto) is "
          f"{fast or 'fp32: this CPU has no fast bf16'}")  # fmt: skip
    for name, fp32 in loaded.items():
        cells = []
        for precision in ("fp32", *([fast] if fast else [])):
            net = fp32 if precision == "fp32" else load_variant(name, precision)
            net.stylize(img, painting)  # warm-up
            secs = []
            for _ in range(repeats):
                t = time.perf_counter()
                net.stylize(img, painting)
                secs.append(time.perf_counter() - t)
            cells.append(f"{precision} {statistics.median(secs):.2f} s")
        print(f"  {name}: {', '.join(cells)}")
    every = sorted(p.stem for p in (DATA / "content").glob("*.jpg"))
    if args.smoke:
        every = every[:2]
    print(f"\n4. reconstruction PSNR at {args.size} px (alpha 0; target >= 28 dB): mean of these "
          f"photos; mean (lowest) of all {len(every)} held-out photos")  # fmt: skip
    for name, net in loaded.items():
        values = [psnr(net, p, args.size) for p in args.photos]
        whole = [psnr(net, p, args.size) for p in every]
        print(f"  {name}: {statistics.mean(values):.2f} dB; all {statistics.mean(whole):.2f} dB "
              f"({min(whole):.2f})")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
