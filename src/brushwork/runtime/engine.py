"""What every inference backend provides: the net on a batch, and the two halves of tiled
inference (record the instance-norm statistics on a small pass, replay them on each tile)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import torch


class Engine(ABC):
    """A transform net ready to run on one backend.

    Every method takes and returns float32 CPU tensors (B, 3, H, W) in [0, 1] (the output is
    not clamped); statistics are (B, S) as :class:`brushwork.nets.norm.RecordStatistics` gives.
    """

    #: the backend's name, as ``--backend`` spells it
    name: str = ""

    def __init__(self) -> None:
        #: what the backend did once: export, compile or load seconds, cache hits
        self.info: dict[str, Any] = {}

    @abstractmethod
    def run(self, x: torch.Tensor) -> torch.Tensor:
        """The net's output for ``x``."""

    @abstractmethod
    def statistics(self, x: torch.Tensor) -> torch.Tensor:
        """The flat instance-norm statistics of a pass over ``x``."""

    @abstractmethod
    def replay(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        """The net's output for ``x``, normalised with ``stats`` instead of its own."""


class GraphEngine(Engine):
    """An engine running exported graphs by name (``plain``, ``statistics``, ``replay``)."""

    @abstractmethod
    def _call(self, graph: str, **inputs: torch.Tensor) -> torch.Tensor:
        """Run graph ``graph`` on named float32 inputs; its one output as a CPU tensor."""

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return self._call("plain", image=x)

    def statistics(self, x: torch.Tensor) -> torch.Tensor:
        return self._call("statistics", image=x)

    def replay(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        return self._call("replay", image=x, stats=stats)


class PaddedEngine(Engine):
    """``inner`` fed only sides that are multiples of ``multiple`` (each input padded on the
    right and bottom by its mirror image, :func:`~brushwork.nets.generator.mirror_pad`, each
    output cropped back): a generator whose skip connections need
    aligned sizes exports with sizes known to be multiples, and runs so on every backend."""

    def __init__(self, inner: Engine, multiple: int) -> None:
        super().__init__()
        self.inner = inner
        self.multiple = multiple
        self.name = inner.name
        self.info = inner.info

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        from brushwork.nets.generator import mirror_pad

        h, w = x.shape[-2:]
        m = self.multiple
        return mirror_pad(x, (-w) % m, (-h) % m)

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner.run(self._pad(x))[..., : x.shape[-2], : x.shape[-1]]

    def statistics(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner.statistics(self._pad(x))

    def replay(self, x: torch.Tensor, stats: torch.Tensor) -> torch.Tensor:
        return self.inner.replay(self._pad(x), stats)[..., : x.shape[-2], : x.shape[-1]]
