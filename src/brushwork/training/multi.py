"""Recipe for multi-style networks (Dumoulin, Shlens and Kudlur, "A Learned Representation for
Artistic Style", 2017): one transform net with conditional instance norm, trained on N style
images at once. Each photo of a batch draws a style (or, with ``mix``, a random blend of two
styles whose Gram targets are blended alike); its condition selects that style's scales and
shifts; all conv weights are shared.

Adding a style (:func:`train_add_style`) trains a new slot's scales and shifts alone, the shared
weights and the other styles frozen: the paper's cheap way to grow a model.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Unpack

import torch
from PIL import Image
from torch import nn

from brushwork import image as imageio
from brushwork import zoo
from brushwork.errors import OptionError
from brushwork.modelfile import (
    STYLE_PREVIEWS,
    WEIGHTS_FILE,
    read_model,
    recipe_of,
    training_record,
    write_model,
)
from brushwork.nets.multistyle import StyleMix, add_slots, conditional_norms, spread, styles_of
from brushwork.nets.norm import set_condition
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerNet
from brushwork.training.data import PhotoFolder
from brushwork.training.fast import FastRecipe, FastStyleRecipe, file_digest
from brushwork.training.loop import PREVIEW_SIDE, LoopConfig, TrainResult, fit, model_config
from brushwork.training.trainer import RunOptions, evaluating, seeded, warm_start

#: the loop options of a multi-style run and of adding one style (the CLI's defaults)
LOOP = LoopConfig(steps=20_000)
ADD_STYLE_LOOP = LoopConfig(steps=300, lr=1e-2, preview_every=50, checkpoint_every=50)


@dataclass(frozen=True)
class MultiRecipe(FastRecipe):
    """:class:`FastRecipe` plus the share of photos that train on a blend of two styles.

    Attributes:
        mix: probability that a photo's target is a random blend of two styles rather than one
            (0: one style per photo, as in the paper).
        norm_lr: learning-rate multiplier of the style parameters (scales and shifts) over the
            shared weights.
    """

    mix: float = 0.0
    norm_lr: float = 10.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.mix <= 1.0:
            raise OptionError(f"mix must be between 0 and 1, got {self.mix}")
        if not self.norm_lr > 0:
            raise OptionError(f"norm_lr must be > 0, got {self.norm_lr}")


def style_record(path: Path) -> dict[str, str]:
    """Name, file and sha256 of a style image, as a model's config lists its styles."""
    return {"name": path.stem, "file": path.name, "sha256": file_digest(path)}


