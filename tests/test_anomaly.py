"""Anomaly detection (mg.autograd.detect_anomaly) names the op whose backward made a NaN and shows where it was
called; mg.autograd.backward runs one pass from several outputs; torch.autograd's other names are there."""
import re
import warnings

import minigan as mg
import numpy as np
import pytest

from helpers import host


def _sqrt_ratio(device):
    """``sqrt(x) / sqrt(x)`` at x = 0: the division's backward divides by 0 and returns NaN for its divisor."""
    x = mg.tensor([0.0, 1.0], device=device, requires_grad=True)
    z = mg.sqrt(x)
    return x, (z / z).sum()                                  # THE FORWARD CALL


def test_a_nan_gradient_stops_the_pass_naming_the_op_and_where_it_was_called(device):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with mg.autograd.detect_anomaly():
            x, loss = _sqrt_ratio(device)
            with pytest.warns(UserWarning, match="Error detected in DivBackward0") as shown:
                with pytest.raises(RuntimeError, match=re.escape("Function 'DivBackward0' returned nan values in "
                                                                 "its 1th output.")):
                    loss.backward()
    trace = str(shown[-1].message)
    assert "test_anomaly.py" in trace and "THE FORWARD CALL" in trace     # the line that called the division
    assert "minigan" + "/function.py" not in trace                         # minigan's own frames are left out
    assert x.grad is None                                                  # stopped before reaching the leaf
    assert not mg.is_anomaly_enabled()                                     # the block restored the setting


def test_without_detection_the_nan_reaches_the_gradient(device):
    x, loss = _sqrt_ratio(device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                   # NumPy's divide-by-zero warning
        loss.backward()
    assert np.isnan(host(x.grad)[0])


def test_check_nan_false_keeps_going(device):
    with pytest.warns(UserWarning, match="Anomaly"):
        with mg.autograd.detect_anomaly(check_nan=False):
            assert mg.is_anomaly_enabled() and not mg.is_anomaly_check_nan_enabled()
            x, loss = _sqrt_ratio(device)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                loss.backward()
    assert np.isnan(host(x.grad)[0]) and mg.is_anomaly_check_nan_enabled()


class _Broken(mg.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        raise ValueError("a bug in this backward")


def test_an_error_inside_a_backward_shows_the_forward_call():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly"):
        with mg.autograd.detect_anomaly():
            y = _Broken.apply(x).sum()                        # BROKEN CALL
            with pytest.warns(UserWarning, match="Error detected in _BrokenBackward0") as shown:
                with pytest.raises(ValueError, match="a bug in this backward"):
                    y.backward()
    assert "BROKEN CALL" in str(shown[-1].message)


def test_an_op_recorded_before_detection_is_named_without_a_stack():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    z = mg.sqrt(x)
    loss = (z / z).sum()
    with mg.autograd.set_detect_anomaly(True):
        with pytest.warns(UserWarning, match="not recorded"):
            with pytest.raises(RuntimeError, match="DivBackward"):
                loss.backward()
    assert not mg.is_anomaly_enabled()


def test_set_detect_anomaly_as_a_call_and_the_decorator():
    mg.autograd.set_detect_anomaly(True, check_nan=False)
    try:
        assert mg.is_anomaly_enabled() and not mg.is_anomaly_check_nan_enabled()
    finally:
        mg.set_anomaly_enabled(False)
    assert not mg.is_anomaly_enabled() and mg.is_anomaly_check_nan_enabled()

    @mg.autograd.detect_anomaly()
    def step():
        return mg.is_anomaly_enabled()
    with pytest.warns(UserWarning, match="Anomaly"):
        assert step()
    assert not mg.is_anomaly_enabled()


def test_the_same_op_and_input_as_pytorch(torch):
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly():
            z = torch.sqrt(x)
            with pytest.raises(RuntimeError, match=r"'DivBackward0' returned nan values in its 1th output"):
                (z / z).sum().backward()


# --------------------------------------------------------------------------- mg.autograd.backward
def test_backward_from_several_outputs_sums_their_gradients(device):
    a = mg.tensor([1.0, 2.0, 3.0], device=device, requires_grad=True)
    mg.autograd.backward([(a * a).sum(), a * 3], [None, mg.tensor([1.0, 0.0, 2.0], device=device)])
    np.testing.assert_allclose(host(a.grad), 2 * np.array([1.0, 2.0, 3.0]) + np.array([3.0, 0.0, 6.0]))


def test_backward_with_inputs_fills_only_those(device):
    a = mg.tensor([1.0, 2.0], device=device, requires_grad=True)
    b = mg.tensor([3.0, 4.0], device=device, requires_grad=True)
    mg.autograd.backward((a * b).sum(), inputs=[b])
    assert a.grad is None
    np.testing.assert_allclose(host(b.grad), [1.0, 2.0])


def test_backward_matches_pytorch(torch):
    a_np = np.array([0.5, -1.5, 2.0])
    a, ta = mg.tensor(a_np, requires_grad=True), torch.tensor(a_np, requires_grad=True)
    mg.autograd.backward([mg.exp(a).sum(), a * a], [None, mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)])
    torch.autograd.backward([torch.exp(ta).sum(), ta * ta], [None, torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)])
    np.testing.assert_allclose(host(a.grad), ta.grad.numpy(), rtol=1e-12)


def test_backward_errors():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="backward\\(\\): got 2 outputs and 1 grad_tensors"):
        mg.autograd.backward([a.sum(), a.sum()], [None])
    with pytest.raises(RuntimeError, match="grad_tensors is needed for a non-scalar output of shape"):
        mg.autograd.backward(a * 2)
    with pytest.raises(RuntimeError, match="an output does not require grad"):
        mg.autograd.backward(mg.tensor(1.0))


def test_torch_autograd_names():
    assert mg.autograd.gradcheck is mg.gradcheck and mg.autograd.gradgradcheck is mg.gradgradcheck
    assert mg.autograd.grad is mg.grad
