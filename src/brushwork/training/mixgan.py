"""MIXGAN training (Hao, Yu and Zheng, IJCAI 2018): two phases on one loop.

1. The adversarial autoencoder (``ae_steps``): E and Gc minimise ``l1_weight * |Gc(E(x)) - x|``
   plus LSGAN(Dz(E(x)), real); Dz (at ``lr * dz_lr_scale``, the release's lr/50) learns
   prior codes as real and encoded ones as fake.
2. The mixture (``mix_steps``): E and Gc are frozen (so shapes stay what the autoencoder
   learned); Gm minimises LSGAN(Dp(Gm(Gc(z))), real) and Dp (at ``lr * dp_lr_scale``, the
   release's lr/10) learns style images as real and mixtures as fake. Half of each batch's codes
   come from the prior and half from encoded content images (``encoded_share``), since Gm must
   paint both samples and given digits.

The authors' release never updates Gc (no optimizer holds its variables), so its E learns to
invert a random decoder; here Gc is trained with E in phase 1, as the paper describes.
Adam with beta1 0.5 throughout.
"""

from __future__ import annotations

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
from brushwork.losses.adversarial import gan_loss
from brushwork.losses.cycle import l1_loss
from brushwork.modelfile import write_components
from brushwork.nets.mixgan import MixGAN, MixGANConfig, MixGANCritics, pad_to
from brushwork.options import Options
from brushwork.training.data import step_generator
from brushwork.training.gan import frozen, warm_nets
from brushwork.training.loop import LoopConfig, TrainResult, fit, model_config
from brushwork.training.pairs import image_files
from brushwork.training.trainer import RunOptions, StepContext, Trainer, evaluating, seeded

GENERATOR, CRITICS = "generator", "critics"
#: the loop options this method trains with unless told otherwise (the CLI's defaults; the
#: release's batch 64 and lr 2e-4); its steps are always the recipe's two phases
LOOP = LoopConfig(batch_size=64, lr=2e-4, checkpoint_every=200, preview_every=200)
AUTOENCODER, LATENT, MIXTURE, PATCH = "autoencoder", "latent_critic", "mixture", "patch_critic"


@dataclass(frozen=True)
class MixGANRecipe(Options):
    """Options of a MIXGAN run; saved in the model's config.json.

    Attributes:
        ae_steps, mix_steps: steps of the two phases (the loop's steps are their sum).
        l1_weight: weight of the autoencoder's L1 reconstruction (paper: 10).
        dz_lr_scale, dp_lr_scale: the discriminators' learning rates relative to the loop's
            (the release: 1/50 and 1/10).
        beta1: Adam's beta1 (0.5).
        encoded_share: share of Gm's codes in phase 2 taken from encoded content images.
        diversity_weight: weight of the mode-seeking term (Mao et al., "Mode Seeking
            Generative Adversarial Networks", CVPR 2019): two style codes for the same shape
            must give mixtures as far apart as the codes are (0: off).
        shape_weight: weight of the shape term (not in the release, where no loss ties Gm's
            output to Gc's shape and the local discriminator alone lets the digit fade):
            ``1 - |corr(luminance of the mixture, Gc's shape)|`` per image, blind to colours
            and to polarity (MNIST-M digits are lighter or darker than their ground). 0: off.
        min_contrast: the shape term also asks for at least this much luminance between
            stroke and ground (0-1 units), so that no digit fades into its ground.
        net: the nets' sizes.
    """

    kind: ClassVar[str] = "mixgan recipe"

    ae_steps: int = 3000
    mix_steps: int = 3000
    l1_weight: float = 10.0
    dz_lr_scale: float = 0.02
    dp_lr_scale: float = 0.1
    beta1: float = 0.5
    encoded_share: float = 0.5
    diversity_weight: float = 1.0
    shape_weight: float = 1.0
    min_contrast: float = 0.3
    net: MixGANConfig = field(default_factory=lambda: MixGANConfig(width=16))

    def __post_init__(self) -> None:
        if min(self.ae_steps, self.mix_steps, self.min_contrast) < 0 or self.steps < 1:
            raise OptionError("steps and min_contrast must be >= 0, with at least one step")
        if not 0 <= self.encoded_share <= 1:
            raise OptionError(f"encoded_share must lie in [0, 1], got {self.encoded_share}")
        if min(self.dz_lr_scale, self.dp_lr_scale, self.l1_weight) <= 0:
            raise OptionError("l1_weight and the learning-rate scales must be > 0")

    @property
    def steps(self) -> int:
        return self.ae_steps + self.mix_steps


