"""``brushwork serve``: the web page and HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer

from brushwork.cli._app import app
from brushwork.cli.signals import _pending_stop
from brushwork.errors import OptionError


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 opens it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 7860,
    workers: Annotated[int, typer.Option(help="Jobs run at once (each uses every core).")] = 1,
    queue: Annotated[int, typer.Option(help="Jobs that may wait; more get 503.")] = 32,
    max_upload_mb: Annotated[float, typer.Option(help="Largest upload, MB.")] = 50,
    max_megapixels: Annotated[float, typer.Option(help="Largest image, MP.")] = 40,
    max_video_seconds: Annotated[float, typer.Option(help="Longest clip, seconds.")] = 60,
    max_steps: Annotated[int, typer.Option(help="Most optimisation steps.")] = 1000,
    api_only: Annotated[
        bool, typer.Option("--api-only", help="The HTTP API alone, without the page.")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="BRUSHWORK_TOKEN",
            show_envvar=True,
            help="Access token every request must carry (required off localhost).",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Another host name the server answers to (repeatable)."),
    ] = None,
) -> None:
    """Start the web page and HTTP API (http://127.0.0.1:7860, API docs at /api/docs)."""
    import importlib.util

    from brushwork.web.guard import Trust
    from brushwork.web.handlers import Limits
    from brushwork.web.server import ServerConfig, check_port
    from brushwork.web.server import serve as run_server

    needed = ["fastapi", "uvicorn", "multipart"] + ([] if api_only else ["gradio"])
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise OptionError(
            f"brushwork serve needs {', '.join(missing)}: pip install 'brushwork[web]'"
        )
    if not 1 <= port <= 65535:
        raise OptionError(f"--port must be between 1 and 65535, got {port}")
    if workers < 1 or queue < 0:
        raise OptionError("--workers must be at least 1 and --queue at least 0")
    limits = Limits(
        upload_bytes=int(max_upload_mb * 2**20),
        pixels=int(max_megapixels * 1e6),
        video_seconds=max_video_seconds,
        steps=max_steps,
    )
    trust = Trust.for_binding(host, token or None, allow_host or ())
    config = ServerConfig(
        limits=limits, workers=workers, max_waiting=queue, page=not api_only, trust=trust
    )
    check_port(host, port)
    where = f"http://{host}:{port}"
    typer.echo(f"brushwork on {where} (API docs: /api/docs); Ctrl-C stops", err=True)
    if token:
        typer.echo(
            f"open the page once at {where}/?token=TOKEN; programs send "
            "'Authorization: Bearer TOKEN'",
            err=True,
        )
    try:
        run_server(host, port, config)
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C (or SIGTERM) it shut down on: a server's clean stop
    finally:
        _pending_stop.clear()
