"""The combined perceptual objective of Gatys et al. (2016) and Johnson et al. (2016):
weighted content, Gram style and total-variation losses on VGG19 features, and optionally the
photorealism regulariser of Luan et al. (2017) with its region-to-region style loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.encoders.vgg19 import VGG19Encoder, check_layers
from brushwork.errors import OptionError
from brushwork.losses.content import content_loss
from brushwork.losses.photorealism import photorealism_loss
from brushwork.losses.style import blend_grams, gram_matrix, style_loss
from brushwork.losses.total_variation import total_variation

DEFAULT_CONTENT_LAYERS: dict[str, float] = {"relu4_2": 1.0}
DEFAULT_STYLE_LAYERS: dict[str, float] = {
    "relu1_1": 1.0,
    "relu2_1": 1.0,
    "relu3_1": 1.0,
    "relu4_1": 1.0,
    "relu5_1": 1.0,
}


def _check_weights(layers: Mapping[str, float], what: str) -> dict[str, float]:
    if layers:  # none: this part of the loss is unused
        check_layers(layers.keys())
    for name, w in layers.items():
        if not w >= 0:
            raise OptionError(f"{what} layer weight for {name} must be >= 0, got {w}")
    return dict(layers)


class PerceptualLoss(nn.Module):
    """``total = content_weight * sum_l a_l L_content^l + style_weight * sum_l b_l L_style^l
    + tv_weight * TV``.

    Targets are computed once (:meth:`set_content`, :meth:`set_style`) and reused by every
    call, so an optimiser's closure runs one encoder pass. ``forward`` returns the named parts.

    Args:
        encoder: a frozen :class:`VGG19Encoder`.
        content_layers: layer -> weight ``a_l``.
        style_layers: layer -> weight ``b_l``.
        content_weight, style_weight, tv_weight: the global weights.
    """

    def __init__(
        self,
        encoder: VGG19Encoder,
        *,
        content_layers: Mapping[str, float] = DEFAULT_CONTENT_LAYERS,
        style_layers: Mapping[str, float] = DEFAULT_STYLE_LAYERS,
        content_weight: float = 1.0,
        style_weight: float = 1e3,
        tv_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.content_layers = _check_weights(content_layers, "content")
        self.style_layers = _check_weights(style_layers, "style")
        self.content_weight = float(content_weight)
        self.style_weight = float(style_weight)
        self.tv_weight = float(tv_weight)
        self.content_targets: dict[str, torch.Tensor] = {}
        self.style_targets: dict[str, torch.Tensor] = {}
        self.style_mask: torch.Tensor | None = None
        self.laplacian: torch.Tensor | None = None
        self.photorealism_weight = 0.0

    @property
    def layers(self) -> list[str]:
        """Every layer the loss reads, content and style."""
        return list(dict.fromkeys([*self.content_layers, *self.style_layers]))

    @torch.no_grad()
    def set_content(self, image: torch.Tensor) -> None:
        """Compute and keep the content targets of ``image`` (B, 3, H, W) in [0, 1]."""
        if self.content_weight == 0 or not self.content_layers:
            self.content_targets = {}
            return
        feats = self.encoder(image, self.content_layers)
        self.content_targets = {k: v.float() for k, v in feats.items()}

    @torch.no_grad()
    def style_grams(
        self, image: torch.Tensor, regions: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Gram matrices of one style image at every style layer; with ``regions``
        (1, R, H, W) over the style image, one per region (1, R, C, C)."""
        feats = self.encoder(image, self.style_layers)
        if regions is None:
            return {k: gram_matrix(v) for k, v in feats.items()}
        return {
            k: gram_matrix(v, F.adaptive_avg_pool2d(regions.to(v.device), v.shape[-2:]))
            for k, v in feats.items()
        }

    def set_photorealism(self, laplacian: torch.Tensor | None, weight: float) -> None:
        """Add ``weight * sum_c V_c^T L V_c`` (Luan et al. 2017) to the total, with ``laplacian``
        the (H*W, H*W) matting Laplacian of the content at the size the loss is called at."""
        self.laplacian = laplacian if weight else None
        self.photorealism_weight = float(weight)

    @torch.no_grad()
    def set_style(
        self,
        images: Sequence[torch.Tensor],
        weights: Sequence[float] | None = None,
        *,
        mask: torch.Tensor | None = None,
        style_regions: torch.Tensor | None = None,
    ) -> None:
        """Compute and keep the style targets.

        Args:
            images: style images, each (1, 3, H, W) in [0, 1].
            weights: blend weights, one per image (ignored with a mask).
            mask: optional (1, R, H, W) region weights over the output, one region per style
                image: region r is matched to image r (Gatys et al., 2017, spatial control).
            style_regions: with one style image and ``mask``, (1, R, h, w) regions over the
                style image: output region r is matched to style region r (the augmented style
                loss of Luan et al., 2017).
        """
        if style_regions is not None:
            if mask is None or len(images) != 1 or style_regions.shape[1] != mask.shape[1]:
                raise OptionError(
                    "style regions need one style image and a content mask of as many regions"
                )
            self.style_targets = self.style_grams(images[0], style_regions.float())
            self.style_mask = mask.float()
            return
        grams = [self.style_grams(img) for img in images]
        if mask is None:
            self.style_targets = {
                layer: blend_grams([g[layer] for g in grams], weights)
                for layer in self.style_layers
            }
            self.style_mask = None
            return
        if mask.shape[1] != len(images):
            raise OptionError(f"mask has {mask.shape[1]} regions but {len(images)} style images")
        self.style_targets = {
            layer: torch.stack([g[layer][0] for g in grams]).unsqueeze(0)
            for layer in self.style_layers
        }
        self.style_mask = mask.float()

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """Named losses of ``image``: ``content``, ``style``, ``tv`` and weighted ``total``."""
        wanted = [n for n in self.content_targets] + [n for n in self.style_targets]
        feats = self.encoder(image, wanted) if wanted else {}
        zero = image.new_zeros((), dtype=torch.float32)
        content = sum(
            (
                self.content_layers[n] * content_loss(feats[n], t)
                for n, t in self.content_targets.items()
            ),
            zero,
        )
        style = zero
        for n, t in self.style_targets.items():
            mask = None
            if self.style_mask is not None:
                mask = F.adaptive_avg_pool2d(self.style_mask, feats[n].shape[-2:])
            style = style + self.style_layers[n] * style_loss(feats[n], t, mask)
        tv = total_variation(image) if self.tv_weight else zero
        total = self.content_weight * content + self.style_weight * style + self.tv_weight * tv
        parts = {"content": content, "style": style, "tv": tv}
        if self.laplacian is not None:
            parts["photorealism"] = photorealism_loss(image, self.laplacian)
            total = total + self.photorealism_weight * parts["photorealism"]
        return parts | {"total": total}
