"""scaled_dot_product_attention: gradcheck (and second derivatives) in float64 on every device, parity with
torch.nn.functional.scaled_dot_product_attention over masks, causal, scale, broadcast and gqa (values and
gradients), the fully masked row (zeros, as torch 2.13), dropout on minigan's seed, and the errors."""
import math

import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.ops.attention import attention_with_weights

from helpers import compare_with_torch, randn, tensors

BOOL_MASK = np.array([[True, False, True, False, True],
                      [False, False, False, True, False],
                      [True, True, True, True, True]])           # (L 3, S 5), every row sees some key
ROW_MASKED = BOOL_MASK.copy()
ROW_MASKED[1] = False                                            # query 1 sees nothing
FLOAT_MASK = randn(3, 5, seed=40)


def shapes(*s):
    return [randn(*shape, seed=i + 1) for i, shape in enumerate(s)]


# (name, kwargs, shapes of q, k, v): odd sizes, L != S, E != Ev, batch 1 and broadcast batch dims
CASES = [
    ("plain, batch 1", {}, [(1, 3, 4), (1, 5, 4), (1, 5, 2)]),
    ("unbatched 2-D", {}, [(3, 4), (5, 4), (5, 3)]),
    ("batch dims broadcast", {}, [(2, 1, 3, 4), (1, 3, 5, 4), (3, 5, 2)]),
    ("bool mask", {"attn_mask": BOOL_MASK}, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    ("bool mask, per batch", {"attn_mask": np.stack([BOOL_MASK, BOOL_MASK[::-1]])[:, None]},
     [(2, 1, 3, 4), (2, 1, 5, 4), (2, 1, 5, 3)]),
    ("float mask", {"attn_mask": FLOAT_MASK}, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    ("float mask with -inf", {"attn_mask": np.where(BOOL_MASK, FLOAT_MASK, -np.inf)},
     [(1, 3, 4), (1, 5, 4), (1, 5, 3)]),
    ("causal L < S", {"is_causal": True}, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    ("causal L > S, scale 0.7", {"is_causal": True, "scale": 0.7}, [(1, 4, 3), (1, 3, 3), (1, 3, 5)]),
    ("scale -0.4", {"scale": -0.4}, [(3, 4), (5, 4), (5, 2)]),
    ("gqa Hq 6, Hk 2, Hv 3", {"enable_gqa": True}, [(1, 6, 3, 4), (1, 2, 5, 4), (1, 3, 5, 2)]),
    ("gqa equal heads", {"enable_gqa": True}, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    ("fully masked row (bool)", {"attn_mask": ROW_MASKED}, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    ("fully masked row (float -inf)", {"attn_mask": np.where(ROW_MASKED, 0.3, -np.inf)},
     [(1, 3, 4), (1, 5, 4), (1, 5, 3)]),
]
IDS = [c[0] for c in CASES]


def _torch_kwargs(torch, kwargs):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("name,kwargs,qkv", CASES, ids=IDS)
def test_gradcheck(device, name, kwargs, qkv):
    mg.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs), tensors(device, *shapes(*qkv)))


@pytest.mark.parametrize("name,kwargs,qkv", CASES, ids=IDS)
def test_values_and_gradients_match_torch(device, torch, name, kwargs, qkv):
    tkw = _torch_kwargs(torch, kwargs)
    compare_with_torch(torch, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
                       lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(q, k, v, **tkw),
                       shapes(*qkv), device=device)


def test_float_mask_gradient_matches_torch(device, torch):
    """A float mask is added to the scores, so it has a gradient of its own, as in torch."""
    sdpa = torch.nn.functional.scaled_dot_product_attention
    compare_with_torch(torch, lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                       lambda q, k, v, m: sdpa(q, k, v, attn_mask=m),
                       shapes((2, 3, 4), (2, 5, 4), (2, 5, 3)) + [FLOAT_MASK[None]], device=device)
    mg.gradcheck(lambda m, q: F.scaled_dot_product_attention(q, q, q, attn_mask=m),
                 tensors(device, randn(1, 3, 3, seed=5), randn(2, 3, 4, seed=6)))


@pytest.mark.parametrize("name,kwargs,qkv", [CASES[2], CASES[3], CASES[7], CASES[10], CASES[12]],
                         ids=[IDS[2], IDS[3], IDS[7], IDS[10], IDS[12]])
def test_second_derivatives(device, name, kwargs, qkv):
    mg.gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
                     tensors(device, *shapes(*qkv)))


def test_is_the_formula_softmax_q_kt_over_sqrt_e_v():
    q, k, v = shapes((2, 3, 4), (2, 5, 4), (2, 5, 6))
    s = q @ k.transpose(0, 2, 1) / math.sqrt(4)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    out, weights = attention_with_weights(*tensors("cpu", q, k, v))
    np.testing.assert_allclose(weights.numpy(), w, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), w @ v, rtol=1e-12)
    assert out.shape == (2, 3, 6)


def test_fully_masked_row_is_zero_with_zero_gradient(device):
    q, k, v = tensors(device, *shapes((3, 4), (5, 4), (5, 3)))
    out, w = attention_with_weights(q, k, v, attn_mask=ROW_MASKED)
    assert np.all(w.numpy()[1] == 0) and np.all(out.numpy()[1] == 0)
    assert np.all(np.isfinite(out.numpy()))
    out.sum().backward()
    assert np.all(q.grad.numpy()[1] == 0) and np.all(np.isfinite(k.grad.numpy()))
    np.testing.assert_allclose(w.numpy()[[0, 2]].sum(-1), 1.0)


def test_causal_is_top_left_lower_triangle():
    q, k, v = tensors("cpu", *shapes((4, 2), (3, 2), (3, 2)))
    w = attention_with_weights(q, k, v, is_causal=True)[1].numpy()
    np.testing.assert_array_equal(w > 0, np.tril(np.ones((4, 3), bool)))


def test_dtype_float32_kept_and_float32_mask_on_a_float64_query():
    q, k, v = (mg.tensor(a.astype(np.float32)) for a in shapes((3, 4), (5, 4), (5, 2)))
    assert F.scaled_dot_product_attention(q, k, v, attn_mask=BOOL_MASK).dtype == np.float32
    assert F.scaled_dot_product_attention(q, k, v, attn_mask=FLOAT_MASK.astype(np.float32)).dtype == np.float32
    q64, k64, v64 = tensors("cpu", *shapes((3, 4), (5, 4), (5, 2)))
    out = F.scaled_dot_product_attention(q64, k64, v64, attn_mask=mg.tensor(FLOAT_MASK.astype(np.float32)))
    assert out.dtype == np.float64


def test_dropout_follows_minigans_seed(device):
    q, k, v = tensors(device, *shapes((2, 6, 4), (2, 7, 4), (2, 7, 3)))
    mg.manual_seed(7)
    a, wa = attention_with_weights(q, k, v, dropout_p=0.4)
    mg.manual_seed(7)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    plain = attention_with_weights(q, k, v)[1].numpy()
    kept = wa.numpy() != 0
    assert 0 < kept.mean() < 1                                       # some weights dropped, some kept
    np.testing.assert_allclose(wa.numpy()[kept], plain[kept] / 0.6)  # the survivors scaled by 1 / (1 - p)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy(), 0)

    def f(q):
        mg.manual_seed(3)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)

    mg.gradcheck(f, [q])


