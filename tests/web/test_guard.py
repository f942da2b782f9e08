"""brushwork.web.guard on a small ASGI app (no server): host names, origins, tokens, uploads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from brushwork.errors import OptionError
from brushwork.web.guard import Guard, Trust, Visits, _host_name, is_loopback

TOKEN = "t" * 20


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An app that answers the request body back; the upload route answers a list of paths."""
    if scope["type"] == "lifespan":
        while (m := await receive())["type"] != "lifespan.shutdown":
            await send({"type": m["type"] + ".complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        m = await receive()
        body += m.get("body", b"")
        if not m.get("more_body"):
            break
    if scope["path"] == "/gradio_api/upload":
        body = json.dumps(["/up/a.png", "/up/b.png"]).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def client(trust: Trust, guard: Guard | None = None) -> TestClient:
    """A client of ``guard`` (or a new Guard of ``trust``) as a browser at 127.0.0.1:7860."""
    return TestClient(guard or Guard(echo, trust), base_url="http://127.0.0.1:7860")


def test_host_names_from_headers() -> None:
    assert _host_name("LocalHost:7860") == "localhost"
    assert _host_name("[::1]:7860") == "::1"
    assert _host_name("127.0.0.1") == "127.0.0.1"
    assert _host_name("::1") == "::1"
    assert is_loopback("127.0.0.2") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1")


def test_trust_for_each_binding() -> None:
    local = Trust.for_binding("127.0.0.1")
    assert local.hosts == {"localhost", "127.0.0.1", "::1"} and local.token is None
    assert Trust.for_binding("0.0.0.0", TOKEN).hosts == frozenset()  # any name, token checks
    named = Trust.for_binding("0.0.0.0", TOKEN, ["Studio.lan"])
    assert "studio.lan" in named.hosts and "localhost" in named.hosts
    assert Trust.for_binding("10.1.2.3", TOKEN).hosts == {"10.1.2.3"}
    with pytest.raises(OptionError, match="opens the server to the network"):
        Trust.for_binding("10.1.2.3")
    with pytest.raises(OptionError, match="at least 16 characters"):
        Trust.for_binding("127.0.0.1", "short")


def test_host_origin_and_token_are_checked() -> None:
    with client(Trust.for_binding("127.0.0.1")) as c:
        assert (c.get("/")).status_code == 200
        r = c.get("/", headers={"Host": "rebound.example"})
        assert r.status_code == 400 and "rebound.example" in r.json()["error"]
        r = c.post("/api/x", headers={"Origin": "http://rebound.example"})
        assert r.status_code == 403
        assert (c.post("/api/x", headers={"Origin": "null"})).status_code == 403
        ok = c.post("/api/x", content=b"hi", headers={"Origin": "http://127.0.0.1:7860"})
        assert ok.status_code == 200 and ok.content == b"hi"
        assert (c.get("/", headers={"Origin": "http://rebound.example"})).status_code == 200
    with client(Trust.for_binding("0.0.0.0", TOKEN)) as c:
        assert (c.get("/", headers={"Host": "any.name"})).status_code == 401
        assert (c.get("/", headers={"X-Brushwork-Token": TOKEN})).status_code == 200
        assert (c.get("/", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200
        r = c.get(f"/page?token={TOKEN}&tab=2", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/page?tab=2"
        c.cookies.set("brushwork_token", TOKEN)
        assert (c.get("/")).status_code == 200


def test_events_name_only_their_own_uploads() -> None:
    guard = Guard(echo, Trust.for_binding("127.0.0.1"))
    with client(guard.trust, guard) as mine, client(guard.trust, guard) as other:
        event = {"data": [{"path": "/up/a.png", "meta": {"_type": "gradio.FileData"}}, 3]}
        assert (mine.post("/gradio_api/queue/join", json=event)).status_code == 403
        r = mine.post("/gradio_api/upload", content=b"...")
        assert r.json() == ["/up/a.png", "/up/b.png"] and "brushwork_visit" in mine.cookies
        r = mine.post("/gradio_api/queue/join", json=event)
        assert r.status_code == 200 and r.json() == event  # the body reaches the app intact
        other.get("/")
        assert (other.post("/gradio_api/queue/join", json=event)).status_code == 403
        nested = {"data": [[{"x": {"path": "/etc/passwd"}}]]}
        assert (mine.post("/gradio_api/run/f", json=nested)).status_code == 403
        assert (
            mine.post("/gradio_api/queue/join", json={"data": [{"path": None}]})
        ).status_code == 200
        assert (mine.post("/gradio_api/queue/join", content=b"{bad")).status_code == 403
        big = b'{"data": "' + b"x" * (2 << 20) + b'"}'
        assert (mine.post("/gradio_api/queue/join", content=big)).status_code == 413


def test_visits_are_bounded() -> None:
    v = Visits(max_visits=2, max_files=2)
    v.add("a", ["1", "2", "3"])
    assert not v.owns("a", "1") and v.owns("a", "3")
    v.add("b", ["x"])
    v.add("c", ["y"])
    assert not v.owns("a", "3") and v.owns("c", "y") and not v.owns(None, "y")


def test_what_was_clicked_is_not_an_input() -> None:
    """A gallery click carries the picture's server path in "event_data"; Gradio never moves
    it into its cache, so it is no file read and passes; the same path as an input does not."""
    with client(Trust.for_binding("127.0.0.1")) as c:
        picture = {"image": {"path": "/zoo/great_wave.jpg", "meta": {"_type": "gradio.FileData"}}}
        ok = {"data": [], "event_data": {"index": 2, "value": picture}, "fn_index": 0}
        assert c.post("/gradio_api/queue/join", json=ok).status_code == 200
        bad = {"data": [picture["image"]], "event_data": None, "fn_index": 3}
        assert c.post("/gradio_api/queue/join", json=bad).status_code == 403
