"""The hand-written CUDA kernels held against the other two implementations: cuda = im2col = naive.

The references run on NumPy (naive loops and the portable im2col code); the CUDA kernels run on the GPU
from the same data. Shapes are awkward on purpose: odd and non-square sizes, strides 1-3 with
overlapping windows, padding 0-2, dilation 1-2, groups 1-2, output_padding 0-1, batch 1.
Everything except the last block needs a GPU and skips, saying why, without one.
"""
import shutil
import subprocess

import numpy as np
import pytest

import minigan as mg
from minigan import backend, kernels
from minigan.kernels import cuda, im2col, naive, shapes

DTYPES = [np.float64, np.float32]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-4, atol=2e-5)}

# (N, C_in, (H, W), C_out, kernel, stride, padding, dilation, groups)
CONV_CASES = {
    "odd-nonsquare-dilated": (2, 3, (7, 9), 4, (3, 2), (2, 1), (1, 0), (1, 2), 1),
    "stride3-pad2-groups2": (2, 4, (8, 5), 6, (3, 3), (3, 3), (2, 2), (1, 1), 2),
    "dcgan-k4s2p1": (3, 2, (6, 6), 3, (4, 4), (2, 2), (1, 1), (1, 1), 1),
    "batch1-overlap-dilation2-groups2": (1, 4, (9, 7), 4, (2, 3), (1, 3), (2, 1), (2, 2), 2),
    "1x1-kernel": (2, 3, (5, 4), 2, (1, 1), (1, 1), (0, 0), (1, 1), 1),
    "kernel-covers-input": (2, 2, (3, 4), 3, (3, 4), (2, 2), (0, 0), (1, 1), 1),
}

# (N, C_in, (H, W), C_out, kernel, stride, padding, output_padding, dilation, groups)
TRANSPOSE_CASES = {
    "dcgan-k4s2p1": (2, 3, (4, 5), 2, (4, 4), (2, 2), (1, 1), (0, 0), (1, 1), 1),
    "k3s2p2-op1 (mnist's last layer)": (2, 2, (4, 4), 1, (3, 3), (2, 2), (2, 2), (1, 1), (1, 1), 1),
    "stride3-groups2-nonsquare": (1, 4, (3, 5), 6, (3, 2), (3, 2), (1, 0), (1, 0), (1, 1), 2),
    "op-from-dilation": (2, 2, (5, 3), 3, (2, 3), (1, 2), (0, 1), (1, 1), (2, 2), 1),
    "stride1-overlap": (2, 3, (5, 6), 2, (3, 3), (1, 1), (1, 1), (0, 0), (1, 1), 1),
}

# ((N, C, H, W), kernel, stride, padding, dilation)
POOL_CASES = {
    "2x2-s2": ((2, 3, 8, 6), (2, 2), (2, 2), (0, 0), (1, 1)),
    "3x3-s1-overlap-pad1": ((1, 2, 7, 5), (3, 3), (1, 1), (1, 1), (1, 1)),
    "nonsquare-s2x3-dilated": ((2, 2, 9, 11), (3, 2), (2, 3), (1, 1), (2, 1)),
    "s3-pad2-k5": ((1, 1, 10, 9), (5, 4), (3, 2), (2, 2), (1, 1)),
}


def _ids(cases):
    return dict(argvalues=list(cases.values()), ids=list(cases))


def _rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def _check(got, refs, dtype):
    """``got`` is a CuPy array of ``dtype`` equal (to ``dtype``'s tolerance) to every NumPy reference."""
    assert backend.device_of(got).startswith("cuda")
    assert got.dtype == dtype
    host = backend.to_numpy(got)
    for ref in refs:
        assert host.shape == ref.shape
        np.testing.assert_allclose(host, ref, **TOL[dtype])


