"""Domain exceptions. Front ends turn every :class:`BrushworkError` into one line and exit 1."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BrushworkError(Exception):
    """Base class of every error brushwork raises on purpose; its message is shown to the user."""


class ImageError(BrushworkError):
    """An image cannot be read, is unusable, or cannot be written."""


class WeightsError(BrushworkError):
    """Network weights are missing, corrupt or of the wrong layout."""


class OptionError(BrushworkError, ValueError):
    """An option has a value brushwork does not accept."""


class OutputExistsError(BrushworkError):
    """The output path exists and overwriting was not asked for."""


def unknown_choice(kind: str, value: str, choices: Iterable[str]) -> OptionError:
    """An :class:`OptionError` for ``value`` that lists the valid choices and the closest one."""
    options = list(choices)
    close = difflib.get_close_matches(value, options, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return OptionError(f"unknown {kind} {value!r}; choose from {', '.join(options)}.{hint}")
