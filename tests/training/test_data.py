from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import torch
from PIL import Image

from brushwork.errors import OptionError
from brushwork.training.data import PhotoFolder


@pytest.fixture
def folder(tmp_path: Path, data: Path) -> Path:
    root = tmp_path / "photos"
    (root / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(data / "content" / "tubingen.jpg", root / "tubingen.jpg")
    shutil.copy(data / "content" / "lion.jpg", root / "nested" / "deeper" / "lion.jpg")
    Image.open(data / "content" / "golden_gate.jpg").convert("L").save(root / "nested" / "grey.png")
    Image.new("RGB", (40, 300), "red").save(root / "tall.png")  # narrower than the crop
    (root / "notes.jpg").write_text("not an image")
    raw = (data / "content" / "chicago.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(raw[: len(raw) // 3])
    (root / "readme.txt").write_text("ignored: not an image extension")
    return root


def test_recursive_scan_skips_unreadable_with_a_warning(folder: Path) -> None:
    with pytest.warns(UserWarning, match="skipped 1 unreadable"):
        photos = PhotoFolder(folder, crop=64)
    names = sorted(p.name for p in photos.files)
    assert names == ["grey.png", "lion.jpg", "tall.png", "truncated.jpg", "tubingen.jpg"]
    assert [p.name for p in photos.skipped] == ["notes.jpg"]


def test_batches_are_rgb_crops_and_undecodable_files_are_skipped(folder: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        photos = PhotoFolder(folder, crop=64)
        # every photo once (an epoch is a permutation): the truncated one is replaced
        batch = photos.batch(seed=0, step=0, batch_size=5)
    assert batch.shape == (5, 3, 64, 64)
    assert float(batch.min()) >= 0.0 and float(batch.max()) <= 1.0
    assert {p.name for p in photos.skipped} == {"notes.jpg", "truncated.jpg"}


def test_batches_depend_only_on_seed_and_step(data: Path) -> None:
    photos = PhotoFolder(data / "content", crop=48)
    a = photos.batch(seed=3, step=7, batch_size=4)
    assert torch.equal(
        a, PhotoFolder(data / "content", crop=48).batch(seed=3, step=7, batch_size=4)
    )
    assert not torch.equal(a, photos.batch(seed=3, step=8, batch_size=4))
    assert not torch.equal(a, photos.batch(seed=4, step=7, batch_size=4))
    # two processes of a torchrun job share the step's global batch between them
    halves = [photos.batch(seed=3, step=7, batch_size=2, rank=r, world=2) for r in (0, 1)]
    assert torch.equal(torch.cat(halves), a)


def test_an_epoch_visits_every_photo_once(tmp_path: Path) -> None:
    for i in range(6):
        Image.new("RGB", (32, 32), (40 * i, 0, 0)).save(tmp_path / f"{i}.png")
    photos = PhotoFolder(tmp_path, crop=32)
    reds = {
        round(float(photos.batch(0, s, 2)[k, 0].mean()) * 255) for s in range(3) for k in range(2)
    }
    assert reds == {0, 40, 80, 120, 160, 200}


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(OptionError, match="no readable images"):
        PhotoFolder(tmp_path)
    with pytest.raises(OptionError, match="must be a folder"):
        PhotoFolder(tmp_path / "a.txt")
