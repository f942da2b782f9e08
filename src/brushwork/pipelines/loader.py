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


def load(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    **options: Any,
) -> FastStyle | ArbitraryStyle:
    """A bundled model by name or a model folder by path, ready to call.

    A feed-forward style (:func:`brushwork.pipelines.feedforward.load`, whose options it takes:
    ``style`` for a multi-style model, ``backend``, ``compile``) is called with a photo:
    ``bw.load("starry_night")(photo)``. An AdaIN decoder (``"adain"``) is called with a photo
    and any style image: ``bw.load("adain")(photo, style=painting, alpha=0.8)``.
    """
    value = str(name_or_path)
    is_model = value in zoo.names() or zoo.is_model_path(value)
    if is_model and read_config(zoo.resolve(value)).get("architecture") == "adain_decoder":
        if style is not None or options:
            given = "style" if style is not None else ", ".join(options)
            raise OptionError(
                f"{value} is an AdaIN decoder: give the style image at each call, "
                f"e.g. bw.load({value!r})(photo, style=painting) (not {given} here)"
            )
        return from_model(zoo.resolve(value), device=device, precision=precision)
    return load_fast(name_or_path, style=style, device=device, precision=precision, **options)