class DigitDomains:
    """The content images (grey, centred on the model's square) and the style images (colour,
    resized to it), all held in memory as tensors in [0, 1]; a batch is (B, content + style
    channels, S, S), each half drawn independently; ``exclude``: file names left out (the
    held-out test digits)."""

    def __init__(
        self,
        content: str | os.PathLike[str],
        style: str | os.PathLike[str],
        cfg: MixGANConfig,
        exclude: set[str] | None = None,
    ) -> None:
        skip = exclude or set()
        self.roots = (Path(content), Path(style))
        self.files = image_files(content, "the content domain", skip)
        styles = image_files(style, "the style domain", skip)
        self.content = torch.stack([load_content(p, cfg) for p in self.files])
        self.style = torch.stack([load_style(p, cfg) for p in styles])

    def __len__(self) -> int:
        return len(self.files)

    def summary(self) -> dict[str, Any]:
        return {
            "content": str(self.roots[0]),
            "style": str(self.roots[1]),
            "content_images": len(self.content),
            "style_images": len(self.style),
        }

    def batch(
        self, seed: int, step: int, batch_size: int, *, rank: int = 0, world: int = 1
    ) -> torch.Tensor:
        g = step_generator(seed, step * world + rank)
        a = torch.randint(len(self.content), (batch_size,), generator=g)
        b = torch.randint(len(self.style), (batch_size,), generator=g)
        return torch.cat([self.content[a], self.style[b]], 1)


def load_content(path: str | os.PathLike[str] | Image.Image, cfg: MixGANConfig) -> torch.Tensor:
    """A content image as (content_channels, S, S) in [0, 1]: grey, larger ones resized to fit,
    centred on black (MNIST's 28 px digits on 32)."""
    img = path if isinstance(path, Image.Image) else imageio.load(path).rgb
    grey = img.convert("L") if cfg.content_channels == 1 else img.convert("RGB")
    if max(grey.size) > cfg.size:
        grey = grey.resize(
            imageio.size_for_long_side(grey.size, cfg.size), Image.Resampling.LANCZOS
        )
    t = imageio.to_tensor(grey.convert("RGB"))[0]
    t = t[:1] if cfg.content_channels == 1 else t
    return pad_to(t[None], cfg.size)[0]


def load_style(path: str | os.PathLike[str], cfg: MixGANConfig) -> torch.Tensor:
    """A style image as (style_channels, S, S) in [0, 1], resized to the square."""
    img = imageio.load(path).rgb.resize((cfg.size, cfg.size), Image.Resampling.LANCZOS)
    return imageio.to_tensor(img)[0][: cfg.style_channels]


