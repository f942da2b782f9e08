"""``brushwork demo | models list | apply | methods | export | layers``: using and listing
models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from brushwork import image as imageio
from brushwork.cli._app import InputsArg, OutputOpt, QuietOpt, _echo_path, app, models_app
from brushwork.cli.inputs import _run_each, expand_inputs, plan_outputs
from brushwork.errors import OptionError, unknown_choice


@app.command()
def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the result.")
    ] = Path("out/demo.png"),
    style: Annotated[str, typer.Option(help="A bundled style name.")] = "starry_night",
    photo: Annotated[
        str, typer.Option(help="astronaut | coffee | chelsea | rocket (scikit-image photos).")
    ] = "astronaut",
    size: Annotated[int | None, typer.Option(help="Long side in pixels.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No timing line.")] = False,
) -> None:
    """Paint one of scikit-image's public-domain photos with a bundled style, in seconds."""
    from brushwork.pipelines.fast import load
    from brushwork.samples import PHOTOS, sample_photo

    if photo not in PHOTOS:
        raise unknown_choice("photo", photo, PHOTOS)
    imageio.check_output_path(output, overwrite=overwrite)
    result = load(style).stylize(sample_photo(photo), size=size)
    saved = imageio.save(result.image, output, overwrite=overwrite)
    if not quiet:
        typer.echo(f"{photo} in the style of {style}: {result.seconds:.2f} s", err=True)
    _echo_path(saved)


@models_app.command("list")
def models_list() -> None:
    """The bundled models (styles, decoders, upscalers, translations), with their preview and
    training recipe."""
    from brushwork import methods, zoo
    from brushwork.modelfile import STYLE_PREVIEWS, recipe_of
    from brushwork.pipelines.multistyle import style_names

    for entry in zoo.entries():
        done, took = _trained(entry.config)
        rec = recipe_of(entry.config)
        widths = entry.config.get("config", {}).get("widths")
        typer.echo(f"{entry.name}\t{entry.description}")
        method = methods.for_model(entry.config)
        if method.name == "wct":
            levels = entry.config.get("levels", {})
            typer.echo(
                f"  any style image: brushwork stylize photo.jpg -s painting.jpg --method wct; "
                f"decoders for {', '.join(levels)}, trained on photos only (no painting seen)"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        if method.name == "linear":
            cfg = entry.config.get("config", {})
            typer.echo(
                f"  any style image: brushwork stylize photo.jpg -s painting.jpg --method linear; "
                f"learned {cfg.get('rank')}x{cfg.get('rank')} transform at {cfg.get('layer')}, "
                f"{done} at {rec.get('crop', '?')} px, "
                f"{len(entry.config.get('held_out', []))} paintings held out"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        if method.name == "adain":
            seen, held = entry.config.get("styles_seen", []), entry.config.get("held_out", [])
            typer.echo(
                f"  any style image: brushwork stylize photo.jpg -s painting.jpg; decoder width "
                f"{entry.config.get('config', {}).get('width')}, {done} "
                f"at {rec.get('crop', '?')} px, {len(seen)} paintings seen, "
                f"held out: {', '.join(held)}"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        if method.can("translate"):
            from brushwork.pipelines.translate import directions, domains

            for d in directions(entry.config):
                src, dst = domains(entry.config, d)
                typer.echo(
                    f"  {src} -> {dst}: brushwork translate in.png -m {entry.name}"
                    + (f" --direction {d}" if len(directions(entry.config)) > 1 else "")
                    + " -o out.png"
                )
            typer.echo(f"  {method.name}, {done} at {rec.get('crop', '?')} px, {took}")
            typer.echo(f"  preview: {entry.preview}")
            continue
        if method.can("mix"):
            typer.echo(
                f"  brushwork mix -m {entry.name} --samples 64 -o mixtures.png; "
                f"{done} at {entry.config.get('config', {}).get('size')} "
                f"px, {took}"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        if method.name == "sr":
            typer.echo(
                f"  brushwork upscale small.png --model {entry.name} -o big.png; "
                f"{rec.get('loss', '?')} loss, {done} at "
                f"{rec.get('crop', '?')} px, {took}"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        typer.echo(
            f"  net widths {widths}, {done} at {rec.get('crop', '?')} px, "
            f"style weight {rec.get('style_weight', '?')}, {took}"
        )
        typer.echo(f"  preview: {entry.preview}")
        names = style_names(entry.config)
        if names:
            typer.echo(f"  {len(names)} styles (--style NAME, or a blend 'a:0.7,b:0.3'):")
            for name in names:
                p = entry.path / STYLE_PREVIEWS / f"{name}.jpg"
                typer.echo(f"    {name}" + (f"\tpreview: {p}" if p.is_file() else ""))


def _trained(config: dict[str, Any]) -> tuple[str, str]:
    """How long a model trained, for people: ``("16,000 steps in 3 stages", "121 min")``."""
    from brushwork.modelfile import training_totals

    steps, seconds, stages = training_totals(config)
    done = "? steps" if steps is None else f"{steps:,} steps"
    if stages > 1:
        done += f" in {stages} stages"
    if seconds is None:
        return done, "? s"
    return done, f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.0f} min"


@app.command("apply")
def apply_cmd(
    model: Annotated[str, typer.Argument(help="A trained model: bundled name or folder.")],
    inputs: InputsArg,
    output: OutputOpt,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Run any trained image-to-image model on images, whatever its method.

    The method (a fast style, an upscaler, any registered method) is found from the model's
    config."""
    import time
    from types import SimpleNamespace

    from brushwork import methods

    spec = methods.for_path(model)
    if spec.can("style_image"):
        raise OptionError(
            f"{model}: an {spec.name} model paints with a style image you give; use "
            f"brushwork stylize photo.jpg -s painting.jpg"
        )
    pipeline = spec.pipeline(model)
    pairs = plan_outputs(expand_inputs(inputs), output, overwrite=overwrite)

    def run(src: Path) -> Any:
        start = time.perf_counter()
        image = pipeline(src)
        return SimpleNamespace(image=image, seconds=time.perf_counter() - start, backend=spec.name)

    _run_each(pairs, run, overwrite, quiet, [], desc="applying")


@app.command("methods")
def methods_cmd() -> None:
    """The methods brushwork has (built in and from plugins), with what each can do."""
    from brushwork import methods

    for name, spec in methods.methods().items():
        typer.echo(f"{name}\t{spec.title}")
        typer.echo(f"  can: {', '.join(sorted(spec.capabilities)) or '-'}")
        if spec.commands:
            typer.echo(f"  commands: {', '.join(spec.commands)}")


@app.command("export")
def export_cmd(
    model: Annotated[str, typer.Argument(help="Bundled style name or model folder.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[str, typer.Option("--format", "-f", help="onnx | openvino.")] = "onnx",
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    style: Annotated[
        str | None,
        typer.Option("--style", "-s", help="Multi-style model: a style or blend 'a:0.7,b:0.3'."),
    ] = None,
    direction: Annotated[
        str | None, typer.Option(help="Translation model: AtoB | BtoA (a CycleGAN has both).")
    ] = None,
) -> None:
    """Export a fast-style or translation model to ONNX or OpenVINO IR (dynamic height and
    width)."""
    from brushwork.pipelines.export import export_model

    _echo_path(
        export_model(
            model, output, format=format, overwrite=overwrite, style=style, direction=direction
        )
    )


@app.command()
def layers() -> None:
    """List the VGG19 layer names usable as content and style layers."""
    from brushwork.encoders.vgg19 import LAYERS

    for name in LAYERS:
        typer.echo(name)
