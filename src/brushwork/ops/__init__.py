"""Tensor operations shared by the pipelines (no networks, no files)."""
