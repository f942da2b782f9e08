"""Arbitrary style in one pass from photo-only decoders: whitening and colouring transforms at
several VGG19 layers (Li et al., "Universal Style Transfer via Feature Transforms", 2017)."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="wct",
        title="Any style image in one pass, multi-level WCT (Li et al. 2017)",
        architectures={"wct_decoder": "brushwork.nets.adain:build"},
        options="brushwork.training.wct:WCTRecipe",
        load="brushwork.pipelines.universal:load_model",
        trainer="brushwork.training.wct:train_wct",
        commands=("stylize", "video", "train wct"),
        capabilities=frozenset({"stylize", "video", "style_image", "blend", "masks", "train"}),
    )
)
