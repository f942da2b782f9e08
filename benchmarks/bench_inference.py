"""Feed-forward inference speed: every backend and architecture at every size, in one table.

For each net (``paper``: Johnson et al.'s widths 32/64/128; ``zoo``: the bundled styles' 16/32/64;
``lite``: the real-time net) and size (256 px, 512 px, 1280x720, 1920x1080, 3840x2160 tiled),
prints seconds per image for
  - ``reference``: plain float32 eager PyTorch, as pytorch/examples' fast_neural_style runs it
    (``with torch.no_grad(): net(x)``, NCHW);
  - each brushwork backend (torch, torch+compile, onnxruntime, openvino) through
    ``FastStyle.stylize_tensor`` (what users get: clamping, tiling included);
and beside them the speed-up over the reference, the ratio to the limit (the net's FLOPs divided
by the peak of a large convolution measured in this run, float32 or bfloat16, whichever is
faster here), the first call's time (export, compile) and the peak RSS during the timed calls.

    python benchmarks/bench_inference.py [--archs paper zoo lite] [--sizes 256 512 720p 1080p 4k]

Then, for every bundled lite style, its content and style losses on held-out photos against the
full net it was distilled from (target: within 15%), and a side-by-side picture.

Peak RSS is the whole process's, so memory freed by one cell may still be held when the next
runs: measure the 4K cells in a process of their own (``--sizes 4k --repeats 0``), as
``make bench`` does.

``--smoke`` runs the same code at tiny sizes to prove it works in seconds (its figures mean
nothing): the last of ``--archs`` only, at 64x48, one timed call per cell, a small convolution
for the limit, one lite style on one photo at 64 px; torch.compile (tens of seconds per net on
a CPU) is skipped, and the cache of exported graphs and the picture go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from brushwork import runtime
from brushwork.devices import bf16_supported
from brushwork.nets.lite import LiteConfig, LiteNet
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.pipelines.feedforward import FastStyle

SIZES = {"256": (256, 256), "512": (512, 512), "720p": (720, 1280), "1080p": (1080, 1920),
         "4k": (2160, 3840)}  # fmt: skip
ARCHS: dict[str, Callable[[], nn.Module]] = {
    "paper": lambda: TransformerNet(TransformerConfig()),
    "zoo": lambda: TransformerNet(TransformerConfig(widths=(16, 32, 64))),
    "lite": lambda: LiteNet(LiteConfig()),
}
PAGE = os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Peak resident memory of this process while the block runs (sampled every 2 ms)."""

    def __enter__(self) -> PeakRSS:
        self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, self._rss())

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE


def conv_peak(side: int = 128, repeats: int = 5) -> tuple[float, float]:
    """GFLOP/s of a large 3x3 convolution (256 -> 256 channels at 128x128), fp32 and bf16 (bf16
    only where the CPU has it: emulated, it is 20x slower and would only waste the run)."""
    conv = nn.Conv2d(256, 256, 3, padding=1).eval()
    x = torch.rand(1, 256, side, side)
    flops = 2 * side * side * 9 * 256 * 256
    out = [0.0, 0.0]
    dtypes = [torch.float32] + ([torch.bfloat16] if bf16_supported(torch.device("cpu")) else [])
    for i, dtype in enumerate(dtypes):
        c, xi = conv.to(dtype), x.to(dtype)
        with torch.inference_mode():
            c(xi)
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                c(xi)
                times.append(time.perf_counter() - t)
        out[i] = flops / min(times) / 1e9
    return out[0], out[1]


def count_flops(net: nn.Module, hw: tuple[int, int]) -> float:
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        net(torch.rand(1, 3, *hw))
    return float(fc.get_total_flops())


