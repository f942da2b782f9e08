"""Atomic writes: the output appears whole or not at all, and an existing file is kept until
the new one is complete."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brushwork import files
from brushwork.files import atomic_path


def test_an_interrupt_while_writing_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "a.png"
    with pytest.raises(KeyboardInterrupt), atomic_path(out) as tmp:
        assert tmp.name.startswith(".a.png.") and tmp.exists()  # hidden, beside the target
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with atomic_path(out) as tmp:
        tmp.write_bytes(b"whole")
    assert out.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [out]
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_a_stop_at_the_last_moment_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "model.safetensors"
    out.write_bytes(b"old")

    def stopped(*_: object) -> None:
        raise KeyboardInterrupt  # a SIGTERM landing just before the rename

    monkeypatch.setattr(files.os, "replace", stopped)
    with pytest.raises(KeyboardInterrupt), atomic_path(out) as tmp:
        tmp.write_bytes(b"new")
    assert out.read_bytes() == b"old" and list(tmp_path.iterdir()) == [out]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_remove_partial_deletes_only_what_a_killed_writer_left(tmp_path: Path) -> None:
    from brushwork.files import PARTIAL_NAME, atomic_path, remove_partial

    with atomic_path(tmp_path / "out.png") as tmp:
        assert PARTIAL_NAME.match(tmp.name)  # the name atomic_path really uses
        left = tmp.read_bytes()
    (tmp_path / ".out.png.0123456789abcdef.tmp").write_bytes(left)  # as a SIGKILL leaves it
    (tmp_path / ".keep.tmp").write_text("not ours")
    (tmp_path / "photo.tmp").write_text("not ours")
    assert remove_partial(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".keep.tmp", "out.png", "photo.tmp"]
