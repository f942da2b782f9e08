"""Optimisation of the picture itself (Gatys, Ecker and Bethge, 2016): any style image, no
model."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="optimize",
        title="Optimise the picture, any style image (Gatys et al. 2016)",
        options="brushwork.pipelines.optimize:OptimizeConfig",
        run="brushwork.pipelines.optimize:optimize",
        commands=("stylize", "video"),
        capabilities=frozenset({"stylize", "video", "style_image", "blend", "masks"}),
    )
)
