"""Batch jobs over large collections: plan the (input, output) pairs of a folder tree, a glob or
a list of paths (local, or any filesystem pyarrow reads: ``s3://``, ``gs://``, ``hdfs://``), skip
outputs already written, run one trained model over the rest, and report each failure without
stopping. :func:`run_local` runs in this process; :mod:`brushwork.pipelines.ray_batch` runs the
same :class:`Worker` on a Ray cluster.

Every output is written atomically (a temporary file renamed into place), so an output that
exists is complete, and a killed job started again writes only the rest.
"""

from __future__ import annotations

import glob
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from brushwork import image as imageio
from brushwork import methods
from brushwork.errors import BrushworkError, ImageError, OptionError
from brushwork.files import atomic_path, remove_partial
from brushwork.options import Options
from brushwork.training.data import EXTENSIONS

#: clips (each one task, all its frames on one worker so temporal blending works)
VIDEO_EXTENSIONS = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}
#: a text file naming one input per line
LIST_EXTENSIONS = {".txt", ".lst"}
SUMMARY_FILE = "batch_summary.json"


@dataclass(frozen=True)
class BatchJob(Options):
    """What to run on every file; the same options as the single-machine commands.

    Attributes:
        model: a bundled model or model folder: a fast style, a translation model (pix2pix,
            CycleGAN), a super-resolution model; or ``"adain"``/``"wct"`` (or a decoder folder)
            with ``style_image``. None: ``style`` names the fast style.
        style: a bundled style or style model folder (as ``brushwork stylize -s``), or with
            ``model`` a style of that multi-style model or a blend "a:0.7,b:0.3".
        style_image: the painting of an any-style decoder (adain, wct, linear).
        direction: a translation model's direction (AtoB, BtoA).
        size: long side of the outputs (None: the input's); not for upscaling.
        strength: fast styles: 1 the full style, 0 the photo.
        preserve_color: None, "luminance" or "histogram".
        backend: torch, onnxruntime or openvino (fast styles and translations).
        precision: auto (bf16 where the CPU is fast at it, as the single-machine commands),
            bf16 or fp32.
    """

    kind: ClassVar[str] = "batch job"

    model: str | None = None
    style: str | None = None
    style_image: str | None = None
    direction: str | None = None
    size: int | None = None
    strength: float = 1.0
    preserve_color: str | None = None
    backend: str = "torch"
    precision: str = "auto"

    def __post_init__(self) -> None:
        if self.model is None and self.style is None:
            raise OptionError("give a model (--model) or a style (--style)")

    @property
    def name(self) -> str:
        """The model to load: ``model``, or the style's own model."""
        return self.model or str(self.style)

    def method(self) -> str:
        """The method of the job's model (from the registry)."""
        from brushwork.pipelines.multistyle import find_model

        path, _ = find_model(self.name)
        return methods.for_path(path).name


@dataclass(frozen=True)
class Task:
    """One file to process: where it is, where its output goes, image or video."""

    src: str
    dst: str
    video: bool = False


@dataclass
class Outcome:
    """What happened to one task."""

    src: str
    dst: str
    status: str  # "done" | "failed"
    seconds: float = 0.0
    error: str = ""


@dataclass
class Summary:
    """The job's result: counts, failures, images per second."""

    done: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1
    runner: str = "local"
    #: seconds before the first file was done (model loading; on Ray, the cluster's start too)
    startup: float = 0.0

    @property
    def images_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"images_per_second": round(self.images_per_second, 3)}

    def line(self) -> str:
        return (
            f"{self.done} done, {self.skipped} skipped (already written), {len(self.failed)} "
            f"failed in {self.seconds:.1f} s ({self.images_per_second:.2f} files/s, "
            f"{self.runner}, {self.workers} worker{'s' if self.workers != 1 else ''})"
        )


def is_uri(path: str) -> bool:
    """Whether ``path`` is a URI pyarrow opens (``s3://...``, ``file:///...``)."""
    return "://" in path


def _kind(path: str) -> str | None:
    suffix = Path(path.split("?")[0]).suffix.lower()
    if suffix in EXTENSIONS and suffix != ".gif":
        return "image"
    if suffix in VIDEO_EXTENSIONS or suffix == ".gif":
        return "video" if suffix != ".gif" else "image"
    return None


def _listed(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"{path}: cannot read the list of inputs ({exc})") from None
    return [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]


