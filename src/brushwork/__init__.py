"""brushwork: neural style transfer for photos and videos.

Example (see the README for more)::

    import brushwork as bw
    out = bw.optimize("photo.jpg", styles=["painting.jpg"], steps=300)
"""

from brushwork.errors import BrushworkError
from brushwork.pipelines.optimize import OptimizeConfig, OptimizeResult, optimize, optimize_result

__version__ = "0.1.0"
__all__ = [
    "BrushworkError",
    "OptimizeConfig",
    "OptimizeResult",
    "__version__",
    "optimize",
    "optimize_result",
]
