"""Solution: the backward pass of sigmoid (see ../sigmoid_backward.py for the task)."""
import numpy as np


def sigmoid_backward(x, grad_output):
    # exp(-|x|) never overflows; the two branches are the same function written two ways.
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return grad_output * s * (1 - s)
