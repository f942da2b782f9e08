"""``brushwork upscale``: perceptual-loss super-resolution x4 / x8."""

from __future__ import annotations

from typing import Annotated

import typer

from brushwork.cli._app import DeviceOpt, InputsArg, OutputOpt, QuietOpt, app
from brushwork.cli.inputs import _run_each, expand_inputs, plan_outputs


@app.command()
def upscale(
    inputs: InputsArg,
    output: OutputOpt,
    scale: Annotated[
        int | None, typer.Option(help="Upscaling factor (bundled: 4, 8; default 4).")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="A super-resolution model name or folder."),
    ] = None,
    tile: Annotated[
        int | None, typer.Option(help="Tile side in input pixels for large images (default: auto).")
    ] = None,
    device: DeviceOpt = "auto",
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Upscale images x4 or x8 with a perceptual-loss network (Johnson et al., 2016)."""
    from brushwork.pipelines.upscale import load_sr

    pairs = plan_outputs(expand_inputs(inputs), output, overwrite=overwrite)
    sr = load_sr(model, scale=scale, device=device)
    progress = not quiet and len(pairs) == 1
    _run_each(
        pairs,
        lambda src: sr.upscale(src, tile=tile, progress=progress),
        overwrite,
        quiet,
        [],
        desc="upscaling",
    )
