"""Recipe for lite styles: distil a trained full-size fast style into a :class:`LiteNet`
(knowledge distillation, Hinton et al., 2015, with perceptual targets as in Johnson et al.).

The student sees the teacher's output for each photo and matches it in pixels, in VGG features
(relu2_2, relu3_3) and in the Gram statistics of those features (the teacher's texture, which
feature matching alone blurs); optionally the Gram statistics of the style image instead. No
relu4 pass and no style search: warm-started from a lite identity net (``teacher=None``: the
photo itself is the target), a lite style trains in minutes on a CPU once its teacher exists.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

import torch
import torch.nn.functional as F
from torch import nn

from brushwork import image as imageio
from brushwork import zoo
from brushwork.encoders.vgg19 import check_layers, load_vgg19
from brushwork.losses.grid import grid_loss
from brushwork.losses.perceptual import PerceptualLoss
from brushwork.losses.style import gram_matrix
from brushwork.modelfile import read_model
from brushwork.nets.lite import LiteConfig, LiteNet
from brushwork.nets.registry import load_net
from brushwork.ops.jitter import check_jitter, random_jitter
from brushwork.options import OMIT_DEFAULT, Options
from brushwork.training.data import PhotoFolder
from brushwork.training.fast import FastStyleRecipe, _deepest, check_weights, file_digest
from brushwork.training.loop import LoopConfig, TrainResult, fit
from brushwork.training.schedule import check_decay
from brushwork.training.trainer import RunOptions, seeded, trainable, warm_start

#: the loop options this method trains with unless told otherwise (the CLI's defaults)
LOOP = LoopConfig(steps=1000, lr=2e-3, preview_every=100, checkpoint_every=50)


@dataclass(frozen=True)
class LiteRecipe(Options):
    """Options of a distillation run; saved in the model's config.json.

    Attributes:
        crop: side of the square training crops.
        style_size: long side of the style image for the Gram targets.
        feature_layers: VGG layers where the student matches the teacher's output features.
        style_layers: layers of the Gram loss to a style image, when one is given.
        feature_weight, pixel_weight: loss weights (pixel: MSE in [0, 1]).
        style_weight: weight of that Gram loss (used only with a style image).
        texture_weight: weight of matching the Gram matrices of the teacher's output at
            ``feature_layers`` (per photo; free: those features are computed anyway); used
            only without a style image, so one Gram term is ever on.
        jitter: the losses see the student's output and the teacher's at one random offset
            of up to ``jitter`` - 1 pixels, a new one every step
            (:func:`~brushwork.ops.jitter.random_jitter`): without it the student learns the
            hatching of a net whose 4-pixel grid lines up with VGG's pooling, as its teachers
            did before they were trained with it. 0 (older recipes) shifts nothing.
        decay_from: the share of the steps at the full learning rate before it decays
            linearly to 0 (:mod:`brushwork.training.schedule`); 1 keeps it constant.
        grid_weight: weight of :func:`~brushwork.losses.grid.grid_loss` on the student's output
            less the teacher's: the pattern locked to the student's 8 px grid that the teacher
            lacks (the lite net's pixel shuffle and strides paint one, too faint for the pixel
            loss to see, plain at 3x zoom). 0 (older recipes): none.
        net: the student's config.
    """

    kind: ClassVar[str] = "lite recipe"

    crop: int = 192
    style_size: int = 320
    feature_layers: Mapping[str, float] = field(
        default_factory=lambda: {"relu2_2": 1.0, "relu3_3": 1.0}
    )
    style_layers: Mapping[str, float] = field(
        default_factory=lambda: {"relu1_2": 1.0, "relu2_2": 1.0, "relu3_3": 1.0}
    )
    feature_weight: float = 1.0
    style_weight: float = 0.5
    pixel_weight: float = 1e6
    texture_weight: float = 1.0
    net: LiteConfig = field(default_factory=LiteConfig)
    jitter: int = field(default=0, metadata=OMIT_DEFAULT)  # older recipes have none
    decay_from: float = field(default=1.0, metadata=OMIT_DEFAULT)
    grid_weight: float = field(default=0.0, metadata=OMIT_DEFAULT)

    def __post_init__(self) -> None:
        check_jitter(self.jitter, self.crop)
        check_decay(self.decay_from)
        check_layers(self.feature_layers)
        check_layers(self.style_layers)
        check_weights(
            self,
            ("feature_weight", "style_weight", "pixel_weight", "texture_weight", "grid_weight"),
        )

    def one_gram_term(self, *, with_style_image: bool) -> LiteRecipe:
        """The recipe as trained: the style image's Gram term when one is given, else the
        teacher's output's (``texture_weight``); the other weight is 0."""
        if with_style_image:
            return dataclasses.replace(self, texture_weight=0.0)
        return dataclasses.replace(self, style_weight=0.0)


class LiteStyleRecipe(FastStyleRecipe):
    """The trainer of a lite style (student of ``teacher``)."""

    def __init__(
        self,
        recipe: LiteRecipe,
        teacher: nn.Module | None,
        style: Any,
        *,
        init: nn.Module | None = None,
        describe: dict[str, Any],
        folder: Path,
        total_steps: int,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe  # type: ignore[assignment]
        self.grid_weight = recipe.grid_weight
        self.total_steps = total_steps
        self.architecture = "lite"
        self.net = trainable(LiteNet(recipe.net), init)
        self.teacher = teacher.eval() if teacher is not None else None
        for p in self.teacher.parameters() if self.teacher is not None else []:
            p.requires_grad_(False)
        use_style = style is not None and recipe.style_weight > 0
        self.texture = recipe.texture_weight > 0 and teacher is not None
        grams: Mapping[str, float] = {}
        if use_style:
            grams = recipe.style_layers
        elif self.texture:
            grams = recipe.feature_layers
        self.loss = PerceptualLoss(
            load_vgg19(max_layer=_deepest([*recipe.feature_layers, *grams])),
            content_layers=recipe.feature_layers,
            style_layers=grams,
            content_weight=recipe.feature_weight,
            style_weight=recipe.style_weight if use_style else recipe.texture_weight,
        )
        self.style = style if use_style else None
        self.describe = describe
        self.folder = folder
        self.dtype = dtype

    def to(self, device: torch.device) -> None:
        super().to(device)
        if self.teacher is not None:
            self.teacher.to(device)

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            target = batch if self.teacher is None else self.teacher(batch).clamp(0, 1)
        y = net(batch)
        seen, shown = random_jitter(self.recipe.jitter, y, target)  # one offset for both
        with torch.no_grad():
            self.loss.set_content(shown)
            if self.texture:  # the teacher's own texture statistics, per photo
                self.loss.style_targets = {
                    k: gram_matrix(v) for k, v in self.loss.content_targets.items()
                }
        parts: dict[str, torch.Tensor] = self.loss(seen)
        parts["pixel"] = F.mse_loss(y.float(), target.float())
        parts["total"] = parts["total"] + self.recipe.pixel_weight * parts["pixel"]
        if self.grid_weight > 0:
            parts["grid"] = grid_loss(y, target)
            parts["total"] = parts["total"] + self.grid_weight * parts["grid"]
        return parts


def train_lite(
    data: str | os.PathLike[str],
    teacher: str | os.PathLike[str] | None,
    output: str | os.PathLike[str],
    *,
    style: str | os.PathLike[str] | None = None,
    init: str | os.PathLike[str] | None = None,
    recipe: LiteRecipe | None = None,
    loop: LoopConfig | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Distil the fast style ``teacher`` (bundled name or model folder) into a lite net.

    Args:
        teacher: the full style; ``None`` trains a lite identity net (target: the photo) to
            warm-start lite styles from.
        style: the teacher's style image, for the optional Gram term.
        init: a lite model folder to warm-start from (same net config).
    """
    dtype = run.get("dtype", torch.float32)
    recipe = recipe or LiteRecipe()
    recipe = recipe.one_gram_term(with_style_image=style is not None)
    loop = loop or LOOP
    teacher_net = None
    describe: dict[str, Any] = {"description": "lite identity net (warm start for lite styles)"}
    record: dict[str, Any] = {"recipe": recipe.to_dict(), "data": str(Path(data))}
    if teacher is not None:
        teacher_path = zoo.resolve(teacher)
        teacher_model = read_model(teacher_path)
        teacher_net = load_net(teacher_model, expect="transformer")
        cfg = teacher_model.config
        describe["description"] = f"{cfg.get('description', teacher_path.name)}, lite"
        if "style" in cfg:
            describe["style"] = cfg["style"]
        # named after its style: a teacher's folder may be a stage's (starry_night_20261203)
        name = cfg.get("style", {}).get("name", teacher_path.name)
        record["teacher"] = {"name": name, "path": zoo.describe(teacher_path)}
    init_net = warm_start(init, "lite", recipe.net, record)
    photos = PhotoFolder(data, crop=recipe.crop)
    style_img = None
    if style is not None:
        style_img = imageio.load(Path(style)).rgb
        record["style_sha256"] = file_digest(Path(style))
        style_img = imageio.resize(
            style_img, imageio.size_for_long_side(style_img.size, recipe.style_size)
        )
    describe["data"] = photos.summary()
    with seeded(loop.seed):
        lsr = LiteStyleRecipe(
            recipe,
            teacher_net,
            style_img,
            init=init_net,
            describe=describe,
            folder=Path(output),
            total_steps=loop.steps,
            dtype=dtype,
        )
    return fit(
        lsr,
        photos,
        output,
        loop=loop,
        record=record,
        **run,
    )
