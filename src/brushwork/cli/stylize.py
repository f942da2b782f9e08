"""``brushwork stylize``: choose the method (through the method registry) and paint photos."""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from brushwork import image as imageio
from brushwork import methods
from brushwork.cli._app import (
    DeviceOpt,
    InputsArg,
    OutputOpt,
    PrecisionOpt,
    QuietOpt,
    SeedOpt,
    _echo_path,
    app,
    parse_floats,
    parse_ints,
    parse_layers,
    stylize_methods,
)
from brushwork.cli.inputs import _run_each, expand_inputs, plan_outputs
from brushwork.errors import ImageError, OptionError, unknown_choice


def _any_style_method(model: str) -> str | None:
    """The one-pass any-style method (adain, wct, linear) whose model ``model`` is, or None."""
    name = methods.for_path(model).name
    return name if name in methods.arbitrary() else None


def load_any_style(method: str, model: str | None, *, device: str, precision: str) -> Any:
    """The pipeline of an any-style method's model (default: its bundled model, named after
    the method)."""
    return methods.get(method).pipeline(model or method, device=device, precision=precision)


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
    -> the default any-style method (``methods.ANY_STYLE_DEFAULT``), or optimize when options
    only optimisation has (``optimize_options``) are given.
    A decoder model (``--model``) picks its own method (adain, wct or linear)."""
    from brushwork import zoo
    from brushwork.pipelines.multistyle import find_model

    if method not in stylize_methods():
        raise unknown_choice("method", method, stylize_methods())
    if model is not None:
        if method == "optimize":
            raise OptionError("--model picks a trained model; --method optimize takes images")
        zoo.resolve(model)
        own = _any_style_method(model)
        if method == "fast" and own:
            raise OptionError(
                f"{model}: is a decoder model of --method {own}; use it with --method {own}"
            )
        if method in methods.arbitrary() and own != method:
            what = f"one of --method {own}" if own else "a fast style"
            raise OptionError(
                f"{model}: is not a decoder model of --method {method} (it is {what})"
            )
        method = own or "fast"
        if method == "fast":
            return method
    models = [s for s in styles if s in zoo.names() or zoo.is_model_path(s)]
    decoders = [s for s in models if _any_style_method(s)]
    if decoders:
        raise OptionError(
            f"{decoders[0]}: is a decoder for any style, not a style; give style images with "
            f"--style (and the decoder with --model if not the bundled one)"
        )
    if method == "auto":
        inside = not models and not any(Path(s).exists() for s in styles)
        if models or inside:
            method = "fast"
        else:
            method = "optimize" if optimize_options else methods.ANY_STYLE_DEFAULT
    if method in methods.arbitrary() and optimize_options:
        flag = "--" + optimize_options[0].replace("_", "-")
        raise OptionError(f"{flag} is an option of --method optimize, not {method}")
    if method == "fast":
        for s in styles:
            if not (s in models or Path(s).exists()):
                find_model(s)  # unknown name: lists the bundled styles
            elif Path(s).is_file() and s not in models:
                raise OptionError(
                    f"{s}: is an image; a fast style needs a trained model "
                    "(brushwork train fast), or use --method linear, adain or optimize"
                )
    else:
        for s in styles:
            if s in models:
                raise OptionError(f"{s}: is a trained model; use it with --method fast")
            if not Path(s).exists():
                names = zoo.style_names()
                close = difflib.get_close_matches(s, names, n=1)
                hint = f" Did you mean the bundled style {close[0]!r}?" if close else ""
                raise ImageError(
                    f"{s}: no such style image or bundled style "
                    f"(bundled: {', '.join(names) or 'none'}).{hint}"
                )
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
            help="fast: the multi-style model the --style names are in; adain, wct, linear: the "
            "decoder model.",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="auto (names: fast; images: linear) | fast (trained net) | adain (any style "
            "image, one pass) | wct (any style image, one pass, photo-only decoders) | linear (any "
            "style image, one pass, learned transform) | "
            "optimize (Gatys et al.) | photoreal (a style photo's colours and light, Luan et al.)."
        ),
    ] = "auto",
    photorealistic: Annotated[
        bool,
        typer.Option(
            "--photorealistic",
            help="Keep a photo a photo: Deep Photo Style Transfer with a style photo "
            "(--method photoreal).",
        ),
    ] = False,
    size: Annotated[
        int | None,
        typer.Option(help="Long side of the output (default: own size; optimize: 512)."),
    ] = None,
    strength: Annotated[float, typer.Option(help="fast: 1 = full style, 0 = the photo.")] = 1.0,
    alpha: Annotated[
        float,
        typer.Option(help="adain, wct, linear: style strength, 1 = full style, 0 = content."),
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
        Path | None,
        typer.Option(
            "--mask",
            "--content-mask",
            help="Colour-coded regions of the photo; region r gets style r (with --style-mask: "
            "the style photo's region of the same colour).",
        ),
    ] = None,
    style_mask: Annotated[
        Path | None,
        typer.Option(help="optimize, photoreal: colour-coded regions of the one style image."),
    ] = None,
    photorealism_weight: Annotated[
        float,
        typer.Option(help="photoreal: weight of the matting-Laplacian regulariser."),
    ] = 1e4,
    first_steps: Annotated[
        int,
        typer.Option(help="photoreal: steps of the first (stylisation) stage; --steps: second."),
    ] = 200,
    smooth: Annotated[
        str | None,
        typer.Option(
            help="Put the result back on the photo's edges (FastPhotoStyle): fast (guided "
            "filter) | exact (sparse solve)."
        ),
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
    refine: Annotated[
        int,
        typer.Option(
            help="fast, adain, wct, linear: then N optimisation steps from the one-pass "
            "picture, on the optimiser's objective for the painting (its options apply)."
        ),
    ] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace existing output files.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Stylise photos with a bundled style, a trained model, or style images."""
    from brushwork.pipelines.photoreal import PhotorealConfig, check_smooth
    from brushwork.pipelines.refine import check_steps

    options = locals()
    check_steps(refine)
    check_smooth(smooth)
    given = [k for k, default in OPTIMIZE_ONLY.items() if options[k] != default]
    if photorealistic:
        if method not in ("auto", "photoreal"):
            raise OptionError(f"--photorealistic is its own method, not --method {method}")
        method = "photoreal"
    method = pick_method(method, style, model, [] if refine else given)
    if style_mask is not None and method not in ("optimize", "photoreal"):
        raise OptionError(f"--style-mask is an option of optimize and photoreal, not {method}")
    # given away from the method's own defaults, these options ask for it
    photo_only = {"photorealism-weight": photorealism_weight != PhotorealConfig.photorealism_weight,
                  "first-steps": first_steps != PhotorealConfig.first_steps}  # fmt: skip
    if method != "photoreal" and any(photo_only.values()):
        flag = next(k for k, v in photo_only.items() if v)
        raise OptionError(f"--{flag} is an option of --photorealistic, not of {method}")
    if refine and method in ("optimize", "photoreal"):
        raise OptionError("--refine follows a one-pass method (fast, adain, wct, linear); for "
                          "optimisation give --steps")  # fmt: skip
    if refine and "steps" in given:
        raise OptionError("--steps is the optimiser's; a refine runs --refine N steps")
    fast_only = {"strength": strength != 1.0, "tile": tile is not None,
                 "backend": backend != "auto", "compile": compile}  # fmt: skip
    if method != "fast" and any(fast_only.values()):
        flag = next(k for k, v in fast_only.items() if v)
        hint = "; AdaIN's trade-off is --alpha" if flag == "strength" else ""
        raise OptionError(f"--{flag} is an option of fast styles, not of {method}{hint}")
    if method not in methods.arbitrary() and alpha != 1.0:
        raise OptionError(
            f"--alpha is an option of adain, wct and linear (style images), not of {method}"
        )
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
            _finisher(_refiner(refine, method, style, model, mask, mask_colors, options), smooth),
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
    if method in methods.arbitrary():
        from brushwork.ops.regions import parse_hex

        _stylize_any(
            pairs,
            style,
            _finisher(_refiner(refine, method, style, model, mask, mask_colors, options), smooth),
            method=method,
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
        raise OptionError(f"--method {method} takes one photo at a time")
    content, output = pairs[0]
    from brushwork.ops.regions import parse_hex
    from brushwork.pipelines.optimize import optimize_result
    from brushwork.pipelines.photoreal import photorealistic as run_photoreal
    from brushwork.pipelines.photoreal import smooth_image

    imageio.load(content)  # fail on a bad photo before anything else
    init_image = None if init in ("content", "noise") else Path(init)
    steps_t = parse_ints(steps, "--steps")
    cfg = _objective(
        options,
        steps=steps_t[0] if len(steps_t) == 1 else steps_t,
        size=size or 512,
        scales=parse_ints(scales, "--scales") if scales else None,
        init="content" if init_image is not None else init,
    )
    if method == "photoreal":
        if len(style) != 1:
            raise OptionError("--photorealistic takes one style photo")
        if mask_colors or init_image is not None or init != "content":
            raise OptionError("--mask-colors and --init are not options of --photorealistic")
        values = cfg.to_dict() | {"first_steps": first_steps, "smooth": smooth,
                                  "photorealism_weight": photorealism_weight}  # fmt: skip
        if "steps" not in given:
            values["steps"] = PhotorealConfig.steps
        for m in (mask, style_mask):
            if m is not None:
                imageio.load(m)  # a bad mask fails before any work
        real = PhotorealConfig.from_dict(values)
        done = run_photoreal(content, style[0], config=real, content_mask=mask,
                              style_mask=style_mask, progress=not quiet)  # fmt: skip
        saved = imageio.save(done.image, output, overwrite=overwrite, protect=(content, *style))
        if not quiet:
            typer.echo(f"done in {done.seconds:.1f} s, loss {done.losses['total']:.4g}", err=True)
        _echo_path(saved)
        return
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
        style_mask=style_mask,
        callback=callback,
        progress=not quiet,
    )
    image = result.image if smooth is None else smooth_image(content, result.image, smooth)
    saved = imageio.save(image, output, overwrite=overwrite, protect=(content, *style))
    if not quiet:
        typer.echo(f"done in {result.seconds:.1f} s, loss {result.losses['total']:.4g}", err=True)
    _echo_path(saved)


