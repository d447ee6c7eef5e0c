"""Solution: transposed convolution as a scatter of stamps (see ../conv_transpose2d_forward.py for the task)."""
import numpy as np


def conv_transpose2d(x, weight, stride, padding, output_padding):
    N, C_in, H, W = x.shape
    _, C_out, kh, kw = weight.shape
    s, p = stride, padding
    H_out = (H - 1) * s - 2 * p + kh + output_padding
    W_out = (W - 1) * s - 2 * p + kw + output_padding
    canvas = np.zeros((N, C_out, (H - 1) * s + kh + output_padding, (W - 1) * s + kw + output_padding))
    for n in range(N):
        for ci in range(C_in):
            for h in range(H):
                for w in range(W):
                    # input pixel (h, w) stamps the kernel, scaled by its value, at (h*s, w*s)
                    canvas[n, :, h * s:h * s + kh, w * s:w * s + kw] += x[n, ci, h, w] * weight[ci]
    return canvas[:, :, p:p + H_out, p:p + W_out]
