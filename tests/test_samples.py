from __future__ import annotations

import numpy as np
import pytest

from brushwork.errors import OptionError
from brushwork.samples import brushstrokes, sample_photo


def test_brushstrokes_is_deterministic_and_colourful() -> None:
    a, b = brushstrokes((128, 96), seed=1), brushstrokes((128, 96), seed=1)
    assert a.size == (128, 96) and np.array_equal(np.asarray(a), np.asarray(b))
    arr = np.asarray(a, float)
    assert arr.std() > 20  # strokes, not a flat fill
    assert not np.array_equal(np.asarray(brushstrokes((128, 96), seed=2)), np.asarray(a))


def test_sample_photo() -> None:
    assert sample_photo("astronaut").size == (512, 512)
    with pytest.raises(OptionError, match="astronaut"):
        sample_photo("astronot")
