"""brushwork: neural style transfer for photos and videos.

Example (see the README for more)::

    import brushwork as bw
    out = bw.load("starry_night")("photo.jpg", strength=0.8)     # a bundled fast style
    out = bw.load("paintings", style="udnie:0.7,mondrian:0.3")("photo.jpg")  # a blend
    out = bw.load("adain")("photo.jpg", style="any_painting.jpg", alpha=0.8)  # AdaIN, any style
    out = bw.load("wct")("photo.jpg", style="any_painting.jpg")  # WCT, photo-only decoders
    out = bw.load("linear")("photo.jpg", style="any_painting.jpg")  # learned linear transform
    out = bw.refine("photo.jpg", out, ["any_painting.jpg"], steps=20)  # then optimise a little
    out = bw.optimize("photo.jpg", styles=["painting.jpg"], steps=300)  # any painting (Gatys)
    out = bw.photorealistic("day.jpg", "sunset.jpg").image  # a photo's light (Luan et al.)
    out = bw.smooth_image("photo.jpg", out, "fast")  # any output back on the photo's edges
    bw.stylize_video("clip.mp4", "clip_starry.mp4", "starry_night")  # sound kept, no flicker
    big = bw.load("sr-x4")("small.png")  # perceptual-loss super-resolution, x4 (and sr-x8)

The names below are imported when first used (PEP 562), so ``import brushwork`` and
``import brushwork.errors`` do not pay for torch and every pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from brushwork._version import __version__

#: public name -> the module that defines it
_LAZY = {
    "samples": "brushwork.samples",
    "BrushworkError": "brushwork.errors",
    "ArbitraryStyle": "brushwork.pipelines.arbitrary",
    "load_adain": "brushwork.pipelines.arbitrary",
    "FastStyle": "brushwork.pipelines.feedforward",
    "load": "brushwork.pipelines.loader",
    "MultiStyle": "brushwork.pipelines.multistyle",
    "load_multi": "brushwork.pipelines.multistyle",
    "OptimizeConfig": "brushwork.pipelines.optimize",
    "OptimizeResult": "brushwork.pipelines.optimize",
    "optimize": "brushwork.pipelines.optimize",
    "optimize_result": "brushwork.pipelines.optimize",
    "PhotorealConfig": "brushwork.pipelines.photoreal",
    "auto_masks": "brushwork.pipelines.photoreal",
    "photorealistic": "brushwork.pipelines.photoreal",
    "smooth_image": "brushwork.pipelines.photoreal",
    "refine": "brushwork.pipelines.refine",
    "LinearStyle": "brushwork.pipelines.linear",
    "UniversalStyle": "brushwork.pipelines.universal",
    "Upscaler": "brushwork.pipelines.upscale",
    "load_sr": "brushwork.pipelines.upscale",
    "VideoResult": "brushwork.pipelines.video",
    "stylize_video": "brushwork.pipelines.video",
}

__all__ = [
    "ArbitraryStyle",
    "BrushworkError",
    "FastStyle",
    "LinearStyle",
    "MultiStyle",
    "OptimizeConfig",
    "OptimizeResult",
    "PhotorealConfig",
    "UniversalStyle",
    "Upscaler",
    "VideoResult",
    "__version__",
    "auto_masks",
    "load",
    "load_adain",
    "load_multi",
    "load_sr",
    "optimize",
    "optimize_result",
    "photorealistic",
    "refine",
    "samples",
    "smooth_image",
    "stylize_video",
]

if TYPE_CHECKING:
    from brushwork import samples
    from brushwork.errors import BrushworkError
    from brushwork.pipelines.arbitrary import ArbitraryStyle, load_adain
    from brushwork.pipelines.feedforward import FastStyle
    from brushwork.pipelines.linear import LinearStyle
    from brushwork.pipelines.loader import load
    from brushwork.pipelines.multistyle import MultiStyle, load_multi
    from brushwork.pipelines.optimize import (
        OptimizeConfig,
        OptimizeResult,
        optimize,
        optimize_result,
    )
    from brushwork.pipelines.photoreal import (
        PhotorealConfig,
        auto_masks,
        photorealistic,
        smooth_image,
    )
    from brushwork.pipelines.refine import refine
    from brushwork.pipelines.universal import UniversalStyle
    from brushwork.pipelines.upscale import Upscaler, load_sr
    from brushwork.pipelines.video import VideoResult, stylize_video


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'brushwork' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module == f"brushwork.{name}" else getattr(mod, name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
