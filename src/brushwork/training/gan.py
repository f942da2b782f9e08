"""What the GAN trainers of image-to-image translation share (pix2pix: Isola et al., CVPR 2017;
CycleGAN: Zhu et al., ICCV 2017): Adam with beta1 0.5, the learning rate held and then decayed
linearly to zero, discriminators frozen while the generators step, warm starts from a model
folder's named nets, and preview grids.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork import zoo
from brushwork.errors import OptionError
from brushwork.modelfile import component, read_model
from brushwork.nets.registry import load_net
from brushwork.training.loop import PREVIEW_SIDE, LoopConfig
from brushwork.training.schedule import LinearDecay
from brushwork.training.trainer import Trainer, evaluating

#: the papers' loop (a GPU run, ``--gpu``): batch 1, Adam 2e-4, 200 epochs of ~400 images
PAPER_LOOP = LoopConfig(
    steps=80_000, batch_size=1, lr=2e-4, checkpoint_every=1000, preview_every=1000
)


def adam(net: nn.Module, lr: float, beta1: float) -> torch.optim.Adam:
    """Adam as both papers set it (beta1 0.5 by default there)."""
    return torch.optim.Adam(net.parameters(), lr=lr, betas=(beta1, 0.999))


@contextlib.contextmanager
def frozen(*nets: nn.Module) -> Iterator[None]:
    """The nets' parameters need no gradients for the block (the generators' step through the
    discriminators), then need them again."""
    params = [p for n in nets for p in n.parameters()]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def warm_nets(
    init: str | os.PathLike[str] | None,
    nets: Mapping[str, nn.Module],
    record: dict[str, Any],
) -> None:
    """Load each named net from the same-named component of model folder ``init`` (a run that
    continues a bundled model); ``record["init"]`` notes it."""
    if init is None:
        return
    model = read_model(init)
    for name, net in nets.items():
        other = load_net(component(model, name))
        if getattr(other, "config", None) != getattr(net, "config", None):
            raise OptionError(f"{init}: its {name} differs from this recipe's; cannot warm-start")
        net.load_state_dict(other.state_dict())
        for p in net.parameters():
            p.requires_grad_(True)
    record["init"] = zoo.describe(init)


class DecayingTrainer(LinearDecay, Trainer):
    """A translation GAN's trainer: its recipe, where and how it writes its model, and the
    papers' schedule -- subclasses build their nets and set :meth:`schedule` their optimizers
    (:class:`~brushwork.training.schedule.LinearDecay`: the learning rate is held for the
    recipe's ``decay_from`` of ``total_steps`` and decays linearly to zero)."""

    def __init__(
        self,
        recipe: Any,
        *,
        total_steps: int,
        folder: Path,
        describe: dict[str, Any],
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe
        self.total_steps = total_steps
        self.folder, self.describe, self.dtype = folder, describe, dtype


def pairs_preview(
    generator: nn.Module,
    pairs: list[tuple[Image.Image, Image.Image]],
    device: torch.device,
    back: nn.Module | None = None,
) -> Image.Image:
    """Columns of fixed pairs; rows: input, output, target (pix2pix), or, with the reverse
    generator ``back``, input, output, input reconstructed (CycleGAN's A -> B -> A)."""
    rows: list[list[Image.Image]] = [[], [], []]
    with evaluating(generator), contextlib.ExitStack() as stack:
        if back is not None:
            stack.enter_context(evaluating(back))
        for x, target in pairs:
            t = imageio.to_tensor(x).to(device)
            y = generator(t)
            third = back(y) if back is not None else None
            rows[0].append(x)
            rows[1].append(imageio.to_pil(y.float().clamp(0, 1).cpu()))
            rows[2].append(
                target if third is None else imageio.to_pil(third.float().clamp(0, 1).cpu())
            )
    return imageio.grid(rows, PREVIEW_SIDE)
