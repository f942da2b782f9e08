"""Translation training data: AB pairs and two-folder pairs with the same jitter on both sides,
unpaired folders, and clear errors for data pix2pix and CycleGAN cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image

from brushwork.errors import OptionError
from brushwork.training.pairs import PairedImages, UnpairedImages


def _ab(folder: Path, n: int, size: tuple[int, int] = (40, 20)) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        left = Image.new("RGB", (size[0] // 2, size[1]), (10 * i, 0, 0))
        img = Image.new("RGB", size, (0, 0, 200))
        img.paste(left, (0, 0))
        img.save(folder / f"{i}.png")
    return folder


def test_ab_images_split_into_input_and_target_by_direction(tmp_path: Path) -> None:
    folder = _ab(tmp_path / "ab", 3)
    atob = PairedImages(folder, crop=16, load_size=18, direction="AtoB").batch(0, 0, 2)
    btoa = PairedImages(folder, crop=16, load_size=18, direction="BtoA").batch(0, 0, 2)
    assert atob.shape == (2, 6, 16, 16)
    assert float(atob[:, 2].max()) == 0.0  # A (left) has no blue
    assert float(atob[:, 5].min()) > 0.7  # B (right) is blue
    assert torch.equal(btoa[:, :3], atob[:, 3:]) and torch.equal(btoa[:, 3:], atob[:, :3])


def test_a_pair_gets_the_same_crop_and_flip(data: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    src = Image.open(data / "content" / "tubingen.jpg").convert("RGB").resize((64, 48))
    for i in range(2):
        src.save(a / f"{i}.png")
        src.save(b / f"{i}.png")
    batch = PairedImages(a, b, crop=32, load_size=40).batch(3, 5, 4)
    assert torch.equal(batch[:, :3], batch[:, 3:])  # same image, same jitter


def test_batches_depend_only_on_seed_and_step(tmp_path: Path) -> None:
    folder = _ab(tmp_path / "ab", 5)
    data = PairedImages(folder, crop=16, load_size=20)
    assert torch.equal(data.batch(1, 7, 2), data.batch(1, 7, 2))
    assert not torch.equal(data.batch(1, 7, 2), data.batch(1, 8, 2))
    whole = data.batch(1, 3, 4)
    assert torch.equal(torch.cat([data.batch(1, 3, 2, rank=r, world=2) for r in (0, 1)]), whole)


def test_unpaired_draws_each_side_from_its_folder(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, colour in ((a, (255, 0, 0)), (b, (0, 0, 255))):
        folder.mkdir()
        for i in range(3):
            Image.new("RGB", (30 + i, 20), colour).save(folder / f"{i}.png")
    Image.new("L", (25, 25), 128).save(a / "grey.png")  # grey is converted
    batch = UnpairedImages(a, b, crop=16, load_size=18).batch(0, 0, 4)
    assert batch.shape == (4, 6, 16, 16)
    assert float(batch[:, 5].min()) == 1.0 and float(batch[:, 3].max()) == 0.0


def test_bad_data_gives_one_clear_error(tmp_path: Path) -> None:
    square = tmp_path / "square"
    square.mkdir()
    for i in range(2):
        Image.new("RGB", (30, 30)).save(square / f"{i}.png")
    with pytest.raises(OptionError, match="width must be twice its height"):
        PairedImages(square)
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, names in ((a, ("x", "y")), (b, ("x", "z"))):
        folder.mkdir()
        for n in names:
            Image.new("RGB", (20, 20)).save(folder / f"{n}.png")
    with pytest.raises(OptionError, match="do not match: y is only in A"):
        PairedImages(a, b)
    one = tmp_path / "one"
    one.mkdir()
    Image.new("RGB", (20, 20)).save(one / "0.png")
    with pytest.raises(OptionError, match="only one image"):
        UnpairedImages(one, a)
    (tmp_path / "empty").mkdir()
    with pytest.raises(OptionError, match="no images"):
        UnpairedImages(a, tmp_path / "empty")
    with pytest.raises(OptionError, match="direction"):
        PairedImages(a, b, direction="AtoC")
