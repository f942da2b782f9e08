"""Unpaired image-to-image translation: CycleGAN (Zhu et al., ICCV 2017)."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="cyclegan",
        title="Unpaired image-to-image translation, CycleGAN (Zhu et al. 2017)",
        architectures={"resnet_generator": "brushwork.nets.resnet_generator:build"},
        options="brushwork.training.cyclegan:CycleGANRecipe",
        load="brushwork.pipelines.translate:load",
        trainer="brushwork.training.cyclegan:train_cyclegan",
        commands=("translate", "video", "export", "train cyclegan"),
        capabilities=frozenset({"translate", "video", "tiling", "export", "train"}),
    )
)
