"""CycleGAN (Zhu, Park, Isola and Efros, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", ICCV 2017): two generators G: A -> B and F: B -> A, two
PatchGAN discriminators D_B and D_A, trained on two unaligned image sets with

    G, F: min  GAN(D_B(G(a)), real) + GAN(D_A(F(b)), real)
               + lambda (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)             (cycle, lambda = 10)
               + 0.5 lambda (|G(b) - b|_1 + |F(a) - a|_1)               (identity)
    D_B: min  0.5 [GAN(D_B(b), real) + GAN(D_B(pool(G(a))), fake)]      (and D_A alike)

with least-squares GAN losses and a pool of 50 past fakes for each discriminator. The identity
term keeps colours (no inversion) when the domains share them.

Paper recipe (``GPU``): 256 px crops after resizing to 286, batch 1, Adam lr 2e-4 beta1 0.5,
100 epochs constant then 100 decaying, 9-block ResNet generators, 70 x 70 PatchGANs, instance
norm. The CPU recipe (``CPU``) trains narrower 6-block nets on 128 px crops.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
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
from brushwork.losses.cycle import cycle_loss, identity_loss
from brushwork.modelfile import write_components
from brushwork.nets.patchgan import PatchDiscriminator, PatchGANConfig
from brushwork.nets.resnet_generator import ResnetConfig, ResnetGenerator
from brushwork.ops.regions import parse_hex, snap_colors
from brushwork.options import OMIT_DEFAULT, Options
from brushwork.training.gan import (
    PAPER_LOOP,
    DecayingTrainer,
    frozen,
    pairs_preview,
    warm_nets,
)
from brushwork.training.loop import LoopConfig, TrainResult, fit, model_config
from brushwork.training.pairs import UnpairedImages
from brushwork.training.pool import ImagePool
from brushwork.training.schedule import check_decay
from brushwork.training.trainer import RunOptions, StepContext, run_description, seeded

G_AB, G_BA, D_A, D_B = "g_ab", "g_ba", "d_a", "d_b"
POOL_A, POOL_B = "pool_a", "pool_b"
GENERATORS, DISCRIMINATORS = "generators", "discriminators"


@dataclass(frozen=True)
class CycleGANRecipe(Options):
    """Loss, data and net options of a CycleGAN run; saved in the model's config.json.

    Attributes:
        crop, load_size: random jitter (resize to ``load_size`` square, crop, flip).
        gan_mode: "lsgan" (paper) or "vanilla".
        cycle_weight: lambda of the cycle terms (paper: 10).
        identity_weight: the identity terms' weight as a share of ``cycle_weight`` (paper:
            0.5; 0 turns them off).
        pool_size: past fakes each discriminator learns from (paper: 50).
        cycle_noise: standard deviation of Gaussian noise added to each translated image
            before it is translated back in the cycle terms (Chu, Zhmoginov and Sandler,
            "CycleGAN, a Master of Steganography", 2017): a generator that hides the details it
            needs for the way back in a faint signal (a photo's windows in near-invisible shades
            of a label map's blue) loses them under the noise, so the information must show.
            In the images' [0, 1] units; 0 (the paper) adds none.
        label_colors: when B is a label map, its colours (``"rrggbb"``): each translated B
            image is snapped to its nearest colours (straight-through gradient) before it is
            translated back, so the way back sees only what a label map can say (against the
            same steganography as ``cycle_noise``). Empty (the paper): no snapping.
        invert_b: the nets see domain B's colours inverted (c -> 255 - c) while they train;
            the written model has the inversion folded into its first and last convs
            (:func:`invert_b_side`), so it takes and gives B's true colours. For label maps
            whose class colours order against their photos' brightness (pix2pix's facades: the
            window blue is brighter than the wall blue, real windows darker than walls): nets
            start near brightness-keeping maps, and of the unpaired objective's two solutions,
            windows as windows or windows and walls swapped, they fall into the swap (issue
            23). Not with the identity terms (they compare colours across the domains) nor a
            residual generator (its output keeps its input's colours). False: the paper.
        beta1, decay_from: Adam's beta1 and the share of steps before the linear decay.
        generator, discriminator: the nets' configs (both generators alike, both
            discriminators alike).
        domains: names of the A and B images, for people ("iphone", "dslr").
    """

    kind: ClassVar[str] = "cyclegan recipe"

    crop: int = 256
    load_size: int = 286
    gan_mode: str = "lsgan"
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    pool_size: int = 50
    cycle_noise: float = field(default=0.0, metadata=OMIT_DEFAULT)  # older recipes have none
    label_colors: tuple[str, ...] = field(default=(), metadata=OMIT_DEFAULT)
    invert_b: bool = field(default=False, metadata=OMIT_DEFAULT)
    beta1: float = 0.5
    decay_from: float = 0.5
    generator: ResnetConfig = field(default_factory=ResnetConfig)
    discriminator: PatchGANConfig = field(
        default_factory=lambda: PatchGANConfig(in_channels=3, norm="instance")
    )
    domains: tuple[str, str] = ("A", "B")

    def __post_init__(self) -> None:
        check_decay(self.decay_from)
        if self.gan_mode not in GAN_MODES:
            raise OptionError(f"gan_mode must be one of {', '.join(GAN_MODES)}")
        if min(self.cycle_weight, self.identity_weight, self.pool_size, self.cycle_noise) < 0:
            raise OptionError(
                "cycle and identity weights, cycle noise and the pool size must be >= 0"
            )
        if self.discriminator.in_channels != 3:
            raise OptionError("CycleGAN's discriminators see one image: in_channels 3")
        for c in self.label_colors:
            parse_hex(c, "label colour")
        if len(self.label_colors) == 1:
            raise OptionError("label_colors needs at least two colours")
        if self.invert_b and (self.identity_weight or self.generator.residual):
            raise OptionError(
                "invert_b needs identity_weight 0 and a generator without residual: both "
                "compare colours across the domains"
            )

    def label_palette(self) -> torch.Tensor | None:
        """The label colours (K, 3) as the nets see them (inverted with ``invert_b``) in the
        images' [0, 1] units, or None. (Before 2026-12-06 they were given in [-1, 1] units, so
        translated maps snapped one to three classes off: facade and background both to the
        window colour.)"""
        if not self.label_colors:
            return None
        rgb = torch.tensor(
            [parse_hex(c, "label colour") for c in self.label_colors], dtype=torch.float32
        )
        palette = rgb / 255.0
        return 1.0 - palette if self.invert_b else palette


#: the paper's settings (a GPU run: ``--gpu``)
GPU = CycleGANRecipe()
GPU_LOOP = PAPER_LOOP
#: the frugal recipe of the bundled models: 128 px, 6 residual blocks at a quarter of the width
#: (16/32/64 channels, as the bundled fast styles), discriminators at half width, batch 1
CPU = dataclasses.replace(
    GPU,
    crop=128,
    load_size=143,
    generator=ResnetConfig(width=16, blocks=6),
    discriminator=PatchGANConfig(in_channels=3, width=32, norm="instance"),
)
CPU_LOOP = LoopConfig(steps=5000, batch_size=1, lr=2e-4, checkpoint_every=100, preview_every=250)


class CycleGANTrainer(DecayingTrainer):
    """The four nets of CycleGAN, their pools, two Adams and the linear-decay schedule."""

    def __init__(
        self,
        recipe: CycleGANRecipe,
        data: UnpairedImages,
        *,
        total_steps: int,
        folder: Path,
        describe: dict[str, Any],
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(
            recipe, total_steps=total_steps, folder=folder, describe=describe, dtype=dtype
        )
        self.recipe: CycleGANRecipe = recipe
        r = recipe
        self.palette = r.label_palette()
        self.g_ab, self.g_ba = ResnetGenerator(r.generator), ResnetGenerator(r.generator)
        self.d_a, self.d_b = (
            PatchDiscriminator(r.discriminator),
            PatchDiscriminator(r.discriminator),
        )
        shape = (3, r.crop, r.crop)
        self.pool_a, self.pool_b = ImagePool(r.pool_size, shape), ImagePool(r.pool_size, shape)
        side = r.crop
        n = len(data.files), len(data.others)
        self.preview_a = [
            imageio.resize(imageio.load(data.files[i * n[0] // 2]).rgb, (side, side))
            for i in range(2)
        ]
        self.preview_b = [
            imageio.resize(imageio.load(data.others[i * n[1] // 2]).rgb, (side, side))
            for i in range(2)
        ]

    def generators(self) -> dict[str, nn.Module]:
        return {G_AB: self.g_ab, G_BA: self.g_ba}

    def discriminators(self) -> dict[str, nn.Module]:
        return {D_A: self.d_a, D_B: self.d_b}

    def nets(self) -> dict[str, nn.Module]:
        return {
            **self.generators(),
            **self.discriminators(),
            POOL_A: self.pool_a,
            POOL_B: self.pool_b,
        }

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        betas = (self.recipe.beta1, 0.999)
        gens = itertools.chain(self.g_ab.parameters(), self.g_ba.parameters())
        discs = itertools.chain(self.d_a.parameters(), self.d_b.parameters())
        return self.schedule(
            lr,
            {
                GENERATORS: torch.optim.Adam(gens, lr=lr, betas=betas),
                DISCRIMINATORS: torch.optim.Adam(discs, lr=lr, betas=betas),
            },
        )

    def train_step(
        self, nets: Mapping[str, nn.Module], batch: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        r = self.recipe
        mode = r.gan_mode
        g_ab, g_ba, d_a, d_b = nets[G_AB], nets[G_BA], nets[D_A], nets[D_B]
        a, b = batch[:, :3], batch[:, 3:]
        if r.invert_b:
            b = 1.0 - b
        idt = r.identity_weight * r.cycle_weight
        with frozen(self.d_a, self.d_b), ctx.autocast():
            fake_b, fake_a = g_ab(a), g_ba(b)
            gan_ab = gan_loss(d_b(fake_b), True, mode)
            gan_ba = gan_loss(d_a(fake_a), True, mode)
            back_b = fake_b if self.palette is None else snap_colors(fake_b, self.palette)
            cyc = cycle_loss(a, g_ba(noisy(back_b, r.cycle_noise)), r.cycle_weight) + cycle_loss(
                b, g_ab(noisy(fake_a, r.cycle_noise)), r.cycle_weight
            )
            same = torch.zeros((), device=a.device)
            if idt:
                same = identity_loss(b, g_ab(b), idt) + identity_loss(a, g_ba(a), idt)
            g_loss = gan_ab + gan_ba + cyc + same
        ctx.update(g_loss, GENERATORS)
        with ctx.autocast():
            old_b, old_a = self.pool_b.query(fake_b), self.pool_a.query(fake_a)
            loss_b = 0.5 * (gan_loss(d_b(b), True, mode) + gan_loss(d_b(old_b), False, mode))
            loss_a = 0.5 * (gan_loss(d_a(a), True, mode) + gan_loss(d_a(old_a), False, mode))
        ctx.update(loss_a + loss_b, DISCRIMINATORS)
        return {
            "g_gan": (gan_ab + gan_ba).detach(),
            "cycle": cyc.detach(),
            "identity": same.detach(),
            "d_a": loss_a.detach(),
            "d_b": loss_b.detach(),
        }

    def preview_nets(
        self, nets: Mapping[str, nn.Module], photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """Left: A -> B -> A for two A images; right: B -> A -> B for two B images."""
        shown = self.generators()
        if self.recipe.invert_b:
            shown = self.user_nets({k: net.state_dict() for k, net in shown.items()})
        g_ab, g_ba = shown[G_AB], shown[G_BA]
        left = pairs_preview(g_ab, [(x, x) for x in self.preview_a], device, g_ba)
        right = pairs_preview(g_ba, [(x, x) for x in self.preview_b], device, g_ab)
        out = Image.new("RGB", (left.width + right.width, left.height), "white")
        out.paste(left, (0, 0))
        out.paste(right, (left.width, 0))
        return out

    def finish_nets(
        self, states: dict[str, dict[str, torch.Tensor]], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        r = self.recipe
        gen = {"architecture": "resnet_generator", "config": r.generator.to_dict()}
        disc = {"architecture": "patchgan", "config": r.discriminator.to_dict()}
        config = model_config(
            info,
            method="cyclegan",
            main=G_AB,
            components={G_AB: gen, G_BA: gen, D_A: disc, D_B: disc},
            direction="AtoB",
            directions=["AtoB", "BtoA"],
            translates={"from": r.domains[0], "to": r.domains[1]},
            **self.describe,
        )
        kept = {k: v for k, v in states.items() if k not in (POOL_A, POOL_B)}
        if r.invert_b:
            kept |= {k: net.state_dict() for k, net in self.user_nets(kept).items()}
        write_components(self.folder, kept, config, dtype=self.dtype, preview=preview)

    def user_nets(self, states: Mapping[str, dict[str, torch.Tensor]]) -> dict[str, nn.Module]:
        """Copies of the named nets holding ``states``, with ``invert_b`` folded in: the nets
        as the written model has them, for B's true colours."""
        own = {**self.generators(), **self.discriminators()}
        nets = {k: copy.deepcopy(own[k]) for k in states}
        for k, net in nets.items():
            net.load_state_dict(states[k])
        if self.recipe.invert_b:
            invert_b_side(nets)
        return nets


