"""Options as the single source of truth: one generic round trip between an options dataclass
and the plain dict that config.json holds (as diffusers' ``ConfigMixin`` does for its configs).

Every options class subclasses :class:`Options`; ``to_dict`` writes JSON-able values (tuples as
lists, nested options as dicts) and ``from_dict`` reads them back by the fields' types, with a
clear :class:`~brushwork.errors.OptionError` for an unknown field or a value of the wrong kind.
A field marked ``field(metadata=OMIT_DEFAULT)`` is left out of the dict while it holds its
default, so configs written before the field existed stay byte-for-byte the same.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from brushwork.errors import OptionError

#: ``field(metadata=OMIT_DEFAULT)``: not written to the dict while equal to its default
OMIT_DEFAULT: Mapping[str, bool] = types.MappingProxyType({"omit_default": True})


class Options:
    """Mixin of the options dataclasses: ``to_dict`` / ``from_dict`` by the fields' types.

    ``kind`` names the options in error messages ("transformer config has unknown fields").
    ``renamed`` maps a key older configs used to the field's name now.
    """

    kind: ClassVar[str] = ""
    renamed: ClassVar[Mapping[str, str]] = {}

    def to_dict(self) -> dict[str, Any]:
        return to_dict(self)

    @classmethod
    def net_options(cls, values: Mapping[str, Any], field: str = "net") -> Any:
        """The options of this recipe's nested ``field`` (its net) from ``values``, by the
        field's type: front ends build a net's options without importing the net's module."""
        hint = typing.get_type_hints(cls)[field]
        return from_dict(hint, values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        options: Self = from_dict(cls, data)
        return options


def to_dict(options: object) -> dict[str, Any]:
    """The options dataclass ``options`` as a JSON-able dict (field order kept)."""
    if not dataclasses.is_dataclass(options) or isinstance(options, type):
        raise TypeError(f"not an options dataclass: {options!r}")
    out: dict[str, Any] = {}
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        if f.metadata.get("omit_default") and value == _default(f):
            continue
        out[f.name] = _plain(value)
    return out


def from_dict(cls: type[Any], data: Mapping[str, Any]) -> Any:
    """An instance of the options dataclass ``cls`` from ``data``; missing fields take their
    defaults, and the class's own checks (``__post_init__``) run as usual."""
    if not isinstance(data, Mapping):
        raise OptionError(f"{_kind(cls)} config must be an object, got {type(data).__name__}")
    renamed: Mapping[str, str] = getattr(cls, "renamed", {})
    data = {renamed.get(k, k): v for k, v in data.items()}
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise OptionError(f"{_kind(cls)} config has unknown fields: {', '.join(unknown)}")
    hints = typing.get_type_hints(cls)
    values = {
        name: _convert(hints[name], value, f"{_kind(cls)} {name}") for name, value in data.items()
    }
    return cls(**values)


def _kind(cls: type[Any]) -> str:
    return getattr(cls, "kind", "") or cls.__name__


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _convert(hint: Any, value: Any, what: str) -> Any:
    """``value`` read as type ``hint``: a clear error rather than a wrong kind let through."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        errors = []
        for a in inner:
            try:
                return _convert(a, value, what)
            except OptionError as exc:
                errors.append(str(exc))
        raise OptionError(errors[0])
    if origin is typing.Literal:
        if value not in args:
            raise OptionError(f"{what} must be one of {', '.join(map(repr, args))}, got {value!r}")
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_dict(hint, value)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise OptionError(f"{what} must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, what) for v in value)
        if args and len(args) != len(value):
            raise OptionError(f"{what} must hold {len(args)} values, got {len(value)}")
        return tuple(_convert(a, v, what) for a, v in zip(args, value, strict=False))
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise OptionError(f"{what} must be a list, got {value!r}")
        return [_convert(args[0], v, what) for v in value] if args else list(value)
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise OptionError(f"{what} must be an object, got {value!r}")
        kt, vt = args if args else (Any, Any)
        return {_convert(kt, k, what): _convert(vt, v, what) for k, v in value.items()}
    if hint is Any:
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise OptionError(f"{what} must be true or false, got {value!r}")
        return value
    if hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(f"{what} must be a number, got {value!r}")
        if hint is int and float(value) != int(value):
            raise OptionError(f"{what} must be a whole number, got {value!r}")
        return hint(value)
    if hint is str:
        if not isinstance(value, str):
            raise OptionError(f"{what} must be a string, got {value!r}")
        return value
    return value
