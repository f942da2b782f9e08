"""VGG19 feature encoder (Simonyan and Zisserman, "Very Deep Convolutional Networks", 2015).

The loss network of Gatys et al. (2016) and Johnson et al. (2016). Takes RGB in [0, 1] and
applies the preprocessing its weights were trained with (Caffe: BGR, 0-255, mean-subtracted;
or torchvision: ImageNet mean/std) inside, so no caller ever deals with it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.errors import OptionError, unknown_choice
from brushwork.weights import VGG19_CONVS, load_vgg19_state

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _layer_names() -> tuple[str, ...]:
    names: list[str] = []
    for i, (conv, _, _) in enumerate(VGG19_CONVS):
        names += [conv, "relu" + conv[4:]]
        nxt = VGG19_CONVS[i + 1][0] if i + 1 < len(VGG19_CONVS) else "conv6_1"
        if nxt[4] != conv[4]:
            names.append(f"pool{conv[4]}")
    return tuple(names)


#: Every named output in forward order: ``conv1_1, relu1_1, conv1_2, relu1_2, pool1, ...``.
LAYERS: tuple[str, ...] = _layer_names()
_INDEX = {name: i for i, name in enumerate(LAYERS)}


def check_layers(layers: Iterable[str]) -> list[str]:
    """Validate layer names, returning them as a list."""
    out = list(layers)
    if not out:
        raise OptionError("no layers given")
    for name in out:
        if name not in _INDEX:
            raise unknown_choice("VGG19 layer", name, [n for n in LAYERS if n.startswith("relu")])
    return out


class VGG19Encoder(nn.Module):
    """Frozen VGG19 that returns named feature maps.

    Args:
        state: ``convX_Y.weight/bias`` tensors (see :func:`brushwork.weights.load_vgg19_state`).
        preprocessing: ``"caffe"`` or ``"torchvision"``, what the weights expect.
        pooling: ``"max"`` (the trained net) or ``"avg"`` (Gatys et al. found it smoother).
        max_layer: deepest layer kept; deeper weights are not held in memory.

    Shape:
        input (B, 3, H, W) RGB in [0, 1]; each output (B, C_l, H / 2^k, W / 2^k).

    Example:
        >>> enc = load_vgg19(max_layer="relu2_1")
        >>> enc(torch.rand(1, 3, 64, 64), ["relu1_1", "relu2_1"])["relu2_1"].shape
        torch.Size([1, 128, 32, 32])
    """

    def __init__(
        self,
        state: dict[str, torch.Tensor],
        *,
        preprocessing: str = "caffe",
        pooling: str = "max",
        max_layer: str = "relu5_4",
    ) -> None:
        super().__init__()
        if pooling not in ("max", "avg"):
            raise unknown_choice("pooling", pooling, ["max", "avg"])
        if preprocessing not in ("caffe", "torchvision"):
            raise unknown_choice("preprocessing", preprocessing, ["caffe", "torchvision"])
        check_layers([max_layer])
        self.preprocessing = preprocessing
        self.pooling = pooling
        self.depth = _INDEX[max_layer] + 1
        self.convs = nn.ModuleDict()
        for name, cin, cout in VGG19_CONVS:
            if _INDEX[name] >= self.depth:
                break
            conv = nn.Conv2d(cin, cout, 3, padding=1)
            with torch.no_grad():
                conv.weight.copy_(state[f"{name}.weight"])
                conv.bias.copy_(state[f"{name}.bias"])  # type: ignore[union-attr]
            self.convs[name] = conv
        if preprocessing == "caffe":
            mean = torch.tensor(CAFFE_MEAN_BGR[::-1]).view(1, 3, 1, 1) / 255.0
            scale = torch.full((1, 3, 1, 1), 255.0)
        else:
            mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
            scale = 1.0 / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        self.mean: torch.Tensor
        self.scale: torch.Tensor
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("scale", scale, persistent=False)
        self.requires_grad_(False)
        self.eval()

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """RGB in [0, 1] -> what the weights were trained on."""
        x = (x - self.mean) * self.scale
        if self.preprocessing == "caffe":
            x = x.flip(1)  # RGB -> BGR
        return x

    def train(self, mode: bool = True) -> VGG19Encoder:
        """The encoder is always frozen in eval mode."""
        return super().train(False)

    def forward(self, x: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        """Features at ``layers``, running only as deep as the deepest of them."""
        wanted = set(check_layers(layers))
        last = max(_INDEX[n] for n in wanted)
        if last >= self.depth:
            raise OptionError(
                f"layer {LAYERS[last]} is deeper than this encoder's max_layer "
                f"{LAYERS[self.depth - 1]}"
            )
        if x.dim() != 4 or x.shape[1] != 3:
            raise OptionError(f"expected input of shape (B, 3, H, W), got {tuple(x.shape)}")
        out: dict[str, torch.Tensor] = {}
        h = self.preprocess(x)
        for name in LAYERS[: last + 1]:
            if name.startswith("conv"):
                h = self.convs[name](h)
            elif name.startswith("relu"):
                h = F.relu(h)
            elif self.pooling == "max":
                h = F.max_pool2d(h, 2, 2)
            else:
                h = F.avg_pool2d(h, 2, 2)
            if name in wanted:
                out[name] = h
        return out


@functools.lru_cache(maxsize=8)
def _cached(pooling: str, max_layer: str) -> VGG19Encoder:
    state, prep = load_vgg19_state()
    return VGG19Encoder(state, preprocessing=prep, pooling=pooling, max_layer=max_layer)


def load_vgg19(
    *, pooling: str = "max", max_layer: str = "relu5_4", device: str | torch.device = "cpu"
) -> VGG19Encoder:
    """The pretrained VGG19 encoder (ImageNet weights; see :mod:`brushwork.weights`).

    Encoders are cached per (pooling, max_layer) on the CPU and moved to ``device``.
    """
    enc = _cached(pooling, max_layer)
    return enc.to(device) if torch.device(device).type != "cpu" else enc
