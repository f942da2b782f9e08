"""Start-up time: ``import brushwork``, ``brushwork --help`` and ``brushwork stylize`` on a small
photo, for this tree and for a baseline commit checked out beside it, in the same run.

The baseline (default: the commit before the package imported lazily) runs from a temporary
``git worktree`` with this tree's interpreter and packages, so only brushwork's code differs.
Each command runs ``--repeat`` times; the median is printed, with after/before ratios.

    python benchmarks/bench_startup.py [--baseline REV] [--repeat 5] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
#: the last commit whose ``import brushwork`` imported torch and every pipeline
BEFORE_LAZY = "1628759"


def commands(photo: Path, out: Path) -> dict[str, list[str]]:
    """Label -> arguments to ``python``; the CLI is started as the console script does."""
    cli = "import sys; from brushwork.cli import main; sys.exit(main(sys.argv[1:]))"
    stylize = ["stylize", str(photo), "-s", "starry_night", "-o", str(out), "--overwrite", "-q"]
    return {
        "import brushwork": ["-c", "import brushwork"],
        "brushwork --help": ["-c", cli, "--help"],
        "brushwork stylize (128 px photo)": ["-c", cli, *stylize],
    }


def timed(args: list[str], src: Path, repeat: int) -> float:
    """Median wall seconds of ``python args`` with ``src`` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        done = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args[:2])} failed in {src}: {done.stderr.strip()[-500:]}")
    return statistics.median(times)


def worktree(rev: str, where: Path) -> Path | None:
    """``rev`` checked out at ``where`` (None, with a note, outside a git checkout)."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(where), rev],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"no baseline: cannot check out {rev} ({done.stderr.strip()[-200:]})")
        return None
    return where


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default=BEFORE_LAZY, help="commit to compare against")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="one run of each, to prove it works")
    args = ap.parse_args()
    repeat = 1 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        photo = work / "photo.png"
        Image.new("RGB", (128, 96), (120, 140, 90)).save(photo)
        cmds = commands(photo, work / "out.png")
        base = worktree(args.baseline, work / "baseline")
        try:
            print(f"median of {repeat} run(s); baseline {args.baseline}")
            print(f"{'':34s} {'before':>8s} {'after':>8s} {'speed-up':>9s}")
            for label, cmd in cmds.items():
                after = timed(cmd, ROOT / "src", repeat)
                before = timed(cmd, base / "src", repeat) if base else float("nan")
                print(f"{label:34s} {before:7.2f}s {after:7.2f}s {before / after:8.1f}x")
        finally:
            if base is not None:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                    capture_output=True,
                )


if __name__ == "__main__":
    main()
