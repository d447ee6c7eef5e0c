"""Solution: max pooling's backward (see ../maxpool_backward.py for the task)."""
import numpy as np


def max_pool2d_backward(x, grad_output, kernel_size, stride):
    k, s = kernel_size, stride
    grad_x = np.zeros_like(x)
    N, C, H_out, W_out = grad_output.shape
    for n in range(N):
        for c in range(C):
            for oh in range(H_out):
                for ow in range(W_out):
                    window = x[n, c, oh * s:oh * s + k, ow * s:ow * s + k]
                    i, j = np.unravel_index(np.argmax(window), window.shape)
                    grad_x[n, c, oh * s + i, ow * s + j] += grad_output[n, c, oh, ow]   # +=: one can win twice
    return grad_x
