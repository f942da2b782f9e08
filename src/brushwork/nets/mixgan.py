"""The five nets of MIXGAN (Hao, Yu and Zheng, "MIXGAN: Learning Concepts from Different Domains
for Mixture Generation", IJCAI 2018), at 32 px:

* encoder E: a content image (grey) -> a latent code, held to a uniform prior on [-1, 1]^d by
* the latent discriminator Dz (E and the content decoder form an adversarial autoencoder,
  Makhzani et al. 2016);
* the content decoder Gc: a code -> the content image (its shape) and its last features;
* the mixture decoder Gm: Gc's image and features -> a colour image, through two convs only, so
  it paints locally and keeps Gc's shape;
* the patch discriminator Dp: colour images -> a real/fake map whose every output sees an
  8 x 8 patch only (stride-1 4x4, 2x2, 1x1 and 4x4 convs, no norm), so it teaches Gm the style
  domain's local colours and textures but not its shapes.

Layouts follow the authors' release (scaled from 64 to 32 px); Dz is a plain MLP on the code
(the release reshapes the code into a 32 x 32 map for a conv net, which a 32-d code does not
need). The generator-side nets live in one module, :class:`MixGAN`, and the two discriminators
in :class:`MixGANCritics`, so that a model folder holds two components.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.errors import OptionError
from brushwork.nets.generator import check_positive, init_weights
from brushwork.nets.norm import InstanceNorm
from brushwork.options import Options


@dataclass(frozen=True)
class MixGANConfig(Options):
    """Sizes of the MIXGAN nets; saved in the model's config.json.

    Attributes:
        size: image side (a multiple of 16; MNIST's 28 px digits are padded to 32).
        content_channels: channels of the content domain (1: grey digits).
        style_channels: channels of the style domain and of the mixtures (3).
        latent: size of the code (uniform prior on [-1, 1]^latent).
        width: channels of the first conv (the release: 32).
        blocks: residual blocks of the content decoder (the release: 6).
        hidden: width of the fully connected layers.
        style_code: numbers of the style code Gm takes besides Gc's output (0: the release's
            Gm, which takes none).
    """

    kind: ClassVar[str] = "mixgan"

    size: int = 32
    content_channels: int = 1
    style_channels: int = 3
    latent: int = 32
    width: int = 32
    blocks: int = 2
    hidden: int = 512
    style_code: int = 8

    def __post_init__(self) -> None:
        check_positive(
            "mixgan",
            content_channels=self.content_channels,
            style_channels=self.style_channels,
            latent=self.latent,
            width=self.width,
            hidden=self.hidden,
        )
        if self.size % 16 or self.size < 16:
            raise OptionError(f"mixgan size must be a multiple of 16, got {self.size}")
        if self.blocks < 0 or self.style_code < 0:
            raise OptionError("mixgan blocks and style_code must be >= 0")


def _conv(cin: int, cout: int, kernel: int, stride: int = 1, norm: bool = True) -> nn.Sequential:
    """conv (reflection padded at stride 1, zero padded at stride 2) -> IN -> ReLU."""
    pad: nn.Module = nn.ReflectionPad2d(kernel // 2) if stride == 1 else nn.Identity()
    conv = nn.Conv2d(cin, cout, kernel, stride, padding=0 if stride == 1 else kernel // 2)
    layers = [pad, conv] + ([InstanceNorm(cout)] if norm else []) + [nn.ReLU()]
    return nn.Sequential(*layers)


def _mlp(sizes: list[int], last_activation: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or last_activation:
            layers += [nn.BatchNorm1d(b), nn.ReLU()]
    return nn.Sequential(*layers)


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(channels, channels, 3),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3),
            InstanceNorm(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = x + self.body(x)
        return out


class Encoder(nn.Module):
    """E: (B, content_channels, S, S) in [-1, 1] -> codes (B, latent), unbounded (Dz pulls
    them into the prior's cube)."""

    def __init__(self, cfg: MixGANConfig) -> None:
        super().__init__()
        w = cfg.width
        self.features = nn.Sequential(
            _conv(cfg.content_channels, w, 7, norm=False),
            _conv(w, 2 * w, 3, 2),
            _conv(2 * w, 4 * w, 3, 2),
            _conv(4 * w, 4 * w, 3, 2),
            _conv(4 * w, 8 * w, 3, 2),
        )
        flat = 8 * w * (cfg.size // 16) ** 2
        self.head = _mlp([flat, cfg.hidden, cfg.hidden, cfg.latent], last_activation=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.features(x).flatten(1))
        return out


class ContentDecoder(nn.Module):
    """Gc: codes (B, latent) -> (the content image (B, content_channels, S, S) in [-1, 1],
    its last features (B, width, S, S)): Gm gets both, stacked."""

    def __init__(self, cfg: MixGANConfig) -> None:
        super().__init__()
        w, s = cfg.width, cfg.size // 16
        self.start = (8 * w, s, s)
        self.head = _mlp([cfg.latent, cfg.hidden, cfg.hidden, 8 * w * s * s], last_activation=True)

        def up(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Upsample(scale_factor=2.0, mode="nearest"), *_conv(cin, cout, 3)
            )

        self.body = nn.Sequential(
            up(8 * w, 8 * w),
            up(8 * w, 4 * w),
            *[_Residual(4 * w) for _ in range(cfg.blocks)],
            up(4 * w, 2 * w),
            up(2 * w, w),
        )
        self.to_image = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(w, cfg.content_channels, 7), nn.Tanh()
        )

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.head(z).view(-1, *self.start)
        feats = self.body(x)
        return self.to_image(feats), feats


class MixtureDecoder(nn.Module):
    """Gm: Gc's image and features (and a style code, broadcast to every position) -> the
    mixture (B, style_channels, S, S) in [-1, 1]; a 3x3 conv whose output joins its input, then
    a 7x7 conv: local painting only.

    The style code (``style_code`` numbers from U(-1, 1), not in the release) lets one digit be
    painted in many colour schemes: without it Gm is a fixed local function of the shape and
    collapses to one palette."""

    def __init__(self, cfg: MixGANConfig) -> None:
        super().__init__()
        cin = cfg.width + cfg.content_channels + cfg.style_code
        self.mid = _conv(cin, 2 * cfg.width, 3)
        self.out = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(cin + 2 * cfg.width, cfg.style_channels, 7), nn.Tanh()
        )

    def forward(
        self, image: torch.Tensor, features: torch.Tensor, code: torch.Tensor | None = None
    ) -> torch.Tensor:
        parts = [features, image.to(features.dtype)]
        if code is not None and code.shape[1]:
            h, w = features.shape[-2:]
            parts.append(code.to(features.dtype)[:, :, None, None].expand(-1, -1, h, w))
        x = torch.cat(parts, 1)
        out: torch.Tensor = self.out(torch.cat([self.mid(x), x], 1))
        return out


