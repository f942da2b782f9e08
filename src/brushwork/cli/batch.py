"""``brushwork batch``: one trained model over a large collection, here or on a Ray cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brushwork.cli._app import PrecisionOpt, QuietOpt, _echo_path, app


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Folders (mirrored), globs, files, lists of paths (.txt), or pyarrow URIs "
            "(s3://, gs://, hdfs://).",
            show_default=False,
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output folder.")],
    style: Annotated[
        str | None,
        typer.Option(
            "--style",
            "-s",
            help="A bundled style or style model folder (as stylize -s); with --model, a style "
            "of that multi-style model or a blend 'a:0.7,b:0.3'.",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="A bundled model or folder: a translation (pix2pix, CycleGAN), an upscaler, a "
            "multi-style model; adain, wct or linear with --style-image.",
        ),
    ] = None,
    style_image: Annotated[
        Path | None, typer.Option(help="adain, wct, linear: the painting to paint every file with.")
    ] = None,
    direction: Annotated[str | None, typer.Option(help="Translation model: AtoB | BtoA.")] = None,
    size: Annotated[int | None, typer.Option(help="Long side of the outputs.")] = None,
    strength: Annotated[float, typer.Option(help="Fast styles: 1 full style, 0 the photo.")] = 1.0,
    preserve_color: Annotated[
        str | None, typer.Option(help="Keep the inputs' colours: luminance | histogram.")
    ] = None,
    backend: Annotated[str, typer.Option(help="torch | onnxruntime | openvino.")] = "torch",
    precision: PrecisionOpt = "auto",
    ray: Annotated[
        str | None,
        typer.Option(
            help="Run on Ray: local (a Ray instance here), auto (the cluster this machine "
            "joined), or host:port / ray://host:10001. Default: this process."
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Ray actors, each holding the model once.")] = 2,
    batch_size: Annotated[int, typer.Option(help="Files per call of an actor.")] = 4,
    threads_per_worker: Annotated[
        int, typer.Option(help="torch threads (and Ray CPUs) of each actor.")
    ] = 1,
    quiet: QuietOpt = False,
) -> None:
    """Run one trained model over many images or clips: outputs mirror the inputs' tree, files
    already written are skipped (a killed job continues), an unreadable file is listed in
    OUTPUT/batch_summary.json and the job goes on (exit code 1 at the end)."""
    from brushwork.pipelines.batch import BatchJob, plan, run_local, write_summary

    job = BatchJob(
        model=model,
        style=style,
        style_image=str(style_image) if style_image else None,
        direction=direction,
        size=size,
        strength=strength,
        preserve_color=preserve_color,
        backend=backend,
        precision=precision,
    )
    tasks = plan(inputs, output)

    def failed(outcome: object) -> None:
        if getattr(outcome, "status", "") == "failed" and not quiet:
            typer.echo(f"failed: {getattr(outcome, 'src', '')}: {getattr(outcome, 'error', '')}",
                       err=True)  # fmt: skip

    if ray is None:
        summary = run_local(job, tasks, threads=None, progress=not quiet, on_outcome=failed)
    else:
        from brushwork.pipelines.ray_batch import run_ray, shutdown

        try:
            summary = run_ray(
                job,
                tasks,
                address=ray,
                workers=workers,
                batch_size=batch_size,
                threads=threads_per_worker,
                progress=not quiet,
                on_outcome=failed,
            )
        finally:
            shutdown()
    path = write_summary(summary, output)
    typer.echo(summary.line(), err=True)
    _echo_path(output)
    if summary.failed:
        typer.echo(f"error: {len(summary.failed)} file(s) failed; see {path}", err=True)
        raise typer.Exit(1)
