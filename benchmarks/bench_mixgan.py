"""MIXGAN (issue 25) on the held-out digits (``benchmarks/heldout/mixgan.txt``: the last 500
MNIST and the last 500 MNIST-M images, which no recipe trains on), with the bundled model
(``--model``, default ``mnist_mixgan``):

* content kept: a small digit classifier, trained here on the other 2,500 MNIST digits (kept out
  of brushwork's package), with random grey levels for digit and ground so that it reads a
  digit whatever its colours; its accuracy on Gm's mixtures of the encoded held-out MNIST digits
  (converted to grey) against its accuracy on those digits themselves (target: at least 85%);
  its accuracy on held-out MNIST-M in grey is printed as a check of the classifier.
* style taken: a Frechet distance between the 3x3 colour patches (27 numbers each) of two image
  sets: mixtures to MNIST-M against grey MNIST to MNIST-M (target: much closer), with the
  distance of MNIST-M's own training images to its held-out ones as the floor.
* diversity: mean pairwise distance (RMS over pixels, 0-1) of 500 prior samples, against that
  of held-out MNIST-M and of held-out MNIST.
* not copies: mean distance from each sample to its nearest MNIST-M training image, against
  that of held-out MNIST-M images (a model that copied would sit far below).

A picture goes to ``--out`` (default ``.bench/mixgan_grid.png``): held-out digits, Gc's shapes
and Gm's mixtures in rows, then a sheet of prior samples.

    python benchmarks/bench_mixgan.py [--model NAME] [--samples 500]

``--smoke`` runs every part on 64 digits with a classifier trained for 30 steps.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

import _judge  # benchmarks/_judge.py
from brushwork import image as imageio
from brushwork.pipelines.mix import load, sheet

DATA = _judge.DATA / "mixgan"
ROOT = _judge.ROOT


def held_names() -> set[str]:
    lines = (ROOT / "benchmarks/heldout/mixgan.txt").read_text().splitlines()
    return {s.strip() for s in lines if s.strip() and not s.startswith("#")}


def digits(domain: str, held: bool, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (N, C, 32, 32) in [0, 1], labels) of a domain's held-out or training part."""
    names = held_names()
    files = sorted((DATA / domain).glob("*.png"))
    files = [p for p in files if (f"{domain}/{p.name}" in names) == held][:limit]
    images, labels = [], []
    for p in files:
        img = Image.open(p)
        t = imageio.to_tensor(img.convert("RGB"))[0]
        if domain == "mnist":
            t = F.pad(t[:1], (2, 2, 2, 2))
        images.append(t)
        labels.append(int(p.stem.split("_")[1]))
    return torch.stack(images), torch.tensor(labels)


