"""Inputs and outputs of the image commands: files, folders and globs in; one output, or a
mirrored folder, out."""

from __future__ import annotations

import glob
import os
import sys
from pathlib import Path
from typing import Any

import typer

from brushwork import image as imageio
from brushwork.cli._app import _echo_path, _one_line
from brushwork.errors import ImageError


def expand_inputs(inputs: list[str]) -> list[tuple[Path, Path]]:
    """Files, folders (recursive) and globs -> (path, path relative to the output folder)."""
    from brushwork.training.data import EXTENSIONS

    found: list[tuple[Path, Path]] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.suffix.lower() in EXTENSIONS)
            special = [f for f in files if not f.is_file() and not f.is_dir()]
            for f in special:  # a FIFO would hang the first read
                typer.echo(f"warning: skipping {f}: {imageio.special_kind(f)}", err=True)
            files = [f for f in files if f.is_file()]
            if not files:
                raise ImageError(f"{p}: folder holds no images")
            found += [(f, f.relative_to(p)) for f in files]
        elif p.exists():
            if not p.is_file():  # a FIFO would hang whatever reads it first
                raise ImageError(f"{p}: is {imageio.special_kind(p)}, not a regular file")
            found.append((p, Path(p.name)))
        elif any(c in item for c in "*?["):
            files = sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not files:
                raise ImageError(f"{item}: no files match")
            found += [(f, Path(f.name)) for f in files]
        else:
            raise ImageError(f"{p}: no such file or folder")
    return found


def plan_outputs(
    found: list[tuple[Path, Path]], output: Path, *, overwrite: bool
) -> list[tuple[Path, Path]]:
    """Pair every input with its output: one file -> ``output``; several -> into the folder."""
    single = len(found) == 1 and output.suffix != "" and not output.is_dir()
    if single:
        pairs = [(found[0][0], output)]
    else:
        if output.exists() and not output.is_dir():
            raise ImageError(f"{output}: several inputs need an output folder, not a file")
        pairs = [(src, output / rel) for src, rel in found]
    seen: set[Path] = set()
    for src, dst in pairs:
        imageio.check_output_path(dst, overwrite=overwrite)
        if dst.resolve() == src.resolve():
            raise ImageError(f"{dst}: would overwrite its input; choose another output")
        if dst in seen:
            raise ImageError(f"{dst}: two inputs would be written to the same output")
        seen.add(dst)
    return pairs


def _run_each(
    pairs: list[tuple[Path, Path]],
    run: Any,
    overwrite: bool,
    quiet: bool,
    protect: list[str],
    *,
    desc: str = "stylising",
) -> None:
    """Run ``run`` on each (input, output) pair and save; in a folder run, unreadable images are
    skipped and counted."""
    from tqdm.auto import tqdm

    failed: list[str] = []
    bar = tqdm(pairs, desc=desc, unit="image", disable=quiet or len(pairs) < 2)
    for src, dst in bar:
        try:
            result = run(src)
        except ImageError as exc:
            if len(pairs) == 1:
                raise
            failed.append(str(exc))
            tqdm.write(f"skipped: {_one_line(str(exc))}", file=sys.stderr)
            continue
        imageio.save(result.image, dst, overwrite=overwrite, protect=(src, *protect))
        if len(pairs) == 1:
            if not quiet:
                typer.echo(f"done in {result.seconds:.2f} s ({result.backend})", err=True)
            _echo_path(dst)
    if len(pairs) > 1:
        typer.echo(str(_common_root(pairs)))
    if failed:
        raise ImageError(f"{len(failed)} of {len(pairs)} images could not be read: {failed[0]}")


def _common_root(pairs: list[tuple[Path, Path]]) -> Path:
    return Path(os.path.commonpath([str(dst.parent) for _, dst in pairs]))
