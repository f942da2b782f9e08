"""Photorealistic style transfer (Luan et al., "Deep Photo Style Transfer", CVPR 2017): the
optimiser with paired region masks and the matting-Laplacian regulariser; any style photo, no
model."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="photoreal",
        title="Photorealistic, a style photo's colours and light (Luan et al. 2017)",
        options="brushwork.pipelines.photoreal:PhotorealConfig",
        run="brushwork.pipelines.photoreal:photorealistic",
        commands=("stylize",),
        capabilities=frozenset({"stylize", "style_image", "masks"}),
    )
)
