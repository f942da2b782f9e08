"""Reading and writing videos and animated GIFs, one frame at a time.

Videos go through PyAV (FFmpeg bundled in its wheel, no system ffmpeg needed); animated GIFs
through Pillow, which keeps each frame's delay and the loop count. Frames cross this module as
(H, W, 3) uint8 RGB arrays with their presentation time and duration in seconds, in the order
they are shown.

A reader streams: it decodes one packet at a time and holds the audio packets it meets until the
writer takes them, so memory stays at a few frames however long the clip. A writer keeps the
frame timing (each frame's time, so variable frame rates survive), the rotation metadata and the
audio stream (copied untouched where the output format takes its codec, re-encoded otherwise),
and writes to a temporary file beside the target that is moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from brushwork.errors import ImageError, OptionError
from brushwork.files import atomic_path
from brushwork.image import MIN_SIDE, check_input_file, check_output_path

#: Output extension -> (FFmpeg muxer, video codec, pixel format); ``.gif`` is written by Pillow.
FORMATS: dict[str, tuple[str, str, str]] = {
    ".mp4": ("mp4", "libx264", "yuv420p"),
    ".m4v": ("mp4", "libx264", "yuv420p"),
    ".mov": ("mov", "libx264", "yuv420p"),
    ".mkv": ("matroska", "libx264", "yuv420p"),
    ".webm": ("webm", "libvpx-vp9", "yuv420p"),
}
OUTPUT_EXTENSIONS = (*FORMATS, ".gif")
#: Encoder settings: visually lossless H.264 (x264 CRF 18, preset fast), VP9 constant quality.
CODEC_OPTIONS: dict[str, dict[str, str]] = {
    "libx264": {"crf": "18", "preset": "fast"},
    "libvpx-vp9": {"crf": "30", "b": "0", "row-mt": "1", "deadline": "good", "cpu-used": "4"},
}
#: FFmpeg demuxers of still images: such a file is a picture, not a video.
_IMAGE_DEMUXERS = ("image2", "_pipe", "webp", "apng")
#: Largest frame brushwork reads (8K UHD).
MAX_FRAME_PIXELS = 7680 * 4320
#: GIF frame delays are in hundredths of a second; browsers treat shorter delays as 0.1 s.
GIF_MIN_DELAY = 0.02


@dataclass(frozen=True)
class VideoInfo:
    """What a clip holds, read from its header and first frame."""

    path: Path
    width: int
    height: int
    #: average frame rate (frames per second)
    fps: Fraction
    #: frame count (from the container, or duration x rate when it does not say)
    frames: int
    #: seconds
    duration: float
    #: display rotation in degrees counter-clockwise (from the container's display matrix)
    rotation: int = 0
    #: audio codec name, ``None`` without sound
    audio: str | None = None
    #: GIF loop count (0 = forever), ``None`` for videos and GIFs that play once
    loop: int | None = None
    is_gif: bool = False
    #: the video stream's time base (a writer uses it, so frame times stay exact)
    time_base: Fraction = Fraction(1, 90_000)


@dataclass
class Frame:
    """One decoded frame: RGB pixels and when it is shown."""

    rgb: np.ndarray
    #: seconds since the first frame of the clip (or of the part read)
    time: float
    duration: float


def _open_container(path: Path) -> Any:
    import av

    check_input_file(path, "a video")
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise ImageError(f"{path}: not a video file FFmpeg can read ({_reason(exc)})") from None
    name = container.format.name
    if any(part in name for part in _IMAGE_DEMUXERS):
        container.close()
        raise ImageError(f"{path}: is a still image, not a video; use brushwork stylize")
    if not container.streams.video:
        container.close()
        raise ImageError(f"{path}: has no video (no video stream, or one without frames)")
    return container


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip().rstrip(".")


def _is_gif(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(6) in (b"GIF87a", b"GIF89a")


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Read a clip's size, rate, length, rotation and audio without decoding it all.

    Raises:
        ImageError: no such file, not a video, no video stream, no frames, or frames too large.
    """
    p = Path(path)
    if p.is_file() and p.stat().st_size and _is_gif(p):
        return _probe_gif(p)
    with contextlib.closing(_open_container(p)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate or Fraction(25)
        first = _first_frame(container, stream, p)
        duration = _duration(container, stream)
        frames = int(stream.frames) or max(1, round(duration * float(rate)))
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else None
        info = VideoInfo(
            path=p,
            width=first.width,
            height=first.height,
            fps=Fraction(rate),
            frames=frames,
            duration=duration,
            rotation=round(first.rotation or 0) % 360,
            audio=audio,
            time_base=Fraction(stream.time_base or Fraction(1, 90_000)),
        )
    _check_frame_size(info)
    return info


def _first_frame(container: Any, stream: Any, path: Path) -> Any:
    import av

    try:
        for packet in container.demux(stream):
            try:
                for frame in packet.decode():
                    return frame
            except av.error.InvalidDataError:
                continue
    except av.error.FFmpegError as exc:
        raise ImageError(f"{path}: cannot read the video ({_reason(exc)})") from None
    raise ImageError(f"{path}: the video stream has no frames")


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000
    return 0.0


def _check_frame_size(info: VideoInfo) -> None:
    w, h = info.width, info.height
    if w * h > MAX_FRAME_PIXELS:
        raise ImageError(
            f"{info.path}: frames are {w}x{h}, over the limit of {MAX_FRAME_PIXELS / 1e6:.0f} MP; "
            "scale the clip down first"
        )
    if min(w, h) < MIN_SIDE:
        raise ImageError(f"{info.path}: frames are {w}x{h}, smaller than {MIN_SIDE} px on a side")


def _probe_gif(path: Path) -> VideoInfo:
    """A GIF's size and loop from its header, its frames and delays from FFmpeg's demuxer:
    nothing is decoded, so a GIF of thousands of frames is measured in milliseconds."""
    import av

    try:
        with Image.open(path) as img:  # the header: size and loop count
            loop = img.info.get("loop")
            size = img.size
        delays = []
        with contextlib.closing(av.open(str(path), format="gif")) as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.size and packet.duration is not None and packet.time_base:
                    delay = float(packet.duration * packet.time_base)
                    delays.append(delay if delay >= GIF_MIN_DELAY else 0.1)
                elif packet.size:
                    delays.append(0.1)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, av.error.FFmpegError) as e:
        raise ImageError(f"{path}: cannot read the GIF, it is corrupt or truncated ({e})") from None
    if not delays:
        raise ImageError(f"{path}: cannot read the GIF, it has no frames")
    n, duration = len(delays), sum(delays)
    info = VideoInfo(
        path=path,
        width=size[0],
        height=size[1],
        fps=Fraction(n / duration).limit_denominator(1000) if duration else Fraction(10),
        frames=n,
        duration=duration,
        loop=loop,
        is_gif=True,
        time_base=Fraction(1, 1000),
    )
    _check_frame_size(info)
    return info


