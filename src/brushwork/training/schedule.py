"""The learning-rate schedule the trainers share: held, then decayed linearly to zero (pix2pix's
and CycleGAN's "linear" policy, Isola et al. 2017 and Zhu et al. 2017; a cool-down that ends a
continued stage of a long constant-rate run). It is computed from the step alone, so a resumed
run needs no scheduler state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from brushwork.errors import OptionError


def lr_factor(step: int, total: int, decay_from: float) -> float:
    """1 for the first ``decay_from`` of ``total`` steps, then linearly down to 0 at ``total``
    (in steps, not epochs).

    Example:
        >>> [round(lr_factor(s, 10, 0.5), 6) for s in (0, 4, 5, 9)]
        [1.0, 1.0, 1.0, 0.2]
    """
    start = int(total * decay_from)
    if step < start:
        return 1.0
    return max(0.0, 1.0 - (step - start) / max(1, total - start))


def check_decay(decay_from: float) -> None:
    if not 0.0 <= decay_from <= 1.0:
        raise OptionError(f"decay_from must lie in [0, 1], got {decay_from}")


def set_lr(optimizers: Mapping[str, torch.optim.Optimizer], base: float, factor: float) -> None:
    """Every group of every optimizer to ``base * factor`` (times the group's ``lr_scale``)."""
    for opt in optimizers.values():
        for group in opt.param_groups:
            group["lr"] = base * group.get("lr_scale", 1.0) * factor


class LinearDecay:
    """A trainer's schedule (mixed in before :class:`~brushwork.training.trainer.Trainer`):
    :meth:`schedule` keeps the optimizers it makes, and before each step :meth:`begin_step`
    sets their learning rate from the step alone, held for ``recipe.decay_from`` of
    ``total_steps`` and then decayed linearly to 0. A constant schedule (``decay_from`` 1)
    leaves the optimizers' rates alone, so a run resumed from a checkpoint written before the
    schedule existed keeps the rates it saved (a multi-style net's faster style parameters)."""

    recipe: Any  # has decay_from
    total_steps: int
    _base_lr: float = 0.0
    _scheduled: Mapping[str, torch.optim.Optimizer] = {}

    def schedule(
        self, lr: float, optimizers: dict[str, torch.optim.Optimizer]
    ) -> dict[str, torch.optim.Optimizer]:
        """Keep ``optimizers`` (made at ``lr``) for the schedule; returns them."""
        self._base_lr, self._scheduled = lr, optimizers
        return optimizers

    def begin_step(self, step: int) -> None:
        if self.recipe.decay_from >= 1:  # constant: the optimizers keep their (resumed) rates
            return
        factor = lr_factor(step, self.total_steps, self.recipe.decay_from)
        set_lr(self._scheduled, self._base_lr, factor)