class MultiStyleRecipe(FastStyleRecipe):
    """The :class:`~brushwork.training.trainer.OneNetTrainer` of a multi-style net.

    Args:
        styles: one image per slot that trains (``train_slots``), in slot order.
        net: the multi-style net to train (fresh, warm-started or grown by add-style).
        train_slots: the slots that train; ``None`` trains every slot and every shared weight,
            otherwise only these slots' scales and shifts train (add-style).
        records: the ``styles`` list of the finished model's config (one entry per slot).
    """

    def __init__(
        self,
        recipe: MultiRecipe,
        styles: Sequence[Image.Image],
        *,
        net: TransformerNet,
        train_slots: Sequence[int] | None = None,
        records: list[dict[str, Any]],
        describe: dict[str, Any],
        folder: Path,
        total_steps: int,
        dtype: torch.dtype = torch.float32,
        seed: int = 0,
    ) -> None:
        super().__init__(
            recipe,
            styles[0],
            describe=describe,
            folder=folder,
            total_steps=total_steps,
            dtype=dtype,
        )
        self.recipe: MultiRecipe = recipe
        self.net = self.multi = net
        self.slots = list(train_slots) if train_slots is not None else list(range(len(styles)))
        if len(self.slots) != len(styles):
            raise OptionError(f"{len(styles)} style images for {len(self.slots)} slots")
        self.images = list(styles)
        self.records = records
        self.frozen = train_slots is not None
        self.seed = seed
        self.step = 0
        self.grams: dict[str, torch.Tensor] = {}  # layer -> (S_train, C, C)
        self.rows: list[list[Image.Image]] = []  # the last preview, one row per trained slot
        for p in self.net.parameters():
            p.requires_grad_(not self.frozen)
        if self.frozen:
            self._freeze_all_but_slots()

    def _freeze_all_but_slots(self) -> None:
        """Only the trained slots' rows of every conditional norm get gradients."""
        keep = torch.zeros(styles_of(self.multi), 1)
        keep[self.slots] = 1.0
        for m in conditional_norms(self.net):
            for p in (m.weight, m.bias):
                p.requires_grad_(True)
                p.register_hook(lambda g, k=keep: g * k.to(g))  # type: ignore[no-untyped-call]

    def param_groups(self, lr: float) -> list[dict[str, Any]]:
        """The style parameters at ``norm_lr`` times the shared weights' rate (they are few and
        must move far from their common start for the styles to part); add-style trains only
        them, at ``lr`` itself."""
        norms = [p for m in conditional_norms(self.net) for p in (m.weight, m.bias)]
        if self.frozen:
            return [{"params": norms, "lr": lr}]
        ids = {id(p) for p in norms}
        shared = [p for p in self.net.parameters() if id(p) not in ids]
        return [
            {"params": shared, "lr": lr},
            {"params": norms, "lr": lr * self.recipe.norm_lr, "lr_scale": self.recipe.norm_lr},
        ]

    def to(self, device: torch.device) -> None:
        self.net.to(device)
        self.loss.to(device)
        grams: dict[str, list[torch.Tensor]] = {}
        for img in self.images:
            s = imageio.resize(img, imageio.size_for_long_side(img.size, self.recipe.style_size))
            for layer, g in self.loss.style_grams(imageio.to_tensor(s).to(device)).items():
                grams.setdefault(layer, []).append(g[0])
        self.grams = {layer: torch.stack(gs) for layer, gs in grams.items()}

    def begin_step(self, step: int) -> None:
        super().begin_step(step)
        self.step = step

    def draw(self, batch: int) -> torch.Tensor:
        """Each photo's weights over the trained styles, (B, S_train): one style each, or with
        probability ``mix`` a random blend of two. Depends only on the seed and the step, so a
        resumed run draws what an uninterrupted one would."""
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.step)
        n = len(self.slots)
        first = torch.randint(n, (batch,), generator=gen)
        weights = torch.zeros(batch, n)
        weights[torch.arange(batch), first] = 1.0
        if self.recipe.mix > 0 and n > 1:
            blend = torch.rand(batch, generator=gen) < self.recipe.mix
            second = torch.randint(n, (batch,), generator=gen)
            t = torch.rand(batch, generator=gen)
            for b in torch.nonzero(blend).flatten().tolist():
                weights[b] = 0.0
                weights[b, first[b]] += t[b]
                weights[b, second[b]] += 1.0 - t[b]
        return weights

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        weights = self.draw(batch.shape[0]).to(batch.device)
        condition = batch.new_zeros(batch.shape[0], styles_of(self.multi))
        condition[:, self.slots] = weights
        self.loss.style_targets = {
            layer: torch.einsum("bs,scd->bcd", weights, g) for layer, g in self.grams.items()
        }
        set_condition(net, condition)
        try:  # the single-style losses (jitter, stability) with this step's styles
            return super().losses(net, batch)
        finally:
            set_condition(net, None)

    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """The photos on top, then one row per trained style."""
        rows = [photos]
        with evaluating(net):
            for slot in self.slots:
                cond = torch.zeros(1, styles_of(self.multi), device=device)
                cond[0, slot] = 1.0
                mixed = StyleMix(self.multi, cond)
                rows.append(
                    [
                        imageio.to_pil(
                            mixed(imageio.to_tensor(p).to(device)).float().clamp(0, 1).cpu()
                        )
                        for p in photos
                    ]
                )
        self.rows = rows[1:]
        return imageio.grid(rows, PREVIEW_SIDE)

    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        config = model_config(
            info,
            **{
                "architecture": "transformer",
                "config": self.multi.config.to_dict(),
                "method": "fast",
                **self.describe,
                "styles": self.records,
            },
        )
        write_model(self.folder, state, config, dtype=self.dtype, preview=preview)
        for slot, row in zip(self.slots, self.rows, strict=True):
            strip = imageio.grid([row], PREVIEW_SIDE)
            name = self.records[slot]["name"]
            imageio.save(strip, self.folder / STYLE_PREVIEWS / f"{name}.jpg", overwrite=True)


def recorded_data(model: str | os.PathLike[str]) -> Path:
    """The photo folder a model was trained on, when it is still there (add-style's default)."""
    cfg = read_model(zoo.resolve(model)).config
    folder = training_record(cfg).get("data")
    if folder and Path(folder).is_dir():
        return Path(folder)
    raise OptionError(
        f"{model}: its training photos ({folder or 'not recorded'}) are not here; pass --data"
    )


def _load_styles(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Image.Image], list[Path]]:
    files = [Path(p) for p in paths]
    names = [f.stem for f in files]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise OptionError(f"two style images share the name {dup[0]!r}; rename one")
    return [imageio.load(f).rgb for f in files], files


