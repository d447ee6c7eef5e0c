"""Solution: the Gram matrix and its gradient (see ../gram_matrix.py for the task)."""
import numpy as np


def gram_matrix(features):
    N, C, H, W = features.shape
    F = features.reshape(N, C, H * W)
    return np.matmul(F, F.transpose(0, 2, 1)) / (C * H * W)


def gram_matrix_backward(features, grad_output):
    # G = F F^T / d: F appears twice, so dL/dF = (g F + g^T F) / d = (g + g^T) F / d.
    N, C, H, W = features.shape
    F = features.reshape(N, C, H * W)
    g = grad_output
    grad_F = np.matmul(g + g.transpose(0, 2, 1), F) / (C * H * W)
    return grad_F.reshape(N, C, H, W)
