"""``mg.Generator`` and ``mg.default_generator`` (``torch.Generator``): every op that takes ``generator=`` draws
repeatably from it and leaves minigan's own stream alone; states round-trip; the default generator is the stream
``mg.manual_seed`` seeds; the data side (samplers, ``random_split``, ``DataLoader``) takes one too; and each
function has ``generator`` where PyTorch's has it."""
import inspect
import json

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn
from minigan import backend
from minigan.data import (DataLoader, RandomSampler, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                          random_split)

TORCH_DEFAULT_SEED = 67280421310721


def _x(device, n=7):
    """Probabilities / rates / values in (0.1, 0.9) of shape (n,) on ``device`` (fixed, not drawn)."""
    return mg.tensor(np.linspace(0.1, 0.9, n), dtype=mg.float32, device=device)


def _fill(method, *args):
    def draw(d, g):
        return getattr(mg.zeros(3, 5, device=d), method)(*args, generator=g)
    return draw


def _init(name, *args, shape=(6, 4)):
    def draw(d, g):
        return getattr(nn.init, name)(mg.zeros(*shape, device=d), *args, generator=g)
    return draw


# name -> draw(device, generator): the functions and methods that take ``generator=``
DRAWS = {
    "rand": lambda d, g: mg.rand(3, 4, generator=g, device=d),
    "randn": lambda d, g: mg.randn(5, generator=g, device=d, dtype=mg.float64),
    "randint": lambda d, g: mg.randint(0, 100, (9,), device=d, generator=g),
    "randperm": lambda d, g: mg.randperm(20, generator=g, device=d),
    "rand_like": lambda d, g: mg.rand_like(_x(d), generator=g),
    "randn_like": lambda d, g: mg.randn_like(_x(d), generator=g),
    "randint_like": lambda d, g: mg.randint_like(_x(d), 0, 1000, generator=g),
    "normal": lambda d, g: mg.normal(_x(d), _x(d), generator=g),
    "normal_floats": lambda d, g: mg.normal(2.0, 3.0, (6,), generator=g, device=d),
    "bernoulli": lambda d, g: mg.bernoulli(_x(d, 30), generator=g),
    "bernoulli_p": lambda d, g: mg.bernoulli(_x(d, 30), 0.5, generator=g),
    "multinomial": lambda d, g: mg.multinomial(_x(d), 4, generator=g),
    "multinomial_replacement": lambda d, g: mg.multinomial(_x(d), 9, True, generator=g),
    "poisson": lambda d, g: mg.poisson(_x(d, 20) * 20, g),
    "binomial": lambda d, g: mg.binomial(mg.full((20,), 50.0, device=d), _x(d, 20), g),
    "rrelu": lambda d, g: mg.rrelu(-_x(d), training=True, generator=g),
    "rrelu_": lambda d, g: mg.rrelu_(-_x(d), 0.1, 0.3, True, g),
    "Tensor.bernoulli": lambda d, g: _x(d, 30).bernoulli(generator=g),
    "Tensor.multinomial": lambda d, g: _x(d).multinomial(3, generator=g),
    "Tensor.uniform_": _fill("uniform_", -2.0, 2.0),
    "Tensor.normal_": _fill("normal_", 1.0, 2.0),
    "Tensor.bernoulli_": _fill("bernoulli_", 0.5),
    "Tensor.random_": _fill("random_", 0, 1000),
    "Tensor.exponential_": _fill("exponential_", 2.0),
    "Tensor.geometric_": _fill("geometric_", 0.2),
    "Tensor.cauchy_": _fill("cauchy_"),
    "Tensor.log_normal_": _fill("log_normal_"),
    "init.uniform_": _init("uniform_", -1.0, 1.0),
    "init.normal_": _init("normal_", 0.0, 0.02),
    "init.kaiming_uniform_": _init("kaiming_uniform_", 0.1),
    "init.kaiming_normal_": _init("kaiming_normal_"),
    "init.xavier_uniform_": _init("xavier_uniform_"),
    "init.xavier_normal_": _init("xavier_normal_", 2.0),
    "init.orthogonal_": _init("orthogonal_"),
    "init.trunc_normal_": _init("trunc_normal_", 0.0, 1.0, -0.5, 0.5),
    "init.sparse_": _init("sparse_", 0.5),
}


