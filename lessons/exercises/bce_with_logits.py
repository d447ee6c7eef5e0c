"""Exercise: binary cross-entropy on logits, stable for any logit.

For a logit ``a`` (so ``p = sigmoid(a)``) and a target ``t`` in [0, 1]::

    loss = mean( -t * log(p) - (1 - t) * log(1 - p) )

Written this way, ``a = -1000`` gives ``log(0) = -inf``. Write it so that it stays finite and exact for
every logit, and so that its gradient, ``(sigmoid(a) - t) / number of elements``, does too.

Write ``bce_with_logits(logits, targets)`` with minigan's operations (not NumPy), so that autograd can
differentiate it:

    logits   minigan Tensor, any shape
    targets  minigan Tensor, the same shape
    returns  a scalar minigan Tensor (the mean over all elements)

Hints: ``-log(sigmoid(a)) = log(1 + exp(-a))``, and ``log(1 + exp(a)) = max(a, 0) + log(1 + exp(-|a|))``,
where ``exp`` never sees a large positive number. Useful: ``mg.maximum(a, 0.0)``, ``a.abs()``, ``.exp()``,
``.log()``, ``.mean()``. Then simplify ``-t log p - (1 - t) log(1 - p)``.

Check it:  minigan exercise check bce_with_logits        (lessons 02 and 06)
"""
import minigan as mg


def bce_with_logits(logits, targets):
    raise NotImplementedError("write bce_with_logits")
