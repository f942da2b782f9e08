"""Multi-style networks (Dumoulin, Shlens and Kudlur, 2017): what one net of many styles costs
in quality and parameters, and how fast a style can be added.

Prints, from one run
  1. parameters: the net's total, the scales and shifts one extra style adds, and its share.
  2. same budget, trained here: a multi-style net on --styles (default three) against one
     single-style net per style, every net from the same identity net, same recipe, crops, batch
     and learning rate, and the same photos per style (--steps-per-style; the multi net takes
     steps-per-style x styles steps). Content and style losses of each style on held-out photos.
  3. the bundled multi-style model, every style, on the same photos: its losses next to the
     bundled single-style net of that style where there is one (those had more training: each
     one's steps are printed).
  4. add-style: a new painting (--new-style) added to the bundled model by training only its
     slot's scales and shifts for --add-steps: seconds, and its losses before (the slot's start,
     the mean of the other styles) and after.

    python benchmarks/bench_multistyle.py [--steps-per-style 80] [--add-steps 300]

``--smoke`` runs every section at tiny sizes to prove it works in seconds (its figures mean
nothing): a multi net of two styles against a single net of the first (1 identity step, 1
step per style, 32 px crops, batch 1), one of the
bundled model's styles, 1 add-style step, one photo at 48 px, paintings at 64 px (but the one
added, at its recipe's size); trained nets go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork import zoo
from brushwork.modelfile import read_model, recipe_of
from brushwork.nets.multistyle import conditional_norms, styles_of
from brushwork.nets.registry import load_net
from brushwork.nets.transformer import TransformerConfig
from brushwork.pipelines.fast import load
from brushwork.training.fast import FastRecipe, train_fast
from brushwork.training.loop import LoopConfig
from brushwork.training.multi import MultiRecipe, train_add_style, train_multi

DATA = _judge.DATA
MODEL = "paintings"
#: --smoke: the long side of the paintings in training and judging (None: the recipe's)
SMOKE_STYLE_SIZE: int | None = None


def evaluate(
    stylise: Any, rec: dict[str, Any], style_file: str, photos: list[str], size: int
) -> dict[str, float]:
    """Mean content and style loss over held-out photos under the recipe's objective."""
    if SMOKE_STYLE_SIZE is not None:
        rec = {**rec, "style_size": SMOKE_STYLE_SIZE}
    loss, _, _ = _judge.judge_for(rec, style_file)
    rows = []
    for photo in photos:
        img = _judge.held_photo(photo, size)
        rows.append(_judge.scores(loss, imageio.to_tensor(img), imageio.to_tensor(stylise(img))))
    return {k: statistics.mean(r[k] for r in rows) for k in ("content", "style")}


def parameters(model: str) -> None:
    net = load_net(read_model(zoo.resolve(model)))
    total = sum(p.numel() for p in net.parameters())
    per_style = sum(m.weight.shape[1] * 2 for m in conditional_norms(net))
    shared = total - per_style * styles_of(net)
    print(f"\n1. parameters of {model} ({styles_of(net)} styles)")
    print(f"  total {total:,}; shared conv weights {shared:,}")
    print(
        f"  per extra style {per_style:,} (scales and shifts) = {100 * per_style / shared:.2f}% "
        "of the shared net (the paper: about 0.2% for its wider net)"
    )


