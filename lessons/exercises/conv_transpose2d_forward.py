"""Exercise: the forward pass of a transposed convolution ("deconvolution"), as naive loops.

Each input pixel stamps the kernel, scaled by its value, onto the output; overlapping stamps add up::

    canvas[n, co, h*stride + i, w*stride + j] += x[n, ci, h, w] * weight[ci, co, i, j]   for all n, ci, co, h, w, i, j

then ``padding`` rows and columns are cropped from each border:

    x       (N, C_in, H, W)
    weight  (C_in, C_out, kh, kw)                      (PyTorch's layout for ConvTranspose2d)
    stride, padding, output_padding                    ints; output_padding < stride
    returns y (N, C_out, H_out, W_out)
    H_out = (H - 1)*stride - 2*padding + kh + output_padding   (likewise W_out)

Hints: make the canvas ``(H - 1)*stride + kh + output_padding`` rows high (the extra ``output_padding`` rows
only receive stamps that the crop keeps), then return
``canvas[:, :, padding:padding + H_out, padding:padding + W_out]``.

Check it:  minigan exercise check conv_transpose2d_forward        (lesson 04_transposed_convolution.py)
"""
import numpy as np


def conv_transpose2d(x, weight, stride, padding, output_padding):
    raise NotImplementedError("write conv_transpose2d")
