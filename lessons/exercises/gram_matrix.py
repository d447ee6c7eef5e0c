"""Exercise: the Gram matrix of feature maps (style transfer's statistic), and its gradient.

Reshape each sample's features ``(C, H, W)`` to ``F`` of shape ``(C, M)`` with ``M = H * W`` positions::

    G = F @ F.T / (C * H * W)          G[i, j]: how much channels i and j fire together, over all positions

Write both directions, with NumPy:

    gram_matrix(features)                         features (N, C, H, W) -> G (N, C, C)
    gram_matrix_backward(features, grad_output)   features (N, C, H, W), grad_output (N, C, C)
                                                  -> grad_features (N, C, H, W)

Hints: ``features`` appears twice in ``F @ F.T``, so its gradient has two terms (lesson 1: add them).
``grad_output`` is *not* symmetric in general, even though G is. ``np.matmul`` and ``.transpose(0, 2, 1)``
work on the batch of matrices at once.

Check it:  minigan exercise check gram_matrix        (lesson 07_style_transfer.py)
"""
import numpy as np


def gram_matrix(features):
    raise NotImplementedError("write gram_matrix")


def gram_matrix_backward(features, grad_output):
    raise NotImplementedError("write gram_matrix_backward")
