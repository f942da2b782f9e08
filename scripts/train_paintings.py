"""Train the bundled multi-style model ``paintings`` further, or reproduce it (``make
paintings``): ten public-domain paintings in one net with conditional instance norm (Dumoulin
et al., 2017).

By default the bundled model **continues from its bundled weights** for one more stage
(``--stage-steps``) with the single styles' new terms: VGG-grid jitter 8 and the stability loss
(weight 3e6; see scripts/train_zoo.py); ``--install`` appends the stage to its recorded history::

    python scripts/train_paintings.py --stage-steps 2000 --install

``--from-scratch`` reproduces the original chain:

Frugal CPU recipe: the shared weights start from the zoo's identity net (``make zoo`` trains it
first), every style slot from its norm parameters; widths 16/32/64, 128 px crops, batch 4, one
style per photo, one photo in ten on a blend of two (``mix``), style weight 0.5, the style
parameters at 10x the shared weights' learning rate (a first try at weight 1.0 and 1x washed the
photos out and kept the ten styles alike after 300 steps), in stages like the
single styles (each resumes from its checkpoint; a killed run loses at most 50 steps).
``--gpu`` switches to the paper's scale: full-width net, 256 px crops, 40k steps at lr 1e-3, with
the stability loss and jitter; ``--time-limit`` ends it early at the step reached.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from _zoo import continued, install, stage_loop  # scripts/_zoo.py
from brushwork.modelfile import WEIGHTS_FILE, read_model, recipe_of
from brushwork.nets.transformer import TransformerConfig
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.loop import LoopConfig
from brushwork.training.multi import MultiRecipe, train_multi
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NAME = "paintings"

#: public domain in the US and the EU (see shared/data/MANIFEST.md)
PAINTINGS = [
    "starry_night",
    "the_scream",
    "great_wave",
    "composition_vii",
    "night_cafe",
    "shipwreck_minotaur",
    "mondrian",
    "water_lilies_monet",
    "udnie",
    "woman_with_hat_matisse",
]
#: (steps, lr) of each stage; the first warm-starts from the identity net
STAGES = [(1000, 2e-3), (800, 1e-3)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "train")
    ap.add_argument("--styles-dir", type=Path, default=DATA / "style")
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--style-weight", type=float, default=0.5)
    ap.add_argument("--gpu", action="store_true", help="the paper's scale on a CUDA device")
    ap.add_argument("--stages", type=int, default=None, help="run only the first N stages")
    ap.add_argument("--install", action="store_true", help="copy the last stage run into the zoo")
    ap.add_argument("--from-scratch", action="store_true", help="the original chain, not a stage")
    ap.add_argument("--stage-steps", type=int, default=2000, help="steps of a continued stage")
    ap.add_argument("--lr", type=float, default=1e-3, help="of the continued stage")
    ap.add_argument("--jitter", type=int, default=8)
    ap.add_argument("--temporal-weight", type=float, default=3e6)
    ap.add_argument(
        "--tag", default=time.strftime("%Y%m%d"), help="names this run's stage folder (resume)"
    )
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--device", default="auto")
    ap.add_argument(
        "--time-limit", type=float, default=0.0, help="seconds the training may run (0: none)"
    )
    args = ap.parse_args()
    if not args.from_scratch and not args.gpu:
        continue_paintings(args)
        return
    net = TransformerConfig(widths=(16, 32, 64))
    crop, stages, init = 128, STAGES, args.work / "identity"
    jitter, temporal_weight = 0, 0.0
    if args.gpu:  # the paper's scale, with the stability loss and jitter of the single styles
        net, crop, stages, init = TransformerConfig(), 256, [(40000, 1e-3)], None
        jitter, temporal_weight = args.jitter, args.temporal_weight
    recipe = MultiRecipe(
        crop=crop,
        style_size=320,
        style_weight=args.style_weight,
        tv_weight=0.0,
        mix=0.1,
        jitter=jitter,
        temporal_weight=temporal_weight,
        net=net,
    )
    styles = [args.styles_dir / f"{p}.jpg" for p in PAINTINGS]
    out = None
    for i, (steps, lr) in enumerate(stages[: args.stages]):
        prev, out = out, args.work / (NAME if i == 0 else f"{NAME}_stage{i + 1}")
        if (out / WEIGHTS_FILE).exists():
            continue
        print(f"== {NAME}, stage {i + 1}/{len(stages)}", flush=True)
        train_multi(
            args.data,
            styles,
            out,
            recipe=recipe,
            loop=LoopConfig(
                steps=steps,
                batch_size=args.batch_size,
                lr=lr,
                checkpoint_every=500 if args.gpu else 50,
                preview_every=500 if args.gpu else 100,
                device=args.device,
                time_limit=args.time_limit,
            ),
            init=prev or init,
            resume=(out / CHECKPOINT_FILE).exists(),
            description=f"{len(PAINTINGS)} public-domain paintings in one net",
        )
    if args.install and out is not None:
        install(out, NAME)


def continue_paintings(args: argparse.Namespace) -> None:
    """One more stage for the bundled ``paintings``, from its bundled weights."""
    bundled = ZOO_DIR / NAME
    recipe = dataclasses.replace(
        MultiRecipe.from_dict(recipe_of(read_model(bundled).config)),
        jitter=args.jitter,
        temporal_weight=args.temporal_weight,
    )
    out = args.work / f"{NAME}_{args.tag}"
    if not (out / WEIGHTS_FILE).exists():
        print(f"== {NAME}: {args.stage_steps} more steps from the bundled weights", flush=True)
        train_multi(
            args.data,
            [args.styles_dir / f"{p}.jpg" for p in PAINTINGS],
            out,
            recipe=recipe,
            loop=stage_loop(args.stage_steps, args.lr),
            description=read_model(bundled).config.get("description", ""),
            **continued(bundled, out),
        )
    if args.install:
        install(out, NAME)


if __name__ == "__main__":
    main()