def _draw(name, device, generator):
    return DRAWS[name](device, generator).numpy()


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_same_seed_same_draws_other_seed_other_draws(name, device):
    a = _draw(name, device, mg.Generator(device).manual_seed(3))
    b = _draw(name, device, mg.Generator(device).manual_seed(3))
    c = _draw(name, device, mg.Generator(device).manual_seed(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    g = mg.Generator(device).manual_seed(3)               # and the generator moves on: a second draw differs
    _draw(name, device, g)
    assert not np.array_equal(_draw(name, device, g), a)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_a_generator_leaves_the_default_stream_where_it_was(name, device):
    mg.manual_seed(11)
    expected = mg.rand(6, device=device).numpy()
    mg.manual_seed(11)
    _draw(name, device, mg.Generator(device).manual_seed(0))
    np.testing.assert_array_equal(mg.rand(6, device=device).numpy(), expected)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_none_and_the_default_generator_draw_the_seeded_stream(name):
    mg.manual_seed(7)
    a = _draw(name, "cpu", None)
    mg.manual_seed(7)
    b = _draw(name, "cpu", mg.default_generator)
    np.testing.assert_array_equal(a, b)


def test_the_default_stream_draws_what_it_always_drew():
    # mg.manual_seed(s) seeds numpy.random.default_rng(s) for the CPU, as before mg.Generator existed
    mg.manual_seed(0)
    np.testing.assert_array_equal(mg.rand(4).numpy(), np.random.default_rng(0).random(4, dtype=np.float32))
    np.testing.assert_array_equal(mg.Generator().manual_seed(5)._stream().random(3),
                                  np.random.default_rng(5).random(3))
    mg.manual_seed(5)
    a = mg.randn(4, dtype=mg.float64).numpy()
    np.testing.assert_array_equal(mg.randn(4, dtype=mg.float64, generator=mg.Generator().manual_seed(5)).numpy(), a)


def test_a_new_generator_has_torchs_default_seed(torch):
    assert mg.Generator().initial_seed() == torch.Generator().initial_seed() == TORCH_DEFAULT_SEED
    np.testing.assert_array_equal(mg.rand(5, generator=mg.Generator()).numpy(),
                                  mg.rand(5, generator=mg.Generator()).numpy())


def test_seeding(torch):
    g = mg.Generator()
    assert g.manual_seed(9) is g and g.initial_seed() == 9
    for seed in (-1, -2 ** 63, 2 ** 64 - 1, 0):
        assert mg.Generator().manual_seed(seed).initial_seed() == torch.Generator().manual_seed(seed).initial_seed()
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s and 0 <= s < 2 ** 64
    assert mg.Generator().seed() != s
    g.manual_seed(2)
    a = mg.rand(3, generator=g).numpy()
    g.manual_seed(2)
    np.testing.assert_array_equal(mg.rand(3, generator=g).numpy(), a)


def test_device():
    g = mg.Generator()
    assert g.device == "cpu" and str(g.device) == "cpu"
    assert mg.Generator(device="cpu").device == mg.Generator(g.device).device
    if hasattr(mg, "device") and isinstance(getattr(mg, "device"), type):
        assert isinstance(g.device, mg.device)


@pytest.mark.parametrize("make", [lambda: mg.Generator(), lambda: mg.default_generator], ids=["Generator", "default"])
def test_state_round_trips(make):
    g = make().manual_seed(21)
    mg.rand(5, generator=g)
    state = g.get_state()
    assert isinstance(state, mg.Tensor) and state.dtype == np.uint8 and state.ndim == 1 and state.device == "cpu"
    a = mg.rand(8, generator=g).numpy()
    g.manual_seed(99)
    assert g.set_state(state) is g
    np.testing.assert_array_equal(mg.rand(8, generator=g).numpy(), a)
    assert g.initial_seed() == 21
    other = mg.Generator().set_state(state)          # a state moves to another CPU generator
    g.set_state(state)
    np.testing.assert_array_equal(mg.randn(4, generator=other).numpy(), mg.randn(4, generator=g).numpy())


def test_default_generator_is_the_stream_mg_manual_seed_seeds():
    mg.manual_seed(0)
    assert mg.default_generator.initial_seed() == 0 and mg.default_generator.device == "cpu"
    assert isinstance(mg.default_generator, mg.Generator)
    assert mg.default_generator.manual_seed(3) is mg.default_generator and mg.initial_seed() == 3
    a = mg.rand(4).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a)
    s = mg.default_generator.seed()
    assert mg.initial_seed() == s == mg.default_generator.initial_seed()
    mg.manual_seed(8)                                 # its state is mg.get_rng_state's stream
    state = mg.default_generator.get_state()
    a = mg.rand(4).numpy()
    mg.manual_seed(1)
    mg.default_generator.set_state(state)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a)
    assert mg.initial_seed() == 8


