"""The typer app, its command groups, and the options and parsers several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brushwork.errors import OptionError

app = typer.Typer(
    name="brushwork",
    help="Neural style transfer: turn photos into paintings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def stylize_methods() -> tuple[str, ...]:
    """``--method`` choices: auto, then every registered method that paints photos."""
    from brushwork import methods

    return ("auto", *methods.with_capability("stylize"))


# options shared by several commands
PrecisionOpt = Annotated[str, typer.Option(help="auto | bf16 | fp32.")]


SeedOpt = Annotated[int, typer.Option(help="Random seed.")]


DeviceOpt = Annotated[str, typer.Option(help="cpu | cuda | cuda:N | auto.")]


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


DataOpt = Annotated[Path, typer.Option(help="Folder of training photos (searched recursively).")]


BatchOpt = Annotated[int, typer.Option(help="Photos per step (per process).")]


PreviewOpt = Annotated[int, typer.Option(help="Write previews every N steps.")]


CheckpointOpt = Annotated[int, typer.Option(help="Checkpoint every N steps.")]


TimeLimitOpt = Annotated[
    float,
    typer.Option(
        help="Stop after this many seconds (0: no limit), writing the model at the step reached."
    ),
]


JitterOpt = Annotated[
    int,
    typer.Option(
        help="The loss sees the output shifted by a random 0..N-1 px each step (no grid-locked "
        "hatching or dots; 8 for styles, 4 for super-resolution; 0: off)."
    ),
]


TemporalTrainOpt = Annotated[
    float,
    typer.Option(
        help="Video stability: weight of the temporal loss on synthetic motion (Wang et al. "
        "2020; about 3e6; 0: off)."
    ),
]


ResumeOpt = Annotated[bool, typer.Option(help="Continue from OUTPUT/checkpoint.")]


RestartOpt = Annotated[bool, typer.Option(help="Start afresh over an existing model.")]


InputsArg = Annotated[
    list[str], typer.Argument(help="Images, folders (mirrored) or globs.", show_default=False)
]


OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="Output image, or folder for several inputs.")
]


def parse_floats(text: str, what: str) -> tuple[float, ...]:
    """``"0.7,0.3"`` -> (0.7, 0.3) with a clear error."""
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise OptionError(f"{what}: expected comma-separated numbers, got {text!r}") from None
    if not values:
        raise OptionError(f"{what}: no numbers in {text!r}")
    return values


def parse_ints(text: str, what: str) -> tuple[int, ...]:
    values = parse_floats(text, what)
    if any(v != int(v) for v in values):
        raise OptionError(f"{what}: expected whole numbers, got {text!r}")
    return tuple(int(v) for v in values)


def parse_layers(text: str, what: str) -> dict[str, float]:
    """``"relu4_2"`` or ``"relu1_1:1,relu2_1:0.5"`` -> {layer: weight}."""
    out: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, weight = item.partition(":")
        try:
            out[name.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise OptionError(f"{what}: bad weight in {item!r}; use name:weight") from None
    if not out:
        raise OptionError(f"{what}: no layers in {text!r}")
    return out


def _echo_path(path: Path) -> None:
    typer.echo(str(path))


train_app = typer.Typer(help="Train your own models.", no_args_is_help=True)


models_app = typer.Typer(help="The bundled models.", no_args_is_help=True)


app.add_typer(train_app, name="train")


app.add_typer(models_app, name="models")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
