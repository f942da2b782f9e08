"""Recipe for lite styles: distil a trained full-size fast style into a :class:`LiteNet`
(knowledge distillation, Hinton et al., 2015, with perceptual targets as in Johnson et al.).

The student sees the teacher's output for each photo and matches it in pixels and in VGG
features (relu2_2, relu3_3), plus the Gram statistics of the style image on the layers that
pass already computes (relu1_2..relu3_3). No relu4 pass and no long style search: a lite style
trains in minutes on a CPU once its teacher exists.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from brushwork import image as imageio
from brushwork import zoo
from brushwork.encoders.vgg19 import check_layers, load_vgg19
from brushwork.errors import OptionError
from brushwork.losses.perceptual import PerceptualLoss
from brushwork.modelfile import read_model
from brushwork.nets.lite import LiteConfig, LiteNet
from brushwork.nets.registry import load_net
from brushwork.training.data import PhotoFolder
from brushwork.training.fast import FastStyleRecipe, _deepest, file_digest
from brushwork.training.loop import LoopConfig, TrainResult, fit


@dataclass(frozen=True)
class LiteRecipe:
    """Options of a distillation run; saved in the model's config.json.

    Attributes:
        crop: side of the square training crops.
        style_size: long side of the style image for the Gram targets.
        feature_layers: VGG layers where the student matches the teacher's output features.
        style_layers: layers of the Gram loss (weight 0 or no style image: pure distillation).
        feature_weight, style_weight, pixel_weight: loss weights (pixel: MSE in [0, 1]).
        net: the student's config.
    """

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
    pixel_weight: float = 1e5
    net: LiteConfig = field(default_factory=LiteConfig)

    def __post_init__(self) -> None:
        check_layers(self.feature_layers)
        check_layers(self.style_layers)
        for name in ("feature_weight", "style_weight", "pixel_weight"):
            if not getattr(self, name) >= 0:
                raise OptionError(f"{name} must be >= 0, got {getattr(self, name)}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["feature_layers"] = dict(self.feature_layers)
        d["style_layers"] = dict(self.style_layers)
        d["net"] = self.net.to_dict()
        return d


class LiteStyleRecipe(FastStyleRecipe):
    """The :class:`~brushwork.training.loop.Recipe` of a lite style (student of ``teacher``)."""

    def __init__(
        self,
        recipe: LiteRecipe,
        teacher: nn.Module,
        style: Any,
        *,
        describe: dict[str, Any],
        folder: Path,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe  # type: ignore[assignment]
        self.architecture = "lite"
        self.net = LiteNet(recipe.net)
        self.teacher = teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        use_style = style is not None and recipe.style_weight > 0
        layers = [*recipe.feature_layers, *(recipe.style_layers if use_style else {})]
        self.loss = PerceptualLoss(
            load_vgg19(max_layer=_deepest(layers)),
            content_layers=recipe.feature_layers,
            style_layers=recipe.style_layers if use_style else {},
            content_weight=recipe.feature_weight,
            style_weight=recipe.style_weight if use_style else 0.0,
        )
        self.style = style if use_style else None
        self.describe = describe
        self.folder = folder
        self.dtype = dtype

    def to(self, device: torch.device) -> None:
        super().to(device)
        self.teacher.to(device)

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            target = self.teacher(batch).clamp(0, 1)
            self.loss.set_content(target)
        y = net(batch)
        parts: dict[str, torch.Tensor] = self.loss(y)
        parts["pixel"] = F.mse_loss(y.float(), target.float())
        parts["total"] = parts["total"] + self.recipe.pixel_weight * parts["pixel"]
        return parts


def train_lite(
    data: str | os.PathLike[str],
    teacher: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    style: str | os.PathLike[str] | None = None,
    recipe: LiteRecipe | None = None,
    loop: LoopConfig | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    dtype: torch.dtype = torch.float32,
) -> TrainResult:
    """Distil the fast style ``teacher`` (bundled name or model folder) into a lite net.

    Args:
        style: the teacher's style image, for the Gram term (``None``: pure distillation).
    """
    recipe = recipe or LiteRecipe()
    loop = loop or LoopConfig()
    teacher_path = zoo.resolve(teacher)
    teacher_model = read_model(teacher_path)
    teacher_net = load_net(teacher_model, expect="transformer")
    photos = PhotoFolder(data, crop=recipe.crop)
    cfg = teacher_model.config
    desc = str(cfg.get("description", teacher_path.name))
    describe: dict[str, Any] = {"description": f"{desc}, lite"}
    if "style" in cfg:
        describe["style"] = cfg["style"]
    record: dict[str, Any] = {
        "recipe": recipe.to_dict(),
        "data": str(Path(data)),
        "teacher": {"name": teacher_path.name, "path": str(teacher_path)},
    }
    style_img = None
    if style is not None:
        style_img = imageio.load(Path(style)).rgb
        record["style_sha256"] = file_digest(Path(style))
        style_img = imageio.resize(
            style_img, imageio.size_for_long_side(style_img.size, recipe.style_size)
        )
    describe["data"] = {
        "folder": str(Path(data)),
        "images": len(photos),
        "skipped": len(photos.skipped),
    }
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(loop.seed)
        lsr = LiteStyleRecipe(
            recipe, teacher_net, style_img, describe=describe, folder=Path(output), dtype=dtype
        )
    return fit(
        lsr,
        photos,
        output,
        loop=loop,
        record=record,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
    )
