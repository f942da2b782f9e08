"""Batch jobs on a Ray cluster (Moritz et al., "Ray: A Distributed Framework for Emerging AI
Applications", OSDI 2018) through Ray Data: the pending tasks become a dataset, each of
``workers`` actors loads the model once (:class:`~brushwork.pipelines.batch.Worker`) and
``map_batches`` feeds it ``batch_size`` files at a time with ``threads`` torch threads; each
actor writes its outputs itself (atomically), so only one status row per file travels back.
A clip is one row: its frames stay on one worker, so temporal blending works.

``address``: ``"local"`` starts a Ray instance inside this process with ``workers * threads``
CPUs; ``"auto"`` joins the cluster this machine belongs to (``ray start --head`` / ``ray start
--address``); ``"host:port"`` or ``"ray://host:10001"`` joins that one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from brushwork.errors import OptionError
from brushwork.pipelines.batch import BatchJob, Outcome, Summary, Task, Worker, pending, record
from brushwork.runtime.export import missing_extra


class _Actor:
    """The Ray Data callable class: one model per actor."""

    def __init__(self, job: dict[str, Any], threads: int) -> None:
        self.worker = Worker(BatchJob.from_dict(job), threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out: dict[str, list[Any]] = {k: [] for k in ("src", "dst", "status", "seconds", "error")}
        for src, dst, video in zip(batch["src"], batch["dst"], batch["video"], strict=True):
            o = self.worker.process(Task(str(src), str(dst), bool(video)))
            for k in out:
                out[k].append(getattr(o, k))
        return {k: np.asarray(v) for k, v in out.items()}


def connect(address: str, cpus: int) -> None:
    """Start or join Ray (quietly); a bad address is one clear error."""
    try:
        import ray
    except ImportError:
        raise missing_extra("ray", "ray") from None
    if ray.is_initialized():
        return
    logging.getLogger("ray").setLevel(logging.WARNING)
    quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address == "local":  # a new instance, even beside a cluster left running here
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        line = " ".join(str(exc).split())[:200]
        raise OptionError(f"cannot reach the Ray cluster at {address!r}: {line}") from None


def run_ray(
    job: BatchJob,
    tasks: list[Task],
    *,
    address: str = "local",
    workers: int = 2,
    batch_size: int = 4,
    threads: int = 1,
    progress: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Every pending task on Ray; returns the same :class:`Summary` as the local runner."""
    if workers < 1 or batch_size < 1 or threads < 1:
        raise OptionError("workers, batch size and threads per worker must be at least 1")
    todo, skipped = pending(tasks)
    summary = Summary(skipped=skipped, runner=f"ray ({address})", workers=workers)
    start = time.perf_counter()
    if not todo:
        return summary
    Worker(job)  # a bad model or option fails here in one line, not inside every actor
    connect(address, workers * threads)
    import ray

    ray.data.DataContext.get_current().enable_progress_bars = progress
    logging.getLogger("ray.data").setLevel(logging.INFO if progress else logging.WARNING)
    rows = [{"src": t.src, "dst": t.dst, "video": t.video} for t in todo]
    # one block per call of an actor: results stream back batch by batch, and the actors are fed
    # as soon as they are free
    blocks = max(1, -(-len(rows) // batch_size))
    ds = ray.data.from_items(rows, override_num_blocks=blocks)
    results = ds.map_batches(
        _Actor,
        fn_constructor_kwargs={"job": job.to_dict(), "threads": threads},
        compute=ray.data.ActorPoolStrategy(size=workers),
        batch_size=batch_size,
        num_cpus=threads,
    )
    for row in results.iter_rows():
        outcome = Outcome(
            str(row["src"]), str(row["dst"]), str(row["status"]), float(row["seconds"]),
            str(row["error"]),
        )  # fmt: skip
        record(summary, outcome, on_outcome)
        if not summary.startup:
            summary.startup = time.perf_counter() - start
    summary.seconds = time.perf_counter() - start
    return summary


def shutdown() -> None:
    """Leave (or stop a local) Ray."""
    import ray

    if ray.is_initialized():
        ray.shutdown()
