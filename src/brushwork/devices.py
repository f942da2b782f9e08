"""Devices and numeric precision: which device to run on, and bfloat16 where it is fast."""

from __future__ import annotations

import contextlib

import torch

from brushwork.errors import OptionError, unknown_choice

PRECISIONS = ("auto", "bf16", "fp32")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None``/"auto" -> CUDA if available else CPU; a clear error for unusable devices."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise unknown_choice("device", str(device), ["cpu", "cuda", "cuda:0", "auto"]) from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise OptionError(f"device {device!r} asked for, but no CUDA GPU is available")
    if dev.type not in ("cpu", "cuda"):
        raise unknown_choice("device", str(device), ["cpu", "cuda", "auto"])
    return dev


def bf16_supported(device: torch.device) -> bool:
    """Whether bfloat16 convolutions are fast on ``device``."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """ "auto" -> "bf16" where the hardware runs it fast, else "fp32"."""
    if precision not in PRECISIONS:
        raise unknown_choice("precision", precision, PRECISIONS)
    if precision == "auto":
        return "bf16" if bf16_supported(device) else "fp32"
    return precision


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager[object]:
    """bfloat16 autocast for "bf16", a no-op otherwise."""
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def at_least_float32(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float32 for statistics and losses (bf16 activations are upcast), or as it is
    when it is float64 (so gradcheck can check the functions themselves)."""
    return x if x.dtype == torch.float64 else x.float()
