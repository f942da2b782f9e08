"""The OpenVINO backend (optional extra ``brushwork[openvino]``): the exported ONNX graph read
by OpenVINO, reshaped to each input shape and compiled for the CPU, in bfloat16 where the CPU
has it. Compiled blobs go to OpenVINO's model cache in the export folder, so a second process
skips most of the compile; compiled models are also kept in memory per shape."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch

from brushwork.errors import WeightsError
from brushwork.runtime.engine import GraphEngine
from brushwork.runtime.export import missing_extra

#: compiled shapes kept in memory per graph
KEEP = 4


class OpenVinoEngine(GraphEngine):
    """Runs the graphs that ``graph_path(name)`` returns ONNX paths for."""

    name = "openvino"

    def __init__(
        self,
        graph_path: Any,
        *,
        cache_dir: Path,
        precision: str = "fp32",
        threads: int | None = None,
    ) -> None:
        super().__init__()
        try:
            import openvino as ov
        except ImportError:
            raise missing_extra("openvino", "openvino") from None
        self._core = ov.Core()
        self._core.set_property({"CACHE_DIR": os.fspath(cache_dir)})
        self._graph_path = graph_path
        self._config = {
            "INFERENCE_PRECISION_HINT": "bf16" if precision == "bf16" else "f32",
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": threads or torch.get_num_threads(),
        }
        self._models: dict[str, Any] = {}
        self._compiled: OrderedDict[tuple[str, tuple[int, ...]], Any] = OrderedDict()

    def _compile(self, graph: str, inputs: dict[str, torch.Tensor]) -> Any:
        key = (graph, tuple(s for v in inputs.values() for s in v.shape))
        if key in self._compiled:
            self._compiled.move_to_end(key)
            return self._compiled[key]
        if graph not in self._models:
            path = self._graph_path(graph)
            try:
                self._models[graph] = self._core.read_model(os.fspath(path))
            except Exception as exc:
                raise WeightsError(f"{path}: OpenVINO cannot read it ({exc})") from None
        model = self._models[graph].clone()
        model.reshape({k: list(v.shape) for k, v in inputs.items()})
        compiled = self._core.compile_model(model, "CPU", self._config)
        self._compiled[key] = compiled
        while len(self._compiled) > KEEP:
            self._compiled.popitem(last=False)
        return compiled

    def _call(self, graph: str, **inputs: torch.Tensor) -> torch.Tensor:
        feed = {k: v.float().cpu().contiguous() for k, v in inputs.items()}
        compiled = self._compile(graph, feed)
        result = compiled({k: v.numpy() for k, v in feed.items()})
        return torch.from_numpy(result[compiled.output(0)].copy())
