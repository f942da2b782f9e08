"""What ``brushwork serve`` trusts, enforced in one ASGI middleware in front of the page and API.

- **Host**: the ``Host`` header must name the address the server is bound to (a loopback
  server: ``127.0.0.1``, ``localhost`` or ``[::1]``) or a name the user allowed
  (``--allow-host``). A web page the user visits cannot reach a server on 127.0.0.1 through DNS
  rebinding, since its requests carry the attacker's host name.
- **Origin**: a state-changing request (POST, PUT, PATCH, DELETE) from a browser must come from
  the server's own origin (``Origin`` equal to ``Host``; ``Sec-Fetch-Site`` not cross-site), so
  no other site can post to the API or the page's events.
- **Token**: when one is set (required off localhost), every request carries it:
  ``Authorization: Bearer TOKEN`` or ``X-Brushwork-Token: TOKEN`` from programs; the page is
  opened once at ``/?token=TOKEN``, which keeps it in an HttpOnly, same-site cookie.
- **Uploads**: the page's events may name only files that this browser visit (a cookie) uploaded
  through the page's own upload route. Gradio copies any server path that an event names into
  its cache before the handler runs; a path that was not uploaded is refused here, before
  anything reads it.

Every refusal is ``{"error": "one line"}`` with 400 (bad Host), 401 (token), 403 (origin or a
file not uploaded) or 413 (an event body over its limit).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_ENV = "BRUSHWORK_TOKEN"
TOKEN_HEADER = "x-brushwork-token"
TOKEN_COOKIE = "brushwork_token"
VISIT_COOKIE = "brushwork_visit"
#: the shortest token accepted (a guessable token is no protection)
MIN_TOKEN = 16
#: the page's routes (Gradio mounted at /): its upload route and its event routes
PAGE_PREFIX = "/gradio_api/"
UPLOAD_ROUTE = PAGE_PREFIX + "upload"
#: largest body of a page event (JSON naming files, never the files themselves)
EVENT_BYTES = 1 << 20
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_all_interfaces(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Trust:
    """Who may talk to the server.

    Attributes:
        hosts: accepted ``Host`` names (lower case, without port); empty: any host name (a
            server bound to all interfaces with a token and no ``--allow-host``).
        token: the access token, or ``None`` (loopback servers only).
    """

    hosts: frozenset[str]
    token: str | None = None

    @classmethod
    def for_binding(
        cls, host: str, token: str | None = None, allow_hosts: Iterable[str] = ()
    ) -> Trust:
        """The trust of a server bound to ``host``.

        Raises:
            OptionError: a non-loopback address without a token, or a token that is too short.
        """
        from brushwork.errors import OptionError

        if token is not None and len(token) < MIN_TOKEN:
            raise OptionError(f"the access token must be at least {MIN_TOKEN} characters long")
        if token is None and not is_loopback(host):
            raise OptionError(
                f"listening on {host} opens the server to the network: set an access token with "
                f"--token or {TOKEN_ENV} (for example: "
                "python -c 'import secrets; print(secrets.token_urlsafe())')"
            )
        allowed = {_host_name(h) for h in allow_hosts}
        if is_all_interfaces(host):
            names = allowed | set(LOOPBACK_NAMES) if allowed else set()
        else:
            names = {host.strip("[]").lower(), *allowed}
            if is_loopback(host):
                names |= set(LOOPBACK_NAMES)
        return cls(hosts=frozenset(names), token=token)


class Visits:
    """The files each browser visit uploaded through the page, bounded in visits and files."""

    def __init__(self, max_visits: int = 10_000, max_files: int = 1_000) -> None:
        self._files: OrderedDict[str, OrderedDict[str, None]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_visits = max_visits
        self.max_files = max_files

    def add(self, visit: str, paths: Iterable[str]) -> None:
        with self._lock:
            files = self._files.setdefault(visit, OrderedDict())
            self._files.move_to_end(visit)
            for p in paths:
                files[p] = None
                files.move_to_end(p)
            while len(files) > self.max_files:
                files.popitem(last=False)
            while len(self._files) > self.max_visits:
                self._files.popitem(last=False)

    def owns(self, visit: str | None, path: str) -> bool:
        with self._lock:
            return visit is not None and path in self._files.get(visit, ())


class Guard:
    """ASGI middleware that enforces :class:`Trust` and the upload rule (module docstring)."""

    def __init__(self, app: App, trust: Trust, visits: Visits | None = None) -> None:
        self.app = app
        self.trust = trust
        self.visits = visits or Visits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            status, message, extra = refusal
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _respond(send, status, message, extra)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(headers)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        set_cookies: list[str] = []
        if self.trust.token is not None and query.get("token") == self.trust.token:
            # the page opened with ?token=...: keep it in a cookie, and drop it from the address
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
            cookie = _cookie(TOKEN_COOKIE, self.trust.token)
            await _respond(send, 303, "", [(b"location", location.encode()), cookie])
            return
        visit = cookies.get(VISIT_COOKIE)
        if visit is None or len(visit) != 32:
            visit = secrets.token_hex(16)
            set_cookies.append(VISIT_COOKIE + "=" + visit)
        path, method = scope["path"], scope["method"]
        if method == "POST" and path.startswith(PAGE_PREFIX) and path != UPLOAD_ROUTE:
            body = await _read_body(receive, EVENT_BYTES)
            if body is None:
                await _respond(send, 413, "a page event is over its size limit", [])
                return
            foreign = self._foreign_file(body, visit)
            if foreign is not None:
                await _respond(send, 403, foreign, [])
                return
            receive = _replay(body, receive)
        record = method == "POST" and path == UPLOAD_ROUTE
        await self.app(scope, receive, self._sender(send, set_cookies, visit if record else None))

    def _refusal(
        self, scope: Scope, headers: dict[str, str]
    ) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        host = headers.get("host", "")
        if self.trust.hosts and _host_name(host) not in self.trust.hosts:
            return (
                400,
                f"this server does not answer to the host name {_host_name(host)!r}; "
                "start it with --allow-host to add one",
                [],
            )
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            origin = headers.get("origin")
            if origin is not None and (
                origin == "null" or urlsplit(origin).netloc.lower() != host.lower()
            ):
                return 403, f"cross-origin request refused (Origin {origin})", []
            if headers.get("sec-fetch-site") in ("cross-site", "same-site"):
                return 403, "cross-site request refused", []
        token = self.trust.token
        if token is not None:
            given = headers.get(TOKEN_HEADER) or _cookies(headers).get(TOKEN_COOKIE)
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = given or query.get("token")
            if given is None or not hmac.compare_digest(given.encode(), token.encode()):
                return (
                    401,
                    "this server needs its access token: send 'Authorization: Bearer TOKEN', "
                    "or open the page once at /?token=TOKEN",
                    [(b"www-authenticate", b"Bearer")],
                )
        return None

    def _foreign_file(self, body: bytes, visit: str) -> str | None:
        """Why an event body is refused: it names a file this visit did not upload."""
        if not body.strip():
            return None
        try:
            data = json.loads(body)
        except ValueError:
            return "a page event must be JSON"
        # an event's inputs are in "data" (Gradio moves their files into its cache); its
        # "event_data" (what was clicked, e.g. a gallery picture) is handed over as it is
        inputs = data.get("data") if isinstance(data, dict) and "data" in data else data
        for path in _named_paths(inputs):
            if not self.visits.owns(visit, path):
                return "a page event may only name files uploaded through this page"
        return None

    def _sender(self, send: Send, set_cookies: list[str], record_for: str | None) -> Send:
        """``send`` that adds cookies and, for the upload route, remembers what was uploaded."""
        chunks: list[bytes] = []
        status = [0]

        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                if set_cookies:
                    headers = list(message.get("headers", []))
                    headers += [_cookie(*c.split("=", 1)) for c in set_cookies]
                    message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and record_for and status[0] == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    try:
                        paths = json.loads(b"".join(chunks))
                    except ValueError:
                        paths = []
                    if isinstance(paths, list):
                        self.visits.add(record_for, (p for p in paths if isinstance(p, str)))
            await send(message)

        return sender


def _named_paths(data: Any) -> Iterator[str]:
    """Every ``path`` of a file object (``{"path": ...}``) anywhere in an event's JSON."""
    if isinstance(data, dict):
        if data.get("path") is not None:  # a file object without a path carries its bytes
            yield str(data["path"])
        for value in data.values():
            yield from _named_paths(value)
    elif isinstance(data, list):
        for value in data:
            yield from _named_paths(value)


def _host_name(host: str) -> str:
    """``Host`` header -> lower-case name without port: ``[::1]:7860`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is treated as none
        return {}
    return {k: m.value for k, m in jar.items()}


def _cookie(name: str, value: str) -> tuple[bytes, bytes]:
    return b"set-cookie", f"{name}={value}; Path=/; HttpOnly; SameSite=Strict".encode()


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or ``None`` past ``limit`` bytes."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` that gives ``body`` once more, then waits as the original (disconnects)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _respond(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": message}).encode() if message else b""
    headers = [(b"content-length", str(len(body)).encode()), *extra]
    if message:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
