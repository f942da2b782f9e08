"""Arbitrary style in one pass with a learned linear transform (Li, Liu, Li and Yang, "Learning
Linear Transformations for Fast Arbitrary Style Transfer", CVPR 2019)."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="linear",
        title="Any style image in one pass, learned linear transform (Li et al. 2019)",
        architectures={
            "linear_transform": "brushwork.nets.linear:build",
            "linear_decoder": "brushwork.nets.adain:build",
        },
        options="brushwork.training.linear:LinearRecipe",
        load="brushwork.pipelines.linear:load_model",
        trainer="brushwork.training.linear:train_linear",
        commands=("stylize", "video", "train linear"),
        capabilities=frozenset({"stylize", "video", "style_image", "blend", "masks", "train"}),
    )
)
