"""Exercise: the backward pass of sigmoid.

Write ``sigmoid_backward(x, grad_output)``: the gradient that flows back through
``y = sigmoid(x) = 1 / (1 + exp(-x))``, applied elementwise.

    x            array of any shape      the input of the forward pass
    grad_output  array of x's shape      dL/dy, the gradient arriving from above
    returns      array of x's shape      dL/dx

Hints: ``sigmoid'(x) = s * (1 - s)`` with ``s = sigmoid(x)``, and the chain rule multiplies elementwise.
Keep it finite for large ``|x|`` (the checker tries x = +-30). NumPy only.

Check it:  minigan exercise check sigmoid_backward        (lesson 01_autograd.py)
"""
import numpy as np


def sigmoid_backward(x, grad_output):
    raise NotImplementedError("write sigmoid_backward")