def _gif_delay(frame: Image.Image) -> float:
    """A GIF frame's delay in seconds (browsers show a missing or tiny delay as 0.1 s)."""
    ms = frame.info.get("duration") or 0
    return ms / 1000 if ms / 1000 >= GIF_MIN_DELAY else 0.1


class VideoReader:
    """Decode a clip (or the part from ``start`` to ``end`` seconds) frame by frame.

    Example:
        >>> with VideoReader("clip.mp4", start=2.0) as reader:  # doctest: +SKIP
        ...     for frame in reader:
        ...         ...  # frame.rgb, frame.time; reader.take_audio() for the writer
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        start: float | None = None,
        end: float | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.info = probe(path)
        self.start = 0.0 if start is None else float(start)
        self.end = math.inf if end is None else float(end)
        if self.start < 0 or self.end <= self.start:
            raise OptionError(f"the part to read must have start >= 0 and end > start, got "
                              f"{start}-{end}")  # fmt: skip
        if self.info.duration and self.start >= self.info.duration:
            raise OptionError(
                f"--start {self.start:g} s is after the end of {self.info.path.name} "
                f"({self.info.duration:.2f} s)"
            )
        #: output frame size (width, height); the frames are scaled to it while decoding
        self.size = size or (self.info.width, self.info.height)
        #: audio packets met while decoding, waiting for the writer (:meth:`take_audio`)
        self._audio: list[Any] = []
        #: packets that failed to decode (their frames are skipped)
        self.skipped = 0
        self._container: Any = None
        #: the time (seconds) that becomes 0 in the output: the first frame read
        self.offset: float | None = None

    def __enter__(self) -> VideoReader:
        if not self.info.is_gif:
            self._container = _open_container(self.info.path)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    @property
    def audio_stream(self) -> Any:
        """The input's first audio stream (``None`` without sound or for a GIF)."""
        if self._container is None or not self._container.streams.audio:
            return None
        return self._container.streams.audio[0]

    def take_audio(self) -> list[Any]:
        """The audio packets read so far and not yet taken (in the input's time base)."""
        out, self._audio = self._audio, []
        return out

    def __iter__(self) -> Iterator[Frame]:
        if self.info.is_gif:
            yield from self._gif_frames()
        else:
            yield from self._video_frames()

    def _keep(self, t: float) -> bool:
        return self.start - 1e-6 <= t < self.end

    def _rgb(self, frame: Any) -> np.ndarray:
        w, h = self.size
        if (w, h) == (frame.width, frame.height):
            return np.asarray(frame.to_ndarray(format="rgb24"))
        return np.asarray(frame.to_ndarray(width=w, height=h, format="rgb24", interpolation="AREA"))

    def _video_frames(self) -> Iterator[Frame]:
        fallback = 1.0 / float(self.info.fps)
        pending: Frame | None = None  # held back one frame to learn its duration
        for t, frame in self._decoded():
            if pending is not None and t <= pending.time:
                continue
            if frame.is_corrupt:
                warnings.warn(
                    f"{self.info.path.name}: frame at {t:.2f} s decoded with errors",
                    stacklevel=3,
                )
            if pending is not None:
                yield self._timed(pending, t)
            pending = Frame(self._rgb(frame), t, fallback)
        if pending is not None:
            end = min(self.end, self.info.duration) if self.info.duration else math.inf
            yield self._timed(pending, end, last=True)
        if self.offset is None:
            raise ImageError(
                f"{self.info.path}: no frames between {self.start:g} s and "
                f"{'the end' if math.isinf(self.end) else f'{self.end:g} s'}"
            )

    def _decoded(self) -> Iterator[tuple[float, Any]]:
        """(time, frame) for each frame of the part read, in display order; a packet that fails
        to decode is skipped with a warning (the frame before it is shown longer), and the
        audio packets of the part are set aside on the way."""
        import av

        c = self._container
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        audio = self.audio_stream
        if self.start > 0:
            c.seek(int(self.start * 1_000_000), backward=True)
        done = False  # the video has passed the end; only sound may still be wanted
        try:
            for packet in c.demux(*([stream] + ([audio] if audio is not None else []))):
                if packet.pts is None and packet.stream.type == "audio":
                    continue
                if packet.stream.type == "audio":
                    t = float(packet.pts * packet.time_base)
                    if t >= self.end and done:
                        return
                    if self._keep(t):
                        self._audio.append(packet)
                    continue
                if done:
                    if audio is None:
                        return
                    continue
                try:
                    decoded = list(packet.decode())
                except av.error.InvalidDataError:
                    self.skipped += 1
                    warnings.warn(
                        f"{self.info.path.name}: skipped a corrupt frame"
                        + (
                            f" near {float(packet.pts * packet.time_base):.2f} s"
                            if packet.pts
                            else ""
                        ),
                        stacklevel=4,
                    )
                    continue
                for frame in decoded:
                    if frame.pts is None:
                        continue
                    t = float(frame.pts * frame.time_base)
                    if t >= self.end:
                        done = True
                    elif t >= self.start - 1e-6:
                        yield t, frame
        except av.error.FFmpegError as exc:
            raise ImageError(f"{self.info.path}: cannot read the video ({_reason(exc)})") from None

    def _timed(self, frame: Frame, next_time: float, last: bool = False) -> Frame:
        """``frame`` with its duration set from the next frame's time, shifted to the output."""
        if self.offset is None:
            self.offset = frame.time
        duration = next_time - frame.time
        if duration <= 0 or (last and duration > 2 * frame.duration):
            duration = frame.duration
        return Frame(frame.rgb, frame.time - self.offset, duration)

    def _gif_frames(self) -> Iterator[Frame]:
        t = 0.0
        try:
            with Image.open(self.info.path) as img:
                for frame in ImageSequence.Iterator(img):
                    delay = _gif_delay(frame)
                    if self._keep(t):
                        if self.offset is None:
                            self.offset = t
                        rgb = frame.convert("RGBA")
                        background = Image.new("RGBA", rgb.size, (255, 255, 255, 255))
                        rgb = Image.alpha_composite(background, rgb).convert("RGB")
                        if rgb.size != self.size:
                            rgb = rgb.resize(self.size, Image.Resampling.LANCZOS)
                        yield Frame(np.asarray(rgb), t - self.offset, delay)
                    t += delay
                    if t >= self.end:
                        break
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"{self.info.path}: cannot read the GIF ({exc})") from None
        if self.offset is None:
            raise ImageError(f"{self.info.path}: no frames between {self.start:g} s and the end")


