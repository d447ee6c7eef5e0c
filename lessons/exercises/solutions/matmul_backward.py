"""Solution: the backward pass of a matrix product (see ../matmul_backward.py for the task)."""


def matmul_backward(a, b, grad_output):
    # dL/da[i, k] = sum_j grad_output[i, j] * b[k, j];  dL/db[k, j] = sum_i a[i, k] * grad_output[i, j]
    grad_a = grad_output @ b.T      # (M, N) @ (N, K) -> (M, K)
    grad_b = a.T @ grad_output      # (K, M) @ (M, N) -> (K, N)
    return grad_a, grad_b
