"""The ``brushwork`` command line: parse, call a pipeline, report.

Every :class:`~brushwork.errors.BrushworkError` and every usage error becomes one line on
stderr and exit code 1; nothing is written unless the run succeeds.
"""

from __future__ import annotations

import contextlib
import difflib
import glob
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

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


def stylize_methods() -> tuple[str, ...]:
    """``--method`` choices: auto, then every registered method that paints photos."""
    from brushwork import methods

    return ("auto", *methods.with_capability("stylize"))


# options shared by several commands
PrecisionOpt = Annotated[str, typer.Option(help="auto | bf16 | fp32.")]
SeedOpt = Annotated[int, typer.Option(help="Random seed.")]
DeviceOpt = Annotated[str, typer.Option(help="cpu | cuda | cuda:N | auto.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
DataOpt = Annotated[Path, typer.Option(help="Folder of training photos (searched recursively).")]
BatchOpt = Annotated[int, typer.Option(help="Photos per step (per process).")]
PreviewOpt = Annotated[int, typer.Option(help="Write previews every N steps.")]
CheckpointOpt = Annotated[int, typer.Option(help="Checkpoint every N steps.")]
ResumeOpt = Annotated[bool, typer.Option(help="Continue from OUTPUT/checkpoint.")]
RestartOpt = Annotated[bool, typer.Option(help="Start afresh over an existing model.")]
InputsArg = Annotated[
    list[str], typer.Argument(help="Images, folders (mirrored) or globs.", show_default=False)
]
OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="Output image, or folder for several inputs.")
]


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


def expand_inputs(inputs: list[str]) -> list[tuple[Path, Path]]:
    """Files, folders (recursive) and globs -> (path, path relative to the output folder)."""
    from brushwork.training.data import EXTENSIONS

    found: list[tuple[Path, Path]] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.suffix.lower() in EXTENSIONS)
            special = [f for f in files if not f.is_file() and not f.is_dir()]
            for f in special:  # a FIFO would hang the first read
                typer.echo(f"warning: skipping {f}: {imageio.special_kind(f)}", err=True)
            files = [f for f in files if f.is_file()]
            if not files:
                raise ImageError(f"{p}: folder holds no images")
            found += [(f, f.relative_to(p)) for f in files]
        elif p.exists():
            if not p.is_file():  # a FIFO would hang whatever reads it first
                raise ImageError(f"{p}: is {imageio.special_kind(p)}, not a regular file")
            found.append((p, Path(p.name)))
        elif any(c in item for c in "*?["):
            files = sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not files:
                raise ImageError(f"{item}: no files match")
            found += [(f, Path(f.name)) for f in files]
        else:
            raise ImageError(f"{p}: no such file or folder")
    return found


def plan_outputs(
    found: list[tuple[Path, Path]], output: Path, *, overwrite: bool
) -> list[tuple[Path, Path]]:
    """Pair every input with its output: one file -> ``output``; several -> into the folder."""
    single = len(found) == 1 and output.suffix != "" and not output.is_dir()
    if single:
        pairs = [(found[0][0], output)]
    else:
        if output.exists() and not output.is_dir():
            raise ImageError(f"{output}: several inputs need an output folder, not a file")
        pairs = [(src, output / rel) for src, rel in found]
    seen: set[Path] = set()
    for src, dst in pairs:
        imageio.check_output_path(dst, overwrite=overwrite)
        if dst.resolve() == src.resolve():
            raise ImageError(f"{dst}: would overwrite its input; choose another output")
        if dst in seen:
            raise ImageError(f"{dst}: two inputs would be written to the same output")
        seen.add(dst)
    return pairs


def _is_adain(model: str) -> bool:
    from brushwork import methods

    return methods.for_path(model).name == "adain"


#: options only optimisation uses, with their defaults: given with style images, they pick it
OPTIMIZE_ONLY: dict[str, Any] = {
    "steps": "300",
    "scales": None,
    "optimizer": "lbfgs",
    "lr": None,
    "init": "content",
    "content_weight": 1.0,
    "style_weight": 1e2,
    "tv_weight": 1e5,
    "content_layers": "relu4_2",
    "style_layers": "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1",
    "pooling": "max",
    "save_every": 0,
}


