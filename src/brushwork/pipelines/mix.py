"""MIXGAN mixtures (Hao, Yu and Zheng, IJCAI 2018) from a trained model: new samples from the
prior, or given content images (digits) encoded and painted in the learned style.

Example:
    >>> import brushwork as bw
    >>> mixer = bw.load("mnist_mixgan")
    >>> [im.size for im in mixer.sample(2, seed=0)]
    [(32, 32), (32, 32)]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from brushwork import image as imageio
from brushwork import methods, zoo
from brushwork.devices import resolve_device
from brushwork.errors import OptionError
from brushwork.modelfile import read_model
from brushwork.nets.mixgan import MixGAN
from brushwork.nets.registry import load_net
from brushwork.pipelines._common import ImageLike, load_input
from brushwork.training.mixgan import load_content

#: most samples one call makes (a contact sheet of 32 px tiles)
MAX_SAMPLES = 4096


@dataclass
class Mixture:
    """One result: the content's shape as the model draws it (Gc) and its mixture (Gm)."""

    shape: Image.Image
    mixture: Image.Image


class Mixer:
    """A trained MIXGAN generator side (encoder, content decoder, mixture decoder)."""

    def __init__(
        self,
        net: MixGAN,
        *,
        name: str,
        config: dict[str, Any],
        device: str | torch.device | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.net = net.to(self.device).eval()
        self.name = name
        self.config = config

    @classmethod
    def from_pretrained(
        cls, name_or_path: str | os.PathLike[str], *, device: str | torch.device | None = None
    ) -> Mixer:
        path = zoo.resolve(name_or_path, "mix")
        model = read_model(path)
        net = load_net(model, expect="mixgan")
        assert isinstance(net, MixGAN)
        return cls(net, name=path.name, config=model.config, device=device)

    @property
    def size(self) -> int:
        return int(self.net.config.size)

    @torch.no_grad()
    def sample_both(self, n: int, *, seed: int | None = None) -> list[Mixture]:
        """``n`` new mixtures from codes drawn from the prior (``seed``: the same ones again)."""
        if not 1 <= n <= MAX_SAMPLES:
            raise OptionError(f"samples must be between 1 and {MAX_SAMPLES}, got {n}")
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        z = self.net.sample_prior(n, g)
        return self._render(z, self.net.sample_style(n, g))

    def sample(self, n: int, *, seed: int | None = None) -> list[Image.Image]:
        """``n`` new mixtures (PIL, the model's size)."""
        return [m.mixture for m in self.sample_both(n, seed=seed)]

    @torch.no_grad()
    def mix_both(self, images: list[ImageLike], *, seed: int | None = 0) -> list[Mixture]:
        """Content images (any mode; larger ones are scaled to fit the model's square) encoded
        and rendered in the learned style; ``seed`` picks the colour scheme (``None``: a new
        one each call)."""
        if not images:
            raise OptionError("no content images to mix")
        cfg = self.net.config
        x = torch.stack([load_content(load_input(im, min_side=1).rgb, cfg) for im in images])
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        return self._render(self.net.encode(x.to(self.device)), self.net.sample_style(len(x), g))

    def mix(self, image: ImageLike, *, seed: int | None = 0) -> Image.Image:
        """One content image's mixture (``seed``: its colour scheme)."""
        return self.mix_both([image], seed=seed)[0].mixture

    def _render(self, z: torch.Tensor, style: torch.Tensor) -> list[Mixture]:
        shapes, mixtures = self.net.render(z, style)
        out = []
        for s, m in zip(shapes.cpu(), mixtures.cpu(), strict=True):
            grey = imageio.to_pil(s[None].expand(1, 3, -1, -1).clamp(0, 1))
            out.append(Mixture(grey, imageio.to_pil(m[None].clamp(0, 1))))
        return out

    def __call__(self, image: ImageLike) -> Image.Image:
        return self.mix(image)

    def __repr__(self) -> str:
        return f"Mixer({self.name!r}, {self.size} px, device={self.device})"


def sheet(images: list[Image.Image], columns: int = 16, scale: int = 2) -> Image.Image:
    """A contact sheet of equal-sized images, each enlarged ``scale`` times (nearest)."""
    w, h = images[0].size
    cols = min(columns, len(images))
    rows = (len(images) + cols - 1) // cols
    out = Image.new("RGB", (cols * w * scale, rows * h * scale), "white")
    for i, im in enumerate(images):
        big = im.resize((w * scale, h * scale), Image.Resampling.NEAREST)
        out.paste(big, ((i % cols) * w * scale, (i // cols) * h * scale))
    return out


def load(
    name_or_path: str | os.PathLike[str],
    *,
    style: Any = None,
    device: str | torch.device | None = None,
    precision: str = "fp32",
    **options: Any,
) -> Mixer:
    """The method registry's loader (``bw.load("mnist_mixgan")``); no style options."""
    if style is not None or options:
        raise OptionError(f"{name_or_path} is a MIXGAN model: it takes no style options")
    if methods.for_path(name_or_path, "mix").name != "mixgan":
        raise OptionError(f"{name_or_path} is not a MIXGAN model")
    return Mixer.from_pretrained(name_or_path, device=device)
