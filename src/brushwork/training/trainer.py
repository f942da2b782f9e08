"""The trainer contract (as the CycleGAN repo's ``BaseModel``): a method's trainer owns any number
of named nets, optimizers and LR schedulers and says what one step does; the loop
(:func:`brushwork.training.loop.fit`) owns everything else -- device, bf16 autocast, batches,
DistributedDataParallel, checkpoints (every named component, bit-exact resume), previews,
logging -- and calls :meth:`Trainer.finish` at the end.

A one-net method subclasses :class:`OneNetTrainer` and writes only its losses, preview and
finish; a GAN subclasses :class:`Trainer` and alternates its own updates in
:meth:`Trainer.train_step` (see ``tests/training/test_trainer.py`` for a two-net toy GAN).
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

import torch
from PIL import Image
from torch import nn

from brushwork import zoo
from brushwork.devices import autocast
from brushwork.errors import OptionError
from brushwork.modelfile import read_config, read_model
from brushwork.nets.registry import load_net

if TYPE_CHECKING:
    from brushwork.training.loop import LoopConfig

#: the name of a one-net method's net and of its optimizer
NET = "net"
#: steps in a row whose gradients are not finite before a run is stopped as diverged
MAX_SKIPPED = 10


def finite_gradients(optimizer: torch.optim.Optimizer) -> bool:
    """Whether the squares of all gradients of ``optimizer``'s parameters are finite in float32:
    no inf or NaN, and none so large (above about 1.8e19) that Adam's second moment would
    overflow to inf and freeze that weight for good.

    Example:
        >>> w = torch.zeros(2, requires_grad=True)
        >>> opt = torch.optim.SGD([w], lr=0.1)
        >>> (w * torch.tensor([1.0, 1e28])).sum().backward()
        >>> finite_gradients(opt)
        False
    """
    grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    return all(bool(torch.isfinite(g.float().square().sum())) for g in grads)


class RunOptions(TypedDict, total=False):
    """How a training run treats its model folder: the keyword options every ``train_*``
    function takes (``**run``) and passes on to :func:`~brushwork.training.loop.fit`.

    Keys:
        resume: continue from the folder's checkpoint.
        overwrite: start afresh over a model or checkpoint there.
        progress: show a progress bar (default: yes).
        dtype: of the saved weights (float16 halves the file; default float32).
        description: one line for model lists.
    """

    resume: bool
    overwrite: bool
    progress: bool
    dtype: torch.dtype
    description: str


class StepContext:
    """What :meth:`Trainer.train_step` uses to compute and apply a step: the loop's autocast
    and, for each named optimizer, one backward pass and update."""

    def __init__(
        self,
        optimizers: Mapping[str, torch.optim.Optimizer],
        precision: str,
        device: torch.device,
        step: int,
    ) -> None:
        self.optimizers = optimizers
        self.precision = precision
        self.device = device
        self.step = step  # steps done before this one
        #: whether this step reads its loss and gradients (every CPU step, every tenth GPU one)
        self.checks = device.type == "cpu" or (step + 1) % 10 == 0
        #: updates of this step skipped for gradients that are not finite
        self.skipped = 0

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """bf16 autocast where the run uses it (forward passes and losses go inside)."""
        return autocast(self.precision, self.device)

    def update(self, loss: torch.Tensor, optimizer: str) -> None:
        """Minimise ``loss`` by one step of the named optimizer (its gradients zeroed first).

        A loss that is not finite stops the run; gradients that are not finite skip the update
        (the loop stops after ``MAX_SKIPPED`` such steps in a row). Reading either waits for the
        device, so on a GPU they are read on every tenth step only (those that complete a
        multiple of ten steps, where checkpoints fall), not mid-way through every step."""
        if self.checks and not math.isfinite(float(loss.detach())):
            raise OptionError(
                f"training diverged at step {self.step + 1} (loss {float(loss)}); lower --lr"
            )
        opt = self.optimizers[optimizer]
        opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        if self.checks and not finite_gradients(opt):
            # A batch the net cannot take (a flat crop: each instance norm of a constant map
            # multiplies the gradient by about 1/sqrt(eps), to 1e28 or inf over the net's depth)
            # would turn weights to NaN or freeze them (Adam's second moment at inf); the
            # update is skipped instead, as a loss scaler does.
            self.skipped += 1
            warnings.warn(
                f"step {self.step + 1}: update skipped, its gradients are not finite "
                "(a flat or degenerate batch)",
                stacklevel=2,
            )
            return
        opt.step()


class Trainer(ABC):
    """A method's training: named nets, their optimizers and schedulers, and one step."""

    @abstractmethod
    def nets(self) -> dict[str, nn.Module]:
        """Every net this method trains and checkpoints, by name (``finish`` gets their
        weights under the same names)."""

    @abstractmethod
    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """The optimizers, by name (``StepContext.update`` names one)."""

    def schedulers(
        self, optimizers: Mapping[str, torch.optim.Optimizer], loop: LoopConfig
    ) -> dict[str, Any]:
        """LR schedulers by name, stepped once after every step (none by default)."""
        return {}

    def to(self, device: torch.device) -> None:
        """Move the nets (and, in subclasses, loss networks) to ``device``."""
        for net in self.nets().values():
            net.to(device)

    def begin_step(self, step: int) -> None:  # noqa: B027 (a hook: most methods need none)
        """Called before each step with the number of steps done so far."""

    @abstractmethod
    def train_step(
        self, nets: Mapping[str, nn.Module], batch: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        """One step on ``batch`` (B, 3, H, W) in [0, 1] with ``nets`` (wrapped for DDP when
        distributed): compute losses under ``ctx.autocast()``, apply them with
        ``ctx.update``; return the named losses to log."""

    @abstractmethod
    def preview_nets(
        self, nets: Mapping[str, nn.Module], photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """A picture of the current results on ``photos``."""

    @abstractmethod
    def finish_nets(
        self, states: dict[str, dict[str, torch.Tensor]], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        """Write the trained model (``states``: each net's weights, by name)."""


class OneNetTrainer(Trainer):
    """A method that trains one net, ``self.net``, with Adam on one total loss."""

    net: nn.Module

    def nets(self) -> dict[str, nn.Module]:
        return {NET: self.net}

    def param_groups(self, lr: float) -> list[dict[str, Any]]:
        """The parameters Adam updates, as parameter groups (each with its lr)."""
        return [{"params": list(self.net.parameters()), "lr": lr}]

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return {NET: torch.optim.Adam(self.param_groups(lr), lr=lr)}

    def train_step(
        self, nets: Mapping[str, nn.Module], batch: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        with ctx.autocast():
            parts = self.losses(nets[NET], batch)
        ctx.update(parts["total"], NET)
        return parts

    def preview_nets(
        self, nets: Mapping[str, nn.Module], photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        return self.preview(nets[NET], photos, device)

    def finish_nets(
        self, states: dict[str, dict[str, torch.Tensor]], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        self.finish(states[NET], preview, info)

    @abstractmethod
    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        """Named losses of ``batch``; ``"total"`` is minimised."""

    @abstractmethod
    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """A picture of the net's current results on ``photos``."""

    @abstractmethod
    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        """Write the trained model."""


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Build nets under ``seed`` without touching the caller's random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def evaluating(net: nn.Module) -> Iterator[None]:
    """``net`` in eval mode without gradients for the block (a preview), then as it was."""
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        net.train(was_training)


def warm_start(
    init: str | os.PathLike[str] | None,
    expect: str,
    config: Any,
    record: dict[str, Any],
    *,
    same: Callable[[Any, Any], bool] = lambda a, b: a == b,
) -> nn.Module | None:
    """The net of model folder ``init`` to continue from (None without one): it must be an
    ``expect`` net whose config ``same``-matches ``config``; ``record["init"]`` notes it."""
    if init is None:
        return None
    net = load_net(read_model(init), expect=expect)
    if not same(getattr(net, "config", None), config):
        raise OptionError(f"{init}: its net config differs from this recipe's; cannot warm-start")
    record["init"] = zoo.describe(init)
    return net


def run_description(
    run: RunOptions,
    init: str | os.PathLike[str] | None,
    same_model: Callable[[dict[str, Any]], bool],
) -> str:
    """The run's ``description``, or, for a run that continues model folder ``init`` without
    one, that model's when ``same_model(its config)`` (a later stage of a style is still that
    style; an identity net it starts from is not)."""
    given = run.get("description", "")
    if given or init is None:
        return given
    config = read_config(init)
    return str(config.get("description", "")) if same_model(config) else ""


def trainable(net: nn.Module, init: nn.Module | None = None) -> nn.Module:
    """``net`` with ``init``'s weights (a warm start) when given, every parameter trainable."""
    if init is not None:
        net.load_state_dict(init.state_dict())
    for p in net.parameters():
        p.requires_grad_(True)
    return net
