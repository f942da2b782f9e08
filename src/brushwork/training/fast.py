"""Recipe for fast feed-forward styles (Johnson, Alahi and Fei-Fei, "Perceptual Losses for
Real-Time Style Transfer and Super-Resolution", 2016): train a :class:`TransformerNet` so that
its output has the content features of the photo (relu2_2) and the Gram statistics of one style
image (relu1_2, relu2_2, relu3_3, relu4_3), plus total variation.

The paper's recipe: COCO (80k photos) at 256x256, batch 4, 40k steps (2 epochs), Adam lr 1e-3,
TV weight 1e-6..1e-4 (in its units). ``brushwork train fast`` runs it on a GPU or under
``torchrun``; on a CPU use fewer, smaller steps and warm-start from another model (``init``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork.encoders.vgg19 import check_layers, load_vgg19
from brushwork.errors import OptionError
from brushwork.losses.perceptual import PerceptualLoss
from brushwork.losses.temporal import temporal_loss
from brushwork.modelfile import write_model
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.ops.flow import inside, random_motion, warp
from brushwork.ops.jitter import check_jitter, random_jitter
from brushwork.options import OMIT_DEFAULT, Options
from brushwork.training.data import PhotoFolder
from brushwork.training.loop import LoopConfig, TrainResult, fit, model_config, preview_grid
from brushwork.training.schedule import LinearDecay, check_decay
from brushwork.training.trainer import (
    OneNetTrainer,
    RunOptions,
    run_description,
    seeded,
    trainable,
    warm_start,
)

JOHNSON_STYLE_LAYERS = {"relu1_2": 1.0, "relu2_2": 1.0, "relu3_3": 1.0, "relu4_3": 1.0}

#: the loop options this method trains with unless told otherwise (the CLI's defaults)
LOOP = LoopConfig()


@dataclass(frozen=True)
class FastRecipe(Options):
    """Loss and data options of a fast-style training run; saved in the model's config.json.

    Attributes:
        crop: side of the square training crops.
        style_size: long side the style image is scaled to (the style scale: larger gives
            smaller strokes relative to the output).
        content_layers, style_layers: layer -> weight.
        content_weight, style_weight, tv_weight: loss weights (Gram normalised by C*H*W).
        pixel_weight: weight of a pixel MSE to the photo (0 for styles; used to pre-train an
            identity net that styles are warm-started from).
        temporal_weight: weight of a temporal loss that keeps the net stable for video: the
            output for a photo moved by a small random camera motion plus noise must be the
            output for the photo, moved the same way (Ruder et al.'s temporal loss on synthetic
            flow, as in Wang et al., AAAI 2020); 0 turns it off.
        temporal_shift: largest shift of that motion in pixels (it also rotates and zooms a
            little); temporal_noise: std of the added pixel noise (camera noise, compression).
        jitter: the losses see the output (and the photo) cropped at a random offset of up to
            ``jitter`` - 1 pixels, a new one every step, so the net's 4-pixel output grid never
            lines up with VGG's pooling grid (:mod:`brushwork.ops.jitter`): without it the net
            learns a grid-locked hatching. 0 or 1 turns it off.
        decay_from: the share of the loop's steps at its full learning rate, after which the
            rate decays linearly to 0 (:mod:`brushwork.training.schedule`). 1 (the paper)
            keeps it constant; 0 makes a whole continued stage a cool-down.
        net: the transform net's config.
    """

    kind: ClassVar[str] = "fast recipe"

    crop: int = 256
    style_size: int = 512
    content_layers: Mapping[str, float] = field(default_factory=lambda: {"relu2_2": 1.0})
    style_layers: Mapping[str, float] = field(default_factory=lambda: dict(JOHNSON_STYLE_LAYERS))
    content_weight: float = 1.0
    style_weight: float = 5.0
    tv_weight: float = 0.0
    pixel_weight: float = 0.0
    temporal_weight: float = 0.0
    temporal_shift: float = 2.0
    temporal_noise: float = 0.02
    jitter: int = 0
    decay_from: float = field(default=1.0, metadata=OMIT_DEFAULT)  # older recipes have none
    net: TransformerConfig = field(default_factory=TransformerConfig)

    def __post_init__(self) -> None:
        check_layers(self.content_layers)
        check_layers(self.style_layers)
        check_weights(
            self,
            ("content_weight", "style_weight", "tv_weight", "pixel_weight", "temporal_weight"),
        )
        check_weights(self, ("temporal_shift", "temporal_noise"))
        check_jitter(self.jitter, self.crop)
        check_decay(self.decay_from)
        if self.style_size < imageio.MIN_SIDE:
            raise OptionError(f"style size must be at least {imageio.MIN_SIDE} px")


def check_weights(recipe: object, names: tuple[str, ...]) -> None:
    """A clear error for any loss weight of ``recipe`` that is negative or NaN."""
    for name in names:
        v = getattr(recipe, name)
        if not v >= 0:
            raise OptionError(f"{name} must be >= 0, got {v}")


def file_digest(path: Path) -> str:
    """sha256 of a file, to record which style image a model learnt."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FastStyleRecipe(LinearDecay, OneNetTrainer):
    """The :class:`~brushwork.training.trainer.OneNetTrainer` of a fast style, on the recipe's
    learning-rate schedule (constant unless ``decay_from`` < 1)."""

    recipe: FastRecipe

    def __init__(
        self,
        recipe: FastRecipe,
        style: Image.Image | None,
        *,
        init: nn.Module | None = None,
        describe: dict[str, Any] | None = None,
        folder: Path,
        total_steps: int,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe
        self.total_steps = total_steps
        self.architecture = "transformer"
        self.net: nn.Module = trainable(TransformerNet(recipe.net), init)
        encoder = load_vgg19(max_layer=_deepest([*recipe.content_layers, *recipe.style_layers]))
        self.loss = PerceptualLoss(
            encoder,
            content_layers=recipe.content_layers,
            style_layers=recipe.style_layers if style is not None else {},
            content_weight=recipe.content_weight,
            style_weight=recipe.style_weight if style is not None else 0.0,
            tv_weight=recipe.tv_weight,
        )
        self.style = style
        self.describe = describe or {}
        self.folder = folder
        self.dtype = dtype

    def to(self, device: torch.device) -> None:
        self.net.to(device)
        self.loss.to(device)
        if self.style is not None:
            s = imageio.resize(
                self.style, imageio.size_for_long_side(self.style.size, self.recipe.style_size)
            )
            self.loss.set_style([imageio.to_tensor(s).to(device)])

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return self.schedule(lr, super().optimizers(lr))

    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        return preview_grid(net, photos, device)

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        y = net(batch)
        seen, photo = random_jitter(self.recipe.jitter, y, batch)  # one offset for both
        self.loss.set_content(photo)
        parts: dict[str, torch.Tensor] = self.loss(seen)
        if self.recipe.pixel_weight:
            parts["pixel"] = F.mse_loss(y.float(), batch.float())
            parts["total"] = parts["total"] + self.recipe.pixel_weight * parts["pixel"]
        if self.recipe.temporal_weight:
            parts["temporal"] = stability_loss(net, batch, y, self.recipe)
            parts["total"] = parts["total"] + self.recipe.temporal_weight * parts["temporal"]
        return parts

    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        config = model_config(
            info,
            **{
                "architecture": self.architecture,
                "config": self.recipe.net.to_dict(),
                "method": "fast",
                **self.describe,
            },
        )
        write_model(self.folder, state, config, dtype=self.dtype, preview=preview)


def stability_loss(
    net: Callable[[torch.Tensor], torch.Tensor],
    batch: torch.Tensor,
    output: torch.Tensor,
    recipe: FastRecipe,
) -> torch.Tensor:
    """Temporal loss on synthetic video: ``batch`` moved by a random small motion plus noise is
    the next "frame"; its output must equal ``output`` moved the same way, inside the frame."""
    b, _, h, w = batch.shape
    flow = random_motion(b, h, w, shift=recipe.temporal_shift).to(batch.device)
    moved = warp(batch, flow)
    moved = (moved + recipe.temporal_noise * torch.randn_like(moved)).clamp(0, 1)
    return temporal_loss(net(moved), warp(output, flow), inside(flow, margin=2.0))


def _deepest(layers: list[str]) -> str:
    from brushwork.encoders.vgg19 import LAYERS

    return max(layers, key=LAYERS.index)


def train_fast(
    data: str | os.PathLike[str],
    style: str | os.PathLike[str] | None,
    output: str | os.PathLike[str],
    *,
    recipe: FastRecipe | None = None,
    loop: LoopConfig | None = None,
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train a fast style on a folder of photos and write a model folder to ``output``.

    Args:
        data: folder of photos (recursive).
        style: the style image (``None`` only with ``style_weight`` unused, for identity nets).
        output: model folder; holds checkpoint.safetensors, previews/ and log.jsonl meanwhile.
        recipe, loop: loss/net options and loop options.
        init: a model folder to warm-start from (same net config).
        resume: continue a stopped run from its checkpoint.
        dtype: dtype of the saved weights (float16 halves the file).
    """
    dtype = run.get("dtype", torch.float32)
    recipe = recipe or FastRecipe()
    loop = loop or LOOP
    photos = PhotoFolder(data, crop=recipe.crop)
    style_img = None
    describe: dict[str, Any] = {}
    record: dict[str, Any] = {"recipe": recipe.to_dict(), "data": str(Path(data))}
    if style is not None:
        style_path = Path(style)
        style_img = imageio.load(style_path).rgb
        describe["style"] = {
            "name": style_path.stem,
            "file": style_path.name,
            "sha256": file_digest(style_path),
        }
        record["style_sha256"] = describe["style"]["sha256"]
    description = run_description(
        run, init, lambda cfg: cfg.get("style", {}).get("sha256") == record.get("style_sha256")
    )
    if description:
        describe = {"description": description, **describe}
    init_net = warm_start(init, "transformer", recipe.net, record)
    describe["data"] = photos.summary()
    with seeded(loop.seed):
        fsr = FastStyleRecipe(
            recipe,
            style_img,
            init=init_net,
            describe=describe,
            folder=Path(output),
            total_steps=loop.steps,
            dtype=dtype,
        )
    return fit(
        fsr,
        photos,
        output,
        loop=loop,
        record=record,
        **run,
    )