@dataclass
class VideoWriter:
    """Encode frames into a temporary file; :func:`open_writer` moves it into place.

    Args:
        path: the temporary file to write.
        ext: the output's extension (picks the format and codec).
        size: frame size (width, height); even for the YUV 4:2:0 formats.
        fps: the nominal frame rate (each frame's own time is kept).
        time_base: frame times are rounded to multiples of this (the input's, to keep them exact).
        rotation: display rotation to record (GIF frames are turned upright instead).
        audio: the input's audio stream to carry over, or ``None``.
        loop: GIF loop count (0 = forever).
    """

    path: Path
    ext: str
    size: tuple[int, int]
    fps: Fraction
    time_base: Fraction = Fraction(1, 90_000)
    rotation: int = 0
    audio: Any = None
    loop: int | None = 0
    frames: int = 0
    #: seconds of sound written
    audio_seconds: float = 0.0
    _gif: list[Image.Image] = field(default_factory=list)
    _container: Any = None
    _stream: Any = None
    _audio_out: Any = None
    _audio_copy: bool = True
    _audio_offset: float = 0.0

    def __post_init__(self) -> None:
        if self.ext == ".gif":
            return
        import av

        muxer, codec, pix_fmt = FORMATS[self.ext]
        self._container = av.open(str(self.path), "w", format=muxer)
        s = self._container.add_stream(codec, rate=self.fps, options=CODEC_OPTIONS.get(codec, {}))
        s.width, s.height = self.size
        s.pix_fmt = pix_fmt
        # each frame keeps its own time (variable frame rates survive)
        s.codec_context.time_base = self.time_base
        if self.rotation:
            s.set_display_rotation(self.rotation)
        self._stream = s
        if self.audio is not None:
            name = self.audio.codec_context.name
            if name in self._container.supported_codecs:
                self._audio_out = self._container.add_stream_from_template(self.audio)
            else:  # e.g. AAC into WebM: re-encode to the format's own audio codec
                default = self._container.default_audio_codec
                codec_name = {"opus": "libopus"}.get(default, default)
                rate = 48_000 if codec_name == "libopus" else self.audio.codec_context.sample_rate
                self._audio_out = self._container.add_stream(codec_name, rate=rate)
                self._audio_out.layout = self.audio.codec_context.layout.name
                self._audio_copy = False

    def write(self, rgb: np.ndarray, time: float, duration: float) -> None:
        """Add one frame shown at ``time`` seconds for ``duration`` seconds."""
        if self.ext == ".gif":
            img = Image.fromarray(_upright(rgb, self.rotation))
            # GIF delays are in centiseconds: round the frame's start and end, not its length,
            # so rounding errors do not add up over the clip
            cs = round((time + duration) * 100) - round(time * 100)
            img.info["duration"] = 10 * max(cs, 2)
            self._gif.append(img)
            self.frames += 1
            return
        import av

        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = round(time / self.time_base)
        frame.time_base = self.time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def write_audio(self, packets: list[Any], offset: float) -> None:
        """Add the input's audio ``packets``, shifted ``offset`` seconds earlier."""
        if self._audio_out is None:
            return
        for packet in packets:
            tb = packet.time_base
            shift = round(offset / tb)
            if self._audio_copy:
                if packet.dts is None:
                    continue
                packet.pts -= shift
                packet.dts -= shift
                if packet.pts < 0:
                    continue
                self.audio_seconds = max(
                    self.audio_seconds, float((packet.pts + (packet.duration or 0)) * tb)
                )
                packet.stream = self._audio_out
                self._container.mux(packet)
            else:
                for frame in packet.decode():
                    frame.pts = None
                    self.audio_seconds += frame.samples / frame.sample_rate
                    for out in self._audio_out.encode(frame):
                        self._container.mux(out)

    def close(self) -> None:
        """Flush the encoders and finish the file."""
        if self.ext == ".gif":
            self._save_gif()
            return
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        if self._audio_out is not None and not self._audio_copy:
            for packet in self._audio_out.encode(None):
                self._container.mux(packet)
        self._container.close()

    def abort(self) -> None:
        """Close without finishing (the temporary file is removed by the caller)."""
        if self._container is not None:
            with contextlib.suppress(Exception):
                self._container.close()

    def _save_gif(self) -> None:
        """All frames with one palette, taken from up to 16 frames spread over the clip, so
        colours do not flicker from frame to frame."""
        if not self._gif:
            raise ImageError("no frames to write")
        picks = self._gif[:: max(1, len(self._gif) // 16)][:16]
        w, h = picks[0].size
        sheet = Image.new("RGB", (w, h * len(picks)))
        for i, f in enumerate(picks):
            sheet.paste(f, (0, h * i))
        palette = sheet.quantize(255, method=Image.Quantize.MEDIANCUT)
        frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in self._gif]
        for f, src in zip(frames, self._gif, strict=True):
            f.info["duration"] = src.info["duration"]
        extra: dict[str, Any] = {} if self.loop is None else {"loop": self.loop}
        frames[0].save(
            self.path,
            format="GIF",
            save_all=True,
            append_images=frames[1:],
            duration=[f.info["duration"] for f in frames],
            optimize=False,
            disposal=1,
            **extra,
        )


def _upright(rgb: np.ndarray, rotation: int) -> np.ndarray:
    """Frame pixels turned by the display rotation (formats without rotation metadata)."""
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=k)) if k else rgb


