"""minigan's settings (minigan/settings.py) and the top-level names of minigan/top_level_more.py: the default
float dtype, print options, the generators' state and seed, BLAS threads, inference mode, vmap, clamp_min,
detach, empty_like, randint_like, scalar_tensor. Every test that changes a setting restores it."""
import numpy as np
import pytest

import minigan as mg


@pytest.fixture
def float64_default():
    mg.set_default_dtype(mg.float64)
    try:
        yield
    finally:
        mg.set_default_dtype(mg.float32)


@pytest.fixture
def print_options():
    yield
    mg.set_printoptions(profile="default")


# ----------------------------------------------------------------- default dtype
def test_default_dtype_is_float32():
    assert mg.get_default_dtype() is mg.float32
    assert mg.tensor([1.5]).dtype == np.float32 and mg.zeros(2).dtype == np.float32


def test_default_dtype_is_used_by_creation_and_promotion(torch, float64_default):
    assert mg.get_default_dtype() is mg.float64
    torch.set_default_dtype(torch.float64)
    try:
        made = {"tensor": (mg.tensor([1.5]), torch.tensor([1.5])), "zeros": (mg.zeros(2), torch.zeros(2)),
                "ones": (mg.ones(2), torch.ones(2)), "empty": (mg.empty(2), torch.empty(2)),
                "eye": (mg.eye(2), torch.eye(2)), "rand": (mg.rand(2), torch.rand(2)),
                "randn": (mg.randn(2), torch.randn(2)), "linspace": (mg.linspace(0, 1, 3), torch.linspace(0, 1, 3)),
                "logspace": (mg.logspace(0, 1, 3), torch.logspace(0, 1, 3)),
                "arange": (mg.arange(0.0, 1.0, 0.5), torch.arange(0.0, 1.0, 0.5)),
                "full": (mg.full((2,), 1.5), torch.full((2,), 1.5)),
                "normal": (mg.normal(0.0, 1.0, (2,)), torch.normal(0.0, 1.0, (2,))),
                "scalar_tensor": (mg.scalar_tensor(3), torch.scalar_tensor(3)),
                "int exp": (mg.tensor([1, 2]).exp(), torch.tensor([1, 2]).exp()),
                "int * float": (mg.tensor([1, 2]) * 0.5, torch.tensor([1, 2]) * 0.5)}
    finally:
        torch.set_default_dtype(torch.float32)
    for name, (ours, theirs) in made.items():
        assert str(ours.dtype) == str(theirs.dtype).split(".")[1] == "float64", name
    assert mg.tensor([1, 2]).dtype == np.int64 and mg.tensor(np.float32([1.0])).dtype == np.float32


def test_set_default_dtype_refuses_non_floats():
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type, got int64"):
        mg.set_default_dtype(mg.int64)
    assert mg.get_default_dtype() is mg.float32


# ----------------------------------------------------------------- print options
def test_print_options_change_the_repr(print_options):
    x = mg.tensor([1.0 / 3.0, 2.0])
    assert repr(x) == "tensor([0.3333, 2.    ])"
    mg.set_printoptions(precision=2)
    assert repr(x) == "tensor([0.33, 2.  ])"
    mg.set_printoptions(threshold=5, edgeitems=2)
    assert repr(mg.arange(10)) == "tensor([0, 1, ..., 8, 9])"
    mg.set_printoptions(sci_mode=True, precision=2)
    assert "e-01" in repr(x) and "e+00" in repr(x)
    mg.set_printoptions(profile="default")
    assert repr(x) == "tensor([0.3333, 2.    ])" and "..." not in repr(mg.arange(40))


def test_print_options_errors(print_options):
    with pytest.raises(ValueError, match="set_printoptions: profile must be one of"):
        mg.set_printoptions(profile="long")


