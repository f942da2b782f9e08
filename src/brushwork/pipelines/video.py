"""Video and animated-GIF stylisation, streaming, without flicker.

Frames are decoded, stylised a few at a time and encoded straight away, so memory holds a few
frames whatever the clip's length; sound, frame timing and rotation metadata are kept
(:mod:`brushwork.video`).

Stylising each frame on its own flickers: small changes between frames become large changes
in the strokes. With ``temporal="flow"`` each stylised frame is blended with the previous
output warped along the optical flow of the input frames, wherever that flow is reliable
(forward-backward consistent, off motion boundaries, and matching in colour), after Ruder,
Dosovitskiy and Brox, "Artistic Style Transfer for Videos" (GCPR 2016). Strokes then follow
the motion and stay put where the picture is still, while occluded and newly visible regions
take the fresh stylisation. Optimisation (Gatys et al.) also starts each frame from the warped
previous result, as Ruder et al. do.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm.auto import tqdm

from brushwork import image as imageio
from brushwork import video as videoio
from brushwork.errors import OptionError, unknown_choice
from brushwork.ops import color
from brushwork.ops.flow import consistency_mask, estimate_flow, inside, require_opencv, warp
from brushwork.pipelines._common import ImageLike, check_memory, load_input, style_tensor
from brushwork.pipelines.arbitrary import ArbitraryStyle, check_alpha, style_weights
from brushwork.pipelines.feedforward import BYTES_PER_PIXEL as FAST_BYTES_PER_PIXEL
from brushwork.pipelines.feedforward import TILE_ABOVE, FastStyle
from brushwork.pipelines.optimize import OptimizeConfig, optimize_result

TEMPORAL = ("off", "flow")
#: Share of the warped previous output a reliable pixel keeps (the rest is the fresh frame):
#: along a motion path the output is an exponential average over about 1 / (1 - w) frames.
TEMPORAL_WEIGHT = 0.9
#: A pixel whose input colour differs from its flow-warped predecessor by more than this (mean
#: over RGB in [0, 1]) is not blended: the flow is wrong there, or the light changed.
PHOTOMETRIC = 0.08
#: Half-side in pixels of the window over which a blended frame gets back the fresh frame's
#: local contrast (:func:`keep_texture`): about a stroke.
TEXTURE_RADIUS = 7
#: The most a blended frame's local contrast is raised by (where the fresh frame is far
#: busier than the blend, the flow is likely wrong there anyway).
MAX_TEXTURE_GAIN = 2.0
#: Frames stylised per call of the network.
BATCH = 4

#: ``frames (B, 3, H, W) in [0, 1], init (B, 3, H, W) or None -> stylised (B, 3, H, W)``
FrameStylizer = Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]
#: ``callback(index, input frame (1, 3, H, W), output frame (1, 3, H, W))`` after each frame
FrameCallback = Callable[[int, torch.Tensor, torch.Tensor], None]


@dataclass
class VideoResult:
    """What :func:`stylize_video` wrote and how long it took."""

    path: Path
    frames: int
    seconds: float
    #: seconds spent in the style network (or optimiser) alone
    network_seconds: float
    size: tuple[int, int]
    audio: bool
    #: corrupt frames of the input that were skipped
    skipped: int

    @property
    def fps(self) -> float:
        """End-to-end frames per second (decoding, flow and encoding included)."""
        return self.frames / self.seconds if self.seconds else 0.0


@dataclass
class Motion:
    """How frame t relates to frame t-1: the backward flow and where it can be trusted."""

    backward: torch.Tensor
    reliable: torch.Tensor


def _box(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Mean over a (2 radius + 1)^2 window, the border pixels repeated (any size of picture)."""
    pad = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    return F.avg_pool2d(pad, 2 * radius + 1, stride=1)


