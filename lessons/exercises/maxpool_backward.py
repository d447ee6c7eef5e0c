"""Exercise: the backward pass of max pooling.

The forward pass (no padding): ``y[n, c, oh, ow] = max over the window x[n, c, oh*s : oh*s + k, ow*s : ow*s + k]``.

Write ``max_pool2d_backward(x, grad_output, kernel_size, stride)``:

    x            (N, C, H, W)              the forward's input (all values distinct: no ties)
    grad_output  (N, C, H_out, W_out)      dL/dy,  H_out = (H - k) // s + 1
    kernel_size, stride                    ints k and s
    returns      grad_x (N, C, H, W)

Hints: only the largest element of a window affected its output, so the whole ``grad_output[n, c, oh, ow]``
goes to that element and the rest of the window gets nothing (``np.argmax`` and ``np.unravel_index`` find
it). When stride < kernel the windows overlap and one element can win several of them: *add*.

Check it:  minigan exercise check maxpool_backward        (lesson 05_layers_of_a_dcgan.py)
"""
import numpy as np


def max_pool2d_backward(x, grad_output, kernel_size, stride):
    raise NotImplementedError("write max_pool2d_backward")
