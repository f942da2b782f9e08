"""Reproduce every bundled fast style from its recipe (``make zoo``).

Frugal CPU recipe (the one the bundled models were trained with, recorded in each config.json):
an identity net is trained first (pixel loss, no VGG), then each style is warm-started from it.
Lighter nets (widths 16/32/64), 128 px crops, batch 4. Each stage resumes from its checkpoint
when re-run, so a killed run loses at most ``--checkpoint-every`` steps. ``--gpu`` switches to
the paper's recipe (full-width net, 256 px crops, 40k steps).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from brushwork.modelfile import PREVIEW_FILE, WEIGHTS_FILE, read_model, write_model
from brushwork.nets.transformer import TransformerConfig
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.fast import FastRecipe, train_fast
from brushwork.training.loop import LoopConfig
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

#: name -> (style image, long side of the style image, style weight, description)
ZOO: dict[str, tuple[str, int, float, str]] = {
    "starry_night": ("starry_night.jpg", 320, 0.5, "Vincent van Gogh, The Starry Night (1889)"),
    "the_scream": ("the_scream.jpg", 320, 0.5, "Edvard Munch, The Scream (1893)"),
    "great_wave": (
        "great_wave.jpg",
        320,
        1.5,
        "Katsushika Hokusai, The Great Wave off Kanagawa (1831)",
    ),
    "composition_vii": (
        "composition_vii.jpg",
        320,
        1.5,
        "Wassily Kandinsky, Composition VII (1913)",
    ),
}


#: styles whose first stage overpowers the photo: (style weight, steps) of a second stage,
#: warm-started from the first, that lets the content back in
REFINE: dict[str, tuple[float, int]] = {"composition_vii": (0.15, 300)}


def stage(out: Path) -> str:
    if (out / WEIGHTS_FILE).exists():
        return "done"
    return "resume" if (out / CHECKPOINT_FILE).exists() else "new"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "train")
    ap.add_argument("--styles-dir", type=Path, default=DATA / "style")
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--only", nargs="*", default=None, help="train only these styles")
    ap.add_argument("--identity-steps", type=int, default=300)
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--identity-lr", type=float, default=2e-3)
    ap.add_argument("--content-weight", type=float, default=1.0)
    ap.add_argument("--tv-weight", type=float, default=0.0)
    ap.add_argument("--style-weight", type=float, default=None, help="override every style's")
    ap.add_argument("--widths", default="16,32,64")
    ap.add_argument("--gpu", action="store_true", help="the paper's recipe on a CUDA device")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--install", action="store_true", help="copy finished models into the zoo")
    args = ap.parse_args()
    if args.gpu:
        args.widths, args.crop, args.steps, args.identity_steps = "32,64,128", 256, 40000, 2000
    net = TransformerConfig(widths=tuple(int(w) for w in args.widths.split(",")))
    loop_kw = dict(
        batch_size=args.batch_size,
        lr=args.lr,
        device=args.device,
        checkpoint_every=50,
        preview_every=100,
    )

    identity = args.work / "identity"
    # identity: pixel MSE keeps colours, relu2_2 content keeps edges sharp
    ident_recipe = FastRecipe(
        crop=args.crop, content_weight=1.0, tv_weight=0.0, pixel_weight=1e6, net=net
    )
    if stage(identity) != "done":
        train_fast(
            args.data,
            None,
            identity,
            recipe=ident_recipe,
            loop=LoopConfig(steps=args.identity_steps, **(loop_kw | {"lr": args.identity_lr})),
            resume=stage(identity) == "resume",
            description="identity net (warm start for styles)",
        )

    for name, (file, style_size, style_weight, desc) in ZOO.items():
        if args.only and name not in args.only:
            continue
        out = args.work / name
        recipe = FastRecipe(
            crop=args.crop,
            style_size=style_size,
            content_weight=args.content_weight,
            style_weight=args.style_weight or style_weight,
            tv_weight=args.tv_weight,
            net=net,
        )
        if stage(out) != "done":
            print(f"== {name}")
            train_fast(
                args.data,
                args.styles_dir / file,
                out,
                recipe=recipe,
                loop=LoopConfig(steps=args.steps, **loop_kw),
                init=identity,
                resume=stage(out) == "resume",
                description=desc,
            )
        if name in REFINE:
            weight, steps = REFINE[name]
            first, out = out, args.work / f"{name}_refined"
            if stage(out) != "done":
                print(f"== {name}, refined")
                train_fast(
                    args.data,
                    args.styles_dir / file,
                    out,
                    recipe=FastRecipe(
                        crop=args.crop,
                        style_size=style_size,
                        content_weight=args.content_weight,
                        style_weight=weight,
                        tv_weight=args.tv_weight,
                        net=net,
                    ),
                    loop=LoopConfig(steps=steps, **loop_kw),
                    init=first,
                    resume=stage(out) == "resume",
                    description=desc,
                )
        if args.install:
            model = read_model(out)
            dest = ZOO_DIR / name
            shutil.rmtree(dest, ignore_errors=True)
            write_model(dest, model.state, model.config, dtype=torch.float16)
            shutil.copy(out / PREVIEW_FILE, dest / PREVIEW_FILE)
            print(f"installed {dest} ({(dest / WEIGHTS_FILE).stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
