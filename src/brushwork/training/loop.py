"""The one training loop every recipe shares (as in the CycleGAN repo's contract): the recipe
supplies a net and its named losses; the loop owns the optimiser, precision, batches,
checkpoints, resume, previews, logging and DistributedDataParallel.

Run unchanged on a GPU (``--device cuda``) or under ``torchrun --nproc_per_node=N``: each process
takes its share of every step's batch and rank 0 writes files.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import torch
from PIL import Image
from torch import nn
from tqdm.auto import tqdm

from brushwork import image as imageio
from brushwork.devices import autocast, resolve_device, resolve_precision
from brushwork.errors import OptionError, OutputExistsError
from brushwork.modelfile import WEIGHTS_FILE
from brushwork.options import Options
from brushwork.training.checkpoint import CHECKPOINT_FILE, load_checkpoint, save_checkpoint
from brushwork.training.data import PhotoFolder

PREVIEW_SIDE = 192


class Recipe(Protocol):
    """What a training recipe gives the loop."""

    net: nn.Module

    def to(self, device: torch.device) -> None:
        """Move the net and loss networks to ``device``."""

    def param_groups(self, lr: float) -> list[dict[str, Any]]:
        """The parameters the optimiser updates, as Adam parameter groups (each with its lr)."""

    def begin_step(self, step: int) -> None:
        """Called before each step's :meth:`losses` with the number of steps done so far."""

    def losses(self, net: nn.Module, batch: torch.Tensor) -> dict[str, torch.Tensor]:
        """Named losses of ``batch`` (B, 3, H, W) in [0, 1]; ``"total"`` is minimised."""

    def preview(
        self, net: nn.Module, photos: list[Image.Image], device: torch.device
    ) -> Image.Image:
        """A picture of the net's current results on ``photos`` (see :func:`preview_grid`)."""

    def finish(
        self, state: dict[str, torch.Tensor], preview: Image.Image, info: dict[str, Any]
    ) -> None:
        """Write the trained model."""


@dataclass(frozen=True)
class LoopConfig(Options):
    """Options of the loop itself (the recipe holds the loss and net options).

    Attributes:
        steps: optimiser steps in all (a resumed run continues up to this number).
        batch_size: photos per step and process.
        lr: Adam learning rate.
        seed: seeds the net's initialisation and every batch.
        checkpoint_every, preview_every, log_every: in steps (0: never, except at the end).
        precision: "auto" (bf16 autocast where fast), "bf16" or "fp32".
        device: "auto", "cpu", "cuda" or "cuda:N" (under torchrun: the local GPU).
    """

    kind: ClassVar[str] = "loop"

    steps: int = 2000
    batch_size: int = 4
    lr: float = 1e-3
    seed: int = 0
    checkpoint_every: int = 100
    preview_every: int = 200
    log_every: int = 10
    precision: str = "auto"
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise OptionError("steps and batch size must be at least 1")
        if not self.lr > 0:
            raise OptionError(f"lr must be > 0, got {self.lr}")


@dataclass
class TrainResult:
    """What a finished run reports."""

    folder: Path
    steps: int
    seconds: float
    losses: dict[str, float]
    images_per_second: float


def _distributed() -> tuple[int, int]:
    """(rank, world size) under torchrun, initialising the process group; (0, 1) otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    return dist.get_rank(), world


def check_output_folder(folder: Path, *, resume: bool, overwrite: bool) -> None:
    """Never train over a model or checkpoint the user has, unless asked."""
    if folder.exists() and not folder.is_dir():
        raise OptionError(f"{folder}: exists and is not a folder")
    held = [n for n in (WEIGHTS_FILE, CHECKPOINT_FILE) if (folder / n).exists()]
    if resume:
        if not (folder / CHECKPOINT_FILE).exists():
            raise OptionError(f"{folder}: no {CHECKPOINT_FILE} to resume from")
    elif held and not overwrite:
        raise OutputExistsError(
            f"{folder}: already holds {held[0]}; pass --resume to continue or --overwrite"
        )


def preview_grid(net: nn.Module, photos: list[Image.Image], device: torch.device) -> Image.Image:
    """Photos on the top row, the net's outputs under them."""
    was_training = net.training
    net.eval()
    outs = []
    with torch.no_grad():
        for img in photos:
            y = net(imageio.to_tensor(img).to(device)).float().clamp(0, 1).cpu()
            outs.append(imageio.to_pil(y))
    net.train(was_training)
    return imageio.grid([photos, outs], PREVIEW_SIDE)


