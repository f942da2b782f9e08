"""``brushwork serve`` started on a free localhost port and called through its HTTP API."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork import video as videoio

from .conftest import Server, start_server, stop_server


@pytest.fixture(scope="module")
def photo_png(data: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real photo, 256 px wide, as PNG bytes."""
    img = imageio.load(data / "content/golden_gate.jpg").rgb
    buf = io.BytesIO()
    imageio.resize(img, imageio.size_for_long_side(img.size, 256)).save(buf, "PNG")
    return buf.getvalue()


def pixels(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB"), dtype=np.float32)


def error_of(r: httpx.Response) -> str:
    assert r.headers["content-type"] == "application/json", r.text[:200]
    body = r.json()
    assert list(body) == ["error"] and "\n" not in body["error"]
    return str(body["error"])


def uploads_left(server: Server) -> list[Path]:
    """Files in the server's job folders other than results of asynchronous jobs (kept for
    download): uploads must be gone once a result is answered."""
    return [p for p in (server.workdir() / "jobs").rglob("*") if p.is_file() and p.stem != "result"]


def wait_for(
    client: httpx.Client, job_id: str, states: tuple[str, ...], limit: float = 120
) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not {states} in {limit} s: {job}")


def test_health_styles_and_the_page(server: Server) -> None:
    with server.client() as c:
        health = c.get("/api/health").json()
        assert health["status"] == "ok" and health["queue"]["workers"] == 1
        assert health["limits"]["upload_bytes"] == 2 * 2**20
        styles = c.get("/api/styles").json()
        assert [s["name"] for s in styles["styles"]][:2] == ["starry_night", "the_scream"]
        thumb = c.get("/api/styles/udnie/painting")
        assert thumb.headers["content-type"] == "image/jpeg"
        assert max(Image.open(io.BytesIO(thumb.content)).size) == 640
        r = c.get("/api/styles/van_gogh/painting")
        assert r.status_code == 404 and "unknown style 'van_gogh'" in error_of(r)
        assert c.get("/").status_code == 200  # the page (Gradio), its title in its config
        assert c.get("/config").json()["title"] == "brushwork"
        docs = c.get("/api/openapi.json").json()
        wanted = {"/api/stylize", "/api/video", "/api/upscale", "/api/translate", "/api/mix"}
        assert wanted | {"/api/jobs/{job_id}"} <= set(docs["paths"])


def test_stylize_answers_the_pipelines_picture_and_keeps_no_files(
    server: Server, photo_png: bytes
) -> None:
    with server.client() as c:
        r = c.post(
            "/api/stylize",
            files={"photo": ("bridge.png", photo_png, "image/png")},
            data={"style": "the_scream", "strength": "0.8"},
        )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-brushwork-style"] == "the_scream (fast)"
    expected = np.asarray(
        bw.load("the_scream")(Image.open(io.BytesIO(photo_png)), strength=0.8), dtype=np.float32
    )
    got = pixels(r.content)
    assert got.shape == expected.shape and np.abs(got - expected).max() <= 1
    # the upload and the result were deleted once the answer was sent
    assert uploads_left(server) == []
    # one pass then a refine: the API's refine field
    with server.client() as c:
        r = c.post(
            "/api/stylize",
            files={"photo": ("bridge.png", photo_png, "image/png")},
            data={"style": "the_scream", "refine": "2", "size": "48"},
        )
        assert r.status_code == 200, r.text
        assert pixels(r.content).shape[1] == 48
        r = c.post(
            "/api/stylize",
            files={"photo": ("bridge.png", photo_png, "image/png")},
            data={"style": "the_scream", "method": "optimize", "refine": "2"},
        )
        assert r.status_code == 400 and "refine follows" in error_of(r)


def test_bad_requests_get_one_line_json_errors(
    server: Server, photo_png: bytes, tmp_path: Path
) -> None:
    with server.client() as c:
        r = c.post(
            "/api/stylize",
            files={"photo": ("x.png", b"just text", "image/png")},
            data={"style": "udnie"},
        )
        assert r.status_code == 415 and "not an image" in error_of(r)
        r = c.post("/api/stylize", files={"photo": ("x.png", photo_png)}, data={"style": "udnei"})
        assert r.status_code == 404 and "Did you mean 'udnie'?" in error_of(r)
        r = c.post("/api/stylize", data={"style": "udnie"})
        assert r.status_code == 422 and error_of(r) == "photo: Field required"
        r = c.post(
            "/api/stylize",
            files={"photo": ("x.png", photo_png)},
            data={"style": "udnie", "strength": "2"},
        )
        assert r.status_code == 400 and "strength must be between 0 and 1, got 2" in error_of(r)
        r = c.post(
            "/api/stylize",
            files={"photo": ("x.png", photo_png)},
            data={"style": "udnie", "size": "big"},
        )
        assert r.status_code == 422 and error_of(r).startswith("size: ")
        big = Image.fromarray(np.zeros((2100, 2100, 3), np.uint8))  # 4.4 MP, a 2 MP-sized file
        buf = io.BytesIO()
        big.save(buf, "PNG")
        r = c.post(
            "/api/stylize", files={"photo": ("big.png", buf.getvalue())}, data={"style": "udnie"}
        )
        assert (
            r.status_code == 413
            and "2100x2100 = 4 MP, over this server's limit of 4 MP" in error_of(r)
        )
        r = c.get("/api/jobs/0123abc")
        assert r.status_code == 404
        r = c.get("/api/jobs/..%2F..%2Fetc%2Fpasswd/result")
        assert r.status_code == 404
        # Gradio's file route serves only brushwork's own folders
        assert c.get("/gradio_api/file=/etc/passwd").status_code in (403, 404)
    assert uploads_left(server) == []


def test_oversized_uploads_are_refused_before_they_are_read(server: Server) -> None:
    blob = os.urandom(5 * 2**20)  # over twice the 2 MB limit
    with server.client() as c:
        r = c.post("/api/stylize", files={"photo": ("big.png", blob)}, data={"style": "udnie"})
        assert r.status_code == 413 and "over this server's limit of 5 MB" in error_of(r)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            boundary = (
                b'--x\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\n\r\n'
            )
            yield boundary
            for i in range(0, len(blob), 2**16):
                yield blob[i : i + 2**16]

        r = c.post(
            "/api/stylize",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert r.status_code == 413 and "limit" in error_of(r)
        # one 3 MB file within the body limit is still over the 2 MB file limit
        r = c.post(
            "/api/stylize", files={"photo": ("big.png", blob[: 3 * 2**20])}, data={"style": "udnie"}
        )
        assert (
            r.status_code == 413
            and error_of(r) == "the photo is 3 MB, over this server's limit of 2 MB"
        )
        assert c.get("/api/health").status_code == 200


def test_clips_too_long_are_refused_and_short_ones_painted_as_a_job(
    server: Server, data: Path, tmp_path: Path
) -> None:
    with server.client() as c:
        long = (data / "video/fox.mp4").read_bytes()
        r = c.post("/api/video", files={"clip": ("fox.mp4", long)}, data={"style": "udnie"})
        assert (
            r.status_code == 413
            and "the video is 14.0 s long, over this server's limit of 5 s" in error_of(r)
        )
        clip = (data / "video/sintel_ambush_4.mp4").read_bytes()
        r = c.post(
            "/api/video", files={"clip": ("s.mp4", clip)}, data={"style": "udnie", "size": "128"}
        )
        assert r.status_code == 202 and r.headers["location"] == f"/api/jobs/{r.json()['id']}"
        job = wait_for(c, r.json()["id"], ("done", "failed"))
        assert job["state"] == "done" and job["progress"] == 1.0 and job["info"]["frames"] == 33
        result = c.get(f"/api/jobs/{job['id']}/result")
        assert result.status_code == 200 and result.headers["content-type"] == "video/mp4"
    out = tmp_path / "out.mp4"
    out.write_bytes(result.content)
    info = videoio.probe(out)
    assert (info.width, info.height, info.frames) == (128, 54, 33)


def test_a_long_job_shows_progress_and_can_be_cancelled(server: Server, photo_png: bytes) -> None:
    with server.client() as c:
        r = c.post(
            "/api/stylize",
            files={"photo": ("x.png", photo_png)},
            data={
                "style": "starry_night",
                "method": "optimize",
                "steps": "1000",
                "size": "256",
                "wait": "false",
            },
        )
        assert r.status_code == 202
        job_id = r.json()["id"]
        deadline = time.monotonic() + 60
        while (job := c.get(f"/api/jobs/{job_id}").json())["progress"] in (None, 0.0):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert job["state"] == "running" and job["message"].startswith("step ")
        assert c.get(f"/api/jobs/{job_id}/result").status_code == 409  # not ready
        assert c.delete(f"/api/jobs/{job_id}").status_code == 200
        job = wait_for(c, job_id, ("cancelled",), limit=30)
        assert job["progress"] < 0.5
        r = c.get(f"/api/jobs/{job_id}/result")
        assert r.status_code == 409 and error_of(r) == "the job was cancelled"


def test_upscale(server: Server, photo_png: bytes) -> None:
    small = Image.open(io.BytesIO(photo_png)).resize((64, 42))
    buf = io.BytesIO()
    small.save(buf, "PNG")
    with server.client() as c:
        r = c.post("/api/upscale", files={"image": ("s.png", buf.getvalue())}, data={"scale": "4"})
        assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (256, 168)
        r = c.post("/api/upscale", files={"image": ("s.png", buf.getvalue())}, data={"scale": "3"})
        assert r.status_code == 400 and error_of(r) == "no upscaler for x3; choose from x4, x8"


def test_translate(server: Server, data: Path) -> None:
    buf = io.BytesIO()
    Image.open(data / "translation/facades/test/2.jpg").crop((256, 0, 512, 256)).save(buf, "PNG")
    with server.client() as c:
        listed = c.get("/api/translations").json()["translations"]
        assert {"facades_labels2photo", "facades_cyclegan:BtoA"} <= {t["id"] for t in listed}
        files = {"image": ("labels.png", buf.getvalue())}
        r = c.post("/api/translate", files=files, data={"model": "facades_labels2photo"})
        assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (256, 256)
        assert r.headers["X-Brushwork-Translation"] == "labels -> photo"
        r = c.post("/api/translate", files=files, data={"model": "../../etc/passwd"})
        assert r.status_code == 400 and "unknown translation" in error_of(r)


def test_mix(server: Server) -> None:
    with server.client() as c:
        r = c.post("/api/mix", data={"samples": "16", "seed": "1"})
        assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).size == (1024, 64)
        r = c.post("/api/mix", data={"samples": "5000"})
        assert r.status_code == 400 and "between 1 and 1024" in error_of(r)


def test_twenty_requests_at_once_all_answered_memory_bounded(
    server: Server, photo_png: bytes
) -> None:
    before = server.peak_rss()
    folders = len(list((server.workdir() / "jobs").iterdir()))

    def one(i: int) -> httpx.Response:
        with server.client(timeout=300) as c:
            return c.post(
                "/api/stylize",
                files={"photo": (f"{i}.png", photo_png)},
                data={"style": ["udnie", "mondrian", "great_wave", "night_cafe"][i % 4]},
            )

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(one, range(20)))
    assert [r.status_code for r in answers] == [200] * 20
    for r in answers:
        assert pixels(r.content).shape == (192, 256, 3)
    grew = server.peak_rss() - before
    assert grew < 1.5 * 2**30, f"peak memory grew by {grew / 2**20:.0f} MB"
    with server.client() as c:
        assert c.get("/api/health").json()["queue"] == {
            "workers": 1,
            "running": 0,
            "waiting": 0,
            "max_waiting": 32,
        }
    assert uploads_left(server) == []
    assert len(list((server.workdir() / "jobs").iterdir())) == folders


