"""Train the bundled translation models (issue 23), or continue them from their bundled weights.

Each model is one stage per run: it continues from the bundled weights when the zoo has the
model (``--from-scratch`` starts afresh), resumes its own checkpoint when re-run with the same
``--tag``, and with ``--install`` is copied into the zoo (float16) with the stage appended to
its recorded history (config.json ``stages``)::

    python scripts/train_translation.py --only facades_labels2photo --steps 8000 --install

Data come from ``../shared/data`` and never include a held-out image: the facades ``test/``
split, and the flowers listed in ``benchmarks/heldout/flowers.txt``. Unpaired facades are the
``train/`` AB images split into halves (CycleGAN paper, section 5.1); the painting domain of
``photo2starry_night`` is random crops of the painting. Derived folders go to ``--work``.

The CPU recipe of each model is :data:`MODELS`; ``--gpu`` switches every model to its paper's
settings (256 px, full-width nets, batch 1).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from _zoo import continued, install  # scripts/_zoo.py
from brushwork import image as imageio
from brushwork.training import cyclegan, pix2pix
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
HELDOUT = ROOT / "benchmarks" / "heldout"


@dataclass(frozen=True)
class Model:
    """One bundled translation model: its method, data and CPU recipe."""

    method: str  # "pix2pix" or "cyclegan"
    data: Callable[[Path, Path], tuple[Path, Path | None]]  # (data root, work) -> (A, B)
    recipe: Any
    description: str


def facades_ab(data: Path, work: Path) -> tuple[Path, Path | None]:
    return data / "translation" / "facades" / "train", None


def facades_split(data: Path, work: Path) -> tuple[Path, Path | None]:
    """The training AB images cut into a photo folder and a labels folder (unpaired use)."""
    out = work / "facades_unpaired"
    for side in ("photo", "labels"):
        (out / side).mkdir(parents=True, exist_ok=True)
    for p in sorted((data / "translation" / "facades" / "train").glob("*.jpg")):
        photo, labels = out / "photo" / f"{p.stem}.png", out / "labels" / f"{p.stem}.png"
        if photo.exists() and labels.exists():
            continue
        ab = imageio.load(p).rgb
        w, h = ab.size
        ab.crop((0, 0, w // 2, h)).save(photo)
        ab.crop((w // 2, 0, w, h)).save(labels)
    return out / "photo", out / "labels"


def flowers(data: Path, work: Path) -> tuple[Path, Path | None]:
    """iPhone and DSLR flowers without the held-out ones (links in ``work``)."""
    held = set(heldout("flowers.txt"))
    out = work / "flowers_train"
    root = data / "translation" / "iphone2dslr_flower"
    for side in ("A_iphone", "B_dslr"):
        (out / side).mkdir(parents=True, exist_ok=True)
        for p in sorted((root / side).glob("*.jpg")):
            link = out / side / p.name
            if f"{side}/{p.name}" not in held and not link.exists():
                link.symlink_to(p)
    return out / "A_iphone", out / "B_dslr"


def painting_crops(data: Path, work: Path) -> tuple[Path, Path | None]:
    """Training photos as domain A; 300 random crops of The Starry Night (at two scales) as B."""
    out = work / "starry_night_crops"
    out.mkdir(parents=True, exist_ok=True)
    painting = imageio.load(data / "style" / "starry_night.jpg").rgb
    g = torch.Generator().manual_seed(0)
    for i in range(300):
        path = out / f"{i:04d}.png"
        if path.exists():
            continue
        side = [192, 288][i % 2]
        scale = 512 / max(painting.size)
        small = imageio.resize(
            painting, (round(painting.size[0] * scale), round(painting.size[1] * scale))
        )
        x0 = int(torch.randint(0, small.size[0] - side + 1, (1,), generator=g))
        y0 = int(torch.randint(0, small.size[1] - side + 1, (1,), generator=g))
        small.crop((x0, y0, x0 + side, y0 + side)).save(path)
    return data / "train", out


def heldout(name: str) -> list[str]:
    lines = (HELDOUT / name).read_text().splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


#: the 12 CMP Facades label colours as measured in pix2pix's label maps (the same as
#: benchmarks/bench_translate.py's PALETTE): the unpaired CycleGAN snaps its label maps to them
#: before the way back (``CycleGANRecipe.label_colors``; from stage 2026-12-06. The stage of
#: 2026-12-05 snapped to MATLAB's jet(12), which splits the windows between facade and door)
FACADES_LABEL_COLORS = (
    "0000de", "0030ff", "0080ff", "00cfff", "20ffe0", "70ff8e",
    "c0ff3f", "fff000", "ff9f00", "ff5000", "ff0000", "ae0000",
)  # fmt: skip

MODELS: dict[str, Model] = {
    "facades_labels2photo": Model(
        "pix2pix",
        facades_ab,
        dataclasses.replace(pix2pix.CPU, direction="BtoA", domains=("photo", "labels")),
        "pix2pix: facade label maps -> photos (CMP Facades)",
    ),
    "facades_photo2labels": Model(
        "pix2pix",
        facades_ab,
        dataclasses.replace(pix2pix.CPU, direction="AtoB", domains=("photo", "labels")),
        "pix2pix: facade photos -> label maps (CMP Facades)",
    ),
    "facades_cyclegan": Model(
        "cyclegan",
        facades_split,
        dataclasses.replace(
            cyclegan.CPU,
            domains=("photo", "labels"),
            label_colors=FACADES_LABEL_COLORS,
            cycle_weight=5.0,  # stage 2026-12-06: less pull to hide the photo in the labels
            identity_weight=0.0,  # the paper's identity term is for paintings -> photos
            # stage 2026-12-06i: the window blue is brighter than the wall blue, real windows
            # darker than walls; in inverted colours the label maps order as the photos do
            invert_b=True,
        ),
        "CycleGAN: facade photos <-> label maps, trained unpaired (CMP Facades)",
    ),
    "iphone2dslr": Model(
        "cyclegan",
        flowers,
        dataclasses.replace(
            cyclegan.CPU,
            domains=("iphone", "dslr"),
            generator=dataclasses.replace(cyclegan.CPU.generator, residual=True),
            cycle_weight=5.0,
            identity_weight=0.0,
        ),
        "CycleGAN: iPhone flower photos <-> DSLR shallow depth of field",
    ),
    "photo2starry_night": Model(
        "cyclegan",
        painting_crops,
        dataclasses.replace(cyclegan.CPU, domains=("photo", "starry_night")),
        "CycleGAN: photos <-> crops of Vincent van Gogh, The Starry Night (1889)",
    ),
}


def train_one(name: str, args: argparse.Namespace) -> Path:
    model = MODELS[name]
    a, b = model.data(args.data, args.work)
    out = args.work / f"{name}_{args.tag}"
    bundled = ZOO_DIR / name
    start: dict[str, Any] = {"resume": (out / CHECKPOINT_FILE).exists()}
    if bundled.is_dir() and not args.from_scratch:
        start = continued(bundled, out)
    module = pix2pix if model.method == "pix2pix" else cyclegan
    recipe = module.GPU if args.gpu else model.recipe
    if args.gpu:
        recipe = dataclasses.replace(
            recipe, **{k: getattr(model.recipe, k) for k in ("direction", "domains")
                       if hasattr(recipe, k)}
        )  # fmt: skip
    base = module.GPU_LOOP if args.gpu else module.CPU_LOOP
    loop = dataclasses.replace(base, steps=args.steps or base.steps, device=args.device)
    if not (out / "model.safetensors").exists() or start["resume"]:
        print(f"== {name}: {loop.steps} steps -> {out}")
        if model.method == "pix2pix":
            pix2pix.train_pix2pix(
                a, out, b=b, recipe=recipe, loop=loop, description=model.description, **start
            )
        else:
            assert b is not None
            cyclegan.train_cyclegan(
                a, b, out, recipe=recipe, loop=loop, description=model.description, **start
            )
    if args.install:
        install(out, name)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--only", nargs="*", choices=sorted(MODELS), help="train only these models")
    ap.add_argument("--steps", type=int, default=0, help="steps of this stage (0: the recipe's)")
    ap.add_argument("--tag", default="stage", help="names this stage's work folder")
    ap.add_argument("--install", action="store_true", help="copy finished models into the zoo")
    ap.add_argument("--from-scratch", action="store_true", help="do not continue bundled weights")
    ap.add_argument("--gpu", action="store_true", help="the papers' recipes (256 px, batch 1)")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    for name in args.only or MODELS:
        train_one(name, args)


if __name__ == "__main__":
    main()
