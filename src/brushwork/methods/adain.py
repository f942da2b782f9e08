"""Arbitrary style in one pass: adaptive instance normalisation (Huang and Belongie, 2017)."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="adain",
        title="Any style image in one pass, AdaIN (Huang and Belongie 2017)",
        architectures={"adain_decoder": "brushwork.nets.adain:build"},
        options="brushwork.training.adain:AdaINRecipe",
        load="brushwork.pipelines.arbitrary:load_model",
        trainer="brushwork.training.adain:train_adain",
        commands=("stylize", "video", "train adain"),
        capabilities=frozenset({"stylize", "video", "style_image", "blend", "masks", "train"}),
    )
)
