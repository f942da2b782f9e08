"""The image transform network of Johnson, Alahi and Fei-Fei, "Perceptual Losses for Real-Time
Style Transfer and Super-Resolution" (2016), with instance normalisation (Ulyanov et al., 2016).

9x9 stride-1 conv, two stride-2 3x3 convs, five residual blocks, two 2x upsampling stages and a
9x9 conv to RGB; reflection padding; no pooling. Upsampling is nearest-neighbour resize + conv by
default (Odena et al., "Deconvolution and Checkerboard Artifacts", Distill 2016), or the paper's
fractionally strided convolution with ``upsample="transpose"``.

With ``styles=N`` every instance norm is conditional (Dumoulin, Shlens and Kudlur, 2017): one
net, N styles sharing all conv weights (:mod:`brushwork.nets.multistyle`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from brushwork.errors import OptionError, unknown_choice
from brushwork.nets.norm import ConditionalInstanceNorm, InstanceNorm
from brushwork.options import OMIT_DEFAULT, Options

UPSAMPLES = ("nearest", "bilinear", "transpose")


#: the widest border a net may add (:func:`reflect_pad` reflects in steps, so a border may be
#: wider than the smallest picture, 16 px: :data:`brushwork.image.MIN_SIDE`)
MAX_BORDER = 32


def reflect_pad(x: torch.Tensor, border: int) -> torch.Tensor:
    """``x`` (B, C, H, W) with ``border`` reflected pixels on every side, in steps of less than
    the current side where one reflection cannot reach (a 16 px picture and a 32 px border)."""
    while border > 0:
        step = min(border, x.shape[-2] - 1, x.shape[-1] - 1)
        x = F.pad(x, (step, step, step, step), mode="reflect")
        border -= step
    return x


@dataclass(frozen=True)
class TransformerConfig(Options):
    """Hyper-parameters of :class:`TransformerNet`; saved in every model's config.json.

    Args:
        widths: channels after the first conv and the two downsampling convs (paper: 32/64/128).
        residual_blocks: number of residual blocks (paper: 5).
        upsample: ``"nearest"`` or ``"bilinear"`` (resize + conv) or ``"transpose"``
            (fractionally strided conv).
        styles: 0 for a single-style net (plain instance norm), N >= 1 for conditional instance
            norm with N style slots.
        border: pixels of context the net adds around its input (reflection) and crops off its
            output again. A net trained long enough learns to paint a frame along the picture's
            edge that games the Gram statistics (a purple band ~15 px wide on the GPU-trained
            styles); with a border that frame falls outside the picture. A net trained with a
            border learns the frame further in, so those nets take a wider one at inference
            (at most :data:`MAX_BORDER`); 0 (older nets) adds nothing.
    """

    kind: ClassVar[str] = "transformer"

    widths: tuple[int, ...] = (32, 64, 128)
    residual_blocks: int = 5
    upsample: str = "nearest"
    styles: int = field(default=0, metadata=OMIT_DEFAULT)  # single-style configs omit it
    border: int = field(default=0, metadata=OMIT_DEFAULT)  # older configs have none

    def unconditional(self) -> TransformerConfig:
        """The same net with plain instance norm (``styles=0``): what single- and multi-style
        nets of one architecture share."""
        return dataclasses.replace(self, styles=0)

    def __post_init__(self) -> None:
        if len(self.widths) != 3 or any(int(w) < 1 for w in self.widths):
            raise OptionError(f"widths must be three positive numbers, got {self.widths}")
        if self.residual_blocks < 0:
            raise OptionError(f"residual_blocks must be >= 0, got {self.residual_blocks}")
        if self.upsample not in UPSAMPLES:
            raise unknown_choice("upsample", self.upsample, UPSAMPLES)
        if self.styles < 0:
            raise OptionError(f"styles must be >= 0, got {self.styles}")
        if not 0 <= self.border <= MAX_BORDER:
            raise OptionError(f"border must lie in 0..{MAX_BORDER}, got {self.border}")


def run_padded(
    body: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, multiple: int
) -> torch.Tensor:
    """``body`` on ``x`` reflection-padded to a multiple of ``multiple`` and scaled to 0-255 (the
    nets work on 0-255 pixels, as in the paper), the result back in [0, 1] and cropped.

    Padded unconditionally (a no-op pad when aligned) so that exports keep H and W dynamic.
    """
    h, w = x.shape[-2:]
    y = F.pad(x, (0, (-w) % multiple, 0, (-h) % multiple), mode="reflect")
    out: torch.Tensor = body(y * 255.0).float() / 255.0
    return out[..., :h, :w]


class ConvLayer(nn.Sequential):
    """Reflection pad + conv."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1) -> None:
        super().__init__(nn.ReflectionPad2d(kernel // 2), nn.Conv2d(cin, cout, kernel, stride))


def make_norm(channels: int, styles: int = 0) -> InstanceNorm:
    """Plain instance norm (``styles=0``) or a conditional one with ``styles`` slots."""
    return ConditionalInstanceNorm(channels, styles) if styles else InstanceNorm(channels)


class ConvBlock(nn.Module):
    """conv -> instance norm -> ReLU."""

    def __init__(self, conv: nn.Module, channels: int, styles: int = 0) -> None:
        super().__init__()
        self.conv = conv
        self.norm = make_norm(channels, styles)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.norm(self.conv(x)))


class UpsampleConv(nn.Module):
    """2x resize (nearest-neighbour or bilinear) then a conv: no checkerboard artefacts of a
    transposed conv (Odena et al., "Deconvolution and Checkerboard Artifacts", 2016)."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, mode: str = "nearest") -> None:
        super().__init__()
        self.conv = ConvLayer(cin, cout, kernel)
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "nearest":
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, scale_factor=2.0, mode=self.mode, align_corners=False)
        out: torch.Tensor = self.conv(x)
        return out


class TransposeConv(nn.Module):
    """The paper's fractionally strided (stride 1/2) convolution."""

    def __init__(self, cin: int, cout: int, kernel: int = 3) -> None:
        super().__init__()
        self.conv = nn.ConvTranspose2d(cin, cout, kernel, 2, padding=1, output_padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(x)
        return out


class ResidualBlock(nn.Module):
    """conv-IN-ReLU-conv-IN plus the identity (He et al., 2016, as used by Johnson et al.)."""

    def __init__(self, channels: int, styles: int = 0) -> None:
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3)
        self.in1 = make_norm(channels, styles)
        self.conv2 = ConvLayer(channels, channels, 3)
        self.in2 = make_norm(channels, styles)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in1(self.conv1(x)))
        out: torch.Tensor = x + self.in2(self.conv2(y))
        return out


