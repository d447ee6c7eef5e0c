"""``ctc_loss``: Connectionist Temporal Classification (Graves et al. 2006), the loss of a sequence of per-frame
class scores against a shorter label sequence, with no alignment given.

``log_probs (T, N, C)`` holds, for each of ``T`` frames of ``N`` sequences, the log-probabilities of ``C`` classes,
one of which is the ``blank`` ("no label here"). A *path* picks one class per frame; collapsing it (merge repeats,
then drop blanks: ``a a _ b b _ b -> a b b``) gives a label sequence. The loss of a target ``l`` is
``-log p(l)``, ``p(l)`` the sum over every path that collapses to ``l`` of the product of its frames'
probabilities.

The forward-backward algorithm sums those paths without listing them. Put a blank around and between the labels,
the *extended* sequence ``l' = _ l1 _ l2 _ ... _ lS _`` of ``L = 2S + 1`` states; a path is a walk through ``l'``
that at each frame stays, steps one state on, or jumps two (over a blank, allowed only into a label that differs
from the label two back: a blank must separate equal labels). It starts in state 0 or 1 and ends in ``L - 1`` or
``L - 2``. In log space, ``y_t(s) = log_probs[t, l'_s]``:

    alpha_0(0) = y_0(0),  alpha_0(1) = y_0(1)                               (the rest -inf)
    alpha_t(s) = logsumexp(alpha_(t-1)(s), alpha_(t-1)(s-1), [alpha_(t-1)(s-2) if the jump is allowed]) + y_t(s)
    -log p(l)  = -logsumexp(alpha_(T-1)(L-1), alpha_(T-1)(L-2))

``alpha_t(s)`` is the log-probability of all path beginnings that are in state ``s`` at frame ``t``. The backward
variables ``beta_t(s)`` (all path endings from state ``s`` at frame ``t`` on, frame ``t`` included) follow the
same recursion run backwards, and are computed as exactly that: the alphas of the problem reversed in time and in
states (the reversed ``l'`` is again blank, labels, blank, and its jump rule is the same rule read backwards).

The gradient, from alpha and beta directly. Every path through state ``s`` at frame ``t`` has the probability
``exp(alpha_t(s) + beta_t(s) - y_t(s))`` in total (``y_t(s)`` is in both), so

    gamma_t(s) = exp(alpha_t(s) + beta_t(s) - y_t(s) - log p(l))

is the posterior probability that the path is in state ``s`` at frame ``t`` (for each ``t`` they sum to 1). Each
path's probability holds ``exp(log_probs[t, c])`` once for its class ``c`` at frame ``t``, so

    d(-log p(l)) / d log_probs[t, c] = -(the sum of gamma_t(s) over the states s labelled c)

and 0 for frames past the sequence's input length. That is the true gradient with respect to ``log_probs``,
whatever they are; PyTorch's adds ``exp(log_probs)``, which is the gradient with respect to the logits when
``log_probs = log_softmax(logits)``. Taken through a log_softmax (the usual use) the two are the same, because
``log_softmax``'s backward removes any ``exp(log_probs)`` times a constant per frame.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, as_tensor
from .reduction import mean, sum as _sum
from .shape import reshape, squeeze, unsqueeze

__all__ = ["ctc_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def extended_labels(labels, blank: int):
    """``l' = [blank, l1, blank, l2, ..., lS, blank]`` (``2S + 1`` states) of a label array ``(S,)``."""
    xp = backend.xp_of(labels)
    ext = xp.full(2 * labels.shape[0] + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    return ext


def log_alpha(emit, ext):
    """The forward variables ``(T, L)``, in log space, of the emissions ``emit[t, s] = log_probs[t, l'_s]`` (see
    the module's docstring): a walk over the frames, each step a logsumexp of three shifted copies of the last row.
    A jump of two states is allowed into an odd state (a label) that differs from the label two states back."""
    xp = backend.xp_of(emit)
    steps, states = emit.shape
    alpha = xp.full((steps, states), -np.inf, dtype=emit.dtype)
    if steps == 0:
        return alpha
    alpha[0, :2] = emit[0, :2]
    odd = xp.arange(states) % 2 == 1
    jump = odd & xp.concatenate([xp.zeros(2, dtype=bool), ext[2:] != ext[:-2]])[:states]
    gone = xp.full(2, -np.inf, dtype=emit.dtype)
    for t in range(1, steps):
        prev = alpha[t - 1]
        stepped = xp.concatenate([gone[:1], prev[:-1]])
        jumped = xp.where(jump, xp.concatenate([gone, prev[:-2]])[:states], -np.inf)
        alpha[t] = xp.logaddexp(xp.logaddexp(prev, stepped), jumped) + emit[t]
    return alpha


def _one_sequence(lp, labels, blank: int):
    """``(nll, grad)`` of one sequence: ``lp (T_n, C)`` (its frames up to its input length) and ``labels (S,)``;
    ``grad (T_n, C)`` is ``d nll / d lp``, minus the state posteriors gathered by class (the module's docstring)."""
    xp = backend.xp_of(lp)
    ext = extended_labels(labels, blank)
    states = ext.shape[0]
    if lp.shape[0] == 0:                        # no frames: only the empty target has a path, of probability 1
        return (0.0 if states == 1 else np.inf), xp.zeros_like(lp)
    emit = lp[:, ext]                                                           # (T_n, L)
    alpha = log_alpha(emit, ext)
    beta = log_alpha(emit[::-1, ::-1], ext[::-1])[::-1, ::-1]                   # the reversed problem's alphas
    nll = -float(xp.logaddexp(alpha[-1, -1], alpha[-1, max(states - 2, 0)]) if states > 1 else alpha[-1, 0])
    with np.errstate(invalid="ignore", over="ignore"):
        gamma = xp.exp(alpha + beta - emit + nll)                               # state posteriors, (T_n, L)
    by_class = (ext[:, None] == xp.arange(lp.shape[1])).astype(lp.dtype)        # (L, C): l'_s == c
    return nll, -(gamma @ by_class)


class CTCLoss(Function):
    """``log_probs (T, N, C) -> (N,)``, each sequence's ``-log p(target)``; ``targets`` is a list of ``N`` label
    arrays and ``input_lengths`` a list of ``N`` ints. The gradient ``d nll_n / d log_probs[:, n]`` of every
    sequence is found in the forward (from alpha and beta: the module's docstring) and kept; the backward scales
    it by the upstream gradient of that sequence's loss. ``zero_infinity`` turns an impossible alignment's inf
    loss, and its nan gradient, into 0."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, blank, zero_infinity):
        xp = backend.xp_of(log_probs)
        losses = np.zeros(log_probs.shape[1])
        grad = xp.zeros_like(log_probs)
        for n, (labels, frames) in enumerate(zip(targets, input_lengths)):
            nll, g = _one_sequence(log_probs[:frames, n], labels, blank)
            if zero_infinity and nll == np.inf:
                nll, g = 0.0, 0.0
            losses[n], grad[:frames, n] = nll, g
        ctx.grad = grad
        ctx.save_for_backward(log_probs)
        return xp.asarray(losses, dtype=log_probs.dtype)

    @staticmethod
    def backward(ctx, gy):
        (log_probs,) = ctx.saved_tensors
        return reshape(gy, (1, -1, 1)) * _CTCGradient.apply(log_probs, ctx.grad)


class _CTCGradient(Function):
    """The kept gradient of :class:`CTCLoss` as a node of the graph, so that the backward is differentiable in the
    upstream gradient. Its own derivative with respect to ``log_probs`` (a second derivative of the CTC loss) is
    not implemented, as in PyTorch: asking for it is an error rather than a silent zero."""

    @staticmethod
    def forward(ctx, log_probs, grad):
        return grad

    @staticmethod
    def backward(ctx, gg):
        raise NotImplementedError("ctc_loss: the second derivative with respect to log_probs is not implemented "
                                  "(nor is it in PyTorch)")


# --------------------------------------------------------------------------- arguments
def _lengths(name: str, value, n: int) -> list[int]:
    """Per-sequence lengths (a Tensor, array, sequence or int) as ``n`` non-negative ints."""
    a = value.data if isinstance(value, Tensor) else value
    a = backend.to_numpy(a) if backend.is_array(a) else np.asarray(a)
    if a.dtype.kind not in "iu":
        raise TypeError(f"ctc_loss: {name} must be integral, got dtype {a.dtype}")
    a = a.reshape(-1)
    if a.shape[0] != n:
        raise ValueError(f"ctc_loss: {name} must be of size batch_size ({n}), got {a.shape[0]} of them")
    if a.size and int(a.min()) < 0:
        raise ValueError(f"ctc_loss: expected {name} to have values at least 0, but got value {int(a.min())}")
    return [int(v) for v in a]


def _label_arrays(targets, target_lengths: list[int], batched: bool, classes: int, blank: int, device: str) -> list:
    """The targets, padded ``(N, S)`` or concatenated ``(sum of target_lengths,)``, as one label array a sequence
    on ``device``, each checked against the classes and the blank (which PyTorch documents a target cannot hold,
    without checking it)."""
    t = targets.data if isinstance(targets, Tensor) else targets
    t = t if backend.is_array(t) else np.asarray(t)
    if t.dtype.kind not in "iu":
        raise TypeError(f"ctc_loss: expected targets of an integer dtype, got {t.dtype}")
    t = backend.to_device(t, device).astype(np.int64, copy=False)
    n = len(target_lengths)
    if not batched and t.ndim == 1:
        t = t[None]                                      # one sequence's labels, (S,)
    if t.ndim == 2:
        if t.shape[0] != n:
            raise ValueError(f"ctc_loss: expected padded targets (N, S) with N = {n}, got shape {tuple(t.shape)}")
        if max(target_lengths, default=0) > t.shape[1]:
            raise ValueError(f"ctc_loss: expected targets to have size at least max_target_length "
                             f"{max(target_lengths)} at dimension 1, got shape {tuple(t.shape)}")
        labels = [t[i, :length] for i, length in enumerate(target_lengths)]
    elif t.ndim == 1:
        if t.shape[0] != sum(target_lengths):
            raise ValueError(f"ctc_loss: concatenated 1-D targets must hold sum(target_lengths) = "
                             f"{sum(target_lengths)} labels, got {t.shape[0]}")
        ends = np.cumsum(target_lengths)
        labels = [t[end - length:end] for end, length in zip(ends, target_lengths)]
    else:
        raise ValueError(f"ctc_loss: expected targets of 1 or 2 dims, got shape {tuple(t.shape)}")
    for lab in labels:
        if lab.size and (int(lab.min()) < 0 or int(lab.max()) >= classes):
            bad = int(lab.min()) if int(lab.min()) < 0 else int(lab.max())
            raise ValueError(f"ctc_loss: target label {bad} is out of range for {classes} classes")
        if bool((lab == blank).any()):
            raise ValueError(f"ctc_loss: a target holds the blank label {blank}; the labels of a target (up to its "
                             f"length) must be other classes")
    return labels


def ctc_loss(log_probs: Tensor, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """The CTC loss, as ``torch.nn.functional.ctc_loss`` (the algorithm and its gradient: the module's docstring).

    Shapes: ``log_probs (T, N, C)`` (log-probabilities, e.g. a log_softmax over C) or one unbatched ``(T, C)``;
    ``targets`` padded ``(N, S)`` (entries past a target's length are ignored) or all targets concatenated,
    ``(sum(target_lengths),)``; ``input_lengths`` and ``target_lengths`` ``(N,)`` (Tensors, sequences or, unbatched,
    ints), each input length at most ``T``. Output: ``(N,)`` with ``reduction="none"`` (0-d unbatched); ``"sum"``
    adds them; ``"mean"`` (the default) divides each by its target length (at least 1) and averages over the
    batch, as PyTorch. ``zero_infinity`` gives an impossible target (inputs too short) loss 0 and gradient 0."""
    x = as_tensor(log_probs)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"ctc_loss: {reduction!r} is not a valid value for reduction; expected 'none', 'mean' or "
                         f"'sum'")
    if x.ndim not in (2, 3):
        raise ValueError(f"ctc_loss: expected log_probs of 2 (T, C) or 3 (T, N, C) dims, got shape {x.shape}")
    if not x.is_floating_point():
        raise TypeError(f"ctc_loss: expected floating-point log_probs, got {x.dtype}")
    batched = x.ndim == 3
    if not batched:
        x = unsqueeze(x, 1)
    steps, n, classes = x.shape
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < classes:
        raise ValueError(f"ctc_loss: blank must be in label range [0, {classes}), got {blank!r}")
    frames = _lengths("input_lengths", input_lengths, n)
    if max(frames, default=0) > steps:
        raise ValueError(f"ctc_loss: expected input_lengths to have value at most {steps} (the frames in log_probs), "
                         f"but got value {max(frames)}")
    lengths = _lengths("target_lengths", target_lengths, n)
    labels = _label_arrays(targets, lengths, batched, classes, int(blank), backend.device_of(x.data))
    losses = CTCLoss.apply(x, labels, frames, int(blank), bool(zero_infinity))            # (N,)
    if reduction == "none":
        return losses if batched else squeeze(losses, 0)
    if reduction == "sum":
        return _sum(losses)
    divisor = Tensor(backend.xp_of(x.data).asarray(np.maximum(lengths, 1), dtype=x.dtype))
    return mean(losses / divisor)
