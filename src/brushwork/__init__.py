"""brushwork: neural style transfer for photos and videos.

Example (see the README for more)::

    import brushwork as bw
    out = bw.load("starry_night")("photo.jpg", strength=0.8)     # a bundled fast style
    out = bw.load("paintings", style="udnie:0.7,mosaic:0.3")("photo.jpg")  # a multi-style blend
    out = bw.load("adain")("photo.jpg", style="any_painting.jpg", alpha=0.8)  # AdaIN, any style
    out = bw.optimize("photo.jpg", styles=["painting.jpg"], steps=300)  # any painting (Gatys)
    bw.stylize_video("clip.mp4", "clip_starry.mp4", "starry_night")  # sound kept, no flicker
    big = bw.load("sr-x4")("small.png")  # perceptual-loss super-resolution, x4 (and sr-x8)
"""

__version__ = "0.1.0"

from brushwork import samples
from brushwork.errors import BrushworkError
from brushwork.pipelines.arbitrary import ArbitraryStyle, load_adain
from brushwork.pipelines.feedforward import FastStyle
from brushwork.pipelines.loader import load
from brushwork.pipelines.multistyle import MultiStyle, load_multi
from brushwork.pipelines.optimize import (
    OptimizeConfig,
    OptimizeResult,
    optimize,
    optimize_result,
)
from brushwork.pipelines.upscale import Upscaler, load_sr
from brushwork.pipelines.video import VideoResult, stylize_video

__all__ = [
    "ArbitraryStyle",
    "BrushworkError",
    "FastStyle",
    "MultiStyle",
    "OptimizeConfig",
    "OptimizeResult",
    "Upscaler",
    "VideoResult",
    "__version__",
    "load",
    "load_adain",
    "load_multi",
    "load_sr",
    "optimize",
    "optimize_result",
    "samples",
    "stylize_video",
]
