"""nn.Transformer* without a reference library: float64 gradchecks of an encoder and a decoder layer on every
device, output shapes, dropout in training mode only, the deep copies of a stack, the init of the layers and of
Transformer, and the errors and warnings, each naming the layer. The parity with PyTorch is in
test_transformer.py."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import randn

E, H, FF = 4, 2, 6
S, T, N = 3, 2, 1
CAUSAL_T = np.triu(np.ones((T, T), bool), 1)


def _inputs(device, *shapes):
    return [mg.tensor(randn(*s, seed=20 + i), device=device, requires_grad=True) for i, s in enumerate(shapes)]


def _randomize(module, seed=0):
    """Every parameter redrawn (no bias 0, no norm weight 1), so the check sees every path."""
    rs = np.random.default_rng(seed)
    for p in module.parameters():
        p.data[...] = rs.standard_normal(p.shape) * 0.5
    return module


# ----------------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize("ctor,fwd", [
    ({}, {"src_key_padding_mask": np.array([[False, True, False]])}),
    ({"norm_first": True, "activation": "gelu", "batch_first": True}, {"src_mask": randn(S, S, seed=3)}),
], ids=["post-norm relu kpm", "pre-norm gelu mask"])
def test_encoder_layer_gradcheck(device, ctor, fwd):
    layer = _randomize(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, **ctor)).double().to(device)
    shape = (N, S, E) if ctor.get("batch_first") else (S, N, E)
    params = list(layer.parameters())
    rep = mg.gradcheck(lambda x: layer(x, **fwd), _inputs(device, shape), params=params)
    assert len(rep.rows) == 1 + len(params) == 13


@pytest.mark.parametrize("ctor,fwd", [
    ({}, {"tgt_mask": CAUSAL_T, "memory_key_padding_mask": np.array([[False, False, True]])}),
    ({"norm_first": True, "activation": "gelu", "bias": False}, {"memory_mask": randn(T, S, seed=4)}),
], ids=["post-norm relu masks", "pre-norm gelu no bias"])
def test_decoder_layer_gradcheck(device, ctor, fwd):
    layer = _randomize(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, **ctor)).double().to(device)
    params = list(layer.parameters())
    rep = mg.gradcheck(lambda t, m: layer(t, m, **fwd), _inputs(device, (T, N, E), (S, N, E)), params=params)
    assert len(rep.rows) == 2 + len(params) and len(params) == (18 if ctor.get("bias", True) else 9)


def test_encoder_layer_second_derivative(device):
    layer = _randomize(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, activation="gelu")).double().to(device)
    mg.gradgradcheck(lambda x: layer(x), _inputs(device, (S, N, E)))


def test_every_parameter_of_a_transformer_gets_a_gradient():
    model = nn.Transformer(E, H, 2, 2, FF, dropout=0.0).double()
    src, tgt = _inputs("cpu", (S, 2, E), (T, 2, E))
    out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(T, dtype=mg.float64))
    (out * mg.tensor(randn(*out.shape, seed=1))).sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and np.abs(p.grad.numpy()).max() > 0, name
    assert np.abs(src.grad.numpy()).max() > 0 and np.abs(tgt.grad.numpy()).max() > 0


# ----------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("batch_first", [False, True])
def test_output_shapes_and_dtype(batch_first):
    lay = (lambda n, L: (n, L, 8)) if batch_first else (lambda n, L: (L, n, 8))
    src, tgt = mg.randn(*lay(3, 7)), mg.randn(*lay(3, 5))
    enc = nn.TransformerEncoderLayer(8, 4, 16, batch_first=batch_first)
    dec = nn.TransformerDecoderLayer(8, 4, 16, batch_first=batch_first)
    assert enc(src).shape == src.shape and dec(tgt, src).shape == tgt.shape
    assert nn.TransformerEncoder(enc, 2)(src).shape == src.shape
    assert nn.TransformerDecoder(dec, 2)(tgt, src).shape == tgt.shape
    model = nn.Transformer(8, 4, 1, 1, 16, batch_first=batch_first)
    out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(5))
    assert out.shape == tgt.shape and out.dtype == np.float32
    assert model(mg.randn(7, 8), mg.randn(5, 8)).shape == (5, 8)                     # unbatched


# ----------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("make,args", [
    (lambda p: nn.TransformerEncoderLayer(E, H, FF, dropout=p), [(S, 2, E)]),
    (lambda p: nn.TransformerDecoderLayer(E, H, FF, dropout=p, norm_first=True), [(T, 2, E), (S, 2, E)]),
    (lambda p: nn.Transformer(E, H, 1, 1, FF, dropout=p), [(S, 2, E), (T, 2, E)]),
], ids=["encoder layer", "decoder layer", "transformer"])
def test_dropout_only_in_training_mode(make, args):
    model, plain = make(0.5).double(), make(0.0).double()
    plain.load_state_dict(model.state_dict())
    ps = {m.p for m in model.modules() if isinstance(m, nn.Dropout)}
    assert ps == {0.5} and {m.dropout for m in model.modules() if isinstance(m, nn.MultiheadAttention)} == {0.5}
    xs = [mg.tensor(randn(*s, seed=i)) for i, s in enumerate(args)]
    mg.manual_seed(3)
    a = model(*xs).numpy()
    mg.manual_seed(3)
    b = model(*xs).numpy()
    c = model(*xs).numpy()
    np.testing.assert_array_equal(a, b)                                  # one seed, one mask
    assert not np.allclose(a, c) and not np.allclose(a, plain(*xs).numpy())
    model.eval()
    np.testing.assert_allclose(model(*xs).numpy(), plain(*xs).numpy(), atol=1e-14)


# ----------------------------------------------------------------------------- copies
@pytest.mark.parametrize("kind", ["Encoder", "Decoder"])
def test_stack_layers_are_deep_copies_with_parameters_of_their_own(kind):
    layer = getattr(nn, f"Transformer{kind}Layer")(E, H, FF, dropout=0.0, activation=nn.GELU())
    stack = getattr(nn, f"Transformer{kind}")(layer, 2).double()
    first, second = stack.layers
    assert first is not layer and second is not layer and first is not second
    assert isinstance(first.activation, nn.GELU) and first.activation is not second.activation
    n_params = len(list(layer.parameters()))
    assert len(list(stack.parameters())) == 2 * n_params                # none shared, so none folded away
    for (name, p), (_, q), (_, o) in zip(first.named_parameters(), second.named_parameters(),
                                         layer.named_parameters()):
        assert p is not q and not np.shares_memory(p.data, q.data) and not np.shares_memory(p.data, o.data)
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=name)  # equal at first, as in PyTorch
    first.linear1.weight.data[...] = 0.0
    assert np.abs(second.linear1.weight.numpy()).max() > 0 and np.abs(layer.linear1.weight.numpy()).max() > 0
    xs = _inputs("cpu", (S, 2, E)) if kind == "Encoder" else _inputs("cpu", (T, 2, E), (S, 2, E))
    out = stack(*xs)
    (out * mg.tensor(randn(*out.shape, seed=5))).sum().backward()
    assert not np.allclose(first.norm1.weight.grad.numpy(), second.norm1.weight.grad.numpy())
    assert layer.norm1.weight.grad is None                               # the template is not in the stack


def test_decoder_copies_keep_a_module_activation():
    """A deep copy keeps a Module activation (torch's copies of a decoder layer replace it by relu when they are
    made, in its ``__setstate__``; minigan's keep it)."""
    stack = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, activation=nn.Tanh()), 1).double()
    layer = stack.layers[0]
    assert isinstance(layer.activation, nn.Tanh) and "activation" in layer._modules
    tgt, mem = mg.tensor(randn(T, N, E, seed=1)), mg.tensor(randn(S, N, E, seed=2))
    np.testing.assert_array_equal(stack(tgt, mem).numpy(), layer(tgt, mem).numpy())
    relu_twin = nn.TransformerDecoderLayer(E, H, FF, dropout=0.0).double()
    relu_twin.load_state_dict(layer.state_dict())
    assert not np.allclose(layer(tgt, mem).numpy(), relu_twin(tgt, mem).numpy())