# ----------------------------------------------------------------- random generators
def test_rng_state_round_trip():
    mg.manual_seed(5)
    mg.randn(3)
    state = mg.get_rng_state()
    a = mg.randn(4).numpy()
    mg.randn(7)
    mg.set_rng_state(state)
    assert np.array_equal(mg.randn(4).numpy(), a)
    with pytest.raises(TypeError, match="set_rng_state: expected a state from mg.get_rng_state"):
        mg.set_rng_state([1, 2])


def test_seeds():
    mg.manual_seed(123)
    assert mg.initial_seed() == 123
    s = mg.seed()
    assert isinstance(s, int) and s >= 0 and mg.initial_seed() == s
    a = mg.rand(3).numpy()
    mg.manual_seed(s)
    assert np.array_equal(mg.rand(3).numpy(), a)
    assert mg.seed() != s                    # a fresh one each time (two equal 63-bit seeds are too unlikely)


# ----------------------------------------------------------------- threads, inference mode, vmap
def test_num_threads_round_trip():
    before = mg.get_num_threads()
    assert isinstance(before, int) and before >= 1
    try:
        mg.set_num_threads(1)
        assert mg.get_num_threads() == 1
    finally:
        mg.set_num_threads(before)
    assert mg.get_num_threads() == before
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        mg.set_num_threads(0)


def test_is_inference_mode_enabled():
    assert not mg.is_inference_mode_enabled()
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        with mg.inference_mode(False):
            assert not mg.is_inference_mode_enabled() and mg.is_grad_enabled()
        assert mg.is_inference_mode_enabled()
    with mg.no_grad():
        assert not mg.is_inference_mode_enabled()

    @mg.inference_mode
    def inside():
        return mg.is_inference_mode_enabled()
    assert inside() and not mg.is_inference_mode_enabled()


def test_vmap_is_func_vmap():
    assert mg.vmap is mg.func.vmap
    out = mg.vmap(lambda v: (v * v).sum())(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert out.tolist() == [5.0, 25.0]


# ----------------------------------------------------------------- top-level names
def test_clamp_min_max_and_detach(torch):
    a = np.array([1.0, -2.0, 3.5])
    x = mg.tensor(a, requires_grad=True)
    y = mg.clamp_min(x, 0.5) + mg.clamp_max(x, 1.0)
    t = torch.tensor(a, requires_grad=True)
    ty = torch.clamp_min(t, 0.5) + torch.clamp_max(t, 1.0)
    y.sum().backward()
    ty.sum().backward()
    assert np.array_equal(y.detach().numpy(), ty.detach().numpy()) and np.array_equal(x.grad.numpy(), t.grad.numpy())
    assert mg.clamp_min(mg.tensor([1, 2, 3]), 2).tolist() == [2, 2, 3]
    d = mg.detach(x)
    assert not d.requires_grad and d.data is x.data


def test_empty_like_randint_like_scalar_tensor(torch):
    x = mg.zeros(2, 3, dtype=mg.int32)
    assert mg.empty_like(x).shape == (2, 3) and mg.empty_like(x).dtype == np.int32
    assert mg.empty_like(x, dtype=mg.float64).dtype == np.float64
    mg.manual_seed(0)
    r = mg.randint_like(mg.zeros(1000), 2, 5)
    assert r.dtype == np.float32 and set(np.unique(r.numpy())) == {2.0, 3.0, 4.0}
    assert set(np.unique(mg.randint_like(x, 2).numpy())) <= {0, 1} and mg.randint_like(x, 2).dtype == np.int32
    with pytest.raises(RuntimeError, match="randint_like: expects 'low' to be less than 'high'"):
        mg.randint_like(x, 3, 3)
    for s in (3, True, 2.5):
        ours, theirs = mg.scalar_tensor(s), torch.scalar_tensor(s)
        assert ours.shape == () and ours.dtype == np.float32 and ours.item() == theirs.item()
    assert mg.scalar_tensor(3, dtype=mg.int64).dtype == np.int64