def timed(fn: Callable[[], Any], repeats: int, budget: float) -> tuple[float, float, int]:
    """(first call seconds, median seconds of the next calls, peak RSS of those calls).

    ``repeats=0``: one call only, timed as both (for the slow 4K cells; it includes the
    first-call costs of a backend: export, compile).
    """
    if repeats == 0:
        with PeakRSS() as mem:
            t = time.perf_counter()
            fn()
            sec = time.perf_counter() - t
        return sec, sec, mem.peak
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    times: list[float] = []
    with PeakRSS() as mem:
        while len(times) < repeats and (not times or sum(times) < budget):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return first, statistics.median(times), mem.peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--archs", nargs="*", default=list(ARCHS), choices=list(ARCHS))
    ap.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    ap.add_argument(
        "--backends", nargs="*", default=["torch", "compile", "onnxruntime", "openvino"]
    )
    ap.add_argument("--compile-sizes", nargs="*", default=["256", "512", "720p"],
                    help="sizes at which torch.compile runs (it compiles once per shape)")  # fmt: skip
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--budget", type=float, default=20.0, help="seconds of timed calls per cell")
    ap.add_argument("--photos", nargs="*", default=["tubingen", "golden_gate"])
    ap.add_argument("--quality-size", type=int, default=512)
    ap.add_argument("--skip-quality", action="store_true", help="no lite-against-full section")
    ap.add_argument("--skip-reference", action="store_true", help="ratios then read 1.00x")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    if not args.smoke:
        os.environ.setdefault("BRUSHWORK_HOME", str(Path(__file__).resolve().parents[1] / ".bench"))
        run(args, {s: SIZES[s] for s in args.sizes}, conv_peak())
        return
    with tempfile.TemporaryDirectory(prefix="bench_inference_") as tmp:
        os.environ["BRUSHWORK_HOME"] = tmp
        args.archs, args.repeats, args.budget = args.archs[-1:], 1, 0.0
        args.photos, args.quality_size = args.photos[:1], 64
        if "compile" in args.backends:
            args.backends = [b for b in args.backends if b != "compile"]
            print("torch.compile skipped in smoke mode (it compiles for tens of seconds)")
        run(args, {"smoke": (48, 64)}, conv_peak(side=32, repeats=2))