def invert_b_side(nets: Mapping[str, nn.Module]) -> None:
    """Fold an inversion of domain B's colours (x -> 1 - x) into those of ``nets`` named G_AB,
    G_BA and D_B, in place. The generators work in [-1, 1] inside, where it is x -> -x: G_AB's
    last conv is negated (its tanh is odd) and G_BA's first conv too (a conv of -x is the
    negated conv of x), exactly. D_B sees [0, 1] images: its first conv gets -W and its bias
    b + sum(W), exact except in that conv's one-pixel zero-padded border (and so close, not
    equal, after D_B's instance norms: enough for a discriminator, which a model keeps only to
    warm-start another run). Its own inverse: it unfolds what it folded, exactly. See
    ``CycleGANRecipe.invert_b``."""
    with torch.no_grad():
        if G_AB in nets:
            last = _convs(nets[G_AB])[-1]
            last.weight.neg_()
            if last.bias is not None:
                last.bias.neg_()
        if G_BA in nets:
            _convs(nets[G_BA])[0].weight.neg_()
        if D_B in nets:
            first = _convs(nets[D_B])[0]
            if first.bias is not None:
                first.bias.add_(first.weight.sum(dim=(1, 2, 3)))
            first.weight.neg_()


def _convs(net: nn.Module) -> list[nn.Conv2d]:
    return [m for m in net.modules() if isinstance(m, nn.Conv2d)]


