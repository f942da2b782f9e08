"""Train the bundled super-resolution models further, or reproduce them (``make sr``): ``sr-x4``
and ``sr-x8`` (feature loss, VGG19 relu2_2 + a little total variation) and their pixel-loss
twins ``sr-x4-pixel`` and ``sr-x8-pixel`` (per-pixel MSE), which benchmarks/bench_sr.py compares.

By default each model **continues from its bundled weights** for one more stage
(``--stage-steps``, lr 5e-4, bf16 where the CPU has it), the feature-loss ones with jitter 4
(:mod:`brushwork.ops.jitter`: the loss sees output and photo at a random offset) and a pixel MSE
at weight 2e6 (about a quarter of the loss: it anchors flat areas, where the feature loss alone
let a faint dot grid through); ``--install`` appends the stage to the model's recorded history
(the 2026-12-03 stages: 1500 steps with jitter, then 800 more with the pixel term)::

    python scripts/train_sr.py --only sr-x4 sr-x8 --stage-steps 1500 --install

``--from-scratch`` reproduces the original runs:

Frugal CPU recipe (2 threads, about 70 minutes for all four): the default net (64 channels, 4
residual blocks, 9x9 head and tail, bicubic skip), Adam lr 1e-3, batch 4, high-resolution
crops of 96 px (x4) and 128 px (x8) from shared/data/train (1400 photos), degraded by a
Gaussian blur of sigma 1 and bicubic 1/scale; 1000/600 steps (x4 feature/pixel) and 1300/400
(x8). Each run resumes from its checkpoint (a killed run loses at most 50 steps); ``--steps``
raises every run's steps by a factor to continue training. ``--gpu`` switches to the paper's
scale: 288 px crops, 200k steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch

from _zoo import continued, install, stage_loop  # scripts/_zoo.py
from brushwork.modelfile import WEIGHTS_FILE, read_model, recipe_of
from brushwork.nets.sr import SRConfig
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.loop import LoopConfig
from brushwork.training.sr import SRRecipe, train_sr

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
#: (zoo name, scale, crop, loss, steps)
RUNS = [
    ("sr-x4", 4, 96, "feature", 1000),
    ("sr-x4-pixel", 4, 96, "pixel", 600),
    ("sr-x8", 8, 128, "feature", 1300),
    ("sr-x8-pixel", 8, 128, "pixel", 400),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "train")
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--only", nargs="*", help="zoo names of the runs to do")
    ap.add_argument("--steps", type=float, default=1.0, help="multiply every run's steps")
    ap.add_argument("--gpu", action="store_true", help="the paper's scale on a CUDA device")
    ap.add_argument("--install", action="store_true", help="copy the models into the zoo")
    ap.add_argument("--from-scratch", action="store_true", help="the original runs, not a stage")
    ap.add_argument("--stage-steps", type=int, default=1500, help="steps of a continued stage")
    ap.add_argument("--jitter", type=int, default=4, help="of the feature-loss stages")
    ap.add_argument("--pixel-weight", type=float, default=2e6, help="of the feature-loss stages")
    ap.add_argument(
        "--tag", default=time.strftime("%Y%m%d"), help="names this run's stage folders (resume)"
    )
    args = ap.parse_args()
    if not args.from_scratch and not args.gpu:
        continue_runs(args)
        return
    for name, scale, crop, loss, steps in RUNS:
        if args.only and name not in args.only:
            continue
        if args.gpu:
            crop, steps = 288, 200_000
        out = args.work / name
        steps = round(steps * args.steps)
        finished = (out / WEIGHTS_FILE).exists() and _steps(out) >= steps
        if not finished:
            kind = "VGG relu2_2 feature" if loss == "feature" else "per-pixel MSE"
            train_sr(
                args.data,
                out,
                recipe=SRRecipe(crop=crop, loss=loss, net=SRConfig(scale=scale)),
                loop=LoopConfig(
                    steps=steps,
                    batch_size=4,
                    lr=1e-3,
                    checkpoint_every=50,
                    preview_every=100,
                    precision="auto" if args.gpu else "fp32",
                    device="cuda" if args.gpu else "cpu",
                ),
                resume=(out / CHECKPOINT_FILE).exists(),
                description=f"x{scale} super-resolution, {kind} loss (Johnson et al. 2016)",
                dtype=torch.float16,
            )
        if args.install:
            install(out, name)
            write_preview(name)


def continue_runs(args: argparse.Namespace) -> None:
    """One more stage for every bundled super-resolution model, from its bundled weights."""
    from brushwork.zoo import ZOO_DIR

    for name, _scale, _crop, loss, _steps in RUNS:
        if args.only and name not in args.only:
            continue
        bundled = ZOO_DIR / name
        recipe = SRRecipe.from_dict(recipe_of(read_model(bundled).config))
        if loss == "feature":
            recipe = dataclasses.replace(recipe, jitter=args.jitter, pixel_weight=args.pixel_weight)
        out = args.work / f"{name}_{args.tag}"
        if not (out / WEIGHTS_FILE).exists():
            train_sr(
                args.data,
                out,
                recipe=recipe,
                loop=stage_loop(args.stage_steps, 5e-4),
                **continued(bundled, out),
            )
        if args.install:
            install(out, name)
            write_preview(name)


def write_preview(name: str) -> None:
    """The zoo preview: bicubic, the net and the truth on crops of the bundled sample photos
    (at their own resolution, so the detail shows)."""
    from brushwork import image as imageio
    from brushwork import samples
    from brushwork.modelfile import PREVIEW_FILE
    from brushwork.pipelines.upscale import Upscaler
    from brushwork.training.sr import preview_rows
    from brushwork.zoo import ZOO_DIR

    up = Upscaler.from_pretrained(name, device="cpu")
    photos = [samples.sample_photo(p) for p in ("astronaut", "coffee", "chelsea", "rocket")]
    grid = preview_rows(up.net, photos, torch.device("cpu"), up.scale)
    imageio.save(grid, ZOO_DIR / name / PREVIEW_FILE, overwrite=True)


def _steps(folder: Path) -> int:
    from brushwork.modelfile import read_config

    return int(read_config(folder).get("training", {}).get("steps", 0))


if __name__ == "__main__":
    main()
