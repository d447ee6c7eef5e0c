"""gradcheck itself: it must catch wrong backwards (a missing factor, the `=` instead of `+=` bug on
overlapping windows), say where, leave the caller's data alone, and pass correct ones."""
import numpy as np
import pytest

import minigan as mg
from minigan import backend
from minigan.autograd import Function, Tensor

from helpers import tensors


# --------------------------------------------------------------------------- deliberately wrong Functions
class SquareMissingFactor(Function):
    """y = x²; the backward forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * x  # should be gy * 2x


class PairSums(Function):
    """y[i] = x[i] + x[i+1]: overlapping windows of 2. ``overwrite=True`` writes the gradient with
    ``=`` instead of ``+=``, so each x[i] keeps only the contribution of its last window."""

    @staticmethod
    def forward(ctx, x, overwrite):
        ctx.n, ctx.overwrite = x.shape[0], overwrite
        return x[:-1] + x[1:]

    @staticmethod
    def backward(ctx, gy):
        xp = backend.xp_of(gy.data)
        gx = xp.zeros(ctx.n, dtype=gy.dtype)
        for i in range(ctx.n - 1):
            if ctx.overwrite:
                gx[i] = gy.data[i]
                gx[i + 1] = gy.data[i]
            else:
                gx[i] += gy.data[i]
                gx[i + 1] += gy.data[i]
        return Tensor(gx)


class Scale2(Function):
    """y = 2 x, exact."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, gy):
        return gy * 2.0


# --------------------------------------------------------------------------- failures are caught and located
def test_missing_factor_raises_and_names_input(device):
    a, b = tensors(device, [0.5, 1.0, -2.0], [1.0, 2.0])
    b.requires_grad = True
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda a, b: SquareMissingFactor.apply(a).sum() * b.sum(), [a, b])
    rep = info.value.report
    assert not rep.passed
    row0, row1 = rep.rows
    assert not row0.passed and row0.name == "input 0"
    assert row1.passed  # b's gradient is right
    # |error| = |x| * |v| * sum(b): largest at x = -2, index 2.
    assert row0.worst_index == (2,)
    assert row0.analytic == pytest.approx(row0.numeric / 2, rel=1e-6)
    text = str(info.value)
    assert "FAILED" in text and "input 0" in text
    assert f"{row0.analytic:.6g}" in text and f"{row0.numeric:.6g}" in text


def test_overwrite_instead_of_accumulate_is_caught(device):
    x = tensors(device, np.arange(1.0, 7.0))[0]
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: PairSums.apply(x, True), [x])
    row = info.value.report.rows[0]
    # The first and last elements belong to one window only; every middle one loses a contribution.
    assert 1 <= row.worst_index[0] <= 4
    assert row.analytic != pytest.approx(row.numeric, abs=1e-3)


def test_accumulating_version_passes(device):
    x = tensors(device, np.arange(1.0, 7.0))[0]
    rep = mg.gradcheck(lambda x: PairSums.apply(x, False), [x])
    assert rep.passed and rep.max_abs_err < 1e-7


def test_random_upstream_gradient_catches_a_swapped_index_that_all_ones_hides():
    # A reversal whose backward forgets to reverse: with v = 1 everywhere both gradients are all ones and
    # the check passes; the default random v exposes it.
    class WrongReverse(Function):
        @staticmethod
        def forward(ctx, x):
            return x[::-1].copy()

        @staticmethod
        def backward(ctx, gy):
            return gy  # should be reversed

    x = tensors("cpu", [1.0, 2.0, 3.0, 4.0])[0]
    mg.gradcheck(lambda x: WrongReverse.apply(x), [x], grad_outputs=np.ones(4))  # blind to the bug
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(lambda x: WrongReverse.apply(x), [x])


def test_directional_mode_catches_and_passes(device):
    x = tensors(device, np.linspace(-1, 1, 7))[0]
    rep = mg.gradcheck(lambda x: (x * x).tanh(), [x], mode="directional")
    assert rep.passed and rep.mode == "directional" and len(rep.rows) == 1
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(lambda x: SquareMissingFactor.apply(x), [x], mode="directional")


def test_unknown_mode_is_an_error():
    x = tensors("cpu", [1.0])[0]
    with pytest.raises(ValueError, match="mode"):
        mg.gradcheck(lambda x: x, [x], mode="fast")


# --------------------------------------------------------------------------- what gradcheck promises
def test_success_returns_a_report(device):
    x = tensors(device, [[0.3, -0.2], [1.5, 0.7]])[0]
    rep = mg.gradcheck(lambda x: (x * x).tanh(), [x])
    assert rep.passed and rep.mode == "full"
    assert [r.name for r in rep.rows] == ["input 0"]
    assert rep.rows[0].shape == (2, 2) and rep.max_abs_err < 1e-6
    assert "passed" in str(rep)


def test_inputs_without_requires_grad_are_skipped(device):
    x, c = tensors(device, [1.0, 2.0], [3.0, -1.0])
    c.requires_grad = False
    calls = []

    def f(x, c, k):
        calls.append(1)
        return x * c * k

    rep = mg.gradcheck(f, [x, c, 5])
    assert [r.name for r in rep.rows] == ["input 0"]
    # one forward for autograd + two per element of x (c is never perturbed)
    assert len(calls) == 1 + 2 * 2


def test_nothing_to_check_is_an_error():
    c = tensors("cpu", [1.0], requires_grad=False)[0]
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda c: c * 2, [c])


