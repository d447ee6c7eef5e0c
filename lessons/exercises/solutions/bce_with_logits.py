"""Solution: stable binary cross-entropy on logits (see ../bce_with_logits.py for the task)."""
import minigan as mg


def bce_with_logits(logits, targets):
    # -t log(sigmoid(a)) - (1 - t) log(1 - sigmoid(a)) = softplus(a) - t a,
    # and softplus(a) = log(1 + e^a) = max(a, 0) + log(1 + e^-|a|): exp never sees a large positive number.
    softplus = mg.maximum(logits, 0.0) + (1 + (-logits.abs()).exp()).log()
    return (softplus - targets * logits).mean()