# ----------------------------------------------------------------------------- init
def test_layers_keep_their_submodules_init():
    mg.manual_seed(1)
    layer = nn.TransformerDecoderLayer(64, 4, 96)
    for lin, fan_in in ((layer.linear1, 64), (layer.linear2, 96)):      # Linear's U(-1/sqrt(fan_in), ...)
        for t in (lin.weight, lin.bias):
            a = np.abs(t.numpy())
            assert a.max() <= 1 / math.sqrt(fan_in) and a.max() > 0.9 / math.sqrt(fan_in)
    for mha in (layer.self_attn, layer.multihead_attn):                 # MultiheadAttention's own
        assert np.abs(mha.in_proj_weight.numpy()).max() <= math.sqrt(6 / (64 + 3 * 64))
        assert np.all(mha.in_proj_bias.numpy() == 0) and np.all(mha.out_proj.bias.numpy() == 0)
        assert np.abs(mha.out_proj.weight.numpy()).max() <= 1 / math.sqrt(64)
    for norm in (layer.norm1, layer.norm2, layer.norm3):
        assert np.all(norm.weight.numpy() == 1) and np.all(norm.bias.numpy() == 0) and norm.eps == 1e-5


def test_transformer_redraws_every_matrix_with_xavier_uniform():
    mg.manual_seed(2)
    model = nn.Transformer(64, 4, 2, 2, 96)
    for name, p in model.named_parameters():
        a = np.abs(p.numpy())
        if p.ndim > 1:
            bound = math.sqrt(6 / (p.shape[0] + p.shape[1]))
            assert a.max() <= bound and a.max() > 0.95 * bound, name
        elif name.endswith("in_proj_bias") or name.endswith("out_proj.bias") or ".norm" in name or \
                name.startswith(("encoder.norm", "decoder.norm")):
            assert np.all(p.numpy() == (1 if name.endswith("weight") else 0)), name
        else:                                                            # linear1/linear2 biases keep Linear's
            assert 0 < a.max() <= 1 / math.sqrt(p.shape[0] if "linear2" in name else 64), name
    w0, w1 = (model.encoder.layers[i].linear1.weight.numpy() for i in range(2))
    assert not np.allclose(w0, w1)                                       # the copies differ after the redraw


