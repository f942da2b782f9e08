"""Image-to-image networks, one architecture per file."""
