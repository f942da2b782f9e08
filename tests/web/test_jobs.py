"""The job queue: concurrency limit, bounded waiting, cancelling, errors, clean-up."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from brushwork.errors import OptionError
from brushwork.web.jobs import Job, JobCancelled, JobQueue, QueueFull, RequestError


def write_result(job: Job) -> Path:
    out = job.folder / "result.txt"
    out.write_text(job.id)
    return out


def test_a_job_runs_and_keeps_its_result_in_its_folder(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path / "jobs")
    job = queue.wait(queue.submit(queue.new("photo"), write_result))
    assert job.state == "done" and job.progress == 1.0
    assert job.result == job.folder / "result.txt" and job.result.read_text() == job.id
    assert job.folder.parent == tmp_path / "jobs"
    assert queue.get(job.id) is job
    queue.discard(job)
    assert not job.folder.exists()
    with pytest.raises(RequestError) as err:
        queue.get(job.id)
    assert err.value.status == 404


def test_no_more_than_workers_jobs_run_at_once(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, workers=2, max_waiting=10)
    lock = threading.Lock()
    now = peak = 0

    def work(job: Job) -> Path:
        nonlocal now, peak
        with lock:
            now += 1
            peak = max(peak, now)
        time.sleep(0.05)
        with lock:
            now -= 1
        return write_result(job)

    jobs = [queue.submit(queue.new("photo"), work) for _ in range(8)]
    for job in jobs:
        queue.wait(job)
    assert peak == 2
    assert all(j.state == "done" for j in jobs)


def test_a_full_queue_refuses_with_503_and_frees_up_when_jobs_start(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, workers=1, max_waiting=2)
    gate = threading.Event()
    started = threading.Event()

    def blocked(job: Job) -> Path:
        started.set()
        gate.wait(10)
        return write_result(job)

    first = queue.submit(queue.new("photo"), blocked)
    started.wait(5)  # running, so not waiting
    waiting = [queue.submit(queue.new("photo"), write_result) for _ in range(2)]
    assert queue.position(waiting[0]) == 0 and queue.position(waiting[1]) == 1
    with pytest.raises(QueueFull) as err:
        queue.new("photo")
    assert err.value.status == 503 and "busy" in str(err.value)
    assert queue.stats() == {"workers": 1, "running": 1, "waiting": 2, "max_waiting": 2}
    gate.set()
    for job in (first, *waiting):
        assert queue.wait(job).state == "done"
    queue.new("photo")  # room again


def test_cancel_a_waiting_job_and_a_running_one(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, workers=1)
    started = threading.Event()
    steps: list[int] = []

    def long(job: Job) -> Path:
        started.set()
        for i in range(1000):
            job.report(i / 1000, f"step {i}")  # raises JobCancelled once cancelled
            steps.append(i)
            time.sleep(0.005)
        return write_result(job)

    running = queue.submit(queue.new("photo"), long)
    waiting = queue.submit(queue.new("photo"), write_result)
    started.wait(5)
    queue.cancel(waiting.id)
    time.sleep(0.05)
    queue.cancel(running.id)
    assert queue.wait(running).state == "cancelled"
    assert queue.wait(waiting).state == "cancelled"
    assert 0 < len(steps) < 1000
    assert not running.folder.exists() and not waiting.folder.exists()
    assert waiting.result is None


def test_errors_become_a_state_and_one_line_never_a_dead_worker(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path, workers=1)

    def bad_option(job: Job) -> Path:
        raise OptionError("size must be at least 16 px, got 3")

    def refused(job: Job) -> Path:
        raise RequestError("too long", 413)

    def bug(job: Job) -> Path:
        raise ZeroDivisionError("division by zero\nmore")

    a, b, c = (queue.wait(queue.submit(queue.new("x"), f)) for f in (bad_option, refused, bug))
    assert (a.state, a.error, a.error_status) == (
        "failed",
        "size must be at least 16 px, got 3",
        400,
    )
    assert (b.error, b.error_status) == ("too long", 413)
    assert (
        c.error == "internal error: ZeroDivisionError: division by zero" and c.error_status == 500
    )
    assert queue.wait(queue.submit(queue.new("x"), write_result)).state == "done"


def test_report_raises_once_cancelled_and_clamps_progress(tmp_path: Path) -> None:
    job = Job(id="a", kind="photo", folder=tmp_path)
    job.report(1.7, "almost")
    assert job.progress == 1.0 and job.message == "almost"
    job.cancel_event.set()
    with pytest.raises(JobCancelled):
        job.report(0.5)


def test_finished_jobs_are_swept_after_keep_seconds(tmp_path: Path) -> None:
    queue = JobQueue(tmp_path / "jobs", keep_seconds=0.05)
    job = queue.wait(queue.submit(queue.new("photo"), write_result))
    assert job.folder.exists()
    time.sleep(0.2)  # swept in the background, no request needed
    assert not job.folder.exists()
    with pytest.raises(RequestError):
        queue.get(job.id)
    queue.shutdown()
    assert not (tmp_path / "jobs").exists()