def pick_method(
    method: str,
    styles: list[str],
    model: str | None = None,
    optimize_options: list[str] | None = None,
) -> str:
    """auto: a bundled name, model folder or style of a multi-style model -> fast; image files
    -> adain, or optimize when options only optimisation has (``optimize_options``) are given."""
    from brushwork import zoo
    from brushwork.pipelines.multistyle import find_model

    if method not in stylize_methods():
        raise unknown_choice("method", method, stylize_methods())
    if model is not None:
        if method == "optimize":
            raise OptionError("--model picks a trained model; --method optimize takes images")
        zoo.resolve(model)
        adain = _is_adain(model)
        if method == "fast" and adain:
            raise OptionError(f"{model}: is an AdaIN decoder; use it with --method adain")
        if method == "adain" and not adain:
            raise OptionError(f"{model}: is not an AdaIN decoder (brushwork train adain)")
        method = "adain" if adain else "fast"
        if method == "fast":
            return method
    models = [s for s in styles if s in zoo.names() or zoo.is_model_path(s)]
    decoders = [s for s in models if _is_adain(s)]
    if decoders:
        raise OptionError(
            f"{decoders[0]}: is an AdaIN decoder, not a style; give style images with --style "
            f"(and the decoder with --model if not the bundled one)"
        )
    if method == "auto":
        inside = not models and not any(Path(s).exists() for s in styles)
        method = "fast" if models or inside else "optimize" if optimize_options else "adain"
    if method == "adain" and optimize_options:
        flag = "--" + optimize_options[0].replace("_", "-")
        raise OptionError(f"{flag} is an option of --method optimize, not adain")
    if method == "fast":
        for s in styles:
            if not (s in models or Path(s).exists()):
                find_model(s)  # unknown name: lists the bundled styles
            elif Path(s).is_file() and s not in models:
                raise OptionError(
                    f"{s}: is an image; a fast style needs a trained model "
                    "(brushwork train fast), or use --method adain or optimize"
                )
    else:
        for s in styles:
            if not Path(s).exists():
                names = zoo.style_names()
                close = difflib.get_close_matches(s, names, n=1)
                hint = f" Did you mean the bundled style {close[0]!r}?" if close else ""
                raise ImageError(
                    f"{s}: no such style image or bundled style "
                    f"(bundled: {', '.join(names) or 'none'}).{hint}"
                )
            if s in models:
                raise OptionError(f"{s}: is a trained model; use it with --method fast")
            if Path(s).is_dir():
                raise ImageError(f"{s}: is a directory; --style takes style image files")
    return method