def _objective(options: dict[str, Any], **fixed: Any) -> Any:
    """The optimiser's :class:`OptimizeConfig` from the command's options (``fixed`` wins)."""
    from brushwork.pipelines.optimize import OptimizeConfig

    o = options
    blend = o["blend"]
    values: dict[str, Any] = {
        "optimizer": o["optimizer"],
        "lr": o["lr"],
        "content_weight": o["content_weight"],
        "style_weight": o["style_weight"],
        "tv_weight": o["tv_weight"],
        "content_layers": parse_layers(o["content_layers"], "--content-layers"),
        "style_layers": parse_layers(o["style_layers"], "--style-layers"),
        "style_weights": parse_floats(blend, "--blend") if blend else None,
        "style_scale": o["style_scale"],
        "preserve_color": o["preserve_color"],
        "pooling": o["pooling"],
        "precision": o["precision"],
        "seed": o["seed"],
        "device": o["device"],
    }
    return OptimizeConfig(**(values | fixed))


def _refiner(
    steps: int,
    method: str,
    styles: list[str],
    model: str | None,
    mask: Path | None,
    mask_colors: str | None,
    options: dict[str, Any],
) -> Any:
    """``None``, or a function that refines a one-pass result of a photo (``--refine N``): the
    optimiser's objective on the style images, or a fast style's bundled painting."""
    if not steps:
        return None
    from brushwork import zoo
    from brushwork.modelfile import read_config
    from brushwork.ops.regions import parse_hex
    from brushwork.pipelines.feedforward import StylizeResult
    from brushwork.pipelines.multistyle import parse_blend
    from brushwork.pipelines.refine import refine

    images: list[Path] = []
    weights: tuple[float, ...] | None = None
    if method == "fast":
        blend = {k: w for s in styles for k, w in parse_blend(s).items()}
        for key in map(str, blend):
            name = key
            if model is None and (key in zoo.names() or zoo.is_model_path(key)):
                name = str(read_config(zoo.resolve(key)).get("style", {}).get("name", key))
            found = zoo.painting(name)
            if found is None:
                raise OptionError(
                    f"{key}: brushwork has no image of this style's painting to refine towards; "
                    "use --method optimize with the painting"
                )
            images.append(found)
        if len(blend) > 1 and mask is None:  # a blend 'a:0.7,b:0.3'
            weights = tuple(blend.values())
    else:
        images = [Path(s) for s in styles]
    cfg = _objective(options, steps=steps, init="content")
    if weights is not None:
        cfg = replace(cfg, style_weights=weights)
    colors = [parse_hex(c) for c in mask_colors.split(",")] if mask_colors else None

    def run(src: Path, first: Any) -> Any:
        done = refine(src, first.image, images, steps=steps, config=cfg, mask=mask,
                      mask_colors=colors)  # fmt: skip
        return StylizeResult(done.image, first.seconds + done.seconds, first.tiles,
                             f"{first.backend} + {steps} refine steps")  # fmt: skip

    return run


