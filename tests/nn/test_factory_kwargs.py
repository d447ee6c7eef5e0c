"""Every layer that holds tensors takes PyTorch's factory arguments, ``device=`` and ``dtype=``, and without a dtype
makes its floats in the default dtype (``mg.set_default_dtype``); ``Linear(0, n)`` and the repr's dtype as PyTorch."""
import inspect
import warnings

import minigan as mg
import numpy as np
import pytest

from helpers import check_grad, host, layer_matches_torch, load_from_torch, randn

nn = mg.nn

# (name, build(**factory_kwargs), an input to run it on, or None where its forward needs more than one tensor)
LAYERS = [
    ("Linear", lambda **f: nn.Linear(3, 2, **f), (4, 3)),
    ("Bilinear", lambda **f: nn.Bilinear(3, 2, 4, **f), None),
    ("Conv1d", lambda **f: nn.Conv1d(2, 3, 3, **f), (2, 2, 7)),
    ("Conv2d", lambda **f: nn.Conv2d(2, 3, 3, stride=2, padding=1, **f), (1, 2, 5, 5)),
    ("Conv3d", lambda **f: nn.Conv3d(1, 2, 2, **f), (1, 1, 3, 3, 3)),
    ("ConvTranspose1d", lambda **f: nn.ConvTranspose1d(2, 3, 3, **f), (2, 2, 5)),
    ("ConvTranspose2d", lambda **f: nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1, output_padding=1, **f),
     (1, 2, 3, 3)),
    ("ConvTranspose3d", lambda **f: nn.ConvTranspose3d(1, 2, 2, **f), (1, 1, 2, 2, 2)),
    ("BatchNorm1d", lambda **f: nn.BatchNorm1d(3, **f), (4, 3)),
    ("BatchNorm2d", lambda **f: nn.BatchNorm2d(3, **f), (2, 3, 2, 3)),
    ("BatchNorm3d", lambda **f: nn.BatchNorm3d(2, **f), (2, 2, 2, 2, 1)),
    ("InstanceNorm2d", lambda **f: nn.InstanceNorm2d(3, affine=True, track_running_stats=True, **f), (2, 3, 3, 3)),
    ("LayerNorm", lambda **f: nn.LayerNorm((2, 3), **f), (4, 2, 3)),
    ("GroupNorm", lambda **f: nn.GroupNorm(2, 4, **f), (2, 4, 3)),
    ("RMSNorm", lambda **f: nn.RMSNorm(3, **f), (2, 3)),
    ("PReLU", lambda **f: nn.PReLU(3, **f), (2, 3, 2)),
    ("Embedding", lambda **f: nn.Embedding(5, 3, padding_idx=0, **f), None),
    ("EmbeddingBag", lambda **f: nn.EmbeddingBag(5, 3, **f), None),
    ("RNNCell", lambda **f: nn.RNNCell(3, 4, **f), (2, 3)),
    ("LSTMCell", lambda **f: nn.LSTMCell(3, 4, **f), (2, 3)),
    ("GRUCell", lambda **f: nn.GRUCell(3, 4, **f), (2, 3)),
    ("RNN", lambda **f: nn.RNN(3, 4, num_layers=2, **f), (5, 2, 3)),
    ("LSTM", lambda **f: nn.LSTM(3, 4, bidirectional=True, proj_size=2, **f), (5, 2, 3)),
    ("GRU", lambda **f: nn.GRU(3, 4, **f), (5, 2, 3)),
    ("MultiheadAttention", lambda **f: nn.MultiheadAttention(4, 2, add_bias_kv=True, kdim=3, vdim=5, **f), None),
    ("TransformerEncoderLayer", lambda **f: nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, **f), (3, 2, 4)),
    ("TransformerDecoderLayer", lambda **f: nn.TransformerDecoderLayer(4, 2, 8, dropout=0.0, **f), None),
    ("Transformer", lambda **f: nn.Transformer(4, 2, 1, 1, 8, dropout=0.0, **f), None),
    ("AdaptiveLogSoftmaxWithLoss", lambda **f: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4], **f), None),
    ("LazyLinear", lambda **f: nn.LazyLinear(2, **f), (4, 3)),
    ("LazyConv2d", lambda **f: nn.LazyConv2d(2, 3, **f), (1, 2, 4, 4)),
    ("LazyConvTranspose2d", lambda **f: nn.LazyConvTranspose2d(2, 3, **f), (1, 2, 3, 3)),
    ("LazyBatchNorm2d", lambda **f: nn.LazyBatchNorm2d(**f), (2, 3, 2, 2)),
    ("LazyInstanceNorm1d", lambda **f: nn.LazyInstanceNorm1d(affine=True, track_running_stats=True, **f), (2, 3, 4)),
]
IDS = [name for name, _, _ in LAYERS]


