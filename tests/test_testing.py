"""mg.testing.assert_close and mg.testing.make_tensor, held to torch.testing's behaviour: which inputs pass, which
raise and what, and the message."""
import minigan as mg
import re

import numpy as np
import pytest

from minigan.testing import assert_close, make_tensor

A = np.array
f32, f16, c64 = np.float32, np.float16, np.complex64


class Raw:
    """A NumPy array kept as an array on both sides (not turned into a tensor)."""

    def __init__(self, a):
        self.a = a


def _as(x, lib, torch):
    """The same nested input for either library: arrays become tensors (mg or torch), Raw stays an array."""
    if isinstance(x, Raw):
        return x.a
    if isinstance(x, np.ndarray):
        return torch.from_numpy(x.copy()) if lib == "torch" else mg.tensor(x)
    if isinstance(x, list):
        return [_as(v, lib, torch) for v in x]
    if isinstance(x, dict):
        return {k: _as(v, lib, torch) for k, v in x.items()}
    return x


def _outcome(fn, a, e, kw):
    try:
        fn(a, e, **kw)
    except (AssertionError, TypeError, ValueError) as err:
        return type(err), str(err)
    return None, ""


def _torch_text(text: str) -> str:
    """torch's message in minigan's words: shapes are tuples, dtypes have no ``torch.`` before them."""
    text = re.sub(r"torch\.Size\(\[([^]]*)\]\)", lambda m: str(tuple(int(n) for n in m.group(1).split(",") if n)), text)
    return text.replace("torch.", "")


