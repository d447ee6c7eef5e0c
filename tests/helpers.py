"""Helpers the op and layer tests share: float64 inputs on a device, and one function that runs an op in
minigan and in PyTorch and compares values and gradients (in the spirit of tinygrad's ``helper_test_op``)."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import minigan as mg
from minigan import backend


def randn(*shape, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """Host float64 samples from a fixed generator (so a failing case can be rerun exactly)."""
    return np.random.default_rng(seed).standard_normal(shape) * scale


def distinct(*shape, seed: int = 0) -> np.ndarray:
    """Float64 values that are pairwise far apart (a random permutation of a grid), so max/argmax
    ties cannot occur and a finite-difference step never changes which element wins; none is 0 (where
    relu and abs have a kink)."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(n).reshape(shape).astype(np.float64) * 0.1 - n * 0.05 + 0.013


def tensors(device: str, *arrays, requires_grad: bool = True) -> list[mg.Tensor]:
    """float64 leaf tensors on ``device`` for each host array."""
    return [mg.tensor(np.asarray(a, dtype=np.float64), device=device, requires_grad=requires_grad) for a in arrays]


def check_grad(fn: Callable, *arrays, device: str = "cpu", **kwargs):
    """``mg.gradcheck(fn, float64 tensors of arrays on device)`` in full mode; returns the report."""
    return mg.gradcheck(fn, tensors(device, *arrays), **kwargs)


def compare_with_torch(torch, mg_fn: Callable, torch_fn: Callable, arrays: Sequence[np.ndarray],
                       device: str = "cpu", atol: float = 1e-9, rtol: float = 1e-7, grad: bool = True,
                       seed: int = 0) -> None:
    """Run ``mg_fn`` on minigan tensors and ``torch_fn`` on torch tensors made from the same float64
    ``arrays``; assert equal outputs and equal gradients for one random upstream gradient."""
    xs = tensors(device, *arrays, requires_grad=grad)
    ts = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad) for a in arrays]
    y = mg_fn(*xs)
    ty = torch_fn(*ts)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=atol, rtol=rtol, err_msg="forward")
    if not grad:
        return
    v = np.random.default_rng(seed).standard_normal(ty.shape)
    y.backward(mg.tensor(v, device=device))
    ty.backward(torch.tensor(v))
    for i, (x, t) in enumerate(zip(xs, ts)):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad.numpy()
        np.testing.assert_allclose(got, expected, atol=atol, rtol=rtol, err_msg=f"gradient of input {i}")


def conv_call(lib_f, op: str, case):
    """A table case of a convolution, as a function of its tensors: ``case`` is ``(x_shape, w_shape, bias, *args)``
    with ``args`` the op's own positional arguments after the bias (``stride, padding, dilation, groups`` for
    ``conv1d``/``conv3d``; ``stride, padding, output_padding, groups, dilation`` for the transposed ones), and
    ``lib_f`` is ``minigan.nn.functional`` or ``torch.nn.functional``. With a bias it takes ``(x, w, b)``."""
    _, _, bias, *args = case
    if bias:
        return lambda x, w, b: getattr(lib_f, op)(x, w, b, *args)
    return lambda x, w: getattr(lib_f, op)(x, w, None, *args)


def conv_inputs(case, out_channels: int):
    """Float64 arrays for :func:`conv_call`: ``x``, ``w`` and, with a bias, ``b`` of ``out_channels`` values."""
    x_shape, w_shape, bias = case[:3]
    arrays = [randn(*x_shape, seed=1), randn(*w_shape, seed=2)]
    return arrays + [randn(out_channels, seed=3)] if bias else arrays


def equal_to_torch(torch, ours: Callable, theirs: Callable, *arrays) -> int:
    """Where torch raises, minigan raises a ValueError; elsewhere the same values, hence the same output size.
    Returns 1 where the two computed, 0 where both raised (tests count the cases that ran)."""
    import pytest
    try:
        expected = theirs(*(torch.tensor(a) for a in arrays)).numpy()
    except RuntimeError:
        with pytest.raises(ValueError):
            ours(*(mg.tensor(a) for a in arrays))
        return 0
    got = ours(*(mg.tensor(a) for a in arrays)).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-12)
    return 1


def load_from_torch(layer, t_layer):
    """``layer`` with the parameters and buffers of its torch twin ``t_layer`` (every key used, none missing)."""
    missing, unexpected = layer.load_state_dict({k: v.detach().numpy() for k, v in t_layer.state_dict().items()})
    assert missing == [] and unexpected == []
    return layer


def layer_matches_torch(torch, layer, t_layer, x_np, device: str = "cpu", seed: int = 9, **kwargs) -> None:
    """A float64 layer and its torch twin (same parameters) on the same input: equal outputs, and equal input and
    parameter gradients for one random upstream gradient; the parameters have torch's names, in its order.
    ``kwargs`` go to both calls (``output_size=...``)."""
    layer.to(device)
    x = mg.tensor(x_np, device=device, requires_grad=True)
    tx = torch.tensor(x_np, requires_grad=True)
    y, ty = layer(x, **kwargs), t_layer(tx, **kwargs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-12, rtol=1e-10, err_msg="forward")
    v = randn(*ty.shape, seed=seed)
    y.backward(mg.tensor(v, device=device))
    ty.backward(torch.tensor(v))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12, rtol=1e-10, err_msg="input gradient")
    t_params = dict(t_layer.named_parameters())
    assert [name for name, _ in layer.named_parameters()] == list(t_params)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), atol=1e-12, rtol=1e-10, err_msg=name)


def host(t) -> np.ndarray:
    """A host numpy array of a Tensor or an array on any device."""
    return backend.to_numpy(t.data if isinstance(t, mg.Tensor) else t)


def assert_count_draws(d, x, device: str = "cpu") -> None:
    """Draws ``x (n, 3)`` of a counting distribution ``d`` (batch of 3) look like it: float64, no graph, in the
    support, mean within 6 standard errors, variance within 8%, and the frequencies of 0 and 1 within 6 standard
    errors of ``exp(log_prob)``."""
    n = x.shape[0]
    assert x.shape == (n, 3) and x.dtype == np.float64 and not x.requires_grad
    xs, mean, var = x.numpy(), d.mean.numpy(), d.variance.numpy()
    assert bool(d.support.check(x).numpy().all())
    np.testing.assert_array_less(np.abs(xs.mean(0) - mean), 6 * np.sqrt(var / n))
    np.testing.assert_allclose(xs.var(0), var, rtol=0.08)
    for k in (0, 1):
        pk = np.exp(d.log_prob(mg.tensor(np.full(3, float(k)), device=device)).numpy())
        np.testing.assert_array_less(np.abs((xs == k).mean(0) - pk), 6 * np.sqrt(pk * (1 - pk) / n) + 1e-9)
