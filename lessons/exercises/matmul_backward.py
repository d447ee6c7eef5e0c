"""Exercise: the backward pass of a matrix product.

Write ``matmul_backward(a, b, grad_output)`` for ``y = a @ b``:

    a            (M, K)
    b            (K, N)
    grad_output  (M, N)     dL/dy
    returns      (grad_a, grad_b) with shapes (M, K) and (K, N)

Hints: ``y[i, j] = sum_k a[i, k] b[k, j]``. Which ``y[i, j]`` does ``a[i, k]`` touch, and with what factor?
Let the shapes guide you: the only product of grad_output and b that has a's shape is one matmul.
NumPy only.

Check it:  minigan exercise check matmul_backward        (lesson 01_autograd.py)
"""
import numpy as np


def matmul_backward(a, b, grad_output):
    raise NotImplementedError("write matmul_backward")