class TransformerNet(nn.Module):
    """Photo -> stylised photo in one pass, any size.

    Shape:
        input (B, 3, H, W) RGB in [0, 1]; output the same shape in [0, 1]. Sizes that are not
        multiples of 4 are reflection-padded inside and cropped back.

    Example:
        >>> net = TransformerNet(TransformerConfig(widths=(4, 8, 8), residual_blocks=1))
        >>> net(torch.rand(1, 3, 37, 50)).shape
        torch.Size([1, 3, 37, 50])
    """

    def __init__(self, config: TransformerConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or TransformerConfig()
        w1, w2, w3 = cfg.widths
        s = cfg.styles

        def up(cin: int, cout: int) -> nn.Module:
            if cfg.upsample == "transpose":
                return TransposeConv(cin, cout)
            return UpsampleConv(cin, cout, mode=cfg.upsample)

        self.encoder = nn.Sequential(
            ConvBlock(ConvLayer(3, w1, 9, 1), w1, s),
            ConvBlock(ConvLayer(w1, w2, 3, 2), w2, s),
            ConvBlock(ConvLayer(w2, w3, 3, 2), w3, s),
        )
        self.residual = nn.Sequential(*[ResidualBlock(w3, s) for _ in range(cfg.residual_blocks)])
        self.decoder = nn.Sequential(ConvBlock(up(w3, w2), w2, s), ConvBlock(up(w2, w1), w1, s))
        self.to_rgb = ConvLayer(w1, 3, 9, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != 3:
            raise OptionError(f"TransformerNet: expected (B, 3, H, W), got {tuple(x.shape)}")
        b = self.config.border
        if b:
            x = reflect_pad(x, b)
        y = run_padded(lambda y: self.to_rgb(self.decoder(self.residual(self.encoder(y)))), x, 4)
        return y[..., b : y.shape[-2] - b, b : y.shape[-1] - b] if b else y


@torch.no_grad()
def widened(net: TransformerNet, noise: float = 1e-3, seed: int = 0) -> TransformerNet:
    """``net`` at twice its widths, computing the same function (Chen, Goodfellow and Shlens,
    "Net2Net", ICLR 2016): every channel is copied, a conv's weights on copied inputs are halved,
    and instance norm gives both copies the statistics of the original. ``noise`` (relative to
    each tensor's spread) breaks the copies' symmetry so training can set them apart; 0 keeps
    the function exactly. A trained net continues at the paper's width (32/64/128 from
    16/32/64) without losing what it learned.
    """
    cfg = net.config
    if cfg.upsample == "transpose":
        raise OptionError("widening supports resize-conv upsampling, not transposed convs")
    wide = TransformerNet(dataclasses.replace(cfg, widths=tuple(2 * w for w in cfg.widths)))
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, old in net.state_dict().items():
        target = wide.state_dict()[key]
        new = old.float()
        for dim in range(old.dim()):
            if target.shape[dim] == 2 * old.shape[dim]:
                new = torch.cat([new, new], dim=dim)
                if old.dim() == 4 and dim == 1:  # a conv's inputs: the two copies share
                    new = new / 2
        if new.shape != target.shape:
            raise OptionError(f"cannot widen {key}: {tuple(old.shape)} -> {tuple(target.shape)}")
        if noise and new.is_floating_point() and new.numel() > 1 and not torch.equal(new, old):
            new = new + noise * new.std() * torch.randn(new.shape, generator=g)
        state[key] = new.to(old.dtype)
    wide.load_state_dict(state)
    return wide


def build(config: dict[str, Any]) -> TransformerNet:
    """An untrained net from its config.json entry (the method registry's builder)."""
    return TransformerNet(TransformerConfig.from_dict(config))
