"""The GAN, end to end: models, losses, the two-phase trainer and the metrics that watch it."""