def _remote_files(uri: str) -> list[str]:
    """Files under a pyarrow filesystem URI (a folder is listed recursively)."""
    from pyarrow import fs  # type: ignore[import-untyped]

    try:
        filesystem, root = fs.FileSystem.from_uri(uri)
        info = filesystem.get_file_info(root)
        if info.type == fs.FileType.Directory:
            found = filesystem.get_file_info(fs.FileSelector(root, recursive=True))
            scheme = uri.split("://", 1)[0]
            return sorted(f"{scheme}://{f.path}" for f in found if f.type == fs.FileType.File)
        if info.type == fs.FileType.File:
            return [uri]
    except (OSError, ValueError) as exc:
        raise OptionError(f"{uri}: cannot list it ({exc})") from None
    raise OptionError(f"{uri}: no such file or folder")


def plan(inputs: list[str], output: str | os.PathLike[str]) -> list[Task]:
    """Every input file and the output it mirrors into ``output``: a folder's files keep their
    path below it, a glob's or a list's files their path below the deepest folder they share.
    Files of no image or video type are left out; nothing found is an error."""
    out = Path(output)
    groups: list[tuple[str, list[str]]] = []  # (root, files)
    for item in inputs:
        p = Path(item)
        if is_uri(item):
            files = _remote_files(item)
            groups.append((item.rstrip("/") if len(files) > 1 else item.rsplit("/", 1)[0], files))
        elif p.is_dir():
            files = sorted(str(f) for f in p.rglob("*") if f.is_file())
            groups.append((str(p), files))
        elif p.is_file() and p.suffix.lower() in LIST_EXTENSIONS:
            listed = _listed(p)
            local = [s for s in listed if not is_uri(s)]
            root = os.path.commonpath([str(Path(s).parent) for s in local]) if local else ""
            groups.append((root, listed))
        elif p.is_file():
            groups.append((str(p.parent), [str(p)]))
        elif any(c in item for c in "*?["):
            files = sorted(m for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not files:
                raise OptionError(f"{item}: no files match")
            groups.append((os.path.commonpath([str(Path(f).parent) for f in files]), files))
        else:
            raise OptionError(f"{item}: no such file, folder or list")
    tasks: list[Task] = []
    seen: set[str] = set()
    for root, files in groups:
        for f in files:
            kind = _kind(f)
            if kind is None:
                continue
            if is_uri(f):
                rel = f.split("://", 1)[1]
                rel = rel[len(root.split("://", 1)[-1]) :].lstrip("/") or Path(rel).name
            else:
                rel = os.path.relpath(f, root) if root else Path(f).name
            if rel.startswith(".."):
                rel = Path(f).name
            dst = str(out / rel)
            if dst in seen:
                raise OptionError(f"{dst}: two inputs would be written to the same output")
            seen.add(dst)
            tasks.append(Task(f, dst, kind == "video"))
    if not tasks:
        raise OptionError(f"no images or clips found in {', '.join(inputs)}")
    return tasks


def complete(path: str) -> bool:
    """Whether an output exists whole (written atomically, so existing means complete; it is
    still opened, so a file damaged since is done again)."""
    p = Path(path)
    if not p.is_file() or p.stat().st_size == 0:
        return False
    if p.suffix.lower() in VIDEO_EXTENSIONS:
        from brushwork import video as videoio

        try:
            videoio.probe(p)
        except BrushworkError:
            return False
        return True
    try:
        with Image.open(p) as img:
            img.verify()
    except Exception:
        return False
    return True


def pending(tasks: list[Task]) -> tuple[list[Task], int]:
    """(the tasks whose output is not yet written, how many are); partial files a killed run
    left beside the outputs (never renamed into place) are deleted."""
    for folder in {Path(t.dst).parent for t in tasks}:
        remove_partial(folder)
    todo = [t for t in tasks if not complete(t.dst)]
    return todo, len(tasks) - len(todo)


def read_input(src: str) -> Image.Image | Path:
    """A local path as it is (the pipelines read it), or a remote file's image via pyarrow."""
    if not is_uri(src):
        return Path(src)
    from pyarrow import fs

    filesystem, path = fs.FileSystem.from_uri(src)
    with filesystem.open_input_file(path) as f:
        data = f.read()
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:
        raise ImageError(f"{src}: not a readable image ({type(exc).__name__})") from None
    return img


class Worker:
    """Loads the job's model once, then processes tasks: what each Ray actor (or the local
    runner) holds. Errors of one file become a failed :class:`Outcome`."""

    def __init__(self, job: BatchJob, threads: int | None = None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.job = job
        self.image_fn, self.video_runner = _runner(job)

    def process(self, task: Task) -> Outcome:
        start = time.perf_counter()
        try:
            if task.video:
                self._video(task)
            else:
                image = self.image_fn(read_input(task.src))
                protect = () if is_uri(task.src) else (task.src,)
                imageio.save(image, task.dst, overwrite=True, protect=protect)
        except (BrushworkError, OSError, ValueError, RuntimeError) as exc:
            line = " ".join(str(exc).split()) or type(exc).__name__
            return Outcome(task.src, task.dst, "failed", time.perf_counter() - start, line)
        return Outcome(task.src, task.dst, "done", time.perf_counter() - start)

    def _video(self, task: Task) -> None:
        from brushwork.pipelines.video import stylize_video

        if self.video_runner is None:
            raise OptionError(f"{self.job.name}: its method does not run on clips")
        if is_uri(task.src):
            raise OptionError(f"{task.src}: clips are read from local or mounted paths only")
        stylize_video(
            task.src,
            task.dst,
            self.video_runner,
            style=self.job.style_image,
            size=self.job.size,
            strength=self.job.strength,
            preserve_color=self.job.preserve_color,
            overwrite=True,
            progress=False,
        )


def _runner(job: BatchJob) -> tuple[Callable[[Any], Image.Image], Any]:
    """(image function, video runner or None) of the job's model, loaded once."""
    method = job.method()
    p = job.precision
    if method == "fast":
        from brushwork.pipelines.fast import load

        pick = job.style if job.model is not None else None
        fast = load(job.name, style=pick, backend=job.backend, precision=p)
        return (
            lambda src: (
                fast.stylize(
                    src, strength=job.strength, preserve_color=job.preserve_color, size=job.size
                ).image
            )
        ), fast
    if job.style is not None and job.model is not None:
        raise OptionError(f"{job.model} is a {method} model: it takes no --style")
    assert job.model is not None
    if methods.get(method).can("translate"):
        from brushwork.pipelines.translate import load as load_translation

        t = load_translation(job.model, direction=job.direction, backend=job.backend, precision=p)
        return (lambda src: t.translate(src, size=job.size).image), t
    if method == "sr":
        from brushwork.pipelines.upscale import Upscaler

        if job.size is not None:
            raise OptionError(
                "--size does not apply to upscaling (the output is scale x the input)"
            )
        sr = Upscaler.from_pretrained(job.model)
        return (lambda src: sr.upscale(src).image), None
    if method in methods.arbitrary():
        if not job.style_image:
            raise OptionError(f"{job.model} paints with a style image: give --style-image")
        any_style = methods.get(method).pipeline(job.model, precision=p)
        painting = imageio.load(job.style_image).rgb
        opts = {"preserve_color": job.preserve_color, "size": job.size}
        return (lambda src: any_style.stylize(src, painting, **opts).image), any_style
    raise OptionError(f"{job.model}: a {method} model cannot run as a batch job")


def run_local(
    job: BatchJob,
    tasks: list[Task],
    *,
    threads: int | None = None,
    progress: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Summary:
    """Every pending task in this process, in order."""
    from tqdm.auto import tqdm

    todo, skipped = pending(tasks)
    summary = Summary(skipped=skipped, runner="local")
    start = time.perf_counter()
    if todo:
        worker = Worker(job, threads)
        for task in tqdm(todo, desc="batch", unit="file", disable=not progress):
            record(summary, worker.process(task), on_outcome)
            if not summary.startup:
                summary.startup = time.perf_counter() - start
    summary.seconds = time.perf_counter() - start
    return summary


def record(
    summary: Summary, outcome: Outcome, on_outcome: Callable[[Outcome], None] | None
) -> None:
    if outcome.status == "done":
        summary.done += 1
    else:
        summary.failed.append({"path": outcome.src, "error": outcome.error})
    if on_outcome is not None:
        on_outcome(outcome)


def write_summary(summary: Summary, folder: str | os.PathLike[str]) -> Path:
    """``batch_summary.json`` in the output folder (atomically): counts, speed and every
    failed file with its one-line reason."""
    path = Path(folder) / SUMMARY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(summary.as_dict(), indent=1) + "\n")
    return path


def chunks(items: list[Task], size: int) -> Iterator[list[Task]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