def _with_kind(state, kind):
    data = state.numpy().tobytes()
    head, record = data.split(b"\n", 1)
    record = json.loads(record)
    record["kind"] = kind
    return mg.tensor(np.frombuffer(head + b"\n" + json.dumps(record).encode(), dtype=np.uint8).copy())


def test_errors(torch):
    g = mg.Generator()
    with pytest.raises(TypeError, match="rand: generator must be an mg.Generator or None, got int"):
        mg.rand(3, generator=5)
    with pytest.raises(TypeError, match="rrelu: generator must be an mg.Generator or None, got a numpy.random.Gen"):
        mg.rrelu(mg.ones(3), training=True, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="manual_seed expected an int seed, but got float"):
        g.manual_seed(1.5)
    with pytest.raises(ValueError, match="the seed must fit in 64 bits"):
        g.manual_seed(2 ** 64)
    with pytest.raises(TypeError, match="RNG state must be a uint8 Tensor .* got a Tensor of dtype float32"):
        g.set_state(mg.zeros(10))
    with pytest.raises(TypeError, match="RNG state must be a uint8 Tensor .* got ndarray"):
        g.set_state(np.zeros(10, dtype=np.uint8))
    torch_state = mg.tensor(torch.Generator().get_state().numpy())
    with pytest.raises(RuntimeError, match="not the state of a minigan Generator .*5056 bytes"):
        g.set_state(torch_state)
    with pytest.raises(RuntimeError, match="the state is of a cuda generator using PCG64, but this generator is a "
                                           "cpu one"):
        g.set_state(_with_kind(g.get_state(), "cuda"))
    with pytest.raises(ValueError, match="not a device"):
        mg.Generator("tpu")
    with pytest.raises(TypeError, match="RandomSampler: generator must be None .* mg.Generator"):
        RandomSampler(range(3), generator="seed")


def test_a_gpu_generator_needs_a_gpu():
    if backend.cuda_available():
        pytest.skip("this machine has a GPU: the refusal without one cannot be seen here")
    with pytest.raises(backend.DeviceError, match="device 'cuda' is not available"):
        mg.Generator("cuda")


def test_a_generator_must_be_on_the_ops_device(cuda_device):
    with pytest.raises(RuntimeError, match="randn: Expected a 'cuda' device type for generator but found 'cpu'"):
        mg.randn(3, device=cuda_device, generator=mg.Generator())
    with pytest.raises(RuntimeError, match="rand: Expected a 'cpu' device type for generator but found 'cuda'"):
        mg.rand(3, generator=mg.Generator(cuda_device))
    with pytest.raises(ValueError, match="DataLoader: the data is shuffled on the CPU"):
        DataLoader(list(range(4)), shuffle=True, generator=mg.Generator(cuda_device))
    g = mg.Generator(cuda_device).manual_seed(1)
    state, a = g.get_state(), mg.rand(5, device=cuda_device, generator=g).numpy()
    np.testing.assert_array_equal(mg.rand(5, device=cuda_device, generator=g.set_state(state)).numpy(), a)


# --------------------------------------------------------------------------- the data side
def _epoch(loader):
    return [batch[0].numpy().tolist() for batch in loader]


