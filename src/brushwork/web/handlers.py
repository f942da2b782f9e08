"""What the web page and the HTTP API do, as plain functions over files in a job's folder.

Both front ends save an upload into the job's folder (never at a path from the request), check
it here before decoding it (size in bytes, then the header's pixel count or the clip's length),
then queue one of :func:`stylize_photo`, :func:`stylize_clip`, :func:`upscale_photo` or
:func:`translate_photo`. These
call the same pipelines as the command line, report progress to the job, stop when it is
cancelled, write the result into the job's folder and delete the uploads.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import torch
from PIL import Image, UnidentifiedImageError

from brushwork import image as imageio
from brushwork import methods
from brushwork import video as videoio
from brushwork.errors import BrushworkError, OptionError
from brushwork.ops.color import MODES
from brushwork.ops.smoothing import MODES as SMOOTHING
from brushwork.web.catalogue import catalogue, painting
from brushwork.web.jobs import Job, RequestError

#: the methods that paint photos, from the method registry
METHODS = tuple(methods.with_capability("stylize"))
UPSCALE_MODELS = {"sharp": "sr-x{}", "smooth": "sr-x{}-pixel"}
#: upload suffixes kept (for the decoders' benefit); anything else is saved as ``.bin``
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif")
RESULT_IMAGE = "result.png"


@dataclass(frozen=True)
class Limits:
    """What one request may ask of a shared server.

    Attributes:
        upload_bytes: largest upload, in bytes (checked while it streams in).
        pixels: largest image, in pixels (read from the header, before decoding).
        output_side: largest long side of a stylised output.
        optimize_side: largest long side of an optimisation (its cost grows with the area).
        steps: most optimisation steps.
        video_seconds: longest clip.
        video_side: largest long side of a stylised clip (larger clips are scaled down).
        upscale_pixels: largest upscaled output, in pixels.
        video_frame_pixels: most frames x pixels a clip may have at its output size (the work:
            60 s of 1280x720 at 30 frames/s is 1.66 G).
        gif_frame_pixels: most frames x pixels of a GIF (it is written from frames held in
            memory, 3 bytes a pixel: 400 M is about 1.2 GB).
    """

    upload_bytes: int = 50 * 2**20
    pixels: int = 40_000_000
    output_side: int = 4096
    optimize_side: int = 1024
    steps: int = 1000
    video_seconds: float = 60.0
    video_side: int = 1280
    upscale_pixels: int = 36_000_000
    video_frame_pixels: int = 2_000_000_000
    gif_frame_pixels: int = 400_000_000

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if not value > 0:
                what = name.replace("_", " ")
                raise OptionError(f"the {what} limit must be positive, got {value}")

    def describe(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class StyleOptions:
    """The choices of one stylisation (photo or clip).

    Attributes:
        method: ``fast``, ``adain`` or ``optimize``; ``None`` picks fast for a bundled style
            and adain for an uploaded style image.
        style: a bundled style's name (the gallery), or ``None`` with ``style_image``.
        style_image: an uploaded painting (any style, optimisation).
        blend_with: a second bundled style to blend in, or ``None``.
        blend: the second style's share, in [0, 1].
        strength: fast: 1 = the style, 0 = the photo; any style: AdaIN's alpha.
        preserve_color: ``None``, ``luminance`` or ``histogram``.
        size: long side of the output; ``None`` keeps the input's (optimisation: 512).
        steps: optimisation steps.
        refine: photos, one-pass methods: optimisation steps started from the one-pass
            picture (:func:`brushwork.pipelines.refine.refine`); 0: none. A refined picture is
            at most the optimisation's size (default 512).
        temporal: clips: blend along the optical flow so strokes do not flicker.
        smooth: photos: FastPhotoStyle's smoothing of the result on the photo's edges ("fast",
            "exact"), or ``None``.
        content_mask, style_mask: photoreal (both) and optimize (the style mask needs the
            content mask): colour-coded regions of the photo and of the style image, paired
            by colour.
    """

    method: str | None = None
    style: str | None = None
    style_image: Path | None = None
    blend_with: str | None = None
    blend: float = 0.5
    strength: float = 1.0
    preserve_color: str | None = None
    size: int | None = None
    steps: int = 200
    refine: int = 0
    temporal: bool = True
    smooth: str | None = None
    content_mask: Path | None = None
    style_mask: Path | None = None


def upload_name(stem: str, filename: str | None, suffixes: tuple[str, ...]) -> str:
    """A safe file name for an upload: a fixed stem and a known suffix (nothing else of the
    client's name is used, so no request can name a path)."""
    suffix = Path(filename or "").suffix.lower()
    return stem + (suffix if suffix in suffixes else ".bin")


def check_bytes(path: Path, limits: Limits, what: str) -> None:
    """The upload at ``path`` is not empty and within the byte limit."""
    size = path.stat().st_size
    if size == 0:
        raise RequestError(f"the {what} is empty", 400)
    if size > limits.upload_bytes:
        raise RequestError(
            f"the {what} is {megabytes(size)}, over this server's limit of "
            f"{megabytes(limits.upload_bytes)}",
            413,
        )


def megabytes(n: float) -> str:
    """Bytes as MB, to three significant digits: ``52428800`` -> ``50 MB``."""
    return f"{n / 2**20:.3g} MB"


def check_image(path: Path, limits: Limits, what: str = "image") -> tuple[int, int]:
    """Check an uploaded image from its size and header alone, before any decoding.

    Returns:
        its (width, height).

    Raises:
        RequestError: empty (400), too many bytes or pixels (413), not an image (415).
    """
    check_bytes(path, limits, what)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:  # reads the header only
                w, h = img.size
    except Image.DecompressionBombError:
        raise RequestError(
            f"the {what} has far more pixels than this server's limit of "
            f"{limits.pixels / 1e6:.0f} MP",
            413,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RequestError(
            f"the {what} is not an image this server can read (PNG, JPEG, WebP, TIFF, BMP, GIF)",
            415,
        ) from None
    if w * h > limits.pixels:
        raise RequestError(
            f"the {what} is {w}x{h} = {w * h / 1e6:.0f} MP, over this server's limit of "
            f"{limits.pixels / 1e6:.0f} MP",
            413,
        )
    if min(w, h) < imageio.MIN_SIDE:
        raise RequestError(
            f"the {what} is {w}x{h}, smaller than {imageio.MIN_SIDE} px on a side", 400
        )
    return w, h


def check_clip(path: Path, limits: Limits) -> videoio.VideoInfo:
    """Check an uploaded clip from its size and header: bytes, readable, length.

    Raises:
        RequestError: empty (400), too large or too long (413), not a video (415).
    """
    check_bytes(path, limits, "video")
    try:
        info = videoio.probe(path)
    except BrushworkError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise RequestError(f"the video cannot be used: {reason}", 415) from None
    if info.duration > limits.video_seconds:
        raise RequestError(
            f"the video is {info.duration:.1f} s long, over this server's limit of "
            f"{limits.video_seconds:g} s; trim it first",
            413,
        )
    w, h = info.width, info.height
    if max(w, h) > limits.video_side:  # painted at most this large (stylize_clip)
        w, h = imageio.size_for_long_side((w, h), limits.video_side)
    work = info.frames * w * h
    top = min(limits.video_frame_pixels, limits.gif_frame_pixels if info.is_gif else 10**18)
    if work > top:
        what = "GIF" if info.is_gif else "video"
        raise RequestError(
            f"the {what} is {info.frames} frames of {w}x{h}, {work / 1e9:.2f} G pixels to paint, "
            f"over this server's limit of {top / 1e9:.2f} G; trim it or scale it down first",
            413,
        )
    return info


def check_options(options: StyleOptions, limits: Limits, *, video: bool = False) -> StyleOptions:
    """Validate the choices before queueing, and fill in the method.

    Raises:
        RequestError: unknown style (404), unknown method, out-of-range numbers (400).
    """
    for name in (options.style, options.blend_with):
        if name is not None:
            try:
                painting(name)
            except OptionError as exc:
                raise RequestError(str(exc), 404) from None
    if options.style is None and options.style_image is None:
        raise RequestError("choose a style: a bundled style's name or a style image", 400)
    if options.style is not None and options.style_image is not None:
        raise RequestError("give a bundled style or a style image, not both", 400)
    method = options.method or ("fast" if options.style is not None else methods.ANY_STYLE_DEFAULT)
    if method not in METHODS:
        raise RequestError(f"unknown method {method!r}; choose from {', '.join(METHODS)}", 400)
    if method == "fast" and options.style is None:
        raise RequestError(
            "a fast style must be one of the bundled styles; for an uploaded painting use "
            "method 'adain', 'wct' or 'linear' (any style) or 'optimize'",
            400,
        )
    if video and method in ("optimize", "photoreal"):
        raise RequestError(
            "optimisation is too slow for clips here; use 'fast', 'adain', 'wct' or 'linear'",
            400,
        )
    if options.smooth is not None and (video or options.smooth not in SMOOTHING):
        what = "clips" if video else f"smoothing {options.smooth!r}"
        raise RequestError(f"unknown {what}; smoothing is fast or exact, for photos", 400)
    if options.style_mask is not None and method not in ("optimize", "photoreal"):
        raise RequestError("masks are options of 'optimize' and 'photoreal'", 400)
    if options.content_mask is not None and method not in ("optimize", "photoreal"):
        raise RequestError("masks are options of 'optimize' and 'photoreal'", 400)
    if (options.content_mask is None) != (options.style_mask is None):
        raise RequestError("give both masks (content_mask and style_mask) or neither", 400)
    if options.blend_with is not None and options.style is None:
        raise RequestError("blending is between two bundled styles", 400)
    if options.blend_with is not None and method == "fast":
        a, b = painting(options.style or ""), painting(options.blend_with)
        if a.multi is None or a.multi != b.multi:
            raise RequestError(f"{a.name} and {b.name} are not in one multi-style model", 400)
    _in_range("blend", options.blend, 0.0, 1.0)
    _in_range("strength", options.strength, 0.0, 1.0)
    if options.preserve_color not in (None, *MODES):
        raise RequestError(
            f"unknown colour mode {options.preserve_color!r}; choose from {', '.join(MODES)}", 400
        )
    top = limits.video_side if video else limits.output_side
    if method in ("optimize", "photoreal"):
        top = min(top, limits.optimize_side)
        _in_range("steps", options.steps, 1, limits.steps)
    if options.refine:
        if video or method in ("optimize", "photoreal"):
            raise RequestError("refine follows a one-pass method on a photo", 400)
        _in_range("refine", options.refine, 0, limits.steps)
        top = min(top, limits.optimize_side)
        options = replace(options, size=options.size or 512)
    if options.size is not None:
        _in_range("size", options.size, imageio.MIN_SIDE, top)
    return replace(options, method=method)


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise RequestError(f"{name} must be between {low:g} and {high:g}, got {value:g}", 400)


# --- loading models once --------------------------------------------------------------------

_models: dict[tuple[str, str | None], Any] = {}
_models_lock = threading.Lock()
T = TypeVar("T")


def _cached(key: tuple[str, str | None], make: Callable[[], T]) -> T:
    with _models_lock:
        if key not in _models:
            _models[key] = make()
        model: T = _models[key]
        return model


def fast_model(options: StyleOptions) -> Any:
    """The feed-forward net of a style, or of a blend in its multi-style model."""
    from brushwork.pipelines.fast import load
    from brushwork.pipelines.multistyle import load_multi

    p = painting(options.style or "")
    if options.blend_with is None or options.blend == 0:
        return _cached((p.model, p.name), lambda: load(p.name))
    assert p.multi is not None
    multi = _cached((p.multi, None), lambda: load_multi(p.multi or ""))
    return multi.select({p.name: 1.0 - options.blend, options.blend_with: options.blend})


def any_style_model(method: str = methods.ANY_STYLE_DEFAULT) -> Any:
    """The bundled decoder model of a one-pass any-style method (adain, wct, linear)."""
    return _cached((method, None), lambda: methods.get(method).pipeline(method))


def style_images(options: StyleOptions) -> tuple[list[Path], list[float] | None]:
    """The style images of AdaIN or optimisation, and their blend weights."""
    if options.style_image is not None:
        return [options.style_image], None
    first = painting(options.style or "").painting
    if options.blend_with is None or options.blend == 0:
        return [first], None
    return [first, painting(options.blend_with).painting], [1.0 - options.blend, options.blend]


# --- the work -------------------------------------------------------------------------------


def stylize_photo(job: Job, photo: Path, options: StyleOptions) -> Path:
    """Stylise ``photo`` as ``options`` say (checked by :func:`check_options`); the result is a
    PNG in the job's folder, the uploads are deleted."""
    job.report(0.0, f"painting with {_label(options)}")
    try:
        image, seconds = _paint(job, photo, options)
        job.report(1.0, "saving")
        out = imageio.save(image, job.folder / RESULT_IMAGE, overwrite=True)
    finally:
        _delete(photo, options.style_image, options.content_mask, options.style_mask)
    job.info.update(
        seconds=round(seconds, 2), width=image.size[0], height=image.size[1], style=_label(options)
    )
    return out


def _paint(job: Job, photo: Path, options: StyleOptions) -> tuple[Image.Image, float]:
    image, seconds = _first_paint(job, photo, options)
    if options.smooth is None:
        return image, seconds
    from brushwork.pipelines.photoreal import smooth_image

    job.report(0.95, f"smoothing ({options.smooth})")
    start = time.perf_counter()
    return smooth_image(photo, image, options.smooth), seconds + time.perf_counter() - start


def _first_paint(job: Job, photo: Path, options: StyleOptions) -> tuple[Image.Image, float]:
    from brushwork.pipelines.optimize import OptimizeConfig, optimize_result

    styles, weights = style_images(options)
    if options.method == "fast":
        result = fast_model(options).stylize(
            photo,
            strength=options.strength,
            preserve_color=options.preserve_color,
            size=options.size,
        )
        return _refined(job, photo, result, styles, weights, options)
    if options.method in methods.arbitrary():
        result = any_style_model(options.method).stylize(
            photo,
            styles,
            alpha=options.strength,
            weights=weights,
            preserve_color=options.preserve_color,
            size=options.size,
        )
        return _refined(job, photo, result, styles, weights, options)
    done = [0]
    total = [options.steps]

    def step(level: int, i: int, x: torch.Tensor, loss: float) -> None:
        done[0] += 1
        job.report(done[0] / total[0], f"step {done[0]} of {total[0]}")

    if options.method == "photoreal":
        from brushwork.pipelines.photoreal import PhotorealConfig, photorealistic

        if len(styles) != 1:
            raise RequestError("the photorealistic method takes one style photo", 400)
        real = PhotorealConfig(first_steps=options.steps, size=options.size or 512)
        total[0] = real.total_steps(imageio.load(photo).rgb.size)
        job.report(0.0, "preparing (VGG19 features and the photo's matting Laplacian)")
        done_real = photorealistic(
            photo, styles[0], config=real, content_mask=options.content_mask,
            style_mask=options.style_mask, callback=step, progress=False, interrupt=job.check,
        )  # fmt: skip
        return done_real.image, done_real.seconds
    cfg = OptimizeConfig(
        steps=options.steps,
        size=options.size or 512,
        style_weights=tuple(weights) if weights else None,
        preserve_color=options.preserve_color,
    )
    job.report(0.0, "preparing (VGG19 features of the photo and the painting)")
    opt = optimize_result(
        photo, styles, config=cfg, callback=step, progress=False, interrupt=job.check,
        mask=options.content_mask, style_mask=options.style_mask,
    )  # fmt: skip
    return opt.image, opt.seconds


def _refined(
    job: Job,
    photo: Path,
    first: Any,
    styles: list[Path],
    weights: list[float] | None,
    options: StyleOptions,
) -> tuple[Image.Image, float]:
    """The one-pass ``first`` as it is, or refined by ``options.refine`` optimisation steps."""
    if not options.refine:
        return first.image, first.seconds
    from brushwork.pipelines.optimize import OptimizeConfig
    from brushwork.pipelines.refine import refine

    job.report(0.5, f"refining: {options.refine} optimisation steps")
    cfg = OptimizeConfig(
        style_weights=tuple(weights) if weights else None, preserve_color=options.preserve_color
    )
    done = refine(photo, first.image, styles, steps=options.refine, config=cfg,
                  interrupt=job.check)  # fmt: skip
    return done.image, first.seconds + done.seconds


def stylize_clip(
    job: Job, clip: Path, info: videoio.VideoInfo, options: StyleOptions, limits: Limits
) -> Path:
    """Stylise a clip (``info``: what :func:`check_clip` read of it; sound kept, flicker removed
    along the optical flow); the result is an MP4 (a GIF for a GIF) in the job's folder, the
    uploads are deleted."""
    from brushwork.pipelines.video import stylize_video

    try:
        size = options.size
        if size is None and max(info.width, info.height) > limits.video_side:
            size = limits.video_side
        total = max(1, info.frames)
        job.report(0.0, f"painting {total} frames with {_label(options)}")

        def frame(i: int, x: torch.Tensor, y: torch.Tensor) -> None:
            job.report((i + 1) / total, f"frame {i + 1} of {total}")

        suffix = ".gif" if info.is_gif else ".mp4"
        out = job.folder / f"result{suffix}"
        common: dict[str, Any] = {
            "temporal": "flow" if options.temporal else "off",
            "size": size,
            "preserve_color": options.preserve_color,
            "overwrite": True,
            "progress": False,
            "callback": frame,
        }
        if options.method == "fast":
            model = fast_model(options)
            result = stylize_video(clip, out, model, strength=options.strength, **common)
        else:
            styles, weights = style_images(options)
            result = stylize_video(
                clip,
                out,
                any_style_model(options.method or methods.ANY_STYLE_DEFAULT),
                style=styles,
                alpha=options.strength,
                weights=weights,
                **common,
            )
    finally:
        _delete(clip, options.style_image)
    job.info.update(
        seconds=round(result.seconds, 2),
        style=_label(options),
        frames=result.frames,
        width=result.size[0],
        height=result.size[1],
        audio=result.audio,
    )
    return out


def check_upscale(image: Path, scale: int, model: str, limits: Limits) -> str:
    """Check an upscaling request before queueing it: the image (as :func:`check_image`) and
    the output's size; returns the bundled net's name.

    Raises:
        RequestError: as :func:`check_image` and :func:`upscale_model_name`; 413 for an output
            over ``limits.upscale_pixels``.
    """
    name = upscale_model_name(scale, model)
    w, h = check_image(image, limits)
    if w * h * scale * scale > limits.upscale_pixels:
        raise RequestError(
            f"{w}x{h} upscaled x{scale} would be {w * scale}x{h * scale}, over this "
            f"server's limit of {limits.upscale_pixels / 1e6:.0f} MP",
            413,
        )
    return name


def upscale_photo(job: Job, image: Path, name: str) -> Path:
    """Upscale ``image`` with the bundled net ``name`` (from :func:`check_upscale`); the result
    is a PNG in the job's folder, the upload is deleted."""
    from brushwork.pipelines.upscale import Upscaler

    try:
        job.report(0.0, f"upscaling with {name}")
        net = _cached((name, None), lambda: Upscaler.from_pretrained(name))
        result = net.upscale(
            image, on_tile=lambda done, total: job.report(done / total, f"tile {done} of {total}")
        )
        job.report(1.0, "saving")
        out = imageio.save(result.image, job.folder / RESULT_IMAGE, overwrite=True)
    finally:
        _delete(image)
    job.info.update(
        seconds=round(result.seconds, 2), width=result.image.size[0], height=result.image.size[1]
    )
    return out


def upscale_model_name(scale: int, model: str) -> str:
    """The bundled net of a scale and kind (``sharp`` or ``smooth``)."""
    from brushwork.pipelines.upscale import bundled_scales

    if model not in UPSCALE_MODELS:
        raise RequestError(
            f"unknown upscaler {model!r}; choose from {', '.join(UPSCALE_MODELS)}", 400
        )
    scales = bundled_scales()
    if scale not in scales:
        raise RequestError(
            f"no upscaler for x{scale}; choose from {', '.join(f'x{s}' for s in scales)}", 400
        )
    return UPSCALE_MODELS[model].format(scale)


def styles() -> list[dict[str, str | None]]:
    """The gallery, for the API: name, title, the model that paints it, its multi-style model."""
    return [p.as_dict() for p in catalogue().values()]


def _label(options: StyleOptions) -> str:
    what = options.style or "your style image"
    if options.blend_with:
        what += f" + {options.blend_with}"
    return f"{what} ({options.method})"


def _delete(*paths: Path | None) -> None:
    for p in paths:
        if p is not None:
            p.unlink(missing_ok=True)


def translations() -> list[dict[str, str]]:
    """Every bundled translation (pix2pix, CycleGAN) in each direction it runs: ``id``
    (``model`` or ``model:BtoA``), model, direction, from, to, method and description."""
    from brushwork import zoo
    from brushwork.pipelines.translate import directions, domains

    out = []
    order = {"pix2pix": 0, "cyclegan": 1}  # paired models first (the page's default choice)
    entries = sorted(
        zoo.entries(), key=lambda e: (order.get(str(e.config.get("method")), 2), e.name)
    )
    for e in entries:
        spec = methods.for_model(e.config)
        if not spec.can("translate"):
            continue
        runs = directions(e.config)
        for d in runs:
            src, dst = domains(e.config, d)
            out.append(
                {
                    "id": e.name if d == runs[0] else f"{e.name}:{d}",
                    "model": e.name,
                    "direction": d,
                    "from": src,
                    "to": dst,
                    "method": spec.name,
                    "description": e.description,
                }
            )
    return out


def translation_choice(choice: str) -> tuple[str, str]:
    """(model, direction) of a translation ``id`` from :func:`translations`."""
    for t in translations():
        if t["id"] == choice:
            return t["model"], t["direction"]
    known = ", ".join(t["id"] for t in translations())
    raise RequestError(f"unknown translation {choice!r}; choose from {known}", 400)


def check_translate(image: Path, choice: str, limits: Limits) -> tuple[str, str]:
    """Check a translation request before queueing it: the model (an ``id`` of
    :func:`translations`) and the image (as :func:`check_image`, long side at most
    ``limits.output_side``)."""
    model = translation_choice(choice)
    w, h = check_image(image, limits)
    if max(w, h) > limits.output_side:
        raise RequestError(
            f"the image is {w}x{h}; this server translates up to {limits.output_side} px on "
            "the long side",
            413,
        )
    return model


def translate_photo(job: Job, image: Path, model: tuple[str, str]) -> Path:
    """Translate ``image`` with a bundled model in a direction (from :func:`check_translate`);
    the result is a PNG in the job's folder, the upload is deleted."""
    from brushwork.pipelines.translate import load

    name, direction = model
    try:
        job.report(0.0, f"translating with {name} ({direction})")
        net = _cached((name, direction), lambda: load(name, direction=direction))
        result = net.translate(image)
        job.report(1.0, "saving")
        out = imageio.save(result.image, job.folder / RESULT_IMAGE, overwrite=True)
    finally:
        _delete(image)
    src, dst = net.translates
    job.info.update(
        seconds=round(result.seconds, 2),
        width=result.image.size[0],
        height=result.image.size[1],
        translation=f"{src} -> {dst}",
    )
    return out


def mix_models() -> list[str]:
    """The bundled MIXGAN models."""
    from brushwork import zoo

    return [e.name for e in zoo.entries() if methods.for_model(e.config).can("mix")]


def check_mix(model: str, samples: int, seed: int | None) -> str:
    """Check a mixture request: a bundled MIXGAN model, 1 to 1024 samples, a seed >= 0."""
    known = mix_models()
    if model not in known:
        raise RequestError(f"unknown MIXGAN model {model!r}; choose from {', '.join(known)}", 400)
    if not 1 <= samples <= 1024:
        raise RequestError(f"samples must be between 1 and 1024, got {samples}", 400)
    if seed is not None and not 0 <= seed < 2**31:
        raise RequestError(f"seed must be between 0 and 2^31 - 1, got {seed}", 400)
    return model


def mix_digits(
    job: Job, model: str, samples: int, seed: int | None, image: Path | None = None
) -> Path:
    """A contact sheet of ``samples`` new mixtures (``seed``: the same ones again), or, given a
    content ``image``, its shape and mixture side by side; a PNG in the job's folder, the upload
    deleted."""
    from brushwork.pipelines.mix import load, sheet

    try:
        job.report(0.0, f"mixing with {model}")
        mixer = _cached((model, None), lambda: load(model))
        if image is not None:
            m = mixer.mix_both([image], seed=seed)[0]
            picture = sheet([m.shape, m.mixture], columns=2, scale=8)
        else:
            picture = sheet(mixer.sample(samples, seed=seed), columns=16, scale=2)
        job.report(1.0, "saving")
        out = imageio.save(picture, job.folder / RESULT_IMAGE, overwrite=True)
    finally:
        _delete(image)
    job.info.update(width=picture.size[0], height=picture.size[1], mixtures=1 if image else samples)
    return out
