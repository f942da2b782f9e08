"""The HTTP API under a burst: ``brushwork serve`` on a free port, real 1024x768 photos.

Measured in one run, against baselines taken in the same run:

  direct     the fast-style pipeline called in-process (bw.load(style).stylize), per photo
  http       one POST /api/stylize at a time (upload, queue, stylise, PNG back), per photo
  burst      N requests sent at once: wall time for all, and per photo, vs N sequential
  memory     the server's peak resident memory after one request and after the burst

Targets (issue 9): every request of the burst answered (200, or 503 past the queue), the
server's peak memory bounded whatever the burst (the queue holds files, not pixels), and the
HTTP path adding little to the pipeline's own time.

    python benchmarks/bench_web.py [--requests 20] [--workers 1]

``--smoke`` runs the same code with a 64 px photo, two styles, one direct and one sequential
call and a burst of 2, to prove it works in seconds (its figures mean nothing); the server's
files go to a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

import _judge  # benchmarks/_judge.py
import brushwork as bw
from brushwork import image as imageio

STYLES = ["udnie", "mondrian", "great_wave", "night_cafe"]
PHOTO = "content/tubingen.jpg"  # 1024x768


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_mb(pid: int, key: str = "VmHWM:") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    if not args.smoke:
        run(args, STYLES, None, 4, dict(os.environ))
        return
    args.requests = min(args.requests, 2)
    with tempfile.TemporaryDirectory(prefix="bench_web_") as tmp:
        run(args, STYLES[:2], 64, 1, {**os.environ, "TMPDIR": tmp})


def run(
    args: argparse.Namespace, styles: list[str], side: int | None, calls: int, env: dict[str, str]
) -> None:
    """The figures for ``args`` with ``styles``, the photo at long side ``side`` (None: as it
    is), ``calls`` timed direct and sequential calls; the server runs with ``env``."""
    img = imageio.load(_judge.DATA / PHOTO).rgb
    if side is not None:
        img = imageio.resize(img, imageio.size_for_long_side(img.size, side))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    png = buf.getvalue()

    # baseline: the pipeline in-process (models loaded once, as the server keeps them)
    models = {s: bw.load(s) for s in styles}
    models[styles[0]].stylize(img)
    t = time.perf_counter()
    for i in range(calls):
        models[styles[i % len(styles)]].stylize(img)
    direct = (time.perf_counter() - t) / calls
    del models

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "brushwork.cli", "serve", "--port", str(port),
         "--workers", str(args.workers), "--queue", "64"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)

        def post(i: int) -> tuple[int, float]:
            t0 = time.perf_counter()
            r = httpx.post(
                url + "/api/stylize",
                files={"photo": ("photo.png", png)},
                data={"style": styles[i % len(styles)]},
                timeout=1200,
            )
            return r.status_code, time.perf_counter() - t0

        for i in range(len(styles)):  # load every style once
            post(i)
        one_mb = peak_mb(server.pid)
        seq = [post(i) for i in range(calls)]
        http = sum(d for _, d in seq) / len(seq)
        t = time.perf_counter()
        with ThreadPoolExecutor(args.requests) as pool:
            burst = list(pool.map(post, range(args.requests)))
        wall = time.perf_counter() - t
        burst_mb = peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)

    codes = sorted({c for c, _ in burst})
    answered = sum(c in (200, 503) for c, _ in burst)
    print(f"photo {img.size[0]}x{img.size[1]}, {args.requests} requests at once, "
          f"{args.workers} worker(s), {os.cpu_count()} cores")  # fmt: skip
    print(f"direct pipeline      {direct:6.2f} s/photo (baseline)")
    print(f"http, one at a time  {http:6.2f} s/photo   {http / direct:5.2f}x direct")
    print(f"burst, all at once   {wall / args.requests:6.2f} s/photo   "
          f"{wall / (http * args.requests):5.2f}x sequential http; wall {wall:.1f} s, "
          f"first answer {min(d for _, d in burst):.1f} s, last {max(d for _, d in burst):.1f} s")  # fmt: skip
    print(f"answered             {answered}/{args.requests} (status codes {codes})")
    print(f"server peak memory   {one_mb:6.0f} MB after single requests, {burst_mb:.0f} MB after "
          f"the burst ({burst_mb / one_mb:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
