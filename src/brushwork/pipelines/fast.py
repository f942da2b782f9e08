"""The fast method's loader (Johnson et al., 2016; Dumoulin et al., 2017): a bundled style or
model folder, as a single-style :class:`~brushwork.pipelines.feedforward.FastStyle` or a
:class:`~brushwork.pipelines.multistyle.MultiStyle` set to a style or blend."""

from __future__ import annotations

import os
from typing import Any

import torch

from brushwork import methods
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerNet
from brushwork.pipelines.feedforward import FastStyle
from brushwork.pipelines.multistyle import MultiStyle, find_model, style_names


def load(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    backend: str = "auto",
    compile: bool = False,
) -> FastStyle:
    """A bundled style by name or a model folder by path, ready to call.

    Multi-style models (Dumoulin et al., 2017) need a ``style``: a name, an index, or a blend
    ``{"starry_night": 0.7, "the_scream": 0.3}`` (or ``"starry_night:0.7,the_scream:0.3"``);
    a style name of a bundled multi-style model also works alone as ``name_or_path``.

    Args:
        precision: ``"fp32"``, ``"bf16"`` or ``"auto"`` (bf16 where the hardware is fast).
        backend: ``"auto"``, ``"torch"``, ``"onnxruntime"`` or ``"openvino"``.
        compile: ``torch.compile`` the net (torch backend; costs seconds once per shape).
    """
    options: dict[str, Any] = {
        "device": device,
        "precision": precision,
        "backend": backend,
        "compile": compile,
    }
    path, choice = find_model(str(name_or_path))
    choice = style if style is not None else choice
    model = read_model(path)
    owner = methods.methods()
    any_style = [m for m in owner.values() if m.can("style_image") and model.architecture in m.runs]
    if any_style:
        raise OptionError(
            f"{path.name} is an any-style model ({any_style[0].name}): it paints with a style "
            f"image you give "
            f"(brushwork stylize photo.jpg -s painting.jpg, or "
            f"bw.load({path.name!r})(photo, style=painting))"
        )
    net = load_net(model, expect=methods.get("fast").runs)
    if isinstance(net, TransformerNet) and net.config.styles:
        if choice is None:
            names = style_names(model.config)
            raise OptionError(
                f"{path.name} holds {len(names)} styles ({', '.join(names)}): choose one or a "
                f"blend, e.g. '{names[0]}' or '{names[0]}:0.5,{names[-1]}:0.5'"
            )
        return MultiStyle(net, name=path.name, config=model.config, **options).select(choice)
    if choice is not None:
        raise OptionError(f"{path.name} is a single-style model: it has no styles to choose from")
    return FastStyle(net, name=path.name, config=model.config, **options)
