"""Export a trained feed-forward model for deployment: ONNX (any runtime) or OpenVINO IR, with
dynamic batch, height and width, and the model's config.json in the file's metadata.

A translation generator exports the same way (one direction per file); a U-Net's graph takes
sides that are multiples of its ``2 ** depth`` (pad the image on the right and bottom, then crop
the output), as brushwork's own backends do."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from brushwork.errors import OptionError, OutputExistsError, unknown_choice
from brushwork.files import atomic_path
from brushwork.pipelines.fast import load
from brushwork.pipelines.feedforward import FastStyle
from brushwork.runtime import cached_graph
from brushwork.runtime.export import (
    CONFIG_KEY,
    DIGEST_KEY,
    FORMATS,
    export_onnx,
    export_openvino,
    onnx_metadata,
)

SUFFIX = {"onnx": ".onnx", "openvino": ".xml"}


def export_model(
    name_or_path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    format: str = "onnx",
    overwrite: bool = False,
    style: str | None = None,
    direction: str | None = None,
) -> Path:
    """Write a bundled style or model folder as ``format``; returns the file written (for
    OpenVINO the ``.xml``, with its ``.bin`` beside it). A multi-style model exports one of its
    styles or a blend (``style``: ``"name"`` or ``"a:0.7,b:0.3"``) as a single-style net.

    Example:
        ``export_model("starry_night", "starry_night.onnx")``; then in onnxruntime:
        ``session.run(None, {"image": x})`` with x float32 (B, 3, H, W) in [0, 1].
    """
    if format not in FORMATS:
        raise unknown_choice("format", format, FORMATS)
    out = Path(output)
    if out.suffix != SUFFIX[format]:
        out = out.with_name(out.name + SUFFIX[format])
    existing = [p for p in (out, out.with_suffix(".bin")) if p.exists()]
    if format == "onnx":
        existing = [p for p in existing if p == out]
    if existing and not overwrite:
        raise OutputExistsError(f"{existing[0]} exists; pass --overwrite to replace it")
    from brushwork import methods

    if _is_model(name_or_path) and methods.for_path(str(name_or_path)).can("translate"):
        from brushwork.pipelines.translate import load as load_translation

        fast: FastStyle = load_translation(name_or_path, style=style, direction=direction)
    else:
        if direction is not None:
            raise OptionError(f"{name_or_path} is not a translation model: it has no direction")
        fast = load(name_or_path, style=style)
    net, config, digest = fast.net.float(), fast.config, fast.digest
    cached = _cached_export(digest, config)
    if format == "onnx":
        if cached is None:
            return export_onnx(net, out, config=config, digest=digest)
        with atomic_path(out) as tmp_out:
            shutil.copyfile(cached, tmp_out)
        return out
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.onnx"
        onnx_path = cached or export_onnx(net, plain, config=config, digest=digest)
        meta = {CONFIG_KEY: json.dumps(config), DIGEST_KEY: digest}
        return export_openvino(onnx_path, out, meta=meta)


def _cached_export(digest: str, config: dict[str, Any]) -> Path | None:
    """The plain graph an ONNX Runtime or OpenVINO run of this model left in the export cache
    (the same weights, net and config.json), so an export after such a run copies it instead
    of exporting again (10-30 s a net)."""
    cached = cached_graph(digest)
    if cached is None or onnx_metadata(cached).get(CONFIG_KEY) != json.dumps(dict(config)):
        return None
    return cached


def _is_model(name_or_path: str | os.PathLike[str]) -> bool:
    from brushwork import zoo

    return str(name_or_path) in zoo.names() or zoo.is_model_path(name_or_path)