def train_multi(
    data: str | os.PathLike[str],
    styles: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    *,
    recipe: MultiRecipe | None = None,
    loop: LoopConfig | None = None,
    init: str | os.PathLike[str] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train one net on several style images (one slot each) and write it to ``output``.

    Args:
        styles: the style images; each style is named after its file's stem.
        init: a single- or multi-style model to warm-start the shared weights from (for
            example an identity net); its norm parameters seed every slot.
    """
    dtype = run.get("dtype", torch.float32)
    description = run.get("description", "")
    loop = loop or LOOP
    if len(styles) < 2:
        raise OptionError("a multi-style net needs at least two --style images")
    images, files = _load_styles(styles)
    recipe = recipe or MultiRecipe()
    recipe = replace(recipe, net=replace(recipe.net, styles=len(images)))
    photos = PhotoFolder(data, crop=recipe.crop)
    records = [style_record(f) for f in files]
    record: dict[str, Any] = {
        "recipe": recipe.to_dict(),
        "data": str(Path(data)),
        "styles_sha256": [r["sha256"] for r in records],
    }
    with seeded(loop.seed):
        net = TransformerNet(recipe.net)
    start = warm_start(
        init,
        "transformer",
        recipe.net,
        record,
        same=lambda a, b: a.unconditional() == b.unconditional(),
    )
    if start is not None:
        assert isinstance(start, TransformerNet)
        # a model of as many styles continues as it is (a later stage); any other seeds each slot
        same = styles_of(start) == len(images)
        net = TransformerNet(recipe.net) if same else spread(start, len(images))
        if same:
            net.load_state_dict(start.state_dict())
    describe = {
        "description": description or f"{len(images)} styles: {', '.join(f.stem for f in files)}",
        "data": photos.summary(),
    }
    msr = MultiStyleRecipe(
        recipe,
        images,
        net=net,
        records=records,
        describe=describe,
        folder=Path(output),
        total_steps=loop.steps,
        dtype=dtype,
        seed=loop.seed,
    )
    return fit(
        msr,
        photos,
        output,
        loop=loop,
        record=record,
        **run,
    )


def train_add_style(
    model: str | os.PathLike[str],
    style: str | os.PathLike[str],
    data: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str] | None = None,
    style_weight: float | None = None,
    loop: LoopConfig | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Add a style to a trained model by training its new slot's scales and shifts alone.

    The shared weights and every existing style stay exactly as they were. A single-style
    model becomes a two-style model (its own style first). The loss recipe is the model's own
    (so the new style sits at the same scale as the others); ``style_weight`` overrides it.

    Args:
        model: a model folder (or a bundled name, with ``output``).
        output: where to write the grown model; ``None`` updates ``model`` in place (atomically;
            the old styles are kept bit for bit). Checkpoints, previews and the log go to
            ``<output>/add_style_<name>/``.
    """
    loop = loop or ADD_STYLE_LOOP
    src = zoo.resolve(model)
    if output is None and src.parent == zoo.ZOO_DIR:
        raise OptionError(f"{model}: a bundled model cannot change in place; pass --output")
    if not src.is_dir():
        raise OptionError(f"{model}: add-style needs a model folder")
    dest = Path(output) if output is not None else src
    base_model = read_model(src)
    base = load_net(base_model, expect="transformer")
    assert isinstance(base, TransformerNet)
    cfg = base_model.config
    images, files = _load_styles([style])
    records = list(cfg.get("styles") or ([cfg["style"]] if "style" in cfg else []))
    if not records:
        records = [{"name": src.name}]
    name = files[0].stem
    if name in [r.get("name") for r in records]:
        raise OptionError(f"{src} already has a style named {name!r}")
    records.append(style_record(files[0]))
    saved = recipe_of(cfg)
    recipe = MultiRecipe.from_dict(saved) if saved else MultiRecipe(net=base.config)
    if style_weight is not None:
        recipe = replace(recipe, style_weight=style_weight)
    net = add_slots(base, 1, init="mean")
    recipe = replace(recipe, net=net.config)
    work = dest / f"add_style_{name}"
    photos = PhotoFolder(data, crop=recipe.crop)
    describe = {k: v for k, v in cfg.items() if k in ("description", "data")}
    if "styles" not in cfg:
        describe["description"] = f"{cfg.get('description', src.name)} + {name}"
    record: dict[str, Any] = {
        "recipe": recipe.to_dict(),
        "data": str(Path(data)),
        "added_to": str(src),
        "base_sha256": file_digest(src / WEIGHTS_FILE),
        "style_sha256": records[-1]["sha256"],
    }
    msr = MultiStyleRecipe(
        recipe,
        images,
        net=net,
        train_slots=[styles_of(net) - 1],
        records=records,
        describe=describe,
        folder=dest,
        total_steps=loop.steps,
        dtype=next(iter(base_model.state.values())).dtype,
        seed=loop.seed,
    )
    elsewhere = output is not None and dest.resolve() != src.resolve()
    if elsewhere and not run.get("overwrite") and (dest / WEIGHTS_FILE).exists():
        raise OptionError(f"{dest}: already holds a model; pass --overwrite")
    if elsewhere and (src / STYLE_PREVIEWS).is_dir():
        for old in (src / STYLE_PREVIEWS).glob("*.jpg"):
            if old.stem in [r.get("name") for r in records]:
                (dest / STYLE_PREVIEWS).mkdir(parents=True, exist_ok=True)
                shutil.copy(old, dest / STYLE_PREVIEWS / old.name)
    result = fit(
        msr,
        photos,
        work,
        loop=loop,
        record=record,
        **run,
    )
    result.folder = dest
    return result
