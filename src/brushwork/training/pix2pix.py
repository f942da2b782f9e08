"""pix2pix (Isola, Zhu, Zhou and Efros, "Image-to-Image Translation with Conditional Adversarial
Networks", CVPR 2017): a U-Net generator G and a conditional PatchGAN discriminator D trained on
aligned pairs (x, y) with

    D: min  GAN(D(x, y), real) + GAN(D(x, G(x)), fake)      (halved, as the paper slows D)
    G: min  GAN(D(x, G(x)), real) + lambda |y - G(x)|_1      (lambda = 100)

Paper recipe (``GPU``): 256 px crops after resizing to 286, batch 1, Adam lr 2e-4 beta1 0.5,
100 epochs constant then 100 decaying linearly, vanilla GAN loss, 70 x 70 PatchGAN, batch norm.
The CPU recipe (``CPU``) trains a narrower net on 128 px crops.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

import torch
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork.errors import OptionError
from brushwork.losses.adversarial import GAN_MODES, gan_loss
from brushwork.losses.cycle import l1_loss
from brushwork.modelfile import write_components
from brushwork.nets.patchgan import PatchDiscriminator, PatchGANConfig
from brushwork.nets.unet import UNetConfig, UNetGenerator
from brushwork.options import Options
from brushwork.training.gan import (
    PAPER_LOOP,
    DecayingTrainer,
    adam,
    frozen,
    pairs_preview,
    warm_nets,
)
from brushwork.training.loop import LoopConfig, TrainResult, fit, model_config
from brushwork.training.pairs import PairedImages, check_direction
from brushwork.training.schedule import check_decay
from brushwork.training.trainer import RunOptions, StepContext, run_description, seeded

GENERATOR, DISCRIMINATOR = "generator", "discriminator"


@dataclass(frozen=True)
class Pix2PixRecipe(Options):
    """Loss, data and net options of a pix2pix run; saved in the model's config.json.

    Attributes:
        crop: side of the training crops.
        load_size: images are resized to this square before the random crop (paper: 286).
        direction: "AtoB" or "BtoA" (pix2pix's AB images: A is the left half).
        gan_mode: "vanilla" (paper) or "lsgan".
        l1_weight: lambda of the L1 term (paper: 100).
        beta1: Adam's beta1 (paper: 0.5).
        decay_from: share of the steps at constant learning rate before the linear decay.
        generator, discriminator: the nets' configs.
        domains: names of the A and B images, for people ("photo", "labels").
    """

    kind: ClassVar[str] = "pix2pix recipe"

    crop: int = 256
    load_size: int = 286
    direction: str = "AtoB"
    gan_mode: str = "vanilla"
    l1_weight: float = 100.0
    beta1: float = 0.5
    decay_from: float = 0.5
    generator: UNetConfig = field(default_factory=UNetConfig)
    discriminator: PatchGANConfig = field(default_factory=PatchGANConfig)
    domains: tuple[str, str] = ("A", "B")

    def __post_init__(self) -> None:
        check_direction(self.direction)
        check_decay(self.decay_from)
        if self.gan_mode not in GAN_MODES:
            raise OptionError(f"gan_mode must be one of {', '.join(GAN_MODES)}")
        if self.l1_weight < 0 or not 0 <= self.beta1 < 1:
            raise OptionError("l1_weight must be >= 0 and beta1 in [0, 1)")
        if self.discriminator.in_channels != 6:
            raise OptionError("pix2pix's discriminator sees input and output: in_channels 6")
        if self.crop <= 2 ** (self.generator.depth - 1):
            raise OptionError(
                f"crop {self.crop} is too small for a depth-{self.generator.depth} U-Net "
                f"(more than {2 ** (self.generator.depth - 1)} px)"
            )


#: the paper's settings (a GPU run: ``--gpu``)
GPU = Pix2PixRecipe()
GPU_LOOP = PAPER_LOOP
#: the frugal recipe of the bundled models: 128 px, a 7-level U-Net at half width whose
#: widest levels stop at 4x (128 channels; 1.9M parameters, a 4 MB float16 file)
CPU = dataclasses.replace(
    GPU,
    crop=128,
    load_size=143,
    generator=UNetConfig(depth=7, width=32, max_mult=4),
    discriminator=PatchGANConfig(width=32, norm="instance"),
)
CPU_LOOP = LoopConfig(steps=8000, batch_size=4, lr=2e-4, checkpoint_every=100, preview_every=250)


class Pix2PixTrainer(DecayingTrainer):
    """G and D of pix2pix, their two Adams and the linear-decay schedule."""

    def __init__(
        self,
        recipe: Pix2PixRecipe,
        data: PairedImages,
        *,
        total_steps: int,
        folder: Path,
        describe: dict[str, Any],
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(
            recipe, total_steps=total_steps, folder=folder, describe=describe, dtype=dtype
        )
        self.recipe: Pix2PixRecipe = recipe
        self.generator = UNetGenerator(recipe.generator)
        self.discriminator = PatchDiscriminator(recipe.discriminator)
        side = recipe.crop
        picks = [data.pair(i * len(data) // 4) for i in range(min(4, len(data)))]
        self.preview_pairs = [
            (imageio.resize(x, (side, side)), imageio.resize(y, (side, side))) for x, y in picks
        ]

    def nets(self) -> dict[str, nn.Module]:
        return {GENERATOR: self.generator, DISCRIMINATOR: self.discriminator}

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return self.schedule(
            lr,
            {
                GENERATOR: adam(self.generator, lr, self.recipe.beta1),
                DISCRIMINATOR: adam(self.discriminator, lr, self.recipe.beta1),
            },
        )

    def train_step(
        self, nets: Mapping[str, nn.Module], batch: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        g, d = nets[GENERATOR], nets[DISCRIMINATOR]
        mode = self.recipe.gan_mode
        x, y = batch[:, :3], batch[:, 3:]
        with ctx.autocast():
            fake = g(x)
            d_fake = gan_loss(d(torch.cat([x, fake.detach()], 1)), False, mode)
            d_real = gan_loss(d(torch.cat([x, y], 1)), True, mode)
            d_loss = 0.5 * (d_fake + d_real)
        ctx.update(d_loss, DISCRIMINATOR)
        with frozen(self.discriminator), ctx.autocast():
            g_gan = gan_loss(d(torch.cat([x, fake], 1)), True, mode)
            g_l1 = l1_loss(fake, y, self.recipe.l1_weight)
            g_loss = g_gan + g_l1
        ctx.update(g_loss, GENERATOR)
        return {
            "g_gan": g_gan.detach(),
            "g_l1": g_l1.detach(),
            "d_real": d_real.detach(),
            "d_fake": d_fake.detach(),
        }

    def preview_nets(
        self, nets: Mapping[str, nn.Module], photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """Rows: input, output, target of four fixed training pairs."""
        return pairs_preview(self.generator, self.preview_pairs, device)

    def finish_nets(
        self, states: dict[str, dict[str, torch.Tensor]], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        r = self.recipe
        source, target = r.domains if r.direction == "AtoB" else r.domains[::-1]
        config = model_config(
            info,
            method="pix2pix",
            main=GENERATOR,
            components={
                GENERATOR: {"architecture": "unet", "config": r.generator.to_dict()},
                DISCRIMINATOR: {"architecture": "patchgan", "config": r.discriminator.to_dict()},
            },
            direction=r.direction,
            translates={"from": source, "to": target},
            **self.describe,
        )
        write_components(self.folder, states, config, dtype=self.dtype, preview=preview)


def train_pix2pix(
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    b: str | os.PathLike[str] | None = None,
    recipe: Pix2PixRecipe | None = None,
    loop: LoopConfig | None = None,
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train pix2pix on the pairs of ``data`` (a folder of AB images, or with ``b`` two folders
    of same-named images) and write a model folder (generator and discriminator) to ``output``;
    ``init``: a pix2pix model folder of the same nets to continue from."""
    recipe = recipe or CPU
    loop = loop or CPU_LOOP
    pairs = PairedImages(
        data, b, crop=recipe.crop, load_size=recipe.load_size, direction=recipe.direction
    )
    description = (
        run_description(run, init, lambda cfg: cfg.get("method") == "pix2pix")
        or f"pix2pix {recipe.domains[0]} <-> {recipe.domains[1]}"
    )
    describe: dict[str, Any] = {"description": description, "data": pairs.summary()}
    record: dict[str, Any] = {"recipe": recipe.to_dict(), "data": str(Path(data))}
    with seeded(loop.seed):
        trainer = Pix2PixTrainer(
            recipe,
            pairs,
            total_steps=loop.steps,
            folder=Path(output),
            describe=describe,
            dtype=run.get("dtype", torch.float32),
        )
    warm_nets(init, trainer.nets(), record)
    return fit(trainer, pairs, output, loop=loop, record=record, preview_photos=[], **run)
