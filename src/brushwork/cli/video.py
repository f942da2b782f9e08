"""``brushwork video``: paint a clip or GIF frame by frame, sound kept."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from brushwork import image as imageio
from brushwork import methods
from brushwork.cli._app import (
    DeviceOpt,
    PrecisionOpt,
    QuietOpt,
    _echo_path,
    _one_line,
    app,
    parse_floats,
)
from brushwork.cli.signals import _pending_stop, _stop_code, _stopped
from brushwork.cli.stylize import load_any_style, pick_method
from brushwork.errors import OptionError


@app.command()
def video(
    source: Annotated[Path, typer.Argument(help="Video or animated GIF.", show_default=False)],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output .mp4 (H.264), .mov, .mkv, .webm or .gif.")
    ],
    style: Annotated[
        list[str] | None,
        typer.Option(
            "--style",
            "-s",
            help="Bundled style name, model folder, or style image (repeat to blend); "
            "for a multi-style model a style name or blend 'a:0.7,b:0.3'.",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="fast: the multi-style model; adain, wct, linear: the decoder model; or a "
            "translation model (pix2pix, CycleGAN), without --style.",
        ),
    ] = None,
    direction: Annotated[
        str | None, typer.Option(help="Translation model: AtoB | BtoA (default: its own).")
    ] = None,
    method: Annotated[
        str,
        typer.Option(help="auto | fast | adain | wct | linear | optimize (slow: minutes a frame)."),
    ] = "auto",
    temporal: Annotated[
        str,
        typer.Option(help="flow: blend along the optical flow (no flicker) | off: frame by frame."),
    ] = "flow",
    temporal_weight: Annotated[
        float, typer.Option(help="Share of the warped previous frame kept where flow is reliable.")
    ] = 0.9,
    start: Annotated[float | None, typer.Option(help="Start of the part to stylise (s).")] = None,
    end: Annotated[float | None, typer.Option(help="End of the part to stylise (s).")] = None,
    size: Annotated[
        int | None, typer.Option(help="Long side of the output (default: the clip's own).")
    ] = None,
    strength: Annotated[float, typer.Option(help="fast: 1 = full style, 0 = the frame.")] = 1.0,
    alpha: Annotated[
        float, typer.Option(help="adain, wct, linear: 1 = full style, 0 = content.")
    ] = 1.0,
    blend: Annotated[
        str | None, typer.Option(help="Blend weights of the style images, e.g. '0.7,0.3'.")
    ] = None,
    style_scale: Annotated[
        float,
        typer.Option(help="adain/wct/linear/optimize: style image size relative to the frame."),
    ] = 1.0,
    preserve_color: Annotated[
        str | None, typer.Option(help="Keep the clip's colours: luminance | histogram.")
    ] = None,
    steps: Annotated[int, typer.Option(help="optimize: iterations per frame.")] = 100,
    batch: Annotated[int, typer.Option(help="Frames per network call.")] = 4,
    precision: PrecisionOpt = "auto",
    backend: Annotated[
        str, typer.Option(help="fast: auto | torch | onnxruntime | openvino.")
    ] = "auto",
    device: DeviceOpt = "auto",
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output file.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Stylise a video or animated GIF, keeping its sound and timing, without flicker."""

    from brushwork import video as videoio
    from brushwork.pipelines.video import stylize_video

    style = style or []
    if model is not None and methods.for_path(model).can("translate"):
        if style:
            raise OptionError(f"{model} is a translation model: it takes no --style")
        method = "translate"
    elif not style:
        raise OptionError(
            "give --style (a bundled style, model folder or style images), or a translation "
            "model with --model"
        )
    else:
        optimize_options = ["steps"] if steps != 100 else []
        method = pick_method(method, style, model, optimize_options)
    if direction is not None and method != "translate":
        raise OptionError("--direction is an option of translation models (pix2pix, CycleGAN)")
    if method not in ("fast", "translate") and (strength != 1.0 or backend != "auto"):
        flag = "strength" if strength != 1.0 else "backend"
        raise OptionError(f"--{flag} is an option of fast styles, not of {method}")
    if method not in methods.arbitrary() and alpha != 1.0:
        raise OptionError(
            f"--alpha is an option of adain, wct and linear (style images), not of {method}"
        )
    imageio.check_output_path(output, overwrite=overwrite, extensions=videoio.OUTPUT_EXTENSIONS)
    videoio.probe(source)  # a bad clip fails before any model loads
    kwargs: dict[str, Any] = {
        "temporal": temporal,
        "temporal_weight": temporal_weight,
        "start": start,
        "end": end,
        "size": size,
        "preserve_color": preserve_color,
        "batch": batch,
        "overwrite": overwrite,
        "progress": not quiet,
    }
    runner: Any
    if method == "translate":
        from brushwork.pipelines.translate import load as load_translation

        assert model is not None
        runner = load_translation(
            model, direction=direction, device=device, precision=precision, backend=backend
        )
        kwargs["strength"] = strength
    elif method == "fast":
        from brushwork.pipelines.fast import load

        if len(style) != 1:
            raise OptionError("--method fast takes one --style (a model, a style or a blend)")
        runner = load(
            model or style[0],
            style=style[0] if model else None,
            device=device,
            precision=precision,
            backend=backend,
        )
        kwargs["strength"] = strength
    elif method in methods.arbitrary():
        for s in style:
            imageio.load(s)
        runner = load_any_style(method, model, device=device, precision=precision)
        kwargs |= {
            "style": style,
            "alpha": alpha,
            "weights": parse_floats(blend, "--blend") if blend else None,
            "style_scale": style_scale,
        }
    else:
        from brushwork.pipelines.optimize import OptimizeConfig

        for s in style:
            imageio.load(s)
        runner = None
        kwargs |= {
            "style": style,
            "optimize": OptimizeConfig(
                steps=steps,
                style_weights=parse_floats(blend, "--blend") if blend else None,
                style_scale=style_scale,
                precision=precision,
                device=device,
            ),
        }
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = stylize_video(source, output, runner, **kwargs)
    except KeyboardInterrupt as exc:
        _pending_stop.clear()  # reported here, with what it means for the output
        typer.echo(f"error: {_stopped(exc)}; {output} was not written", err=True)
        raise typer.Exit(_stop_code(exc)) from None
    for w in caught:
        typer.echo(f"warning: {_one_line(str(w.message))}", err=True)
    if not quiet:
        sound = ", sound kept" if result.audio else ""
        typer.echo(
            f"{result.frames} frames {result.size[0]}x{result.size[1]} in {result.seconds:.1f} s "
            f"({result.fps:.2f} frames/s; the network alone {result.network_seconds:.1f} s)"
            f"{sound}",
            err=True,
        )
    _echo_path(result.path)
