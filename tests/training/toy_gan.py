"""A two-net toy method, written only against the method registry and the trainer contract, to
prove a GAN fits them with no edits elsewhere: a generator maps a 16 px photo to its colour
negative (plus an L1 term) while a discriminator learns to tell real negatives from its
output (the pix2pix pattern: Isola et al., 2017). Two optimizers, a step LR scheduler on the
generator, noise drawn from torch's generator inside the step (so resume must restore it).

Loaded as a plugin: ``BRUSHWORK_METHODS=tests.training.toy_gan``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork import zoo
from brushwork.methods import register
from brushwork.methods.spec import MethodSpec
from brushwork.modelfile import read_model, write_components
from brushwork.nets.registry import load_net
from brushwork.options import Options
from brushwork.training.data import PhotoFolder
from brushwork.training.loop import PREVIEW_SIDE, LoopConfig, TrainResult, fit, model_config
from brushwork.training.trainer import StepContext, Trainer, seeded


@dataclass(frozen=True)
class ToyNetConfig(Options):
    kind: ClassVar[str] = "toy net"
    width: int = 8


@dataclass(frozen=True)
class ToyGANRecipe(Options):
    kind: ClassVar[str] = "toy gan recipe"
    crop: int = 16
    l1_weight: float = 10.0
    noise: float = 0.05
    lr_step: int = 3
    generator: ToyNetConfig = field(default_factory=ToyNetConfig)
    discriminator: ToyNetConfig = field(default_factory=lambda: ToyNetConfig(width=4))


class ToyGenerator(nn.Module):
    def __init__(self, config: ToyNetConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, 3, 3, padding=1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.body(x) + 4 * (0.5 - x))


class ToyDiscriminator(nn.Module):
    def __init__(self, config: ToyNetConfig) -> None:
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(
            nn.Conv2d(3, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Conv2d(w, 1, 3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.body(x)
        return out


def build_generator(config: dict[str, Any]) -> ToyGenerator:
    return ToyGenerator(ToyNetConfig.from_dict(config))


def build_discriminator(config: dict[str, Any]) -> ToyDiscriminator:
    return ToyDiscriminator(ToyNetConfig.from_dict(config))


class ToyGANTrainer(Trainer):
    def __init__(self, recipe: ToyGANRecipe, folder: Path) -> None:
        self.recipe = recipe
        self.folder = folder
        self.generator = ToyGenerator(recipe.generator)
        self.discriminator = ToyDiscriminator(recipe.discriminator)

    def nets(self) -> dict[str, nn.Module]:
        return {"generator": self.generator, "discriminator": self.discriminator}

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return {
            "generator": torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.999)),
            "discriminator": torch.optim.Adam(
                self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)
            ),
        }

    def schedulers(
        self, optimizers: Mapping[str, torch.optim.Optimizer], loop: LoopConfig
    ) -> dict[str, Any]:
        step = torch.optim.lr_scheduler.StepLR(optimizers["generator"], self.recipe.lr_step, 0.5)
        return {"generator": step}

    def train_step(
        self, nets: Mapping[str, nn.Module], batch: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        g, d = nets["generator"], nets["discriminator"]
        target = 1.0 - batch
        noisy = batch + self.recipe.noise * torch.randn_like(batch)
        with ctx.autocast():
            fake = g(noisy)
            real_logits, fake_logits = d(target), d(fake.detach())
            d_loss = F.binary_cross_entropy_with_logits(
                real_logits, torch.ones_like(real_logits)
            ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
        ctx.update(d_loss, "discriminator")
        with ctx.autocast():
            logits = d(fake)
            adv = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
            l1 = F.l1_loss(fake.float(), target.float())
            g_loss = adv + self.recipe.l1_weight * l1
        ctx.update(g_loss, "generator")
        return {"discriminator": d_loss, "adversarial": adv, "l1": l1, "total": g_loss}

    def preview_nets(
        self, nets: Mapping[str, nn.Module], photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        with torch.no_grad():
            outs = [
                imageio.to_pil(nets["generator"](imageio.to_tensor(p).to(device)).clamp(0, 1))
                for p in photos
            ]
        return imageio.grid([photos, outs], PREVIEW_SIDE)

    def finish_nets(
        self, states: dict[str, dict[str, torch.Tensor]], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        config = model_config(
            info,
            method="toygan",
            description="toy GAN: colour negatives",
            main="generator",
            components={
                "generator": {
                    "architecture": "toy_generator",
                    "config": self.recipe.generator.to_dict(),
                },
                "discriminator": {
                    "architecture": "toy_discriminator",
                    "config": self.recipe.discriminator.to_dict(),
                },
            },
        )
        write_components(self.folder, states, config, preview=preview)


def train_toy_gan(
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    recipe: ToyGANRecipe | None = None,
    loop: LoopConfig | None = None,
    resume: bool = False,
    progress: bool = False,
) -> TrainResult:
    recipe = recipe or ToyGANRecipe()
    loop = loop or LoopConfig(steps=6, batch_size=2, lr=2e-3, precision="fp32", device="cpu")
    photos = PhotoFolder(data, crop=recipe.crop)
    with seeded(loop.seed):
        trainer = ToyGANTrainer(recipe, Path(output))
    record = {"recipe": recipe.to_dict(), "data": str(data)}
    return fit(trainer, photos, output, loop=loop, record=record, resume=resume, progress=progress)


class ToyGAN:
    """The pipeline: a photo in, its (learnt) negative out."""

    def __init__(self, generator: nn.Module) -> None:
        self.generator = generator

    def __call__(self, image: Any) -> Image.Image:
        x = imageio.to_tensor(imageio.load(image).rgb if not isinstance(image, Image.Image)
                              else image.convert("RGB"))  # fmt: skip
        with torch.no_grad():
            return imageio.to_pil(self.generator(x).clamp(0, 1))


def load(name_or_path: str | os.PathLike[str], **options: Any) -> ToyGAN:
    model = read_model(zoo.resolve(name_or_path))
    return ToyGAN(load_net(model, expect="toy_generator"))


SPEC = register(
    MethodSpec(
        name="toygan",
        title="Toy two-net GAN (tests)",
        architectures={
            "toy_generator": "tests.training.toy_gan:build_generator",
            "toy_discriminator": "tests.training.toy_gan:build_discriminator",
        },
        options="tests.training.toy_gan:ToyGANRecipe",
        load="tests.training.toy_gan:load",
        trainer="tests.training.toy_gan:train_toy_gan",
        commands=("apply",),
        capabilities=frozenset({"train"}),
    )
)
