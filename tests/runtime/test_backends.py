"""Inference backends: torch, ONNX Runtime and OpenVINO give the same pictures, tiled or not;
the export cache is keyed by the model and rebuilt when stale; backend choice and errors."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
import torch

from brushwork import runtime
from brushwork.errors import OptionError
from brushwork.nets.lite import LiteConfig, LiteNet
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.pipelines.feedforward import FastStyle
from brushwork.runtime import cache, create_engine, pick
from brushwork.runtime.export import DIGEST_KEY, onnx_metadata

GRAPH_BACKENDS = [
    pytest.param(
        b,
        marks=pytest.mark.skipif(not runtime.installed(b), reason=f"{b} extra not installed"),
    )
    for b in ("onnxruntime", "openvino")
]
CPU = torch.device("cpu")


@pytest.fixture(autouse=True, scope="module")
def _home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One private export cache for the module: each graph of the tiny net is exported once."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRUSHWORK_HOME", str(tmp_path_factory.mktemp("home")))
        yield


@pytest.fixture(scope="module", params=["transformer", "lite"])
def tiny(request: pytest.FixtureRequest) -> tuple[torch.nn.Module, dict[str, object]]:
    torch.manual_seed(0)
    net: torch.nn.Module
    if request.param == "lite":
        net = LiteNet(LiteConfig(widths=(8, 16, 16), residual_blocks=2))
    else:
        net = TransformerNet(TransformerConfig(widths=(8, 16, 16), residual_blocks=2))
    with torch.no_grad():  # a net with visible structure, so differences would show
        for p in net.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return net.eval(), {"architecture": request.param, "config": net.config.to_dict()}


@pytest.mark.parametrize("backend", GRAPH_BACKENDS)
def test_engine_matches_torch(backend: str, tiny, small) -> None:  # type: ignore[no-untyped-def]
    net, config = tiny
    photo = torch.stack(
        [_t(small("content/tubingen.jpg", 75)), _t(small("content/tubingen.jpg", 75)).flip(-1)]
    )
    ref = create_engine("torch", net, config=config, device=CPU)
    eng = create_engine(backend, net, config=config, device=CPU)
    # odd sizes and a batch of two: the export kept batch, height and width dynamic
    assert photo.shape[-2:] == (56, 75)
    torch.testing.assert_close(eng.run(photo), ref.run(photo), atol=1e-4, rtol=1e-4)
    stats = ref.statistics(photo)
    torch.testing.assert_close(eng.statistics(photo), stats, atol=1e-4, rtol=1e-4)
    flipped = photo.flip(-2)  # other pixels, the same statistics given
    torch.testing.assert_close(
        eng.replay(flipped, stats), ref.replay(flipped, stats), atol=1e-4, rtol=1e-4
    )


def test_replay_of_own_statistics_is_the_plain_pass(tiny, small) -> None:  # type: ignore[no-untyped-def]
    net, config = tiny
    eng = create_engine("torch", net, config=config, device=CPU)
    x = _t(small("content/golden_gate.jpg", 64))[None]
    torch.testing.assert_close(eng.replay(x, eng.statistics(x)), eng.run(x), atol=1e-4, rtol=1e-5)
    other = _t(small("style/the_scream.jpg", 64))[None][..., : x.shape[-2], : x.shape[-1]]
    assert (eng.replay(x, eng.statistics(other)) - eng.run(x)).abs().max() > 0.05


@pytest.mark.parametrize("backend", GRAPH_BACKENDS)
def test_tiled_stylize_same_on_every_backend(backend: str, tiny, small) -> None:  # type: ignore[no-untyped-def]
    net, config = tiny
    x = _t(small("content/tubingen.jpg", 200))[None]
    ref, n = FastStyle(net, name="t", config=config, backend="torch").stylize_tensor(
        x, tile=96, overlap=32
    )
    out, m = FastStyle(net, name="t", config=config, backend=backend).stylize_tensor(
        x, tile=96, overlap=32
    )
    assert n == m > 1
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=1e-4)


@pytest.mark.skipif(not runtime.installed("onnxruntime"), reason="onnxruntime extra not installed")
# the cache does not depend on the net: one of them, whose graph the engine test exported already
@pytest.mark.parametrize("tiny", ["transformer"], indirect=True)
def test_export_cache_is_reused_and_rebuilt_when_stale(tiny) -> None:  # type: ignore[no-untyped-def]
    net, config = tiny
    digest = cache.model_digest(net.state_dict(), config)
    graphs = runtime.onnx_graphs(net, config, digest)
    path = graphs("plain")
    assert runtime.is_exported(digest) and onnx_metadata(path)[DIGEST_KEY] == digest
    stamp = path.stat().st_mtime_ns
    assert graphs("plain").stat().st_mtime_ns == stamp  # cached: not exported again
    path.write_bytes(b"not an onnx file")  # corrupt: exported again
    assert onnx_metadata(graphs("plain"))[DIGEST_KEY] == digest
    # a changed model has another digest, so it never meets the old export
    changed = {k: v + 1 if k.endswith("bias") else v for k, v in net.state_dict().items()}
    assert cache.model_digest(changed, config) != digest
    assert cache.model_digest(net.state_dict(), config | {"recipe": {"x": 1}}) == digest


def test_model_digest_is_hand_checkable() -> None:
    import hashlib
    import json

    state = {"w": torch.tensor([1.0, 2.0])}
    config = {"architecture": "transformer", "config": {"widths": [1, 2, 3]}}
    h = hashlib.sha256(
        json.dumps(
            {"architecture": "transformer", "config": {"widths": [1, 2, 3]}}, sort_keys=True
        ).encode()
    )
    h.update(b"w|torch.float32|(2,)")
    h.update(torch.tensor([1.0, 2.0]).numpy().tobytes())
    assert cache.model_digest(state, config) == h.hexdigest()


def test_auto_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    big, small_img = 1280 * 720, 128 * 128
    assert pick("torch", big, CPU, exported=True) == "torch"
    assert pick("onnxruntime", small_img, CPU) == "onnxruntime"  # explicit wins
    assert pick("auto", small_img, CPU, exported=True) == "torch"  # start-up would dominate
    assert pick("auto", big, CPU) == "torch"  # one image does not pay for an export
    assert pick("auto", big, torch.device("cuda")) == "torch"
    monkeypatch.setattr(runtime, "installed", lambda b: True)
    assert pick("auto", big, CPU, exported=True) == runtime.AUTO_ORDER[0]
    assert pick("auto", big, CPU, job_pixels=100 * big) == runtime.AUTO_ORDER[0]
    monkeypatch.setattr(runtime, "installed", lambda b: b in ("torch", "onnxruntime"))
    assert pick("auto", big, CPU, exported=True) == "onnxruntime"
    monkeypatch.setattr(runtime, "installed", lambda b: b == "torch")
    assert pick("auto", big, CPU, exported=True) == "torch"  # the fallback is always there


def test_unknown_backend_and_missing_extra(monkeypatch: pytest.MonkeyPatch, tiny) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OptionError, match=r"unknown backend 'openvno'.*Did you mean 'openvino'"):
        runtime.check_backend("openvno")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "openvino" else real(n, *a)
    )
    with pytest.raises(OptionError, match=r"pip install 'brushwork\[openvino\]'"):
        FastStyle(tiny[0], name="t", backend="openvino")
    with pytest.raises(OptionError, match="torch backend only"):
        FastStyle(tiny[0], name="t", backend="onnxruntime", compile=True)


# the compiled engine's code is the same for every net: the smaller graph compiles in a third
# of the transformer's time
@pytest.mark.parametrize("tiny", ["lite"], indirect=True)
def test_compiled_torch_matches_eager(tiny, small) -> None:  # type: ignore[no-untyped-def]
    net, config = tiny
    x = _t(small("content/tubingen.jpg", 64))[None]
    eng = create_engine("torch", net, config=config, device=CPU, compile=True)
    torch.testing.assert_close(
        eng.run(x),
        create_engine("torch", net, config=config, device=CPU).run(x),
        atol=1e-4,
        rtol=1e-4,
    )
    assert list(eng.info["compile_seconds"]) == ["48x64"]


def _t(img):  # type: ignore[no-untyped-def]
    from brushwork import image as imageio

    return imageio.to_tensor(img)[0]


@pytest.mark.skipif(not runtime.installed("onnxruntime"), reason="onnx extra not installed")
@pytest.mark.parametrize("how", ["raised", "wrapped"])
def test_ctrl_c_during_the_first_export_is_an_interrupt_and_leaves_no_file(
    how: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A Ctrl-C while the exporter runs comes out as KeyboardInterrupt, whether it escapes the
    exporter as it is or wrapped in the exporter's own error (as the probe saw: "Failed to
    export"), and nothing is left where the file would be."""
    from brushwork.runtime.export import export_onnx

    def interrupted(*args: object, **kwargs: object) -> None:
        if how == "raised":
            raise KeyboardInterrupt
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Failed to export the model with torch.export") from exc

    monkeypatch.setattr(torch.onnx, "export", interrupted)
    net = TransformerNet(TransformerConfig(widths=(8, 16, 16), residual_blocks=2))
    out = tmp_path / "cache" / "plain.onnx"
    out.parent.mkdir()
    with pytest.raises(KeyboardInterrupt):
        export_onnx(net, out, config={"architecture": "transformer"}, digest="d")
    assert list(out.parent.iterdir()) == []
