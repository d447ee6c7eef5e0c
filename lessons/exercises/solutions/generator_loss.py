"""Solution: the non-saturating generator loss (see ../generator_loss.py for the task)."""
import minigan as mg

KIND = "non_saturating"


def softplus(a):
    """log(1 + e^a), finite for any a."""
    return mg.maximum(a, 0.0) + (1 + (-a.abs()).exp()).log()


def generator_loss(d_fake_logits):
    # -1/2 log D(G(z)) = -1/2 log sigmoid(a) = 1/2 softplus(-a): steep where D(G(z)) is near 0, so G
    # learns even while D easily tells its fakes apart.
    return softplus(-d_fake_logits).mean() * 0.5