def test_gradcheck_never_mutates_callers_arrays(device):
    x32 = mg.tensor(np.array([0.1, 0.2, 0.3], dtype=np.float32), device=device, requires_grad=True)
    x64 = mg.tensor(np.array([0.4, -0.5]), device=device, requires_grad=True)
    before32, before64 = x32.numpy().copy(), x64.numpy().copy()
    d32, d64 = x32.data, x64.data
    mg.gradcheck(lambda a, b: a.sum() * b, [x32, x64])
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(lambda a: SquareMissingFactor.apply(a), [x64])
    assert x32.data is d32 and x64.data is d64
    assert x32.dtype == np.float32
    np.testing.assert_array_equal(x32.numpy(), before32)
    np.testing.assert_array_equal(x64.numpy(), before64)
    assert x32.grad is None and x64.grad is None


def test_params_are_checked_and_restored():
    nn = mg.nn
    lin = nn.Linear(3, 2)
    w_before = lin.weight.data
    x = tensors("cpu", np.random.default_rng(0).standard_normal((4, 3)))[0]
    rep = mg.gradcheck(lambda x: lin(x).tanh(), [x], params=list(lin.parameters()))
    assert [r.name for r in rep.rows] == ["input 0", "param 0", "param 1"]
    assert lin.weight.data is w_before and lin.weight.dtype == np.float32


def test_gradcheck_float32_would_not_be_accurate_enough_so_it_casts():
    # A float32 input is checked in float64: the numeric gradient of x² at eps=1e-6 is exact to ~1e-9.
    x = mg.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    rep = mg.gradcheck(lambda x: x * x, [x])
    assert rep.max_abs_err < 1e-6


def test_exact_function_passes_with_tight_tolerance():
    x = tensors("cpu", np.arange(5.0))[0]
    assert mg.gradcheck(lambda x: Scale2.apply(x), [x], atol=1e-8, rtol=0).passed


def test_raise_exception_false_returns_failed_report():
    x = tensors("cpu", [1.0, 2.0])[0]
    rep = mg.gradcheck(lambda x: SquareMissingFactor.apply(x), [x], raise_exception=False)
    assert not rep.passed


# --------------------------------------------------------------------------- gradgradcheck
def test_gradgradcheck_catches_a_backward_that_is_not_differentiable_correctly():
    class CubeBadSecond(Function):
        """y = x³ with a correct first derivative computed on raw arrays: its graph is cut, so the second
        derivative seen through it is wrong (zero)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * Tensor(3 * x.data ** 2)

    x = tensors("cpu", [0.5, -1.5, 2.0])[0]
    mg.gradcheck(lambda x: CubeBadSecond.apply(x), [x])
    with pytest.raises(mg.GradcheckError):
        mg.gradgradcheck(lambda x: CubeBadSecond.apply(x), [x])
    assert mg.gradgradcheck(lambda x: x ** 3, [x]).passed


# --------------------------------------------------------------------------- adjoint test
def test_check_adjoint_accepts_a_true_transpose():
    A = np.random.default_rng(3).standard_normal((4, 3))
    res = mg.check_adjoint(lambda x: A @ x, lambda y: A.T @ y, (3,), (4,))
    assert res["rel_err"] < 1e-12


def test_check_adjoint_catches_a_wrong_transpose():
    A = np.random.default_rng(3).standard_normal((3, 3))
    with pytest.raises(AssertionError, match="not the transpose"):
        mg.check_adjoint(lambda x: A @ x, lambda y: A @ y, (3,), (3,))


def test_check_adjoint_reports_wrong_shapes():
    A = np.ones((4, 3))
    with pytest.raises(AssertionError, match="expected"):
        mg.check_adjoint(lambda x: A @ x, lambda y: y, (3,), (4,))


def test_non_contiguous_inputs_and_params_are_perturbed():
    # The full check perturbs one element at a time through a flat view of a float64 copy; a copy that kept
    # a Fortran or transposed layout would make that view a copy and every numeric gradient 0.
    x = Tensor(np.asfortranarray(np.random.default_rng(1).standard_normal((3, 4))), requires_grad=True)
    w = mg.nn.Parameter(np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32).T)
    assert not x.data.flags["C_CONTIGUOUS"] and not w.data.flags["C_CONTIGUOUS"]
    rep = mg.gradcheck(lambda x: x * x * w, [x], params=[w])
    assert rep.passed and rep.max_abs_err < 1e-6


def test_the_report_is_false_when_the_check_fails():
    """As PyTorch's gradcheck returns True or False: ``assert gradcheck(..., raise_exception=False)`` holds
    only for a right backward."""
    x = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    bad = mg.gradcheck(SquareMissingFactor.apply, (x,), raise_exception=False)
    assert not bad and bad.passed is False
    good = mg.gradcheck(lambda a: a * a, x)            # a bare Tensor, as torch takes it
    assert good and good.passed


def test_integer_and_bool_inputs_are_passed_unchanged():
    x = mg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    assert mg.gradcheck(lambda a, i: a[i] * 2, (x, mg.tensor([0, 1, 1])))
    assert mg.gradcheck(lambda a, m: a[m] ** 2, (x, mg.tensor([True, False, True])))


def test_a_nan_on_either_side_fails_and_is_pointed_at():
    """nan compares false with everything: a check written as ``err > tol`` would let it through."""
    x = mg.tensor([2.0, 6.0, 7.0], dtype=mg.float64, requires_grad=True)
    report = mg.gradcheck(lambda x: mg.log(x - 5), [x], raise_exception=False)      # log of -3 at element 0
    assert not report and report.rows[0].worst_index == (0,)
    with pytest.raises(mg.GradcheckError, match="nan"):
        mg.gradcheck(lambda x: mg.sqrt(x - 6), [x])                                 # also a nan output
