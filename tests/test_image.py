from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brushwork import image as imageio
from brushwork.errors import ImageError, OutputExistsError


def _rgb(w: int = 40, h: int = 30) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), "RGB")


def test_roundtrip_png_is_exact(tmp_path: Path) -> None:
    img = _rgb()
    p = imageio.save(img, tmp_path / "a.png")
    back = imageio.load(p)
    assert back.alpha is None
    assert np.array_equal(np.asarray(back.rgb), np.asarray(img))
    t = imageio.to_tensor(back.rgb)
    assert t.shape == (1, 3, 30, 40) and t.dtype == torch.float32
    assert t.min() >= 0 and t.max() <= 1
    assert np.array_equal(np.asarray(imageio.to_pil(t)), np.asarray(img))


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "I;16", "LA", "RGBA", "1"])
def test_modes_become_rgb(tmp_path: Path, mode: str) -> None:
    base = _rgb()
    if mode == "I;16":
        arr = (np.asarray(base.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
        img = Image.frombytes("I;16", base.size, arr.astype("<u2").tobytes())
        path = tmp_path / "x.png"
    else:
        img = base.convert(mode)
        path = tmp_path / ("x.tif" if mode == "CMYK" else "x.png")
    img.save(path)
    loaded = imageio.load(path)
    assert loaded.rgb.mode == "RGB" and loaded.rgb.size == (40, 30)
    if mode == "I;16":  # 16-bit is scaled down, not clipped to white
        assert np.allclose(np.asarray(loaded.rgb)[..., 0], np.asarray(base.convert("L")), atol=1)


def test_alpha_is_kept_aside_and_restored(tmp_path: Path) -> None:
    rgba = _rgb().convert("RGBA")
    alpha = Image.linear_gradient("L").resize(rgba.size)
    rgba.putalpha(alpha)
    rgba.save(tmp_path / "a.png")
    loaded = imageio.load(tmp_path / "a.png")
    assert loaded.alpha is not None and loaded.rgb.mode == "RGB"
    out = imageio.with_alpha(loaded.rgb, loaded.alpha)
    assert out.mode == "RGBA"
    assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(alpha))


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 20, 20))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    img.save(tmp_path / "r.jpg", exif=exif, quality=95)
    loaded = imageio.load(tmp_path / "r.jpg").rgb
    assert loaded.size == (20, 40)
    top = np.asarray(loaded)[2, 10]
    assert top[2] > 200 and top[0] < 60  # the blue half is now on top


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_text("hello, I am not a picture"), "not an image"),
        (lambda p: Image.new("RGB", (1, 1)).save(p, format="PNG"), "smaller than"),
    ],
)
def test_bad_files(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "in.jpg"
    make(p)
    with pytest.raises(ImageError, match=message):
        imageio.load(p)


def test_truncated_jpeg(tmp_path: Path, data: Path) -> None:
    raw = (data / "content" / "tubingen.jpg").read_bytes()
    p = tmp_path / "t.jpg"
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ImageError, match="corrupt or truncated"):
        imageio.load(p)


def test_pixel_limit(tmp_path: Path) -> None:
    p = tmp_path / "big.png"
    Image.new("L", (2000, 1000)).save(p)
    with pytest.raises(ImageError, match="over the limit"):
        imageio.load(p, max_pixels=1_000_000)


def test_decompression_bomb(tmp_path: Path) -> None:
    p = tmp_path / "bomb.png"
    Image.new("1", (14000, 14000)).save(p)  # 196 MP, a few kB on disk
    with pytest.raises(ImageError, match=r"too large|over the limit"):
        imageio.load(p)


def test_save_is_atomic_and_never_clobbers(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "o.jpg"
    imageio.save(_rgb(), out)
    first = out.read_bytes()
    with pytest.raises(OutputExistsError):
        imageio.save(_rgb(50, 50), out)
    assert out.read_bytes() == first
    imageio.save(_rgb(50, 50), out, overwrite=True)
    assert Image.open(out).size == (50, 50)
    assert [f.name for f in out.parent.iterdir()] == ["o.jpg"]  # no temp files left


def test_save_refuses_input_and_unknown_format(tmp_path: Path) -> None:
    src = tmp_path / "in.png"
    _rgb().save(src)
    with pytest.raises(OutputExistsError, match="input"):
        imageio.save(_rgb(), src, overwrite=True, protect=(src,))
    with pytest.raises(ImageError, match="unknown output format"):
        imageio.save(_rgb(), tmp_path / "o.xyz")


def test_failed_save_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        imageio.save(_rgb(), tmp_path / "o.png")
    assert list(tmp_path.iterdir()) == []


def test_sizes() -> None:
    assert imageio.size_for_long_side((1024, 768), 512) == (512, 384)
    assert imageio.size_for_long_side((300, 600), 100) == (50, 100)
    w, h = imageio.size_for_area((400, 100), 10_000)
    assert (w, h) == (200, 50)