class LatentCritic(nn.Module):
    """Dz: codes -> logits, real for prior samples, fake for encoded images."""

    def __init__(self, cfg: MixGANConfig) -> None:
        super().__init__()
        h = cfg.hidden // 2
        self.net = nn.Sequential(
            nn.Linear(cfg.latent, h), nn.LeakyReLU(0.2), nn.Linear(h, h), nn.LeakyReLU(0.2),
            nn.Linear(h, 1),
        )  # fmt: skip

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(z)
        return out


#: side of the patch one output of :class:`PatchCritic` sees
PATCH = 8


class PatchCritic(nn.Module):
    """Dp: colour images -> a (B, 1, S, S) logit map; every output sees an 8 x 8 patch (stride-1
    4x4, 2x2, 1x1 and 4x4 convs: 1 + 3 + 1 + 0 + 3) and nothing else. The release's instance
    norms are left out: their image-wide statistics would let every output see a little of the
    whole image, and the point of Dp is that it cannot judge shapes."""

    def __init__(self, cfg: MixGANConfig) -> None:
        super().__init__()
        w = cfg.width

        def same(k: int) -> nn.Module:  # TF's "SAME" for an even kernel: more pad after
            return nn.ZeroPad2d(((k - 1) // 2, k // 2, (k - 1) // 2, k // 2))

        self.net = nn.Sequential(
            same(4), nn.Conv2d(cfg.style_channels, w, 4), nn.LeakyReLU(0.2),
            same(2), nn.Conv2d(w, 2 * w, 2), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 1), nn.LeakyReLU(0.2),
            same(4), nn.Conv2d(4 * w, 1, 4),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.net(x)
        return out


class MixGAN(nn.Module):
    """The generator side: E, Gc and Gm; images in [0, 1] at the edges.

    Example:
        >>> net = MixGAN(MixGANConfig(width=4, hidden=16, latent=8)).eval()
        >>> shape, mixture = net.render(net.sample_prior(2, torch.Generator().manual_seed(0)))
        >>> tuple(shape.shape), tuple(mixture.shape)
        ((2, 1, 32, 32), (2, 3, 32, 32))
    """

    def __init__(self, config: MixGANConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or MixGANConfig()
        self.encoder = Encoder(cfg)
        self.content = ContentDecoder(cfg)
        self.mixture = MixtureDecoder(cfg)
        init_weights(self)

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` codes from the uniform prior on [-1, 1]^latent."""
        z: torch.Tensor = torch.rand(n, self.config.latent, generator=generator) * 2 - 1
        return z.to(next(self.parameters()).device)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Content images (B, content_channels, S, S) in [0, 1] -> codes."""
        z: torch.Tensor = self.encoder(x * 2 - 1)
        return z

    def sample_style(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` style codes from U(-1, 1)^style_code."""
        c: torch.Tensor = torch.rand(n, self.config.style_code, generator=generator) * 2 - 1
        return c.to(next(self.parameters()).device)

    def render(
        self, z: torch.Tensor, style: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Codes (and style codes; drawn when not given) -> (Gc's shape, Gm's mixture), both
        in [0, 1]."""
        if style is None:
            style = self.sample_style(z.shape[0])
        image, feats = self.content(z)
        mixture = self.mixture(image, feats, style)
        return (image.float() + 1) / 2, (mixture.float() + 1) / 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Content images in [0, 1] -> their mixtures in [0, 1]."""
        return self.render(self.encode(x))[1]


class MixGANCritics(nn.Module):
    """The two discriminators: Dz on codes, Dp on colour patches."""

    def __init__(self, config: MixGANConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or MixGANConfig()
        self.latent = LatentCritic(cfg)
        self.patch = PatchCritic(cfg)
        init_weights(self)


def pad_to(x: torch.Tensor, size: int) -> torch.Tensor:
    """Centre an image (B, C, h, w) with h, w <= size on a black ``size`` square (MNIST's 28 px
    digits on 32)."""
    h, w = x.shape[-2:]
    if h > size or w > size:
        raise OptionError(f"image is {w}x{h}, larger than the model's {size} px")
    top, left = (size - h) // 2, (size - w) // 2
    return F.pad(x, (left, size - w - left, top, size - h - top))


def build(config: dict[str, Any]) -> MixGAN:
    """The generator side from its config.json entry (the registry's builder)."""
    return MixGAN(MixGANConfig.from_dict(config))


def build_critics(config: dict[str, Any]) -> MixGANCritics:
    """The discriminators from their config.json entry."""
    return MixGANCritics(MixGANConfig.from_dict(config))