# --------------------------------------------------------------------------- convolution
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", **_ids(CONV_CASES))
def test_conv2d_and_its_gradients_agree(cuda_device, case, dtype, rng):
    n, c_in, hw, c_out, kernel, stride, padding, dilation, groups = case
    x = _rand(rng, (n, c_in) + hw, dtype)
    w = _rand(rng, (c_out, c_in // groups) + kernel, dtype)
    args = (stride, padding, dilation, groups)
    y_shape = shapes.check_conv2d(x.shape, w.shape, *args)
    gy = _rand(rng, y_shape, dtype)
    xd, wd, gyd = (backend.to_device(a, cuda_device) for a in (x, w, gy))

    _check(cuda.conv2d(xd, wd, *args), [m.conv2d(x, w, *args) for m in (naive, im2col)], dtype)
    _check(cuda.conv2d_grad_input(gyd, wd, x.shape, *args),
           [m.conv2d_grad_input(gy, w, x.shape, *args) for m in (naive, im2col)], dtype)
    _check(cuda.conv2d_grad_weight(xd, gyd, w.shape, *args),
           [m.conv2d_grad_weight(x, gy, w.shape, *args) for m in (naive, im2col)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", **_ids(TRANSPOSE_CASES))
def test_conv_transpose2d_agrees(cuda_device, case, dtype, rng):
    n, c_in, hw, c_out, kernel, stride, padding, output_padding, dilation, groups = case
    x = _rand(rng, (n, c_in) + hw, dtype)
    w = _rand(rng, (c_in, c_out // groups) + kernel, dtype)
    args = (stride, padding, output_padding, dilation, groups)
    xd, wd = backend.to_device(x, cuda_device), backend.to_device(w, cuda_device)
    _check(cuda.conv_transpose2d(xd, wd, *args), [m.conv_transpose2d(x, w, *args) for m in (naive, im2col)],
           dtype)


def test_conv_on_a_noncontiguous_input(cuda_device, rng):
    """A raw kernel sees only a pointer: a transposed (strided) view must be copied, not misread."""
    x = _rand(rng, (2, 3, 9, 7), np.float64).transpose(0, 1, 3, 2)          # (2, 3, 7, 9), not contiguous
    w = _rand(rng, (4, 3, 3, 2), np.float64)
    args = ((2, 1), (1, 1), (1, 2), 1)
    xd = backend.to_device(x, cuda_device).transpose(0, 1, 3, 2).copy().transpose(0, 1, 3, 2)
    assert not xd.flags.c_contiguous
    _check(cuda.conv2d(xd, backend.to_device(w, cuda_device), *args), [naive.conv2d(x, w, *args)], np.float64)


# --------------------------------------------------------------------------- im2col / col2im
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", **_ids(CONV_CASES))
def test_im2col_and_col2im_agree(cuda_device, case, dtype, rng):
    n, c_in, hw, _, kernel, stride, padding, dilation, _ = case
    x = _rand(rng, (n, c_in) + hw, dtype)
    args = (kernel, stride, padding, dilation)
    cols = _rand(rng, naive.im2col(x, *args).shape, dtype)
    _check(cuda.im2col(backend.to_device(x, cuda_device), *args), [m.im2col(x, *args) for m in (naive, im2col)],
           dtype)
    _check(cuda.col2im(backend.to_device(cols, cuda_device), x.shape, *args),
           [m.col2im(cols, x.shape, *args) for m in (naive, im2col)], dtype)


def test_col2im_and_pool_backward_are_deterministic(cuda_device, rng):
    """The gathers add in a fixed order: two runs agree bit for bit (atomics would not promise that)."""
    x_shape, args = (4, 8, 21, 19), ((5, 5), (1, 1), (2, 2), (1, 1))       # every pixel in up to 25 windows
    cols = backend.to_device(_rand(rng, naive.im2col(np.zeros(x_shape), *args).shape, np.float32), cuda_device)
    a, b = cuda.col2im(cols, x_shape, *args), cuda.col2im(cols, x_shape, *args)
    assert np.array_equal(backend.to_numpy(a), backend.to_numpy(b))

    x = backend.to_device(_rand(rng, x_shape, np.float32), cuda_device)
    y, argmax = cuda.max_pool2d(x, (3, 3), (1, 1), (1, 1), (1, 1))
    gy = backend.to_device(_rand(rng, y.shape, np.float32), cuda_device)
    g1, g2 = (cuda.max_pool2d_backward(gy, argmax, x_shape, (3, 3), (1, 1), (1, 1), (1, 1)) for _ in range(2))
    assert np.array_equal(backend.to_numpy(g1), backend.to_numpy(g2))


# --------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", **_ids(POOL_CASES))
def test_max_pool2d_agrees_including_ties(cuda_device, case, dtype, rng):
    x_shape, kernel, stride, padding, dilation = case
    args = (kernel, stride, padding, dilation)
    # Small integers: most windows hold ties, so the "first maximum in row-major window order" rule shows.
    x = rng.integers(-2, 3, size=x_shape).astype(dtype)
    y_ref, am_ref = naive.max_pool2d(x, *args)
    y, am = cuda.max_pool2d(backend.to_device(x, cuda_device), *args)
    _check(y, [y_ref, im2col.max_pool2d(x, *args)[0]], dtype)
    assert am.dtype == np.int64
    np.testing.assert_array_equal(backend.to_numpy(am), am_ref)
    np.testing.assert_array_equal(am_ref, im2col.max_pool2d(x, *args)[1])

    gy = _rand(rng, y_ref.shape, dtype)
    gx = cuda.max_pool2d_backward(backend.to_device(gy, cuda_device), am, x_shape, *args)
    _check(gx, [m.max_pool2d_backward(gy, am_ref, x_shape, *args) for m in (naive, im2col)], dtype)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", **_ids(POOL_CASES))
def test_avg_pool2d_agrees(cuda_device, case, dtype, count_include_pad, rng):
    x_shape, kernel, stride, padding, _ = case
    args = (kernel, stride, padding, count_include_pad)
    x = _rand(rng, x_shape, dtype)
    y_ref = naive.avg_pool2d(x, *args)
    _check(cuda.avg_pool2d(backend.to_device(x, cuda_device), *args), [y_ref, im2col.avg_pool2d(x, *args)], dtype)
    gy = _rand(rng, y_ref.shape, dtype)
    _check(cuda.avg_pool2d_backward(backend.to_device(gy, cuda_device), x_shape, *args),
           [m.avg_pool2d_backward(gy, x_shape, *args) for m in (naive, im2col)], dtype)


# --------------------------------------------------------------------------- the ops, differentiated
def _t(rng, shape, device, scale=1.0):
    return mg.tensor(scale * rng.standard_normal(shape), requires_grad=True, device=device, dtype=np.float64)


def test_gradcheck_conv2d_with_cuda_kernels(cuda_device, rng):
    x, w, b = _t(rng, (2, 4, 7, 6), cuda_device), _t(rng, (4, 2, 3, 2), cuda_device), _t(rng, (4,), cuda_device)
    mg.gradcheck(lambda x, w, b: mg.ops.conv2d(x, w, b, stride=(2, 1), padding=(1, 1), dilation=(1, 2),
                                               groups=2, impl="cuda"), [x, w, b])


def test_gradcheck_conv_transpose2d_with_cuda_kernels(cuda_device, rng):
    x, w = _t(rng, (2, 3, 4, 3), cuda_device), _t(rng, (3, 2, 3, 3), cuda_device)
    mg.gradcheck(lambda x, w: mg.ops.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1,
                                                      impl="cuda"), [x, w])


def test_gradcheck_max_pool2d_with_cuda_kernels(cuda_device, rng):
    # Distinct values 0.01 apart, so no finite-difference step (1e-6) moves a window's maximum.
    x = rng.permutation(2 * 2 * 7 * 6).reshape(2, 2, 7, 6) * 0.01
    xt = mg.tensor(x, requires_grad=True, device=cuda_device, dtype=np.float64)
    mg.gradcheck(lambda x: mg.ops.max_pool2d(x, 3, stride=2, padding=1, impl="cuda"), [xt])


# --------------------------------------------------------------------------- everywhere, GPU or not
CALLS = {
    "conv2d": lambda a: cuda.conv2d(a, a[:2, :2], (1, 1), (0, 0), (1, 1), 1),
    "conv2d_grad_input": lambda a: cuda.conv2d_grad_input(a, a, a.shape, (1, 1), (0, 0), (1, 1), 1),
    "conv2d_grad_weight": lambda a: cuda.conv2d_grad_weight(a, a, a.shape, (1, 1), (0, 0), (1, 1), 1),
    "conv_transpose2d": lambda a: cuda.conv_transpose2d(a, a, (1, 1), (0, 0), (0, 0), (1, 1), 1),
    "im2col": lambda a: cuda.im2col(a, (2, 2), (1, 1), (0, 0), (1, 1)),
    "col2im": lambda a: cuda.col2im(a, a.shape, (2, 2), (1, 1), (0, 0), (1, 1)),
    "max_pool2d": lambda a: cuda.max_pool2d(a, (2, 2), (2, 2), (0, 0), (1, 1)),
    "max_pool2d_backward": lambda a: cuda.max_pool2d_backward(a, a, a.shape, (2, 2), (2, 2), (0, 0), (1, 1)),
    "avg_pool2d": lambda a: cuda.avg_pool2d(a, (2, 2), (2, 2), (0, 0), True),
    "avg_pool2d_backward": lambda a: cuda.avg_pool2d_backward(a, a.shape, (2, 2), (2, 2), (0, 0), True),
}


def test_every_contract_function_is_covered():
    assert set(CALLS) == set(cuda.__all__) == set(im2col.__all__)


@pytest.mark.parametrize("name", list(CALLS))
def test_numpy_arrays_get_a_clear_error(name):
    """Imports without CuPy; handed NumPy arrays, every function says what to use instead."""
    assert kernels.get("cuda") is cuda
    with pytest.raises(TypeError, match=r"cuda\.\w+: the cuda kernels need CuPy arrays; use impl='im2col'"):
        CALLS[name](np.ones((2, 2, 4, 4), dtype=np.float32))


def test_sources_are_made_per_dtype():
    for name in ("im2col", "col2im_gather", "max_pool2d_forward", "max_pool2d_gather"):
        f32, f64 = cuda.kernel_source(name, np.float32), cuda.kernel_source(name, np.float64)
        assert f32.startswith("typedef float real_t;") and f64.startswith("typedef double real_t;")
        assert f'extern "C" __global__ void {name}(' in f32
        assert "FOR_EACH_INDEX" not in f32 and "idx += (long long)blockDim.x * gridDim.x" in f32


@pytest.mark.parametrize("dtype", DTYPES)
def test_sources_compile_with_nvcc(dtype, tmp_path):
    """Where the CUDA toolkit is installed (even with no GPU), the kernels compile to PTX without warnings."""
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc (the CUDA toolkit) is not installed; the GPU tests compile the kernels instead")
    names = ("im2col", "col2im_gather", "max_pool2d_forward", "max_pool2d_gather")
    src = tmp_path / "kernels.cu"
    src.write_text(cuda.kernel_source(names[0], dtype) + "".join(
        cuda.kernel_source(n, dtype).split("\n", 1)[1] for n in names[1:]))   # one typedef, four kernels
    run = subprocess.run([nvcc, "--ptx", "-Werror", "all-warnings", str(src), "-o", str(tmp_path / "k.ptx")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ptx = (tmp_path / "k.ptx").read_text()
    for n in names:
        assert f".entry {n}(" in ptx
