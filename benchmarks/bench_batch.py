"""Batch throughput (issue 26): the single-process ``brushwork batch`` against Ray Data with 1
and 2 workers on this machine, the same total torch threads for each, on 200 photos from
``../shared/data/train`` at 512 px with the bundled ``starry_night``. Each run is the command
itself, timed end to end: the single process with no Ray on the machine, the Ray runs with a
cluster already running (``ray start --head`` with as many CPUs, timed apart: a cluster outlives
its jobs), so Ray's part is what each job pays: connecting, starting the actors, loading the
model in each, scheduling the batches and carrying the status rows back. "start" is the time to
the first finished file, "steady" the rate after it. The runners take turns for ``--repeats``
rounds and the medians are compared (one busy spell of a shared machine falls on one round of
every runner, not on one runner). Target: Ray's overhead at most 15% at equal cores.

Then a scale-out table on paper: the measured per-worker steady throughput times the workers,
against what would limit it -- reading the inputs, loading the model once per actor, writing
the outputs -- from the per-file read, compute and write times measured here.

    python benchmarks/bench_batch.py [--photos 200] [--size 512] [--threads 2] [--repeats 3]

``--smoke``: 6 photos at 128 px and only the 2-worker Ray runner (figures mean nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork.pipelines.batch import BatchJob, Worker, read_input

DATA = _judge.DATA


def make_photos(folder: Path, n: int, size: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted((DATA / "train").rglob("*.jpg"))[:n]
    out = []
    for i, src in enumerate(sources):
        img = imageio.load(src).rgb
        img = imageio.resize(img, imageio.size_for_long_side(img.size, size))
        path = folder / f"{i // 50:02d}" / f"{i:04d}.jpg"
        path.parent.mkdir(exist_ok=True)
        img.save(path, quality=92)
        out.append(path)
    return out


def run(label: str, photos: Path, out: Path, threads: int, extra: list[str]) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [sys.executable, "-m", "brushwork.cli", "batch", str(photos), "-s", "starry_night",
           "-o", str(out), "-q", *extra]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{label} failed: {done.stderr[-1500:]}")
    s = json.loads((out / "batch_summary.json").read_text())
    steady = (s["done"] - 1) / max(s["seconds"] - s["startup"], 1e-9)
    return {"wall": wall, "start": wall - s["seconds"] + s["startup"], "ips": s["done"] / wall,
            "steady": steady, "done": s["done"]}  # fmt: skip


def phases(photos: list[Path], out: Path, threads: int) -> dict[str, float]:
    """Per-file seconds of reading, computing and writing, and the model's load time."""
    import torch

    torch.set_num_threads(threads)
    t = time.perf_counter()
    worker = Worker(BatchJob(style="starry_night"), threads)
    load = time.perf_counter() - t
    read = compute = write = 0.0
    sample = photos[: min(10, len(photos))]
    for p in sample:
        t0 = time.perf_counter()
        img = imageio.load(read_input(str(p))).rgb  # type: ignore[arg-type]
        t1 = time.perf_counter()
        y = worker.image_fn(img)
        t2 = time.perf_counter()
        imageio.save(y, out / p.name, overwrite=True)
        t3 = time.perf_counter()
        read, compute, write = read + t1 - t0, compute + t2 - t1, write + t3 - t2
    n = len(sample)
    size = sum(p.stat().st_size for p in sample) / n
    return {"load": load, "read": read / n, "compute": compute / n, "write": write / n,
            "bytes": size}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--photos", type=int, default=200)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2, help="torch threads in all, per runner")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (median shown)")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.photos, args.size, args.repeats = 6, 128, 1
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    photos = make_photos(tmp / "in", args.photos, args.size)
    t = args.threads
    ray_cli = str(Path(sys.executable).parent / "ray")
    head = [ray_cli, "start", "--head", "--num-cpus", str(t), "--include-dashboard", "false",
            "--disable-usage-stats"]  # fmt: skip
    single = f"single process, {t} threads"
    runners = {
        f"Ray, 1 worker x {t} threads": (t, ["--workers", "1", "--threads-per-worker", str(t)]),
        f"Ray, {t} workers x 1 thread": (1, ["--workers", str(t), "--threads-per-worker", "1"]),
    }
    if args.smoke:  # one Ray runner is enough to keep the path from rotting
        runners = dict(list(runners.items())[-1:])
    load = os.getloadavg()[0]
    runs: dict[str, list[dict[str, float]]] = {single: [], **{label: [] for label in runners}}
    clusters = []
    # interleaved rounds, so that a busy spell of a shared machine falls on every runner; the
    # single process runs with no Ray cluster on the machine
    for k in range(args.repeats):
        runs[single].append(run(single, tmp / "in", tmp / f"out{k}_local", t, []))
        start = time.perf_counter()
        subprocess.run(head, check=True, capture_output=True)
        clusters.append(time.perf_counter() - start)
        try:
            for i, (label, (threads, extra)) in enumerate(runners.items()):
                out = tmp / f"out{k}_ray{i}"
                runs[label].append(run(label, tmp / "in", out, threads, ["--ray", "auto", *extra]))
        finally:
            subprocess.run([ray_cli, "stop", "--force"], capture_output=True)
    cluster = statistics.median(clusters)
    med = {label: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
           for label, rs in runs.items()}  # fmt: skip
    local = med[single]
    print(f"{len(photos)} photos at {args.size} px, starry_night, {t} threads in all "
          f"(CPU: {os.cpu_count()} cores, load average {load:.2f} before the runs); a Ray "
          f"cluster, started before each round's Ray runs (not timed: a cluster outlives its "
          f"jobs), took {cluster:.1f} s to start; median of {args.repeats} interleaved rounds")  # fmt: skip
    print(f"  {'runner':30s} {'wall s':>7s} {'start s':>8s} {'files/s':>8s} {'overhead':>9s} "
          f"{'steady/s':>9s} {'steady ovh':>10s}  overhead of each round")  # fmt: skip
    for label, r in med.items():
        ovh = r["wall"] / local["wall"] - 1
        steady = local["steady"] / r["steady"] - 1
        rounds = " ".join(f"{a['wall'] / b['wall'] - 1:+.0%}"
                          for a, b in zip(runs[label], runs[single], strict=True))  # fmt: skip
        print(f"  {label:30s} {r['wall']:7.1f} {r['start']:8.1f} {r['ips']:8.2f} {ovh:+9.0%} "
              f"{r['steady']:9.2f} {steady:+10.0%}  {rounds}")  # fmt: skip
    print("  (start: to the first file done; steady: files/s after it; overhead: time against the "
          "single process; each round's against the single process of the same round)")  # fmt: skip
    ph = phases(photos, tmp / "phases", 1)
    per_worker = 1 / (ph["read"] + ph["compute"] + ph["write"])
    print(f"per file on one thread: read {ph['read'] * 1e3:.0f} ms, compute "
          f"{ph['compute'] * 1e3:.0f} ms, write {ph['write'] * 1e3:.0f} ms; model load "
          f"{ph['load']:.2f} s per actor; {ph['bytes'] / 1e3:.0f} kB per input")  # fmt: skip
    print("scale-out on paper (1-thread workers at the measured rate; reading and writing on a "
          "shared 1 GB/s filesystem or object store):")  # fmt: skip
    print(f"  {'workers':>8s} {'files/s':>9s} {'1M photos':>10s} {'I/O MB/s':>9s}  limit")
    for w in (1, 2, 8, 32, 128, 512):
        rate = w * per_worker
        io_mb = rate * ph["bytes"] * 2 / 1e6  # read the input, write an output of similar size
        limit = "compute (linear)" if io_mb < 1000 else "shared storage bandwidth"
        if w * ph["load"] > 60:
            limit += "; model loads overlap the first minute"
        hours = 1e6 / min(rate, 1000e6 / (ph["bytes"] * 2)) / 3600
        print(f"  {w:8d} {rate:9.1f} {hours:9.1f}h {io_mb:9.1f}  {limit}")
    print(f"files: {tmp}")


if __name__ == "__main__":
    main()
