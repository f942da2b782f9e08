"""One user task per module: optimise (Gatys), ..."""
