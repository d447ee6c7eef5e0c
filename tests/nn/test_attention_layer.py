"""nn.MultiheadAttention: torch's parameter names, shapes and init; the same outputs, weights and gradients as
torch.nn.MultiheadAttention after loading its state dict (every layout, mask and option); a float64 gradcheck
of the layer on every device; dropout in training mode only; and the errors, each naming the layer."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn as nn

from helpers import randn

E, H = 6, 3


def _pair(torch, device="cpu", **kwargs):
    """A torch layer (float64, seeded) and a minigan layer loaded from its state dict, on ``device``."""
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(E, H, **kwargs).double()
    mine = nn.MultiheadAttention(E, H, **kwargs).double()
    mine.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    return ref, mine.to(device)


# (name, constructor kwargs, shapes of query, key, value, forward kwargs); L = 3, S = 5, N = 2 (or 1)
KPM = np.array([[False, False, True, False, True], [False, False, False, False, False]])
MASK2 = np.triu(np.ones((3, 5), bool), 3)                       # True = may NOT attend (torch's MHA convention)
MASK3 = randn(2 * H, 3, 5, seed=11)
CASES = [
    ("seq-first", {}, (3, 2, E), (5, 2, E), (5, 2, E), {}),
    ("batch-first", {"batch_first": True}, (2, 3, E), (2, 5, E), (2, 5, E), {}),
    ("batch 1", {}, (3, 1, E), (5, 1, E), (5, 1, E), {}),
    ("unbatched", {}, (3, E), (5, E), (5, E), {}),
    ("unbatched, batch_first ignored", {"batch_first": True}, (3, E), (5, E), (5, E), {}),
    ("kdim vdim", {"kdim": 4, "vdim": 5}, (3, 2, E), (5, 2, 4), (5, 2, 5), {}),
    ("kdim vdim batch-first no bias", {"kdim": 4, "vdim": 5, "batch_first": True, "bias": False},
     (2, 3, E), (2, 5, 4), (2, 5, 5), {}),
    ("no bias", {"bias": False}, (3, 2, E), (5, 2, E), (5, 2, E), {}),
    ("add_bias_kv", {"add_bias_kv": True}, (3, 2, E), (5, 2, E), (5, 2, E), {}),
    ("add_zero_attn", {"add_zero_attn": True}, (3, 2, E), (5, 2, E), (5, 2, E), {}),
    ("bias_kv + zero_attn + masks", {"add_bias_kv": True, "add_zero_attn": True}, (3, 2, E), (5, 2, E),
     (5, 2, E), {"key_padding_mask": KPM, "attn_mask": MASK2}),
    ("key_padding_mask bool", {}, (3, 2, E), (5, 2, E), (5, 2, E), {"key_padding_mask": KPM}),
    ("key_padding_mask float", {}, (3, 2, E), (5, 2, E), (5, 2, E), {"key_padding_mask": randn(2, 5, seed=9)}),
    ("attn_mask 2-D bool", {}, (3, 2, E), (5, 2, E), (5, 2, E), {"attn_mask": MASK2}),
    ("attn_mask 2-D float", {}, (3, 2, E), (5, 2, E), (5, 2, E), {"attn_mask": randn(3, 5, seed=8)}),
    ("attn_mask 3-D float", {"batch_first": True}, (2, 3, E), (2, 5, E), (2, 5, E), {"attn_mask": MASK3}),
    ("attn_mask 3-D unbatched", {}, (3, E), (5, E), (5, E), {"attn_mask": MASK3[:H]}),
    ("both masks", {}, (3, 2, E), (5, 2, E), (5, 2, E),
     {"key_padding_mask": randn(2, 5, seed=9), "attn_mask": randn(3, 5, seed=8)}),
    ("need_weights False", {}, (3, 2, E), (5, 2, E), (5, 2, E), {"need_weights": False, "key_padding_mask": KPM}),
    ("average_attn_weights False", {}, (3, 2, E), (5, 2, E), (5, 2, E), {"average_attn_weights": False}),
    ("average False unbatched", {}, (3, E), (5, E), (5, E), {"average_attn_weights": False, "attn_mask": MASK2}),
    ("is_causal hint, weights", {}, (4, 2, E), (4, 2, E), (4, 2, E),
     {"is_causal": True, "attn_mask": np.triu(np.ones((4, 4), bool), 1)}),
    ("is_causal hint, no weights", {}, (4, 2, E), (4, 2, E), (4, 2, E),
     {"is_causal": True, "need_weights": False, "attn_mask": np.triu(np.ones((4, 4), bool), 1)}),
]
IDS = [c[0] for c in CASES]


def _inputs(device, *shapes):
    return [mg.tensor(randn(*s, seed=20 + i), device=device, requires_grad=True) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("name,ctor,qs,ks,vs,fwd", CASES, ids=IDS)
def test_outputs_weights_and_gradients_match_torch(device, torch, name, ctor, qs, ks, vs, fwd):
    ref, mine = _pair(torch, device, **ctor)
    xs = _inputs(device, qs, ks, vs)
    ts = [torch.tensor(x.numpy(), requires_grad=True) for x in xs]
    tfwd = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in fwd.items()}
    out, w = mine(*xs, **fwd)
    tout, tw = ref(*ts, **tfwd)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12, err_msg="attn_output")
    if tw is None:
        assert w is None
    else:
        assert w.shape == tuple(tw.shape)
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), atol=1e-12, err_msg="attn_weights")
    rs = np.random.default_rng(1)
    g_out, loss_t = rs.standard_normal(out.shape), None
    loss = (out * mg.tensor(g_out, device=device)).sum()
    loss_t = (tout * torch.tensor(g_out)).sum()
    if tw is not None:
        g_w = rs.standard_normal(w.shape)
        loss = loss + (w * mg.tensor(g_w, device=device)).sum()
        loss_t = loss_t + (tw * torch.tensor(g_w)).sum()
    loss.backward()
    loss_t.backward()
    for (pname, p), (tname, tp) in zip(mine.named_parameters(), ref.named_parameters()):
        assert pname == tname
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-10, err_msg=f"gradient of {pname}")
    for i, (x, t) in enumerate(zip(xs, ts)):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10, err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("ctor,keys", [
    ({}, ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]),
    ({"bias": False}, ["in_proj_weight", "out_proj.weight"]),
    ({"kdim": 4, "vdim": 5}, ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight",
                              "out_proj.bias"]),
    ({"add_bias_kv": True}, ["in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                             "out_proj.bias"]),
])
def test_state_dict_keys_and_shapes_are_torchs(torch, ctor, keys):
    ref = torch.nn.MultiheadAttention(E, H, **ctor)
    mine = nn.MultiheadAttention(E, H, **ctor)
    assert list(mine.state_dict()) == list(ref.state_dict()) == keys
    for k, v in mine.state_dict().items():
        assert v.shape == tuple(ref.state_dict()[k].shape), k
        assert v.dtype == np.float32
    assert repr(mine) == repr(ref).replace("NonDynamicallyQuantizableLinear", "Linear")


def test_attributes_and_unused_slots():
    mha = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, batch_first=True, dropout=0.1)
    assert (mha.embed_dim, mha.num_heads, mha.head_dim, mha.kdim, mha.vdim) == (8, 2, 4, 3, 5)
    assert mha.dropout == 0.1 and mha.batch_first and not mha._qkv_same_embed_dim
    assert mha.in_proj_weight is None and mha.bias_k is None and mha.bias_v is None and not mha.add_zero_attn
    assert (mha.q_proj_weight.shape, mha.k_proj_weight.shape, mha.v_proj_weight.shape) == ((8, 8), (8, 3), (8, 5))
    same = nn.MultiheadAttention(8, 2)
    assert same.q_proj_weight is None and same.in_proj_weight.shape == (24, 8) and same.in_proj_bias.shape == (24,)
    assert nn.MultiheadAttention(8, 2, bias=False).out_proj.bias is None


def test_init_is_torchs():
    mg.manual_seed(1)
    mha = nn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6.0 / (64 + 3 * 64))                           # xavier_uniform_ on (3E, E)
    w = mha.in_proj_weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.all(mha.in_proj_bias.numpy() == 0) and np.all(mha.out_proj.bias.numpy() == 0)
    assert np.abs(mha.out_proj.weight.numpy()).max() <= 1 / math.sqrt(64)     # Linear's own init
    bk = np.concatenate([mha.bias_k.numpy().ravel(), mha.bias_v.numpy().ravel()])
    assert abs(bk.std() - math.sqrt(2.0 / (64 + 64))) < 0.04           # xavier_normal_ on (1, 1, E)
    sep = nn.MultiheadAttention(64, 4, kdim=32)
    kb = math.sqrt(6.0 / (32 + 64))
    assert np.abs(sep.k_proj_weight.numpy()).max() <= kb


def test_float32_layer_loads_torchs_float32_state_dict(torch):
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(E, H, batch_first=True)
    mine = nn.MultiheadAttention(E, H, batch_first=True)
    mine.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = randn(2, 3, E, seed=3).astype(np.float32)
    out, w = mine(mg.tensor(x), mg.tensor(x), mg.tensor(x))
    with torch.no_grad():                                            # torch's fast path, here
        tout, tw = ref(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), tout.numpy(), atol=1e-5)
    np.testing.assert_allclose(w.numpy(), tw.numpy(), atol=1e-5)


@pytest.mark.parametrize("ctor,fwd", [
    ({}, {}),
    ({"batch_first": True, "add_bias_kv": True, "add_zero_attn": True}, {"key_padding_mask": KPM[:1]}),
    ({"kdim": 3, "vdim": 2, "bias": False}, {"attn_mask": MASK2, "average_attn_weights": False}),
], ids=["plain", "bias_kv-zero_attn-kpm", "kdim-vdim-mask"])
def test_layer_gradcheck(device, ctor, fwd):
    """The layer's output and weights against central differences in float64, for its inputs and parameters."""
    mha = nn.MultiheadAttention(E, H, **ctor).double().to(device)
    kd, vd = ctor.get("kdim", E), ctor.get("vdim", E)
    shapes = [(1, 3, E), (1, 5, kd), (1, 5, vd)] if ctor.get("batch_first") else [(3, 1, E), (5, 1, kd), (5, 1, vd)]
    params = list(mha.parameters())
    rep = mg.gradcheck(lambda q, k, v: mha(q, k, v, **fwd), _inputs(device, *shapes), params=params)
    assert [r.name for r in rep.rows][-len(params):] == [f"param {i}" for i in range(len(params))]


