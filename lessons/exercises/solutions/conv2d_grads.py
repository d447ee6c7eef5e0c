"""Solution: conv2d's input and weight gradients as naive loops (see ../conv2d_grads.py for the task)."""
import numpy as np


def conv2d_backward(x, w, grad_output, stride, padding):
    N, C_in, H, W = x.shape
    C_out, _, kh, kw = w.shape
    _, _, H_out, W_out = grad_output.shape
    p, s = padding, stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    grad_x_pad = np.zeros_like(x_pad)
    grad_w = np.zeros_like(w)
    for n in range(N):
        for co in range(C_out):
            for oh in range(H_out):
                for ow in range(W_out):
                    g = grad_output[n, co, oh, ow]
                    window = (n, slice(None), slice(oh * s, oh * s + kh), slice(ow * s, ow * s + kw))
                    # forward: y[n, co, oh, ow] = sum(w[co] * x_pad[window]); both terms get g times the other
                    grad_x_pad[window] += g * w[co]    # +=: overlapping windows share pixels
                    grad_w[co] += g * x_pad[window]
    grad_x = grad_x_pad[:, :, p:p + H, p:p + W]
    return grad_x, grad_w