@app.command()
def stylize(
    inputs: InputsArg,
    output: OutputOpt,
    style: Annotated[
        list[str],
        typer.Option(
            "--style",
            "-s",
            help="Bundled style name, model folder, or style image (repeat to blend or mask); "
            "for a multi-style model a style name or blend 'a:0.7,b:0.3'.",
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="fast: the multi-style model the --style names are in; adain: the decoder.",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="auto (names: fast; images: adain) | fast (trained net) | adain (any style "
            "image, one pass) | optimize (Gatys et al.)."
        ),
    ] = "auto",
    size: Annotated[
        int | None,
        typer.Option(help="Long side of the output (default: own size; optimize: 512)."),
    ] = None,
    strength: Annotated[float, typer.Option(help="fast: 1 = full style, 0 = the photo.")] = 1.0,
    alpha: Annotated[
        float, typer.Option(help="adain: content-style trade-off, 1 = full style, 0 = content.")
    ] = 1.0,
    tile: Annotated[
        int | None, typer.Option(help="fast: tile side for large images (default: auto).")
    ] = None,
    steps: Annotated[
        str, typer.Option(help="optimize: iterations; 'N' or one per scale: '300,100,50'.")
    ] = "300",
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
    precision: PrecisionOpt = "auto",
    backend: Annotated[
        str, typer.Option(help="fast: auto | torch | onnxruntime | openvino.")
    ] = "auto",
    compile: Annotated[
        bool, typer.Option("--compile", help="fast: torch.compile the net (once per shape).")
    ] = False,
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    save_every: Annotated[
        int, typer.Option(help="Save an intermediate image every N steps into OUTPUT_STEM.steps/.")
    ] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Stylise photos with a bundled style, a trained model, or style images."""
    options = locals()
    given = [k for k, default in OPTIMIZE_ONLY.items() if options[k] != default]
    method = pick_method(method, style, model, given)
    fast_only = {"strength": strength != 1.0, "tile": tile is not None,
                 "backend": backend != "auto", "compile": compile}  # fmt: skip
    if method != "fast" and any(fast_only.values()):
        flag = next(k for k, v in fast_only.items() if v)
        hint = "; AdaIN's trade-off is --alpha" if flag == "strength" else ""
        raise OptionError(f"--{flag} is an option of fast styles, not of {method}{hint}")
    if method != "adain" and alpha != 1.0:
        raise OptionError(f"--alpha is an option of AdaIN (style images), not of {method}")
    found = expand_inputs(inputs)
    pairs = plan_outputs(found, output, overwrite=overwrite)
    if method == "fast":
        from brushwork.ops.regions import parse_hex

        if len(style) != 1 and mask is None:
            raise OptionError(
                "--method fast takes one --style (a model, a style, or a blend 'a:0.7,b:0.3'); "
                "several need a --mask"
            )
        _stylize_fast(
            pairs,
            style,
            size,
            strength,
            preserve_color,
            tile,
            device,
            precision,
            overwrite,
            quiet,
            backend=backend,
            compile=compile,
            model=model,
            mask=mask,
            mask_colors=[parse_hex(c) for c in mask_colors.split(",")] if mask_colors else None,
        )
        return
    if method == "adain":
        from brushwork.ops.regions import parse_hex

        _stylize_adain(
            pairs,
            style,
            model=model,
            alpha=alpha,
            weights=parse_floats(blend, "--blend") if blend else None,
            preserve_color=preserve_color,
            mask=mask,
            mask_colors=[parse_hex(c) for c in mask_colors.split(",")] if mask_colors else None,
            size=size,
            style_scale=style_scale,
            device=device,
            precision=precision,
            overwrite=overwrite,
            quiet=quiet,
        )
        return
    if len(pairs) != 1:
        raise OptionError("--method optimize takes one photo at a time")
    content, output = pairs[0]
    from brushwork.ops.regions import parse_hex
    from brushwork.pipelines.optimize import OptimizeConfig, optimize_result

    imageio.load(content)  # fail on a bad photo before anything else
    init_image = None if init in ("content", "noise") else Path(init)
    steps_t = parse_ints(steps, "--steps")
    cfg = OptimizeConfig(
        steps=steps_t[0] if len(steps_t) == 1 else steps_t,
        size=size or 512,
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


def _stylize_fast(
    pairs: list[tuple[Path, Path]],
    styles: list[str],
    size: int | None,
    strength: float,
    preserve_color: str | None,
    tile: int | None,
    device: str,
    precision: str,
    overwrite: bool,
    quiet: bool,
    *,
    backend: str = "auto",
    compile: bool = False,
    model: str | None = None,
    mask: Path | None = None,
    mask_colors: list[tuple[int, int, int]] | None = None,
) -> None:
    from brushwork.pipelines.fast import load
    from brushwork.pipelines.multistyle import find_model, load_multi

    options: dict[str, Any] = {
        "device": device,
        "precision": precision,
        "backend": backend,
        "compile": compile,
    }
    kwargs: dict[str, Any] = {
        "strength": strength,
        "preserve_color": preserve_color,
        "size": size,
        "tile": tile,
    }
    if mask is not None:  # one style per region of a multi-style model
        keys = [k for s in styles for k in s.split(",")]
        multi = load_multi(model or find_model(",".join(keys))[0], **options)
        regions = [int(k) if k.isdigit() else k for k in keys]

        def run(src: Path, progress: bool) -> Any:
            return multi.stylize(src, style=regions, mask=mask, mask_colors=mask_colors, **kwargs)
    else:
        fast = load(model or styles[0], style=styles[0] if model else None, **options)
        fast.job_pixels = sum(imageio.pixels_of(src, size) for src, _ in pairs)

        def run(src: Path, progress: bool) -> Any:
            return fast.stylize(src, progress=progress, **kwargs)

    _run_each(pairs, lambda src: run(src, not quiet and len(pairs) == 1), overwrite, quiet, [])


def _stylize_adain(
    pairs: list[tuple[Path, Path]],
    styles: list[str],
    *,
    model: str | None,
    device: str,
    precision: str,
    overwrite: bool,
    quiet: bool,
    **kwargs: Any,
) -> None:
    from brushwork.pipelines.arbitrary import DEFAULT_MODEL, check_alpha, load_adain, style_weights

    check_alpha(kwargs["alpha"])  # option errors before the decoder and VGG19 load
    style_weights(kwargs["weights"], len(styles))
    for s in styles:
        imageio.load(s)  # a bad style image fails before any work
    adain = load_adain(model or DEFAULT_MODEL, device=device, precision=precision)
    _run_each(pairs, lambda src: adain.stylize(src, styles, **kwargs), overwrite, quiet, styles)


def _run_each(
    pairs: list[tuple[Path, Path]],
    run: Any,
    overwrite: bool,
    quiet: bool,
    protect: list[str],
    *,
    desc: str = "stylising",
) -> None:
    """Run ``run`` on each (input, output) pair and save; in a folder run, unreadable images are
    skipped and counted."""
    from tqdm.auto import tqdm

    failed: list[str] = []
    bar = tqdm(pairs, desc=desc, unit="image", disable=quiet or len(pairs) < 2)
    for src, dst in bar:
        try:
            result = run(src)
        except ImageError as exc:
            if len(pairs) == 1:
                raise
            failed.append(str(exc))
            tqdm.write(f"skipped: {_one_line(str(exc))}", file=sys.stderr)
            continue
        imageio.save(result.image, dst, overwrite=overwrite, protect=(src, *protect))
        if len(pairs) == 1:
            if not quiet:
                typer.echo(f"done in {result.seconds:.2f} s ({result.backend})", err=True)
            _echo_path(dst)
    if len(pairs) > 1:
        typer.echo(str(_common_root(pairs)))
    if failed:
        raise ImageError(f"{len(failed)} of {len(pairs)} images could not be read: {failed[0]}")


def _common_root(pairs: list[tuple[Path, Path]]) -> Path:
    return Path(os.path.commonpath([str(dst.parent) for _, dst in pairs]))


@app.command()
def video(
    source: Annotated[Path, typer.Argument(help="Video or animated GIF.", show_default=False)],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output .mp4 (H.264), .mov, .mkv, .webm or .gif.")
    ],
    style: Annotated[
        list[str],
        typer.Option(
            "--style",
            "-s",
            help="Bundled style name, model folder, or style image (repeat to blend); "
            "for a multi-style model a style name or blend 'a:0.7,b:0.3'.",
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option("--model", "-m", help="fast: the multi-style model; adain: the decoder."),
    ] = None,
    method: Annotated[
        str, typer.Option(help="auto | fast | adain | optimize (slow: minutes a frame).")
    ] = "auto",
    temporal: Annotated[
        str,
        typer.Option(help="flow: blend along the optical flow (no flicker) | off: frame by frame."),
    ] = "flow",
    temporal_weight: Annotated[
        float, typer.Option(help="Share of the warped previous frame kept where flow is reliable.")
    ] = 0.8,
    start: Annotated[float | None, typer.Option(help="Start of the part to stylise (s).")] = None,
    end: Annotated[float | None, typer.Option(help="End of the part to stylise (s).")] = None,
    size: Annotated[
        int | None, typer.Option(help="Long side of the output (default: the clip's own).")
    ] = None,
    strength: Annotated[float, typer.Option(help="fast: 1 = full style, 0 = the frame.")] = 1.0,
    alpha: Annotated[float, typer.Option(help="adain: 1 = full style, 0 = content.")] = 1.0,
    blend: Annotated[
        str | None, typer.Option(help="Blend weights of the style images, e.g. '0.7,0.3'.")
    ] = None,
    style_scale: Annotated[
        float, typer.Option(help="adain/optimize: style image size relative to the frame.")
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
    import warnings

    from brushwork import video as videoio
    from brushwork.pipelines.video import stylize_video

    optimize_options = ["steps"] if steps != 100 else []
    method = pick_method(method, style, model, optimize_options)
    if method != "fast" and (strength != 1.0 or backend != "auto"):
        flag = "strength" if strength != 1.0 else "backend"
        raise OptionError(f"--{flag} is an option of fast styles, not of {method}")
    if method != "adain" and alpha != 1.0:
        raise OptionError(f"--alpha is an option of AdaIN (style images), not of {method}")
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
    if method == "fast":
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
    elif method == "adain":
        from brushwork.pipelines.arbitrary import DEFAULT_MODEL, load_adain

        for s in style:
            imageio.load(s)
        runner = load_adain(model or DEFAULT_MODEL, device=device, precision=precision)
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


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 opens it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    workers: Annotated[int, typer.Option(help="Jobs run at once (each uses every core).")] = 1,
    queue: Annotated[int, typer.Option(help="Jobs that may wait; more get 503.")] = 32,
    max_upload_mb: Annotated[float, typer.Option(help="Largest upload, MB.")] = 50,
    max_megapixels: Annotated[float, typer.Option(help="Largest image, MP.")] = 40,
    max_video_seconds: Annotated[float, typer.Option(help="Longest clip, seconds.")] = 60,
    max_steps: Annotated[int, typer.Option(help="Most optimisation steps.")] = 1000,
    api_only: Annotated[
        bool, typer.Option("--api-only", help="The HTTP API alone, without the page.")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="BRUSHWORK_TOKEN",
            show_envvar=True,
            help="Access token every request must carry (required off localhost).",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Another host name the server answers to (repeatable)."),
    ] = None,
) -> None:
    """Start the web page and HTTP API (http://127.0.0.1:7860, API docs at /api/docs)."""
    import importlib.util

    from brushwork.web.guard import Trust
    from brushwork.web.handlers import Limits
    from brushwork.web.server import ServerConfig, check_port
    from brushwork.web.server import serve as run_server

    needed = ["fastapi", "uvicorn", "multipart"] + ([] if api_only else ["gradio"])
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise OptionError(
            f"brushwork serve needs {', '.join(missing)}: pip install 'brushwork[web]'"
        )
    if not 1 <= port <= 65535:
        raise OptionError(f"--port must be between 1 and 65535, got {port}")
    if workers < 1 or queue < 0:
        raise OptionError("--workers must be at least 1 and --queue at least 0")
    limits = Limits(
        upload_bytes=int(max_upload_mb * 2**20),
        pixels=int(max_megapixels * 1e6),
        video_seconds=max_video_seconds,
        steps=max_steps,
    )
    trust = Trust.for_binding(host, token or None, allow_host or ())
    config = ServerConfig(
        limits=limits, workers=workers, max_waiting=queue, page=not api_only, trust=trust
    )
    check_port(host, port)
    where = f"http://{host}:{port}"
    typer.echo(f"brushwork on {where} (API docs: /api/docs); Ctrl-C stops", err=True)
    if token:
        typer.echo(
            f"open the page once at {where}/?token=TOKEN; programs send "
            "'Authorization: Bearer TOKEN'",
            err=True,
        )
    try:
        run_server(host, port, config)
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C (or SIGTERM) it shut down on: a server's clean stop
    finally:
        _pending_stop.clear()


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


train_app = typer.Typer(help="Train your own models.", no_args_is_help=True)
models_app = typer.Typer(help="The bundled models.", no_args_is_help=True)
app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")


@train_app.command("fast")
def train_fast_cmd(
    data: DataOpt,
    style: Annotated[Path, typer.Option("--style", "-s", help="The style image.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 2000,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 256,
    style_size: Annotated[
        int, typer.Option(help="Long side of the style image (the style scale).")
    ] = 512,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style loss weight.")] = 5.0,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight.")] = 0.0,
    content_layers: Annotated[str, typer.Option(help="Layers[:weight].")] = "relu2_2",
    style_layers: Annotated[
        str, typer.Option(help="Layers[:weight].")
    ] = "relu1_2,relu2_2,relu3_3,relu4_3",
    widths: Annotated[str, typer.Option(help="Net widths (paper: 32,64,128).")] = "32,64,128",
    upsample: Annotated[str, typer.Option(help="nearest (resize+conv) | transpose.")] = "nearest",
    temporal_weight: Annotated[
        float,
        typer.Option(help="Video stability: weight of the temporal loss on synthetic motion."),
    ] = 0.0,
    init: Annotated[
        Path | None, typer.Option(help="Model folder to warm-start from (same widths).")
    ] = None,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 100,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train a fast feed-forward style (Johnson et al., 2016) on a folder of photos."""
    from brushwork.nets.transformer import TransformerConfig
    from brushwork.training.fast import FastRecipe, train_fast

    imageio.load(style)  # a bad style image fails before the VGG loads
    recipe = FastRecipe(
        crop=crop,
        style_size=style_size,
        content_layers=parse_layers(content_layers, "--content-layers"),
        style_layers=parse_layers(style_layers, "--style-layers"),
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        temporal_weight=temporal_weight,
        net=TransformerConfig(widths=parse_ints(widths, "--widths"), upsample=upsample),
    )
    loop = _loop_config(locals())
    result = train_fast(
        data,
        style,
        output,
        recipe=recipe,
        loop=loop,
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("lite")
def train_lite_cmd(
    teacher: Annotated[
        str, typer.Option("--teacher", "-t", help="Bundled style or model folder to distil.")
    ],
    data: DataOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    style: Annotated[
        Path | None,
        typer.Option(
            "--style", "-s", help="Match this style image's Gram statistics, not the teacher's."
        ),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 1000,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 192,
    style_size: Annotated[int, typer.Option(help="Long side of the style image.")] = 320,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 2e-3,
    feature_weight: Annotated[float, typer.Option(help="Teacher-feature weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style (Gram) weight.")] = 0.5,
    pixel_weight: Annotated[float, typer.Option(help="Teacher-pixel MSE weight.")] = 1e6,
    texture_weight: Annotated[
        float, typer.Option(help="Weight of the teacher's Gram statistics (its texture).")
    ] = 1.0,
    widths: Annotated[str, typer.Option(help="Lite net widths.")] = "16,32,64",
    preview_every: PreviewOpt = 100,
    checkpoint_every: CheckpointOpt = 50,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Distil a fast style into the real-time lite net."""
    from brushwork.nets.lite import LiteConfig
    from brushwork.training.lite import LiteRecipe, train_lite

    if style is not None:
        imageio.load(style)
    recipe = LiteRecipe(
        crop=crop,
        style_size=style_size,
        feature_weight=feature_weight,
        style_weight=style_weight,
        pixel_weight=pixel_weight,
        texture_weight=texture_weight,
        net=LiteConfig(widths=parse_ints(widths, "--widths")),
    )
    loop = _loop_config(locals())
    result = train_lite(
        data,
        teacher,
        output,
        style=style,
        recipe=recipe,
        loop=loop,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("multi")
def train_multi_cmd(
    data: DataOpt,
    style: Annotated[
        list[Path], typer.Option("--style", "-s", help="A style image (repeat, one per style).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 20000,
    batch_size: BatchOpt = 4,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels.")] = 256,
    style_size: Annotated[
        int, typer.Option(help="Long side of the style images (the style scale).")
    ] = 512,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[float, typer.Option(help="Style loss weight.")] = 5.0,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight.")] = 0.0,
    mix: Annotated[
        float, typer.Option(help="Share of photos trained on a random blend of two styles.")
    ] = 0.0,
    norm_lr: Annotated[
        float, typer.Option(help="Learning-rate multiplier of the per-style scales and shifts.")
    ] = 10.0,
    widths: Annotated[str, typer.Option(help="Net widths (paper: 32,64,128).")] = "32,64,128",
    init: Annotated[
        Path | None,
        typer.Option(help="Model folder whose shared weights start the net (same widths)."),
    ] = None,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 100,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train one net on many styles (conditional instance norm, Dumoulin et al., 2017)."""
    from brushwork.nets.transformer import TransformerConfig
    from brushwork.training.multi import MultiRecipe, train_multi

    for s in style:
        imageio.load(s)  # a bad style image fails before the VGG loads
    recipe = MultiRecipe(
        crop=crop,
        style_size=style_size,
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        mix=mix,
        norm_lr=norm_lr,
        net=TransformerConfig(widths=parse_ints(widths, "--widths")),
    )
    loop = _loop_config(locals())
    result = train_multi(
        data,
        style,
        output,
        recipe=recipe,
        loop=loop,
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("add-style")
def train_add_style_cmd(
    model: Annotated[str, typer.Option("--model", "-m", help="Model folder (or bundled name).")],
    style: Annotated[Path, typer.Option("--style", "-s", help="The new style image.")],
    data: Annotated[
        Path | None,
        typer.Option(help="Folder of training photos (default: the model's own, if present)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the grown model here (default: in place)."),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps.")] = 300,
    batch_size: BatchOpt = 4,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-2,
    style_weight: Annotated[
        float | None, typer.Option(help="Style loss weight (default: the model's own).")
    ] = None,
    preview_every: PreviewOpt = 50,
    checkpoint_every: CheckpointOpt = 50,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Add a style to a trained model, training only its new norm parameters."""
    from brushwork.training.multi import recorded_data, train_add_style

    imageio.load(style)
    loop = _loop_config(locals())
    result = train_add_style(
        model,
        style,
        data if data is not None else recorded_data(model),
        output=output,
        style_weight=style_weight,
        loop=loop,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("adain")
def train_adain_cmd(
    content: Annotated[
        Path, typer.Option(help="Folder of training photos (searched recursively).")
    ],
    styles: Annotated[
        list[Path],
        typer.Option("--styles", "-s", help="Style images or folders of them (repeat)."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    hold_out: Annotated[
        str | None,
        typer.Option(help="Style names (file stems) to keep out of training, comma-separated."),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 160000,
    batch_size: BatchOpt = 8,
    crop: Annotated[int, typer.Option(help="Training crop side in pixels (paper: 256).")] = 256,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-4,
    content_weight: Annotated[float, typer.Option(help="Content loss weight.")] = 1.0,
    style_weight: Annotated[
        float, typer.Option(help="Style loss weight (0: reconstruct the photos).")
    ] = 10.0,
    pixel_weight: Annotated[float, typer.Option(help="Pixel loss weight.")] = 0.0,
    identity_weight: Annotated[
        float, typer.Option(help="Weight of decoding the photo with itself as style back to it.")
    ] = 0.0,
    photo_styles: Annotated[
        float, typer.Option(help="Share of style draws that are training photos.")
    ] = 0.25,
    color_jitter: Annotated[float, typer.Option(help="Style colour jitter, 0 to 1.")] = 0.5,
    style_scale: Annotated[
        str, typer.Option(help="Range of the style's short side, in crops: 'low,high'.")
    ] = "1,2",
    width: Annotated[float, typer.Option(help="Decoder width multiplier (paper: 1).")] = 1.0,
    init: Annotated[
        Path | None, typer.Option(help="Decoder model folder to start from (same width).")
    ] = None,
    preview_every: PreviewOpt = 500,
    checkpoint_every: CheckpointOpt = 500,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train an AdaIN decoder for any style (Huang and Belongie, 2017)."""
    from brushwork.nets.adain import DecoderConfig
    from brushwork.training.adain import AdaINRecipe, train_adain

    scale = parse_floats(style_scale, "--style-scale")
    if len(scale) != 2:
        raise OptionError("--style-scale takes two numbers, 'low,high'")
    recipe = AdaINRecipe(
        crop=crop,
        style_scale=(scale[0], scale[1]),
        photo_styles=photo_styles,
        color_jitter=color_jitter,
        content_weight=content_weight,
        style_weight=style_weight,
        pixel_weight=pixel_weight,
        identity_weight=identity_weight,
        decoder=DecoderConfig(width=width),
    )
    loop = _loop_config(locals())
    result = train_adain(
        content,
        styles,
        output,
        recipe=recipe,
        loop=loop,
        held_out=[n.strip() for n in hold_out.split(",") if n.strip()] if hold_out else (),
        init=init,
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


@train_app.command("sr")
def train_sr_cmd(
    data: DataOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    scale: Annotated[int, typer.Option(help="Upscaling factor: 2, 4 or 8.")] = 4,
    loss: Annotated[
        str, typer.Option(help="feature (VGG relu2_2, Johnson et al.) | pixel (MSE).")
    ] = "feature",
    steps: Annotated[int, typer.Option(help="Optimiser steps in all.")] = 2000,
    batch_size: BatchOpt = 4,
    crop: Annotated[
        int, typer.Option(help="High-resolution crop side (a multiple of the scale).")
    ] = 288,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    tv_weight: Annotated[float, typer.Option(help="Total-variation weight (feature loss).")] = 1e4,
    sigma: Annotated[float, typer.Option(help="Blur of the degradation (HR pixels).")] = 1.0,
    channels: Annotated[int, typer.Option(help="Feature maps of the net.")] = 64,
    blocks: Annotated[int, typer.Option(help="Residual blocks.")] = 4,
    preview_every: PreviewOpt = 200,
    checkpoint_every: CheckpointOpt = 100,
    resume: ResumeOpt = False,
    overwrite: RestartOpt = False,
    precision: PrecisionOpt = "auto",
    seed: SeedOpt = 0,
    device: DeviceOpt = "auto",
    quiet: QuietOpt = False,
) -> None:
    """Train a super-resolution net (Johnson et al., 2016) on crops of a folder of photos."""
    from brushwork.nets.sr import SRConfig
    from brushwork.training.sr import SRRecipe, train_sr

    recipe = SRRecipe(
        crop=crop,
        sigma=sigma,
        loss=loss,
        tv_weight=tv_weight,
        net=SRConfig(scale=scale, channels=channels, residual_blocks=blocks),
    )
    result = train_sr(
        data,
        output,
        recipe=recipe,
        loop=_loop_config(locals()),
        resume=resume,
        overwrite=overwrite,
        progress=not quiet,
    )
    _report_training(result, quiet)


def _loop_config(options: dict[str, Any]) -> Any:
    """The :class:`LoopConfig` of a train command, from its parameters of the same names."""
    from brushwork.training.loop import LoopConfig

    names = ("steps", "batch_size", "lr", "seed", "checkpoint_every", "preview_every")
    return LoopConfig(**{n: options[n] for n in (*names, "precision", "device")})


def _report_training(result: Any, quiet: bool) -> None:
    if os.environ.get("RANK", "0") != "0":
        return  # under torchrun only the first process reports
    if not quiet:
        typer.echo(
            f"{result.steps} steps, {result.seconds:.0f} s, "
            f"{result.images_per_second:.2f} images/s",
            err=True,
        )
    _echo_path(result.folder)


@models_app.command("list")
def models_list() -> None:
    """The bundled styles, with their preview and training recipe."""
    from brushwork import methods, zoo
    from brushwork.modelfile import STYLE_PREVIEWS, recipe_of
    from brushwork.pipelines.multistyle import style_names

    for entry in zoo.entries():
        train = entry.config.get("training", {})
        rec = recipe_of(entry.config)
        widths = entry.config.get("config", {}).get("widths")
        typer.echo(f"{entry.name}\t{entry.description}")
        method = methods.for_model(entry.config)
        if method.name == "adain":
            seen, held = entry.config.get("styles_seen", []), entry.config.get("held_out", [])
            typer.echo(
                f"  any style image: brushwork stylize photo.jpg -s painting.jpg; decoder width "
                f"{entry.config.get('config', {}).get('width')}, {train.get('steps', '?')} steps "
                f"at {rec.get('crop', '?')} px, {len(seen)} paintings seen, "
                f"held out: {', '.join(held)}"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        if method.name == "sr":
            typer.echo(
                f"  brushwork upscale small.png --model {entry.name} -o big.png; "
                f"{rec.get('loss', '?')} loss, {train.get('steps', '?')} steps at "
                f"{rec.get('crop', '?')} px, {train.get('seconds', '?')} s"
            )
            typer.echo(f"  preview: {entry.preview}")
            continue
        typer.echo(
            f"  net widths {widths}, {train.get('steps', '?')} steps at {rec.get('crop', '?')} px, "
            f"style weight {rec.get('style_weight', '?')}, {train.get('seconds', '?')} s"
        )
        typer.echo(f"  preview: {entry.preview}")
        names = style_names(entry.config)
        if names:
            typer.echo(f"  {len(names)} styles (--style NAME, or a blend 'a:0.7,b:0.3'):")
            for name in names:
                p = entry.path / STYLE_PREVIEWS / f"{name}.jpg"
                typer.echo(f"    {name}" + (f"\tpreview: {p}" if p.is_file() else ""))


@app.command("apply")
def apply_cmd(
    model: Annotated[str, typer.Argument(help="A trained model: bundled name or folder.")],
    inputs: InputsArg,
    output: OutputOpt,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Run any trained image-to-image model on images (a fast style, an upscaler, or the
    model of any registered method): the method is found from the model's config."""
    import time
    from types import SimpleNamespace

    from brushwork import methods

    spec = methods.for_path(model)
    if spec.can("style_image"):
        raise OptionError(
            f"{model}: a {spec.name} model paints with a style image you give; use "
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
) -> None:
    """Export a fast-style model to ONNX or OpenVINO IR (dynamic height and width)."""
    from brushwork.pipelines.export import export_model

    _echo_path(export_model(model, output, format=format, overwrite=overwrite, style=style))


@app.command()
def layers() -> None:
    """List the VGG19 layer names usable as content and style layers."""
    from brushwork.encoders.vgg19 import LAYERS

    for name in LAYERS:
        typer.echo(name)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: partial outputs removed, training checkpointed."""


# the stop a signal asked for while a command runs, until it is reported: typer turns a
# KeyboardInterrupt escaping a command into a silent exit code 130, so ``_run`` reports it
_pending_stop: list[KeyboardInterrupt] = []


def _on_sigterm(signum: int, frame: Any) -> None:
    _pending_stop[:] = [Terminated()]
    raise _pending_stop[0]


def _on_sigint(signum: int, frame: Any) -> None:
    _pending_stop[:] = [KeyboardInterrupt()]
    raise _pending_stop[0]


def _stopped(exc: BaseException) -> str:
    return "terminated" if isinstance(exc, Terminated) else "interrupted"


def _stop_code(exc: BaseException) -> int:
    """The shell's code for a process stopped by SIGTERM (143) or SIGINT (130)."""
    return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings in brushwork's own format: one line, no source line."""
    typer.echo(f"warning: {_one_line(str(message))}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``brushwork`` console script; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        args = ["--help"]
    with warnings.catch_warnings(), _terminate_as_interrupt():
        warnings.showwarning = _show_warning
        return _run(args)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_int = signal.signal(signal.SIGINT, _on_sigint)
    _pending_stop.clear()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _run(args: list[str]) -> int:
    try:
        code = app(args=args, prog_name="brushwork", standalone_mode=False)
    except BrushworkError as exc:
        typer.echo(f"error: {_one_line(str(exc))}", err=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort as exc:  # click turns a KeyboardInterrupt (or Terminated) into Abort
        cause = exc.__context__ or exc.__cause__
        stop = cause if isinstance(cause, KeyboardInterrupt) else KeyboardInterrupt()
        typer.echo(f"error: {_stopped(stop)}", err=True)
        return _stop_code(stop)
    except typer.TyperException as exc:
        hint = " (see brushwork --help)"
        typer.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
        return 1
    except KeyboardInterrupt as exc:
        typer.echo(f"error: {_stopped(exc)}", err=True)
        return _stop_code(exc)
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
    if _pending_stop:  # a signal typer turned into a silent exit code
        stop = _pending_stop.pop()
        typer.echo(f"error: {_stopped(stop)}", err=True)
        return _stop_code(stop)
    return code if isinstance(code, int) else 0  # a command's typer.Exit(code) arrives here


if __name__ == "__main__":
    sys.exit(main())