def run(
    args: argparse.Namespace, sizes: dict[str, tuple[int, int]], peaks: tuple[float, float]
) -> None:
    """The table for ``args`` at ``sizes`` (label -> (height, width)), then the lite section."""
    fp32, bf16 = peaks
    peak = max(fp32, bf16)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"bf16 fast: {bf16_supported(torch.device('cpu'))}")  # fmt: skip
    print(
        f"limit: large 3x3 conv peak {fp32:.0f} GFLOP/s fp32, {bf16:.0f} GFLOP/s bf16 -> {peak:.0f}"
    )
    backends = [b for b in args.backends if b in ("torch", "compile") or runtime.installed(b)]
    rows: list[dict[str, Any]] = []
    head = f"{'net':6s} {'size':10s} {'GFLOP':>7s} {'limit s':>8s}  {'backend':12s} {'s/image':>8s} {'vs ref':>7s} {'x limit':>8s} {'first s':>8s} {'peak RSS':>9s}"
    print("\n" + head + "\n" + "-" * len(head), flush=True)
    for arch in args.archs:
        torch.manual_seed(0)
        net = ARCHS[arch]().eval()
        config = {"architecture": "lite" if arch == "lite" else "transformer",
                  "config": net.config.to_dict()}  # fmt: skip
        styles = {}
        for b in backends:
            compile_ = b == "compile"
            styles[b] = FastStyle(net, name=arch, config=config, precision="auto",
                                  backend="torch" if compile_ else b, compile=compile_)  # fmt: skip
        for size, hw in sizes.items():
            x = torch.rand(1, 3, *hw)
            tiled = hw[0] * hw[1] > 1536 * 1536
            flops = count_flops(net, hw)
            limit = flops / (peak * 1e9)
            cells: list[tuple[str, Callable[[], Any]]] = []
            if args.skip_reference:
                pass
            elif not tiled:

                def ref(x: torch.Tensor = x, net: nn.Module = net) -> None:
                    with torch.no_grad():
                        net(x)

                cells.append(("reference", ref))
            else:  # the plain loop cannot hold 4K; its figure is the tiled torch fp32 eager path
                fs_ref = FastStyle(net, name=arch, config=config, precision="fp32", backend="torch")
                fs_ref._engines["torch"] = _plain_engine(net)
                cells.append(("reference", lambda fs=fs_ref, x=x: fs.stylize_tensor(x)))
            for b in backends:
                if b == "compile" and size not in args.compile_sizes:
                    continue
                cells.append((b, lambda fs=styles[b], x=x: fs.stylize_tensor(x)))
            ref_s = None
            for name, fn in cells:
                first, sec, rss = timed(fn, args.repeats, args.budget)
                ref_s = ref_s or sec
                row = {"net": arch, "size": size, "gflop": flops / 1e9, "limit_s": limit,
                       "backend": name, "seconds": sec, "speedup": ref_s / sec,
                       "x_limit": sec / limit, "first_s": first, "peak_rss_gb": rss / 2**30}  # fmt: skip
                rows.append(row)
                label = f"{hw[1]}x{hw[0]}" + (" t" if tiled else "")
                print(f"{arch:6s} {label:10s} {flops / 1e9:7.1f} {limit:8.3f}  {name:12s} {sec:8.3f} "
                      f"{ref_s / sec:6.2f}x {sec / limit:7.2f}x {first:8.2f} {rss / 2**30:7.2f} GB",
                      flush=True)  # fmt: skip
    report: dict[str, Any] = {"peak_gflops": {"fp32": fp32, "bf16": bf16}, "rows": rows}
    if not args.skip_quality:
        report["lite_quality"] = lite_quality(
            args.photos, args.quality_size, 1 if args.smoke else None
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def lite_quality(photos: list[str], size: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Each bundled lite style against its full net on held-out photos: content and style loss
    under the full style's training objective (target: within 15%), the grid strength of each
    (:func:`brushwork.ops.quality.grid_pattern`: a pattern locked to the pixel grid, the lite net's
    hatching; the photo's own for scale), and a side-by-side picture (photo, full, lite) in
    .bench/lite_vs_full.jpg."""
    import _judge  # benchmarks/_judge.py
    from brushwork import image as imageio
    from brushwork import zoo
    from brushwork.ops.quality import grid_pattern
    from brushwork.pipelines.fast import load

    lites = [n for n in zoo.names() if n.endswith("_lite")][:limit]
    print(f"\n2. lite against full net, held-out photos at {size} px (target: losses within 15%)")
    print(f"{'style':18s} {'photo':12s} {'full: content':>14s} {'style':>9s}   "
          f"{'lite: content':>14s} {'style':>9s}   {'ratio c':>7s} {'ratio s':>7s}   "
          f"{'grid: photo':>11s} {'full':>5s} {'lite':>5s}")  # fmt: skip
    rows, grid = [], []
    for lite in lites:
        name = lite.removesuffix("_lite")
        judge, _, _ = _judge.judge(name)
        full_net, lite_net = load(name), load(lite)
        for photo in photos:
            img = _judge.held_photo(photo, size)
            x = imageio.to_tensor(img)
            full_img, lite_img = full_net(img), lite_net(img)
            full = _judge.scores(judge, x, imageio.to_tensor(full_img))
            small = _judge.scores(judge, x, imageio.to_tensor(lite_img))
            rc, rs = small["content"] / full["content"], small["style"] / full["style"]
            grids = {k: grid_pattern(imageio.to_tensor(v))
                     for k, v in (("photo", img), ("full", full_img), ("lite", lite_img))}  # fmt: skip
            rows.append({"style": name, "photo": photo, "full": full, "lite": small,
                         "content_ratio": rc, "style_ratio": rs, "grid": grids})  # fmt: skip
            print(f"{name:18s} {photo:12s} {full['content']:14.3g} {full['style']:9.3g}   "
                  f"{small['content']:14.3g} {small['style']:9.3g}   {rc:7.2f} {rs:7.2f}   "
                  f"{grids['photo']:11.2f} {grids['full']:5.2f} {grids['lite']:5.2f}",
                  flush=True)  # fmt: skip
            grid.append([img, full_img, lite_img])
    if grid:
        out = Path(os.environ["BRUSHWORK_HOME"]) / "lite_vs_full.jpg"
        imageio.save(imageio.grid(grid, 320), out, overwrite=True)
        print(f"side by side (photo, full, lite): {out}")
    return rows


def _plain_engine(net: nn.Module) -> runtime.Engine:
    """The reference's way of running the net (NCHW float32 eager) behind the Engine API, so the
    tiled 4K reference goes through the same tiling as the backends."""
    from brushwork.nets.norm import RecordStatistics, ReplayStatistics

    class Plain(runtime.Engine):
        name = "reference"

        def run(self, x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return net(x)

        def statistics(self, x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return RecordStatistics(net)(x)

        def replay(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return ReplayStatistics(net)(x, stats)

    return Plain()


if __name__ == "__main__":
    main()
