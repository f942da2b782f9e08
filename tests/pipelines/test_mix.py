"""The bundled MIXGAN model: seeded samples, given digits rendered in colour with their shape,
sheets, and bad options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import brushwork as bw
from brushwork.errors import OptionError
from brushwork.pipelines.mix import Mixer, sheet


@pytest.fixture(scope="module")
def mixer() -> Mixer:
    m = bw.load("mnist_mixgan")
    assert isinstance(m, Mixer)
    return m


def test_samples_are_seeded_coloured_and_varied(mixer: Mixer) -> None:
    a, b = mixer.sample(8, seed=1), mixer.sample(8, seed=1)
    assert [x.tobytes() for x in a] == [x.tobytes() for x in b]
    assert all(x.size == (32, 32) and x.mode == "RGB" for x in a)
    arrays = np.stack([np.asarray(x, np.float32) / 255 for x in a])
    assert float(arrays.std(axis=(1, 2)).mean()) > 0.03  # not flat
    chroma = np.abs(arrays - arrays.mean(-1, keepdims=True)).mean()
    assert chroma > 0.03  # in colour, not grey
    assert float(np.abs(arrays[0] - arrays[1]).mean()) > 0.02  # two samples differ


def test_a_digit_keeps_its_shape(mixer: Mixer, data: Path) -> None:
    """The mixture's light and dark follow the given digit (either polarity)."""
    digit = data / "mixgan" / "mnist" / "02999_0.png"
    both = mixer.mix_both([digit, Image.open(digit).convert("RGB")])
    x = np.asarray(Image.open(digit), np.float32)
    x = np.pad(x, 2)
    lum = np.asarray(both[0].mixture.convert("L"), np.float32)
    corr = np.corrcoef(x.ravel(), lum.ravel())[0, 1]
    assert abs(corr) > 0.5
    assert np.asarray(both[0].shape).shape == (32, 32, 3)


def test_sheet_and_bad_options(mixer: Mixer) -> None:
    tiles = mixer.sample(5, seed=0)
    assert sheet(tiles, columns=2, scale=3).size == (2 * 96, 3 * 96)
    with pytest.raises(OptionError, match="between 1 and"):
        mixer.sample(0)
    with pytest.raises(OptionError, match="no style options"):
        bw.load("mnist_mixgan", style="starry_night")
    with pytest.raises(OptionError, match="no content images"):
        mixer.mix_both([])
