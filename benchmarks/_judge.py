"""What the benchmarks share: the data folder, held-out photos, and the judge of a bundled
style (the VGG19 losses of its training recipe: content and Gram style at its layers/weights)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy import linalg

from brushwork import image as imageio
from brushwork import modelfile, zoo
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.losses.perceptual import PerceptualLoss

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BRUSHWORK_DATA", ROOT.parent / "shared" / "data"))


def recipe_of(name: str) -> dict:  # type: ignore[type-arg]
    """The training recipe of bundled style ``name`` (``X_lite``: that of its teacher ``X``)."""
    entry = next(e for e in zoo.entries() if e.name == name)
    if entry.config["architecture"] == "lite":
        return recipe_of(name.removesuffix("_lite"))
    return modelfile.recipe_of(entry.config)


def judge(name: str) -> tuple[PerceptualLoss, dict[str, float], torch.Tensor]:
    """(loss, its weights, style tensor) of the recipe bundled style ``name`` was trained with."""
    entry = next(e for e in zoo.entries() if e.name == name)
    return judge_for(recipe_of(name), entry.config["style"]["file"])


def judge_for(rec: dict, style_file: str) -> tuple[PerceptualLoss, dict[str, float], torch.Tensor]:  # type: ignore[type-arg]
    """(loss, its weights, style tensor) of training recipe ``rec`` with a style image."""
    style = imageio.load(DATA / "style" / style_file).rgb
    style = imageio.resize(style, imageio.size_for_long_side(style.size, rec["style_size"]))
    weights = {k: rec[k] for k in ("content_weight", "style_weight", "tv_weight")}
    loss = PerceptualLoss(
        load_vgg19(max_layer="relu4_3"),
        content_layers=rec["content_layers"],
        style_layers=rec["style_layers"],
        **weights,
    )
    s = imageio.to_tensor(style)
    loss.set_style([s])
    return loss, weights, s


def single_styles() -> list[str]:
    """Bundled single-style full nets (not lite, not multi-style)."""
    return [
        e.name
        for e in zoo.entries()
        if e.config["architecture"] == "transformer" and not e.config.get("styles")
    ]


def scores(loss: PerceptualLoss, photo: torch.Tensor, out: torch.Tensor) -> dict[str, float]:
    """Content, style and total loss of ``out`` stylising ``photo``."""
    loss.set_content(photo)
    with torch.no_grad():
        parts = loss(out)
    return {k: float(parts[k]) for k in ("content", "style", "total")}


def held_photo(photo: str, size: int):  # type: ignore[no-untyped-def]
    """A photo from ../shared/data/content (never trained on) at long side ``size``."""
    img = imageio.load(DATA / "content" / f"{photo}.jpg").rgb
    return imageio.resize(img, imageio.size_for_long_side(img.size, size))


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to feature sets ``a`` and ``b`` (one row per
    sample), as FID computes it; a rank-deficient covariance (few samples) is tolerated."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = linalg.sqrtm(s1 @ s2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.real(root)))
