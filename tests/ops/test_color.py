from __future__ import annotations

import pytest
import torch

from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.ops import color


def test_yiq_roundtrip_and_luminance_by_hand() -> None:
    x = torch.rand(2, 3, 5, 5)
    assert torch.allclose(color.yiq_to_rgb(color.rgb_to_yiq(x)), x, atol=1e-5)
    red = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    assert color.luminance(red).item() == pytest.approx(0.299)


def test_match_color_gives_target_mean_and_covariance(small) -> None:  # type: ignore[no-untyped-def]
    style = imageio.to_tensor(small("style/starry_night.jpg", 96))
    content = imageio.to_tensor(small("content/golden_gate.jpg", 96))
    target = content * 0.4 + 0.3  # a narrow gamut, so the result needs no clamping
    out = color.match_color(style, target)
    o, c = out.reshape(3, -1), target.reshape(3, -1)
    assert out.shape == style.shape
    assert torch.allclose(o.mean(1), c.mean(1), atol=1e-3)
    assert torch.allclose(torch.cov(o), torch.cov(c), atol=2e-4)
    # on the full-gamut photo the mean still matches (clamping trims only the spread)
    full = color.match_color(style, content).reshape(3, -1)
    assert torch.allclose(full.mean(1), content.reshape(3, -1).mean(1), atol=0.03)


def test_match_luminance_and_combine(small) -> None:  # type: ignore[no-untyped-def]
    style = imageio.to_tensor(small("style/the_scream.jpg", 64))
    content = imageio.to_tensor(small("content/tubingen.jpg", 64))
    g = color.match_luminance(style, content)
    assert torch.allclose(g[:, 0], g[:, 1]) and torch.allclose(g[:, 1], g[:, 2])
    assert abs(g[:, :1].mean() - color.luminance(content).mean()) < 0.02
    grey_version = color.grey(content)
    back = color.combine_luminance(grey_version, content)
    assert torch.allclose(back, content, atol=0.02)  # grey luminance + content chroma = content


def test_unknown_mode() -> None:
    with pytest.raises(OptionError, match="luminance"):
        color.check_mode("lumen")
