"""The web handlers called directly: upload checks, option checks and real runs on real files."""

from __future__ import annotations

import shutil
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork import methods
from brushwork import video as videoio
from brushwork.web import handlers
from brushwork.web.catalogue import catalogue, painting
from brushwork.web.handlers import Limits, StyleOptions
from brushwork.web.jobs import Job, JobQueue, RequestError


def status_of(fn, *args, **kwargs) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(RequestError) as err:
        fn(*args, **kwargs)
    return err.value.status, str(err.value)


@pytest.fixture
def queue(tmp_path: Path) -> JobQueue:
    return JobQueue(tmp_path / "jobs")


@pytest.fixture
def photo(data: Path, queue: JobQueue) -> tuple[Job, Path]:
    """A job holding an upload of a real photo, resized to 256 px."""
    job = queue.new("photo")
    path = job.folder / "photo.png"
    img = imageio.load(data / "content/tubingen.jpg").rgb
    imageio.resize(img, imageio.size_for_long_side(img.size, 256)).save(path)
    return job, path


def png_header(width: int, height: int) -> bytes:
    """A PNG claiming ``width`` x ``height`` with a few bytes of pixel data (a bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_catalogue_lists_every_bundled_painting_with_a_thumbnail() -> None:
    styles = catalogue()
    assert len(styles) == 10
    assert list(styles)[:3] == ["starry_night", "the_scream", "great_wave"]
    star = styles["starry_night"]
    assert (
        star.model == "starry_night" and star.multi == "paintings"
    )  # own net, blends in the multi
    assert styles["night_cafe"].model == "paintings"  # only in the multi-style net
    assert star.title == "Vincent van Gogh, The Starry Night (1889)"
    for p in styles.values():
        with Image.open(p.painting) as img:
            assert max(img.size) == 640
    assert [s["name"] for s in handlers.styles()] == list(styles)


def test_upload_checks_read_bytes_and_header_only(tmp_path: Path, data: Path) -> None:
    limits = Limits(upload_bytes=100_000, pixels=1_000_000)
    text = tmp_path / "notes.png"
    text.write_text("not an image at all")
    assert status_of(handlers.check_image, text, limits)[0] == 415
    empty = tmp_path / "empty.png"
    empty.touch()
    assert status_of(handlers.check_image, empty, limits) == (400, "the image is empty")
    big = tmp_path / "big.jpg"
    shutil.copy(data / "content/tubingen.jpg", big)  # 406531 bytes
    code, msg = status_of(handlers.check_image, big, limits, "photo")
    assert code == 413 and msg == "the photo is 0.388 MB, over this server's limit of 0.0954 MB"
    # headers claiming many pixels, without the pixels: refused from the header alone
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header(5000, 5000))
    code, msg = status_of(handlers.check_image, bomb, limits)
    assert code == 413 and "5000x5000 = 25 MP, over this server's limit of 1 MP" in msg
    bomb.write_bytes(png_header(50_000, 50_000))  # over Pillow's own decompression-bomb limit
    code, msg = status_of(handlers.check_image, bomb, limits)
    assert code == 413 and "far more pixels than this server's limit of 1 MP" in msg
    ok = tmp_path / "ok.png"
    Image.new("RGB", (40, 30)).save(ok)
    assert handlers.check_image(ok, limits) == (40, 30)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (8, 8)).save(tiny)
    assert status_of(handlers.check_image, tiny, limits)[0] == 400


def test_upload_names_never_take_a_path_from_the_client() -> None:
    assert handlers.upload_name("photo", "../../etc/passwd", handlers.IMAGE_SUFFIXES) == "photo.bin"
    assert (
        handlers.upload_name("photo", "/tmp/x/My Cat.JPG", handlers.IMAGE_SUFFIXES) == "photo.jpg"
    )
    assert handlers.upload_name("clip", None, handlers.VIDEO_SUFFIXES) == "clip.bin"


def test_clip_checks(tmp_path: Path, data: Path) -> None:
    clip = data / "video/sintel_ambush_4.mp4"
    assert handlers.check_clip(clip, Limits()).frames == 33
    code, msg = status_of(handlers.check_clip, clip, Limits(video_seconds=1.0))
    assert code == 413 and "the video is 1.4 s long, over this server's limit of 1 s" in msg
    still = data / "content/tubingen.jpg"
    code, msg = status_of(handlers.check_clip, still, Limits())
    assert code == 415 and msg.startswith("the video cannot be used: is a still image")


def test_option_checks() -> None:
    limits = Limits()
    check = handlers.check_options
    assert check(StyleOptions(style="udnie"), limits).method == "fast"
    assert check(StyleOptions(style_image=Path("s.png")), limits).method == "linear"
    code, msg = status_of(check, StyleOptions(style="udnei"), limits)
    assert code == 404 and "Did you mean 'udnie'?" in msg
    assert status_of(check, StyleOptions(), limits)[0] == 400
    assert (
        "fast style must be one of the bundled"
        in status_of(check, StyleOptions(method="fast", style_image=Path("s.png")), limits)[1]
    )
    assert status_of(check, StyleOptions(style="udnie", method="paint"), limits)[0] == 400
    assert (
        "between 0 and 1, got 1.5"
        in status_of(check, StyleOptions(style="udnie", strength=1.5), limits)[1]
    )
    assert (
        "between 16 and 1024, got 2048"
        in status_of(check, StyleOptions(style="udnie", method="optimize", size=2048), limits)[1]
    )
    assert (
        status_of(check, StyleOptions(style="udnie", method="optimize", steps=5000), limits)[0]
        == 400
    )
    assert (
        status_of(check, StyleOptions(style="udnie", method="optimize"), limits, video=True)[0]
        == 400
    )
    assert status_of(check, StyleOptions(style="udnie", preserve_color="sepia"), limits)[0] == 400
    assert check(StyleOptions(style="udnie", blend_with="night_cafe"), limits).method == "fast"
    # a refine follows a one-pass method on a photo, at most the optimisation's size
    refined = check(StyleOptions(style="udnie", refine=20), limits)
    assert refined.method == "fast" and refined.size == 512
    for bad, video in (
        (StyleOptions(style="udnie", method="optimize", refine=5), False),
        (StyleOptions(style="udnie", refine=5), True),
        (StyleOptions(style="udnie", refine=5000), False),
        (StyleOptions(style="udnie", refine=5, size=2048), False),
    ):
        assert status_of(check, bad, limits, video=video)[0] == 400, bad
    assert check(StyleOptions(style_image=Path("s.png"), method="wct"), limits).method == "wct"


def test_fast_style_result_is_the_pipelines_and_uploads_are_deleted(
    queue: JobQueue, photo: tuple[Job, Path]
) -> None:
    job, path = photo
    expected = np.asarray(bw.load("great_wave")(path), dtype=np.float32)
    options = handlers.check_options(StyleOptions(style="great_wave"), Limits())
    out = handlers.stylize_photo(job, path, options)
    assert out == job.folder / "result.png" and not path.exists()
    got = np.asarray(Image.open(out), dtype=np.float32)
    assert got.shape == expected.shape == (192, 256, 3)
    assert np.abs(got - expected).max() <= 1
    assert job.info["width"] == 256 and job.info["style"] == "great_wave (fast)"


def test_blend_in_the_multi_style_net(queue: JobQueue, photo: tuple[Job, Path]) -> None:
    job, path = photo
    photo_px = np.asarray(Image.open(path), dtype=np.float32)
    ms = bw.load_multi("paintings")
    expected = np.asarray(ms(path, style={"starry_night": 0.7, "udnie": 0.3}), dtype=np.float32)
    options = handlers.check_options(
        StyleOptions(style="starry_night", blend_with="udnie", blend=0.3), Limits()
    )
    got = np.asarray(Image.open(handlers.stylize_photo(job, path, options)), dtype=np.float32)
    assert np.abs(got - expected).max() <= 1
    assert np.abs(got - photo_px).mean() > 20  # painted, not the photo


def test_any_style_with_an_uploaded_painting(
    data: Path, queue: JobQueue, photo: tuple[Job, Path]
) -> None:
    job, path = photo
    own = job.folder / "style.jpg"
    shutil.copy(data / "style/mosaic.jpg", own)
    default = bw.load(methods.ANY_STYLE_DEFAULT)  # an uploaded painting without a method
    expected = np.asarray(default(path, style=data / "style/mosaic.jpg", alpha=0.8), np.float32)
    options = handlers.check_options(StyleOptions(style_image=own, strength=0.8), Limits())
    out = handlers.stylize_photo(job, path, options)
    assert not own.exists() and not path.exists()
    assert np.abs(np.asarray(Image.open(out), dtype=np.float32) - expected).max() <= 1


def test_linear_transform_with_an_uploaded_painting(
    data: Path, queue: JobQueue, photo: tuple[Job, Path]
) -> None:
    job, path = photo
    own = job.folder / "style.jpg"
    shutil.copy(data / "paintings/0009.jpg", own)
    expected = np.asarray(
        bw.load("linear")(path, style=data / "paintings/0009.jpg", alpha=0.7), dtype=np.float32
    )
    options = handlers.check_options(
        StyleOptions(style_image=own, method="linear", strength=0.7), Limits()
    )
    out = handlers.stylize_photo(job, path, options)
    assert np.abs(np.asarray(Image.open(out), dtype=np.float32) - expected).max() <= 1
    assert job.info["style"] == "your style image (linear)"


def test_wct_then_refine_on_an_uploaded_painting(
    data: Path, queue: JobQueue, photo: tuple[Job, Path]
) -> None:
    job, path = photo
    own = job.folder / "style.jpg"
    shutil.copy(data / "style/mosaic.jpg", own)
    first = bw.load("wct")(path, style=data / "style/mosaic.jpg", size=64)
    options = handlers.check_options(
        StyleOptions(style_image=own, method="wct", refine=3, size=64), Limits()
    )
    out = np.asarray(Image.open(handlers.stylize_photo(job, path, options)), dtype=np.float32)
    assert out.shape == (48, 64, 3)
    # refined: changed from the one-pass picture, but still close to it (3 steps from there)
    diff = np.abs(out - np.asarray(first, dtype=np.float32)).mean()
    assert 0.2 < diff < 20


def test_optimisation_reports_each_step_and_stops_when_cancelled(
    queue: JobQueue, photo: tuple[Job, Path]
) -> None:
    job, path = photo
    seen: list[float] = []
    options = handlers.check_options(
        StyleOptions(style="the_scream", method="optimize", steps=400, size=64), Limits()
    )

    def watch(j: Job) -> Path:
        original = j.report

        def report(done: float | None, message: str | None = None) -> None:
            if done:
                seen.append(done)
            if len(seen) == 5:
                j.cancel_event.set()
            original(done, message)

        j.report = report  # type: ignore[method-assign]
        return handlers.stylize_photo(j, path, options)

    queue.wait(queue.submit(job, watch))
    assert job.state == "cancelled" and job.message == "cancelled"
    assert seen == [i / 400 for i in range(1, 6)]
    assert not path.exists() and not job.folder.exists()


def test_optimisation_runs_to_the_end(queue: JobQueue, photo: tuple[Job, Path]) -> None:
    job, path = photo
    options = handlers.check_options(
        StyleOptions(style="the_scream", method="optimize", steps=20, size=64), Limits()
    )
    queue.wait(queue.submit(job, lambda j: handlers.stylize_photo(j, path, options)))
    assert job.state == "done" and job.progress == 1.0
    assert Image.open(job.result).size == (64, 48)  # type: ignore[arg-type]


def test_upscale(queue: JobQueue, photo: tuple[Job, Path]) -> None:
    job, path = photo
    small = job.folder / "image.png"
    Image.open(path).resize((64, 48)).save(small)
    name = handlers.check_upscale(small, 4, "sharp", Limits())
    out = handlers.upscale_photo(job, small, name)
    assert Image.open(out).size == (256, 192) and not small.exists()
    assert handlers.upscale_model_name(8, "smooth") == "sr-x8-pixel"
    assert (
        status_of(handlers.upscale_model_name, 3, "sharp")[1]
        == "no upscaler for x3; choose from x4, x8"
    )
    assert status_of(handlers.upscale_model_name, 4, "crisp")[0] == 400
    job2 = queue.new("upscale")
    Image.open(path).save(job2.folder / "image.png")
    code, msg = status_of(
        handlers.check_upscale,
        job2.folder / "image.png",
        8,
        "sharp",
        Limits(upscale_pixels=10**6),
    )
    assert code == 413 and "256x192 upscaled x8 would be 2048x1536" in msg


def test_translate(queue: JobQueue, data: Path) -> None:
    listed = {t["id"]: t for t in handlers.translations()}
    assert listed["facades_labels2photo"]["from"] == "labels"
    assert listed["facades_labels2photo"]["to"] == "photo"
    assert listed["facades_cyclegan:BtoA"]["direction"] == "BtoA"
    job = queue.new("translate")
    labels = job.folder / "image.png"
    Image.open(data / "translation/facades/test/1.jpg").crop((256, 0, 512, 256)).save(labels)
    model = handlers.check_translate(labels, "facades_labels2photo", Limits())
    out = handlers.translate_photo(job, labels, model)
    assert Image.open(out).size == (256, 256) and not labels.exists()
    assert job.info["translation"] == "labels -> photo"
    code, msg = status_of(handlers.translation_choice, "facades_labels2photo:AtoB")
    assert code == 400 and "unknown translation" in msg and "facades_cyclegan:BtoA" in msg
    job2 = queue.new("translate")
    big = job2.folder / "image.png"
    Image.new("RGB", (900, 300)).save(big)
    code, msg = status_of(handlers.check_translate, big, "facades_labels2photo",
                          Limits(output_side=512))  # fmt: skip
    assert code == 413 and "up to 512 px" in msg


def test_mix(queue: JobQueue, data: Path) -> None:
    assert handlers.mix_models() == ["mnist_mixgan"]
    job = queue.new("mix")
    out = handlers.mix_digits(job, "mnist_mixgan", 20, 7)
    assert Image.open(out).size == (16 * 64, 2 * 64)  # 16 columns of 2x tiles, two rows
    assert job.info["mixtures"] == 20
    again = handlers.mix_digits(queue.new("mix"), "mnist_mixgan", 20, 7)
    assert Image.open(again).tobytes() == Image.open(out).tobytes()  # same seed, same sheet
    job2 = queue.new("mix")
    digit = job2.folder / "image.png"
    shutil.copy(data / "mixgan/mnist/02999_0.png", digit)
    pair = handlers.mix_digits(job2, "mnist_mixgan", 1, 0, digit)
    assert Image.open(pair).size == (2 * 256, 256) and not digit.exists()
    assert status_of(handlers.check_mix, "starry_night", 4, None)[0] == 400
    assert "between 1 and 1024" in status_of(handlers.check_mix, "mnist_mixgan", 0, None)[1]
    assert status_of(handlers.check_mix, "mnist_mixgan", 4, -1)[0] == 400


def test_clip_is_stylised_with_its_frames(data: Path, queue: JobQueue) -> None:
    job = queue.new("video")
    clip = job.folder / "clip.mp4"
    shutil.copy(data / "video/sintel_ambush_4.mp4", clip)
    options = handlers.check_options(
        StyleOptions(style="starry_night", size=128), Limits(), video=True
    )
    frames: list[float] = []
    lock = threading.Lock()
    original = job.report

    def report(done: float | None, message: str | None = None) -> None:
        with lock:
            frames.append(done or 0.0)
        original(done, message)

    job.report = report  # type: ignore[method-assign]
    out = handlers.stylize_clip(job, clip, handlers.check_clip(clip, Limits()), options, Limits())
    info = videoio.probe(out)
    assert out.suffix == ".mp4" and (info.width, info.height) == (128, 54)
    assert info.frames == 33 and job.info["frames"] == 33
    assert frames[-1] == 1.0 and not clip.exists()


def test_painting_lookup_errors_list_the_styles() -> None:
    from brushwork.errors import OptionError

    with pytest.raises(OptionError, match="choose from starry_night"):
        painting("van_gogh")


def test_limits_must_be_positive() -> None:
    from brushwork.errors import OptionError

    with pytest.raises(OptionError, match="the video seconds limit must be positive, got 0"):
        Limits(video_seconds=0)


def test_a_gif_comes_back_as_a_gif(data: Path, queue: JobQueue) -> None:
    job = queue.new("video")
    frames = sorted((data / "video/sintel_ambush_4").glob("*.jpg"))[:5]
    images = [imageio.resize(Image.open(f).convert("RGB"), (128, 54)) for f in frames]
    gif = job.folder / "clip.gif"
    images[0].save(gif, save_all=True, append_images=images[1:], duration=80, loop=0)
    options = handlers.check_options(StyleOptions(style="the_scream"), Limits(), video=True)
    out = handlers.stylize_clip(job, gif, handlers.check_clip(gif, Limits()), options, Limits())
    assert out.name == "result.gif" and not gif.exists()
    with Image.open(out) as result:
        assert result.n_frames == 5 and result.size == (128, 54)


def test_photorealistic_and_smoothing_options_are_checked() -> None:
    check, limits = handlers.check_options, Limits()
    real = check(StyleOptions(style_image=Path("s.png"), method="photoreal", smooth="fast"), limits)
    assert real.method == "photoreal" and real.smooth == "fast"
    assert check(StyleOptions(style="udnie", smooth="exact"), limits).smooth == "exact"
    m = Path("m.png")
    for bad, video in (
        (StyleOptions(style="udnie", smooth="blur"), False),
        (StyleOptions(style="udnie", smooth="fast"), True),
        (StyleOptions(style="udnie", method="photoreal"), True),
        (StyleOptions(style="udnie", method="photoreal", refine=3), False),
        (StyleOptions(style="udnie", method="photoreal", steps=5000), False),
        (StyleOptions(style="udnie", method="adain", content_mask=m, style_mask=m), False),
        (StyleOptions(style="udnie", method="photoreal", content_mask=m), False),
    ):
        assert status_of(check, bad, limits, video=video)[0] == 400, bad


def test_photorealistic_with_masks_then_smoothing(
    data: Path, queue: JobQueue, photo: tuple[Job, Path]
) -> None:
    job, path = photo
    own = job.folder / "style.jpg"
    imageio.save(imageio.load(data / "content/hoover_tower_night.jpg").rgb.resize((64, 64)), own)
    masks = []
    for name, side in (("cm.png", (256, 192)), ("sm.png", (64, 64))):
        m = Image.new("RGB", side, (0, 0, 0))
        m.paste(Image.new("RGB", (side[0] // 2, side[1]), (255, 255, 255)))
        m.save(job.folder / name)
        masks.append(job.folder / name)
    options = handlers.check_options(
        StyleOptions(style_image=own, method="photoreal", steps=6, size=64, smooth="fast",
                     content_mask=masks[0], style_mask=masks[1]),
        Limits(),
    )  # fmt: skip
    seen: list[str] = []
    job.report = lambda fraction, message: seen.append(message)  # type: ignore[method-assign]
    out = np.asarray(Image.open(handlers.stylize_photo(job, path, options)), dtype=np.float32)
    assert out.shape == (48, 64, 3)
    assert "step 56 of 56" in seen and "smoothing (fast)" in seen  # 6 + 50 steps, then smoothing
    assert not any(p.exists() for p in (own, *masks, path))  # uploads deleted
