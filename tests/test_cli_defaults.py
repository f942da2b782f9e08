"""Every train command's defaults are its options classes' defaults: they cannot drift."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import typer

from brushwork import cli
from brushwork.nets.adain import DecoderConfig
from brushwork.nets.linear import LinearConfig
from brushwork.nets.lite import LiteConfig
from brushwork.nets.sr import SRConfig
from brushwork.nets.transformer import TransformerConfig
from brushwork.training import adain, cyclegan, fast, linear, lite, mixgan, multi, pix2pix, sr

#: command -> the options it builds (the loop options as the method's own defaults)
COMMANDS: dict[str, list[Any]] = {
    "fast": [fast.FastRecipe(), TransformerConfig(), fast.LOOP],
    "lite": [lite.LiteRecipe(), LiteConfig(), lite.LOOP],
    "multi": [multi.MultiRecipe(), TransformerConfig(), multi.LOOP],
    "add-style": [multi.ADD_STYLE_LOOP],
    "adain": [adain.AdaINRecipe(), DecoderConfig(), adain.LOOP],
    "linear": [linear.LinearRecipe(), LinearConfig(), linear.LOOP],
    "sr": [sr.SRRecipe(), SRConfig(), sr.LOOP],
    "pix2pix": [pix2pix.CPU, pix2pix.CPU.generator, pix2pix.CPU_LOOP],
    # the discriminator's width has its own option (--disc-width)
    "cyclegan": [cyclegan.CPU, cyclegan.CPU.generator, cyclegan.CPU_LOOP],
    "mixgan": [mixgan.MixGANRecipe(), mixgan.MixGANRecipe().net, mixgan.LOOP],
}
#: CLI values that are written differently: parsed as the command parses them
PARSE = {
    "content_layers": lambda v: cli.parse_layers(v, ""),
    "style_layers": lambda v: cli.parse_layers(v, ""),
    "widths": lambda v: cli.parse_ints(v, ""),
    "style_scale": lambda v: cli.parse_floats(v, ""),
    "domains": lambda v: tuple(v.split(",")),
}


def params(command: str) -> dict[str, Any]:
    group = typer.main.get_command(cli.app).commands["train"]  # type: ignore[attr-defined]
    return {p.name: p.default for p in group.commands[command].params}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_default_of_a_train_command_is_its_options_default(command: str) -> None:
    given = params(command)
    compared = 0
    for options in COMMANDS[command]:
        for f in dataclasses.fields(options):
            if f.name not in given:
                continue
            value = PARSE.get(f.name, lambda v: v)(given[f.name])
            wanted = getattr(options, f.name)
            if isinstance(wanted, tuple):
                value = tuple(value)
            assert value == wanted, f"train {command} --{f.name.replace('_', '-')}"
            compared += 1
    assert compared >= 6  # the table above still names the command's real options