def grey(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 1:
        return x
    return (x * x.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)


class Classifier(nn.Module):
    """A small CNN on 32 px grey digits (the bench's own, not brushwork's)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 16, 128), nn.ReLU(), nn.Linear(128, 10),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x - x.mean((1, 2, 3), keepdim=True)
        x = x / (x.std((1, 2, 3), keepdim=True) + 1e-3)
        out: torch.Tensor = self.net(x)
        return out


def train_classifier(x: torch.Tensor, y: torch.Tensor, steps: int) -> Classifier:
    """Digit and ground at random grey levels (either polarity, any contrast), small shifts."""
    torch.manual_seed(0)
    clf = Classifier()
    opt = torch.optim.Adam(clf.parameters(), lr=1e-3)
    for _ in range(steps):
        i = torch.randint(len(x), (64,))
        a, b = torch.rand(64, 1, 1, 1), torch.rand(64, 1, 1, 1)
        b = torch.where((b - a).abs() < 0.25, 1 - a, b)
        batch = a + (b - a) * x[i]
        batch = batch + 0.05 * torch.randn_like(batch)
        dx, dy = torch.randint(-2, 3, (2,)).tolist()
        batch = torch.roll(batch, (dy, dx), (2, 3))
        loss = F.cross_entropy(clf(batch), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return clf.eval()


@torch.no_grad()
def accuracy(clf: Classifier, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((clf(grey(x)).argmax(1) == y).float().mean())


def patches(x: torch.Tensor, per_image: int = 64) -> np.ndarray:
    """Random 3x3 colour patches (27 numbers) of each image."""
    x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
    cols = F.unfold(x, 3)  # (N, 27, L)
    g = torch.Generator().manual_seed(0)
    pick = torch.randint(cols.shape[-1], (per_image,), generator=g)
    return cols[:, :, pick].permute(0, 2, 1).reshape(-1, 27).double().numpy()


def pairwise(x: torch.Tensor) -> float:
    """Mean RMS distance between distinct images of a set."""
    f = x.flatten(1)
    d = torch.cdist(f, f) / f.shape[1] ** 0.5
    n = len(f)
    return float(d.sum() / (n * (n - 1)))


def nearest(x: torch.Tensor, bank: torch.Tensor) -> float:
    """Mean RMS distance of each image to its nearest image of ``bank``."""
    d = torch.cdist(x.flatten(1), bank.flatten(1)) / x[0].numel() ** 0.5
    return float(d.min(1).values.mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="mnist_mixgan")
    ap.add_argument("--samples", type=int, default=500)
    ap.add_argument("--classifier-steps", type=int, default=1500)
    ap.add_argument("--out", type=Path, default=ROOT / ".bench" / "mixgan_grid.png")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    limit = None
    if args.smoke:
        limit, args.samples, args.classifier_steps = 64, 64, 30
        args.out = Path(tempfile.mkdtemp()) / "mixgan_grid.png"
    torch.manual_seed(0)
    mixer = load(args.model)
    t0 = time.perf_counter()
    train_x, train_y = digits("mnist", held=False)
    clf = train_classifier(train_x, train_y, args.classifier_steps)
    t_clf = time.perf_counter() - t0
    test_x, test_y = digits("mnist", held=True, limit=limit)
    style_x, style_y = digits("mnist_m", held=True, limit=limit)
    bank, _ = digits("mnist_m", held=False, limit=limit)
    with torch.no_grad():
        z = mixer.net.encode(test_x)
        g = torch.Generator().manual_seed(0)
        shapes, mixtures = mixer.net.render(z, mixer.net.sample_style(len(z), g))
        prior = mixer.net.sample_prior(args.samples, g)
        _, samples = mixer.net.render(prior, mixer.net.sample_style(args.samples, g))
    acc_in, acc_mix = accuracy(clf, test_x, test_y), accuracy(clf, mixtures, test_y)
    acc_m = accuracy(clf, style_x, style_y)
    target = patches(style_x)
    fd_mix, fd_samples = (
        _judge.frechet(patches(mixtures), target),
        _judge.frechet(patches(samples), target),
    )
    fd_grey, fd_floor = (
        _judge.frechet(patches(test_x), target),
        _judge.frechet(patches(bank[: len(style_x)]), target),
    )
    print(f"MIXGAN {args.model}: {len(test_x)} held-out MNIST digits, {len(style_x)} held-out "
          f"MNIST-M, {args.samples} prior samples (classifier: {len(train_x)} digits, "
          f"{args.classifier_steps} steps, {t_clf:.0f} s)")  # fmt: skip
    print("content kept (digit classifier accuracy):")
    print(f"  on the MNIST inputs {acc_in:.3f}; on their mixtures (grey) {acc_mix:.3f} = "
          f"{acc_mix / max(acc_in, 1e-9):.0%} of it (target >= 85%); on MNIST-M (grey) {acc_m:.3f}")  # fmt: skip
    print("style taken (Frechet distance of 3x3 colour patches to held-out MNIST-M):")
    print(
        f"  mixtures of encoded digits {fd_mix:.3f}; prior samples {fd_samples:.3f}; "
        f"grey MNIST inputs {fd_grey:.3f}; MNIST-M training images {fd_floor:.3f} (floor)"
    )
    print("diversity (mean pairwise RMS distance, 0-1):")
    print(
        f"  prior samples {pairwise(samples):.3f}; held-out MNIST-M {pairwise(style_x):.3f}; "
        f"held-out MNIST {pairwise(test_x):.3f}"
    )
    print("not copies (mean RMS distance to the nearest MNIST-M training image):")
    print(
        f"  prior samples {nearest(samples, bank):.3f}; held-out MNIST-M {nearest(style_x, bank):.3f}"
    )
    rows = []
    for part in (test_x[:16], shapes[:16], mixtures[:16]):
        rows += [imageio.to_pil(t[None].expand(1, 3, -1, -1).clamp(0, 1)) for t in part]
    top = sheet(rows, columns=16, scale=3)
    bottom = sheet([imageio.to_pil(t[None]) for t in samples[:64]], columns=16, scale=3)
    out = Image.new("RGB", (top.width, top.height + bottom.height + 12), "white")
    out.paste(top, (0, 0))
    out.paste(bottom, (0, top.height + 12))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.save(args.out)
    print(f"picture: {args.out}")


if __name__ == "__main__":
    main()
