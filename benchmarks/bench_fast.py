"""Fast feed-forward styles: training speed and quality, in one run.

Prints
  1. training images per second, brushwork's loop against a plain float32 PyTorch loop in the
     manner of pytorch/examples' fast_neural_style (VGG features of both output and photo to the
     deepest layer, with autograd on) -- same net, batch and crop size. Target: 2x.
  2. for each bundled style, on held-out photos (../shared/data/content, never trained on):
     content and style losses of the one-pass output next to those of the optimisation method
     after 100 and 300 L-BFGS steps on the same objective (same layers, weights and style
     size). Johnson et al. report the net matching about 50-100 optimisation steps.

    python benchmarks/bench_fast.py [--steps 6] [--crop 128] [--photos tubingen golden_gate]

``--smoke`` runs the same code at tiny sizes (2 steps of 48 px crops, batch 2; one style, one
photo at 48 px, 2 L-BFGS steps) to prove it works in seconds; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork.devices import autocast, resolve_precision
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.losses.style import gram_matrix
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.pipelines.fast import load
from brushwork.pipelines.optimize import OptimizeConfig, optimize_result
from brushwork.training.data import PhotoFolder
from brushwork.training.fast import JOHNSON_STYLE_LAYERS, FastRecipe, FastStyleRecipe

DATA = _judge.DATA


def plain_loop_step_seconds(
    batches: list[torch.Tensor], style: torch.Tensor, widths: tuple[int, ...]
) -> float:
    """pytorch/examples-style step: float32, VGG of y and x to relu4_3 with autograd on."""
    torch.manual_seed(0)
    net = TransformerNet(TransformerConfig(widths=widths))
    vgg = load_vgg19(max_layer="relu4_3")
    layers = list(JOHNSON_STYLE_LAYERS)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    gram_style = {k: gram_matrix(v) for k, v in vgg(style, layers).items()}
    times = []
    for x in batches:
        t = time.perf_counter()
        opt.zero_grad()
        y = net(x)
        fy, fx = vgg(y, layers), vgg(x, layers)
        content = F.mse_loss(fy["relu2_2"], fx["relu2_2"])
        style_loss = sum(
            F.mse_loss(gram_matrix(fy[k]), gram_style[k].expand(len(x), -1, -1)) for k in layers
        )
        (content + 1.5 * style_loss).backward()
        opt.step()
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def brushwork_step_seconds(
    batches: list[torch.Tensor], style_img, widths: tuple[int, ...], crop: int
) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """The same step through brushwork's recipe (content target only to relu2_2, no graph;
    bf16 autocast where the CPU runs it fast)."""
    torch.manual_seed(0)
    recipe = FastRecipe(
        crop=crop,
        style_size=max(style_img.size),
        style_weight=1.5,
        net=TransformerConfig(widths=widths),
    )
    r = FastStyleRecipe(recipe, style_img, folder=Path("/nonexistent"))
    device = torch.device("cpu")
    r.to(device)
    precision = resolve_precision("auto", device)
    opt = torch.optim.Adam(r.param_groups(1e-3), lr=1e-3)
    times = []
    for x in batches:
        t = time.perf_counter()
        with autocast(precision, device):
            parts = r.losses(r.net, x)
        opt.zero_grad(set_to_none=True)
        parts["total"].backward()
        opt.step()
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:]), precision


def quality(
    name: str, photos: list[str], size: int, checks: tuple[int, int] = (100, 300)
) -> list[dict[str, float | str]]:
    """Losses of the bundled net against the optimiser after ``checks`` L-BFGS steps."""
    first, last = checks
    judge, weights, style_t = _judge.judge(name)
    rec = _judge.recipe_of(name)
    style = imageio.to_pil(style_t)
    model = load(name)
    rows = []
    for photo in photos:
        img = _judge.held_photo(photo, size)
        x = imageio.to_tensor(img)
        judge.set_content(x)

        def score(y: torch.Tensor) -> dict[str, float]:
            with torch.no_grad():
                p = judge(y)
            return {k: float(p[k]) for k in ("content", "style", "total")}

        t = time.perf_counter()
        fast = imageio.to_tensor(model(img))
        fast_s = time.perf_counter() - t
        snaps: dict[int, torch.Tensor] = {}
        own: dict[int, float] = {}

        def snap(
            _lvl: int,
            step: int,
            y: torch.Tensor,
            loss: float,
            snaps: dict[int, torch.Tensor] = snaps,
            own: dict[int, float] = own,
        ) -> None:
            # scored as delivered: clamped to [0, 1]; the optimiser's own (unclamped) loss is
            # kept beside it, since pixels out of range lower it without showing in the image
            if step in checks:
                snaps[step] = y.detach().clamp(0, 1).clone()
                own[step] = loss

        cfg = OptimizeConfig(
            steps=last,
            size=size,
            content_layers=rec["content_layers"],
            style_layers=rec["style_layers"],
            style_scale=max(style.size) / size,
            **weights,
        )
        t = time.perf_counter()
        optimize_result(img, [style], config=cfg, callback=snap, progress=False)
        opt_s = time.perf_counter() - t
        row: dict[str, float | str] = {
            "style": name,
            "photo": photo,
            "fast_seconds": fast_s,
            f"opt{last}_seconds": opt_s,
            f"opt{first}_unclamped_total": own[first],
            f"opt{last}_unclamped_total": own[last],
        }
        labels = ("fast", f"opt{first}", f"opt{last}")
        for label, y in zip(labels, (fast, snaps[first], snaps[last]), strict=True):
            for k, v in score(y).items():
                row[f"{label}_{k}"] = v
        rows.append(row)
        print(
            f"  {name:16s} {photo:12s} "
            + "  ".join(
                f"{lab}: c {row[f'{lab}_content']:.3g} s {row[f'{lab}_style']:.3g} tot {row[f'{lab}_total']:.3g}"
                for lab in labels
            )
            + f"  (unclamped opt{first} {own[first]:.3g} opt{last} {own[last]:.3g}; "
            f"{fast_s:.2f} s vs {opt_s:.0f} s)",
            flush=True,
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=6, help="timed training steps (first dropped)")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--widths", default="32,64,128")
    ap.add_argument("--photos", nargs="*", default=["tubingen"])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    checks = (100, 300)
    styles = _judge.single_styles()  # lite: bench_inference; multi: bench_multistyle
    style_side = 320
    if args.smoke:
        args.steps, args.crop, args.batch_size = 2, 48, 2
        args.photos, args.size = args.photos[:1], 48
        checks, styles, style_side = (1, 2), styles[:1], 64
    torch.set_num_threads(torch.get_num_threads())
    widths = tuple(int(w) for w in args.widths.split(","))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    photos = PhotoFolder(DATA / "train", crop=args.crop)
    batches = [photos.batch(0, s, args.batch_size) for s in range(args.steps)]
    style_img = imageio.load(DATA / "style" / "starry_night.jpg").rgb
    style_img = imageio.resize(style_img, imageio.size_for_long_side(style_img.size, style_side))
    plain = plain_loop_step_seconds(batches, imageio.to_tensor(style_img), widths)
    ours, precision = brushwork_step_seconds(batches, style_img, widths, args.crop)
    b = args.batch_size
    print(
        f"\n1. training, net {widths}, batch {b}, {args.crop} px crops "
        f"(median of {args.steps - 1} steps)"
    )
    print(f"  plain float32 loop   {b / plain:6.2f} images/s  ({plain:.2f} s/step)")
    print(f"  brushwork ({precision})     {b / ours:6.2f} images/s  ({ours:.2f} s/step)")
    print(f"  speed-up             {plain / ours:6.2f}x  (target 2x)")
    report: dict[str, object] = {
        "plain_s_per_step": plain,
        "brushwork_s_per_step": ours,
        "precision": precision,
    }
    if not args.skip_quality:
        print(
            f"\n2. quality on held-out photos at {args.size} px: content / style / total loss "
            "(lower is better)"
        )
        report["quality"] = [
            row for name in styles for row in quality(name, args.photos, args.size, checks)
        ]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
