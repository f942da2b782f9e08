"""``brushwork mix``: MIXGAN mixtures, sampled or from given content images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brushwork.cli._app import DeviceOpt, QuietOpt, _echo_path, app
from brushwork.cli.inputs import _run_each, expand_inputs, plan_outputs


@app.command()
def mix(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Content images, folders or globs (none: sample from the prior).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="An image (a contact sheet), or a folder (one PNG each)."
        ),
    ] = Path("mixtures.png"),
    model: Annotated[
        str, typer.Option("--model", "-m", help="A MIXGAN model name or folder.")
    ] = "mnist_mixgan",
    samples: Annotated[int, typer.Option(help="Mixtures to sample when no images are given.")] = 64,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the samples (same seed, same ones).")
    ] = None,
    scale: Annotated[
        int, typer.Option(help="Contact sheet: enlarge each tile this many times.")
    ] = 2,
    device: DeviceOpt = "auto",
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Sample new mixtures of a MIXGAN model (Hao et al., 2018): the content domain's shapes in
    the style domain's colours and textures; or render given content images so."""
    import time
    from types import SimpleNamespace

    from brushwork import image as imageio
    from brushwork.errors import OptionError
    from brushwork.pipelines.mix import load, sheet

    if scale < 1 or scale > 16:
        raise OptionError(f"--scale must be between 1 and 16, got {scale}")
    if inputs:
        pairs = plan_outputs(expand_inputs(inputs), output, overwrite=overwrite)
        mixer = load(model, device=device)

        def run(src: Path) -> SimpleNamespace:
            start = time.perf_counter()
            image = mixer.mix(src, seed=seed if seed is not None else 0)
            return SimpleNamespace(
                image=image, seconds=time.perf_counter() - start, backend="torch"
            )

        _run_each(pairs, run, overwrite, quiet, [], desc="mixing")
        return
    mixer = load(model, device=device)
    images = mixer.sample(samples, seed=seed)
    if output.suffix:
        imageio.check_output_path(output, overwrite=overwrite)
        _echo_path(imageio.save(sheet(images, scale=scale), output, overwrite=overwrite))
        return
    for i in range(len(images)):
        imageio.check_output_path(output / f"sample_{i:04d}.png", overwrite=overwrite)
    for i, im in enumerate(images):
        imageio.save(im, output / f"sample_{i:04d}.png", overwrite=overwrite)
    _echo_path(output)
