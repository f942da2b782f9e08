"""Export a transform net to ONNX (dynamic batch, height and width) and to OpenVINO IR, with the
model's config in the file's metadata. Three graphs exist per net: ``plain`` (image -> image),
``statistics`` (image -> flat instance-norm statistics) and ``replay`` (image, statistics ->
image); the last two make tiled inference on an exported graph match the torch path."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from brushwork.errors import OptionError, WeightsError
from brushwork.files import atomic_path
from brushwork.nets.norm import RecordStatistics, ReplayStatistics, statistics_width

FORMATS = ("onnx", "openvino")
GRAPHS = ("plain", "statistics", "replay")
#: ONNX metadata keys
CONFIG_KEY = "brushwork.config"
DIGEST_KEY = "brushwork.digest"
GRAPH_KEY = "brushwork.graph"
OPSET = 18


def missing_extra(package: str, extra: str) -> OptionError:
    return OptionError(
        f"{package} is not installed; install the optional extra: pip install 'brushwork[{extra}]'"
    )


def _graph(
    net: nn.Module, graph: str
) -> tuple[nn.Module, tuple[torch.Tensor, ...], Any, list[str]]:
    m = int(getattr(net, "multiple", 1))
    b = torch.export.Dim("batch", min=1, max=1024)
    if m > 4:  # a U-Net's skips: sides are multiples of m (the pipeline pads them so)
        x = torch.rand(2, 3, 2 * m, 2 * m)  # batch 2: torch.export specialises a size-1 dim
        h: Any = m * torch.export.Dim("height_blocks", min=1, max=16384 // m)
        w: Any = m * torch.export.Dim("width_blocks", min=1, max=16384 // m)
    else:
        x = torch.rand(2, 3, 64, 64)
        h = torch.export.Dim("height", min=16, max=16384)
        w = torch.export.Dim("width", min=16, max=16384)
    image = {0: b, 2: h, 3: w}
    if graph == "plain":
        return net, (x,), {"x": image}, ["image"]
    if graph == "statistics":
        return RecordStatistics(net), (x,), {"x": image}, ["image"]
    stats = torch.rand(2, statistics_width(net))
    return ReplayStatistics(net), (x, stats), {"x": image, "stats": {0: b}}, ["image", "stats"]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporter prints progress lines and warnings of its own; keep the console clean."""
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        level = logging.root.manager.disable
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(level)


def export_onnx(
    net: nn.Module,
    path: str | os.PathLike[str],
    *,
    config: Mapping[str, Any],
    digest: str,
    graph: str = "plain",
) -> Path:
    """Write ``net`` as an ONNX file (opset 18, float32, dynamic batch/height/width), atomically.

    The model's config.json and digest go into the file's metadata_props. The exporter's own
    graph optimisation is left off: ONNX Runtime and OpenVINO fold and fuse the graph when they
    load it, so the pictures and the run time are the same (starry_night at 512x384, one thread:
    2.24 s either way, outputs identical) and the export takes half the time (15 s against 30 s).
    """
    try:
        import onnx
    except ImportError:
        raise missing_extra("onnx", "onnx") from None
    if graph not in GRAPHS:
        raise OptionError(f"unknown graph {graph!r}")
    module, args, dynamic, names = _graph(net.float().eval(), graph)
    out = Path(path)
    try:
        with _quiet(), torch.no_grad():
            program = torch.onnx.export(
                module,
                args,
                dynamo=True,
                dynamic_shapes=dynamic,
                input_names=names,
                output_names=["stylized" if graph != "statistics" else "statistics"],
                opset_version=OPSET,
                optimize=False,  # see the docstring
            )
    except ImportError as exc:  # onnxscript missing
        raise missing_extra(str(exc.name or "onnxscript"), "onnx") from None
    except Exception as exc:  # the exporter wraps a Ctrl-C in "Failed to export"
        interrupt = _interrupt_in(exc)
        if interrupt is not None:
            raise interrupt from None
        raise
    assert program is not None
    proto = program.model_proto
    meta = {CONFIG_KEY: json.dumps(dict(config)), DIGEST_KEY: digest, GRAPH_KEY: graph}
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    with atomic_path(out) as tmp:
        onnx.save_model(proto, str(tmp))
    return out


def _interrupt_in(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C (or SIGTERM) an exception was raised from, if any."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def onnx_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The metadata_props of an ONNX file; a clear error if it is not one."""
    try:
        import onnx
    except ImportError:
        raise missing_extra("onnx", "onnx") from None
    try:
        proto = onnx.load_model(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises several kinds on garbage
        raise WeightsError(f"{path}: not a readable ONNX file ({type(exc).__name__})") from None
    return {p.key: p.value for p in proto.metadata_props}


def export_openvino(
    onnx_path: str | os.PathLike[str], path: str | os.PathLike[str], *, meta: Mapping[str, str]
) -> Path:
    """Convert an exported ONNX file to OpenVINO IR (``.xml`` + ``.bin``), metadata kept in the
    IR's rt_info. Weights stay float32; the CPU plugin picks bf16 at compile time where fast."""
    try:
        import openvino as ov
    except ImportError:
        raise missing_extra("openvino", "openvino") from None
    out = Path(path).with_suffix(".xml")
    model = ov.convert_model(str(onnx_path))
    for k, v in meta.items():
        model.set_rt_info(v, ["brushwork", k.removeprefix("brushwork.")])
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.stem}.") as tmp:
        xml = Path(tmp) / "model.xml"  # OpenVINO insists on the .xml suffix
        ov.save_model(model, str(xml), compress_to_fp16=False)
        # the .bin lands first, so the .xml (what readers open) never points at old weights
        os.replace(xml.with_suffix(".bin"), out.with_suffix(".bin"))
        os.replace(xml, out)
    return out
