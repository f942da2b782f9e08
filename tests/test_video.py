"""Video and GIF files: timing, sound, rotation and loops survive a round trip through the reader
and writer; every bad input is one clear error; output appears only when complete."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageSequence

from brushwork import video
from brushwork.errors import ImageError, OptionError, OutputExistsError


def copy(src: Path, dst: Path, **read: object) -> video.VideoInfo:
    """Read ``src`` (options ``read``) and write every frame and the sound to ``dst``."""
    info = video.probe(src)
    with (
        video.VideoReader(src, **read) as reader,  # type: ignore[arg-type]
        video.open_writer(dst, size=reader.size, fps=info.fps, time_base=info.time_base,
                          rotation=info.rotation, audio=reader.audio_stream,
                          loop=info.loop if info.is_gif else 0, overwrite=True) as writer,
    ):  # fmt: skip
        for frame in reader:
            writer.write(frame.rgb, frame.time, frame.duration)
            writer.write_audio(reader.take_audio(), reader.offset or 0.0)
        writer.write_audio(reader.take_audio(), reader.offset or 0.0)
    return video.probe(dst)


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as c:
        s = c.streams.audio[0]
        return float(sum(p.duration or 0 for p in c.demux(s)) * s.time_base)


def frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as c:
        return [float(f.time) for f in c.decode(video=0)]


def test_probe_reads_the_clips(data: Path) -> None:
    bunny = video.probe(data / "video/big_buck_bunny_cut.mp4")
    assert (bunny.width, bunny.height, bunny.fps, bunny.frames) == (640, 360, 24, 240)
    assert bunny.duration == pytest.approx(10.0) and bunny.audio == "aac"
    fox = video.probe(data / "video/fox.mp4")
    assert fox.fps == Fraction(2997, 100) and fox.audio is None and fox.frames == 420


def test_a_part_keeps_frame_count_rate_duration_and_sound(data: Path, tmp_path: Path) -> None:
    src = data / "video/big_buck_bunny_cut.mp4"
    out = copy(src, tmp_path / "part.mp4", start=2.0, end=4.0, size=(320, 180))
    assert (out.width, out.height, out.fps, out.frames) == (320, 180, 24, 48)
    assert out.duration == pytest.approx(2.0, abs=1e-3)
    assert out.audio == "aac"
    assert audio_seconds(tmp_path / "part.mp4") == pytest.approx(2.0, abs=0.05)
    times = frame_times(tmp_path / "part.mp4")
    assert times[0] == 0.0 and np.allclose(np.diff(times), 1 / 24)


def test_whole_clip_at_an_odd_rate_keeps_its_timing(data: Path, tmp_path: Path) -> None:
    src = data / "video/fox.mp4"
    out = copy(src, tmp_path / "fox.mp4", end=2.0, size=(160, 160))
    assert out.fps == Fraction(2997, 100) and out.frames == 60 and out.audio is None
    assert out.duration == pytest.approx(60 * 100 / 2997, abs=1e-3)


def test_webm_reencodes_the_sound_it_cannot_copy(data: Path, tmp_path: Path) -> None:
    out = copy(data / "video/big_buck_bunny_cut.mp4", tmp_path / "o.webm", end=1.0, size=(160, 90))
    assert out.audio == "opus" and out.frames in (24, 25)  # webm stores no frame count
    assert len(frame_times(tmp_path / "o.webm")) == 24


def make_gif(path: Path, delays: list[int], loop: int | None) -> None:
    frames = [
        Image.new("RGB", (40, 30), (60 * i % 256, 90, 200 - 40 * i)) for i in range(len(delays))
    ]
    extra = {} if loop is None else {"loop": loop}
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=delays, **extra)


def test_gif_round_trip_keeps_frames_timing_and_loop(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.gif", tmp_path / "out.gif"
    make_gif(src, [40, 60, 100, 200, 50], loop=3)
    info = video.probe(src)
    assert info.is_gif and info.frames == 5 and info.loop == 3
    assert info.duration == pytest.approx(0.45)
    out = copy(src, dst)
    assert out.frames == 5 and out.loop == 3 and out.duration == pytest.approx(0.45)
    with Image.open(dst) as img:
        assert [f.info["duration"] for f in ImageSequence.Iterator(img)] == [40, 60, 100, 200, 50]
    make_gif(src, [100, 100], loop=None)  # plays once: no loop block written back
    assert copy(src, dst).loop is None


def test_video_to_gif_rounds_delays_without_drift(data: Path, tmp_path: Path) -> None:
    out = copy(data / "video/fox.mp4", tmp_path / "fox.gif", end=2.0, size=(64, 64))
    assert out.frames == 60 and out.duration == pytest.approx(2.0, abs=0.011)


def test_rotation_metadata_is_kept(tmp_path: Path) -> None:
    src = tmp_path / "rotated.mp4"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.set_display_rotation(90)
        for i in range(6):
            frame = av.VideoFrame.from_ndarray(
                np.full((48, 64, 3), 30 * i, np.uint8), format="rgb24"
            )
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    assert video.probe(src).rotation == 90
    out = copy(src, tmp_path / "out.mp4")
    assert out.rotation == 90 and (out.width, out.height) == (64, 48)
    gif = copy(src, tmp_path / "out.gif")  # GIF has no rotation field: frames are turned
    assert (gif.width, gif.height) == (48, 64)


def test_bad_inputs_are_clear_errors(data: Path, tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 50)
    with pytest.raises(ImageError, match="not a video file"):
        video.probe(text)
    with pytest.raises(ImageError, match="still image"):
        video.probe(data / "style/starry_night.jpg")
    with pytest.raises(ImageError, match="no such file"):
        video.probe(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        video.probe(empty)
    src = data / "video/big_buck_bunny_cut.mp4"
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(src.read_bytes()[: src.stat().st_size // 3])
    with pytest.raises(ImageError):
        video.probe(truncated)
    with pytest.raises(OptionError, match="after the end"):
        video.VideoReader(src, start=12.0)


def test_a_file_with_only_sound_has_no_video_stream(data: Path, tmp_path: Path) -> None:
    sound = tmp_path / "sound.m4a"
    with av.open(str(data / "video/big_buck_bunny_cut.mp4")) as c, av.open(str(sound), "w") as o:
        out = o.add_stream_from_template(c.streams.audio[0])
        for packet in c.demux(c.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = out
                o.mux(packet)
    with pytest.raises(ImageError, match="no video"):
        video.probe(sound)


def test_a_clip_with_no_frames_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "zero.mp4"
    with av.open(str(src), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        c.start_encoding()  # the header, then no frames
    assert src.stat().st_size > 0
    with pytest.raises(ImageError, match=r"no video|without frames|no frames"):
        video.probe(src)


def test_a_corrupt_frame_is_skipped_with_a_warning(data: Path, tmp_path: Path) -> None:
    raw = bytearray((data / "video/big_buck_bunny_cut.mp4").read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 3000] = bytes((b * 7 + 13) % 256 for b in raw[middle : middle + 3000])
    src = tmp_path / "corrupt.mp4"
    src.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="corrupt"):
        out = copy(src, tmp_path / "out.mp4", size=(160, 90))
    assert 230 <= out.frames <= 240 and out.duration == pytest.approx(10.0, abs=0.05)


def test_unsupported_extension_and_existing_output(tmp_path: Path) -> None:
    with (
        pytest.raises(ImageError, match=r"unknown output format '\.avi'"),
        video.open_writer(tmp_path / "o.avi", size=(64, 48), fps=Fraction(24)),
    ):
        pass
    existing = tmp_path / "o.mp4"
    existing.write_bytes(b"mine")
    with (
        pytest.raises(OutputExistsError),
        video.open_writer(existing, size=(64, 48), fps=Fraction(24)),
    ):
        pass
    with (
        pytest.raises(OptionError, match="even"),
        video.open_writer(tmp_path / "odd.mp4", size=(63, 48), fps=Fraction(24)),
    ):
        pass


def test_interrupted_writing_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "o.mp4"
    out.write_bytes(b"the user's file")
    with (
        pytest.raises(KeyboardInterrupt),
        video.open_writer(out, size=(64, 48), fps=Fraction(24), overwrite=True) as w,
    ):
        w.write(np.zeros((48, 64, 3), np.uint8), 0.0, 1 / 24)
        raise KeyboardInterrupt
    assert out.read_bytes() == b"the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.mp4"]