def test_a_burst_beyond_the_queue_gets_503_and_the_server_stays_up(
    tmp_path: Path, photo_png: bytes
) -> None:
    srv = start_server(tmp_path, "--api-only", "--queue", "3")
    try:

        def one(i: int) -> httpx.Response:
            with srv.client(timeout=300) as c:
                return c.post(
                    "/api/stylize", files={"photo": ("p.png", photo_png)}, data={"style": "udnie"}
                )

        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(one, range(20)))
        codes = sorted(r.status_code for r in answers)
        assert set(codes) == {200, 503} and codes.count(200) >= 4
        busy = next(r for r in answers if r.status_code == 503)
        assert "the server is busy (3 jobs waiting)" in error_of(busy)
        with srv.client() as c:
            assert c.get("/api/health").status_code == 200
            assert c.get("/").status_code == 404  # --api-only: no page
        workdir = srv.workdir()
    finally:
        code = stop_server(srv)
    assert code == 0
    assert not workdir.exists()  # the private folder goes with the server


def test_serve_option_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from brushwork.cli import main

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        cases = {
            "cannot listen on 127.0.0.1:" + port + ": Address already in use": ["--port", port],
            "--port must be between 1 and 65535, got 70000": ["--port", "70000"],
            "--workers must be at least 1": ["--workers", "0"],
            "the upload bytes limit must be positive, got 0": ["--max-upload-mb", "0"],
        }
        for message, args in cases.items():
            assert main(["serve", *args]) == 1
            err = capsys.readouterr().err
            assert err.startswith(f"error: {message}") and err.count("\n") == 1, err


