"""Reproduce the bundled AdaIN decoder ``adain`` (``make adain``): Huang and Belongie (2017),
a decoder for VGG19 relu4_1 that turns AdaIN's features back into an image for any style.

Frugal CPU recipe (2 threads, about an hour): half-width decoder (128/64/32 channels after
512), 128 px crops; stage 1 reconstructs the photos (pixel loss, each photo its own style;
batch 8, about 1.4 s a step), stage 2 trains on the paper's losses (content against the AdaIN
target, style on feature means and standard deviations at relu1_1..relu4_1, weight 10; batch
4, about 2.3 s a step: at this budget more, smaller steps beat fewer, larger ones) plus an
identity term (the photo decoded with itself as style must come back, Park and Lee 2019, weight
1e8 on the pixel MSE: without it, 400 steps at lr 5e-4 lost the photos to generic blobs of the
styles' statistics). Styles: the
paintings of shared/data/style but the held-out ones, scale jitter 1-2.5 crops, colour jitter
0.5, and one draw in four a training photo (recoloured) instead of a painting. Each stage
resumes from its checkpoint (a killed run loses at most 25 steps).
``--gpu`` switches to the paper's scale: full-width decoder, 256 px crops, 160k steps at 1e-4.

``--paintings N --tag T`` continues the **bundled** decoder for N steps on every painting of
shared/data (``style/`` and ``paintings/``, about 620 after the held-out list
benchmarks/heldout/paintings.txt, which no trainer may draw), as the paper trains on WikiArt;
``--install`` then appends the stage to the bundled model's history:

    python scripts/train_adain.py --paintings 2000 --tag 20261203 --install

The bundled decoder's last stage (2026-12-07) was a cool-down, the learning rate falling from
2e-4 to 0 over the stage: ``--paintings 8000 --tag 20261207c --jitter 8 --decay-from 0
--time-limit 7500`` (all 8,000 steps in 110 min on one AMX core). The recipe it recorded keeps
``decay_from`` 0, so a further stage cools down again unless ``--decay-from 1`` is given.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from _zoo import install  # scripts/_zoo.py
from brushwork.modelfile import WEIGHTS_FILE
from brushwork.nets.adain import DecoderConfig
from brushwork.training.adain import AdaINRecipe, train_adain
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.loop import LoopConfig
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NAME = "adain"
HELD = ROOT / "benchmarks" / "heldout" / "paintings.txt"
#: kept out of training to measure generalisation (benchmarks/bench_adain.py)
HELD_OUT = ["starry_night", "the_scream", "great_wave", "composition_vii", "udnie", "candy"]
#: (name, steps, batch, lr, style weight, pixel weight, content weight, identity weight)
STAGES = [
    ("reconstruct", 500, 8, 5e-4, 0.0, 1.0, 0.0, 0.0),
    ("stylize", 1800, 4, 2e-4, 10.0, 0.0, 1.0, 1e8),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "train")
    ap.add_argument("--styles-dir", type=Path, default=DATA / "style")
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--gpu", action="store_true", help="the paper's scale on a CUDA device")
    ap.add_argument("--steps", type=int, nargs="*", help="override each stage's steps")
    ap.add_argument("--install", action="store_true", help="copy the last stage into the zoo")
    ap.add_argument("--paintings", type=int, metavar="N", help="continue the bundled decoder")
    ap.add_argument("--tag", default="paintings", help="the continued stage's name")
    ap.add_argument("--init", type=Path, default=ZOO_DIR / NAME,
                    help="--paintings: the decoder to continue (default: the bundled one; "
                    "stages/adain_20261203p: 6000 steps on the paintings)")  # fmt: skip
    ap.add_argument("--jitter", type=int, help="--paintings: the recipe's output jitter "
                    "(8: the shift that removes the grid-locked stripes)")  # fmt: skip
    ap.add_argument("--decay-from", type=float,
                    help="--paintings: the share of the steps at the full lr before its "
                    "linear decay to 0 (0: the whole stage cools down)")  # fmt: skip
    ap.add_argument("--time-limit", type=float, default=0.0,
                    help="--paintings: write the model after this many seconds")  # fmt: skip
    args = ap.parse_args()
    if args.paintings:
        continue_on_paintings(args)
        return
    decoder, crop, stages = DecoderConfig(width=0.5), 128, list(STAGES)
    if args.gpu:
        decoder, crop = DecoderConfig(), 256
        stages = [("stylize", 160_000, 8, 1e-4, 10.0, 0.0, 1.0, 0.0)]
    for i, n in enumerate(args.steps or []):
        stages[i] = (stages[i][0], n, *stages[i][2:])
    out = None
    for name, steps, batch, lr, style_w, pixel_w, content_w, identity_w in stages:
        prev, out = out, args.work / f"{NAME}_{name}"
        recipe = AdaINRecipe(
            crop=crop,
            style_scale=(1.0, 2.5),
            style_weight=style_w,
            pixel_weight=pixel_w,
            content_weight=content_w,
            identity_weight=identity_w,
            decoder=decoder,
        )
        if (out / WEIGHTS_FILE).exists() and not (out / CHECKPOINT_FILE).exists():
            continue
        if (out / WEIGHTS_FILE).exists():  # finished; run further only if asked for more
            from brushwork.modelfile import read_model

            if read_model(out).config["training"]["steps"] >= steps:
                continue
        print(f"== {NAME}, stage {name}: {steps} steps", flush=True)
        train_adain(
            args.data,
            [args.styles_dir],
            out,
            recipe=recipe,
            loop=LoopConfig(
                steps=steps, batch_size=batch, lr=lr, checkpoint_every=25, preview_every=50
            ),
            held_out=HELD_OUT,
            init=prev,
            resume=(out / CHECKPOINT_FILE).exists(),
            description="AdaIN decoder for VGG19 relu4_1 (any style image)",
        )
    if args.install and out is not None:
        install(out, NAME)


def held_out_stems() -> list[str]:
    """The held-out paintings' names (file stems) from benchmarks/heldout/paintings.txt."""
    lines = HELD.read_text().splitlines()
    return [Path(line).stem for line in lines if line.strip() and not line.startswith("#")]


def continue_on_paintings(args: argparse.Namespace) -> None:
    """One more stage of the bundled decoder, on every painting but the held-out ones."""
    from _zoo import continued, stage_loop
    from brushwork.modelfile import read_model, recipe_of

    bundled, out = args.init, args.work / f"{NAME}_{args.tag}"
    recipe = AdaINRecipe.from_dict(recipe_of(read_model(bundled).config))
    if args.jitter is not None:
        recipe = replace(recipe, jitter=args.jitter)
    if args.decay_from is not None:
        recipe = replace(recipe, decay_from=args.decay_from)
    print(f"== {NAME}, stage {args.tag}: {args.paintings} steps", flush=True)
    train_adain(
        args.data,
        [args.styles_dir, args.styles_dir.parent / "paintings"],
        out,
        recipe=recipe,
        loop=stage_loop(
            args.paintings, 2e-4, checkpoint_every=25, preview_every=100, time_limit=args.time_limit
        ),
        held_out=held_out_stems(),
        **continued(bundled, out),
        description="AdaIN decoder for VGG19 relu4_1 (any style image)",
    )
    if args.install:
        install(out, NAME)


if __name__ == "__main__":
    main()
