"""Train the bundled linear-transform model ``linear`` (Li et al., CVPR 2019): the learned
transform at VGG19 relu3_1 in front of the bundled ``wct`` model's relu3_1 reconstruction
decoder, which stays fixed. Only the transform (two small CNNs and two 1x1 convs, 1.9M
weights) learns, on the optimiser's own objective, on every painting of shared/data
(``style/`` and ``paintings/``) but the held-out list benchmarks/heldout/paintings.txt::

    python scripts/train_linear.py --steps 3800 --tag 20261207 --install

(the bundled model's stage: lr 3e-4 held for half the steps, then down to 0; 128 px crops, batch
4; 63 min bf16 on one AMX core).

A first run starts the transform from the training photos' principal feature directions; a
later one (``--continue``) continues the bundled model and appends a stage to its history.
Resumable: re-run with the same ``--tag`` (a killed run loses at most 25 steps). ``--gpu`` is the
paper's scale: batch 8, 160k steps at lr 1e-4 (``--device cuda``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from _zoo import install, stage_loop  # scripts/_zoo.py
from brushwork.modelfile import read_model, recipe_of
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.linear import LinearRecipe, train_linear
from brushwork.zoo import ZOO_DIR
from train_adain import held_out_stems  # scripts/train_adain.py

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
NAME = "linear"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "train")
    ap.add_argument("--styles-dir", type=Path, default=DATA / "style")
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--decay-from", type=float, default=0.5)
    ap.add_argument("--detail", type=float, default=None,
                    help="detail kept (default: the bundled one's with --continue)")  # fmt: skip
    ap.add_argument("--tag", default="stage")
    ap.add_argument("--continue", dest="cont", action="store_true",
                    help="continue the bundled model (default: a new transform)")  # fmt: skip
    ap.add_argument("--gpu", action="store_true", help="the paper's scale on a CUDA device")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--time-limit", type=float, default=0.0)
    ap.add_argument("--install", action="store_true", help="copy the result into the zoo")
    args = ap.parse_args()
    recipe = LinearRecipe(crop=args.crop, decay_from=args.decay_from, detail=args.detail or 0.0)
    init = None
    if args.cont:
        init = ZOO_DIR / NAME
        bundled = read_model(init).config
        recipe = replace(
            LinearRecipe.from_dict(recipe_of(bundled)),
            decay_from=args.decay_from,
            detail=bundled.get("detail", 0.0) if args.detail is None else args.detail,
        )
    steps, batch, lr = args.steps, args.batch_size, args.lr
    if args.gpu:
        steps, batch, lr, args.device = 160_000, 8, 1e-4, "cuda"
    out = args.work / f"{NAME}_{args.tag}"
    print(f"== {NAME}, stage {args.tag}: {steps} steps", flush=True)
    train_linear(
        args.data,
        [args.styles_dir, args.styles_dir.parent / "paintings"],
        out,
        decoder=init or "wct",
        recipe=recipe,
        loop=stage_loop(
            steps,
            lr,
            batch_size=batch,
            device=args.device,
            checkpoint_every=25,
            preview_every=100,
            time_limit=args.time_limit,
        ),
        held_out=held_out_stems(),
        init=init,
        resume=(out / CHECKPOINT_FILE).exists(),
        description="learned linear transform at VGG19 relu3_1 (any style image)",
    )
    if args.install:
        install(out, NAME)


if __name__ == "__main__":
    main()