def same_budget(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Multi-style against single-style nets trained here with the same photos per style."""
    net = TransformerConfig(widths=(16, 32, 64))
    common: dict[str, Any] = dict(
        crop=args.crop,
        style_size=SMOKE_STYLE_SIZE or 320,
        style_weight=0.5,
        tv_weight=0.0,
        net=net,
    )
    loop: dict[str, Any] = dict(
        batch_size=args.batch_size, lr=2e-3, checkpoint_every=0, preview_every=0
    )
    identity = work / "identity"
    train_fast(
        DATA / "train",
        None,
        identity,
        recipe=FastRecipe(**(common | {"pixel_weight": 1e6})),
        loop=LoopConfig(steps=args.identity_steps, **loop),
        progress=False,
    )
    files = [DATA / "style" / f"{s}.jpg" for s in args.styles]
    n = args.steps_per_style
    t = time.perf_counter()
    train_multi(
        DATA / "train",
        files,
        work / "multi",
        recipe=MultiRecipe(**common, mix=0.0),
        loop=LoopConfig(steps=n * len(files), **loop),
        init=identity,
        progress=False,
    )
    multi_s = time.perf_counter() - t
    rec = recipe_of(read_model(work / "multi").config)
    print(
        f"\n2. same budget, trained here: {n} steps per style, {args.crop} px crops, "
        f"batch {args.batch_size}, "
        f"from one identity net ({multi_s:.0f} s for the multi net)"
    )
    print("  style                 multi: content   style   | single: content   style")
    rows = []
    for f in files[: args.compared]:
        t = time.perf_counter()
        train_fast(
            DATA / "train",
            f,
            work / f.stem,
            recipe=FastRecipe(**common),
            loop=LoopConfig(steps=n, **loop),
            init=identity,
            progress=False,
        )
        single_s = time.perf_counter() - t
        multi = evaluate(load(work / "multi", style=f.stem), rec, f.name, args.photos, args.size)
        single = evaluate(load(work / f.stem), rec, f.name, args.photos, args.size)
        rows.append({"style": f.stem, "multi": multi, "single": single, "single_s": single_s})
        print(
            f"  {f.stem:20s} {multi['content']:10.3g} {multi['style']:9.3g}   |"
            f" {single['content']:10.3g} {single['style']:9.3g}  "
            f"(style loss ratio {multi['style'] / single['style']:.2f})",
            flush=True,
        )
    return rows


def bundled(args: argparse.Namespace) -> list[dict[str, Any]]:
    model = read_model(zoo.resolve(MODEL))
    rec = recipe_of(model.config)
    steps = (
        sum(s.get("steps") or 0 for s in model.config.get("stages", []))
        or model.config["training"]["steps"]
    )
    names = [s["name"] for s in model.config["styles"]]
    print(
        f"\n3. bundled {MODEL}: {len(names)} styles, {steps} steps "
        f"(about {steps // len(names)} per style); bundled single-style nets beside it"
    )
    print("  style                 multi: content   style   | single: content   style  steps")
    singles = _judge.single_styles()
    rows = []
    for s in model.config["styles"][: args.bundled_styles]:
        multi = evaluate(load(MODEL, style=s["name"]), rec, s["file"], args.photos, args.size)
        row: dict[str, Any] = {"style": s["name"], "multi": multi}
        line = f"  {s['name']:22s} {multi['content']:9.3g} {multi['style']:9.3g}   |"
        if s["name"] in singles:
            cfg = next(e for e in zoo.entries() if e.name == s["name"]).config
            single = evaluate(load(s["name"]), rec, s["file"], args.photos, args.size)
            n = sum(st.get("steps") or 0 for st in cfg.get("stages", []))
            row |= {"single": single, "single_steps": n}
            line += f" {single['content']:10.3g} {single['style']:9.3g}  {n}"
        print(line, flush=True)
        rows.append(row)
    return rows


def add_style(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    model = read_model(zoo.resolve(MODEL))
    rec = recipe_of(model.config)
    new = DATA / "style" / f"{args.new_style}.jpg"
    out = work / "grown"
    t = time.perf_counter()
    train_add_style(
        MODEL,
        new,
        DATA / "train",
        output=out,
        loop=LoopConfig(
            steps=args.add_steps, batch_size=args.batch_size, lr=1e-2, checkpoint_every=50
        ),
        progress=False,
    )
    seconds = time.perf_counter() - t
    before = evaluate(
        load(MODEL, style={n: 1.0 for n in range(styles_of(load_net(model)))}),
        rec,
        new.name,
        args.photos,
        args.size,
    )
    after = evaluate(load(out, style=args.new_style), rec, new.name, args.photos, args.size)
    print(
        f"\n4. add-style: {args.new_style} added to {MODEL} in {args.add_steps} steps, "
        f"{seconds / 60:.1f} min (target: at most 15 min)"
    )
    print(f"  before (mean slot)   content {before['content']:.3g}  style {before['style']:.3g}")
    print(f"  after                content {after['content']:.3g}  style {after['style']:.3g}")
    print(f"  model written to {out}")
    return {"seconds": seconds, "before": before, "after": after, "folder": str(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--styles", nargs="*", default=["starry_night", "mondrian", "udnie"])
    ap.add_argument("--steps-per-style", type=int, default=80, help="0 skips section 2")
    ap.add_argument("--identity-steps", type=int, default=150)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--add-steps", type=int, default=300, help="0 skips section 4")
    ap.add_argument("--new-style", default="edtaonisl")
    ap.add_argument("--photos", nargs="*", default=["tubingen", "golden_gate"])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--work", type=Path, default=None, help="keep trained nets here")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    args.batch_size, args.compared, args.bundled_styles = 4, None, None
    if args.smoke:
        global SMOKE_STYLE_SIZE
        SMOKE_STYLE_SIZE = 64
        args.styles, args.photos = args.styles[:2], args.photos[:1]
        args.steps_per_style = min(args.steps_per_style, 1)
        args.identity_steps, args.add_steps = 1, min(args.add_steps, 1)
        args.crop, args.size, args.batch_size = 32, 48, 1
        args.compared, args.bundled_styles = 1, 1
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        parameters(MODEL)
        if args.steps_per_style:
            report["same_budget"] = same_budget(args, work)
        report["bundled"] = bundled(args)
        if args.add_steps:
            report["add_style"] = add_style(args, work)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
