"""The PyTorch backend: inference mode, bfloat16 autocast where the hardware runs it fast, and
optionally ``torch.compile`` (its cost paid once per input shape and reported;
Inductor's on-disk cache spares later processes most of it)."""

from __future__ import annotations

import time

import torch
from torch import nn

from brushwork.devices import autocast
from brushwork.nets.norm import RecordStatistics, ReplayStatistics
from brushwork.runtime.engine import Engine


class TorchEngine(Engine):
    """A transform net run by PyTorch eager (or compiled) on ``device``."""

    name = "torch"

    def __init__(
        self,
        net: nn.Module,
        *,
        device: torch.device,
        precision: str = "fp32",
        compile: bool = False,
    ) -> None:
        super().__init__()
        self.device = device
        self.precision = precision
        # NCHW: channels-last was measured slower here for these nets (reflection padding and
        # instance norm have no fast NHWC kernels on the CPU), see bench_inference.py
        self.net = net.to(device).eval()
        self._record = RecordStatistics(self.net)
        self._replay = ReplayStatistics(self.net)
        self._run = self.net
        self.compiled = compile
        self._seen: set[tuple[int, ...]] = set()
        if compile:
            self._run = torch.compile(self.net, dynamic=False)  # type: ignore[assignment]
            self.info["compile_seconds"] = {}

    def _call(self, fn: nn.Module, *args: torch.Tensor) -> torch.Tensor:
        args = tuple(a.to(self.device) for a in args)
        x = args[0]
        shape = tuple(x.shape)
        first = self.compiled and fn is self._run and shape not in self._seen
        t = time.perf_counter()
        with torch.inference_mode(), autocast(self.precision, self.device):
            out: torch.Tensor = fn(x, *args[1:]).float().cpu().contiguous()
        if first:
            self._seen.add(shape)
            self.info["compile_seconds"]["x".join(map(str, shape[2:]))] = round(
                time.perf_counter() - t, 2
            )
        return out

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return self._call(self._run, x)

    def statistics(self, x: torch.Tensor) -> torch.Tensor:
        return self._call(self._record, x)

    def replay(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        return self._call(self._replay, x, stats)