class MixGANTrainer(Trainer):
    """E, Gc, Gm and the two critics; one phase or the other at each step."""

    def __init__(
        self,
        recipe: MixGANRecipe,
        data: DigitDomains,
        *,
        folder: Path,
        describe: dict[str, Any],
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe
        self.generator = MixGAN(recipe.net)
        self.critics = MixGANCritics(recipe.net)
        self.folder, self.describe, self.dtype = folder, describe, dtype
        self.phase = 1
        g = torch.Generator().manual_seed(1234)
        self.preview_codes = torch.rand(8, recipe.net.latent, generator=g) * 2 - 1
        self.preview_styles = torch.rand(8, recipe.net.style_code, generator=g) * 2 - 1
        self.preview_content = data.content[torch.randperm(len(data), generator=g)[:8]]

    def nets(self) -> dict[str, nn.Module]:
        return {GENERATOR: self.generator, CRITICS: self.critics}

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        r, g, c = self.recipe, self.generator, self.critics
        betas = (r.beta1, 0.999)

        def adam(params: list[nn.Parameter], scale: float = 1.0) -> torch.optim.Adam:
            return torch.optim.Adam(params, lr=lr * scale, betas=betas)

        return {
            AUTOENCODER: adam([*g.encoder.parameters(), *g.content.parameters()]),
            LATENT: adam(list(c.latent.parameters()), r.dz_lr_scale),
            MIXTURE: adam(list(g.mixture.parameters())),
            PATCH: adam(list(c.patch.parameters()), r.dp_lr_scale),
        }

    def begin_step(self, step: int) -> None:
        self.phase = 1 if step < self.recipe.ae_steps else 2

    def train_step(
        self, nets: Mapping[str, nn.Module], batch: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        n = self.recipe.net.content_channels
        content, style = batch[:, :n] * 2 - 1, batch[:, n:] * 2 - 1
        return (
            self._autoencoder(content, ctx)
            if self.phase == 1
            else self._mixture(content, style, ctx)
        )

    def _autoencoder(self, x: torch.Tensor, ctx: StepContext) -> dict[str, torch.Tensor]:
        g, c = self.generator, self.critics
        with ctx.autocast():
            z = g.encoder(x)
            prior = torch.rand_like(z.float()) * 2 - 1
            dz = 0.5 * (gan_loss(c.latent(prior), True) + gan_loss(c.latent(z.detach()), False))
        ctx.update(dz, LATENT)
        with frozen(c.latent), ctx.autocast():
            recon = l1_loss(g.content(z)[0], x, self.recipe.l1_weight)
            fool = gan_loss(c.latent(z), True)
        ctx.update(recon + fool, AUTOENCODER)
        return {"recon": recon.detach(), "e_gan": fool.detach(), "dz": dz.detach()}

    def _mixture(
        self, x: torch.Tensor, style: torch.Tensor, ctx: StepContext
    ) -> dict[str, torch.Tensor]:
        g, c = self.generator, self.critics
        b = x.shape[0]
        k = round(b * self.recipe.encoded_share)
        with torch.no_grad(), ctx.autocast():
            codes = [g.encoder(x[:k])] if k else []
            prior = torch.rand(b - k, self.recipe.net.latent, device=x.device) * 2 - 1
            image, feats = g.content(
                torch.cat([*codes, prior.to(codes[0].dtype if codes else prior.dtype)])
            )
        one, two = g.sample_style(b), g.sample_style(b)
        with ctx.autocast():
            fake = g.mixture(image, feats, one)
            dp = 0.5 * (gan_loss(c.patch(style), True) + gan_loss(c.patch(fake.detach()), False))
        ctx.update(dp, PATCH)
        with frozen(c.patch), ctx.autocast():
            fool = gan_loss(c.patch(fake), True)
            seek = torch.zeros((), device=x.device)
            if self.recipe.diversity_weight and self.recipe.net.style_code:
                other = g.mixture(image, feats, two)
                ratio = (fake.float() - other.float()).abs().mean() / (one - two).abs().mean()
                seek = self.recipe.diversity_weight / (ratio + 1e-5)
            kept = torch.zeros((), device=x.device)
            if self.recipe.shape_weight:  # in [0, 1] units: luminance per unit of shape
                kept = shape_loss((fake + 1) / 2, (image + 1) / 2, self.recipe.min_contrast)
        ctx.update(fool + seek + self.recipe.shape_weight * kept, MIXTURE)
        return {"g_gan": fool.detach(), "dp": dp.detach(), "seek": seek.detach(),
                "shape": kept.detach()}  # fmt: skip

    def preview_nets(
        self, nets: Mapping[str, nn.Module], photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        return preview(
            self.generator, self.preview_codes, self.preview_styles, self.preview_content, device
        )

    def finish_nets(
        self, states: dict[str, dict[str, torch.Tensor]], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        net = self.recipe.net.to_dict()
        config = model_config(
            info,
            method="mixgan",
            main=GENERATOR,
            components={
                GENERATOR: {"architecture": "mixgan", "config": net},
                CRITICS: {"architecture": "mixgan_critics", "config": net},
            },
            **self.describe,
        )
        write_components(self.folder, states, config, dtype=self.dtype, preview=preview)


def shape_loss(
    mixture: torch.Tensor, shape: torch.Tensor, min_contrast: float = 0.0
) -> torch.Tensor:
    """``mean(1 - |corr(L, shape)| + relu(min_contrast - |slope|))`` over the batch, with ``L``
    the mixture's luminance and ``slope`` that of ``L`` regressed on the shape: 0 when the
    mixture's light and dark follow the shape (either way round) with at least
    ``min_contrast`` of luminance per unit of shape; a correlation alone would let a digit fade
    to a ghost of itself.

    Example:
        >>> s = torch.rand(2, 1, 8, 8)
        >>> float(shape_loss((1 - s).expand(2, 3, 8, 8) * 0.5, s)) < 1e-6
        True
        >>> round(float(shape_loss((1 - s).expand(2, 3, 8, 8) * 0.5, s, 0.8)), 4)
        0.3
    """
    lum = (mixture.float() * mixture.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1)
    a = lum.flatten(1) - lum.flatten(1).mean(1, keepdim=True)
    b = shape.float().flatten(1) - shape.float().flatten(1).mean(1, keepdim=True)
    cov = (a * b).sum(1)
    corr = cov / (a.norm(dim=1) * b.norm(dim=1) + 1e-6)
    slope = cov / (b.pow(2).sum(1) + 1e-6)
    out: torch.Tensor = (1 - corr.abs() + torch.relu(min_contrast - slope.abs())).mean()
    return out


def preview(
    net: MixGAN,
    codes: torch.Tensor,
    styles: torch.Tensor,
    content: torch.Tensor,
    device: torch.device,
    side: int = 64,
) -> Image.Image:
    """Rows: Gc's shape and Gm's mixture of prior codes; then content images, their Gc shape and
    their Gm mixture (fixed style codes)."""
    with evaluating(net):
        s_shape, s_mix = net.render(codes.to(device), styles.to(device))
        z = net.encode(content.to(device))
        c_shape, c_mix = net.render(z, styles.to(device))

    def row(t: torch.Tensor) -> list[Image.Image]:
        return [imageio.to_pil(x[None].expand(1, 3, -1, -1).clamp(0, 1).cpu()) for x in t.float()]

    rows = [row(s_shape), row(s_mix), row(content), row(c_shape), row(c_mix)]
    return imageio.grid(rows, side)


def train_mixgan(
    content: str | os.PathLike[str],
    style: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    recipe: MixGANRecipe | None = None,
    loop: LoopConfig | None = None,
    exclude: set[str] | None = None,
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train MIXGAN: shapes from the images of ``content``, colours and textures from those of
    ``style``; writes a model folder (generator side and critics) to ``output``. ``exclude``:
    file names to leave out of both (held-out test digits); ``init``: a MIXGAN model folder of
    the same nets to continue from (``ae_steps=0`` then trains its mixture decoder only). The
    loop's steps are the recipe's ``ae_steps + mix_steps``."""
    recipe = recipe or MixGANRecipe()
    base = loop or LOOP
    loop = LoopConfig(**{**base.to_dict(), "steps": recipe.steps})
    data = DigitDomains(content, style, recipe.net, exclude)
    description = run.get("description") or "MIXGAN: shapes of one domain, colours of another"
    describe = {"description": description, "data": data.summary()}
    record: dict[str, Any] = {
        "recipe": recipe.to_dict(),
        "data": [str(Path(content)), str(Path(style))],
        "excluded": len(exclude or ()),
    }
    with seeded(loop.seed):
        trainer = MixGANTrainer(
            recipe,
            data,
            folder=Path(output),
            describe=describe,
            dtype=run.get("dtype", torch.float32),
        )
    warm_nets(init, trainer.nets(), record)
    return fit(trainer, data, output, loop=loop, record=record, preview_photos=[], **run)
