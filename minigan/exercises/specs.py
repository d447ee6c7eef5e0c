"""One spec per exercise: the contract, the awkward inputs, and minigan's own answer to compare with.

A spec is a function ``module -> list[Case]``. Each :class:`Case` builds random float64 inputs, calls the
learner's function through :func:`~minigan.exercises.compare.call` and compares the result with a
reference computed by minigan itself: its autograd for the backward exercises (and a central difference
as a second opinion), its ops or its naive kernels for the forward ones, and :func:`minigan.gradcheck`
for the losses a learner writes with minigan's ops. Convolution and pooling cases use odd sizes and
overlapping windows (stride smaller than the kernel), where a backward that assigns (``=``) instead of
accumulating (``+=``) gives itself away.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Sequence

import numpy as np

from .. import ops as F
from ..autograd import Tensor, grad, no_grad
from ..gradcheck import gradcheck
from .compare import Failure, call, central_difference, expect_close, unpack


@dataclass
class Case:
    """One check: ``run()`` raises NotDone or Failure, or returns an optional note for the learner."""
    description: str
    run: Callable[[], str | None]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _distinct(rs: np.random.Generator, shape) -> np.ndarray:
    """Values at least 0.1 apart (a shuffled grid): no ties for a max, and no finite-difference step
    can change which element wins."""
    n = int(np.prod(shape))
    return (rs.permutation(n) - n / 2).reshape(shape) * 0.1


# --------------------------------------------------------------------------- backward exercises
def _backward_case(module: ModuleType, function: str, description: str, forward: Callable[..., Tensor],
                   arrays: Sequence[np.ndarray], names: Sequence[str], seed: int, extra=()) -> Case:
    """The learner's ``function(*arrays, grad_output, *extra)`` must return the gradients ``names`` of
    ``<forward(*arrays), grad_output>`` with respect to each array, as minigan's autograd computes them."""

    def run():
        with no_grad():
            y_shape = forward(*[Tensor(a) for a in arrays]).shape
        g = _rng(seed + 1).standard_normal(y_shape)     # random, so a wrong transpose or index shows
        leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        expected = [t.numpy() for t in grad(forward(*leaves), leaves, grad_outputs=Tensor(g))]
        got = unpack(call(module, function, *arrays, g, *extra), names, function)
        for k, (name, e, gk) in enumerate(zip(names, expected, got)):
            expect_close(name, gk, e, source="minigan's autograd",
                         second_opinion=central_difference(forward, arrays, k, g))
        return None

    return Case(description, run)


def sigmoid_backward(module):
    rs = _rng(0)
    x1 = rs.standard_normal(7) * 3
    x2 = np.concatenate([rs.standard_normal(10), [-30.0, 30.0]]).reshape(3, 4)
    return [_backward_case(module, "sigmoid_backward", f"x {x.shape}", F.sigmoid, [x], ["grad_x"], seed)
            for seed, x in enumerate([x1, x2])]


def matmul_backward(module):
    rs = _rng(1)
    shapes = [((3, 4), (4, 5)), ((1, 3), (3, 1)), ((4, 4), (4, 4))]
    return [_backward_case(module, "matmul_backward", f"a {sa} @ b {sb}", F.matmul,
                           [rs.standard_normal(sa), rs.standard_normal(sb)], ["grad_a", "grad_b"], seed)
            for seed, (sa, sb) in enumerate(shapes)]


def conv2d_grads(module):
    rs = _rng(2)
    cases = [((2, 3, 7, 6), (4, 3, 3, 3), 2, 1, "windows overlap, odd sizes"),
             ((1, 2, 5, 5), (3, 2, 3, 3), 1, 0, "batch 1, stride 1"),
             ((2, 1, 6, 7), (2, 1, 2, 3), 1, 2, "non-square kernel, padding 2"),
             ((1, 2, 8, 8), (2, 2, 3, 3), 3, 1, "stride 3")]
    out = []
    for seed, (xs, ws, s, p, note) in enumerate(cases):
        out.append(_backward_case(
            module, "conv2d_backward", f"x {xs}, w {ws}, stride {s}, padding {p} ({note})",
            lambda x, w, s=s, p=p: F.conv2d(x, w, stride=s, padding=p, impl="naive"),
            [rs.standard_normal(xs), rs.standard_normal(ws)], ["grad_x", "grad_w"], seed, extra=(s, p)))
    return out


def maxpool_backward(module):
    rs = _rng(3)
    cases = [((2, 2, 7, 6), 3, 2, "windows overlap"), ((1, 1, 6, 6), 2, 2, "windows tile"),
             ((1, 3, 5, 7), 3, 1, "stride 1: one element can win many windows")]
    return [_backward_case(module, "max_pool2d_backward", f"x {xs}, kernel {k}, stride {s} ({note})",
                           lambda x, k=k, s=s: F.max_pool2d(x, k, s), [_distinct(rs, xs)], ["grad_x"], seed,
                           extra=(k, s))
            for seed, (xs, k, s, note) in enumerate(cases)]


