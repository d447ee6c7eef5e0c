"""Creation functions (minigan/creation.py): from_numpy shares memory, linspace, eye, empty, and the ``*_like``
forms keep the model tensor's shape, dtype and device, as PyTorch's do; the random ones draw from the seeded
generator. (The dtypes of zeros/ones/full/arange/randint: tests/test_autograd_api.py.)"""
import numpy as np
import pytest

import minigan as mg


# --------------------------------------------------------------------------- from_numpy
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.bool_])
def test_from_numpy_shares_memory_and_keeps_the_dtype(dtype):
    a = np.zeros((2, 3), dtype=dtype)
    t = mg.from_numpy(a)
    assert t.data is a and t.dtype == a.dtype and t.device == "cpu" and t.is_leaf and not t.requires_grad
    a[0, 1] = 1                          # a change to the array is seen by the tensor ...
    assert t.numpy()[0, 1] == 1
    t[1, 2] = 1                          # ... and a change to the tensor by the array
    assert a[1, 2] == 1


def test_from_numpy_refuses_what_is_not_an_array_of_numbers():
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        mg.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="can't convert an array of dtype"):
        mg.from_numpy(np.array(["a"]))


def test_from_numpy_matches_pytorch(torch):
    for dtype in (np.float64, np.float32, np.int64, np.int32, np.bool_):
        a = np.arange(4).astype(dtype)
        ours, theirs = mg.from_numpy(a), torch.from_numpy(a)
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        a[0] = 1
        assert ours.tolist() == theirs.tolist()


# --------------------------------------------------------------------------- linspace, eye, empty
def test_linspace_eye_empty(device):
    x = mg.linspace(0, 1, 5, device=device)
    assert x.dtype == np.float32 and x.device == device
    np.testing.assert_allclose(x.numpy(), [0.0, 0.25, 0.5, 0.75, 1.0])
    assert mg.linspace(3, 7, 1).tolist() == [3.0] and mg.linspace(3, 7, 0).shape == (0,)
    assert mg.linspace(0, 1, 3, dtype=np.float64, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="number of steps must be non-negative"):
        mg.linspace(0, 1, -1)
    e = mg.eye(2, 3, device=device)
    assert e.dtype == np.float32 and e.device == device
    np.testing.assert_array_equal(e.numpy(), [[1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(mg.eye(3, dtype=np.int64).numpy(), np.eye(3, dtype=np.int64))
    z = mg.empty(2, 3, device=device)
    assert z.shape == (2, 3) and z.dtype == np.float32 and z.device == device
    assert mg.empty((4,), dtype=np.int64).shape == (4,) and mg.empty(2, requires_grad=True).requires_grad


def test_linspace_eye_empty_match_pytorch(torch):
    for args, dtype in [((0, 1, 5), None), ((-2.5, 7, 11), None), ((0, 10, 4), "int64"),
                        ((-1, -10, 4), "int64"), ((1, 2, 7), "float64")]:
        ours = mg.linspace(*args, **({} if dtype is None else {"dtype": np.dtype(dtype)}))
        theirs = torch.linspace(*args, **({} if dtype is None else {"dtype": getattr(torch, dtype)}))
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    for n, m in [(3, None), (2, 4), (4, 2), (0, 3)]:
        np.testing.assert_array_equal(mg.eye(n, m).numpy(), torch.eye(n, n if m is None else m).numpy())
    assert mg.empty(2, 3).shape == tuple(torch.empty(2, 3).shape)
    assert mg.empty(2, 3).dtype.name == str(torch.empty(2, 3).dtype).removeprefix("torch.")


# --------------------------------------------------------------------------- the *_like forms
def test_full_like_takes_shape_dtype_and_device_from_its_model(device):
    t = mg.tensor([[1, 2, 3]], device=device)                   # int64
    f = mg.full_like(t, 2.7)
    assert f.shape == (1, 3) and f.dtype == np.int64 and f.device == device and f.tolist() == [[2, 2, 2]]
    g = mg.full_like(t, 0.5, dtype=np.float64, requires_grad=True)
    assert g.dtype == np.float64 and g.requires_grad and g.tolist() == [[0.5, 0.5, 0.5]]


@pytest.mark.parametrize("like, plain", [(mg.randn_like, mg.randn), (mg.rand_like, mg.rand)])
def test_random_like_draws_from_the_seeded_generator(device, like, plain):
    t = mg.zeros(3, 4, device=device, dtype=np.float64)
    mg.manual_seed(7)
    a = like(t)
    mg.manual_seed(7)
    b = plain(3, 4, device=device, dtype=np.float64)
    assert a.shape == (3, 4) and a.dtype == np.float64 and a.device == device
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(like(t).numpy(), a.numpy())       # the generator moved on
    assert like(t, dtype=np.float32, requires_grad=True).dtype == np.float32
    assert like(t, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="need a floating-point dtype"):
        like(mg.tensor([1, 2], device=device))


def test_rand_like_is_in_zero_one():
    r = mg.rand_like(mg.zeros(1000)).numpy()
    assert r.min() >= 0.0 and r.max() < 1.0 and 0.4 < r.mean() < 0.6


def test_like_forms_match_pytorch(torch):
    ours, theirs = mg.tensor([[1, 2, 3]]), torch.tensor([[1, 2, 3]])
    assert mg.full_like(ours, 2.7).tolist() == torch.full_like(theirs, 2.7).tolist()
    for name in ("randn_like", "rand_like"):
        a = getattr(mg, name)(mg.zeros(2, 3, dtype=np.float64))
        b = getattr(torch, name)(torch.zeros(2, 3, dtype=torch.float64))
        assert a.shape == tuple(b.shape) and a.dtype.name == str(b.dtype).removeprefix("torch.")
        with pytest.raises(NotImplementedError):              # PyTorch refuses integer tensors too
            getattr(torch, name)(theirs)
