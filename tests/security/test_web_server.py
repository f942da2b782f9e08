"""What a hostile page or client can make ``brushwork serve`` do: probes over real HTTP.

Each test here failed on the server before the guard (brushwork.web.guard): the page's events
copied any server path into Gradio's cache (and answered its contents, its error or whether it
exists), any Host header and any Origin were answered, and there was no token off localhost.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from brushwork import image as imageio
from tests.web.conftest import Server, start_server, stop_server

SECRET = "brushwork-test-token-0123456789"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("secure")
    srv = start_server(tmp, "--max-upload-mb", "2", "--max-megapixels", "4")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def photo(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real photo, 192 px wide, as a PNG file."""
    img = imageio.load(data / "content/golden_gate.jpg").rgb
    path = tmp_path_factory.mktemp("photo") / "golden_gate.png"
    imageio.resize(img, imageio.size_for_long_side(img.size, 192)).save(path)
    return path


def file_events(config: dict[str, Any]) -> list[tuple[dict[str, Any], list[int]]]:
    """Every page event with a file input, and the positions of its file inputs."""
    kinds = {c["id"]: c["type"] for c in config["components"]}
    found = []
    for dep in config["dependencies"]:
        slots = [i for i, c in enumerate(dep["inputs"]) if kinds[c] in ("image", "file")]
        if slots:
            found.append((dep, slots))
    return found


def event_data(config: dict[str, Any], dep: dict[str, Any], files: dict[int, Any]) -> list[Any]:
    """Inputs for ``dep``: ``files`` at their positions, each other component's own value."""
    props = {c["id"]: c.get("props", {}) for c in config["components"]}
    return [files.get(i, props[c].get("value")) for i, c in enumerate(dep["inputs"])]


def file_data(path: str) -> dict[str, Any]:
    return {"path": path, "meta": {"_type": "gradio.FileData"}}


def join(
    client: httpx.Client, dep: dict[str, Any], data: list[Any], session: str | None = None
) -> httpx.Response:
    """Queue event ``dep`` with inputs ``data`` (read its result with :func:`outcome`)."""
    return client.post(
        "/gradio_api/queue/join",
        json={
            "data": data,
            "event_data": None,
            "fn_index": dep["id"],
            "trigger_id": dep["targets"][0][0],
            "session_hash": session or uuid.uuid4().hex[:11],
        },
    )


def outcome(client: httpx.Client, session_hash: str) -> dict[str, Any]:
    """The last message of an event's stream."""
    last: dict[str, Any] = {}
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session_hash}) as s:
        for line in s.iter_lines():
            if line.startswith("data:"):
                last = json.loads(line[5:])
                if last.get("msg") == "process_completed":
                    break
    return last


def error_of(r: httpx.Response) -> str:
    assert r.headers["content-type"] == "application/json", r.text[:200]
    body = r.json()
    assert list(body) == ["error"] and "\n" not in body["error"]
    return str(body["error"])


