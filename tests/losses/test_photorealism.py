"""Luan et al.'s photorealism loss: the value V^T L V, its gradient 2 L V against autograd."""

from __future__ import annotations

import pytest
import torch

from brushwork.errors import OptionError
from brushwork.losses.photorealism import PhotorealismLoss, photorealism_loss
from brushwork.ops.matting import matting_laplacian, to_torch


@pytest.fixture
def case() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    photo, out = torch.rand(1, 3, 6, 7, generator=g), torch.rand(1, 3, 6, 7, generator=g)
    dense = torch.from_numpy(matting_laplacian(photo).toarray()).float()
    return photo, out, dense


def test_value_is_sum_over_channels_of_vt_l_v(case) -> None:  # type: ignore[no-untyped-def]
    photo, out, dense = case
    by_hand = sum(out[0, c].reshape(-1) @ dense @ out[0, c].reshape(-1) for c in range(3))
    assert float(photorealism_loss(out, dense)) == pytest.approx(float(by_hand), rel=1e-5)
    sparse = to_torch(matting_laplacian(photo))
    assert float(photorealism_loss(out, sparse)) == pytest.approx(float(by_hand), rel=1e-4)


def test_gradient_is_2lv_as_autograd_finds(case) -> None:  # type: ignore[no-untyped-def]
    photo, out, dense = case
    x = out.clone().requires_grad_(True)
    photorealism_loss(x, to_torch(matting_laplacian(photo))).backward()
    y = out.clone().requires_grad_(True)
    v = y[0].reshape(3, -1).t()
    (v * (dense @ v)).sum().backward()  # autograd through the plain formula
    assert x.grad is not None and y.grad is not None
    torch.testing.assert_close(x.grad, y.grad, rtol=1e-4, atol=1e-4)
    lv = (dense @ out[0].reshape(3, -1).t()).t().reshape(out.shape)
    torch.testing.assert_close(x.grad, 2 * lv, rtol=1e-4, atol=1e-4)


def test_module_equals_function_and_bad_shapes(case) -> None:  # type: ignore[no-untyped-def]
    _, out, dense = case
    assert float(PhotorealismLoss(dense)(out)) == float(photorealism_loss(out, dense))
    with pytest.raises(OptionError, match="does not fit"):
        photorealism_loss(torch.rand(1, 3, 5, 7), dense)
    with pytest.raises(OptionError, match=r"\(1, 3, H, W\)"):
        photorealism_loss(torch.rand(2, 3, 6, 7), dense)


def test_photo_like_outputs_cost_less_than_textured_ones(small) -> None:  # type: ignore[no-untyped-def]
    from brushwork import image as imageio

    photo = imageio.to_tensor(small("content/tubingen.jpg", 48))
    lap = to_torch(matting_laplacian(photo))
    relit = (photo * torch.tensor([0.6, 0.7, 1.2]).view(1, 3, 1, 1) + 0.05).clamp(0, 1)
    textured = (relit + 0.05 * torch.randn_like(relit)).clamp(0, 1)
    assert photorealism_loss(relit, lap) < 0.01 * photorealism_loss(textured, lap)
