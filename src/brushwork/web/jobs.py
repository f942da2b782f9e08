"""A bounded job queue for the web front ends: a few jobs run, a bounded number wait, the rest
are turned away; each job reports progress and can be cancelled.

The page and the HTTP API share one queue, so a burst of requests from either waits for a
worker instead of running at once and exhausting memory. A waiting job holds only the paths
of its files, so memory is bounded by the workers, whatever the length of the queue.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brushwork.errors import BrushworkError

#: job states, in the order a job goes through them
STATES = ("queued", "running", "done", "failed", "cancelled")


class RequestError(BrushworkError):
    """A request the server refuses, with the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class JobCancelled(BrushworkError):
    """Raised inside a job when it has been cancelled (caught by the queue)."""


class QueueFull(RequestError):
    """Every worker is busy and the waiting line is full."""

    def __init__(self, waiting: int) -> None:
        super().__init__(
            f"the server is busy ({waiting} jobs waiting); try again in a minute", status=503
        )


@dataclass
class Job:
    """One unit of work: its folder, state, progress, and what it produced."""

    id: str
    kind: str
    folder: Path
    state: str = "queued"
    #: fraction done in [0, 1], or ``None`` while unknown
    progress: float | None = None
    message: str = "waiting for a worker"
    error: str | None = None
    error_status: int = 500
    result: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    future: Future[None] | None = field(default=None, repr=False)

    @property
    def ended(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def report(self, done: float | None, message: str | None = None) -> None:
        """Set the progress (a fraction) and message; raise :class:`JobCancelled` if cancelled.

        Pipelines call it through their callbacks, so cancelling stops a run at its next step.
        """
        self.check()
        self.progress = None if done is None else min(max(done, 0.0), 1.0)
        if message is not None:
            self.message = message

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job has been cancelled."""
        if self.cancel_event.is_set():
            raise JobCancelled("cancelled")

    def as_dict(self) -> dict[str, Any]:
        """The public view of the job, for the HTTP API."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": self.progress,
            "message": self.message,
            "error": self.error,
            "info": self.info,
        }


Work = Callable[[Job], Path]


class JobQueue:
    """Runs jobs on ``workers`` threads with at most ``max_waiting`` waiting.

    Each job gets a folder of its own under ``root``; the folder and its files are removed
    ``keep_seconds`` after the job ends (results stay downloadable until then).
    """

    def __init__(
        self, root: Path, *, workers: int = 1, max_waiting: int = 32, keep_seconds: float = 900
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.workers = workers
        self.max_waiting = max_waiting
        self.keep_seconds = keep_seconds
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brushwork-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        sweeper = threading.Thread(target=self._sweep_every, name="brushwork-sweep", daemon=True)
        sweeper.start()

    def _sweep_every(self) -> None:
        while not self._closed.wait(min(60.0, self.keep_seconds)):
            self.sweep()

    def new(self, kind: str) -> Job:
        """A job with a fresh folder, not yet submitted (its files are written into the folder)."""
        self.sweep()
        with self._lock:
            if self.waiting() >= self.max_waiting:
                raise QueueFull(self.waiting())
            job_id = uuid.uuid4().hex
            job = Job(id=job_id, kind=kind, folder=self.root / job_id)
            job.folder.mkdir()
            self._jobs[job_id] = job
        return job

    def submit(self, job: Job, work: Work) -> Job:
        """Queue ``work(job)``, which returns the result's path inside the job's folder."""
        job.future = self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Work) -> None:
        if job.cancel_event.is_set():
            self._end(job, "cancelled", "cancelled before it started")
            return
        job.state, job.message, job.progress = "running", "running", 0.0
        try:
            result = work(job)
        except JobCancelled:
            self._end(job, "cancelled", "cancelled")
        except RequestError as exc:
            job.error, job.error_status = str(exc), exc.status
            self._end(job, "failed", "failed")
        except BrushworkError as exc:
            job.error, job.error_status = str(exc).splitlines()[0], 400
            self._end(job, "failed", "failed")
        except MemoryError:
            job.error, job.error_status = "out of memory; try a smaller size", 507
            self._end(job, "failed", "failed")
        except Exception as exc:  # a bug: reported, the server keeps running
            job.error = f"internal error: {type(exc).__name__}: {exc}".splitlines()[0]
            self._end(job, "failed", "failed")
        else:
            job.result = result
            job.progress = 1.0
            self._end(job, "done", "done")

    def _end(self, job: Job, state: str, message: str) -> None:
        if job.error is not None:
            job.error = self.public(job.error, job)
        job.state, job.message, job.finished = state, message, time.monotonic()
        if state != "done":
            self._remove_files(job)

    def public(self, message: str, job: Job | None = None) -> str:
        """``message`` without the server's folders: a file in a job's folder by its name alone
        (``photo.jpg: ...``), any other path under the queue's root as "the job folder"."""
        for folder in ([job.folder] if job is not None else []) + [self.root]:
            for form in {str(folder), str(folder.resolve())}:
                message = message.replace(form + "/", "").replace(form, "the job folder")
        root = str(self.root.parent)  # the private working folder (uploads, jobs)
        return message.replace(root + "/", "").replace(root, "the server's folder")

    def get(self, job_id: str) -> Job:
        """The job with this id (ids are random hex; anything else is simply unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            kept = f"{self.keep_seconds / 60:g} minutes"
            raise RequestError(f"no job {job_id!r} (finished jobs are kept {kept})", 404)
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a job: a waiting one never starts, a running one stops at its next step."""
        job = self.get(job_id)
        if not job.ended:
            job.cancel_event.set()
            job.message = "cancelling"
            if job.future is not None and job.future.cancel():
                self._end(job, "cancelled", "cancelled before it started")
        return job

    def wait(self, job: Job, timeout: float | None = None) -> Job:
        """Block until the job ends (or ``timeout`` seconds pass)."""
        if job.future is not None:
            # a cancelled future raises; the job's state says what happened
            with contextlib.suppress(Exception):
                job.future.result(timeout)
        return job

    def position(self, job: Job) -> int:
        """How many queued jobs are ahead of ``job`` (0 when it runs or has ended)."""
        if job.state != "queued":
            return 0
        with self._lock:
            ahead = 0
            for other in self._jobs.values():
                if other is job:
                    break
                ahead += other.state == "queued" and other.future is not None
        return ahead

    def waiting(self) -> int:
        """Jobs created or queued that have not started."""
        return sum(j.state == "queued" for j in self._jobs.values())

    def running(self) -> int:
        return sum(j.state == "running" for j in self._jobs.values())

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "workers": self.workers,
                "running": self.running(),
                "waiting": self.waiting(),
                "max_waiting": self.max_waiting,
            }

    def discard(self, job: Job) -> None:
        """Forget a job now and remove its folder (after its result has been sent)."""
        with self._lock:
            self._jobs.pop(job.id, None)
        self._remove_files(job)

    def sweep(self) -> None:
        """Forget jobs that ended more than ``keep_seconds`` ago, with their files."""
        now = time.monotonic()
        with self._lock:
            old = [
                j
                for j in self._jobs.values()
                if j.finished is not None and now - j.finished > self.keep_seconds
            ]
            for j in old:
                del self._jobs[j.id]
        for j in old:
            self._remove_files(j)

    def _remove_files(self, job: Job) -> None:
        shutil.rmtree(job.folder, ignore_errors=True)

    def shutdown(self) -> None:
        """Cancel everything and remove every job folder."""
        self._closed.set()
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel_event.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        for job in jobs:
            self._remove_files(job)
        shutil.rmtree(self.root, ignore_errors=True)
