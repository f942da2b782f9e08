"""The ``brushwork`` command line: parse, call a pipeline, report.

Every :class:`~brushwork.errors.BrushworkError` and every usage error becomes one line on
stderr and exit code 1; nothing is written unless the run succeeds. One module per command
group; importing this package registers every command on :data:`app`.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import Any

import typer

from brushwork.cli._app import _one_line, app, parse_floats, parse_ints, parse_layers
from brushwork.cli.inputs import expand_inputs, plan_outputs
from brushwork.cli.signals import _pending_stop, _stop_code, _stopped, _terminate_as_interrupt
from brushwork.cli.stylize import pick_method
from brushwork.errors import BrushworkError

# importing the command modules registers their commands on ``app``, in this order in --help
for _group in (
    "stylize",
    "video",
    "upscale",
    "translate",
    "mix",
    "batch",
    "serve",
    "models",
    "train",
):
    importlib.import_module(f"brushwork.cli.{_group}")

__all__ = [
    "app",
    "expand_inputs",
    "main",
    "parse_floats",
    "parse_ints",
    "parse_layers",
    "pick_method",
    "plan_outputs",
]


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings in brushwork's own format: one line, no source line."""
    typer.echo(f"warning: {_one_line(str(message))}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``brushwork`` console script; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        args = ["--help"]
    with warnings.catch_warnings(), _terminate_as_interrupt():
        warnings.showwarning = _show_warning
        return _run(args)


def _run(args: list[str]) -> int:
    try:
        code = app(args=args, prog_name="brushwork", standalone_mode=False)
    except BrushworkError as exc:
        typer.echo(f"error: {_one_line(str(exc))}", err=True)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:  # click's form of a Ctrl-C
        return _report_stop(None)
    except typer.TyperException as exc:
        hint = " (see brushwork --help)"
        typer.echo(f"error: {_one_line(exc.format_message())}{hint}", err=True)
        return 1
    except KeyboardInterrupt as exc:
        return _report_stop(exc)
    except MemoryError:
        typer.echo("error: out of memory; use a smaller --size", err=True)
        return 1
    except Exception as exc:
        if os.environ.get("BRUSHWORK_DEBUG"):
            raise
        msg = _one_line(str(exc)) or type(exc).__name__
        typer.echo(
            f"error: internal error: {msg} (set BRUSHWORK_DEBUG=1 for a traceback)", err=True
        )
        return 1
    if _pending_stop:  # a signal typer turned into a silent exit code
        return _report_stop(None)
    return code if isinstance(code, int) else 0  # a command's typer.Exit(code) arrives here


def _report_stop(exc: BaseException | None) -> int:
    """One line and the shell's code for a stop: the signal the handlers recorded, else the
    interrupt that arrived (Ctrl-C when there is none)."""
    stop = _pending_stop.pop() if _pending_stop else exc
    if not isinstance(stop, KeyboardInterrupt):
        stop = KeyboardInterrupt()
    typer.echo(f"error: {_stopped(stop)}", err=True)
    return _stop_code(stop)
