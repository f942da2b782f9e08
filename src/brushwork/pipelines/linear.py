"""Arbitrary style with a learned linear transform (Li, Liu, Li and Yang, "Learning Linear
Transformations for Fast Arbitrary Style Transfer", CVPR 2019): any style image, one pass.

The photo's VGG19 features at the model's layer (relu3_1 for the bundled ``linear``) are moved
to the painting's by the learned transform (:mod:`brushwork.nets.linear`), then a fixed
reconstruction decoder paints them. Everything else is :class:`ArbitraryStyle`'s: ``alpha``
blends the transformed features with the photo's own, several styles blend their transformed
features by weight, a mask gives each region its own style from that region's statistics, and
colour preservation, style scale, video, the page and the API work as for AdaIN.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch

from brushwork.errors import WeightsError
from brushwork.modelfile import COMPONENTS, component, read_model
from brushwork.nets.adain import AdaINDecoder
from brushwork.nets.linear import LinearTarget, LinearTransform, check_detail
from brushwork.nets.registry import load_net
from brushwork.pipelines.arbitrary import ArbitraryStyle, style_at_each_call

#: the bundled model
DEFAULT_MODEL = "linear"


class LinearStyle(ArbitraryStyle):
    """A learned linear transform and its decoder; call it with a photo and any style image(s),
    with the same options as :class:`ArbitraryStyle`.

    Example:
        >>> import brushwork as bw
        >>> linear = bw.load("linear")  # doctest: +SKIP
        >>> linear(photo, style="any_painting.jpg", alpha=0.8)  # doctest: +SKIP
    """

    title = "linear transform"

    def __init__(
        self,
        transform: LinearTransform,
        decoder: AdaINDecoder,
        *,
        name: str,
        config: dict[str, Any] | None = None,
        device: str | torch.device | None = None,
        precision: str = "fp32",
        shifts: int | None = None,
        degrid: bool | None = None,
        detail: float | None = None,
    ) -> None:
        if transform.config.layer != decoder.config.layer:
            raise WeightsError(
                f"{name}: the transform works at {transform.config.layer} but the decoder "
                f"decodes {decoder.config.layer}"
            )
        super().__init__(
            decoder,
            name=name,
            config=config,
            device=device,
            precision=precision,
            shifts=shifts,
            degrid=degrid,
        )
        self.linear = transform.to(self.device).eval()
        #: share of the photo's features outside the transform's subspace added back
        #: (config.json's ``detail``; 0 for older models, the paper's transform)
        self.detail: float = check_detail(
            self.config.get("detail", 0.0) if detail is None else detail
        )

    def target(self, features: torch.Tensor) -> LinearTarget:
        """A style's mean and learned matrix from its features at the model's layer."""
        return self.linear.style_target(features)

    def transform(
        self, features: torch.Tensor, target: LinearTarget, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        out: torch.Tensor = self.linear(features, target, mask, detail=self.detail)
        return out

    def __repr__(self) -> str:
        return f"LinearStyle({self.name!r}, layer={self.layer}, device={self.device})"


def from_model(path: os.PathLike[str] | str, **options: Any) -> LinearStyle:
    """A :class:`LinearStyle` from a linear model folder (its ``transform`` and ``decoder``)."""
    model = read_model(path)
    comps = model.config.get(COMPONENTS)
    if not isinstance(comps, Mapping) or set(comps) != {"transform", "decoder"}:
        raise WeightsError(f"{model.path}: a linear model holds a transform and a decoder")
    transform = load_net(component(model, "transform"), expect="linear_transform")
    decoder = load_net(component(model, "decoder"), expect="linear_decoder")
    assert isinstance(transform, LinearTransform) and isinstance(decoder, AdaINDecoder)
    return LinearStyle(transform, decoder, name=model.path.name, config=model.config, **options)


load_model = style_at_each_call("a linear-transform model", from_model)