def cached_files(server: Server) -> list[Path]:
    uploads = server.workdir() / "uploads"
    return [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []


@pytest.mark.parametrize("target", ["/etc/passwd", "real photo", "/no/such/file.png"])
def test_page_events_never_read_a_path_they_were_not_given(
    page: Server, photo: Path, target: str
) -> None:
    """The probe: each event that takes a file names a server path instead of an upload. It is
    refused before anything reads it: no copy in the cache, nothing processed, and the same
    answer whether the file exists or not (no oracle)."""
    path = str(photo) if target == "real photo" else target
    before = set(cached_files(page))
    with page.client() as c:
        config = c.get("/config").json()
        events = file_events(config)
        assert {d["api_name"] for d, _ in events} >= {"paint", "paint_clip", "upscale"}
        for dep, slots in events:
            for slot in slots:
                r = join(c, dep, event_data(config, dep, {slot: file_data(path)}))
                assert r.status_code == 403, (dep["api_name"], r.text[:300])
                assert error_of(r) == (
                    "a page event may only name files uploaded through this page"
                )
        # the same through the other event routes Gradio has
        for route in ("/gradio_api/run/paint", "/gradio_api/call/paint", "/gradio_api/api/paint"):
            r = c.post(route, json={"data": [file_data(path)]})
            assert r.status_code == 403, (route, r.text[:200])
        # and its file route serves nothing outside the job folders and the gallery
        r = c.get(f"/gradio_api/file={path}")
        assert r.status_code in (403, 404) and b"root:" not in r.content
    assert set(cached_files(page)) == before


def upload(client: httpx.Client, path: Path) -> str:
    with path.open("rb") as f:
        r = client.post("/gradio_api/upload", files=[("files", (path.name, f, "image/png"))])
    assert r.status_code == 200, r.text[:200]
    (server_path,) = r.json()
    return str(server_path)


def test_an_upload_is_usable_by_its_own_visit_only(page: Server, photo: Path) -> None:
    """A file uploaded by one visit (cookie) cannot be named by another, and one from the same
    visit is painted: the page's own flow keeps working."""
    with page.client() as mine, page.client() as theirs:
        config = mine.get("/config").json()
        theirs.get("/config")
        assert mine.cookies.get("brushwork_visit") != theirs.cookies.get("brushwork_visit")
        dep = next(d for d, _ in file_events(config) if d["api_name"] == "upscale")
        mine_path = upload(mine, photo)
        r = join(theirs, dep, event_data(config, dep, {0: file_data(mine_path)}))
        assert r.status_code == 403
        data = event_data(config, dep, {0: {**file_data(mine_path), "orig_name": photo.name}})
        session = uuid.uuid4().hex[:11]
        r = join(mine, dep, data, session)
        assert r.status_code == 200, r.text[:200]
        done = outcome(mine, session)
        assert done.get("success") is True, str(done)[:500]
        out = done["output"]["data"][0]
        w, h = Image.open(out["path"]).size
        assert (w, h) == tuple(4 * s for s in Image.open(photo).size)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7860", "192.168.0.7"])
def test_dns_rebinding_host_names_are_refused(page: Server, host: str) -> None:
    with page.client() as c:
        for method, path in (("GET", "/"), ("GET", "/api/health"), ("POST", "/api/stylize")):
            r = c.request(method, path, headers={"Host": host})
            assert r.status_code == 400, (method, path, r.status_code)
            assert "does not answer to the host name" in error_of(r)
        port = page.url.rsplit(":", 1)[1]
        for ok in (f"localhost:{port}", f"127.0.0.1:{port}"):
            assert c.get("/api/health", headers={"Host": ok}).status_code == 200


def test_cross_origin_posts_are_refused(page: Server, photo: Path) -> None:
    with page.client() as c:
        config = c.get("/config").json()
        dep = next(d for d, _ in file_events(config) if d["api_name"] == "upscale")
        evil = {"Origin": "http://evil.example"}
        files = {"image": ("p.png", photo.read_bytes(), "image/png")}
        r = c.post("/api/upscale", files=files, headers=evil)
        assert r.status_code == 403 and "cross-origin request refused" in error_of(r)
        r = c.post("/gradio_api/upload", files=[("files", ("p.png", photo.read_bytes()))],
                   headers=evil)  # fmt: skip
        assert r.status_code == 403
        r = c.post("/gradio_api/queue/join", json={"fn_index": dep["id"]}, headers=evil)
        assert r.status_code == 403
        r = c.delete("/api/jobs/abc", headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403
        # the server's own origin (the page's fetches) and no Origin (curl, programs) pass
        same = {"Origin": page.url}
        r = c.post("/api/upscale", files=files, data={"scale": "4"}, headers=same)
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_off_localhost_the_server_needs_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brushwork.cli import main

    monkeypatch.delenv("BRUSHWORK_TOKEN", raising=False)
    cases = {
        "listening on 0.0.0.0 opens the server to the network: set an access token with "
        "--token or BRUSHWORK_TOKEN": ["--host", "0.0.0.0"],
        "the access token must be at least 16 characters long": ["--token", "short"],
    }
    for message, args in cases.items():
        assert main(["serve", "--port", "7999", *args]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: {message}") and err.count("\n") == 1, err


def test_a_client_with_the_token_works_off_localhost(tmp_path: Path, photo: Path) -> None:
    """Bound to every interface (token from the environment); requests go to 127.0.0.1 only."""
    srv = start_server(tmp_path, "--host", "0.0.0.0", env={"BRUSHWORK_TOKEN": SECRET})
    try:
        with httpx.Client(base_url=srv.url, timeout=120) as c:
            r = c.get("/api/health")
            assert r.status_code == 401 and "needs its access token" in error_of(r)
            assert r.headers["www-authenticate"] == "Bearer"
            assert (
                c.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
            )
            assert c.get("/", headers={"X-Brushwork-Token": "x" * 30}).status_code == 401
            auth = {"Authorization": f"Bearer {SECRET}"}
            assert c.get("/api/health", headers=auth).status_code == 200
            files = {"photo": ("p.png", photo.read_bytes(), "image/png")}
            r = c.post("/api/stylize", files=files, data={"style": "starry_night"}, headers=auth)
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            assert Image.open(io.BytesIO(r.content)).size == Image.open(photo).size
        # the page: opened once with ?token=, it keeps the token in a same-site cookie
        with httpx.Client(base_url=srv.url, timeout=120) as browser:
            r = browser.get(f"/?token={SECRET}")
            assert r.status_code == 303 and r.headers["location"] == "/"
            cookie = r.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert browser.get("/").status_code == 200
            assert browser.get("/config").json()["title"] == "brushwork"
        # a script driving the page sends the token as a header (README's example)
        from gradio_client import Client, handle_file

        client = Client(srv.url, headers=auth, verbose=False)
        result = client.predict(*paint_inputs(handle_file(str(photo))), api_name="/paint")
        assert Image.open(result[0]).size == Image.open(photo).size
    finally:
        stop_server(srv)


def paint_inputs(photo: object) -> tuple[object, ...]:
    """The Paint button's inputs: photo, own painting, method, strength, steps, blend with,
    blend, colours, size (the painting is the gallery's selection, starry_night at first)."""
    return (photo, None, "fast", 1.0, 200, "(none)", 0.5, "(none)", "original size", "(none)")


def test_gradio_client_paints_a_photo_through_the_page(page: Server, photo: Path) -> None:
    """gradio_client uploads the photo through the page's upload route, then names it."""
    from gradio_client import Client, handle_file

    client = Client(page.url, verbose=False)
    result = client.predict(*paint_inputs(handle_file(str(photo))), api_name="/paint")
    out = np.asarray(Image.open(result[0]).convert("RGB"), dtype=np.float32)
    assert out.shape[:2] == np.asarray(Image.open(photo)).shape[:2]
    assert np.abs(out - np.asarray(Image.open(photo).convert("RGB"))).mean() > 10  # painted
    assert "Done in" in result[2]


def test_errors_never_name_server_paths(page: Server, data: Path) -> None:
    """A truncated upload (its header intact) fails in the job; the message names no folder."""
    whole = (data / "content/golden_gate.jpg").read_bytes()
    img = Image.open(io.BytesIO(whole))
    buf = io.BytesIO()
    img.resize((300, 200)).save(buf, "JPEG")
    truncated = buf.getvalue()[: len(buf.getvalue()) // 2]
    with page.client() as c:
        r = c.post(
            "/api/stylize",
            files={"photo": ("p.jpg", truncated, "image/jpeg")},
            data={"style": "starry_night"},
        )
        assert r.status_code in (400, 415), r.text[:300]
        message = error_of(r)
        assert re.search(r"(?:^|[\s'\"(])/\w", message) is None, message
        assert "brushwork-web" not in message and str(page.tmp) not in message


def test_busy_answers_say_when_to_retry(tmp_path: Path, photo: Path) -> None:
    srv = start_server(tmp_path, "--queue", "1")
    try:
        with srv.client() as c:
            files = {"photo": ("p.png", photo.read_bytes(), "image/png")}
            form = {"style": "starry_night", "method": "optimize", "steps": "50", "wait": "false"}
            first = c.post("/api/stylize", files=files, data=form)
            assert first.status_code == 202
            answers = [c.post("/api/stylize", files=files, data=form) for _ in range(3)]
            busy = [r for r in answers if r.status_code == 503]
            assert busy, [r.status_code for r in answers]
            assert int(busy[0].headers["retry-after"]) > 0
            c.delete(f"/api/jobs/{first.json()['id']}")
    finally:
        stop_server(srv)


def test_a_bad_upload_on_the_page_gets_brushworks_one_line(page: Server, tmp_path: Path) -> None:
    """The page hands uploads over undecoded; brushwork's check speaks, naming no path."""
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"not a picture at all\n" * 50)
    with page.client() as c:
        config = c.get("/config").json()
        dep = next(d for d, _ in file_events(config) if d["api_name"] == "upscale")
        path = upload(c, junk)
        session = uuid.uuid4().hex[:11]
        data = event_data(config, dep, {0: {**file_data(path), "orig_name": junk.name}})
        r = join(c, dep, data, session)
        assert r.status_code == 200
        done = outcome(c, session)
    assert done.get("success") is False
    assert done["output"]["error"] == (
        "the image is not an image this server can read (PNG, JPEG, WebP, TIFF, BMP, GIF)"
    )


def tiny_frame_gif(frames: int, side: int, delay_cs: int) -> bytes:
    """A GIF of ``frames`` frames on a ``side`` x ``side`` screen, each frame a 1x1 image with
    ``delay_cs`` hundredths of a second: the shape of a huge animation in a few bytes a frame."""
    import struct

    out = bytearray(b"GIF89a" + struct.pack("<HHBBB", side, side, 0x80, 0, 0))
    out += b"\x00\x00\x00\xff\xff\xff"  # a global table of two colours
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for i in range(frames):
        out += b"\x21\xf9\x04\x00" + struct.pack("<H", delay_cs) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<HHHH", i % side, 0, 1, 1) + b"\x00"
        out += b"\x02\x02\x44\x01\x00"  # LZW: clear, colour 0, end
    return bytes(out + b"\x3b")


def test_a_gif_too_much_work_is_refused_before_it_is_decoded(page: Server) -> None:
    """2990 frames at 1280x1280 with 20 ms delays: under the 60 s limit, but 4.9 G pixels to
    paint (and to hold, for a GIF); refused at once from the demuxed packets."""
    import time

    from brushwork import video as videoio

    gif = tiny_frame_gif(2990, 1280, 2)
    with page.client() as c:
        began = time.monotonic()
        r = c.post(
            "/api/video",
            files={"clip": ("big.gif", gif, "image/gif")},
            data={"style": "starry_night"},
        )
        took = time.monotonic() - began
    assert r.status_code == 413, r.text[:300]
    assert error_of(r).startswith("the GIF is 2990 frames of 1280x1280, 4.90 G pixels to paint")
    assert took < 10
    path = page.tmp / "big.gif"
    path.write_bytes(gif)
    info = videoio.probe(path)
    assert (info.frames, info.width, round(info.duration, 2)) == (2990, 1280, 59.8)