def keep_texture(
    blended: torch.Tensor,
    fresh: torch.Tensor,
    radius: int = TEXTURE_RADIUS,
    max_gain: float = MAX_TEXTURE_GAIN,
) -> torch.Tensor:
    """Give ``blended`` (a mix of ``fresh`` and other pictures, (B, C, H, W)) back the local
    contrast of ``fresh``: around its local mean its detail is scaled by
    ``sqrt(var(fresh) / var(blended))`` over a window of side ``2 radius + 1`` (per channel,
    clamped to [1, ``max_gain``]).

    Averaging two unlike textures lowers their variance (weights w and 1 - w: by
    w^2 + (1 - w)^2), so a blended video frame looks washed out; restoring the variance is the
    histogram-preserving blend of Heitz and Neyret (HPG 2018), here with local statistics so
    that where the mixed pictures agree (a still scene) nothing changes.

    Example:
        >>> a = torch.tensor([[[[0.0, 1.0] * 4] * 8]])  # stripes
        >>> b = a.roll(1, dims=-1)  # the same stripes, moved
        >>> (0.5 * a + 0.5 * b).std()  # averaged: grey
        tensor(0.)
        >>> bool(torch.equal(keep_texture(a, a), a))  # a still scene is left alone
        True
    """
    mean = _box(blended, radius)
    detail = blended - mean
    want = _box((fresh - _box(fresh, radius)) ** 2, radius)
    have = _box(detail**2, radius).clamp_min(1e-8)
    gain = (want / have).sqrt().clamp(1.0, max_gain)
    return mean + gain * detail