CASES = {   # name: (actual, expected, keyword arguments)
    "exact": (A([1., 2., 3.], f32), A([1., 2., 3.], f32), {}),
    "within_default_rtol": (A([1e4, 2.], f32), A([1e4 + 1e-2, 2.], f32), {}),
    "outside_default_float32": (A([1., 2., 3.], f32), A([1., 2.5, 3.1], f32), {}),
    "outside_float64": (A([1., 2., 3.]), A([1., 2.5, 3.1]), {}),
    "float16_close": (A([1., 2.], f16), A([1., 2.001], f16), {}),
    "float16_far": (A([1., 2.], f16), A([1., 2.1], f16), {}),
    "2d_index": (A([[1., 2.], [3., 4.]], f32), A([[1., 2.], [3., 5.]], f32), {}),
    "within_atol": (A([1., 2.], f32), A([1., 2.1], f32), {"rtol": 0, "atol": 0.2}),
    "outside_given_tols": (A([1., 2.], f32), A([1., 2.5], f32), {"rtol": 0.1, "atol": 0.1}),
    "zero_tols_float": (A([1.5, 2.5]), A([1.5, 2.6]), {"rtol": 0, "atol": 0}),
    "near_zero_expected": (A([0., 0.], f32), A([1e-6, 1.], f32), {}),
    "expected_zero": (A([5.], f32), A([0.], f32), {}),
    "rel_inf_and_abs": (A([1., 2., 3.]), A([0., 0., 3.]), {}),
    "ints_equal": (A([1, 2, 3]), A([1, 2, 3]), {}),
    "ints_differ": (A([1, 2, 3]), A([1, 2, 4]), {}),
    "ints_negative": (A([-1, 7], np.int32), A([-1, -7], np.int32), {}),
    "ints_with_atol": (A([1, 2]), A([1, 3]), {"rtol": 0, "atol": 1}),
    "ints_outside_tols": (A([1, 2]), A([1, 4]), {"rtol": 0.1, "atol": 1}),
    "uint8_no_wrap": (A([200], np.uint8), A([1], np.uint8), {}),
    "bools": (A([True]), A([False]), {}),
    "bools_with_tols": (A([True, True]), A([False, True]), {"rtol": 0.5, "atol": 0.5}),
    "nan": (A([1., np.nan], f32), A([1., np.nan], f32), {}),
    "nan_equal_nan": (A([1., np.nan], f32), A([1., np.nan], f32), {"equal_nan": True}),
    "nan_vs_number": (A([np.nan, 2., 3.], f32), A([1., 5., 3.], f32), {}),
    "inf_same": (A([1., np.inf], f32), A([1., np.inf], f32), {}),
    "inf_opposite": (A([1., np.inf], f32), A([1., -np.inf], f32), {}),
    "inf_expected_only": (A([1., 2.], f32), A([1., np.inf], f32), {}),
    "shape": (A([1., 2.], f32), A([1., 2., 3.], f32), {}),
    "shape_no_broadcast": (A([[1., 2.]], f32), A([1., 2.], f32), {}),
    "dtype": (A([1., 2.], f32), A([1., 2.]), {}),
    "dtype_int_float": (A([1, 2]), A([1., 2.], f32), {}),
    "int_float_unchecked": (A([1, 2]), A([1., 2.], f32), {"check_dtype": False}),
    "int_float_unchecked_far": (A([1, 3]), A([1., 2.], f32), {"check_dtype": False}),
    "uint8_int8_unchecked": (A([1, 2], np.uint8), A([1, 5], np.int8), {"check_dtype": False}),
    "only_rtol": (A([1.], f32), A([1.], f32), {"rtol": 1e-3}),
    "only_atol": (A([1.], f32), A([1.], f32), {"atol": 1e-3}),
    "only_atol_msg_ignored": (A([1.], f32), A([1.], f32), {"atol": 1e-3, "msg": "not used"}),
    "msg_string": (A([1., 2.], f32), A([1., 2.1], f32), {"msg": "my message"}),
    "msg_callable": (A([1., 2.], f32), A([1., 2.1], f32), {"msg": lambda m: "while checking x.grad\n" + m}),
    "zero_d": (A(1., f32), A(2., f32), {}),
    "zero_d_close": (A(1., f32), A(1. + 1e-7, f32), {}),
    "zero_d_float16": (A(1., f16), A(1.1, f16), {}),
    "zero_d_ints": (A(3), A(4), {}),
    "zero_d_bools": (A(True), A(False), {}),
    "empty": (A([], f32), A([], f32), {}),
    "empty_vs_one": (A([], f32), A([1.], f32), {}),
    "complex": (A([1 + 1j], c64), A([1 + 1j], c64), {}),
    "complex_nan_parts": (A([complex(np.nan, 0)], c64), A([complex(0, np.nan)], c64), {"equal_nan": True}),
    "complex_dtypes": (A([1 + 1j], c64), A([1 + 1j]), {}),
    "list": ([A(1., f32), A(2., f32)], [A(1., f32), A(3., f32)], {}),
    "list_len": ([1, 2], [1, 2, 3], {}),
    "list_tuple": ([1, 2], (1, 2), {}),
    "nested_dict": ({"a": A(1., f32), "b": [A(2., f32), A([3., 4.], f32)]},
                    {"a": A(1., f32), "b": [A(2., f32), A([3., 5.], f32)]}, {}),
    "dict_keys": ({"a": 1}, {"b": 1}, {}),
    "mixed_keys": ({1: 1, "b": 2}, {1: 1, "b": 3}, {}),
    "nested_msg_callable": ([A(1., f32), 2], [A(1., f32), 3], {"msg": lambda m: "X:" + m}),
    "structure_before_values": ([A(1., f32), 2, "a"], [A(5., f32), 3, "a"], {}),
    "float_scalars_close": (1.0, 1.0 + 1e-9, {}),
    "float_scalars_far": (1.0, 1.1, {}),
    "int_scalars": (1, 2, {}),
    "int_vs_float_scalar": (1, 1.0, {}),
    "int_vs_float_unchecked": (1, 1.0, {"check_dtype": False}),
    "complex_scalars": (1 + 1j, 1 + 1.1j, {}),
    "nan_scalars": (float("nan"), float("nan"), {}),
    "nan_scalars_equal_nan": (float("nan"), float("nan"), {"equal_nan": True}),
    "inf_scalars": (float("inf"), float("inf"), {}),
    "numpy_scalars": (np.float32(1.0), np.float32(1.1), {}),
    "numpy_scalar_vs_float": (np.float32(1.0), 1.0, {}),
    "python_bools": (True, False, {}),
    "none": (None, None, {}),
    "none_vs_number": (None, 1, {}),
    "arrays": (Raw(A([1., 2.])), Raw(A([1., 2.1])), {}),
    "arrays_0d": (Raw(A(1.0)), Raw(A(2.0)), {}),
    "arrays_dtype": (Raw(A([1., 2.])), Raw(A([1, 2])), {}),
    "strings": ("a", "a", {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_assert_close_matches_torch(torch, name):
    a, e, kw = CASES[name]
    kind_t, text_t = _outcome(torch.testing.assert_close, _as(a, "torch", torch), _as(e, "torch", torch), kw)
    kind_m, text_m = _outcome(assert_close, _as(a, "mg", torch), _as(e, "mg", torch), kw)
    assert kind_m is kind_t, (text_t, text_m)
    if kind_t is not None:
        assert text_m == _torch_text(text_t)


def test_the_message_says_counts_differences_and_indices():
    with pytest.raises(AssertionError) as info:
        assert_close(mg.tensor([[1., 2.], [3., 4.]]), mg.tensor([[1., 2.], [3.5, 4.]]))
    lines = str(info.value).splitlines()
    assert lines[0] == "Tensor-likes are not close!"
    assert lines[2] == "Mismatched elements: 1 / 4 (25.0%)"
    assert lines[3] == "Greatest absolute difference: 0.5 at index (1, 0) (up to 1e-05 allowed)"
    assert lines[4].startswith("Greatest relative difference: 0.14285") and lines[4].endswith("(up to 1.3e-06 allowed)")


def test_complex_compares_the_modulus_of_the_difference(torch):
    a, e = A([1 + 1j, 2j], c64), A([1 + 1.1j, 2j], c64)
    with pytest.raises(AssertionError) as ours:
        assert_close(mg.tensor(a), mg.tensor(e))
    with pytest.raises(AssertionError) as theirs:
        torch.testing.assert_close(torch.from_numpy(a), torch.from_numpy(e))
    # the relative difference may differ in float32's last place (|1 + 1.1j| rounds differently)
    assert str(ours.value).splitlines()[:4] == str(theirs.value).splitlines()[:4]
    assert str(ours.value).splitlines()[4].startswith("Greatest relative difference: 0.067267")


def test_a_tensor_and_an_array_do_not_compare():
    with pytest.raises(TypeError, match=r"No comparison pair .* Compare a Tensor with a Tensor"):
        assert_close(mg.tensor([1.]), np.array([1.], dtype=np.float32))
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(mg.tensor(1.), 1.0)


def test_subclasses_of_tensor():
    from minigan.nn import Parameter
    p, t = Parameter(mg.tensor([1., 2.])), mg.tensor([1., 2.])
    assert_close(p, t)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(p, t, allow_subclasses=False)


def test_graph_tensors_compare_by_value():
    x = mg.tensor([1., 2.], requires_grad=True)
    assert_close(x * 2, mg.tensor([2., 4.]))
    with pytest.raises(AssertionError, match="Tensor-likes are not close"):
        assert_close(x * 2, mg.tensor([2., 4.5]))


def test_bool_against_int_scalar_is_a_dtype_mismatch():
    # PyTorch fails here with an internal RuntimeError; minigan reports the type difference
    with pytest.raises(AssertionError, match=r"The \(d\)types do not match: <class 'bool'> != <class 'int'>"):
        assert_close(True, 1)
    assert_close(True, 1, check_dtype=False)


def test_check_stride():
    x = mg.tensor([[0., 2., 4.], [1., 3., 5.]])
    y = mg.tensor(np.arange(6., dtype=np.float32).reshape(3, 2)).T     # the same values, stored by column
    assert_close(x, y)
    with pytest.raises(AssertionError, match=r"attribute 'stride\(\)' do not match: \(3, 1\) != \(1, 2\)"):
        assert_close(x, y, check_stride=True)


def test_on_each_device(device):
    x = mg.tensor([1., 2., 3.], device=device)
    assert_close(x, mg.tensor([1., 2., 3.], device=device))
    with pytest.raises(AssertionError, match=r"Greatest absolute difference: 1.0 at index \(2,\)"):
        assert_close(x, mg.tensor([1., 2., 4.], device=device))


def test_device_mismatch(cuda_device):
    x = mg.tensor([1., 2.])
    with pytest.raises(AssertionError, match=f"attribute 'device' do not match: cpu != {cuda_device}"):
        assert_close(x, x.to(cuda_device))
    assert_close(x, x.to(cuda_device), check_device=False)


def test_a_gradcheck_exercise():
    """The module's example: autograd's gradient against a central difference, and a wrong backward caught."""
    mg.manual_seed(0)
    x = make_tensor(3, 4, dtype=mg.float64, device="cpu", requires_grad=True)
    (x.sin() * x).sum().backward()
    xd, h = x.detach().numpy(), 1e-6
    numeric = np.zeros_like(xd)
    for i in np.ndindex(xd.shape):
        step = np.zeros_like(xd)
        step[i] = h
        numeric[i] = (np.sum(np.sin(xd + step) * (xd + step)) - np.sum(np.sin(xd - step) * (xd - step))) / (2 * h)
    assert_close(x.grad, mg.tensor(numeric), rtol=1e-6, atol=1e-8)
    wrong = mg.tensor(np.sin(xd))                       # forgot the product rule's x cos x
    with pytest.raises(AssertionError, match=r"Mismatched elements: \d+ / 12"):
        assert_close(wrong, mg.tensor(numeric), rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- make_tensor
DEFAULT_RANGES = {"float16": (-9, 9), "float32": (-9, 9), "float64": (-9, 9), "uint8": (0, 10), "int8": (-9, 10),
                  "int16": (-9, 10), "int32": (-9, 10), "int64": (-9, 10), "bool": (0, 2)}


@pytest.mark.parametrize("name", sorted(DEFAULT_RANGES))
def test_make_tensor_default_ranges_and_dtypes(name, torch):
    x = make_tensor(2000, dtype=np.dtype(name), device="cpu")
    ref = torch.testing.make_tensor(2000, dtype=getattr(torch, name), device="cpu")
    assert x.shape == tuple(ref.shape) and x.dtype.name == str(ref.dtype).replace("torch.", "")
    low, high = DEFAULT_RANGES[name]
    values = x.numpy().astype(np.float64)
    assert values.min() >= low and values.max() < high
    if name in ("float32", "float64"):
        assert values.min() < low + 1 and values.max() > high - 1        # spread over the range
    elif name.startswith(("int", "uint")):
        assert set(np.unique(values)) == set(range(low, high))           # every integer of [low, high)


def test_make_tensor_low_high_clamp_and_round():
    assert set(np.unique(make_tensor(500, dtype=mg.int64, device="cpu", low=0.2, high=2.5).numpy())) == {1, 2}
    big = make_tensor(50, dtype=np.uint8, device="cpu", low=-100, high=1000).numpy()
    assert big.min() >= 0 and big.max() <= 255
    wide = make_tensor(50, dtype=mg.float32, device="cpu", low=-np.inf, high=np.inf).numpy()
    assert np.isfinite(wide).all()
    c = make_tensor(50, dtype=np.complex64, device="cpu", low=1, high=2).numpy()
    assert c.dtype == np.complex64 and (c.real >= 1).all() and (c.imag < 2).all()


def test_make_tensor_is_seeded():
    mg.manual_seed(5)
    a = make_tensor(2, 3, dtype=mg.float32, device="cpu")
    mg.manual_seed(5)
    b = make_tensor((2, 3), dtype=mg.float32, device="cpu")
    assert_close(a, b, rtol=0, atol=0)


def test_make_tensor_layouts_and_flags(torch):
    x = make_tensor(2, 3, dtype=mg.float32, device="cpu", noncontiguous=True)
    ref = torch.testing.make_tensor(2, 3, dtype=torch.float32, device="cpu", noncontiguous=True)
    assert x.shape == (2, 3) and not x.is_contiguous() and x.stride() == ref.stride()
    assert make_tensor(1, dtype=mg.float32, device="cpu", noncontiguous=True).is_contiguous()
    y = make_tensor(2, 3, 4, 5, dtype=mg.float32, device="cpu", memory_format="channels_last")
    ref = torch.testing.make_tensor(2, 3, 4, 5, dtype=torch.float32, device="cpu", memory_format=torch.channels_last)
    assert y.shape == (2, 3, 4, 5) and y.stride() == ref.stride()
    z = make_tensor(200, dtype=mg.int64, device="cpu", low=0, high=2, exclude_zero=True)
    assert (z.numpy() == 1).all()
    w = make_tensor(3, dtype=mg.float64, device="cpu", requires_grad=True)
    assert w.requires_grad and w.grad is None
    assert make_tensor((), dtype=mg.float32, device="cpu").shape == ()


def test_make_tensor_on_each_device(device):
    x = make_tensor(4, 5, dtype=mg.float32, device=device, low=-1, high=1)
    assert x.device == device and x.shape == (4, 5)
    assert float(x.abs().max()) < 1


@pytest.mark.parametrize("kw, error, pattern", [
    (dict(dtype=mg.int64, requires_grad=True), ValueError, "`requires_grad=True` is not supported for boolean"),
    (dict(dtype=mg.float32, low=2, high=1), ValueError, "`low` must be less than `high`, but got 2 >= 1"),
    (dict(dtype=mg.float32, low=float("nan")), ValueError, "`low` and `high` cannot be NaN"),
    (dict(dtype=np.uint8, low=300, high=400), ValueError, r"interval specified by `low` and `high` is \[300, 400\)"),
    (dict(dtype=mg.float32, noncontiguous=True, memory_format="channels_last"), ValueError, "mutually exclusive"),
    (dict(dtype=np.str_), TypeError, "the requested dtype '<U0' is not supported"),
])
def test_make_tensor_errors_as_torch(torch, kw, error, pattern):
    torch_kw = dict(kw, dtype=torch.bool if kw["dtype"] is np.str_ else getattr(torch, np.dtype(kw["dtype"]).name))
    if "memory_format" in torch_kw:
        torch_kw["memory_format"] = torch.channels_last
    if kw["dtype"] is not np.str_:           # torch has no string dtype: only minigan's side is checked
        with pytest.raises(error):
            torch.testing.make_tensor(3, device="cpu", **torch_kw)
    with pytest.raises(error, match=pattern):
        make_tensor(3, device="cpu", **kw)


def test_make_tensor_low_equal_high_warns_for_floats():
    with pytest.warns(FutureWarning, match="low == high"):
        x = make_tensor(3, dtype=mg.float32, device="cpu", low=1, high=1)
    assert (x.numpy() == 1).all()
