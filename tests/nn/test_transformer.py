"""nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder and Transformer
against PyTorch: after loading torch's state dict (float64, every parameter redrawn at random so no bias is 0 and
no two layers are equal), the same outputs, and the same gradients of every parameter and input after one
backward of a random weighted sum, for both layouts, both norm orders, relu/gelu/callable/Module activations,
bias=False, one and two layers with and without a final norm, float/bool/3-D attention masks, key padding
masks, causal masks and hints, unbatched inputs; the causal-mask detection of the stacks; torch's state_dict
keys, order and shapes, reprs, and ``generate_square_subsequent_mask``. Gradchecks, init, copies, dropout and the
errors are in test_transformer_more.py.

torch runs in training mode with dropout=0.0 (and with autograd on): that keeps it off its fused "fast path" and
nested tensors, so it computes the plain path that minigan always takes; minigan runs in eval mode."""

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import randn

pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")   # torch's note on its fast path

E, H, FF = 6, 2, 7                      # d_model, nhead, dim_feedforward
S, T, N = 5, 4, 2                       # source length, target length, batch


def _activation(torch, key):
    """The same activation for torch and for minigan: (torch's, minigan's)."""
    if key in ("relu", "gelu"):
        return key, key
    if key == "silu":                                                   # a plain function
        return torch.nn.functional.silu, nn.functional.silu
    if key == "gelu-module":                                            # a Module: registered as a submodule
        return torch.nn.GELU(approximate="tanh"), nn.GELU(approximate="tanh")
    raise AssertionError(key)


