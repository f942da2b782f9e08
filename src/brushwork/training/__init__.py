"""Training: one shared loop (checkpoints, resume, previews, logging, DDP) and the recipes."""
