"""Paired image-to-image translation: pix2pix (Isola et al., CVPR 2017)."""

from brushwork.methods import register
from brushwork.methods.spec import MethodSpec

SPEC = register(
    MethodSpec(
        name="pix2pix",
        title="Paired image-to-image translation, pix2pix (Isola et al. 2017)",
        architectures={
            "unet": "brushwork.nets.unet:build",
            "patchgan": "brushwork.nets.patchgan:build",
        },
        options="brushwork.training.pix2pix:Pix2PixRecipe",
        load="brushwork.pipelines.translate:load",
        trainer="brushwork.training.pix2pix:train_pix2pix",
        commands=("translate", "video", "export", "train pix2pix"),
        capabilities=frozenset({"translate", "video", "tiling", "export", "train"}),
    )
)
