"""``brushwork translate``: image-to-image translation with a pix2pix or CycleGAN model."""

from __future__ import annotations

from typing import Annotated

import typer

from brushwork.cli._app import DeviceOpt, InputsArg, OutputOpt, QuietOpt, app
from brushwork.cli.inputs import _run_each, expand_inputs, plan_outputs


@app.command()
def translate(
    inputs: InputsArg,
    output: OutputOpt,
    model: Annotated[
        str,
        typer.Option(
            "--model", "-m", help="A translation model name (brushwork models list) or folder."
        ),
    ],
    direction: Annotated[
        str | None,
        typer.Option(help="AtoB | BtoA (a CycleGAN runs both; default: the model's own)."),
    ] = None,
    size: Annotated[
        int | None, typer.Option(help="Long side of the output (default: the input's).")
    ] = None,
    tile: Annotated[
        int | None, typer.Option(help="Tile side for large images (default: auto).")
    ] = None,
    backend: Annotated[str, typer.Option(help="auto | torch | onnxruntime | openvino.")] = "auto",
    device: DeviceOpt = "auto",
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Translate images with a pix2pix (Isola et al., 2017) or CycleGAN (Zhu et al., 2017)
    model: labels to photos, iPhone to DSLR, ..."""
    from brushwork.errors import OptionError
    from brushwork.methods import for_path
    from brushwork.pipelines.translate import load

    spec = for_path(model, "translate")
    if not spec.can("translate"):
        raise OptionError(
            f"{model} is a {spec.name} model, not a translation model "
            "(brushwork models list shows the translation models)"
        )
    pairs = plan_outputs(expand_inputs(inputs), output, overwrite=overwrite)
    translator = load(model, direction=direction, device=device, backend=backend)
    progress = not quiet and len(pairs) == 1
    _run_each(
        pairs,
        lambda src: translator.translate(src, size=size, tile=tile, progress=progress),
        overwrite,
        quiet,
        [],
        desc="translating",
    )