def test_dataloader_shuffles_repeatably_with_a_generator():
    ds = TensorDataset(mg.arange(20))
    a = _epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=mg.Generator().manual_seed(0)))
    b = _epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=mg.Generator().manual_seed(0)))
    c = _epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=mg.Generator().manual_seed(1)))
    assert a == b and a != c and sorted(sum(a, [])) == list(range(20))
    mg.manual_seed(4)
    expected = mg.rand(3).numpy()
    mg.manual_seed(4)
    _epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=mg.Generator()))
    np.testing.assert_array_equal(mg.rand(3).numpy(), expected)        # the default stream did not move
    mg.manual_seed(6)
    a = _epoch(DataLoader(ds, batch_size=5, shuffle=True, generator=mg.default_generator))
    mg.manual_seed(6)
    assert _epoch(DataLoader(ds, batch_size=5, shuffle=True)) == a


def test_random_split_repeatable_with_a_generator():
    def split(seed):
        parts = random_split(range(30), [0.8, 0.2], generator=mg.Generator().manual_seed(seed))
        return [list(p.indices) for p in parts]
    a = split(0)
    assert a == split(0) and a != split(1) and [len(p) for p in a] == [24, 6]
    assert sorted(a[0] + a[1]) == list(range(30))
    assert split(0) != [list(s.indices) for s in random_split(range(30), [0.8, 0.2], generator=1)]
    assert len(random_split(range(30), [0.8, 0.2], generator=np.random.default_rng(0))[0]) == 24   # still taken


@pytest.mark.parametrize("make", [lambda g: RandomSampler(range(40), generator=g),
                                  lambda g: RandomSampler(range(40), replacement=True, generator=g),
                                  lambda g: SubsetRandomSampler(list(range(0, 80, 2)), generator=g),
                                  lambda g: WeightedRandomSampler(np.arange(1.0, 41.0), 20, generator=g),
                                  lambda g: WeightedRandomSampler(np.arange(1.0, 41.0), 20, False, generator=g)],
                         ids=["random", "replacement", "subset", "weighted", "weighted_without"])
def test_samplers_take_a_generator(make):
    g = mg.Generator().manual_seed(0)
    s = make(g)
    first = list(s)
    assert list(make(mg.Generator().manual_seed(0))) == first
    assert list(s) != first                          # the generator moved on
    g.manual_seed(0)                                 # reseeding it reaches the sampler that holds it
    assert list(s) == first
    mg.manual_seed(2)
    a = list(make(mg.default_generator))
    mg.manual_seed(2)
    assert list(make(None)) == a


# --------------------------------------------------------------------------- signatures as PyTorch's
TOP = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
       "multinomial", "poisson", "binomial", "rrelu", "rrelu_"]
METHODS = ["uniform_", "normal_", "bernoulli_", "random_", "exponential_", "geometric_", "cauchy_", "log_normal_",
           "bernoulli", "multinomial"]
INITS = ["uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_",
         "orthogonal_", "trunc_normal_", "sparse_"]


def _torch_takes_generator(torch, name):
    schemas = torch._C._jit_get_schemas_for_operator("aten::" + name)
    return any(a.name == "generator" for s in schemas for a in s.arguments)


@pytest.mark.parametrize("name", TOP)
def test_top_level_functions_take_generator_as_torchs(torch, name):
    assert _torch_takes_generator(torch, name)
    assert "generator" in inspect.signature(getattr(mg, name)).parameters


@pytest.mark.parametrize("name", METHODS)
def test_tensor_methods_take_generator_as_torchs(torch, name):
    assert _torch_takes_generator(torch, name)
    param = inspect.signature(getattr(mg.Tensor, name)).parameters["generator"]
    assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is None


@pytest.mark.parametrize("name", INITS)
def test_init_functions_take_generator_as_torchs(torch, name):
    theirs = list(inspect.signature(getattr(torch.nn.init, name)).parameters)
    ours = list(inspect.signature(getattr(nn.init, name)).parameters)
    assert theirs[-1] == "generator" and ours[1:] == theirs[1:], (ours, theirs)


def test_every_torch_init_with_a_generator_is_covered(torch):
    taking = {name for name in dir(torch.nn.init) if name.endswith("_") and not name.startswith("_")
              and "generator" in inspect.signature(getattr(torch.nn.init, name)).parameters}
    assert taking == set(INITS)
