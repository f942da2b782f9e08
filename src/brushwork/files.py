"""Atomic file writes: a temporary file in the target folder, fsync, then rename into place,
so a crash or Ctrl-C never leaves a half-written output, model or checkpoint behind."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: the suffix of the temporary file :func:`atomic_path` writes before renaming it into place
PARTIAL_SUFFIX = ".tmp"
#: the name of such a file: ``.<name>.<16 hex digits>.tmp``
PARTIAL_NAME = re.compile(r"^\..+\.[0-9a-f]{16}" + re.escape(PARTIAL_SUFFIX) + "$")


def remove_partial(folder: str | os.PathLike[str]) -> int:
    """Delete what a killed writer left in ``folder``: temporary files of :func:`atomic_path`
    that were never renamed into place (a SIGKILL gives no chance to clean up). Returns how
    many. Only for folders no other writer is using at the time."""
    removed = 0
    p = Path(folder)
    if p.is_dir():
        for f in p.iterdir():
            if PARTIAL_NAME.match(f.name) and f.is_file():
                f.unlink(missing_ok=True)
                removed += 1
    return removed


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    # the name is known before the file exists, so a Ctrl-C or SIGTERM landing at any point
    # (signal handlers raise between any two steps) finds it to delete
    tmp = p.parent / f".{p.name}.{secrets.token_hex(8)}{PARTIAL_SUFFIX}"
    ours = True
    try:
        try:
            with open(tmp, "xb"):  # created here, exclusively (a 64-bit random name)
                pass
        except FileExistsError:
            ours = False
            raise
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        if ours:
            tmp.unlink(missing_ok=True)
        raise


def write_json(data: Any, path: str | os.PathLike[str]) -> None:
    """Write ``data`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