def noisy(x: torch.Tensor, std: float) -> torch.Tensor:
    """``x`` plus Gaussian noise of standard deviation ``std`` from torch's generator (``x``
    itself when ``std`` is 0), the cycle terms' defence against hidden signals."""
    return x + std * torch.randn_like(x) if std else x


def train_cyclegan(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    recipe: CycleGANRecipe | None = None,
    loop: LoopConfig | None = None,
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train CycleGAN between the images of folders ``a`` and ``b`` and write a model folder
    (both generators and both discriminators) to ``output``; ``init``: a CycleGAN model folder
    of the same nets to continue from."""
    recipe = recipe or CPU
    loop = loop or CPU_LOOP
    data = UnpairedImages(a, b, crop=recipe.crop, load_size=recipe.load_size)
    description = (
        run_description(run, init, lambda cfg: cfg.get("method") == "cyclegan")
        or f"CycleGAN {recipe.domains[0]} <-> {recipe.domains[1]}"
    )
    describe: dict[str, Any] = {"description": description, "data": data.summary()}
    record: dict[str, Any] = {"recipe": recipe.to_dict(), "data": [str(Path(a)), str(Path(b))]}
    with seeded(loop.seed):
        trainer = CycleGANTrainer(
            recipe,
            data,
            total_steps=loop.steps,
            folder=Path(output),
            describe=describe,
            dtype=run.get("dtype", torch.float32),
        )
    warm_nets(init, {**trainer.generators(), **trainer.discriminators()}, record)
    if init is not None and recipe.invert_b:  # a written model holds B's true colours
        invert_b_side({**trainer.generators(), **trainer.discriminators()})
    return fit(trainer, data, output, loop=loop, record=record, preview_photos=[], **run)