def test_api_photorealistic_with_masks_and_smoothing(server: Server, photo_png: bytes) -> None:
    def png(img: Image.Image) -> bytes:
        buf = io.BytesIO()
        img.save(buf, "PNG")
        return buf.getvalue()

    w, h = Image.open(io.BytesIO(photo_png)).size
    mask = Image.new("RGB", (w, h), (0, 0, 0))
    mask.paste(Image.new("RGB", (w, h // 2), (255, 255, 255)))
    style = Image.open(io.BytesIO(photo_png)).convert("RGB").transpose(Image.Transpose.ROTATE_180)
    files = {"photo": ("bridge.png", photo_png, "image/png"),
             "style_image": ("night.png", png(style), "image/png"),
             "content_mask": ("cm.png", png(mask), "image/png"),
             "style_mask": ("sm.png", png(mask.transpose(Image.Transpose.ROTATE_180)), "image/png")}  # fmt: skip
    with server.client() as c:
        r = c.post("/api/stylize", files=files,
                   data={"method": "photoreal", "steps": "4", "size": "48", "smooth": "fast"})  # fmt: skip
        assert r.status_code == 200, r.text
        assert pixels(r.content).shape[1] == 48
        r = c.post("/api/stylize", files={"photo": files["photo"]},
                   data={"style": "udnie", "smooth": "sharpen"})  # fmt: skip
        assert r.status_code == 400 and "smoothing is fast or exact" in error_of(r)
        r = c.post("/api/stylize", files={"photo": files["photo"], "content_mask": files["content_mask"]},
                   data={"style": "udnie"})  # fmt: skip
        assert r.status_code == 400 and "masks are options of" in error_of(r)
    assert uploads_left(server) == []
