"""Inference backends for feed-forward nets: PyTorch (always), ONNX Runtime and OpenVINO
(optional extras). :func:`create_engine` builds one; ``"auto"`` picks the fastest installed
backend for the input size, as measured by ``benchmarks/bench_inference.py``."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from brushwork.errors import OptionError, WeightsError, unknown_choice
from brushwork.runtime.cache import export_dir, model_digest
from brushwork.runtime.engine import Engine
from brushwork.runtime.export import DIGEST_KEY, export_onnx, missing_extra, onnx_metadata

BACKENDS = ("auto", "torch", "onnxruntime", "openvino")
#: package each optional backend needs, and the extra that installs it
NEEDS = {"onnxruntime": ("onnxruntime", "onnx"), "openvino": ("openvino", "openvino")}
#: ``auto``'s order on a CPU, fastest first (bench_inference.py)
AUTO_ORDER = ("openvino", "onnxruntime", "torch")
#: below this many pixels ``auto`` stays with torch: a graph backend's per-shape start-up
#: outweighs its speed
SMALL = 256 * 256
#: a graph backend's first use exports the net (10-20 s, then cached); ``auto`` pays that only
#: for jobs of at least this many pixels, and otherwise only uses exports already cached
EXPORT_WORTH = 8_000_000

__all__ = [
    "BACKENDS",
    "Engine",
    "check_backend",
    "create_engine",
    "installed",
    "is_exported",
    "model_digest",
    "pick",
]


def installed(backend: str) -> bool:
    """Whether ``backend`` can run here (its packages are importable)."""
    if backend == "torch":
        return True
    packages = [NEEDS[backend][0], "onnx", "onnxscript"]
    return all(importlib.util.find_spec(p) is not None for p in packages)


def check_backend(backend: str, *, compile: bool = False) -> str:
    """``backend`` if known, installed and compatible with ``compile``; else a one-line error."""
    if backend not in BACKENDS:
        raise unknown_choice("backend", backend, BACKENDS)
    if compile and backend not in ("auto", "torch"):
        raise OptionError("--compile applies to the torch backend only")
    if backend in NEEDS and not installed(backend):
        package, extra = NEEDS[backend]
        raise missing_extra(package, extra)
    return backend


def pick(
    backend: str,
    pixels: int,
    device: torch.device,
    *,
    exported: bool | Callable[[], bool] = False,
    job_pixels: int = 0,
    compile: bool = False,
) -> str:
    """The concrete backend that ``backend`` means for images of ``pixels`` pixels.

    ``auto`` on a CPU takes the fastest installed backend when the net's ONNX export is cached
    (``exported``, a bool or a function asked only when it matters) or the whole job
    (``job_pixels``) is big enough to pay for exporting it; ``compile`` means torch.
    """
    check_backend(backend, compile=compile)
    if backend != "auto":
        return backend
    if compile or device.type != "cpu" or pixels <= SMALL:
        return "torch"
    if max(pixels, job_pixels) < EXPORT_WORTH and not (
        exported() if callable(exported) else exported
    ):
        return "torch"
    return next(b for b in AUTO_ORDER if installed(b))


def is_exported(digest: str) -> bool:
    """Whether the plain ONNX graph of the model with ``digest`` is in the export cache."""
    return (export_dir(digest) / "plain.onnx").is_file()


def cached_graph(digest: str, graph: str = "plain") -> Path | None:
    """The export cache's ONNX file of one graph of the model ``digest``; None when there is
    none, or when it cannot be read or belongs to another model. Creates nothing."""
    p = export_dir(digest, create=False) / f"{graph}.onnx"
    if p.is_file():
        try:
            if onnx_metadata(p).get(DIGEST_KEY) == digest:
                return p
        except WeightsError:
            pass
    return None


def onnx_graphs(net: nn.Module, config: Mapping[str, Any], digest: str) -> Callable[[str], Path]:
    """A function giving the cached ONNX file of each graph of ``net``, exported on first use;
    a cached file whose digest does not match (or that cannot be read) is exported again."""
    folder = export_dir(digest)

    def path(graph: str) -> Path:
        cached = cached_graph(digest, graph)
        if cached is not None:
            return cached
        return export_onnx(net, folder / f"{graph}.onnx", config=config, digest=digest, graph=graph)

    return path


def create_engine(
    backend: str,
    net: nn.Module,
    *,
    config: Mapping[str, Any],
    digest: str | None = None,
    device: torch.device,
    precision: str = "fp32",
    compile: bool = False,
) -> Engine:
    """An :class:`Engine` running ``net`` on a concrete backend (not ``auto``).

    Args:
        config: the model's config.json (stored in exports' metadata).
        digest: :func:`model_digest` of the model (computed when not given).
        precision: ``"fp32"`` or ``"bf16"`` (already resolved for the device).
        compile: ``torch.compile`` the net (torch backend only).
    """
    check_backend(backend, compile=compile)
    if backend == "torch":
        from brushwork.runtime.torch_engine import TorchEngine

        return TorchEngine(net, device=device, precision=precision, compile=compile)
    if device.type != "cpu":
        raise OptionError(f"the {backend} backend runs on the CPU; use --device cpu")
    digest = digest or model_digest(net.state_dict(), config)
    graphs = onnx_graphs(net, config, digest)
    if backend == "onnxruntime":
        from brushwork.runtime.onnxruntime_engine import OnnxRuntimeEngine

        return OnnxRuntimeEngine(graphs)
    if backend == "openvino":
        from brushwork.runtime.openvino_engine import OpenVinoEngine

        return OpenVinoEngine(
            graphs, cache_dir=export_dir(digest) / "openvino", precision=precision
        )
    raise missing_extra(backend, backend)  # pragma: no cover - "auto" is resolved by pick()
