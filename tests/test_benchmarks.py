"""Every benchmark runs end to end in its ``--smoke`` mode: real models and data, tiny sizes.

The benchmarks are found by glob, so a new ``benchmarks/bench_*.py`` is checked as soon as it
exists (it must take ``--smoke``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import THREADS

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))
TIMEOUT = 120


def test_benchmarks_found() -> None:
    assert BENCHMARKS, "no benchmarks/bench_*.py found"


def _param(path: Path) -> object:
    marks = [pytest.mark.ray] if path.stem == "bench_batch" else []  # it starts a Ray cluster
    return pytest.param(path, marks=marks, id=path.stem)


@pytest.mark.parametrize("path", [_param(p) for p in BENCHMARKS])
def test_smoke(path: Path, data: Path) -> None:
    env = {
        **os.environ,
        "BRUSHWORK_DATA": str(data),
        "OMP_NUM_THREADS": str(THREADS),  # as the in-process tests
    }
    try:
        done = subprocess.run(
            [sys.executable, str(path), "--smoke"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        pytest.fail(f"{path.name} --smoke ran past {TIMEOUT} s; its output so far:\n{out[-2000:]}")
    assert done.returncode == 0, (
        f"{path.name} --smoke exited {done.returncode}\n"
        f"stdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-4000:]}"
    )
    assert done.stdout.strip(), f"{path.name} --smoke printed nothing"
