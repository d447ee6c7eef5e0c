"""Exercise: conv2d's input and weight gradients, as naive loops.

The forward pass (no bias, no dilation, one group), with ``x_pad`` the input padded by ``padding`` zeros::

    y[n, co, oh, ow] = sum_{ci, i, j} w[co, ci, i, j] * x_pad[n, ci, oh*stride + i, ow*stride + j]

    x (N, C_in, H, W), w (C_out, C_in, kh, kw) -> y (N, C_out, H_out, W_out)
    H_out = (H + 2*padding - kh) // stride + 1   (likewise W_out)

Write ``conv2d_backward(x, w, grad_output, stride, padding)``:

    x            (N, C_in, H, W)
    w            (C_out, C_in, kh, kw)
    grad_output  (N, C_out, H_out, W_out)    dL/dy
    stride, padding                          ints
    returns      (grad_x, grad_w) with the shapes of x and w

Hints: loop over the same indices as the forward pass. Every product ``w * x_pad`` in the forward sum sends
``grad_output[n, co, oh, ow] * w[co, ci, i, j]`` to ``x_pad[...]`` and ``grad_output * x_pad[...]`` to
``w[co, ci, i, j]``. Windows overlap when stride < kernel, so one element gets contributions from several
windows: *add* them (``+=``). Accumulate into a padded buffer and crop ``padding`` at the end.
(You have just written a transposed convolution: see lesson 04.)

Check it:  minigan exercise check conv2d_grads        (lessons 03 and 04)
"""
import numpy as np


def conv2d_backward(x, w, grad_output, stride, padding):
    raise NotImplementedError("write conv2d_backward")
