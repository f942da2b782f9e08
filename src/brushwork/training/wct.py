"""Decoders for universal style transfer (Li et al., "Universal Style Transfer via Feature
Transforms", NeurIPS 2017, section 3): each learns to invert one VGG19 layer of photos; no
painting is seen, so nothing is learned about any style.

The deeper decoders (relu2_1 to relu4_1) train as AdaIN decoders in a reconstruction stage
(:func:`~brushwork.training.adain.train_adain` with ``style_weight=0``: pixel loss plus a
feature loss at their layer). The relu1_1 decoder is a single 3x3 conv, a linear map of the
features, so :func:`fit_linear_decoder` solves its pixel loss in closed form (least squares
over photo crops): Adam needs thousands of steps on this ill-conditioned problem and stops near
20 dB, the exact fit reconstructs at about 42 dB. :func:`write_wct_model` puts the decoders in
one model folder (one component per level) that ``bw.load`` opens as a
:class:`~brushwork.pipelines.universal.UniversalStyle`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Unpack

import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from brushwork.encoders.vgg19 import load_vgg19
from brushwork.errors import OptionError
from brushwork.modelfile import (
    COMPONENTS,
    WEIGHTS_FILE,
    component,
    read_model,
    write_components,
    write_model,
)
from brushwork.nets.adain import LAYER_WIDTHS, AdaINDecoder, DecoderConfig
from brushwork.nets.registry import load_net
from brushwork.options import OMIT_DEFAULT, Options
from brushwork.training.adain import ARCHITECTURE as DECODER_ARCHITECTURE
from brushwork.training.adain import AdaINRecipe, train_adain
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.data import PhotoFolder, step_generator
from brushwork.training.loop import LoopConfig
from brushwork.training.schedule import check_decay
from brushwork.training.trainer import RunOptions

ARCHITECTURE = "wct_decoder"

#: the loop options of each trained level unless told otherwise (the CLI's defaults)
LOOP = LoopConfig(steps=2000, batch_size=4, lr=5e-4, preview_every=500, checkpoint_every=100)


@dataclass(frozen=True)
class WCTRecipe(Options):
    """How the decoders of a WCT model are made; saved in its config.json.

    Attributes:
        levels: the VGG19 layers decoded, coarse to fine (the paper adds relu5_1).
        crop: side of the photo crops.
        steps: Adam steps of each trained level (relu1_1 is solved, not trained).
        feature_weights: per level, the weight of the feature loss at the decoder's own layer
            beside the pixel MSE (weight 1); about the pixel loss's size at the start.
        input_scales: per level, the factor on the features entering the decoder (1/their RMS
            on photos; relu4_1 keeps 1, as the AdaIN decoder it may start from).
        lsq_images: photo crops of the relu1_1 least-squares fit.
        decay_from: the share of each trained level's steps at the full learning rate, then
            down to 0 (:mod:`brushwork.training.schedule`; 1: constant, as first trained).
    """

    kind: ClassVar[str] = "wct recipe"

    levels: tuple[str, ...] = ("relu4_1", "relu3_1", "relu2_1", "relu1_1")
    crop: int = 128
    steps: Mapping[str, int] = field(
        default_factory=lambda: {"relu4_1": 4000, "relu3_1": 2500, "relu2_1": 1200}
    )
    feature_weights: Mapping[str, float] = field(
        default_factory=lambda: {"relu4_1": 5e-8, "relu3_1": 2e-7, "relu2_1": 4e-7}
    )
    input_scales: Mapping[str, float] = field(
        default_factory=lambda: {
            "relu4_1": 1.0,
            "relu3_1": 0.005,
            "relu2_1": 0.005,
            "relu1_1": 0.02,
        }
    )
    lsq_images: int = 300
    decay_from: float = field(default=1.0, metadata=OMIT_DEFAULT)

    def __post_init__(self) -> None:
        check_decay(self.decay_from)
        unknown = [n for n in self.levels if n not in LAYER_WIDTHS]
        if unknown or not self.levels:
            raise OptionError(f"WCT levels must be among {', '.join(LAYER_WIDTHS)}")
        if self.crop < 64 or self.crop % 8:
            raise OptionError("crop must be a multiple of 8 and at least 64")

    def decoder(self, layer: str) -> DecoderConfig:
        return DecoderConfig(layer=layer, input_scale=self.input_scales.get(layer, 1.0))


@torch.no_grad()
def fit_linear_decoder(
    photos: PhotoFolder,
    config: DecoderConfig,
    *,
    images: int = 300,
    ridge: float = 1e-6,
    seed: int = 0,
    progress: bool = True,
) -> tuple[AdaINDecoder, dict[str, Any]]:
    """The least-squares relu1_1 decoder: the 3x3 conv (and bias) from ``config.layer``'s
    features to RGB with the lowest pixel MSE over ``images`` random crops of ``photos``.

    ``ridge`` (times the mean diagonal of the normal matrix) keeps the solve well posed.

    Returns:
        the decoder and a record of the fit (images, crop, training PSNR).
    """
    net = AdaINDecoder(config)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    if len(convs) != 1:
        raise OptionError(f"a closed-form fit needs a one-conv decoder ({config.layer} has more)")
    conv = convs[0]
    encoder = load_vgg19(max_layer=config.layer)
    k = conv.in_channels * 9 + 1
    normal = torch.zeros(k, k, dtype=torch.float64)
    right = torch.zeros(k, 3, dtype=torch.float64)
    sq, count = 0.0, 0
    for i in tqdm(range(images), desc="least squares", disable=not progress, leave=False):
        g = step_generator(seed, i)
        x = photos.crop_tensor(photos.load(i % len(photos)), g)[None]
        feats = encoder(x, [config.layer])[config.layer] * config.input_scale
        cols = F.unfold(F.pad(feats, (1, 1, 1, 1), mode="reflect"), 3)[0].T.double()
        cols = torch.cat([cols, torch.ones(cols.shape[0], 1, dtype=cols.dtype)], 1)
        target = x[0].flatten(1).T.double()
        normal += cols.T @ cols
        right += cols.T @ target
        sq += float(target.pow(2).sum())
        count += target.numel()
    reg = ridge * normal.diagonal().mean() * torch.eye(k, dtype=normal.dtype)
    sol = torch.linalg.solve(normal + reg, right)
    conv.weight.copy_(sol[:-1].T.reshape(conv.weight.shape).float())
    assert conv.bias is not None
    conv.bias.copy_(sol[-1].float())
    # training MSE from the normal equations: (|y|^2 - 2 s.r + s.N s) / n
    mse = (sq - 2 * float((sol * right).sum()) + float((sol * (normal @ sol)).sum())) / count
    psnr = float(-10 * torch.log10(torch.tensor(max(mse, 1e-12))))
    record = {"fit": "least squares", "images": images, "crop": photos.crop, "train_psnr": psnr}
    return net.eval(), record


def write_wct_model(
    folder: str | os.PathLike[str],
    decoders: Mapping[str, AdaINDecoder | str | os.PathLike[str]],
    *,
    records: Mapping[str, Mapping[str, Any]] | None = None,
    description: str = "",
    dtype: torch.dtype = torch.float32,
    preview: Image.Image | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """One WCT model folder from a decoder per level (nets, or decoder model folders whose
    training records are kept), the deepest level its main net."""
    nets: dict[str, AdaINDecoder] = {}
    levels: dict[str, Any] = {}
    for layer, d in decoders.items():
        if isinstance(d, AdaINDecoder):
            net, rec = d, dict((records or {}).get(layer, {}))
        else:
            model = read_model(d)
            loaded = load_net(model)
            assert isinstance(loaded, AdaINDecoder)
            net = loaded
            rec = {
                k: model.config[k] for k in ("training", "recipe", "stages") if k in model.config
            }
            rec |= dict((records or {}).get(layer, {}))
        if net.config.layer != layer:
            raise OptionError(f"the {layer} decoder decodes {net.config.layer}")
        nets[layer] = net
        levels[layer] = rec
    order = sorted(nets, key=lambda n: -int(nets[n].in_channels))
    config = {
        "method": "wct",
        "main": order[0],
        COMPONENTS: {
            n: {"architecture": ARCHITECTURE, "config": nets[n].config.to_dict()} for n in order
        },
        "encoder": {"name": "vgg19", "layers": order},
        "levels": levels,
        **({"description": description} if description else {}),
        **dict(extra or {}),
    }
    # the model's own training record: the steps of its trained levels in all
    steps = sum(int(rec.get("training", {}).get("steps") or 0) for rec in levels.values())
    config["training"] = {"steps": steps} | dict(config.get("training") or {})
    states = {n: nets[n].state_dict() for n in order}
    return write_components(folder, states, config, dtype=dtype, preview=preview)


def _stage(folder: Path) -> str:
    if (folder / WEIGHTS_FILE).exists():
        return "done"
    return "resume" if (folder / CHECKPOINT_FILE).exists() else "new"


def _level_init(init: Path | None, layer: str, out: Path) -> Path | None:
    """A one-decoder model folder ``out`` of ``layer`` from WCT model ``init`` (to warm-start
    from, or to keep), with the level's records (training, recipe, stages) in ``init``."""
    if init is None:
        return None
    model = read_model(init)
    comps = model.config.get(COMPONENTS) or {}
    if layer not in comps:
        return None
    one = component(model, layer)
    record = (model.config.get("levels") or {}).get(layer) or {}
    config = {
        "architecture": DECODER_ARCHITECTURE,
        "config": one.config["config"],
        "method": "adain",
        **{k: record[k] for k in ("training", "recipe", "stages") if k in record},
    }
    write_model(out, one.state, config)
    return out


