"""Train the bundled MIXGAN model ``mnist_mixgan`` (issue 25): MNIST digit shapes in the colours
and textures of MNIST-M, 32 px, leaving out the held-out digits of
``benchmarks/heldout/mixgan.txt``. With ``--install`` the model goes into the zoo (float16),
its stage recorded. Re-running with the same ``--tag`` resumes its checkpoint::

    python scripts/train_mixgan.py --ae-steps 4000 --mix-steps 4000 --install

CPU recipe: batch 32, Adam 2e-4 (beta1 0.5; Dz at lr/50, Dp at lr/10), code 32, style code 8,
width 16, about 25 minutes on one core. ``--gpu``: batch 64 and 3x the steps (the release trains
100 epochs then 200).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from _zoo import install  # scripts/_zoo.py
from brushwork.training.checkpoint import CHECKPOINT_FILE
from brushwork.training.loop import LoopConfig
from brushwork.training.mixgan import MixGANRecipe, train_mixgan
from brushwork.zoo import ZOO_DIR

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "mixgan"
NAME = "mnist_mixgan"


def heldout() -> set[str]:
    lines = (ROOT / "benchmarks" / "heldout" / "mixgan.txt").read_text().splitlines()
    return {Path(s.strip()).name for s in lines if s.strip() and not s.startswith("#")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--work", type=Path, default=ROOT / ".zoo-train")
    ap.add_argument("--ae-steps", type=int, default=4000)
    ap.add_argument("--mix-steps", type=int, default=4000)
    ap.add_argument("--tag", default="stage")
    ap.add_argument("--install", action="store_true")
    ap.add_argument(
        "--continue-bundled",
        action="store_true",
        help="continue the bundled model (with --ae-steps 0: its mixture decoder only)",
    )
    ap.add_argument("--gpu", action="store_true")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    recipe = MixGANRecipe(ae_steps=args.ae_steps, mix_steps=args.mix_steps)
    init = ZOO_DIR / NAME if args.continue_bundled else None
    loop = LoopConfig(batch_size=32, lr=2e-4, checkpoint_every=200, preview_every=500)
    if args.gpu:
        recipe = dataclasses.replace(
            recipe, ae_steps=3 * args.ae_steps, mix_steps=3 * args.mix_steps
        )
        loop = dataclasses.replace(loop, batch_size=64)
    loop = dataclasses.replace(loop, device=args.device)
    out = args.work / f"{NAME}_{args.tag}"
    if not (out / "model.safetensors").exists() or (out / CHECKPOINT_FILE).exists():
        train_mixgan(
            args.data / "mnist",
            args.data / "mnist_m",
            out,
            recipe=recipe,
            loop=loop,
            exclude=heldout(),
            init=init,
            resume=(out / CHECKPOINT_FILE).exists(),
            description="MIXGAN: MNIST digit shapes in the colours and textures of MNIST-M",
        )
    if args.install:
        install(out, NAME)


if __name__ == "__main__":
    main()
