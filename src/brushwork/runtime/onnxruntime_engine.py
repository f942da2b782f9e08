"""The ONNX Runtime backend (optional extra ``brushwork[onnx]``): the net exported once per
model to the export cache, then run by ORT's CPU (or CUDA) provider."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from brushwork.errors import WeightsError
from brushwork.runtime.engine import GraphEngine
from brushwork.runtime.export import missing_extra


class OnnxRuntimeEngine(GraphEngine):
    """Runs the graphs that ``graphs(name)`` returns paths for (exported on first use)."""

    name = "onnxruntime"

    def __init__(self, graph_path: Any, *, threads: int | None = None) -> None:
        super().__init__()
        try:
            import onnxruntime as ort
        except ImportError:
            raise missing_extra("onnxruntime", "onnx") from None
        self._ort = ort
        self._graph_path = graph_path
        self._threads = threads or torch.get_num_threads()
        self._sessions: dict[str, Any] = {}

    def _session(self, graph: str) -> Any:
        if graph not in self._sessions:
            path: Path = self._graph_path(graph)
            opts = self._ort.SessionOptions()
            opts.intra_op_num_threads = self._threads
            opts.inter_op_num_threads = 1
            opts.graph_optimization_level = self._ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            try:
                self._sessions[graph] = self._ort.InferenceSession(
                    os.fspath(path), opts, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # ORT raises its own classes for a bad file
                raise WeightsError(f"{path}: ONNX Runtime cannot load it ({exc})") from None
        return self._sessions[graph]

    def _call(self, graph: str, **inputs: torch.Tensor) -> torch.Tensor:
        feed = {k: np.ascontiguousarray(v.float().cpu().numpy()) for k, v in inputs.items()}
        (out,) = self._session(graph).run(None, feed)
        return torch.from_numpy(out)