def _tensors(layer):
    """Every parameter and buffer of ``layer`` (and its sub-layers)."""
    return list(layer.parameters()) + [b for b in layer.buffers() if b is not None]


def _run(layer, shape, dtype, device):
    x = mg.tensor(randn(*shape), dtype=dtype, device=device)
    out = layer(x)
    return out[0] if isinstance(out, tuple) else out


@pytest.fixture
def default_float64():
    mg.set_default_dtype(mg.float64)
    yield
    mg.set_default_dtype(mg.float32)


@pytest.mark.parametrize("name, build, shape", LAYERS, ids=IDS)
def test_dtype_makes_every_float_of_that_dtype_and_runs(name, build, shape, device):
    layer = build(device=device, dtype=mg.float64)
    if shape is not None:
        y = _run(layer, shape, mg.float64, device)
        assert y.dtype == np.float64 and y.device == device
    tensors = _tensors(layer)
    assert tensors, f"{name} holds no tensors to check"
    for t in tensors:
        assert t.device == device
        if t.data.dtype.kind == "f":
            assert t.dtype == np.float64, f"{name}: a {t.shape} tensor is {t.dtype}"
        else:                                           # batch norm's num_batches_tracked counts in int64
            assert t.dtype == np.int64 and t.ndim == 0


@pytest.mark.parametrize("name, build, shape", LAYERS, ids=IDS)
def test_no_dtype_takes_the_default_dtype(name, build, shape, default_float64):
    layer = build()
    if shape is not None:
        assert _run(layer, shape, None, "cpu").dtype == np.float64
    assert all(t.dtype == np.float64 for t in _tensors(layer) if t.data.dtype.kind == "f")
    mg.set_default_dtype(mg.float32)
    assert all(t.dtype == np.float32 for t in _tensors(build()) if t.data.dtype.kind == "f")


def test_float16_and_float32_as_asked():
    assert nn.Linear(3, 2, dtype=mg.float16).weight.dtype == np.float16
    assert nn.Conv2d(1, 2, 3, dtype="float32").bias.dtype == np.float32


@pytest.mark.parametrize("dtype", [mg.int64, np.bool_])
def test_a_dtype_that_cannot_be_learned_is_refused(dtype):
    with pytest.raises(TypeError, match="Linear: dtype=.* only floating-point tensors can require gradients"):
        nn.Linear(3, 2, dtype=dtype)
    with pytest.raises(TypeError, match="LSTM: dtype="):
        nn.LSTM(3, 2, dtype=dtype)


def test_an_unknown_device_is_refused():
    with pytest.raises(ValueError, match="not a device: 'gpu'"):
        nn.Linear(3, 2, device="gpu")


def test_positional_factory_arguments_in_pytorchs_order():
    """PyTorch's signatures put device and dtype after the layer's own arguments, positionally too."""
    assert nn.Linear(3, 2, True, "cpu", mg.float64).weight.dtype == np.float64
    assert nn.BatchNorm2d(3, 1e-5, 0.1, True, True, "cpu", mg.float64).running_mean.dtype == np.float64
    assert nn.GroupNorm(1, 2, 1e-5, True, "cpu", mg.float64).weight.dtype == np.float64
    assert nn.LayerNorm(3, 1e-5, True, True, "cpu", mg.float64).bias.dtype == np.float64


