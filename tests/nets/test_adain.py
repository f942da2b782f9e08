"""AdaIN and its decoder: statistics checked by hand and on real VGG19 features of real images."""

from __future__ import annotations

import pytest
import torch

from brushwork import image as imageio
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError
from brushwork.nets.adain import (
    AdaIN,
    AdaINDecoder,
    DecoderConfig,
    adaptive_instance_norm,
    mean_std,
)


def test_mean_std_hand_computed() -> None:
    x = torch.tensor([[[[1.0, 3.0], [5.0, 7.0]], [[2.0, 2.0], [2.0, 2.0]]]])
    mean, std = mean_std(x, eps=0.0)
    assert mean.shape == (1, 2, 1, 1)
    assert torch.allclose(mean.flatten(), torch.tensor([4.0, 2.0]))
    assert torch.allclose(std.flatten(), torch.tensor([5.0**0.5, 0.0]))  # biased variance 5


def test_masked_mean_std_is_the_regions_own() -> None:
    x = torch.randn(2, 3, 6, 8, dtype=torch.float64)
    mask = torch.zeros(1, 1, 6, 8, dtype=torch.float64)
    mask[..., :, :3] = 1.0
    mean, std = mean_std(x, eps=0.0, mask=mask)
    ref_mean, ref_std = mean_std(x[..., :, :3], eps=0.0)
    assert torch.allclose(mean, ref_mean) and torch.allclose(std, ref_std)


@pytest.fixture(scope="module")
def features(data):  # type: ignore[no-untyped-def]
    enc = load_vgg19(max_layer="relu4_1")

    def feats(rel: str, side: int) -> torch.Tensor:
        img = imageio.load(data / rel).rgb
        img = imageio.resize(img, imageio.size_for_long_side(img.size, side))
        with torch.no_grad():
            return enc(imageio.to_tensor(img), ["relu4_1"])["relu4_1"]

    return feats("content/tubingen.jpg", 128), feats("style/starry_night.jpg", 96)


def test_adain_gives_the_style_statistics_on_real_features(features) -> None:  # type: ignore[no-untyped-def]
    fc, fs = features
    out = adaptive_instance_norm(fc, fs)
    assert out.shape == fc.shape
    m_out, s_out = mean_std(out, eps=0.0)
    m_s, s_s = mean_std(fs, eps=1e-5)
    assert torch.allclose(m_out, m_s, atol=1e-3, rtol=1e-4)
    assert torch.allclose(s_out, s_s, atol=1e-3, rtol=1e-3)
    # the content's spatial layout survives: per channel, an increasing affine map of fc
    c = 37
    assert torch.corrcoef(torch.stack([fc[0, c].flatten(), out[0, c].flatten()]))[0, 1] > 0.999


def test_adain_of_its_own_statistics_is_the_identity(features) -> None:  # type: ignore[no-untyped-def]
    fc, _ = features
    assert torch.allclose(adaptive_instance_norm(fc, fc), fc, atol=1e-3)
    # the Module and (mean, std) targets agree with the function
    assert torch.allclose(AdaIN()(fc, mean_std(fc)), fc, atol=1e-3)


def test_adain_in_a_region_uses_the_regions_statistics(features) -> None:  # type: ignore[no-untyped-def]
    fc, fs = features
    mask = torch.zeros(1, 1, *fc.shape[-2:])
    mask[..., : fc.shape[-2] // 2, :] = 1.0
    out = adaptive_instance_norm(fc, fs, mask=mask)
    m_out, s_out = mean_std(out, eps=0.0, mask=mask)
    m_s, s_s = mean_std(fs)
    assert torch.allclose(m_out, m_s, atol=1e-3) and torch.allclose(s_out, s_s, atol=1e-3)


def test_channel_mismatch_is_an_error() -> None:
    with pytest.raises(OptionError, match="channels"):
        adaptive_instance_norm(torch.rand(1, 4, 3, 3), torch.rand(1, 5, 3, 3))


def test_decoder_mirrors_the_encoder() -> None:
    dec = AdaINDecoder()
    assert dec(torch.rand(1, 512, 3, 5)).shape == (1, 3, 24, 40)
    convs = [m for m in dec.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in convs] == [
        (512, 256), (256, 256), (256, 256), (256, 256), (256, 128), (128, 128), (128, 64),
        (64, 64), (64, 3),
    ]  # fmt: skip
    assert not any(isinstance(m, torch.nn.modules.batchnorm._NormBase) for m in dec.modules())
    assert sum(p.numel() for p in dec.parameters()) == 3_505_219
    half = AdaINDecoder(DecoderConfig(width=0.5))
    assert half(torch.rand(1, 512, 2, 2)).shape == (1, 3, 16, 16)
    shallow = AdaINDecoder(DecoderConfig(layer="relu3_1"))
    assert shallow(torch.rand(1, 256, 4, 4)).shape == (1, 3, 16, 16)


def test_decoder_config_round_trip_and_errors() -> None:
    cfg = DecoderConfig(width=0.5)
    assert DecoderConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(OptionError, match="decoder layer must be one of"):
        DecoderConfig(layer="relu5_1")
    with pytest.raises(OptionError, match="unknown fields"):
        DecoderConfig.from_dict({"layer": "relu4_1", "depth": 3})
    with pytest.raises(OptionError, match="relu4_1 features, got"):
        AdaINDecoder()(torch.rand(1, 256, 4, 4))


@pytest.mark.parametrize(("layer", "channels", "factor"),
                         [("relu1_1", 64, 1), ("relu2_1", 128, 2), ("relu3_1", 256, 4)])  # fmt: skip
def test_decoders_of_every_level_mirror_vgg(layer: str, channels: int, factor: int) -> None:
    dec = AdaINDecoder(DecoderConfig(layer=layer, width=0.25, input_scale=0.01))
    assert dec.factor == factor
    assert dec(torch.rand(1, channels, 5, 6)).shape == (1, 3, 5 * factor, 6 * factor)
    convs = [m for m in dec.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].in_channels == channels and convs[-1].out_channels == 3
    assert len(convs) == {"relu1_1": 1, "relu2_1": 3, "relu3_1": 5}[layer]


def test_input_scale_multiplies_the_features_and_old_configs_omit_it() -> None:
    torch.manual_seed(0)
    a = AdaINDecoder(DecoderConfig(layer="relu1_1"))
    b = AdaINDecoder(DecoderConfig(layer="relu1_1", input_scale=0.5))
    b.load_state_dict(a.state_dict())
    f = torch.rand(1, 64, 4, 4)
    torch.testing.assert_close(b(f), a(f * 0.5))
    assert "input_scale" not in DecoderConfig().to_dict()
    assert DecoderConfig.from_dict({"layer": "relu4_1", "width": 1.0}).input_scale == 1.0
    with pytest.raises(OptionError, match="input scale"):
        DecoderConfig(input_scale=0)
