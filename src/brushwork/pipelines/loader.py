"""``bw.load``: any trained model by bundled name or path, as the pipeline that runs it."""

from __future__ import annotations

import os
from typing import Any

import torch

from brushwork import zoo
from brushwork.errors import OptionError
from brushwork.modelfile import read_config
from brushwork.pipelines.arbitrary import ArbitraryStyle, from_model
from brushwork.pipelines.feedforward import FastStyle
from brushwork.pipelines.feedforward import load as load_fast
from brushwork.pipelines.upscale import Upscaler


def load(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    **options: Any,
) -> FastStyle | ArbitraryStyle | Upscaler:
    """A bundled model by name or a model folder by path, ready to call.

    A feed-forward style (:func:`brushwork.pipelines.feedforward.load`, whose options it takes:
    ``style`` for a multi-style model, ``backend``, ``compile``) is called with a photo:
    ``bw.load("starry_night")(photo)``. An AdaIN decoder (``"adain"``) is called with a photo
    and any style image: ``bw.load("adain")(photo, style=painting, alpha=0.8)``. A
    super-resolution net (``"sr-x4"``, ``"sr-x8"``) is called with an image:
    ``bw.load("sr-x4")(small)``.
    """
    value = str(name_or_path)
    is_model = value in zoo.names() or zoo.is_model_path(value)
    architecture = read_config(zoo.resolve(value)).get("architecture") if is_model else None
    if architecture == "sr":
        if style is not None or options:
            raise OptionError(f"{value} is a super-resolution model: it takes no style options")
        return Upscaler.from_pretrained(value, device=device)
    if architecture == "adain_decoder":
        if style is not None or options:
            given = "style" if style is not None else ", ".join(options)
            raise OptionError(
                f"{value} is an AdaIN decoder: give the style image at each call, "
                f"e.g. bw.load({value!r})(photo, style=painting) (not {given} here)"
            )
        return from_model(zoo.resolve(value), device=device, precision=precision)
    return load_fast(name_or_path, style=style, device=device, precision=precision, **options)