@contextlib.contextmanager
def open_writer(
    path: str | os.PathLike[str],
    *,
    size: tuple[int, int],
    fps: Fraction,
    time_base: Fraction = Fraction(1, 90_000),
    rotation: int = 0,
    audio: Any = None,
    loop: int | None = 0,
    overwrite: bool = False,
    protect: tuple[str | os.PathLike[str], ...] = (),
) -> Iterator[VideoWriter]:
    """A :class:`VideoWriter` on a temporary file that replaces ``path`` only on success.

    An error or Ctrl-C inside the ``with`` block removes the temporary file and leaves any
    existing ``path`` untouched.
    """
    p = check_output_path(path, overwrite=overwrite, extensions=OUTPUT_EXTENSIONS)
    ext = p.suffix.lower()
    for q in protect:
        if Path(q).exists() and p.exists() and p.resolve() == Path(q).resolve():
            raise ImageError(f"{p}: is an input file; choose another output path")
    if ext != ".gif" and (size[0] % 2 or size[1] % 2):
        raise OptionError(f"{ext} video needs an even width and height, got {size[0]}x{size[1]}")
    with atomic_path(p) as tmp:
        writer = VideoWriter(tmp, ext, size, fps, time_base, rotation, audio, loop)
        try:
            yield writer
        except BaseException:
            writer.abort()
            raise
        writer.close()


def even_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` rounded down to even sides (YUV 4:2:0 needs them)."""
    return (max(2, size[0] - size[0] % 2), max(2, size[1] - size[1] % 2))