def test_a_float64_layer_is_gradchecked(device):
    """The point of ``dtype=mg.float64`` for a learner: a layer, weights and all, checked in double precision."""
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1, device=device, dtype=mg.float64)
    lstm = nn.LSTM(3, 2, device=device, dtype=mg.float64)
    check_grad(lambda x: conv(x), randn(1, 2, 5, 4), device=device)
    check_grad(lambda x, w: mg.nn.functional.conv2d(x, w, conv.bias, 2, 1), randn(1, 2, 5, 4),
               host(conv.weight), device=device)
    check_grad(lambda x: lstm(x)[0], randn(4, 1, 3), device=device)


def test_a_float64_layer_matches_pytorch(torch):
    layer = nn.Conv2d(2, 3, 3, padding=1, dtype=mg.float64)
    t_layer = torch.nn.Conv2d(2, 3, 3, padding=1, dtype=torch.float64)
    layer_matches_torch(torch, load_from_torch(layer, t_layer), t_layer, randn(2, 2, 5, 5))
    assert layer.weight.dtype == np.float64


def test_embedding_freeze_argument():
    assert not nn.Embedding(4, 2, _freeze=True).weight.requires_grad
    assert nn.Embedding(4, 2).weight.requires_grad


def test_every_pytorch_layer_with_factory_arguments_takes_them(torch):
    """Each ``torch.nn`` layer whose constructor has ``device`` and ``dtype`` has them in minigan too, and in the
    same place among the positional arguments."""
    checked = 0
    for name in dir(torch.nn):
        theirs = getattr(torch.nn, name)
        ours = getattr(nn, name, None)
        if not (inspect.isclass(theirs) and issubclass(theirs, torch.nn.Module)) or ours is None:
            continue
        try:
            t_params = list(inspect.signature(theirs.__init__).parameters)
        except (TypeError, ValueError):
            continue
        if "dtype" not in t_params:
            continue
        m_params = list(inspect.signature(ours.__init__).parameters)
        assert "device" in m_params and "dtype" in m_params, f"nn.{name} takes no device/dtype"
        position = t_params.index("device")
        if all(p in m_params for p in t_params[:position]) and inspect.signature(theirs.__init__).parameters[
                "device"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            assert m_params.index("device") == position, f"nn.{name}: device is not where PyTorch has it"
        checked += 1
    assert checked >= 30


def test_linear_with_no_inputs_warns_and_works():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        layer = nn.Linear(0, 3)
    assert layer.weight.shape == (3, 0)
    np.testing.assert_array_equal(host(layer(mg.zeros(2, 0))), np.zeros((2, 3)))      # the bias, drawn as 0


@pytest.mark.parametrize("init", [nn.init.kaiming_uniform_, nn.init.kaiming_normal_])
def test_he_initialisers_leave_an_empty_tensor(init):
    t = mg.zeros(0, 4)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init(t) is t


def test_other_initialisers_do_not_warn_on_a_full_tensor():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Linear(2, 3)


def test_repr_leaves_out_the_default_dtype(default_float64):
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0, 2.0], dtype=mg.float32)) == "tensor([1., 2.], dtype=float32)"
    assert repr(mg.zeros(0)) == "tensor([])"
    assert repr(mg.zeros(0, dtype=mg.float32)) == "tensor([], dtype=float32)"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"
    mg.set_default_dtype(mg.float32)
    assert repr(mg.tensor([1.0], dtype=mg.float64)) == "tensor([1.], dtype=float64)"
    assert repr(mg.zeros(0, dtype=mg.int64)) == "tensor([], dtype=int64)"


def test_an_empty_buffer_takes_the_default_dtype(default_float64):
    assert nn.Buffer().dtype == np.float64
