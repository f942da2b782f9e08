"""The package surface: lazy top-level names, a light ``import brushwork``, one version."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import brushwork

ROOT = Path(__file__).resolve().parents[1]


def imported_after(code: str) -> set[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}; import sys; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split()) & {"torch", "gradio", "av", "fastapi", "brushwork.pipelines"}


@pytest.mark.parametrize(
    "code", ["import brushwork", "import brushwork.errors", "import brushwork.cli"]
)
def test_light_imports_do_not_load_torch(code: str) -> None:
    assert imported_after(code) == set()


def test_every_public_name_resolves_to_its_definition() -> None:
    from brushwork.pipelines.loader import load
    from brushwork.pipelines.optimize import optimize

    assert brushwork.load is load and brushwork.optimize is optimize
    for name in brushwork.__all__:
        assert getattr(brushwork, name) is not None
    assert set(brushwork.__all__) <= set(dir(brushwork))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = brushwork.nope  # type: ignore[attr-defined]


def test_the_version_is_the_one_in_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert brushwork.__version__ == project["version"]


def test_the_lazy_table_is_the_public_list() -> None:
    from brushwork import _LAZY

    assert sorted([*_LAZY, "__version__"]) == sorted(brushwork.__all__)


def test_the_default_video_path_needs_nothing_beyond_a_plain_install() -> None:
    """`brushwork video` defaults to --temporal flow (OpenCV's optical flow): OpenCV is a core
    dependency, and without it the error says what to install (issue 21)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert any(d.startswith("opencv-python-headless") for d in project["dependencies"])


def test_without_opencv_the_flow_error_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from brushwork.errors import OptionError
    from brushwork.ops.flow import require_opencv

    monkeypatch.setitem(sys.modules, "cv2", None)  # as if not installed
    with pytest.raises(OptionError, match=r"pip install opencv-python-headless.*--temporal off"):
        require_opencv()
