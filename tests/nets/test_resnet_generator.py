"""CycleGAN's ResNet generator: the paper's layout, any size, both upsamplings."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.resnet_generator import ResnetConfig, ResnetGenerator, build


@pytest.mark.parametrize("size", [(5, 7), (31, 17), (64, 64)])
def test_any_size_same_size_in_range(size: tuple[int, int]) -> None:
    net = ResnetGenerator(ResnetConfig(width=4, blocks=2)).eval()
    y = net(torch.rand(1, 3, *size))
    assert y.shape == (1, 3, *size)
    assert float(y.detach().min()) >= 0.0 and float(y.detach().max()) <= 1.0
    assert net.min_side == 5


def test_layout_c7s1_d128_d256_nine_blocks_u128_u64_c7s1() -> None:
    net = ResnetGenerator(ResnetConfig())
    convs = [m for m in net.body.modules() if isinstance(m, nn.Conv2d)]
    assert convs[0].kernel_size == (7, 7) and convs[0].out_channels == 64
    assert [c.out_channels for c in convs[1:3]] == [128, 256]
    assert all(c.stride == (2, 2) for c in convs[1:3])
    assert len(convs) == 1 + 2 + 2 * 9 + 2 + 1
    assert convs[-1].kernel_size == (7, 7) and convs[-1].out_channels == 3
    assert any(isinstance(m, nn.ReflectionPad2d) for m in net.modules())
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in net.modules())  # no checkerboards
    t = ResnetGenerator(ResnetConfig(width=4, blocks=1, upsample="transpose"))
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in t.modules()) == 2
    assert t(torch.rand(1, 3, 18, 22)).shape == (1, 3, 18, 22)


def test_config_round_trip_and_bad_values() -> None:
    cfg = ResnetConfig(width=8, blocks=6, dropout=0.5)
    assert build(cfg.to_dict()).config == cfg
    for bad in ({"blocks": -1}, {"width": 0}, {"dropout": 1.0}, {"norm": "layer"}):
        with pytest.raises(OptionError):
            ResnetConfig(**bad)  # type: ignore[arg-type]


def test_residual_generator_starts_as_the_identity_and_learns_a_change() -> None:
    x = torch.rand(2, 3, 21, 26)
    net = ResnetGenerator(ResnetConfig(width=4, blocks=2, residual=True))
    # atanh(clamp(2x - 1, +-0.999)) then tanh: the identity up to the clamp (5e-4)
    assert torch.allclose(net(x), x, atol=6e-4)
    plain = ResnetGenerator(ResnetConfig(width=4, blocks=2))
    assert float((plain(x) - x).abs().max()) > 0.05  # the paper's generator is no identity
    # out = tanh(atanh(2x - 1) + r) mapped to [0, 1]: a known r gives a hand-computed output
    last = [m for m in net.body.modules() if isinstance(m, nn.Conv2d)][-1]
    with torch.no_grad():
        last.bias.copy_(torch.tensor([0.5, 0.0, -0.5]))
    y = net(x)
    pre = (
        torch.atanh((2 * x - 1).clamp(-0.999, 0.999))
        + torch.tensor([0.5, 0.0, -0.5])[:, None, None]
    )
    assert torch.allclose(y, (torch.tanh(pre) + 1) / 2, atol=1e-5)
    # the change is learnt: one step moves the output, every parameter gets a gradient after it
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        net(x).mean().backward()
        opt.step()
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in net.parameters())
    assert build(net.config.to_dict()).config.residual


def test_residual_generator_exports_to_onnx_and_openvino(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """atanh and the float32 skip survive the exporters: both runtimes give the torch picture."""
    import onnxruntime as ort
    import openvino as ov

    from brushwork.runtime.export import export_onnx, export_openvino

    torch.manual_seed(0)
    net = ResnetGenerator(ResnetConfig(width=4, blocks=1, residual=True)).eval()
    last = [m for m in net.body.modules() if isinstance(m, nn.Conv2d)][-1]
    nn.init.normal_(last.weight, std=0.05)  # away from the identity it starts as
    x = torch.rand(1, 3, 24, 36)
    with torch.no_grad():
        expected = net(x)
    assert float((expected - x).abs().max()) > 0.01
    path = export_onnx(net, tmp_path / "g.onnx", config={"residual": True}, digest="d")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (y,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert float((torch.from_numpy(y) - expected).abs().max()) < 1e-4
    xml = export_openvino(path, tmp_path / "g.xml", meta={})
    compiled = ov.Core().compile_model(str(xml), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    z = compiled(x.numpy())[0]
    assert float((torch.from_numpy(z) - expected).abs().max()) < 1e-4
