"""Fast feed-forward styles: training speed and quality, in one run.

Prints
  1. training images per second, brushwork's loop against a plain float32 PyTorch loop in the
     manner of pytorch/examples' fast_neural_style (VGG features of both output and photo to the
     deepest layer, with autograd on) -- same net, batch and crop size. Target: 2x.
  2. for each bundled style, on held-out photos (../shared/data/content, never trained on):
     content and style losses of the one-pass output next to those of the optimisation method
     after 100 and 300 L-BFGS steps on the same objective (same layers, weights and style
     size). Johnson et al. report the net matching about 50-100 optimisation steps.

  3. with ``--grid OUT``: a picture for each bundled style and held-out photo, the photo, the
     net before (``--before DIR``: the earlier models, by name, e.g. a checkout's zoo), the net
     now and 100 L-BFGS steps side by side, a centre crop of each at 3x zoom below (the README's
     before | after crop grid); and the grid strength (brushwork.ops.quality.grid_pattern) of
     each net's output, against the photo's.

    python benchmarks/bench_fast.py [--steps 6] [--crop 128] [--photos tubingen golden_gate]
    python benchmarks/bench_fast.py --skip-quality --grid docs/images/fast_3x.jpg --before OLD

``--smoke`` runs the same code at tiny sizes (2 steps of 48 px crops, batch 2; one style, one
photo at 48 px, 2 L-BFGS steps) to prove it works in seconds; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork.devices import autocast, resolve_device, resolve_precision
from brushwork.encoders.vgg19 import load_vgg19
from brushwork.losses.style import gram_matrix
from brushwork.nets.transformer import TransformerConfig, TransformerNet
from brushwork.pipelines.fast import load
from brushwork.pipelines.optimize import OptimizeConfig, optimize_result
from brushwork.training.data import PhotoFolder
from brushwork.training.fast import JOHNSON_STYLE_LAYERS, FastRecipe, FastStyleRecipe
from brushwork.zoo import ZOO_DIR

DATA = _judge.DATA


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def plain_loop_step_seconds(
    batches: list[torch.Tensor], style: torch.Tensor, widths: tuple[int, ...], device: torch.device
) -> float:
    """pytorch/examples-style step: float32, VGG of y and x to relu4_3 with autograd on."""
    torch.manual_seed(0)
    net = TransformerNet(TransformerConfig(widths=widths)).to(device)
    vgg = load_vgg19(max_layer="relu4_3").to(device)
    style = style.to(device)
    layers = list(JOHNSON_STYLE_LAYERS)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    gram_style = {k: gram_matrix(v) for k, v in vgg(style, layers).items()}
    times = []
    for x in batches:
        x = x.to(device)
        _sync(device)
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
        _sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def brushwork_step_seconds(
    batches: list[torch.Tensor],
    style_img,
    widths: tuple[int, ...],
    crop: int,
    precision: str,
    device: torch.device,
) -> float:  # type: ignore[no-untyped-def]
    """The same step through brushwork's recipe (content target only to relu2_2, no graph),
    in ``precision`` ("fp32" or "bf16" autocast)."""
    torch.manual_seed(0)
    recipe = FastRecipe(
        crop=crop,
        style_size=max(style_img.size),
        style_weight=1.5,
        net=TransformerConfig(widths=widths),
    )
    r = FastStyleRecipe(recipe, style_img, folder=Path("/nonexistent"), total_steps=len(batches))
    r.to(device)
    opt = torch.optim.Adam(r.param_groups(1e-3), lr=1e-3)
    times = []
    for x in batches:
        x = x.to(device)
        _sync(device)
        t = time.perf_counter()
        with autocast(precision, device):
            parts = r.losses(r.net, x)
        opt.zero_grad(set_to_none=True)
        parts["total"].backward()
        opt.step()
        _sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


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


def crop_grid(
    styles: list[str], photos: list[str], before: Path | None, size: int, out: Path, steps: int
) -> None:
    """photo | before | now | optimiser for each style and photo, each above its 3x centre crop."""
    from PIL import Image

    from brushwork.ops.quality import grid_pattern

    rows = []
    for name in styles:
        _, weights, style_t = _judge.judge(name)
        rec = _judge.recipe_of(name)
        nets = {"now": load(name)}
        if before is not None and (before / name).is_dir():
            nets = {"before": load(before / name), **nets}
        for photo in photos:
            img = _judge.held_photo(photo, size)
            cfg = OptimizeConfig(
                steps=steps,
                size=size,
                content_layers=rec["content_layers"],
                style_layers=rec["style_layers"],
                style_scale=max(style_t.shape[-2:]) / size,
                **weights,
            )
            opt = optimize_result(img, [imageio.to_pil(style_t)], config=cfg, progress=False)
            tiles = [img, *(net(img) for net in nets.values()), opt.image]
            grids = {
                k: grid_pattern(imageio.to_tensor(t))
                for k, t in zip(nets, tiles[1:-1], strict=True)
            }
            print(
                f"  grid {name:16s} {photo:12s} photo {grid_pattern(imageio.to_tensor(img)):.2f}  "
                + "  ".join(f"{k} {v:.2f}" for k, v in grids.items())
            )
            w, h = img.size
            cw, ch = w // 3, h // 3
            box = ((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch)
            row = Image.new("RGB", (w * len(tiles), h + ch * 3), "white")
            for i, t in enumerate(tiles):
                t = t.resize((w, h))
                row.paste(t, (i * w, 0))
                zoom = t.crop(box).resize((cw * 3, ch * 3), Image.Resampling.NEAREST)
                row.paste(zoom, (i * w, h))
            rows.append(row)
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height + 6 for r in rows)), "white")
    y = 0
    for r in rows:
        sheet.paste(r, (0, y))
        y += r.height + 6
    out.parent.mkdir(parents=True, exist_ok=True)
    imageio.save(sheet, out, overwrite=True)
    cols = " | ".join(["photo", *nets, f"{steps} L-BFGS steps"])
    print(f"  wrote {out}: {cols}; 3x centre crops below")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=6, help="timed training steps (first dropped)")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--widths", default="32,64,128")
    ap.add_argument("--photos", nargs="*", default=["tubingen", "golden_gate", "bear"])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda when a GPU is lent")
    ap.add_argument("--grid", type=Path, help="write the before | now | optimiser crop grid here")
    ap.add_argument("--before", type=Path, help="folder of the earlier models, by name")
    ap.add_argument("--grid-styles", nargs="*", help="styles of the grid (default: all)")
    ap.add_argument("--grid-size", type=int, default=384, help="long side of the grid's photos")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it runs")
    args = ap.parse_args()
    checks = (100, 300)
    styles = _judge.single_styles()  # lite: bench_inference; multi: bench_multistyle
    style_side = 320
    if args.smoke:
        args.steps, args.crop, args.batch_size = 2, 48, 2
        args.photos, args.size = args.photos[:1], 48
        checks, styles, style_side = (1, 2), styles[:1], 64
        if args.grid is None:  # the grid's code runs too, the zoo standing in for "before"
            args.grid = Path(tempfile.mkdtemp(prefix="bench_fast_")) / "grid.jpg"
            args.before = args.before or ZOO_DIR
    torch.set_num_threads(torch.get_num_threads())
    widths = tuple(int(w) for w in args.widths.split(","))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    photos = PhotoFolder(DATA / "train", crop=args.crop)
    batches = [photos.batch(0, s, args.batch_size) for s in range(args.steps)]
    style_img = imageio.load(DATA / "style" / "starry_night.jpg").rgb
    style_img = imageio.resize(style_img, imageio.size_for_long_side(style_img.size, style_side))
    device = resolve_device(args.device)
    plain = plain_loop_step_seconds(batches, imageio.to_tensor(style_img), widths, device)
    fast_bf16 = resolve_precision("auto", device) == "bf16"
    fp32 = brushwork_step_seconds(batches, style_img, widths, args.crop, "fp32", device)
    bf16 = brushwork_step_seconds(batches, style_img, widths, args.crop, "bf16", device)
    b = args.batch_size
    print(
        f"\n1. training on {device}, net {widths}, batch {b}, {args.crop} px crops "
        f"(median of {args.steps - 1} steps)"
    )
    print(f"  plain float32 loop      {b / plain:6.2f} images/s  ({plain:.2f} s/step)")
    print(f"  brushwork fp32          {b / fp32:6.2f} images/s  ({fp32:.2f} s/step)")
    print(f"  brushwork bf16 autocast {b / bf16:6.2f} images/s  ({bf16:.2f} s/step)")
    print(f"  bf16 / fp32             {fp32 / bf16:6.2f}x  (target 1.8x on a bf16 CPU)")
    print(f"  brushwork's default / plain loop {plain / (bf16 if fast_bf16 else fp32):6.2f}x")
    if not fast_bf16:
        print(
            f"  this {device.type.upper()} has no fast bf16 (no AVX-512 BF16 / AMX): brushwork trains in fp32 here,"
            " and the bf16 row shows the slow emulated path"
        )
    report: dict[str, object] = {
        "plain_s_per_step": plain,
        "fp32_s_per_step": fp32,
        "bf16_s_per_step": bf16,
        "cpu_fast_bf16": fast_bf16,
        "default_precision": "bf16" if fast_bf16 else "fp32",
    }
    if not args.skip_quality:
        print(
            f"\n2. quality on held-out photos at {args.size} px: content / style / total loss "
            "(lower is better)"
        )
        report["quality"] = [
            row for name in styles for row in quality(name, args.photos, args.size, checks)
        ]
    if args.grid:
        print("\n3. crop grid")
        crop_grid(
            args.grid_styles or styles,
            args.photos,
            args.before,
            48 if args.smoke else args.grid_size,
            args.grid,
            checks[0],
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