class TemporalBlend:
    """Blend each stylised frame with the previous output warped along the flow (Ruder et al.,
    2016, short-term consistency), where the flow is reliable; then give the blend back the
    fresh frame's local contrast (:func:`keep_texture`; ``texture=False``: the plain average,
    which halves the flicker but washes the strokes out).

    Example:
        >>> blend = TemporalBlend()
        >>> frame = np.zeros((32, 32, 3), np.uint8)
        >>> first = blend(frame, torch.zeros(1, 3, 32, 32))  # nothing before: kept as is
        >>> second = blend(frame, torch.ones(1, 3, 32, 32))  # a still frame: mostly the last
        >>> round(float(second.mean()), 2)
        0.1
    """

    def __init__(
        self,
        weight: float = TEMPORAL_WEIGHT,
        photometric: float = PHOTOMETRIC,
        texture: bool = True,
    ) -> None:
        if not 0.0 <= weight < 1.0:
            raise OptionError(f"temporal weight must be in [0, 1), got {weight}")
        self.weight = weight
        self.photometric = photometric
        self.texture = texture
        self._frame: np.ndarray | None = None
        self._output: torch.Tensor | None = None

    @property
    def last_frame(self) -> np.ndarray | None:
        """The input frame remembered last (``None`` before the first)."""
        return self._frame

    def motion(self, frame: np.ndarray, before: np.ndarray) -> Motion:
        """Flow from ``frame`` back to the frame ``before`` it, and where it is reliable.

        Depends on the input frames alone, so it can run ahead (in another thread) while the
        network stylises.
        """
        backward = estimate_flow(frame, before)
        forward = estimate_flow(before, frame)
        # a pixel whose flow leads outside the frame before has no predecessor (it entered
        # the picture): warping would repeat the border there
        reliable = consistency_mask(backward, forward) * inside(backward, margin=0.0)
        seen = warp(to_tensor(before), backward)
        reliable = reliable * (
            (seen - to_tensor(frame)).abs().mean(1, keepdim=True) < self.photometric
        )
        # soften the mask's edges so blended and fresh regions meet without a seam
        reliable = F.avg_pool2d(reliable, 5, stride=1, padding=2, count_include_pad=False)
        return Motion(backward, reliable)

    def warped(self, motion: Motion | None) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The previous output warped along ``motion``, with its reliability ((1, 1, H, W) in
        [0, 1]); ``None`` for the first frame."""
        if motion is None or self._output is None:
            return None
        return warp(self._output, motion.backward), motion.reliable

    def previous(self, frame: np.ndarray) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The previous output warped to ``frame``, and where that is reliable."""
        if self._frame is None:
            return None
        return self.warped(self.motion(frame, self._frame))

    def blend(
        self,
        stylised: torch.Tensor,
        previous: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> torch.Tensor:
        """``stylised + weight * reliable * (warped - stylised)``, then (``texture``) with
        ``stylised``'s local contrast (:func:`keep_texture`)."""
        if previous is None:
            return stylised
        warped, reliable = previous
        mixed = stylised + self.weight * reliable * (warped - stylised)
        return keep_texture(mixed, stylised) if self.texture else mixed

    def remember(self, frame: np.ndarray, output: torch.Tensor) -> None:
        """Keep ``frame`` and its final ``output`` for the next frame."""
        self._frame = frame
        self._output = output

    def __call__(self, frame: np.ndarray, stylised: torch.Tensor) -> torch.Tensor:
        """Blend one frame's stylisation and remember the result."""
        out = self.blend(stylised, self.previous(frame))
        self.remember(frame, out)
        return out


def to_tensor(frame: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) float32 in [0, 1]."""
    # torch.tensor copies: decoded frames (GIF ones among them) may be read-only arrays
    return torch.tensor(frame).permute(2, 0, 1)[None].float() / 255.0


def to_frame(x: torch.Tensor) -> np.ndarray:
    """(1, 3, H, W) in [0, 1] -> (H, W, 3) uint8."""
    return (x[0].clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()


def fast_frames(
    model: FastStyle, *, strength: float = 1.0, preserve_color: str | None = None
) -> FrameStylizer:
    """Frames through a feed-forward style (any backend; tiled above ``TILE_ABOVE`` pixels)."""
    if not 0.0 <= strength <= 1.0:
        raise OptionError(f"strength must be between 0 and 1, got {strength}")
    mode = color.check_mode(preserve_color)

    def run(x: torch.Tensor, init: torch.Tensor | None) -> torch.Tensor:
        out = []
        for xi in (x[i : i + 1] for i in range(x.shape[0])):
            h, w = xi.shape[-2:]
            if h * w <= TILE_ABOVE:
                check_memory(h * w * FAST_BYTES_PER_PIXEL, f"stylising {w}x{h}", model.device)
            y, _ = model.stylize_tensor(xi)
            y = color.recolor(y, xi, mode)
            out.append(strength * y + (1.0 - strength) * xi if strength < 1.0 else y)
        return torch.cat(out)

    return run


def adain_frames(
    model: ArbitraryStyle,
    styles: Sequence[ImageLike],
    *,
    size: tuple[int, int],
    alpha: float = 1.0,
    weights: Sequence[float] | None = None,
    preserve_color: str | None = None,
    style_scale: float = 1.0,
) -> FrameStylizer:
    """Frames through AdaIN with fixed style images (their statistics computed once)."""
    check_alpha(alpha)
    mode = color.check_mode(preserve_color)
    style_weights(weights, len(styles))
    check_memory(
        size[0] * size[1] * model.bytes_per_pixel * BATCH, f"{model.title} frames", model.device
    )
    images = [style_tensor(load_input(s).rgb, size[0] * size[1], style_scale) for s in styles]
    fixed = model.style_statistics(images) if mode is None else None

    def run(x: torch.Tensor, init: torch.Tensor | None) -> torch.Tensor:
        if fixed is not None:
            return model.stylize_tensor(x, fixed, alpha=alpha, weights=weights).clamp(0, 1)
        out = []
        for xi in (
            x[i : i + 1] for i in range(x.shape[0])
        ):  # colour modes adapt the styles to each frame
            s = [color.prepare_style(im, xi, mode) for im in images]
            y = model.stylize_tensor(
                color.prepare_content(xi, mode), s, alpha=alpha, weights=weights
            )
            out.append(color.finish(y, xi, mode))
        return torch.cat(out)

    return run


def optimize_frames(styles: Sequence[ImageLike], config: OptimizeConfig) -> FrameStylizer:
    """Frames through Gatys et al.'s optimisation, each starting from ``init`` when given (the
    warped previous result: Ruder et al.'s initialisation)."""
    if config.scales is not None:
        raise OptionError("video optimisation runs at the frame size; leave out scales")
    images = [load_input(s).rgb for s in styles]

    def run(x: torch.Tensor, init: torch.Tensor | None) -> torch.Tensor:
        out = []
        for i in range(x.shape[0]):
            xi = x[i : i + 1]
            h, w = xi.shape[-2:]
            cfg = replace(config, size=max(h, w))
            start = None if init is None else imageio.to_pil(init[i : i + 1])
            result = optimize_result(
                imageio.to_pil(xi), images, config=cfg, init_image=start, progress=False
            )
            out.append(imageio.to_tensor(result.image))
        return torch.cat(out)

    return run


def output_size(info: videoio.VideoInfo, size: int | None) -> tuple[int, int]:
    """The stylised frame size: ``size`` as the long side (or the clip's own), sides even."""
    wh = (info.width, info.height)
    if size is not None:
        if size < imageio.MIN_SIDE:
            raise OptionError(f"--size must be at least {imageio.MIN_SIDE} px, got {size}")
        wh = imageio.size_for_long_side(wh, size)
    return videoio.even_size(wh)


def stylize_video(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    model: FastStyle | ArbitraryStyle | str | None = None,
    *,
    style: ImageLike | Sequence[ImageLike] | None = None,
    optimize: OptimizeConfig | None = None,
    temporal: str = "flow",
    temporal_weight: float = TEMPORAL_WEIGHT,
    start: float | None = None,
    end: float | None = None,
    size: int | None = None,
    strength: float = 1.0,
    alpha: float = 1.0,
    weights: Sequence[float] | None = None,
    preserve_color: str | None = None,
    style_scale: float = 1.0,
    batch: int = BATCH,
    overwrite: bool = False,
    progress: bool = True,
    callback: FrameCallback | None = None,
) -> VideoResult:
    """Stylise a video or animated GIF into ``output`` (.mp4, .mov, .mkv, .webm or .gif).

    Example:
        >>> import brushwork as bw
        >>> bw.stylize_video("clip.mp4", "clip_starry.mp4", "starry_night")  # doctest: +SKIP
        >>> bw.stylize_video("clip.mp4", "out.mp4", "adain", style="painting.jpg")  # doctest: +SKIP

    Args:
        source: the clip; its sound, frame timing and rotation are kept.
        model: a feed-forward style (name, path or :class:`FastStyle`), an AdaIN decoder
            (``"adain"`` or :class:`ArbitraryStyle`, with ``style`` images), or ``None`` with
            ``optimize`` and ``style`` images for Gatys et al.'s optimisation (slow).
        temporal: ``"flow"`` (blend along the optical flow: no flicker) or ``"off"``.
        temporal_weight: share of the warped previous output kept where the flow is reliable.
        start, end: the part to stylise, in seconds.
        size: long side of the output; ``None`` keeps the clip's size.
        strength: fast styles: 1 = full style, 0 = the frame.
        alpha, weights, style_scale: AdaIN's controls (see :class:`ArbitraryStyle`).
        preserve_color: ``None``, ``"luminance"`` or ``"histogram"``.
        batch: frames stylised per network call.
        callback: called with each input and output frame (for inspection and benchmarks).
    """
    if temporal not in TEMPORAL:
        raise unknown_choice("temporal mode", temporal, TEMPORAL)
    if batch < 1:
        raise OptionError(f"batch must be at least 1, got {batch}")
    blender = TemporalBlend(temporal_weight) if temporal == "flow" else None
    if blender is not None:
        require_opencv()
    info = videoio.probe(source)
    wh = output_size(info, size)
    imageio.check_output_path(output, overwrite=overwrite, extensions=videoio.OUTPUT_EXTENSIONS)
    run = _frame_stylizer(
        model, style, optimize, wh, info,
        strength=strength, alpha=alpha, weights=weights,
        preserve_color=preserve_color, style_scale=style_scale,
    )  # fmt: skip
    if optimize is not None:
        batch = 1  # each frame starts from the previous result
    first = 0.0 if start is None else start
    last = info.duration if end is None else min(end, info.duration or end)
    total = max(1, round((last - first) * float(info.fps))) if info.duration else None

    began = time.perf_counter()
    network = 0.0
    count = 0
    with (
        videoio.VideoReader(source, start=start, end=end, size=wh) as reader,
        videoio.open_writer(
            output,
            size=wh,
            fps=info.fps,
            time_base=info.time_base,
            rotation=info.rotation,
            audio=reader.audio_stream,
            loop=info.loop if info.is_gif else 0,
            overwrite=overwrite,
            protect=(source,),
        ) as writer,
        tqdm(total=total, desc="stylising", unit="frame", disable=not progress) as bar,
        ThreadPoolExecutor(max_workers=1) as ahead,
    ):
        pending: list[videoio.Frame] = []

        def flush() -> None:
            nonlocal network, count
            x = torch.cat([to_tensor(f.rgb) for f in pending])
            motions: list[Future[Motion] | None] = []
            init = None
            if blender is not None:
                before = blender.last_frame
                for f in pending:  # flow runs ahead in a thread while the network works
                    motions.append(
                        None if before is None else ahead.submit(blender.motion, f.rgb, before)
                    )
                    before = f.rgb
                if optimize is not None and motions[0] is not None:
                    warped = blender.warped(motions[0].result())
                    init = None if warped is None else warped[0]
            t0 = time.perf_counter()
            y = run(x, init)
            network += time.perf_counter() - t0
            for i, f in enumerate(pending):
                yi = y[i : i + 1]
                if blender is not None:
                    job = motions[i]
                    yi = blender.blend(yi, blender.warped(None if job is None else job.result()))
                    blender.remember(f.rgb, yi)
                if callback is not None:
                    callback(count, x[i : i + 1], yi)
                writer.write(to_frame(yi), f.time, f.duration)
                count += 1
                bar.update(1)
            writer.write_audio(reader.take_audio(), reader.offset or 0.0)
            pending.clear()

        for frame in reader:
            pending.append(frame)
            if len(pending) >= batch:
                flush()
        if pending:
            flush()
        writer.write_audio(reader.take_audio(), reader.offset or 0.0)
    if total is not None and count < 0.95 * total and total - count >= 2:
        warnings.warn(
            f"{Path(source).name}: the clip ended early ({count} of the {total} frames its "
            f"header announces could be read; is it truncated?); wrote {count} frames",
            stacklevel=2,
        )
    return VideoResult(
        path=Path(output),
        frames=count,
        seconds=time.perf_counter() - began,
        network_seconds=network,
        size=wh,
        audio=writer.audio_seconds > 0,
        skipped=reader.skipped,
    )


def _frame_stylizer(
    model: FastStyle | ArbitraryStyle | str | None,
    style: ImageLike | Sequence[ImageLike] | None,
    optimize: OptimizeConfig | None,
    size: tuple[int, int],
    info: videoio.VideoInfo,
    **options: Any,
) -> FrameStylizer:
    from brushwork.pipelines.loader import load

    styles: list[ImageLike] = []
    if isinstance(style, str | os.PathLike | Image.Image):
        styles = [style]
    elif style is not None:
        styles = list(style)
    if optimize is not None:
        if model is not None:
            raise OptionError("optimisation takes style images, not a model")
        if not styles:
            raise OptionError("optimisation needs style images (style=...)")
        mode = options["preserve_color"] or optimize.preserve_color
        return optimize_frames(styles, replace(optimize, preserve_color=mode))
    if model is None:
        raise OptionError("give a model (a style name, 'adain' with style images) or optimize=")
    if isinstance(model, str | os.PathLike):
        loaded = load(model)
        if not isinstance(loaded, FastStyle | ArbitraryStyle):
            raise OptionError(f"{model} is not a style model")
        model = loaded
    if isinstance(model, ArbitraryStyle):
        if not styles:
            raise OptionError(
                f"{model.name} is an any-style model ({model.title}): give style images (style=...)"
            )
        return adain_frames(
            model,
            styles,
            size=size,
            alpha=options["alpha"],
            weights=options["weights"],
            preserve_color=options["preserve_color"],
            style_scale=options["style_scale"],
        )
    if styles:
        raise OptionError(f"{model.name} is a trained style: it takes no style images")
    model.job_pixels = size[0] * size[1] * max(info.frames, 1)
    return fast_frames(
        model, strength=options["strength"], preserve_color=options["preserve_color"]
    )
