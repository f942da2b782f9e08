"""Mixture generation: MIXGAN (Hao, Yu and Zheng, IJCAI 2018), content from one domain, style
from another."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="mixgan",
        title="Mixtures of two domains, MIXGAN (Hao et al. 2018)",
        architectures={
            "mixgan": "brushwork.nets.mixgan:build",
            "mixgan_critics": "brushwork.nets.mixgan:build_critics",
        },
        options="brushwork.training.mixgan:MixGANRecipe",
        load="brushwork.pipelines.mix:load",
        trainer="brushwork.training.mixgan:train_mixgan",
        commands=("mix", "train mixgan"),
        capabilities=frozenset({"mix", "train"}),
    )
)
