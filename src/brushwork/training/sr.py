"""Recipe for perceptual-loss super-resolution (Johnson, Alahi and Fei-Fei, ECCV 2016, section
4.2): an :class:`~brushwork.nets.sr.SRNet` maps the degraded crop (:func:`~brushwork.ops.degrade.
degrade`: Gaussian blur sigma 1, bicubic 1/scale) back to the crop, trained with the feature
reconstruction loss at VGG19 relu2_2 plus a little total variation (``loss="feature"``), or
with per-pixel mean squared error (``loss="pixel"``) for comparison.

The paper's recipe: 288x288 crops of 10k COCO photos, batch 4, 200k steps, Adam lr 1e-3.
"""

from __future__ import annotations

import os
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
from brushwork.modelfile import recipe_of, write_model
from brushwork.nets.sr import SRConfig, SRNet
from brushwork.ops.degrade import SIGMA, crop_to_multiple, degrade
from brushwork.ops.jitter import check_jitter, random_jitter
from brushwork.options import Options
from brushwork.training.data import PhotoFolder
from brushwork.training.fast import check_weights
from brushwork.training.loop import PREVIEW_SIDE, LoopConfig, TrainResult, fit, model_config
from brushwork.training.trainer import (
    OneNetTrainer,
    RunOptions,
    evaluating,
    run_description,
    seeded,
    trainable,
    warm_start,
)

LOSSES = ("feature", "pixel")

#: the loop options this method trains with unless told otherwise (the CLI's defaults)
LOOP = LoopConfig()


@dataclass(frozen=True)
class SRRecipe(Options):
    """Loss and data options of a super-resolution run; saved in the model's config.json.

    Attributes:
        crop: side of the square high-resolution crops (a multiple of the scale).
        sigma: blur of the degradation, in high-resolution pixels.
        loss: "feature" (VGG relu2_2 feature reconstruction + TV) or "pixel" (MSE).
        feature_layer: the VGG19 layer of the feature loss.
        tv_weight: weight of the total variation term (feature loss only).
        pixel_weight: weight of a per-pixel MSE added to the feature loss (0: the paper's
            feature loss alone). A little of it anchors flat areas, where the feature loss
            alone lets a faint dot grid through (the net upsamples by nearest-neighbour stages).
        jitter: the feature loss sees output and photo cropped at a random offset of up to
            ``jitter`` - 1 pixels, a new one every step (:mod:`brushwork.ops.jitter`): without
            it the net learns a dot grid locked to its upsampling and VGG's pooling. 0: off.
        net: the network's config (its ``scale`` is the model's scale).
    """

    kind: ClassVar[str] = "sr recipe"

    crop: int = 288
    sigma: float = SIGMA
    loss: str = "feature"
    feature_layer: str = "relu2_2"
    tv_weight: float = 1e4
    pixel_weight: float = 0.0
    jitter: int = 0
    net: SRConfig = field(default_factory=SRConfig)

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise OptionError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        check_layers({self.feature_layer: 1.0})
        check_weights(self, ("tv_weight", "sigma", "pixel_weight"))
        check_jitter(self.jitter, self.crop)
        if self.crop % self.net.scale or self.crop // self.net.scale < 8:
            raise OptionError(
                f"crop must be a multiple of the scale {self.net.scale} and at least "
                f"{8 * self.net.scale} px, got {self.crop}"
            )


class SuperResolutionRecipe(OneNetTrainer):
    """The :class:`~brushwork.training.trainer.OneNetTrainer` of a super-resolution net."""

    def __init__(
        self,
        recipe: SRRecipe,
        *,
        init: nn.Module | None = None,
        describe: dict[str, Any] | None = None,
        folder: Path,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe
        self.net: nn.Module = trainable(SRNet(recipe.net), init)
        self.loss: PerceptualLoss | None = None
        if recipe.loss == "feature":
            self.loss = PerceptualLoss(
                load_vgg19(max_layer=recipe.feature_layer),
                content_layers={recipe.feature_layer: 1.0},
                style_layers={},
                content_weight=1.0,
                style_weight=0.0,
                tv_weight=recipe.tv_weight,
            )
        self.describe = describe or {}
        self.folder = folder
        self.dtype = dtype

    def to(self, device: torch.device) -> None:
        self.net.to(device)
        if self.loss is not None:
            self.loss.to(device)

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        low = degrade(batch, self.recipe.net.scale, self.recipe.sigma)
        out = net(low)
        pixel = F.mse_loss(out.float(), batch.float())
        if self.loss is None:
            return {"pixel": pixel, "total": pixel}
        seen, photo = random_jitter(self.recipe.jitter, out, batch)  # one offset for both
        self.loss.set_content(photo)
        parts = self.loss(seen)
        total = parts["total"] + self.recipe.pixel_weight * pixel
        if not self.recipe.pixel_weight:
            pixel = pixel.detach()  # logged only
        return {"feature": parts["content"], "tv": parts["tv"], "pixel": pixel, "total": total}

    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """Rows: bicubic from the degraded photo, the net's output, the photo itself."""
        return preview_rows(net, photos, device, self.recipe.net.scale, self.recipe.sigma)

    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        config = model_config(
            info,
            architecture="sr",
            config=self.recipe.net.to_dict(),
            method="sr",
            scale=self.recipe.net.scale,
            **self.describe,
        )
        write_model(self.folder, state, config, dtype=self.dtype, preview=preview)


def preview_rows(
    net: nn.Module,
    photos: list[Image.Image],
    device: torch.device,
    scale: int,
    sigma: float = SIGMA,
) -> Image.Image:
    """Bicubic, net and ground truth of a centre crop of each (degraded) photo, as a grid, the
    crops at their own resolution so that detail shows."""
    rows: list[list[Image.Image]] = [[], [], []]
    with evaluating(net):
        for img in photos:
            hr = crop_to_multiple(_centre(imageio.to_tensor(img), PREVIEW_SIDE), scale).to(device)
            low = degrade(hr, scale, sigma)
            bicubic = F.interpolate(low, scale_factor=float(scale), mode="bicubic")
            for row, t in zip(rows, (bicubic, net(low), hr), strict=True):
                row.append(imageio.to_pil(t.float().clamp(0, 1).cpu()))
    return imageio.grid(rows, PREVIEW_SIDE)


def _centre(x: torch.Tensor, side: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    top, left = max(0, (h - side) // 2), max(0, (w - side) // 2)
    return x[..., top : top + side, left : left + side]


def train_sr(
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    recipe: SRRecipe | None = None,
    loop: LoopConfig | None = None,
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train a super-resolution net on random crops of a folder of photos and write a model
    folder to ``output`` (checkpoints, previews and log.jsonl there meanwhile); ``init``: a
    model folder of the same net to continue from (a bundled model's weights)."""
    dtype = run.get("dtype", torch.float32)
    recipe = recipe or SRRecipe()
    description = run_description(run, init, lambda cfg: recipe_of(cfg).get("loss") == recipe.loss)
    loop = loop or LOOP
    photos = PhotoFolder(data, crop=recipe.crop)
    describe: dict[str, Any] = {"description": description} if description else {}
    describe["data"] = photos.summary()
    record: dict[str, Any] = {"recipe": recipe.to_dict(), "data": str(Path(data))}
    init_net = warm_start(init, "sr", recipe.net, record)
    with seeded(loop.seed):
        sr = SuperResolutionRecipe(
            recipe, init=init_net, describe=describe, folder=Path(output), dtype=dtype
        )
    return fit(sr, photos, output, loop=loop, record=record, **run)
