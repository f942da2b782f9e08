"""Recipe for the learned linear transform (Li, Liu, Li and Yang, "Learning Linear
Transformations for Fast Arbitrary Style Transfer", CVPR 2019, section 4): a fixed VGG19 encodes
a photo and a painting to ``transform.layer``, the transform (:mod:`brushwork.nets.linear`)
moves the photo's features to the painting's, a fixed reconstruction decoder (a WCT model's, for
that layer) turns them into a picture, and only the transform learns, on the Gram style loss
and the feature content loss of that picture.

The paper: MS-COCO and WikiArt, 256 px crops, batch 8, Adam lr 1e-4, content relu4_1, style
relu1_1..relu4_1. Here the loss is the optimiser's own objective (content relu4_2, Gram style
relu1_1..relu5_1, style weight 100, :mod:`brushwork.pipelines.optimize`), the one the one-pass
methods are judged by; the transform starts as a mean swap through the photos' principal
feature directions (:meth:`~brushwork.nets.linear.LinearTransform.init_projection`), so a short
CPU budget starts from a sensible picture.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Unpack

import torch
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork.encoders.vgg19 import LAYERS, check_layers, load_vgg19
from brushwork.errors import OptionError, WeightsError
from brushwork.losses.content import content_loss
from brushwork.losses.perceptual import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS
from brushwork.losses.style import gram_matrix, style_loss
from brushwork.modelfile import COMPONENTS, component, read_model, write_components
from brushwork.nets.adain import AdaINDecoder
from brushwork.nets.linear import LinearConfig, LinearTransform, check_detail
from brushwork.nets.registry import load_net
from brushwork.options import OMIT_DEFAULT, Options
from brushwork.training.adain import _rank_world, any_style_preview, style_data
from brushwork.training.data import PhotoFolder, StyleSet
from brushwork.training.fast import check_weights
from brushwork.training.loop import LoopConfig, TrainResult, fit, model_config
from brushwork.training.schedule import LinearDecay, check_decay
from brushwork.training.trainer import (
    OneNetTrainer,
    RunOptions,
    evaluating,
    seeded,
    trainable,
    warm_start,
)

ARCHITECTURE = "linear_transform"
DECODER_ARCHITECTURE = "linear_decoder"

#: the loop options this method trains with unless told otherwise (the CLI's defaults; paper)
LOOP = LoopConfig(steps=160_000, batch_size=8, lr=1e-4, preview_every=500, checkpoint_every=500)


@dataclass(frozen=True)
class LinearRecipe(Options):
    """Loss and data options of a linear-transform training run; saved in config.json.

    Attributes:
        crop: side of the square photo and style crops (paper: 256).
        style_scale: range of the style's short side before cropping, in crops.
        photo_styles: share of style draws that are training photos instead of paintings.
        color_jitter: strength of the style colour jitter (0 = none, 1 = widest).
        content_layers, style_layers: layer -> weight (the optimiser's by default).
        content_weight, style_weight: loss weights (the optimiser's: 1 and 100).
        decay_from: the share of the steps at the full learning rate before it decays linearly
            to 0 (:mod:`brushwork.training.schedule`); 1 keeps it constant.
        detail: share of the photo's features outside the transform's subspace added back
            (:meth:`~brushwork.nets.linear.LinearTransform.outside`; 0: the paper's); the
            trained model runs with it (config.json's ``detail``).
        transform: the transform's config.
    """

    kind: ClassVar[str] = "linear recipe"

    crop: int = 256
    style_scale: tuple[float, float] = (1.0, 2.0)
    photo_styles: float = 0.1
    color_jitter: float = 0.25
    content_layers: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_CONTENT_LAYERS)
    )
    style_layers: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_STYLE_LAYERS))
    content_weight: float = 1.0
    style_weight: float = 1e2
    decay_from: float = 1.0
    detail: float = field(default=0.0, metadata=OMIT_DEFAULT)
    transform: LinearConfig = field(default_factory=LinearConfig)

    def __post_init__(self) -> None:
        check_layers(self.content_layers)
        check_layers(self.style_layers)
        check_weights(self, ("content_weight", "style_weight"))
        check_decay(self.decay_from)
        check_detail(self.detail)
        if self.content_weight + self.style_weight <= 0:
            raise OptionError("at least one loss weight must be positive")
        if self.crop < imageio.MIN_SIDE or self.crop % 8:
            raise OptionError(f"crop must be a multiple of 8 and at least {imageio.MIN_SIDE}")


def linear_losses(
    encoder: nn.Module,
    transform: LinearTransform,
    decoder: nn.Module,
    photos: torch.Tensor,
    styles: torch.Tensor,
    recipe: LinearRecipe,
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """The losses of one batch (each photo with its own style) and the decoded pictures."""
    layer = recipe.transform.layer
    with torch.no_grad():
        fc = encoder(photos, sorted({layer, *recipe.content_layers}))
        fs = encoder(styles, sorted({layer, *recipe.style_layers}))
        grams = {n: gram_matrix(fs[n]) for n in recipe.style_layers}
    target = transform.style_target(fs[layer].float())
    out = decoder(transform(fc[layer].float(), target, detail=recipe.detail))
    fy = encoder(out, sorted({*recipe.content_layers, *recipe.style_layers}))
    zero = out.new_zeros(()).float()
    parts = {
        "content": sum(
            (w * content_loss(fy[n], fc[n]) for n, w in recipe.content_layers.items()), zero
        ),
        "style": sum(
            (w * style_loss(fy[n], grams[n]) for n, w in recipe.style_layers.items()), zero
        ),
    }
    parts["total"] = recipe.content_weight * parts["content"] + recipe.style_weight * parts["style"]
    return parts, out


class LinearTransformRecipe(LinearDecay, OneNetTrainer):
    """The :class:`~brushwork.training.trainer.OneNetTrainer` of a linear transform: the
    transform learns, the decoder and the encoder stay fixed."""

    recipe: LinearRecipe

    def __init__(
        self,
        recipe: LinearRecipe,
        styles: StyleSet,
        decoder: AdaINDecoder,
        *,
        init: nn.Module | None = None,
        preview_styles: Sequence[Image.Image],
        describe: dict[str, Any],
        folder: Path,
        total_steps: int,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.recipe = recipe
        self.total_steps = total_steps
        self.net: nn.Module = trainable(LinearTransform(recipe.transform), init)
        self.decoder = decoder.eval()
        for p in self.decoder.parameters():
            p.requires_grad_(False)
        deepest = max(
            [recipe.transform.layer, *recipe.content_layers, *recipe.style_layers], key=LAYERS.index
        )
        self.encoder = load_vgg19(max_layer=deepest)
        self.styles = styles
        self.preview_styles = list(preview_styles)
        self.describe = describe
        self.folder = folder
        self.seed = seed
        self.dtype = dtype
        self.step = 0

    def to(self, device: torch.device) -> None:
        self.net.to(device)
        self.decoder.to(device)
        self.encoder = self.encoder.to(device)

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return self.schedule(lr, super().optimizers(lr))

    def begin_step(self, step: int) -> None:
        self.step = step
        super().begin_step(step)

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        rank, world = _rank_world()
        styles = self.styles.batch(self.seed, self.step, batch.shape[0], rank=rank, world=world)
        assert isinstance(net, LinearTransform)
        parts, _ = linear_losses(
            self.encoder, net, self.decoder, batch, styles.to(batch.device), self.recipe
        )
        return parts

    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        layer = self.recipe.transform.layer
        assert isinstance(net, LinearTransform)

        def paint(style: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
            target = net.style_target(self.encoder(style, [layer])[layer].float())
            features = self.encoder(photo, [layer])[layer]
            out: torch.Tensor = self.decoder(net(features, target, detail=self.recipe.detail))
            return out

        with evaluating(net):
            return any_style_preview(self.preview_styles, photos, paint, device)

    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        layer = self.recipe.transform.layer
        config = model_config(
            info,
            **{
                "method": "linear",
                "main": "transform",
                COMPONENTS: {
                    "transform": {
                        "architecture": ARCHITECTURE,
                        "config": self.recipe.transform.to_dict(),
                    },
                    "decoder": {
                        "architecture": DECODER_ARCHITECTURE,
                        "config": self.decoder.config.to_dict(),
                    },
                },
                "encoder": {"name": "vgg19", "layer": layer},
                **({"detail": self.recipe.detail} if self.recipe.detail else {}),
                **self.describe,
            },
        )
        states = {"transform": state, "decoder": self.decoder.state_dict()}
        write_components(self.folder, states, config, dtype=self.dtype, preview=preview)


def load_decoder(path: str | os.PathLike[str], layer: str) -> AdaINDecoder:
    """The decoder of ``layer`` in model folder ``path``: a WCT model's level, a linear model's
    decoder, or a one-decoder model (an AdaIN decoder) of that layer."""
    model = read_model(path)
    comps = model.config.get(COMPONENTS)
    if isinstance(comps, Mapping):
        name = "decoder" if "decoder" in comps else layer
        model = component(model, name)
    net = load_net(model, expect=("wct_decoder", "adain_decoder", DECODER_ARCHITECTURE))
    assert isinstance(net, AdaINDecoder)
    if net.config.layer != layer:
        raise WeightsError(f"{path}: its decoder decodes {net.config.layer}, not {layer}")
    return net


def principal_start(
    transform: LinearTransform, photos: PhotoFolder, encoder: nn.Module, count: int = 32
) -> None:
    """:meth:`~brushwork.nets.linear.LinearTransform.init_projection` on ``count`` photos."""
    layer = transform.config.layer
    with torch.no_grad():
        batch = photos.batch(0, 0, min(count, len(photos)))
        transform.init_projection(encoder(batch, [layer])[layer])


def train_linear(
    content: str | os.PathLike[str],
    styles: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    decoder: str | os.PathLike[str],
    recipe: LinearRecipe | None = None,
    loop: LoopConfig | None = None,
    held_out: Sequence[str] = (),
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train a linear transform and write a model folder (transform + decoder) to ``output``.

    Args:
        content: folder of photos (recursive); also the source of photo styles.
        styles: style images and/or folders of them.
        output: model folder; checkpoints, previews and the log go there meanwhile.
        decoder: model folder holding a reconstruction decoder of the transform's layer (a WCT
            model, e.g. the bundled ``wct``, or a linear model); it is copied into the result.
        held_out: style names (file stems) to leave out of training, recorded in the config.
        init: a linear model folder to continue (same transform config); without one the
            transform starts from the photos' principal directions.
    """
    from brushwork import zoo

    dtype = run.get("dtype", torch.float32)
    description = run.get("description", "")
    recipe = recipe or LinearRecipe()
    loop = loop or LOOP
    data = style_data(content, styles, held_out, recipe)
    source = zoo.resolve(str(decoder))
    dec = load_decoder(source, recipe.transform.layer)
    record: dict[str, Any] = {
        "recipe": recipe.to_dict(),
        "decoder": zoo.describe(source),
        **data.record(content),
    }
    init_net = warm_start(init, ARCHITECTURE, recipe.transform, record)
    with seeded(loop.seed):
        trainer = LinearTransformRecipe(
            recipe,
            data.styles,
            dec,
            init=init_net,
            preview_styles=data.preview_styles,
            describe=data.describe(description),
            folder=Path(output),
            total_steps=loop.steps,
            seed=loop.seed,
            dtype=dtype,
        )
    if init_net is None and not run.get("resume", False):
        assert isinstance(trainer.net, LinearTransform)
        principal_start(trainer.net, data.photos, trainer.encoder)
    return fit(
        trainer,
        data.photos,
        output,
        loop=loop,
        record=record,
        preview_photos=data.preview_photos(),
        **run,
    )
