"""``brushwork serve``: the HTTP API with the page mounted on it, on one port.

Safe defaults for a shared machine: it listens on 127.0.0.1 unless told otherwise (and then only
with an access token), :mod:`brushwork.web.guard` checks every request's Host, Origin and token
and lets the page's events name only files uploaded through the page, every file
lives in a private working folder that is removed when the server stops, uploads are limited
in bytes before they are parsed, and one queue with a concurrency limit serves the page and
the API alike.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brushwork.web.guard import Guard, Trust
from brushwork.web.handlers import Limits
from brushwork.web.jobs import JobQueue

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


@dataclass(frozen=True)
class ServerConfig:
    """How ``brushwork serve`` runs.

    Attributes:
        workers: jobs run at once (each uses every core through PyTorch; 1 suits a small machine).
        max_waiting: jobs that may wait for a worker; more are refused with 503.
        keep_seconds: how long a finished job's result stays downloadable.
        workdir: parent of the private working folder (default: the system's temp folder).
        page: serve the Gradio page at ``/`` (off: the API alone, without the ``web`` extra).
        trust: the accepted host names and the access token (:class:`~brushwork.web.guard.Trust`).
    """

    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    max_waiting: int = 32
    keep_seconds: float = 900
    workdir: Path | None = None
    page: bool = True
    trust: Trust = field(default_factory=lambda: Trust.for_binding(DEFAULT_HOST))


def create_app(config: ServerConfig = ServerConfig()) -> Any:
    """The ASGI app: the API under ``/api``, the page at ``/``."""
    root = Path(tempfile.mkdtemp(prefix="brushwork-web-", dir=config.workdir))
    # Gradio reads its upload folder from the environment when it is first imported.
    os.environ["GRADIO_TEMP_DIR"] = str(root / "uploads")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from brushwork.web.api import LimitBody, create_api

    queue = JobQueue(
        root / "jobs",
        workers=config.workers,
        max_waiting=config.max_waiting,
        keep_seconds=config.keep_seconds,
    )
    api = create_api(queue, config.limits)

    if config.page:
        import gradio as gr

        from brushwork.web.catalogue import catalogue
        from brushwork.web.ui import build_ui

        ui = build_ui(queue, config.limits)
        ui.queue(default_concurrency_limit=None, max_size=config.max_waiting)
        # Gradio serves files only from these: the job folders and the gallery's pictures
        shown = {str(p.painting.parent) for p in catalogue().values()}
        shown |= {str(p.preview) for p in catalogue().values() if p.preview}
        api = gr.mount_gradio_app(
            api,
            ui,
            path="/",
            allowed_paths=[str(queue.root), *sorted(shown)],
            max_file_size=config.limits.upload_bytes,
            footer_links=[],
            ssr_mode=False,
            # only brushwork's own one-line messages (gr.Error) reach the page, never an
            # exception's text, which may name a server path
            show_error=False,
        )
        # Gradio checks that an event's files were uploaded only once it has "launched";
        # mount_gradio_app never says so. The Guard refuses such files first; this is a
        # second lock on the same door.
        ui.has_launched = True

    lifespan = api.router.lifespan_context

    @asynccontextmanager
    async def cleanup(app: Any) -> AsyncIterator[Any]:
        async with lifespan(app) as state:
            yield state
        queue.shutdown()
        shutil.rmtree(root, ignore_errors=True)

    api.router.lifespan_context = cleanup
    # two uploads (a photo and a style image) and the form around them
    return Guard(LimitBody(api, 2 * config.limits.upload_bytes + 2**20), config.trust)


def check_port(host: str, port: int) -> None:
    """A clear error now, rather than a log line from inside uvicorn, if ``host:port`` is taken."""
    import socket

    from brushwork.errors import OptionError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise OptionError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    config: ServerConfig = ServerConfig(),
    *,
    log_level: str = "warning",
) -> None:
    """Run the server until interrupted."""
    import uvicorn

    check_port(host, port)
    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)
