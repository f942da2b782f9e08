"""The ``brushwork`` command line: parse, call a pipeline, report.

Every :class:`~brushwork.errors.BrushworkError` and every usage error becomes one line on
stderr and exit code 1; nothing is written unless the run succeeds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from brushwork import image as imageio
from brushwork.errors import BrushworkError, ImageError, OptionError, unknown_choice

app = typer.Typer(
    name="brushwork",
    help="Neural style transfer: turn photos into paintings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

METHODS = ("auto", "optimize")


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """``"0.7,0.3"`` -> (0.7, 0.3) with a clear error."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise OptionError(f"{what}: expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise OptionError(f"{what}: no numbers in {text!r}")
    return values


def parse_ints(text: str, what: str) -> tuple[int, ...]:
    values = parse_floats(text, what)
    if any(v != int(v) for v in values):
        raise OptionError(f"{what}: expected whole numbers, got {text!r}")
    return tuple(int(v) for v in values)


def parse_layers(text: str, what: str) -> dict[str, float]:
    """``"relu4_2"`` or ``"relu1_1:1,relu2_1:0.5"`` -> {layer: weight}."""
    out: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, weight = item.partition(":")
        try:
            out[name.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise OptionError(f"{what}: bad weight in {item!r}; use name:weight") from None
    if not out:
        raise OptionError(f"{what}: no layers in {text!r}")
    return out


def _echo_path(path: Path) -> None:
    typer.echo(str(path))


@app.command()
def stylize(
    content: Annotated[Path, typer.Argument(help="The photo to stylise.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output image (.png, .jpg, ...).")],
    style: Annotated[
        list[str],
        typer.Option("--style", "-s", help="Style image; repeat to blend or use with --mask."),
    ],
    method: Annotated[str, typer.Option(help="auto | optimize (Gatys et al.).")] = "auto",
    steps: Annotated[
        str, typer.Option(help="Iterations; 'N' or one per scale: '300,100,50'.")
    ] = "300",
    size: Annotated[int, typer.Option(help="Long side of the output in pixels.")] = 512,
    scales: Annotated[
        str | None,
        typer.Option(help="Coarse-to-fine long sides, e.g. '256,512,1024' (overrides --size)."),
    ] = None,
    optimizer: Annotated[str, typer.Option(help="lbfgs | adam.")] = "lbfgs",
    lr: Annotated[float | None, typer.Option(help="Learning rate (pixels in 0-255).")] = None,
    init: Annotated[
        str, typer.Option(help="content | noise | path of an image to start from.")
    ] = "content",
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style loss weight.")] = 1e2,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight.")] = 1e5,
    content_layers: Annotated[
        str, typer.Option(help="Layers[:weight], comma-separated.")
    ] = "relu4_2",
    style_layers: Annotated[
        str, typer.Option(help="Layers[:weight], comma-separated.")
    ] = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1",
    blend: Annotated[
        str | None, typer.Option(help="Blend weights of the styles, e.g. '0.7,0.3'.")
    ] = None,
    style_scale: Annotated[
        float, typer.Option(help="Style image size relative to the output.")
    ] = 1.0,
    preserve_color: Annotated[
        str | None, typer.Option(help="Keep the photo's colours: luminance | histogram.")
    ] = None,
    mask: Annotated[
        Path | None, typer.Option(help="Colour-coded regions; region r gets style r.")
    ] = None,
    mask_colors: Annotated[
        str | None, typer.Option(help="Region colours in style order, e.g. '#000000,#ffffff'.")
    ] = None,
    pooling: Annotated[str, typer.Option(help="max | avg pooling in VGG19.")] = "max",
    precision: Annotated[str, typer.Option(help="auto | bf16 | fp32.")] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    device: Annotated[str, typer.Option(help="cpu | cuda | cuda:N | auto.")] = "auto",
    save_every: Annotated[
        int, typer.Option(help="Save an intermediate image every N steps into OUTPUT_STEM.steps/.")
    ] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Stylise a photo with one or more style images."""
    from brushwork.ops.regions import parse_hex
    from brushwork.pipelines.optimize import OptimizeConfig, optimize_result

    if method not in METHODS:
        raise unknown_choice("method", method, METHODS)
    imageio.check_output_path(output, overwrite=overwrite)
    imageio.load(content)  # fail on a bad photo before anything else
    for s in style:
        if not Path(s).exists():
            raise ImageError(
                f"{s}: no such style image (bundled styles arrive with the fast models)"
            )
    init_image = None if init in ("content", "noise") else Path(init)
    steps_t = parse_ints(steps, "--steps")
    cfg = OptimizeConfig(
        steps=steps_t[0] if len(steps_t) == 1 else steps_t,
        size=size,
        scales=parse_ints(scales, "--scales") if scales else None,
        optimizer=optimizer,
        lr=lr,
        init="content" if init_image is not None else init,
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        content_layers=parse_layers(content_layers, "--content-layers"),
        style_layers=parse_layers(style_layers, "--style-layers"),
        style_weights=parse_floats(blend, "--blend") if blend else None,
        style_scale=style_scale,
        preserve_color=preserve_color,
        pooling=pooling,
        precision=precision,
        seed=seed,
        device=device,
    )
    callback = None
    if save_every > 0:
        steps_dir = output.with_name(output.stem + ".steps")

        def callback(level: int, step: int, x: object, loss: float) -> None:
            if step % save_every == 0:
                import torch

                assert isinstance(x, torch.Tensor)
                imageio.save(
                    imageio.to_pil(x),
                    steps_dir / f"level{level}_step{step:05d}.png",
                    overwrite=True,
                )

    result = optimize_result(
        content,
        [Path(s) for s in style],
        config=cfg,
        init_image=init_image,
        mask=mask,
        mask_colors=[parse_hex(c) for c in mask_colors.split(",")] if mask_colors else None,
        callback=callback,
        progress=not quiet,
    )
    saved = imageio.save(result.image, output, overwrite=overwrite, protect=(content, *style))
    if not quiet:
        typer.echo(f"done in {result.seconds:.1f} s, loss {result.losses['total']:.4g}", err=True)
    _echo_path(saved)


@app.command()
def demo(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the result.")
    ] = Path("out/demo.png"),
    size: Annotated[int, typer.Option(help="Long side in pixels.")] = 256,
    steps: Annotated[int, typer.Option(help="L-BFGS iterations.")] = 80,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Paint scikit-image's astronaut photo with brushwork's own brush-stroke style."""
    from brushwork.pipelines.optimize import optimize_result
    from brushwork.samples import brushstrokes, sample_photo

    imageio.check_output_path(output, overwrite=overwrite)
    result = optimize_result(
        sample_photo("astronaut"), [brushstrokes()], steps=steps, size=size, progress=not quiet
    )
    saved = imageio.save(result.image, output, overwrite=overwrite)
    if not quiet:
        typer.echo(f"done in {result.seconds:.1f} s", err=True)
    _echo_path(saved)


@app.command()
def layers() -> None:
    """List the VGG19 layer names usable as content and style layers."""
    from brushwork.encoders.vgg19 import LAYERS

    for name in LAYERS:
        typer.echo(name)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``brushwork`` console script; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        args = ["--help"]
    try:
        app(args=args, prog_name="brushwork", standalone_mode=False)
    except BrushworkError as exc:
        typer.echo(f"error: {_one_line(str(exc))}", err=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("error: interrupted", err=True)
        return 130
    except typer.TyperException as exc:
        hint = " (see brushwork --help)"
        typer.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return 130
    except MemoryError:
        typer.echo("error: out of memory; use a smaller --size", err=True)
        return 1
    except Exception as exc:
        if os.environ.get("BRUSHWORK_DEBUG"):
            raise
        msg = _one_line(str(exc)) or type(exc).__name__
        typer.echo(
            f"error: internal error: {msg} (set BRUSHWORK_DEBUG=1 for a traceback)", err=True
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