# ----------------------------------------------------------------------------- errors and warnings
def _t(*shape, dtype=np.float32):
    return mg.tensor(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("cls", ["TransformerEncoderLayer", "TransformerDecoderLayer"])
def test_activation_errors_name_the_layer(cls):
    with pytest.raises(ValueError, match=f"^{cls}: activation should be 'relu' or 'gelu' \\(or a callable\\), "
                                         "got 'tanh'"):
        getattr(nn, cls)(E, H, activation="tanh")
    with pytest.raises(TypeError, match=f"^{cls}: activation should be 'relu', 'gelu' or a callable, got int"):
        getattr(nn, cls)(E, H, activation=3)


def test_transformer_activation_error():
    with pytest.raises(ValueError, match="^TransformerEncoderLayer: activation should be 'relu' or 'gelu'"):
        nn.Transformer(E, H, 1, 1, FF, activation="swish")


ENC = nn.TransformerEncoderLayer(E, H, FF)
ENC_BF = nn.TransformerEncoderLayer(E, H, FF, batch_first=True)
DEC = nn.TransformerDecoderLayer(E, H, FF)
DEC_BF = nn.TransformerDecoderLayer(E, H, FF, batch_first=True)
MODEL = nn.Transformer(E, H, 1, 1, FF)
MODEL_BF = nn.Transformer(E, H, 1, 1, FF, batch_first=True)


@pytest.mark.parametrize("call,message", [
    (lambda: ENC(_t(S, N, 5)), r"^TransformerEncoderLayer: expected src of shape \(S, N, 4\) or \(S, 4\) unbatched "
                               r"\(d_model=4\), got shape \(3, 1, 5\)"),
    (lambda: ENC_BF(_t(1, N, S, E)), r"^TransformerEncoderLayer: expected src of shape \(N, S, 4\) or \(S, 4\)"),
    (lambda: nn.TransformerEncoder(ENC, 2)(_t(S, N, 3)), r"^TransformerEncoderLayer: expected src of shape"),
    (lambda: DEC(_t(T, N, E), _t(S, N, 3)), r"^TransformerDecoderLayer: expected memory of shape \(S, N, 4\) or "
                                            r"\(S, 4\) unbatched \(d_model=4\), got shape \(3, 1, 3\)"),
    (lambda: DEC_BF(_t(N, T, 2), _t(N, S, E)), r"^TransformerDecoderLayer: expected tgt of shape \(N, T, 4\)"),
    (lambda: DEC(_t(T, N, E), _t(S, E)), r"^TransformerDecoderLayer: tgt and memory must both be batched \(3-D\) "
                                         r"or both unbatched \(2-D\), got shapes \(2, 1, 4\) and \(3, 4\)"),
    (lambda: DEC(_t(T, 2, E), _t(S, 3, E)), r"^TransformerDecoderLayer: tgt and memory must have one batch size N "
                                            r"\(dim 1\), got shapes \(2, 2, 4\) and \(3, 3, 4\)"),
    (lambda: DEC_BF(_t(2, T, E), _t(3, S, E)), r"^TransformerDecoderLayer: tgt and memory must have one batch size "
                                               r"N \(dim 0\)"),
    (lambda: MODEL(_t(S, 2, E), _t(T, 3, E)), r"^Transformer: the batch number of src and tgt must be equal \(dim 1 "
                                              r"with batch_first=False\), got shapes \(3, 2, 4\) and \(2, 3, 4\)"),
    (lambda: MODEL_BF(_t(2, S, E), _t(3, T, E)), r"^Transformer: the batch number of src and tgt must be equal \(dim 0 "
                                                 r"with batch_first=True\)"),
    (lambda: MODEL(_t(S, N, E), _t(T, N, 5)), r"^Transformer: the feature number of src and tgt must be equal to "
                                              r"d_model=4, got shapes \(3, 1, 4\) and \(2, 1, 5\)"),
    (lambda: MODEL(_t(S, E), _t(T, N, E)), r"^Transformer: src and tgt must both be batched \(3-D\) or both "
                                           r"unbatched \(2-D\)"),
    (lambda: ENC(_t(S, N, E), src_mask=np.zeros((S, 2), bool)), r"^MultiheadAttention: expected attn_mask of shape"),
    (lambda: ENC(_t(S, N, E), is_causal=True), r"^MultiheadAttention: is_causal=True .* needs that attn_mask"),
], ids=["encoder layer d_model", "encoder layer 4-D", "encoder stack d_model", "decoder memory d_model",
        "decoder tgt d_model", "decoder ndim", "decoder batch", "decoder batch-first batch", "transformer batch",
        "transformer batch-first batch", "transformer d_model", "transformer ndim", "mask shape", "causal hint alone"])
def test_shape_errors_name_the_layer(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_type_errors_and_mask_warnings():
    x = _t(S, N, E)
    with pytest.raises(TypeError, match="^TransformerEncoderLayer: expected src to be a Tensor, got ndarray"):
        ENC(np.zeros((S, N, E), np.float32))
    with pytest.raises(TypeError, match="^TransformerDecoderLayer: expected memory to be a Tensor, got list"):
        DEC(_t(T, N, E), [[0.0] * E])
    with pytest.raises(TypeError, match="^Transformer: expected tgt to be a Tensor, got NoneType"):
        MODEL(x, None)
    with pytest.raises(TypeError, match="^TransformerEncoderLayer: only bool and floating-point src_mask are "
                                        "supported, got dtype int64"):
        ENC(x, src_mask=np.zeros((S, S), np.int64))
    with pytest.raises(TypeError, match="^TransformerEncoder: only bool and floating-point src_key_padding_mask"):
        nn.TransformerEncoder(ENC, 1)(x, src_key_padding_mask=np.zeros((N, S), np.int32))
    with pytest.warns(UserWarning, match="^TransformerEncoderLayer: a src_key_padding_mask of dtype bool with a "
                                         "src_mask of dtype float32: PyTorch deprecates mismatched mask types"):
        ENC(x, src_mask=np.zeros((S, S), np.float32), src_key_padding_mask=np.zeros((N, S), bool))
    with pytest.warns(UserWarning, match="^TransformerEncoder: a src_key_padding_mask of dtype float32 with a mask "
                                         "of dtype bool"):
        nn.TransformerEncoder(ENC, 1)(x, mask=np.zeros((S, S), bool),
                                      src_key_padding_mask=np.zeros((N, S), np.float32))
