"""Perceptual-loss super-resolution, x4 and x8 (Johnson et al., 2016)."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="sr",
        title="Super-resolution x4 / x8 with a perceptual loss (Johnson et al. 2016)",
        architectures={"sr": "brushwork.nets.sr:build"},
        options="brushwork.training.sr:SRRecipe",
        load="brushwork.pipelines.upscale:load_model",
        trainer="brushwork.training.sr:train_sr",
        commands=("upscale", "train sr"),
        capabilities=frozenset({"upscale", "tiling", "train"}),
    )
)
