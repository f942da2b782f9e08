"""``brushwork export``: ONNX and OpenVINO files that give the same picture as the torch model on
a real photo, with the config in their metadata; existing files are not overwritten."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from brushwork import image as imageio
from brushwork import runtime
from brushwork.errors import OptionError, OutputExistsError
from brushwork.pipelines.export import export_model
from brushwork.pipelines.fast import load
from brushwork.runtime.export import CONFIG_KEY, onnx_metadata

needs_ort = pytest.mark.skipif(not runtime.installed("onnxruntime"), reason="onnx extra missing")
needs_ov = pytest.mark.skipif(not runtime.installed("openvino"), reason="openvino extra missing")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(1.0 / mse)


@pytest.fixture(scope="module")
def photo(data: Path) -> torch.Tensor:
    img = imageio.load(data / "content" / "golden_gate.jpg").rgb
    return imageio.to_tensor(imageio.resize(img, imageio.size_for_long_side(img.size, 301)))


@pytest.fixture(scope="module")
def reference(photo: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return load("starry_night", backend="torch").net.float()(photo).clamp(0, 1).numpy()


@needs_ort
def test_onnx_export_gives_the_same_picture(tmp_path: Path, photo, reference) -> None:  # type: ignore[no-untyped-def]
    import onnxruntime as ort

    out = export_model("starry_night", tmp_path / "sn", format="onnx")
    assert out == tmp_path / "sn.onnx"
    meta = json.loads(onnx_metadata(out)[CONFIG_KEY])
    assert meta["style"]["name"] == "starry_night" and meta["architecture"] == "transformer"
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    y = session.run(None, {"image": photo.numpy()})[0].clip(0, 1)
    assert y.shape == reference.shape  # 301 px wide: odd sizes come back the same
    assert psnr(y, reference) >= 40
    with pytest.raises(OutputExistsError, match="--overwrite"):
        export_model("starry_night", out)
    assert export_model("starry_night", out, overwrite=True) == out


@needs_ov
def test_openvino_export_gives_the_same_picture(tmp_path: Path, photo, reference) -> None:  # type: ignore[no-untyped-def]
    import openvino as ov

    out = export_model("starry_night", tmp_path / "sn.xml", format="openvino")
    assert out.is_file() and out.with_suffix(".bin").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries left
    model = ov.Core().read_model(str(out))
    config = json.loads(model.get_rt_info(["brushwork", "config"]).astype(str))
    assert config["style"]["name"] == "starry_night"
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    y = compiled(photo.numpy())[0].clip(0, 1)
    assert psnr(y, reference) >= 40


def test_export_errors(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="unknown format 'tflite'"):
        export_model("starry_night", tmp_path / "x", format="tflite")
    with pytest.raises(
        OptionError, match=r"the_screem: not a bundled style.*Did you mean the bundled style"
    ):
        export_model("the_screem", tmp_path / "x.onnx")


@pytest.mark.skipif(
    not __import__("brushwork.devices").devices.bf16_supported(torch.device("cpu")),
    reason="this CPU has no fast bfloat16 (AVX-512 BF16/AMX); the bf16 path is not used here",
)
@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_bf16_paths_give_the_same_picture(backend, photo, reference, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not runtime.installed(backend):
        pytest.skip(f"{backend} extra not installed")
    monkeypatch.setenv("BRUSHWORK_HOME", str(tmp_path))
    style = load("starry_night", backend=backend, precision="bf16")
    y, _ = style.stylize_tensor(photo)
    assert psnr(y.numpy(), reference) >= 40


@needs_ort
def test_an_export_after_an_onnxruntime_run_copies_its_cached_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brushwork.modelfile import write_model
    from brushwork.nets.transformer import TransformerConfig, TransformerNet
    from brushwork.pipelines import export as export_pipeline

    monkeypatch.setenv("BRUSHWORK_HOME", str(tmp_path / "home"))
    torch.manual_seed(0)
    cfg = TransformerConfig(widths=(4, 8, 8), residual_blocks=1)
    model = write_model(
        tmp_path / "tiny",
        TransformerNet(cfg).state_dict(),
        {"architecture": "transformer", "config": cfg.to_dict()},
    )
    style = load(model, backend="onnxruntime")
    assert runtime.cached_graph(style.digest) is None
    style.stylize_tensor(torch.rand(1, 3, 32, 40))  # exports the plain graph into the cache
    cached = runtime.cached_graph(style.digest)
    assert cached is not None

    def exported_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(export_pipeline, "export_onnx", exported_again)
    out = export_model(model, tmp_path / "copy.onnx")
    assert out.read_bytes() == cached.read_bytes()
    # the same weights with another config.json: the cached file's metadata would be stale
    config_file = model / "config.json"
    config_file.write_text(json.dumps(json.loads(config_file.read_text()) | {"description": "x"}))
    with pytest.raises(AssertionError, match="exported again"):
        export_model(model, tmp_path / "other.onnx")
