"""The package version, importable without importing anything else (``pyproject.toml`` keeps the
same number; a test checks they agree)."""

__version__ = "0.1.0"
