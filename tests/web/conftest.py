"""A real ``brushwork serve`` on a free localhost port, for the HTTP and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    tmp: Path  # the server's TMPDIR: its private working folder is made inside

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)

    def workdir(self) -> Path:
        (root,) = self.tmp.glob("brushwork-web-*")
        return root

    def peak_rss(self) -> int:
        """The server's peak resident memory, bytes."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    env = dict(os.environ, TMPDIR=str(tmp), BRUSHWORK_DEBUG="1", **(env or {}))
    token = env.get("BRUSHWORK_TOKEN")
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "brushwork.cli", "serve", "--port", str(port), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    server = Server(f"http://127.0.0.1:{port}", process, tmp)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {(tmp / 'server.log').read_text()[-2000:]}")
        try:
            if httpx.get(server.url + "/api/health", headers=auth, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    pytest.fail("server did not start in 120 s")


def stop_server(server: Server) -> int:
    server.process.send_signal(signal.SIGINT)
    try:
        return server.process.wait(30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The page and the API, with small limits to test them against."""
    tmp = tmp_path_factory.mktemp("server")
    srv = start_server(
        tmp, "--max-upload-mb", "2", "--max-video-seconds", "5", "--max-megapixels", "4"
    )
    yield srv
    stop_server(srv)


#: Debian's chromium, started the way this machine allows (../shared/docs/environment.md)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:  # type: ignore[type-arg]
    """pytest-playwright's launch options: Debian's chromium, never a downloaded browser."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `apt-get install chromium` (make test does it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}