def test_mask_array_moves_to_the_querys_device(device):
    q, k, v = tensors(device, *shapes((3, 4), (5, 4), (5, 2)))
    a = F.scaled_dot_product_attention(q, k, v, attn_mask=BOOL_MASK)
    b = F.scaled_dot_product_attention(q, k, v, attn_mask=mg.tensor(BOOL_MASK, device=device))
    c = F.scaled_dot_product_attention(q, k, v, attn_mask=BOOL_MASK.tolist())
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(a.numpy(), c.numpy())


def _qkv(*s):
    return tensors("cpu", *shapes(*s), requires_grad=False)


@pytest.mark.parametrize("args,kwargs,error,message", [
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": BOOL_MASK, "is_causal": True}, ValueError, "not both"),
    (((3, 4), (5, 3), (5, 2)), {}, ValueError, r"must share E, got shapes \(3, 4\) and \(5, 3\)"),
    (((3, 4), (5, 4), (6, 2)), {}, ValueError, r"must share S, got shapes \(5, 4\) and \(6, 2\)"),
    (((4,), (5, 4), (5, 2)), {}, ValueError, r"at least 2-D, got shapes \(4,\)"),
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": np.zeros((3, 5), np.int64)}, TypeError, "bool, float32 or"),
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": np.zeros((3, 4), bool)}, ValueError,
     r"attn_mask of shape \(3, 4\) does not broadcast to the attention scores' shape \(3, 5\)"),
    (((3, 4), (5, 4), (5, 2)), {"attn_mask": np.zeros((2, 3, 5), bool)}, ValueError, "does not broadcast"),
    (((3, 4), (5, 4), (5, 2)), {"dropout_p": 1.5}, ValueError, r"dropout_p must be in \[0, 1\], got 1.5"),
    (((6, 3, 4), (4, 5, 4), (4, 5, 2)), {"enable_gqa": True}, ValueError,
     r"key \(4\) and value \(4\) must divide the number of heads in query \(6\)"),
    (((3, 4), (5, 4), (5, 2)), {"enable_gqa": True}, ValueError, "enable_gqa needs a heads dim"),
    (((6, 3, 4), (2, 5, 4), (2, 5, 2)), {}, ValueError, "do not broadcast .*enable_gqa=True"),
])
def test_errors_say_what_was_expected_and_what_came(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        F.scaled_dot_product_attention(*_qkv(*args), **kwargs)


def test_dtype_errors():
    q, k, v = _qkv((3, 4), (5, 4), (5, 2))
    with pytest.raises(TypeError, match="one floating-point dtype, got float32, float64 and float64"):
        F.scaled_dot_product_attention(q.float(), k, v)
    with pytest.raises(TypeError, match="expected key to be a Tensor"):
        F.scaled_dot_product_attention(q, np.zeros((5, 4)), v)
    with pytest.raises(TypeError, match="bool, float32 or the query's dtype float32, got float64"):
        F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=FLOAT_MASK)


def test_torch_errors_in_the_same_places(torch):
    """Where minigan refuses, torch refuses too (a check that the rules above are torch's, not invented)."""
    sdpa = torch.nn.functional.scaled_dot_product_attention
    t = torch.zeros
    with pytest.raises(RuntimeError):
        sdpa(t(6, 3, 4), t(4, 5, 4), t(4, 5, 2), enable_gqa=True)
    with pytest.raises(RuntimeError):
        sdpa(t(3, 4), t(5, 4), t(5, 2), attn_mask=torch.ones(3, 5, dtype=torch.bool), is_causal=True)
    with pytest.raises(RuntimeError):
        sdpa(t(3, 4), t(5, 4), t(5, 2), attn_mask=t(2, 3, 5))
    with pytest.raises(RuntimeError):
        sdpa(t(3, 4), t(5, 4), t(5, 2), attn_mask=t(3, 5, dtype=torch.float64))