def fit(
    recipe: Recipe,
    data: PhotoFolder,
    folder: str | os.PathLike[str],
    *,
    loop: LoopConfig,
    record: dict[str, Any],
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    preview_photos: list[Image.Image] | None = None,
) -> TrainResult:
    """Train ``recipe.net`` on ``data`` and write the model into ``folder``.

    Args:
        recipe: the net and its losses.
        data: the photos.
        folder: the model folder; checkpoints, previews and the log go there too.
        loop: steps, batch, optimiser and schedule options.
        record: the full recipe as JSON-able data; a resumed run must match it.
        resume: continue from ``folder/checkpoint.safetensors``.
        overwrite: start afresh even if ``folder`` holds a model or checkpoint.
        preview_photos: fixed photos for previews (default: four from ``data``).
    """
    out = Path(folder)
    rank, world = _distributed()
    if rank == 0:
        check_output_folder(out, resume=resume, overwrite=overwrite)
    device = resolve_device(loop.device)
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    precision = resolve_precision(loop.precision, device)
    recipe.to(device)
    net = recipe.net.train()
    optimizer = torch.optim.Adam(recipe.param_groups(loop.lr), lr=loop.lr)
    # what a resumed run must share; steps, schedule and device may change between runs
    fixed = {
        k: v for k, v in asdict(loop).items() if k in ("batch_size", "lr", "seed", "precision")
    }
    record = {**record, "loop": fixed | {"world_size": world}}
    done, extra = 0, {"seconds": 0.0}
    ckpt = out / CHECKPOINT_FILE
    if resume:
        done, extra = load_checkpoint(ckpt, net, optimizer, recipe=record)
    model: nn.Module = net
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(
            net, device_ids=[device.index] if device.type == "cuda" else None
        )
    if preview_photos is None:
        pick = [data.files[i * len(data) // 4] for i in range(4)]
        preview_photos = [imageio.load(p).rgb for p in pick]
    preview_photos = [
        imageio.resize(p, imageio.size_for_long_side(p.size, 256)) for p in preview_photos
    ]
    writer = _tensorboard(out) if rank == 0 else None
    log_path = out / "log.jsonl"
    seconds = float(extra.get("seconds", 0.0))
    losses: dict[str, float] = {}
    bar = tqdm(
        total=loop.steps,
        initial=done,
        desc="training",
        unit="step",
        disable=not progress or rank != 0,
    )
    step = done
    t_start = time.perf_counter()
    try:
        while step < loop.steps:
            batch = data.batch(loop.seed, step, loop.batch_size, rank=rank, world=world).to(device)
            recipe.begin_step(step)
            with autocast(precision, device):
                parts = recipe.losses(model, batch)
            total: torch.Tensor = parts["total"]
            if not math.isfinite(float(total.detach())):
                raise OptionError(
                    f"training diverged at step {step + 1} (loss {float(total)}); lower --lr"
                )
            optimizer.zero_grad(set_to_none=True)
            total.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            step += 1
            losses = {k: float(v.detach()) for k, v in parts.items()}
            bar.update(1)
            if rank != 0:
                continue
            if step % max(1, loop.log_every) == 0 or step == loop.steps:
                bar.set_postfix({k: f"{v:.3g}" for k, v in losses.items()})
                _log(log_path, {"step": step, **losses})
                if writer is not None:
                    for k, v in losses.items():
                        writer.add_scalar(f"loss/{k}", v, step)
            if loop.preview_every and (step % loop.preview_every == 0):
                grid = recipe.preview(net, preview_photos, device)
                imageio.save(grid, out / "previews" / f"step_{step:06d}.jpg", overwrite=True)
            if loop.checkpoint_every and step % loop.checkpoint_every == 0 and step < loop.steps:
                elapsed = seconds + time.perf_counter() - t_start
                save_checkpoint(
                    ckpt, net, optimizer, step=step, recipe=record, extra={"seconds": elapsed}
                )
    except KeyboardInterrupt:
        if rank == 0 and step > done:
            elapsed = seconds + time.perf_counter() - t_start
            save_checkpoint(
                ckpt, net, optimizer, step=step, recipe=record, extra={"seconds": elapsed}
            )
            tqdm.write(
                f"interrupted at step {step}: checkpoint saved to {ckpt}; continue with --resume",
                file=sys.stderr,
            )
        raise
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    run_seconds = time.perf_counter() - t_start
    seconds += run_seconds
    ips = (step - done) * loop.batch_size * world / max(run_seconds, 1e-9)
    if rank == 0:
        # the final checkpoint lets a user extend the run later with a larger --steps
        save_checkpoint(ckpt, net, optimizer, step=step, recipe=record, extra={"seconds": seconds})
        grid = recipe.preview(net, preview_photos, device)
        recipe.finish(
            {k: v.detach().cpu() for k, v in net.state_dict().items()},
            grid,
            {"steps": step, "seconds": round(seconds, 1), "losses": losses, "record": record},
        )
    if world > 1:  # every process waits for rank 0's files, then leaves the group cleanly
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return TrainResult(out, step, seconds, losses, ips)


def model_config(info: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A trained model's config.json, flat: ``fields`` (architecture, config, method,
    descriptions), ``recipe`` (the options the run trained with) and ``training`` (the rest of
    the run's record -- data, loop, init -- and its facts: steps, seconds, final losses)."""
    from brushwork._version import __version__

    record = dict(info["record"])
    recipe = record.pop("recipe", {})
    return {
        **fields,
        "recipe": recipe,
        "training": {
            **record,
            "steps": info["steps"],
            "seconds": info["seconds"],
            "final_losses": info["losses"],
            "brushwork": __version__,
            "date": time.strftime("%Y-%m-%d"),
        },
    }


def _log(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def _tensorboard(out: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(out / "tensorboard"))
