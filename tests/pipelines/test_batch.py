"""Batch jobs: planning mirrors the inputs' tree (folders, globs, lists, pyarrow URIs), written
outputs are skipped, a bad file is reported and the job goes on; on a local Ray cluster started
inside the test (2 CPUs) a job killed half way and started again writes only the rest, and its
outputs equal the single-machine command's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from brushwork.cli import main
from brushwork.errors import OptionError
from brushwork.pipelines.batch import BatchJob, Worker, pending, plan, run_local

CLI = [sys.executable, "-m", "brushwork.cli"]


@pytest.fixture
def photos(tmp_path: Path, data: Path) -> Path:
    """Six real photos at 96 px in a tree, and one truncated file."""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    names = ["tubingen", "golden_gate", "bear", "lion", "kingfisher", "sailboat"]
    for i, name in enumerate(names):
        img = Image.open(data / "content" / f"{name}.jpg").convert("RGB")
        img.thumbnail((96, 96))
        img.save(root / ("sub" if i % 2 else ".") / f"{name}.png")
    (root / "broken.jpg").write_bytes((data / "content" / "bear.jpg").read_bytes()[:900])
    (root / "notes.md").write_text("not an image")
    return root


def test_plan_mirrors_folders_globs_lists_and_uris(photos: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    tasks = plan([str(photos)], out)
    assert sorted(Path(t.dst).relative_to(out).as_posix() for t in tasks) == [
        "bear.png", "broken.jpg", "kingfisher.png", "sub/golden_gate.png", "sub/lion.png",
        "sub/sailboat.png", "tubingen.png",
    ]  # fmt: skip
    globbed = plan([str(photos / "**" / "*.png")], out)
    assert len(globbed) == 6 and any(t.dst.endswith("sub/lion.png") for t in globbed)
    listing = tmp_path / "list.txt"
    listing.write_text(f"# inputs\n{photos / 'sub' / 'lion.png'}\n{photos / 'bear.png'}\n")
    assert sorted(Path(t.dst).name for t in plan([str(listing)], out)) == ["bear.png", "lion.png"]
    uri = plan([f"file://{photos}"], out)
    assert any(t.src.startswith("file://") and t.dst.endswith("sub/lion.png") for t in uri)
    with pytest.raises(OptionError, match="no such file"):
        plan([str(tmp_path / "nothing")], out)
    with pytest.raises(OptionError, match="no files match"):
        plan([str(tmp_path / "*.png")], out)


def test_local_run_reports_bad_files_skips_written_ones_and_reads_uris(
    photos: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    job = BatchJob(style="starry_night", size=64)
    tasks = plan([str(photos)], out)
    summary = run_local(job, tasks, progress=False)
    assert summary.done == 6 and summary.skipped == 0
    assert [f["path"] for f in summary.failed] == [str(photos / "broken.jpg")]
    assert "truncated" in summary.failed[0]["error"]
    assert Image.open(out / "sub" / "lion.png").size[0] <= 64
    again = run_local(job, tasks, progress=False)
    assert again.done == 0 and again.skipped == 6 and len(again.failed) == 1
    (out / "bear.png").write_bytes(b"half a file")  # damaged since: done again
    assert len(pending(tasks)[0]) == 2
    # a pyarrow URI gives the same picture as the path
    worker = Worker(job)
    by_uri = tmp_path / "uri.png"
    from brushwork.pipelines.batch import Task

    assert worker.process(Task(f"file://{photos / 'tubingen.png'}", str(by_uri))).status == "done"
    assert np.array_equal(
        np.asarray(Image.open(by_uri)), np.asarray(Image.open(out / "tubingen.png"))
    )


@pytest.mark.ray
def test_ray_matches_the_single_machine_command_and_resumes(photos: Path, tmp_path: Path) -> None:
    # one Ray job killed half way and started again (two local clusters, not three: each start
    # costs seconds): the outputs equal the single-machine command's, the truncated file is
    # reported, and the second run writes only the rest
    pytest.importorskip("ray")  # make setup installs it (the [ray] extra)
    env = dict(os.environ, OMP_NUM_THREADS="1")  # one torch thread, as each actor has
    many = tmp_path / "many"  # 24 photos at 320 px (slow enough to kill half way), in a tree
    (many / "sub").mkdir(parents=True)
    sources = sorted(photos.rglob("*.png"))
    for i in range(24):
        Image.open(sources[i % 6]).resize((320, 240)).save(
            many / ("sub" if i % 2 else ".") / f"{i:02d}.png"
        )
    (many / "broken.jpg").write_bytes((photos / "broken.jpg").read_bytes())
    checked = ("sub/01.png", "sub/07.png", "00.png")
    single = tmp_path / "single"
    stylize = [*CLI, "stylize", *(str(many / rel) for rel in checked), "-s", "starry_night",
               "--backend", "torch", "-o", str(single), "-q"]  # fmt: skip
    assert subprocess.run(stylize, env=env, timeout=300).returncode == 0
    resumed = tmp_path / "resumed"
    more = [*CLI, "batch", str(many), "-s", "starry_night", "-o", str(resumed), "--ray", "local",
            "--workers", "2", "--batch-size", "1", "-q"]  # fmt: skip
    proc = subprocess.Popen(more, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 300
    while len(list(resumed.rglob("*.png"))) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # an actor in the middle of a file may finish it as Ray winds down: wait until none is
    # written for two seconds
    first: dict[Path, int] = {}
    while True:
        now = {p: p.stat().st_mtime_ns for p in resumed.rglob("*.png")}
        if now == first:
            break
        first = now
        time.sleep(2)
    assert 2 <= len(first) < 24  # (a SIGKILL mid-write may leave a hidden .tmp file)
    done = subprocess.run(more, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 1, done.stderr[-2000:]  # the truncated file
    assert "1 failed" in done.stderr
    summary = json.loads((resumed / "batch_summary.json").read_text())
    assert summary["skipped"] == len(first) and summary["done"] == 24 - len(first)
    assert [f["path"] for f in summary["failed"]] == [str(many / "broken.jpg")]
    assert all(p.stat().st_mtime_ns == t for p, t in first.items())  # not written again
    assert len(list(resumed.rglob("*.png"))) == 24 and (resumed / "sub" / "01.png").is_file()
    assert not list(resumed.rglob("*.tmp"))  # partial files of the killed run are gone
    for rel in checked:
        a = np.asarray(Image.open(single / Path(rel).name), np.float32)
        b = np.asarray(Image.open(resumed / rel), np.float32)
        assert a.shape == b.shape and float(np.abs(a - b).max()) <= 1e-5 * 255, rel


def test_bad_jobs_fail_in_one_line(
    photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "o")
    cases = [
        ([], "give a model"),
        (["-m", "nope"], "not a bundled style"),
        (["-m", "adain"], "--style-image"),
        (["-m", "sr-x4", "--size", "64"], "--size does not apply"),
        (["-m", "sr-x4", "-s", "starry_night"], "takes no --style"),
        (["-s", "starry_night", "--ray", "127.0.0.1:1", "--workers", "0"], "at least 1"),
    ]
    for extra, message in cases:
        code = main(["batch", str(photos), "-o", out, "-q", *extra])
        err = capsys.readouterr().err
        assert code == 1 and message in err, err


@pytest.mark.ray
def test_a_local_run_starts_its_own_ray_beside_a_cluster_left_running() -> None:
    # a cluster another job left on this machine (a killed run, `ray start`) must not capture
    # `--ray local`: joining it refuses the CPU count and would run on its stale workers
    pytest.importorskip("ray")  # make setup installs it (the [ray] extra)
    ray = str(Path(sys.executable).parent / "ray")
    head = [ray, "start", "--head", "--num-cpus", "1", "--include-dashboard", "false"]
    subprocess.run([*head, "--disable-usage-stats"], check=True, capture_output=True, timeout=120)
    try:
        probe = (
            "import ray; from brushwork.pipelines.ray_batch import connect; connect('local', 2); "
            "print(ray.cluster_resources()['CPU'])"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-1500:]
        assert done.stdout.strip().splitlines()[-1] == "2.0"  # its own 2 CPUs, not the 1 left
    finally:
        subprocess.run([ray, "stop", "--force"], capture_output=True, timeout=120)