# --------------------------------------------------------------------------- forward on arrays
def conv_transpose2d_forward(module):
    rs = _rng(4)
    cases = [((2, 3, 3, 4), (3, 2, 3, 3), 2, 1, 1, "k3 s2: stamps overlap"),
             ((1, 2, 4, 4), (2, 3, 4, 4), 2, 1, 0, "k4 s2 p1, the DCGAN layer"),
             ((1, 1, 3, 3), (1, 2, 3, 2), 1, 0, 0, "stride 1, non-square kernel"),
             ((2, 2, 3, 2), (2, 1, 2, 2), 3, 0, 2, "stride 3 > kernel 2: gaps, output_padding 2")]
    out = []
    for xs, ws, s, p, op, note in cases:
        def run(xs=xs, ws=ws, s=s, p=p, op=op):
            x, w = rs.standard_normal(xs), rs.standard_normal(ws)
            expected = F.conv_transpose2d(Tensor(x), Tensor(w), stride=s, padding=p, output_padding=op,
                                          impl="naive").numpy()
            got = call(module, "conv_transpose2d", x, w, s, p, op)
            expect_close("y", got, expected, source="minigan's F.conv_transpose2d")
        out.append(Case(f"x {xs}, w {ws}, stride {s}, padding {p}, output_padding {op} ({note})", run))
    return out


def gram_matrix(module):
    rs = _rng(5)

    def reference(f: Tensor) -> Tensor:
        n, c, h, w = f.shape
        m = f.reshape(n, c, h * w)
        return F.matmul(m, m.transpose(1, 2)) * (1.0 / (c * h * w))

    out = []
    for seed, shape in enumerate([(1, 3, 4, 5), (2, 4, 3, 3)]):
        def forward(shape=shape):
            f = rs.standard_normal(shape)
            expect_close("G", call(module, "gram_matrix", f), reference(Tensor(f)).numpy(),
                         source="minigan's matmul")
        out.append(Case(f"gram_matrix, features {shape}", forward))
        out.append(_backward_case(module, "gram_matrix_backward",
                                  f"gram_matrix_backward, features {shape}, a non-symmetric grad_output",
                                  reference, [rs.standard_normal(shape)], ["grad_features"], seed))
    return out


