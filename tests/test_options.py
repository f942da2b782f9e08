"""The generic options round trip (brushwork.options) on every options class."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, ClassVar

import pytest

from brushwork.errors import OptionError
from brushwork.nets.adain import DecoderConfig
from brushwork.nets.lite import LiteConfig
from brushwork.nets.sr import SRConfig
from brushwork.nets.transformer import TransformerConfig
from brushwork.options import OMIT_DEFAULT, Options, from_dict, to_dict
from brushwork.pipelines.optimize import OptimizeConfig
from brushwork.pipelines.photoreal import PhotorealConfig
from brushwork.training.adain import AdaINRecipe
from brushwork.training.fast import FastRecipe
from brushwork.training.lite import LiteRecipe
from brushwork.training.loop import LoopConfig
from brushwork.training.multi import MultiRecipe
from brushwork.training.sr import SRRecipe

#: every options class, with a value that differs from its defaults in each kind of field
NON_DEFAULT: dict[type[Options], dict[str, Any]] = {
    TransformerConfig: {"widths": (8, 16, 24), "styles": 3, "upsample": "transpose"},
    LiteConfig: {"widths": (4, 8, 12), "residual_blocks": 2},
    SRConfig: {"scale": 8, "channels": 32},
    DecoderConfig: {"layer": "relu3_1", "width": 0.5},
    FastRecipe: {"style_layers": {"relu2_2": 2.0}, "net": TransformerConfig(widths=(8, 8, 8))},
    MultiRecipe: {"mix": 0.25, "net": TransformerConfig(styles=4)},
    LiteRecipe: {"feature_layers": {"relu3_3": 1.0}, "net": LiteConfig(residual_blocks=1)},
    SRRecipe: {"loss": "pixel", "crop": 96, "net": SRConfig(scale=8, channels=8)},
    AdaINRecipe: {"style_scale": (1.5, 3.0), "style_layers": ("relu1_1", "relu4_1")},
    OptimizeConfig: {"steps": (30, 20), "scales": (64, 128), "style_weights": (0.5, 0.5)},
    PhotorealConfig: {"first_steps": (40, 20), "scales": (64, 128, 256), "smooth": "exact"},
    LoopConfig: {"steps": 7, "lr": 0.5, "precision": "bf16"},
}


@pytest.mark.parametrize("cls", list(NON_DEFAULT), ids=lambda c: c.__name__)
def test_every_options_class_round_trips_through_json(cls: type[Options]) -> None:
    for options in (cls(), cls(**NON_DEFAULT[cls])):
        text = json.dumps(options.to_dict())  # JSON-able: no tuples or dataclasses left
        back = cls.from_dict(json.loads(text))
        assert back == options and type(back) is cls


def test_values_are_written_as_plain_json_types() -> None:
    d = FastRecipe(net=TransformerConfig(widths=(8, 16, 24))).to_dict()
    assert d["net"] == {"widths": [8, 16, 24], "residual_blocks": 5, "upsample": "nearest"}
    assert d["style_layers"] == {"relu1_2": 1.0, "relu2_2": 1.0, "relu3_3": 1.0, "relu4_3": 1.0}
    assert list(d)[:3] == ["crop", "style_size", "content_layers"]  # field order kept


def test_a_field_marked_omit_default_is_left_out_only_at_its_default() -> None:
    assert "styles" not in TransformerConfig().to_dict()  # configs from before multi-style
    assert TransformerConfig(styles=2).to_dict()["styles"] == 2
    assert TransformerConfig.from_dict({"widths": [32, 64, 128]}) == TransformerConfig()


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        (TransformerConfig, {"width": [1, 2, 3]}, "transformer config has unknown fields: width"),
        (DecoderConfig, {"layer": "relu4_1", "depth": 3}, "decoder config has unknown fields"),
        (SRConfig, {"scale": "four"}, "sr scale must be a number, got 'four'"),
        (SRConfig, {"scale": 4.5}, "sr scale must be a whole number"),
        (SRConfig, {"scale": True}, "sr scale must be a number"),
        (LiteConfig, {"widths": 16}, "lite widths must be a list"),
        (FastRecipe, {"net": {"widths": [1, 2, 3], "bogus": 1}}, "transformer config has unknown"),
        (FastRecipe, {"style_layers": ["relu1_2"]}, "fast recipe style_layers must be an object"),
        (AdaINRecipe, {"style_scale": [1.0]}, "style_scale must hold 2 values, got 1"),
        (LoopConfig, [1, 2], "loop config must be an object, got list"),
        (LiteConfig, {"widths": [1, 2]}, "widths must be three positive numbers"),  # own check
    ],
)
def test_bad_configs_get_one_clear_error(cls: type[Options], data: Any, message: str) -> None:
    with pytest.raises(OptionError) as info:
        cls.from_dict(data)
    assert message in str(info.value)


def test_optional_and_union_fields() -> None:
    assert OptimizeConfig.from_dict({"steps": 50, "size": None}).steps == 50
    assert OptimizeConfig.from_dict({"steps": [50, 20], "scales": [64, 96]}).steps == (50, 20)
    assert OptimizeConfig.from_dict({"lr": None}).lr is None
    with pytest.raises(OptionError, match="optimize size must be a number"):
        OptimizeConfig.from_dict({"size": "big"})


@dataclasses.dataclass(frozen=True)
class _Renamed(Options):
    kind: ClassVar[str] = "toy"
    renamed: ClassVar[Mapping[str, str]] = {"old_name": "new_name"}
    new_name: int = 1
    extra: tuple[str, ...] = dataclasses.field(default=("a",), metadata=OMIT_DEFAULT)


def test_renamed_keys_of_older_configs_are_read() -> None:
    assert _Renamed.from_dict({"old_name": 5}) == _Renamed(new_name=5)
    assert to_dict(_Renamed(new_name=5)) == {"new_name": 5}
    assert from_dict(_Renamed, {"extra": ["b", "c"]}).extra == ("b", "c")
    with pytest.raises(TypeError):
        to_dict(_Renamed)  # a class, not options
