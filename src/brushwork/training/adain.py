"""Recipe for the AdaIN decoder (Huang and Belongie, "Arbitrary Style Transfer in Real-time
with Adaptive Instance Normalization", ICCV 2017, section 6.1): a fixed VGG19 encodes a photo
``c`` and a style ``s`` to relu4_1, ``t = AdaIN(f(c), f(s))``, and the decoder ``g`` learns
``g(t)`` whose features are ``t`` (content loss) and whose relu1_1..relu4_1 feature means and
standard deviations are the style's (style loss, :func:`~brushwork.losses.moments.moment_loss`).

The paper: MS-COCO photos and about 80k WikiArt paintings, both resized to 512 and cropped to
256, batch 8, Adam lr 1e-4, style weight 10, about 160k steps. Here only a few dozen paintings
exist, so :class:`~brushwork.training.data.StyleSet` widens them with scale and colour jitter and
with photos drawn as extra styles; ``held_out`` names paintings kept out to measure
generalisation. A reconstruction stage (``style_weight=0``, the photo is its own style, so
``t = f(c)``; ``pixel_weight`` adds a pixel loss) is a cheap start on a CPU.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, Unpack

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork.encoders.vgg19 import check_layers, load_vgg19
from brushwork.errors import OptionError
from brushwork.losses.content import content_loss
from brushwork.losses.moments import moment_loss
from brushwork.modelfile import write_model
from brushwork.nets.adain import AdaINDecoder, DecoderConfig, adaptive_instance_norm
from brushwork.ops.jitter import check_jitter, random_jitter
from brushwork.ops.moments import mean_std
from brushwork.options import OMIT_DEFAULT, Options
from brushwork.training.data import EXTENSIONS, PhotoFolder, StyleSet
from brushwork.training.fast import check_weights, file_digest
from brushwork.training.loop import PREVIEW_SIDE, LoopConfig, TrainResult, fit, model_config
from brushwork.training.schedule import LinearDecay, check_decay
from brushwork.training.trainer import (
    OneNetTrainer,
    RunOptions,
    evaluating,
    seeded,
    trainable,
    warm_start,
)

ADAIN_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
ARCHITECTURE = "adain_decoder"

#: the loop options this method trains with unless told otherwise (the CLI's defaults)
LOOP = LoopConfig(steps=160_000, batch_size=8, lr=1e-4, preview_every=500, checkpoint_every=500)


@dataclass(frozen=True)
class AdaINRecipe(Options):
    """Loss and data options of a decoder training run; saved in the model's config.json.

    Attributes:
        crop: side of the square photo and style crops (paper: 256).
        style_scale: range of the style's short side before cropping, in crops (paper: 2).
        photo_styles: share of style draws that are training photos instead of paintings.
        color_jitter: strength of the style colour jitter (0 = none, 1 = widest).
        style_layers: where the style loss compares means and standard deviations.
        content_weight, style_weight: loss weights (paper: 1 and 10).
        pixel_weight: weight of a pixel MSE to the photo; with ``style_weight`` 0 this is a
            reconstruction stage.
        identity_weight: weight of an identity term (Park and Lee, "Arbitrary Style Transfer
            with Style-Attentional Networks", 2019): the photo decoded with itself as the style
            (``g(f(c))``) must give back the photo (pixel MSE). It keeps the decoder a faithful
            inverter while it learns to paint; 0 is the AdaIN paper's recipe.
        jitter: the content and style losses see the output cropped at a random offset of up
            to ``jitter`` - 1 pixels, a new one every step, and the content target is AdaIN of
            the photo cropped the same way (:mod:`brushwork.ops.jitter`): the decoder upsamples
            by 8 on VGG's own pooling grid, and without the shift it learns a stripe pattern
            locked to that grid. 0 (the paper) keeps the grids aligned.
        decay_from: the share of the loop's steps at its full learning rate, after which the
            rate decays linearly to 0 (:mod:`brushwork.training.schedule`). 1 (the paper)
            keeps it constant; 0 makes a whole continued stage a cool-down, which settles a
            long constant-rate run's noisy weights.
        decoder: the decoder's config.
    """

    kind: ClassVar[str] = "adain recipe"

    crop: int = 256
    style_scale: tuple[float, float] = (1.0, 2.0)
    photo_styles: float = 0.25
    color_jitter: float = 0.5
    style_layers: tuple[str, ...] = ADAIN_STYLE_LAYERS
    content_weight: float = 1.0
    style_weight: float = 10.0
    pixel_weight: float = 0.0
    identity_weight: float = 0.0
    jitter: int = field(default=0, metadata=OMIT_DEFAULT)  # older recipes have none
    decay_from: float = field(default=1.0, metadata=OMIT_DEFAULT)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)

    def __post_init__(self) -> None:
        check_jitter(self.jitter, self.crop)
        check_decay(self.decay_from)
        check_layers(self.style_layers)
        check_weights(self, ("content_weight", "style_weight", "pixel_weight", "identity_weight"))
        if self.content_weight + self.style_weight + self.pixel_weight <= 0:
            raise OptionError("at least one loss weight must be positive")
        if self.crop < imageio.MIN_SIDE or self.crop % 8:
            raise OptionError(f"crop must be a multiple of 8 and at least {imageio.MIN_SIDE}")


def adain_losses(
    encoder: nn.Module,
    decoder: nn.Module,
    photos: torch.Tensor,
    styles: torch.Tensor | None,
    recipe: AdaINRecipe,
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """The paper's losses of one batch (eqs. 11-14), and the decoded images.

    ``styles=None`` reconstructs: each photo is its own style. Content loss: mean squared
    difference of the output's relu4_1 features and the AdaIN target; style loss: the sum over
    ``style_layers`` of :func:`moment_loss`. With ``recipe.jitter`` both losses see the output
    cropped at a random offset, against the target of the photo cropped the same way.
    """
    layer = recipe.decoder.layer
    wanted = sorted({layer, *recipe.style_layers})
    with torch.no_grad():
        fc = encoder(photos, [layer])[layer]
        fs = encoder(styles, wanted) if styles is not None else None
        target = adaptive_instance_norm(fc, fs[layer]) if fs is not None else fc.float()
    out = decoder(target)
    parts: dict[str, torch.Tensor] = {}
    total = out.new_zeros(()).float()
    if recipe.content_weight or recipe.style_weight:
        seen, seen_target = out, target
        if recipe.jitter > 1:
            seen, shifted = random_jitter(recipe.jitter, out, photos)  # one offset for both
            with torch.no_grad():
                fcs = encoder(shifted, [layer])[layer]
                seen_target = adaptive_instance_norm(fcs, fs[layer]) if fs is not None else fcs
        fy = encoder(seen, wanted if recipe.style_weight else [layer])
        parts["content"] = content_loss(fy[layer], seen_target.float())
        total = total + recipe.content_weight * parts["content"]
        if recipe.style_weight and fs is not None:
            parts["style"] = sum(
                (moment_loss(fy[n], *mean_std(fs[n])) for n in recipe.style_layers),
                out.new_zeros(()).float(),
            )
            total = total + recipe.style_weight * parts["style"]
    if recipe.pixel_weight:
        parts["pixel"] = F.mse_loss(out.float(), photos.float())
        total = total + recipe.pixel_weight * parts["pixel"]
    if recipe.identity_weight and fs is not None:
        parts["identity"] = F.mse_loss(decoder(fc.float()).float(), photos.float())
        total = total + recipe.identity_weight * parts["identity"]
    parts["total"] = total
    return parts, out


class AdaINDecoderRecipe(LinearDecay, OneNetTrainer):
    """The :class:`~brushwork.training.trainer.OneNetTrainer` of an AdaIN decoder, on the
    recipe's learning-rate schedule (constant unless ``decay_from`` < 1)."""

    def __init__(
        self,
        recipe: AdaINRecipe,
        styles: StyleSet,
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
        self.net: nn.Module = trainable(AdaINDecoder(recipe.decoder), init)
        self.encoder = load_vgg19(max_layer=recipe.decoder.layer)
        self.styles = styles
        self.preview_styles = list(preview_styles)
        self.describe = describe
        self.folder = folder
        self.seed = seed
        self.dtype = dtype
        self.step = 0
        self.device = torch.device("cpu")

    def to(self, device: torch.device) -> None:
        self.net.to(device)
        self.encoder = self.encoder.to(device)
        self.device = device

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return self.schedule(lr, super().optimizers(lr))

    def begin_step(self, step: int) -> None:
        self.step = step
        super().begin_step(step)

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        styles = None
        if self.recipe.style_weight:
            rank, world = _rank_world()
            styles = self.styles.batch(
                self.seed, self.step, batch.shape[0], rank=rank, world=world
            ).to(batch.device)
        parts, _ = adain_losses(self.encoder, net, batch, styles, self.recipe)
        return parts

    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        layer = self.recipe.decoder.layer

        def paint(style: torch.Tensor, photo: torch.Tensor) -> torch.Tensor:
            fs = self.encoder(style, [layer])[layer]
            out: torch.Tensor = net(adaptive_instance_norm(self.encoder(photo, [layer])[layer], fs))
            return out

        with evaluating(net):
            return any_style_preview(self.preview_styles, photos, paint, device)

    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        config = model_config(
            info,
            **{
                "architecture": ARCHITECTURE,
                "config": self.recipe.decoder.to_dict(),
                "method": "adain",
                "encoder": {"name": "vgg19", "layer": self.recipe.decoder.layer},
                **self.describe,
            },
        )
        write_model(self.folder, state, config, dtype=self.dtype, preview=preview)


def _pad8(x: torch.Tensor) -> torch.Tensor:
    h, w = x.shape[-2:]
    return F.pad(x, (0, (-w) % 8, 0, (-h) % 8), mode="reflect")


def _rank_world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def style_files(paths: Sequence[str | os.PathLike[str]], held_out: Sequence[str]) -> list[Path]:
    """The style images named by ``paths`` (files or folders), without the ``held_out`` names
    (file stems); an unknown held-out name is an error, so a typo cannot leak a test style."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in EXTENSIONS)
        elif p.is_file():
            files.append(p)
        else:
            raise OptionError(f"{p}: no such style image or folder")
    stems = {f.stem for f in files}
    unknown = [n for n in held_out if n not in stems]
    if unknown:
        raise OptionError(f"held-out style(s) not among the style images: {', '.join(unknown)}")
    return [f for f in files if f.stem not in set(held_out)]


def any_style_preview(
    styles: Sequence[Image.Image],
    photos: list[Image.Image],
    paint: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    device: torch.device,
) -> Image.Image:
    """An any-style trainer's preview: the photos on the top row, then one row per style, the
    style first; ``paint(style, photo)`` (tensors, the photo padded to a multiple of 8) gives
    each picture."""
    blank = Image.new("RGB", (PREVIEW_SIDE, PREVIEW_SIDE), "white")
    rows = [[blank, *photos]]
    for style in styles:
        s = imageio.to_tensor(style).to(device)
        row = [style]
        for p in photos:
            y = paint(s, _pad8(imageio.to_tensor(p).to(device)))[..., : p.size[1], : p.size[0]]
            row.append(imageio.to_pil(y.float().clamp(0, 1).cpu()))
        rows.append(row)
    return imageio.grid(rows, PREVIEW_SIDE)


class StyleDraws(Protocol):
    """The options of an any-style recipe that say how its crops and styles are drawn."""

    @property
    def crop(self) -> int: ...
    @property
    def style_scale(self) -> tuple[float, float]: ...
    @property
    def photo_styles(self) -> float: ...
    @property
    def color_jitter(self) -> float: ...


@dataclass
class StyleData:
    """What an any-style trainer learns from: the photos, the style images it may draw (the
    held-out names left out), their :class:`StyleSet`, and the preview's pictures."""

    photos: PhotoFolder
    files: list[Path]
    styles: StyleSet
    held_out: list[str]
    preview_styles: list[Image.Image]

    def record(self, content: str | os.PathLike[str]) -> dict[str, Any]:
        """The run's record of its data (a resumed run must match it)."""
        return {
            "data": str(Path(content)),
            "styles": {f.stem: file_digest(f) for f in self.files},
            "held_out": self.held_out,
        }

    def describe(self, description: str) -> dict[str, Any]:
        """What the model's config.json says of its data."""
        head = {"description": description} if description else {}
        return head | {
            "data": self.photos.summary(),
            "styles_seen": [f.stem for f in self.files],
            "held_out": self.held_out,
        }

    def preview_photos(self) -> list[Image.Image]:
        """Three photos spread over the folder."""
        files = self.photos.files
        return [imageio.load(files[i * len(files) // 3]).rgb for i in range(3)]


def style_data(
    content: str | os.PathLike[str],
    styles: Sequence[str | os.PathLike[str]],
    held_out: Sequence[str],
    recipe: StyleDraws,
) -> StyleData:
    """The :class:`StyleData` of an any-style training run drawn as ``recipe`` says; the preview
    styles are the first two held-out paintings (unseen) and two seen ones."""
    photos = PhotoFolder(content, crop=recipe.crop)
    files = style_files(styles, held_out)
    style_set = StyleSet(
        files,
        recipe.crop,
        scale=recipe.style_scale,
        photos=photos,
        photo_share=recipe.photo_styles,
        color_jitter=recipe.color_jitter,
    )
    by_stem = {Path(f).stem: Path(f) for p in styles for f in _expand(p)}
    names = [n for n in held_out][:2] + [f.stem for f in files][:2]
    preview = [
        imageio.square(imageio.load(by_stem[n]).rgb, PREVIEW_SIDE) for n in names if n in by_stem
    ]
    return StyleData(photos, files, style_set, sorted(held_out), preview)


def train_adain(
    content: str | os.PathLike[str],
    styles: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    recipe: AdaINRecipe | None = None,
    loop: LoopConfig | None = None,
    held_out: Sequence[str] = (),
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train an AdaIN decoder and write a model folder to ``output``.

    Args:
        content: folder of photos (recursive); also the source of photo styles.
        styles: style images and/or folders of them.
        output: model folder; checkpoints, previews and the log go there meanwhile.
        held_out: style names (file stems) to leave out of training, recorded in the config.
        init: a decoder model folder to warm-start from (same decoder config), e.g. the
            result of a reconstruction stage.
    """
    dtype = run.get("dtype", torch.float32)
    description = run.get("description", "")
    recipe = recipe or AdaINRecipe()
    loop = loop or LOOP
    data = style_data(content, styles, held_out, recipe)
    record: dict[str, Any] = {"recipe": recipe.to_dict(), **data.record(content)}
    init_net = warm_start(init, ARCHITECTURE, recipe.decoder, record)
    with seeded(loop.seed):
        r = AdaINDecoderRecipe(
            recipe,
            data.styles,
            init=init_net,
            preview_styles=data.preview_styles,
            describe=data.describe(description),
            folder=Path(output),
            seed=loop.seed,
            dtype=dtype,
            total_steps=loop.steps,
        )
    return fit(
        r,
        data.photos,
        output,
        loop=loop,
        record=record,
        preview_photos=data.preview_photos(),
        **run,
    )


def _expand(p: str | os.PathLike[str]) -> list[Path]:
    q = Path(p)
    return sorted(f for f in q.iterdir() if f.suffix.lower() in EXTENSIONS) if q.is_dir() else [q]