# --------------------------------------------------------------------------- losses written with minigan ops
def _loss_tensor(value, function: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise Failure(f"`{function}` returned {type(value).__name__}; return a minigan Tensor built with "
                      "minigan's operations, so that autograd can differentiate it")
    if value.shape != ():
        raise Failure(f"`{function}` returned shape {value.shape}; a loss is a scalar (use .mean())")
    if not value.requires_grad:
        raise Failure(f"`{function}` returned a tensor without a graph: build it from the input tensor with "
                      "minigan's operations (not NumPy), so that gradients can flow back")
    return value


def _loss_cases(module, function: str, reference: Callable[..., Tensor], make_inputs, extreme, note_fn=None):
    """Value, gradcheck and extreme-input cases for a loss ``function(*tensors) -> scalar Tensor``.
    Only the first input (the logits) is differentiated."""

    def value_case():
        arrays = make_inputs()
        got = _loss_tensor(call(module, function, Tensor(arrays[0], requires_grad=True),
                                *[Tensor(a) for a in arrays[1:]]), function)
        expect_close("the loss", got.numpy(), reference(*[Tensor(a) for a in arrays]).numpy(),
                     source="minigan's reference formula")

    def gradcheck_case():
        arrays = make_inputs()
        inputs = [Tensor(arrays[0], requires_grad=True)] + [Tensor(a) for a in arrays[1:]]
        _loss_tensor(call(module, function, *inputs), function)
        rep = gradcheck(lambda *t: call(module, function, *t), inputs, raise_exception=False, what=function)
        if not rep.passed:
            r = rep.rows[0]
            raise Failure(f"the gradient autograd computes through your loss is wrong at logit {r.worst_index}: "
                          f"finite differences say {r.numeric:.6g}, autograd {r.analytic:.6g}\n"
                          "(is every step a minigan operation on tensors?)")

    def extreme_case():
        arrays = extreme()
        logits = Tensor(arrays[0], requires_grad=True)
        loss = _loss_tensor(call(module, function, logits, *[Tensor(a) for a in arrays[1:]]), function)
        expect_close("the loss at extreme logits", loss.numpy(), reference(*[Tensor(a) for a in arrays]).numpy(),
                     source="minigan's reference formula")
        ref_logits = Tensor(arrays[0].copy(), requires_grad=True)
        (expected,) = grad(reference(ref_logits, *[Tensor(a) for a in arrays[1:]]), [ref_logits])
        try:
            (got,) = grad(loss, [logits])
        except RuntimeError as exc:
            raise Failure(f"no gradient reaches the logits: {exc}") from None
        expect_close("the gradient at extreme logits", got.numpy(), expected.numpy(),
                     source="minigan's autograd of the reference")
        return note_fn(module) if note_fn else None

    shown = ", ".join(f"{v:g}" for v in extreme()[0].ravel())
    return [Case("value on moderate logits", value_case),
            Case("gradcheck (float64, central differences)", gradcheck_case),
            Case(f"extreme logits ({shown}): finite and correct, with the right gradient", extreme_case)]


def bce_with_logits(module):
    rs = _rng(6)

    def make():
        return [rs.standard_normal((4, 3)) * 2, rs.uniform(0, 1, (4, 3))]

    def extreme():
        return [np.array([-1000.0, -50.0, 50.0, 1000.0, -1000.0, 1000.0]),
                np.array([1.0, 1.0, 0.0, 0.0, 0.0, 1.0])]

    return _loss_cases(module, "bce_with_logits", lambda a, t: F.binary_cross_entropy_with_logits(a, t),
                       make, extreme)


GENERATOR_LOSSES = {
    # J(G) on D's logits a = sigma^-1(D(G(z))), as Goodfellow's tutorial (2016, sec. 3.2) and
    # minigan.gan.losses write them: with the factor 1/2, and averaged over the batch.
    "non_saturating": ("-1/2 mean(log D(G(z))) = 1/2 mean(softplus(-a))",
                       lambda a: F.mean(F.softplus(-a)) * 0.5),
    "minimax": ("1/2 mean(log(1 - D(G(z)))) = -1/2 mean(softplus(a))", lambda a: F.mean(F.softplus(a)) * -0.5),
    "max_likelihood": ("-1/2 mean(exp(a))", lambda a: F.mean(F.exp(a)) * -0.5),
}


def generator_loss(module):
    kind = getattr(module, "KIND", None)
    if kind not in GENERATOR_LOSSES:
        def bad_kind():
            raise Failure(f"set KIND to one of {', '.join(repr(k) for k in GENERATOR_LOSSES)}, got {kind!r}")
        return [Case("KIND names the loss you chose", bad_kind)]
    formula, reference = GENERATOR_LOSSES[kind]
    rs = _rng(7)
    big = 20.0 if kind == "max_likelihood" else 100.0   # exp(100) is fine, but the loss would be -1e43

    def make():
        return [rs.standard_normal((6, 1)) * 2]

    def extreme():
        return [np.array([[-big], [-5.0], [0.0], [5.0], [big]])]

    def slope_note(module):
        a = Tensor(np.array([-10.0]), requires_grad=True)
        (g,) = grad(_loss_tensor(call(module, "generator_loss", a), "generator_loss"), [a])
        return (f"{kind}: J(G) = {formula}; its slope where D is sure the fake is fake (logit -10, "
                f"D(G(z)) = 4.5e-05) is {float(g.numpy()[0]):.3g}")

    return [Case(f"KIND = {kind!r}", lambda: None)] + \
        _loss_cases(module, "generator_loss", reference, make, extreme, slope_note)


# name: (spec, one-line task, functions the learner writes)
SPECS: dict[str, tuple[Callable[[ModuleType], list[Case]], str, tuple[str, ...]]] = {
    "sigmoid_backward": (sigmoid_backward, "the backward of sigmoid: grad_x from x and grad_output",
                         ("sigmoid_backward",)),
    "matmul_backward": (matmul_backward, "the backward of a @ b: grad_a and grad_b", ("matmul_backward",)),
    "conv2d_grads": (conv2d_grads, "naive loops for conv2d's input and weight gradients", ("conv2d_backward",)),
    "conv_transpose2d_forward": (conv_transpose2d_forward, "naive conv_transpose2d forward: each pixel stamps "
                                 "the kernel", ("conv_transpose2d",)),
    "maxpool_backward": (maxpool_backward, "max_pool2d's backward: route each gradient to its window's winner",
                         ("max_pool2d_backward",)),
    "bce_with_logits": (bce_with_logits, "binary cross-entropy on logits, finite for any logit",
                        ("bce_with_logits",)),
    "gram_matrix": (gram_matrix, "the Gram matrix of feature maps, and its gradient",
                    ("gram_matrix", "gram_matrix_backward")),
    "generator_loss": (generator_loss, "a GAN generator loss of your choice on D's logits", ("generator_loss",)),
}
