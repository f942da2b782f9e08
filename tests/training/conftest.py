"""Fixtures of the translation trainers' tests: a few real facades."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image


@pytest.fixture
def facades(data: Path, tmp_path: Path) -> Path:
    """Six real facades AB pairs at 64x32."""
    out = tmp_path / "facades"
    out.mkdir()
    for i in range(1, 7):
        Image.open(data / "translation" / "facades" / "train" / f"{i}.jpg").resize((64, 32)).save(
            out / f"{i}.png"
        )
    return out


@pytest.fixture
def halves(facades: Path, tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "photo", tmp_path / "labels"
    a.mkdir()
    b.mkdir()
    for p in sorted(facades.iterdir()):
        img = Image.open(p)
        img.crop((0, 0, 32, 32)).save(a / p.name)
        img.crop((32, 0, 64, 32)).save(b / f"other_{p.name}")  # unpaired: names differ
    return a, b