def _finisher(refiner: Any, smooth: str | None) -> Any:
    """``refiner`` (or nothing), then FastPhotoStyle's smoothing on the photo (``--smooth``)."""
    if smooth is None:
        return refiner
    import time

    from brushwork.pipelines.feedforward import StylizeResult
    from brushwork.pipelines.photoreal import smooth_image

    def run(src: Path, first: Any) -> Any:
        done = refiner(src, first) if refiner else first
        start = time.perf_counter()
        image = smooth_image(src, done.image, smooth)
        return StylizeResult(image, done.seconds + time.perf_counter() - start, done.tiles,
                             f"{done.backend} + {smooth} smoothing")  # fmt: skip

    return run


def _stylize_fast(
    pairs: list[tuple[Path, Path]],
    styles: list[str],
    refiner: Any,
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

    def each(src: Path) -> Any:
        first = run(src, not quiet and len(pairs) == 1)
        return refiner(src, first) if refiner else first

    _run_each(pairs, each, overwrite, quiet, [])


def _stylize_any(
    pairs: list[tuple[Path, Path]],
    styles: list[str],
    refiner: Any,
    *,
    method: str,
    model: str | None,
    device: str,
    precision: str,
    overwrite: bool,
    quiet: bool,
    **kwargs: Any,
) -> None:
    from brushwork.pipelines.arbitrary import check_alpha, style_weights

    check_alpha(kwargs["alpha"])  # option errors before the decoder and VGG19 load
    style_weights(kwargs["weights"], len(styles))
    for s in styles:
        imageio.load(s)  # a bad style image fails before any work
    net = load_any_style(method, model, device=device, precision=precision)

    def each(src: Path) -> Any:
        first = net.stylize(src, styles, **kwargs)
        return refiner(src, first) if refiner else first

    _run_each(pairs, each, overwrite, quiet, styles)
