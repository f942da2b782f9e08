"""Train the bundled fast styles further, or reproduce them from their recipe (``make zoo``).

By default every bundled style **continues from its bundled weights**: one more stage
(``CONTINUE``: the style's own loss at its bundled balance, plus the stability loss of Wang et
al., AAAI 2020, and the VGG-grid jitter that stops the hatching), then its lite twin is distilled
again from it, continuing from the bundled lite weights. With ``--install`` the stage is appended
to the model's recorded history (config.json ``stages``), so each run's spare CPU hours add to
the last. Each stage resumes from its checkpoint when re-run (same ``--tag``; a killed run loses
at most 50 steps)::

    python scripts/train_zoo.py --only starry_night --steps 3000 --install

``--from-scratch`` reproduces the original chain instead.

Frugal CPU recipe of that chain (the one the bundled models started from, recorded in each
config.json): an identity net is trained first (pixel MSE + relu2_2 content, no style), then
each style is trained in stages (``STAGES``), the first warm-started from the identity net, each
later one from the stage before. Lighter nets (widths 16/32/64), 128 px crops, batch 4. Each
stage resumes from its checkpoint when re-run, so a killed run loses at most 50 steps. ``--gpu``
switches to the paper's recipe: each style from scratch, full-width net, 256 px crops, one
40k-step stage at lr 1e-3 (with the stability loss and jitter); ``--time-limit`` ends it early at
the step reached, writing the model.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _zoo import continued, install, stage_loop  # scripts/_zoo.py
from brushwork.modelfile import WEIGHTS_FILE, read_model, recipe_of, write_model
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerConfig, TransformerNet, widened
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.fast import FastRecipe, train_fast
from brushwork.training.lite import LiteRecipe, train_lite
from brushwork.training.loop import LoopConfig
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

#: name -> (style image, long side of the style image, description)
ZOO: dict[str, tuple[str, int, str]] = {
    "starry_night": ("starry_night.jpg", 320, "Vincent van Gogh, The Starry Night (1889)"),
    "the_scream": ("the_scream.jpg", 320, "Edvard Munch, The Scream (1893)"),
    "great_wave": ("great_wave.jpg", 320, "Katsushika Hokusai, The Great Wave off Kanagawa (1831)"),
    "composition_vii": ("composition_vii.jpg", 320, "Wassily Kandinsky, Composition VII (1913)"),
}


@dataclass(frozen=True)
class Stage:
    """One training stage of a style: each warm-starts from the one before (the first from the
    identity net). A strong first stage finds the texture quickly; later ones, at a lower
    learning rate, set the balance of style and photo that looks best on held-out photos."""

    style_weight: float
    steps: int
    lr: float


#: the CPU recipe of each bundled style, stage by stage
STAGES: dict[str, list[Stage]] = {
    "starry_night": [Stage(0.5, 700, 2e-3), Stage(0.5, 500, 1e-3)],
    "the_scream": [Stage(0.5, 700, 2e-3), Stage(0.8, 500, 1e-3)],
    "great_wave": [Stage(1.5, 700, 2e-3), Stage(0.6, 500, 1e-3)],
    "composition_vii": [Stage(1.5, 700, 2e-3), Stage(0.15, 300, 2e-3), Stage(0.35, 500, 1e-3)],
}


@dataclass(frozen=True)
class Continue:
    """The stage each run appends to a bundled style (issue 21): the bundled recipe (crop, style
    size, layers, style weight) plus ``jitter`` and the stability loss at ``temporal_weight``
    (its MSE is about 0.006 for the first nets, so 3e6 makes it a fifth of the loss at first)."""

    steps: int = 2000
    lr: float = 1e-3
    jitter: int = 8
    temporal_weight: float = 3e6


CONTINUE = Continue()

#: lite styles, distilled from each full style on the same 128 px crops, in two stages from the
#: lite identity net: (feature layers, texture weight, steps, lr). The first matches the teacher's
#: pixels and relu2_2 features (cheap: no relu3 pass) and learns the colours and shapes; the
#: second adds relu3_3 and the teacher's Gram statistics there, which bring back the texture
#: feature matching blurs (style loss 2.5x the full net's -> within 15%). ``--lite-steps`` sets
#: the first stage's steps (0: no lite styles); starry_night's first stage ran 1500.
LITE_STAGES = [
    ({"relu2_2": 1.0}, 0.0, None, 2e-3),
    ({"relu2_2": 1.0, "relu3_3": 1.0}, 1.0, 300, 1e-3),
]
LITE_STEPS = 600
LITE_CROP = 128
LITE_IDENTITY_STEPS = 300


def stage_folder(work: Path, name: str, index: int) -> Path:
    return work / (name if index == 0 else f"{name}_stage{index + 1}")


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
    ap.add_argument("--steps", type=int, default=None, help="one stage of this many steps")
    ap.add_argument(
        "--crop", type=int, default=None, help="crop size (default: 128; a stage: the bundled one)"
    )
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--identity-lr", type=float, default=2e-3)
    ap.add_argument("--content-weight", type=float, default=1.0)
    ap.add_argument("--tv-weight", type=float, default=0.0)
    ap.add_argument("--style-weight", type=float, default=None, help="override every style's")
    ap.add_argument("--widths", default="16,32,64")
    ap.add_argument("--gpu", action="store_true", help="the paper's recipe on a CUDA device")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--install", action="store_true", help="copy finished models into the zoo")
    ap.add_argument("--lite-steps", type=int, default=LITE_STEPS, help="0: no lite styles")
    ap.add_argument("--from-scratch", action="store_true", help="the original chain, not a stage")
    ap.add_argument("--lr", type=float, default=CONTINUE.lr, help="of the continued stage")
    ap.add_argument(
        "--jitter", type=int, default=CONTINUE.jitter, help="of the stage and the lite twin"
    )
    ap.add_argument("--temporal-weight", type=float, default=CONTINUE.temporal_weight)
    ap.add_argument(
        "--decay-from",
        type=float,
        default=1.0,
        help="share of the stage (and of its lite twin's) at its lr before a linear decay to 0 "
        "(0: a cool-down)",
    )
    ap.add_argument(
        "--lite-grid-weight",
        type=float,
        default=0.0,
        help="a stage's lite twin: weight of the grid pattern it paints and its teacher lacks",
    )
    ap.add_argument(
        "--tag", default=time.strftime("%Y%m%d"), help="names this run's stage folders (resume)"
    )
    ap.add_argument(
        "--widen", action="store_true", help="continue at twice the widths (Net2Net, same net)"
    )
    ap.add_argument(
        "--time-limit", type=float, default=0.0, help="seconds each training may run (0: none)"
    )
    ap.add_argument(
        "--lite-only", action="store_true", help="only distil the lite twins from the bundled nets"
    )
    args = ap.parse_args()
    if not args.from_scratch and not args.gpu:
        continue_zoo(args)
        return
    if args.gpu:
        args.widths, args.crop, args.steps = "32,64,128", 256, args.steps or 40000
    args.crop = args.crop or 128
    net = TransformerConfig(widths=tuple(int(w) for w in args.widths.split(",")))
    loop_kw = dict(
        batch_size=args.batch_size,
        device=args.device,
        checkpoint_every=500 if args.gpu else 50,
        preview_every=500 if args.gpu else 100,
        time_limit=args.time_limit,
    )
    if args.gpu:  # the paper trains each style from scratch, no identity net
        gpu_zoo(args, net, loop_kw)
        return

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

    for name, (file, style_size, desc) in ZOO.items():
        if args.only and name not in args.only:
            continue
        stages = STAGES[name]
        if args.steps:
            stages = [Stage(stages[0].style_weight, args.steps, stages[0].lr)]
        init, out = identity, identity
        for i, st in enumerate(stages):
            init, out = out, stage_folder(args.work, name, i)
            if stage(out) == "done":
                continue
            print(f"== {name}, stage {i + 1}/{len(stages)}")
            train_fast(
                args.data,
                args.styles_dir / file,
                out,
                recipe=style_recipe(args, style_size, st.style_weight, net),
                loop=LoopConfig(steps=st.steps, **(loop_kw | {"lr": st.lr})),
                init=init,
                resume=stage(out) == "resume",
                description=desc,
            )
        if args.install:
            install(out, name)
        if args.lite_steps:  # the real-time version, distilled from the full net just trained
            lite = lite_identity(args, loop_kw)
            for i, (features, texture, steps, lr) in enumerate(LITE_STAGES):
                init, lite = lite, stage_folder(args.work, f"{name}_lite", i)
                if stage(lite) == "done":
                    continue
                print(f"== {name}, lite stage {i + 1}/{len(LITE_STAGES)}")
                train_lite(
                    args.data,
                    out,
                    lite,
                    init=init,
                    recipe=LiteRecipe(
                        crop=LITE_CROP, feature_layers=features, texture_weight=texture
                    ),
                    loop=LoopConfig(steps=steps or args.lite_steps, **(loop_kw | {"lr": lr})),
                    resume=stage(lite) == "resume",
                )
            if args.install:
                install(lite, f"{name}_lite")


def style_recipe(
    args: argparse.Namespace,
    style_size: int,
    style_weight: float,
    net: TransformerConfig,
    **extra: Any,
) -> FastRecipe:
    """A style's recipe from the command line (``--style-weight`` overrides the style's own)."""
    return FastRecipe(
        crop=args.crop,
        style_size=style_size,
        content_weight=args.content_weight,
        style_weight=args.style_weight or style_weight,
        tv_weight=args.tv_weight,
        net=net,
        **extra,
    )


def gpu_zoo(args: argparse.Namespace, net: TransformerConfig, loop_kw: dict[str, Any]) -> None:
    """The paper's recipe on a GPU (``--gpu``): each style from scratch at full width, 256 px
    crops, lr 1e-3, at the balance its CPU stages settled on, with the stability loss and the
    VGG-grid jitter; ``--time-limit`` ends it at the step reached (a lent GPU's lease), resumable
    with the same ``--work``. Lite twins are distilled later, on any machine."""
    for name, (file, style_size, desc) in ZOO.items():
        if args.only and name not in args.only:
            continue
        out = args.work / name
        if stage(out) == "done":
            continue
        print(f"== {name}: the paper's recipe on {args.device}", flush=True)
        train_fast(
            args.data,
            args.styles_dir / file,
            out,
            recipe=style_recipe(
                args,
                style_size,
                STAGES[name][-1].style_weight,
                net,
                jitter=args.jitter,
                temporal_weight=args.temporal_weight,
            ),
            loop=LoopConfig(steps=args.steps, lr=1e-3, **loop_kw),
            resume=stage(out) == "resume",
            description=desc,
        )
        if args.install:
            install(out, name)


def widen_model(bundled: Path, folder: Path) -> Path:
    """A model folder holding bundled net ``bundled`` at twice its widths, the same function
    (:func:`~brushwork.nets.transformer.widened`), its recorded stages kept plus this one."""
    if not (folder / WEIGHTS_FILE).exists():
        model = read_model(bundled)
        net = load_net(model)
        assert isinstance(net, TransformerNet)
        wide = widened(net)
        config = dict(model.config)
        config["config"] = wide.config.to_dict()
        config["recipe"] = recipe_of(config) | {"net": wide.config.to_dict()}
        widths = "/".join(map(str, wide.config.widths))
        config["stages"] = [
            *config.get("stages", []),
            {
                "stage": f"widened to {widths} (Net2Net)",
                "steps": 0,
                "date": time.strftime("%Y-%m-%d"),
            },
        ]
        write_model(folder, wide.state_dict(), config)
    return folder


def continue_zoo(args: argparse.Namespace) -> None:
    """One more stage for every bundled style (and its lite twin), from the bundled weights
    (on a lent GPU too: ``--device cuda --batch-size 8 --time-limit S``)."""
    loop_kw: dict[str, Any] = dict(
        batch_size=args.batch_size, device=args.device, time_limit=args.time_limit
    )
    if args.device.startswith("cuda"):  # ~20 steps/s: checkpoints and previews every 500
        loop_kw |= dict(checkpoint_every=500, preview_every=500)
    for name, (file, _size, _desc) in ZOO.items():
        if args.only and name not in args.only:
            continue
        bundled = ZOO_DIR / name
        # the bundled recipe, with what was asked for (style weight and crop only when given:
        # a stage keeps the bundled crop, as a GPU net continued at 128 px paints half-size strokes)
        told = {"style_weight": args.style_weight, "crop": args.crop}
        recipe = dataclasses.replace(
            FastRecipe.from_dict(recipe_of(read_model(bundled).config)),
            jitter=args.jitter,
            temporal_weight=args.temporal_weight,
            decay_from=args.decay_from,
            **{k: v for k, v in told.items() if v},
        )
        out = args.work / f"{name}_{args.tag}"
        if args.lite_only:  # the teacher is the bundled net itself (done: no stage to train)
            out = bundled
        steps = args.steps or CONTINUE.steps
        start = continued(bundled, out)
        if args.widen:  # the same function at twice the widths, then trained on
            start["init"] = widen_model(bundled, args.work / f"{name}_{args.tag}_widened")
            recipe = dataclasses.replace(recipe, net=TransformerConfig.from_dict(
                read_model(start["init"]).config["config"]))  # fmt: skip
        if stage(out) != "done":
            print(f"== {name}: {steps} more steps from {start['init']}")
            train_fast(
                args.data,
                args.styles_dir / file,
                out,
                recipe=recipe,
                loop=stage_loop(steps, args.lr, **loop_kw),
                **start,
            )
        if args.install and not args.lite_only:
            install(out, name)
        if not args.lite_steps:
            continue
        features, texture, _steps, lr = LITE_STAGES[-1]
        lite = args.work / f"{name}_lite_{args.tag}"
        if stage(lite) != "done":
            print(f"== {name}_lite: distilled again from the new {name}")
            train_lite(
                args.data,
                out,
                lite,
                recipe=LiteRecipe(
                    crop=LITE_CROP,
                    feature_layers=features,
                    texture_weight=texture,
                    jitter=args.jitter,
                    decay_from=args.decay_from,
                    grid_weight=args.lite_grid_weight,
                ),
                loop=stage_loop(args.lite_steps, lr, **(dict(preview_every=100) | loop_kw)),
                **continued(ZOO_DIR / f"{name}_lite", lite),
            )
        if args.install:
            install(lite, f"{name}_lite")


def lite_identity(args: argparse.Namespace, loop_kw: dict[str, Any]) -> Path:
    """The lite net trained to give the photo back (pixel MSE only, no VGG): every lite style is
    warm-started from it, as the full styles are from the full identity net."""
    out: Path = args.work / "lite_identity"
    if stage(out) != "done":
        print("== lite identity")
        train_lite(
            args.data,
            None,
            out,
            recipe=LiteRecipe(crop=LITE_CROP, feature_weight=0.0, pixel_weight=1e6),
            loop=LoopConfig(steps=LITE_IDENTITY_STEPS, **(loop_kw | {"lr": 2e-3})),
            resume=stage(out) == "resume",
        )
    return out


if __name__ == "__main__":
    main()
