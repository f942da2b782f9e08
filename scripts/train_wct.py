"""Train the bundled WCT decoders further (universal style transfer, Li et al. 2017; issue 22).

The decoders learn only to invert VGG19 features of photos (``brushwork train wct``): the
relu1_1 one is solved by least squares, the deeper ones train to reconstruct photo crops. By
default every trained level **continues from the bundled ``wct`` model** for ``--steps`` more
steps (the optimizer restarts) and ``--install`` writes the result, float16, into the zoo with
a preview of held-out paintings (benchmarks/heldout/paintings.txt) on a held-out photo. Re-run
with the same ``--tag`` to resume::

    python scripts/train_wct.py --steps 3000 --install

``--only relu3_1`` trains that level alone (the others are kept as bundled); ``--linear`` also
puts the installed relu3_1 decoder into the bundled ``linear`` model (its decoder is a copy of
this one), appending a stage to its history too; its transform, trained against the old decoder,
then needs a stage against the new one. The relu3_1 stage of 2026-12-07 and that stage::

    python scripts/train_wct.py --only relu3_1 --steps 13000 --decay-from 0.4 --tag 20261207e \
        --install --linear
    python scripts/train_linear.py --continue --steps 1500 --decay-from 0.3 --tag 20261207dec \
        --install

``--levels DIR`` assembles decoders already trained elsewhere (each level a decoder model
folder named after its layer, e.g. from ``brushwork train adain --style-weight 0 --layer ...``)
instead of training. ``--device cuda`` with ``--crop 256 --batch-size 8`` is the GPU recipe.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from PIL import Image

import brushwork as bw
from brushwork import image as imageio
from brushwork.modelfile import component, read_model, write_model
from brushwork.pipelines.universal import from_model
from brushwork.training.loop import LoopConfig
from brushwork.training.wct import LOOP, WCTRecipe, train_wct, write_wct_model
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
HELD = ROOT / "benchmarks" / "heldout" / "paintings.txt"
#: preview: a held-out photo painted with held-out paintings of the list
PREVIEW_PHOTO = "golden_gate.jpg"
PREVIEW_PAINTINGS = ("style/candy.jpg", "paintings/0005.jpg", "paintings/0033.jpg")


def preview(folder: Path) -> None:
    """Write the model's preview.jpg (a WCT or a linear model): the photo, then the paintings
    above their results (under the photo: its reconstruction, alpha 0)."""
    net = bw.load(folder)

    def paint(photo: Image.Image, style: Image.Image, alpha: float = 1.0) -> Image.Image:
        out: Image.Image = net.stylize(photo, style, alpha=alpha).image
        return out

    photo = imageio.square(imageio.load(DATA / "content" / PREVIEW_PHOTO).rgb, 256)
    top, bottom = [photo], [paint(photo, style=photo, alpha=0.0)]
    for rel in PREVIEW_PAINTINGS:
        painting = imageio.load(DATA / rel).rgb
        top.append(imageio.square(painting, 256))
        bottom.append(paint(photo, style=painting))
    imageio.grid([top, bottom], 256).convert("RGB").save(folder / "preview.jpg", quality=90)


def fresh(dest: Path) -> Path:
    """An empty sibling folder of ``dest`` to write its replacement in."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    return tmp


def swap_in(tmp: Path, dest: Path) -> None:
    """Put the finished folder ``tmp`` in the place of ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def swap_linear_decoder(wct: Path, stage: Mapping[str, Any]) -> None:
    """Give the bundled linear model the relu3_1 decoder of WCT model ``wct`` (float16), its
    transform unchanged, and a stage in its history saying so."""
    dest = ZOO_DIR / "linear"
    model = read_model(dest)
    new = component(read_model(wct), "relu3_1").state
    state = {k: v for k, v in model.state.items() if not k.startswith("decoder.")}
    state |= {f"decoder.{k}": v for k, v in new.items()}
    config = dict(model.config)
    note = "decoder only: the bundled wct relu3_1 decoder of this stage; transform unchanged"
    config["stages"] = [*config.get("stages", []), {**stage, "note": note}]
    config["training"] = dict(config.get("training", {})) | {"decoder": f"wct {stage['stage']}"}
    tmp = fresh(dest)
    write_model(tmp, state, config, dtype=torch.float16)
    preview(tmp)
    swap_in(tmp, dest)
    print(f"installed {dest} (new decoder)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA / "train")
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--tag", default=time.strftime("%Y%m%d"))
    ap.add_argument("--steps", type=int, default=2000, help="more steps of every trained level")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=LOOP.lr)
    ap.add_argument("--decay-from", type=float, default=1.0,
                    help="share of the steps at the full rate, then down to 0")  # fmt: skip
    ap.add_argument("--only", nargs="*", default=[], help="train these levels, keep the others")
    ap.add_argument("--time-limit", type=float, default=0.0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--linear", action="store_true",
                    help="with --install: bundled linear gets the new relu3_1 decoder")  # fmt: skip
    ap.add_argument("--levels", type=Path, help="assemble the decoders in this folder instead")
    ap.add_argument("--install", action="store_true", help="write the result into the zoo")
    args = ap.parse_args()
    out = args.work / f"wct_{args.tag}"
    if args.levels:
        found = {p.name: p for p in args.levels.iterdir() if (p / "config.json").is_file()}
        order = [n for n in WCTRecipe().levels if n in found]
        write_wct_model(out, {n: found[n] for n in order}, description=(
            "universal style transfer (WCT): VGG19 decoders trained on photos only"))  # fmt: skip
    else:
        bundled = ZOO_DIR / "wct"
        base = WCTRecipe()
        recipe = WCTRecipe(
            crop=args.crop,
            steps={k: args.steps for k in base.steps if not args.only or k in args.only},
            decay_from=args.decay_from,
        )
        loop = LoopConfig(
            steps=args.steps,
            batch_size=args.batch_size,
            lr=args.lr,
            device=args.device,
            checkpoint_every=50,
            preview_every=500,
            time_limit=args.time_limit,
        )
        init = bundled if bundled.is_dir() else None
        keep = [n for n in base.levels if args.only and n not in args.only]
        train_wct(args.data, out, recipe=recipe, loop=loop, init=init, keep=keep)
    preview(out)
    if args.install:
        dest = ZOO_DIR / "wct"
        model = read_model(out)
        stages = list(model.config.get("stages", []))
        if (dest / "config.json").is_file():
            stages = list(read_model(dest).config.get("stages", []))
        levels = model.config.get("levels", {})
        trained = [n for n in levels if not args.only or n in args.only]
        steps = {n: levels[n].get("training", {}).get("steps") for n in trained}
        stage = {
            "stage": f"wct_{args.tag}",
            "steps": {n: v for n, v in steps.items() if v},
            "date": time.strftime("%Y-%m-%d"),
        }
        if args.decay_from < 1:
            stage["decay_from"] = args.decay_from
        stages.append(stage)
        tmp = fresh(dest)
        write_wct_model(
            tmp,
            from_model(out).decoders,
            records=model.config.get("levels", {}),
            description=model.config.get("description", ""),
            dtype=torch.float16,
            extra={k: model.config[k] for k in ("recipe", "training") if k in model.config}
            | {"stages": stages, "held_out": str(HELD.relative_to(ROOT))},
        )
        shutil.copy(out / "preview.jpg", tmp / "preview.jpg")
        swap_in(tmp, dest)
        print(f"installed {dest}")
        if args.linear:
            swap_linear_decoder(dest, stage)


if __name__ == "__main__":
    main()