def _load(torch, ref, mine, device="cpu", seed=0):
    """Redraw every torch parameter at random, then load torch's state dict into the minigan module."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in ref.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    mine.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ref.train(), mine.eval().to(device)


def _layers(torch, kind, ctor, act):
    """A torch layer and a minigan layer (float64) of ``kind`` ("Encoder" or "Decoder"), dropout 0."""
    t_act, m_act = _activation(torch, act)
    ref = getattr(torch.nn, f"Transformer{kind}Layer")(E, H, FF, 0.0, t_act, **ctor).double()
    mine = getattr(nn, f"Transformer{kind}Layer")(E, H, FF, 0.0, m_act, **ctor).double()
    return ref, mine


def _stacks(torch, kind, num_layers, norm, ctor, act="relu"):
    ref_layer, layer = _layers(torch, kind, ctor, act)
    eps, bias = ctor.get("layer_norm_eps", 1e-5), ctor.get("bias", True)
    ref = getattr(torch.nn, f"Transformer{kind}")(ref_layer, num_layers,
                                                   torch.nn.LayerNorm(E, eps, bias=bias) if norm else None).double()
    mine = getattr(nn, f"Transformer{kind}")(layer, num_layers, nn.LayerNorm(E, eps, bias=bias) if norm else None)
    return ref, mine.double()


def _compare(torch, ref, mine, device, arrays, fwd, atol=1e-12, grad_atol=1e-10):
    """``mine(*arrays, **fwd)`` against ``ref`` on the same float64 inputs (masks given to minigan as arrays, to
    torch as tensors): equal outputs, then equal gradients of every parameter (torch's names, in its order) and
    of every input after one backward of a random weighted sum."""
    xs = [mg.tensor(a, device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tfwd = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in fwd.items()}
    out, tout = mine(*xs, **fwd), ref(*ts, **tfwd)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=atol, rtol=1e-10, err_msg="output")
    g = randn(*out.shape, seed=3)
    out.backward(mg.tensor(g, device=device))
    tout.backward(torch.tensor(g))
    t_params = list(ref.named_parameters())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in t_params]
    for (name, p), (_, tp) in zip(mine.named_parameters(), t_params):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=grad_atol, rtol=1e-8,
                                   err_msg=f"gradient of {name}")
    for i, (x, t) in enumerate(zip(xs, ts)):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=grad_atol, rtol=1e-8,
                                   err_msg=f"gradient of input {i}")


# ----------------------------------------------------------------------------- masks
KPM_S = np.array([[False, False, True, False, True], [False] * S])           # True = padding
KPM_T = np.array([[False, True, False, True], [False, False, False, True]])
MASK_S = np.random.default_rng(4).random((S, S)) > 0.6                         # True = may NOT attend
MASK_S[:, 0] = False                                                          # every query sees key 0
MASK_TS = np.random.default_rng(5).random((T, S)) > 0.6
MASK_TS[:, 1] = False


def causal(n, m=None, bool_=False):
    """The causal mask, bool (True above the diagonal) or float (-inf above, 0 elsewhere)."""
    above = np.triu(np.ones((n, m or n), bool), 1)
    return above if bool_ else np.where(above, -np.inf, 0.0)


ROW_HIDDEN = np.zeros((S, S), bool)
ROW_HIDDEN[2] = True                                                         # query 2 may attend to nothing

ENCODER_LAYER_CASES = [
    ("seq-first", {}, "relu", (S, N, E), {}),
    ("batch-first", {"batch_first": True}, "relu", (N, S, E), {}),
    ("norm-first gelu", {"norm_first": True}, "gelu", (S, N, E), {}),
    ("batch-first norm-first silu function", {"batch_first": True, "norm_first": True}, "silu", (N, S, E), {}),
    ("GELU Module", {}, "gelu-module", (S, N, E), {}),
    ("bias False with kpm", {"bias": False}, "relu", (S, N, E), {"src_key_padding_mask": KPM_S}),
    ("layer_norm_eps", {"layer_norm_eps": 1e-2, "norm_first": True}, "relu", (S, N, E), {}),
    ("unbatched", {}, "relu", (S, E), {}),
    ("unbatched batch_first kpm mask", {"batch_first": True}, "gelu", (S, E),
     {"src_key_padding_mask": KPM_S[0], "src_mask": MASK_S}),
    ("float mask", {}, "relu", (S, N, E), {"src_mask": randn(S, S, seed=5)}),
    ("bool mask", {"norm_first": True}, "relu", (S, N, E), {"src_mask": MASK_S}),
    ("3-D float mask", {"batch_first": True}, "relu", (N, S, E), {"src_mask": randn(N * H, S, S, seed=6)}),
    ("bool kpm and bool mask", {}, "relu", (S, N, E), {"src_key_padding_mask": KPM_S, "src_mask": MASK_S}),
    ("float kpm and float mask", {}, "relu", (S, N, E),
     {"src_key_padding_mask": randn(N, S, seed=7), "src_mask": randn(S, S, seed=8)}),
    ("causal hint", {}, "relu", (S, N, E), {"src_mask": causal(S), "is_causal": True}),
    ("causal hint with kpm", {"batch_first": True}, "relu", (N, S, E),
     {"src_mask": causal(S, bool_=True), "src_key_padding_mask": KPM_S, "is_causal": True}),
    ("a query that sees nothing", {}, "relu", (S, N, E), {"src_mask": ROW_HIDDEN}),
]


@pytest.mark.parametrize("name,ctor,act,shape,fwd", ENCODER_LAYER_CASES, ids=[c[0] for c in ENCODER_LAYER_CASES])
def test_encoder_layer_matches_torch(device, torch, name, ctor, act, shape, fwd):
    ref, mine = _load(torch, *_layers(torch, "Encoder", ctor, act), device)
    _compare(torch, ref, mine, device, [randn(*shape, seed=1)], fwd)


DECODER_LAYER_CASES = [
    ("seq-first", {}, "relu", (T, N, E), (S, N, E), {}),
    ("batch-first", {"batch_first": True}, "relu", (N, T, E), (N, S, E), {}),
    ("norm-first gelu", {"norm_first": True}, "gelu", (T, N, E), (S, N, E), {}),
    ("batch-first norm-first silu function", {"batch_first": True, "norm_first": True}, "silu", (N, T, E),
     (N, S, E), {}),
    ("GELU Module, bias False", {"bias": False}, "gelu-module", (T, N, E), (S, N, E), {}),
    ("unbatched", {}, "relu", (T, E), (S, E), {}),
    ("unbatched batch_first with masks", {"batch_first": True}, "relu", (T, E), (S, E),
     {"tgt_mask": causal(T, bool_=True), "tgt_key_padding_mask": KPM_T[0], "memory_key_padding_mask": KPM_S[0]}),
    ("causal tgt_mask with hint", {}, "relu", (T, N, E), (S, N, E), {"tgt_mask": causal(T), "tgt_is_causal": True}),
    ("bool tgt_mask and memory_mask", {"norm_first": True}, "relu", (T, N, E), (S, N, E),
     {"tgt_mask": causal(T, bool_=True), "memory_mask": MASK_TS}),
    ("float memory_mask, float tgt kpm", {}, "relu", (T, N, E), (S, N, E),
     {"memory_mask": randn(T, S, seed=9), "tgt_key_padding_mask": randn(N, T, seed=10)}),
    ("bool key padding masks", {"batch_first": True}, "relu", (N, T, E), (N, S, E),
     {"tgt_key_padding_mask": KPM_T, "memory_key_padding_mask": KPM_S, "tgt_mask": causal(T, bool_=True)}),
    ("3-D masks", {}, "relu", (T, N, E), (S, N, E),
     {"tgt_mask": randn(N * H, T, T, seed=11), "memory_mask": randn(N * H, T, S, seed=12)}),
    ("memory_is_causal hint", {}, "relu", (T, N, E), (S, N, E),
     {"memory_mask": causal(T, S, bool_=True), "memory_is_causal": True}),
]


@pytest.mark.parametrize("name,ctor,act,tshape,mshape,fwd", DECODER_LAYER_CASES,
                         ids=[c[0] for c in DECODER_LAYER_CASES])
def test_decoder_layer_matches_torch(device, torch, name, ctor, act, tshape, mshape, fwd):
    ref, mine = _load(torch, *_layers(torch, "Decoder", ctor, act), device)
    _compare(torch, ref, mine, device, [randn(*tshape, seed=1), randn(*mshape, seed=2)], fwd)


ENCODER_CASES = [
    ("1 layer, no norm", 1, False, {}, (S, N, E), {}),
    ("1 layer, norm, unbatched, bool causal mask", 1, True, {}, (S, E), {"mask": causal(S, bool_=True)}),
    ("2 layers, norm, batch-first, kpm", 2, True, {"batch_first": True}, (N, S, E), {"src_key_padding_mask": KPM_S}),
    ("2 layers, no norm, norm-first, 3-D mask", 2, False, {"norm_first": True}, (S, N, E),
     {"mask": randn(N * H, S, S, seed=13)}),
    ("2 layers, norm, causal mask found", 2, True, {}, (S, N, E), {"mask": causal(S)}),
    ("2 layers, norm, bias False, kpm and mask", 2, True, {"bias": False}, (S, N, E),
     {"mask": MASK_S, "src_key_padding_mask": KPM_S}),
    ("2 layers, causal hint and kpm", 2, False, {"batch_first": True}, (N, S, E),
     {"mask": causal(S), "src_key_padding_mask": randn(N, S, seed=14), "is_causal": True}),
]


@pytest.mark.parametrize("name,num_layers,norm,ctor,shape,fwd", ENCODER_CASES, ids=[c[0] for c in ENCODER_CASES])
def test_encoder_matches_torch(device, torch, name, num_layers, norm, ctor, shape, fwd):
    ref, mine = _load(torch, *_stacks(torch, "Encoder", num_layers, norm, ctor), device)
    _compare(torch, ref, mine, device, [randn(*shape, seed=1)], fwd)


DECODER_CASES = [
    ("1 layer, no norm", 1, False, {}, (T, N, E), (S, N, E), {}),
    ("1 layer, norm, unbatched", 1, True, {"norm_first": True}, (T, E), (S, E), {"tgt_mask": causal(T)}),
    ("2 layers, norm, causal mask found", 2, True, {}, (T, N, E), (S, N, E), {"tgt_mask": causal(T)}),
    ("2 layers, no norm, batch-first, all masks", 2, False, {"batch_first": True}, (N, T, E), (N, S, E),
     {"tgt_mask": causal(T, bool_=True), "memory_mask": MASK_TS, "tgt_key_padding_mask": KPM_T,
      "memory_key_padding_mask": KPM_S}),
    ("2 layers, norm, bias False, gelu", 2, True, {"bias": False, "norm_first": True}, (T, N, E), (S, N, E),
     {"memory_mask": randn(N * H, T, S, seed=15)}),
]


@pytest.mark.parametrize("name,num_layers,norm,ctor,tshape,mshape,fwd", DECODER_CASES,
                         ids=[c[0] for c in DECODER_CASES])
def test_decoder_matches_torch(device, torch, name, num_layers, norm, ctor, tshape, mshape, fwd):
    ref, mine = _load(torch, *_stacks(torch, "Decoder", num_layers, norm, ctor), device)
    _compare(torch, ref, mine, device, [randn(*tshape, seed=1), randn(*mshape, seed=2)], fwd)


TRANSFORMER_CASES = [
    ("1+1 layers", (1, 1), {}, "relu", (S, N, E), (T, N, E), {}),
    ("2+2 layers, batch-first, gelu, all masks", (2, 2), {"batch_first": True}, "gelu", (N, S, E), (N, T, E),
     {"src_mask": MASK_S, "tgt_mask": causal(T, bool_=True), "memory_mask": MASK_TS, "src_key_padding_mask": KPM_S,
      "tgt_key_padding_mask": KPM_T, "memory_key_padding_mask": KPM_S}),
    ("2+1 layers, norm-first, unbatched", (2, 1), {"norm_first": True}, "relu", (S, E), (T, E),
     {"tgt_mask": causal(T), "src_key_padding_mask": KPM_S[1]}),
    ("1+2 layers, bias False, silu, hints", (1, 2), {"bias": False}, "silu", (S, N, E), (T, N, E),
     {"src_mask": causal(S), "src_is_causal": True, "tgt_mask": causal(T, bool_=True), "tgt_is_causal": True}),
    ("1+1 layers, gelu, eps", (1, 1), {"layer_norm_eps": 1e-3}, "gelu", (S, N, E), (T, N, E),
     {"memory_mask": causal(T, S, bool_=True), "memory_is_causal": True}),
]


def _transformers(torch, layers, ctor, act):
    t_act, m_act = _activation(torch, act)
    ref = torch.nn.Transformer(E, H, *layers, FF, 0.0, t_act, **ctor).double()
    mine = nn.Transformer(E, H, *layers, FF, 0.0, m_act, **ctor).double()
    return ref, mine


@pytest.mark.parametrize("name,layers,ctor,act,sshape,tshape,fwd", TRANSFORMER_CASES,
                         ids=[c[0] for c in TRANSFORMER_CASES])
def test_transformer_matches_torch(device, torch, name, layers, ctor, act, sshape, tshape, fwd):
    ref, mine = _load(torch, *_transformers(torch, layers, ctor, act), device)
    _compare(torch, ref, mine, device, [randn(*sshape, seed=1), randn(*tshape, seed=2)], fwd)


def test_transformer_with_custom_encoder_and_decoder(torch):
    """A custom encoder (no final norm) and decoder (2 layers) replace the built ones; Transformer's init redraws
    their weight matrices too; keys and results are torch's."""
    t_enc, m_enc = _stacks(torch, "Encoder", 1, False, {"batch_first": True})
    t_dec, m_dec = _stacks(torch, "Decoder", 2, True, {"batch_first": True})
    ref = torch.nn.Transformer(E, H, custom_encoder=t_enc, custom_decoder=t_dec, batch_first=True).double()
    mine = nn.Transformer(E, H, custom_encoder=m_enc, custom_decoder=m_dec, batch_first=True).double()
    assert mine.encoder is m_enc and mine.decoder is m_dec
    assert list(mine.state_dict()) == list(ref.state_dict())
    ref, mine = _load(torch, ref, mine)
    _compare(torch, ref, mine, "cpu", [randn(N, S, E, seed=1), randn(N, T, E, seed=2)],
             {"tgt_mask": causal(T)})


# ----------------------------------------------------------------------------- causal-mask detection
@pytest.mark.parametrize("mask,hint,expected", [
    (None, None, False),
    (causal(S), None, True),
    (causal(S, bool_=True), None, True),
    (MASK_S, None, False),
    (causal(S), False, False),
    (MASK_S, True, True),
    (np.stack([causal(S)] * (N * H)), None, False),
], ids=["no mask", "float causal", "bool causal", "other mask", "hint False", "hint True", "3-D causal"])
def test_stacks_find_causal_masks_as_torch(torch, mask, hint, expected):
    """What the stacks pass their layers as ``is_causal``/``tgt_is_causal``, for ``None`` (find out) or a hint."""
    def spy(layer, key, seen):
        forward = layer.forward

        def wrapped(*args, **kwargs):
            seen.append(kwargs[key])
            return forward(*args, **kwargs)
        layer.forward = wrapped

    # the decoder's tgt has length S here, so that one (S, S) mask serves both stacks
    for kind, shapes, mask_key, key in (("Encoder", [(S, N, E)], "mask", "is_causal"),
                                        ("Decoder", [(S, N, E), (T, N, E)], "tgt_mask", "tgt_is_causal")):
        ref, mine = _load(torch, *_stacks(torch, kind, 2, False, {}))
        seen_t, seen_m = [], []
        for layer in ref.layers:
            spy(layer, key, seen_t)
        for layer in mine.layers:
            spy(layer, key, seen_m)
        arrays = [randn(*shape, seed=i) for i, shape in enumerate(shapes)]
        mine(*(mg.tensor(a) for a in arrays), **{mask_key: mask, key: hint})
        ref(*(torch.tensor(a) for a in arrays), **{mask_key: None if mask is None else torch.tensor(mask), key: hint})
        assert seen_m == seen_t == [expected, expected], kind


# ----------------------------------------------------------------------------- state dicts and reprs
def _torch_repr(module) -> str:
    """torch's repr as minigan prints it: minigan's MultiheadAttention has a plain Linear."""
    return repr(module).replace("NonDynamicallyQuantizableLinear", "Linear")


@pytest.mark.parametrize("ctor,act", [({}, "relu"), ({"bias": False}, "gelu"), ({"norm_first": True}, "gelu-module"),
                                      ({"batch_first": True, "layer_norm_eps": 1e-3}, "silu")],
                         ids=["default", "bias False", "GELU Module", "batch-first eps"])
def test_layers_state_dict_and_repr_are_torchs(torch, ctor, act):
    for kind in ("Encoder", "Decoder"):
        ref, mine = _layers(torch, kind, ctor, act)
        ref, mine = ref.float(), mine.float()
        assert list(mine.state_dict()) == list(ref.state_dict())
        for k, v in mine.state_dict().items():
            assert v.shape == tuple(ref.state_dict()[k].shape) and v.dtype == np.float32, k
        assert [n for n, _ in mine.named_modules()] == [n for n, _ in ref.named_modules()]
        assert repr(mine) == _torch_repr(ref)
        assert mine.norm_first == ref.norm_first


@pytest.mark.parametrize("num_layers,norm", [(1, True), (2, False), (3, True)])
def test_stacks_state_dict_and_repr_are_torchs(torch, num_layers, norm):
    """Keys, shapes and the whole repr are torch's for any depth (a ModuleList folds equal layers into one entry,
    "(0-1): 2 x ...", in both)."""
    for kind in ("Encoder", "Decoder"):
        ref, mine = _stacks(torch, kind, num_layers, norm, {"bias": num_layers != 2})
        assert list(mine.state_dict()) == list(ref.state_dict())
        assert all(v.shape == tuple(ref.state_dict()[k].shape) for k, v in mine.state_dict().items())
        assert mine.num_layers == ref.num_layers == num_layers and len(mine.layers) == num_layers
        assert (mine.norm is None) == (ref.norm is None)
        assert repr(mine) == _torch_repr(ref)
        for m, r in zip(mine.layers, ref.layers):
            assert repr(m) == _torch_repr(r)


def test_transformer_state_dict_and_repr_are_torchs(torch):
    ref, mine = torch.nn.Transformer(E, H, 2, 3, FF), nn.Transformer(E, H, 2, 3, FF)
    assert list(mine.state_dict()) == list(ref.state_dict())
    assert all(v.shape == tuple(ref.state_dict()[k].shape) for k, v in mine.state_dict().items())
    assert (mine.d_model, mine.nhead, mine.batch_first) == (ref.d_model, ref.nhead, ref.batch_first)
    ref1, mine1 = torch.nn.Transformer(E, H, 1, 1, FF, bias=False), nn.Transformer(E, H, 1, 1, FF, bias=False)
    assert list(mine1.state_dict()) == list(ref1.state_dict())
    assert repr(mine1) == _torch_repr(ref1)
    assert mine.encoder.enable_nested_tensor and not mine.encoder.use_nested_tensor and mine.encoder.mask_check


@pytest.mark.parametrize("sz", [1, 2, 5])
def test_generate_square_subsequent_mask_is_torchs(device, torch, sz):
    mask = nn.Transformer.generate_square_subsequent_mask(sz, device=device)
    ref = torch.nn.Transformer.generate_square_subsequent_mask(sz)
    assert mask.dtype == np.float32 and mask.device == device and not mask.requires_grad
    np.testing.assert_array_equal(mask.numpy(), ref.numpy())
    m64 = nn.Transformer.generate_square_subsequent_mask(sz, dtype=mg.float64)
    assert m64.dtype == np.float64
    np.testing.assert_array_equal(m64.numpy(), causal(sz))
    assert not np.isnan(mask.numpy()).any()


# ----------------------------------------------------------------------------- float32 and torch's fast path
@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_float32_encoder_agrees_with_torchs_fast_path_except_at_padding(torch):
    """In eval mode without autograd, with padding at the end of each sequence, torch takes its fused path and
    nested tensors: the same values up to float32 rounding, except that torch returns 0 at the padded positions,
    where minigan (and torch's plain path) compute them like any other."""
    ref, mine = _stacks(torch, "Encoder", 2, False, {"batch_first": True})
    ref, mine = _load(torch, ref.float(), mine.float())
    x = randn(N, S, E, seed=1).astype(np.float32)
    kpm = np.array([[False, False, False, True, True], [False] * S])
    ref.eval()
    with torch.no_grad():
        fast = ref(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).numpy()
    ref.train()
    plain = ref(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).detach().numpy()
    out = mine(mg.tensor(x), src_key_padding_mask=kpm)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), plain, atol=1e-5)
    np.testing.assert_allclose(out.numpy()[~kpm], fast[~kpm], atol=1e-5)
    assert np.all(fast[kpm] == 0) and not np.any(out.numpy()[kpm] == 0)