def train_wct(
    content: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    recipe: WCTRecipe | None = None,
    loop: LoopConfig | None = None,
    init: str | os.PathLike[str] | None = None,
    keep: Collection[str] = (),
    **run: Unpack[RunOptions],
) -> Path:
    """Make a WCT model: the relu1_1 decoder by least squares, the deeper ones trained to
    reconstruct photos (resumable: each level is a model folder under ``output/levels``),
    then one model folder at ``output``. ``init``: a WCT model to continue each level from
    (the optimizer restarts); the levels in ``keep`` are copied from it unchanged, records
    included (a stage that trains only the others)."""
    recipe = recipe or WCTRecipe()
    loop = loop or LOOP
    out = Path(output)
    work = out / "levels"
    work.mkdir(parents=True, exist_ok=True)
    source = Path(init) if init else None
    if keep and source is None:
        raise OptionError("levels can be kept only from an init model")
    if stray := sorted(set(keep) - set(recipe.levels)):
        raise OptionError(f"cannot keep {', '.join(stray)}: not a level of this model")
    start = time.perf_counter()
    decoders: dict[str, AdaINDecoder | Path] = {}
    progress = run.get("progress", True)
    for layer in recipe.levels:
        folder = work / layer
        if _stage(folder) != "done" and layer in keep:
            if _level_init(source, layer, folder) is None:
                raise OptionError(f"{init} has no {layer} decoder to keep")
        elif _stage(folder) != "done" and layer == "relu1_1":
            photos = PhotoFolder(content, crop=recipe.crop)
            net, record = fit_linear_decoder(
                photos, recipe.decoder(layer), images=recipe.lsq_images, progress=progress
            )
            write_model(
                folder,
                net.state_dict(),
                {
                    "architecture": DECODER_ARCHITECTURE,
                    "config": net.config.to_dict(),
                    "method": "adain",
                    "training": record,
                },
            )
        elif _stage(folder) != "done":
            train_adain(
                content,
                [],
                folder,
                recipe=AdaINRecipe(
                    crop=recipe.crop,
                    content_weight=recipe.feature_weights.get(layer, 0.0),
                    style_weight=0.0,
                    pixel_weight=1.0,
                    decoder=recipe.decoder(layer),
                    decay_from=recipe.decay_from,
                ),
                loop=replace(loop, steps=recipe.steps.get(layer, loop.steps)),
                init=_level_init(source, layer, work / f"{layer}_init"),
                resume=_stage(folder) == "resume",
                progress=progress,
            )
        decoders[layer] = folder
    write_wct_model(
        out,
        decoders,
        description=run.get("description", "")
        or "universal style transfer (WCT): VGG19 decoders trained on photos only",
        dtype=run.get("dtype", torch.float32),
        extra={
            "recipe": recipe.to_dict(),
            "training": {"data": str(content), "seconds": round(time.perf_counter() - start, 1)},
        },
    )
    return out
