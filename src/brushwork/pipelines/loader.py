"""``bw.load``: any trained model by bundled name or path, as the pipeline that runs it (the
method that runs it is found through :mod:`brushwork.methods` from the model's config)."""

from __future__ import annotations

import os
from typing import Any

import torch

from brushwork import methods, zoo


def load(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    **options: Any,
) -> Any:
    """A bundled model by name or a model folder by path, ready to call.

    A feed-forward style (:func:`brushwork.pipelines.fast.load`, whose options it takes:
    ``style`` for a multi-style model, ``backend``, ``compile``) is called with a photo:
    ``bw.load("starry_night")(photo)``. An AdaIN decoder (``"adain"``) is called with a photo
    and any style image: ``bw.load("adain")(photo, style=painting, alpha=0.8)``. A
    super-resolution net (``"sr-x4"``, ``"sr-x8"``) is called with an image:
    ``bw.load("sr-x4")(small)``. A method registered by a plugin loads the same way.
    """
    value = str(name_or_path)
    is_model = value in zoo.names() or zoo.is_model_path(value)
    # a style name inside a bundled multi-style model ("udnie") is a fast style too
    spec = methods.for_path(value) if is_model else methods.get("fast")
    return spec.pipeline(name_or_path, style=style, device=device, precision=precision, **options)
