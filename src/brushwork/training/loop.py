"""The one training loop every method shares: a :class:`~brushwork.training.trainer.Trainer`
supplies named nets, optimizers, schedulers and a step; the loop owns device, precision,
batches, checkpoints, resume, previews, logging and DistributedDataParallel.

Run unchanged on a GPU (``--device cuda``) or under ``torchrun --nproc_per_node=N``: each process
takes its share of every step's batch and rank 0 writes files.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Unpack

import torch
from PIL import Image
from torch import nn
from tqdm.auto import tqdm

from brushwork import image as imageio
from brushwork.devices import resolve_device, resolve_precision
from brushwork.errors import OptionError, OutputExistsError
from brushwork.modelfile import WEIGHTS_FILE
from brushwork.options import Options
from brushwork.training.checkpoint import (
    CHECKPOINT_FILE,
    TrainingState,
    load_checkpoint,
    save_checkpoint,
)
from brushwork.training.data import Batches, prefetched
from brushwork.training.trainer import MAX_SKIPPED, RunOptions, StepContext, Trainer, evaluating

PREVIEW_SIDE = 192


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
        time_limit: stop after this many seconds of this run (0: no limit) and write the
            checkpoint and model as at the end, at the step reached: a lent GPU's lease or a
            session's spare CPU time, used to the end.
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
    time_limit: float = 0.0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise OptionError("steps and batch size must be at least 1")
        if not self.time_limit >= 0:
            raise OptionError(f"time limit must be >= 0 seconds, got {self.time_limit}")
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
    outs = []
    with evaluating(net):
        for img in photos:
            y = net(imageio.to_tensor(img).to(device)).float().clamp(0, 1).cpu()
            outs.append(imageio.to_pil(y))
    return imageio.grid([photos, outs], PREVIEW_SIDE)


def fit(
    trainer: Trainer,
    data: Batches,
    folder: str | os.PathLike[str],
    *,
    loop: LoopConfig,
    record: dict[str, Any],
    preview_photos: list[Image.Image] | None = None,
    **run: Unpack[RunOptions],
) -> TrainResult:
    """Train ``trainer``'s nets on ``data`` and write the model into ``folder``.

    Args:
        trainer: the method's nets, optimizers, schedulers and step.
        data: the photos.
        folder: the model folder; checkpoints, previews and the log go there too.
        loop: steps, batch, optimiser and schedule options.
        record: the full recipe as JSON-able data; a resumed run must match it.
        preview_photos: fixed photos for previews (default: four from ``data``).
        run: resume, overwrite, progress (see :class:`~brushwork.training.trainer.RunOptions`;
            dtype and description are the trainer's, for :meth:`Trainer.finish_nets`).
    """
    resume, overwrite = run.get("resume", False), run.get("overwrite", False)
    progress = run.get("progress", True)
    out = Path(folder)
    rank, world = _distributed()
    if rank == 0:
        check_output_folder(out, resume=resume, overwrite=overwrite)
    device = resolve_device(loop.device)
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    precision = resolve_precision(loop.precision, device)
    if device.type == "cuda":  # crops of one size: let cuDNN pick its fastest convolutions
        torch.backends.cudnn.benchmark = True
    trainer.to(device)
    nets = {name: net.train() for name, net in trainer.nets().items()}
    optimizers = trainer.optimizers(loop.lr)
    state = TrainingState(nets, optimizers, trainer.schedulers(optimizers, loop))
    # what a resumed run must share; steps, schedule and device may change between runs
    fixed = {
        k: v for k, v in loop.to_dict().items() if k in ("batch_size", "lr", "seed", "precision")
    }
    record = {**record, "loop": fixed | {"world_size": world}}
    done, extra = 0, {"seconds": 0.0}
    ckpt = out / CHECKPOINT_FILE
    # randomness inside a step (noise, random warps) is seeded too; a resume restores it
    torch.manual_seed(loop.seed + rank)
    if resume:
        done, extra = load_checkpoint(ckpt, state, recipe=record)
    models: dict[str, nn.Module] = dict(nets)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        ids = [device.index] if device.type == "cuda" else None
        models = {  # a net without parameters (an image pool's buffers) needs no syncing
            n: DistributedDataParallel(net, device_ids=ids)
            if next(net.parameters(), None) is not None
            else net
            for n, net in nets.items()
        }
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
    skipped_in_a_row = 0
    t_start = time.perf_counter()

    def checkpoint() -> None:
        elapsed = seconds + time.perf_counter() - t_start
        save_checkpoint(ckpt, state, step=step, recipe=record, extra={"seconds": elapsed})

    batches = prefetched(
        lambda s: data.batch(loop.seed, s, loop.batch_size, rank=rank, world=world),
        range(done, loop.steps),
    )
    try:
        for cpu_batch in batches:
            batch = cpu_batch.to(device)
            trainer.begin_step(step)
            ctx = StepContext(optimizers, precision, device, step)
            parts = trainer.train_step(models, batch, ctx)
            if ctx.checks:  # a GPU step that reads nothing neither adds to the count nor resets it
                skipped_in_a_row = skipped_in_a_row + 1 if ctx.skipped else 0
            if skipped_in_a_row >= MAX_SKIPPED:
                raise OptionError(
                    f"training diverged at step {step + 1}: {skipped_in_a_row} steps in a row "
                    "had gradients that are not finite; lower --lr"
                )
            for scheduler in state.schedulers.values():
                scheduler.step()
            step += 1
            bar.update(1)
            logs = step % max(1, loop.log_every) == 0
            # reading a loss waits for the device, so losses (and the clock) are read only on
            # the steps that log
            out_of_time = logs and _out_of_time(loop.time_limit, t_start, world, device)
            if logs or step == loop.steps or out_of_time:
                losses = {k: float(v.detach()) for k, v in parts.items()}
            if rank != 0:
                if out_of_time:
                    break
                continue
            if logs or step == loop.steps:
                bar.set_postfix({k: f"{v:.3g}" for k, v in losses.items()})
                _log(log_path, {"step": step, **losses})
                if writer is not None:
                    for k, v in losses.items():
                        writer.add_scalar(f"loss/{k}", v, step)
            if loop.preview_every and (step % loop.preview_every == 0):
                grid = trainer.preview_nets(nets, preview_photos, device)
                imageio.save(grid, out / "previews" / f"step_{step:06d}.jpg", overwrite=True)
            if out_of_time:
                tqdm.write(f"time limit of {loop.time_limit:g} s reached at step {step}")
                break
            if loop.checkpoint_every and step % loop.checkpoint_every == 0 and step < loop.steps:
                checkpoint()
    except KeyboardInterrupt:
        if rank == 0 and step > done:
            checkpoint()
            tqdm.write(
                f"interrupted at step {step}: checkpoint saved to {ckpt}; continue with --resume",
                file=sys.stderr,
            )
        raise
    finally:
        batches.close()
        bar.close()
        if writer is not None:
            writer.close()
    run_seconds = time.perf_counter() - t_start
    seconds += run_seconds
    ips = (step - done) * loop.batch_size * world / max(run_seconds, 1e-9)
    if rank == 0:
        # the final checkpoint lets a user extend the run later with a larger --steps
        save_checkpoint(ckpt, state, step=step, recipe=record, extra={"seconds": seconds})
        grid = trainer.preview_nets(nets, preview_photos, device)
        trainer.finish_nets(
            {
                n: {k: v.detach().cpu() for k, v in net.state_dict().items()}
                for n, net in nets.items()
            },
            grid,
            {"steps": step, "seconds": round(seconds, 1), "losses": losses, "record": record},
        )
    if world > 1:  # every process waits for rank 0's files, then leaves the group cleanly
        import torch.distributed as dist

        dist.barrier()
        dist.destroy_process_group()
    return TrainResult(out, step, seconds, losses, ips)


def _out_of_time(limit: float, t_start: float, world: int, device: torch.device) -> bool:
    """Whether this run has used its time limit; under torchrun every process follows rank 0,
    so all of them stop at the same step."""
    if not limit:
        return False
    over = time.perf_counter() - t_start >= limit
    if world > 1:
        import torch.distributed as dist

        flag = torch.tensor([float(over)], device=device)
        dist.broadcast(flag, src=0)
        over = bool(flag.item())
    return over


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
