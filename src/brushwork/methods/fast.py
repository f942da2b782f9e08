"""Fast feed-forward styles (Johnson et al., 2016), their multi-style nets (Dumoulin et al.,
2017, conditional instance norm) and the real-time lite nets distilled from them."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="fast",
        title="Fast feed-forward style (Johnson et al. 2016; multi-style: Dumoulin et al. 2017)",
        architectures={
            "transformer": "brushwork.nets.transformer:build",
            "lite": "brushwork.nets.lite:build",
        },
        options="brushwork.training.fast:FastRecipe",
        load="brushwork.pipelines.fast:load",
        trainer="brushwork.training.fast:train_fast",
        commands=(
            "stylize",
            "video",
            "export",
            "train fast",
            "train multi",
            "train add-style",
            "train lite",
        ),
        capabilities=frozenset({"stylize", "video", "blend", "masks", "tiling", "export", "train"}),
    )
)