def test_self_attention_second_derivative(device):
    mha = nn.MultiheadAttention(4, 2).double().to(device)
    mg.gradgradcheck(lambda x: mha(x, x, x, need_weights=False)[0], _inputs(device, (3, 1, 4)))


def test_fully_masked_query_gives_zero_attention_as_torch_without_weights(torch):
    ref, mine = _pair(torch)
    x = randn(3, 1, E, seed=4)
    mask = np.zeros((3, 3), bool)
    mask[1] = True                                                   # query 1 may attend to nothing
    tout, _ = ref(*(torch.tensor(x),) * 3, attn_mask=torch.tensor(mask), need_weights=False)
    for need in (False, True):
        out, w = mine(*(mg.tensor(x),) * 3, attn_mask=mask, need_weights=need)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), atol=1e-12)
        if need:
            assert np.all(w.numpy()[0, 1] == 0)
    assert torch.isnan(ref(*(torch.tensor(x),) * 3, attn_mask=torch.tensor(mask))[0][1]).all()  # torch's weights path


def test_dropout_only_in_training_and_on_minigans_seed():
    mha = nn.MultiheadAttention(E, H, dropout=0.5).double()
    plain = nn.MultiheadAttention(E, H).double()
    plain.load_state_dict(mha.state_dict())
    x = mg.tensor(randn(4, 2, E, seed=6))
    mg.manual_seed(5)
    a, wa = mha(x, x, x, average_attn_weights=False)
    mg.manual_seed(5)
    b, _ = mha(x, x, x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    _, wp = plain(x, x, x, average_attn_weights=False)
    dropped = wa.numpy() == 0
    assert dropped.any() and not dropped.all()
    np.testing.assert_allclose(wa.numpy()[~dropped], wp.numpy()[~dropped] / 0.5)
    mha.eval()
    np.testing.assert_array_equal(mha(x, x, x)[0].numpy(), plain(x, x, x)[0].numpy())


def _layer(**kw):
    return nn.MultiheadAttention(E, H, **kw).double()


def _t(*shape, dtype=np.float64):
    return mg.tensor(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("make,args,kwargs,message", [
    (_layer, (_t(3, 2, 4), _t(5, 2, E), _t(5, 2, E)), {},
     r"expected query of shape \(L, N, 6\), got shape \(3, 2, 4\)"),
    (lambda: _layer(batch_first=True), (_t(2, 3, E), _t(2, 5, E), _t(2, 5, 5)), {},
     r"expected value of shape \(N, S, 6\), got shape \(2, 5, 5\)"),
    (lambda: _layer(kdim=4), (_t(3, E), _t(5, E), _t(5, E)), {}, r"expected key of shape \(S, 4\), got shape \(5, 6\)"),
    (_layer, (_t(1, 3, 2, E), _t(5, 2, E), _t(5, 2, E)), {}, r"3-D \(batched\) or 2-D \(unbatched\), got shape"),
    (_layer, (_t(3, 2, E), _t(5, E), _t(5, E)), {}, r"for a 3-D query expected key and value to be 3-D too"),
    (_layer, (_t(3, 2, E), _t(5, 2, E), _t(4, 2, E)), {}, "key and value must have one length S"),
    (_layer, (_t(3, 2, E), _t(5, 3, E), _t(5, 3, E)), {}, "one batch size N"),
    (_layer, (_t(3, 2, E), _t(5, 2, E), _t(5, 2, E)), {"key_padding_mask": np.zeros((2, 4), bool)},
     r"expected key_padding_mask of shape \(2, 5\) \(\(N, S\)\), got \(2, 4\)"),
    (_layer, (_t(3, E), _t(5, E), _t(5, E)), {"key_padding_mask": np.zeros((1, 5), bool)},
     r"expected key_padding_mask of shape \(5,\)"),
    (_layer, (_t(3, 2, E), _t(5, 2, E), _t(5, 2, E)), {"attn_mask": np.zeros((3, 4), bool)},
     r"expected attn_mask of shape \(L, S\) = \(3, 5\) or \(N\*num_heads, L, S\) = \(6, 3, 5\), got \(3, 4\)"),
    (_layer, (_t(3, E), _t(5, E), _t(5, E)), {"attn_mask": np.zeros((6, 3, 5), bool)},
     r"\(num_heads, L, S\) = \(3, 3, 5\), got \(6, 3, 5\)"),
    (_layer, (_t(3, 2, E), _t(5, 2, E), _t(5, 2, E)), {"is_causal": True}, "is_causal=True .* needs that attn_mask"),
])
def test_forward_errors_name_the_layer_and_say_what_came(make, args, kwargs, message):
    with pytest.raises(ValueError, match="^MultiheadAttention: .*" + message):
        make()(*args, **kwargs)


def test_mask_dtype_and_constructor_errors():
    x = _t(3, 2, E)
    with pytest.raises(TypeError, match="MultiheadAttention: only bool and floating-point attn_mask are supported"):
        _layer()(x, x, x, attn_mask=np.zeros((3, 3), np.int64))
    with pytest.raises(TypeError, match="MultiheadAttention: expected key to be a Tensor"):
        _layer()(x, np.zeros((3, 2, E)), x)
    with pytest.raises(TypeError, match="MultiheadAttention: expected query, key and value of the layer's dtype "
                                        "float32, got float64, float64 and float64"):
        nn.MultiheadAttention(E, H)(x, x, x)
    with pytest.warns(UserWarning, match="MultiheadAttention: a key_padding_mask of dtype bool with an attn_mask of "
                                         "dtype float64"):
        _layer()(x, x, x, key_padding_mask=np.zeros((2, 3), bool), attn_mask=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"MultiheadAttention: embed_dim=10 must be divisible by num_heads=3"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="MultiheadAttention: embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(8, 0)


def test_output_shapes_without_torch():
    mha = nn.MultiheadAttention(8, 4, batch_first=True, add_zero_attn=True)
    out, w = mha(_t(2, 3, 8, dtype=np.float32), _t(2, 7, 8, dtype=np.float32), _t(2, 7, 8, dtype=np.float32),
                 average_attn_weights=False)
    assert out.shape == (2, 3, 8) and w.shape == (2, 4, 3, 8) and out.dtype == np.float32
    out, w = mha(_t(3, 8, dtype=np.float32), _t(7, 8, dtype=np.float32), _t(7, 8, dtype=np.float32))
    assert out.shape == (3, 8) and w.shape == (3, 8)
