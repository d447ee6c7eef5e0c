"""torch.autograd.functional in minigan (minigan/jacobians.py): vjp, jvp, jacobian, hessian, hvp and vhp give
PyTorch's values, shapes and nesting, strict mode and errors included; jacobian and hessian agree with finite
differences on every device; create_graph=True results differentiate again (a third derivative as torch's);
the products agree with the matrices; the three import spellings work."""
import inspect
import subprocess
import sys

import numpy as np
import pytest

import minigan as mg
import minigan.autograd.functional as AF
from helpers import host, randn

# torch's forward-mode jacobian and hessian go through torch.jit.script, which warns that it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

# Functions written once and run by both libraries (operators and methods that minigan and torch share).
CASES = {
    "elementwise": (lambda a: a.sin() * a.exp(), [(2, 3)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 4)]),
    "reduction": (lambda a: (a.tanh() * a).sum(), [(2, 3)]),
    "several": (lambda a, b: (a * b.exp(), (a.sin() * b).sum(dim=1)), [(2, 3), (3,)]),
    "independent": (lambda a, b: (a.exp(), b * 2), [(2,), (3,)]),
    "zero_d": (lambda a: a * a.exp(), [()]),
    "tuple_of_one": (lambda a: (a ** 2).sum(dim=0), [(2, 3)]),      # inputs given as (x,): results nest
}
TUPLE_INPUT = {"matmul", "several", "independent", "tuple_of_one"}

SCALAR_CASES = {
    "cubic": (lambda a: (a ** 3).sum(), [(2, 3)]),
    "two_inputs": (lambda a, b: (a.sin() * b).sum() + (b ** 3).sum(), [(2, 3), (3,)]),
    "unused_input": (lambda a, b: (a ** 3).sum(), [(3,), (2,)]),
    "linear_in_b": (lambda a, b: (a.exp() * 2).sum() + b.sum(), [(3,), (2,)]),
    "zero_d": (lambda a: a.exp() * a, [()]),
}
SCALAR_TUPLE = {"two_inputs", "unused_input", "linear_in_b"}


def _arrays(shapes, seed=0):
    return [randn(*s, seed=seed + i) for i, s in enumerate(shapes)]


def _pack(ts, as_tuple):
    return tuple(ts) if as_tuple else ts[0]


def _ours(arrays, as_tuple, device="cpu", requires_grad=False):
    return _pack([mg.tensor(a, device=device, requires_grad=requires_grad) for a in arrays], as_tuple)


def _theirs(torch, arrays, as_tuple, requires_grad=False):
    return _pack([torch.tensor(a, requires_grad=requires_grad) for a in arrays], as_tuple)


def _output_shapes(torch, func, arrays):
    out = func(*[torch.tensor(a) for a in arrays])
    return [tuple(o.shape) for o in (out if isinstance(out, tuple) else (out,))], isinstance(out, tuple)


def assert_same(ours, theirs, path="result", grad_flags=False):
    """Same nesting, shapes and values (and, with ``grad_flags``, the same requires_grad)."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), f"{path}: {type(ours)} vs a tuple of {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{path}[{i}]", grad_flags)
        return
    assert isinstance(ours, mg.Tensor), f"{path}: {type(ours)}"
    assert ours.shape == tuple(theirs.shape), f"{path}: shape {ours.shape} vs {tuple(theirs.shape)}"
    np.testing.assert_allclose(host(ours), theirs.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=path)
    if grad_flags:
        assert ours.requires_grad == theirs.requires_grad, f"{path}: requires_grad {ours.requires_grad}"


def _tuples(res):
    """torch's forward-mode Jacobian nests in lists where its inputs are a tuple; minigan's in tuples always."""
    return tuple(_tuples(r) for r in res) if isinstance(res, (tuple, list)) else res


def _flat(res):
    return [t for r in res for t in _flat(r)] if isinstance(res, tuple) else [res]


# --------------------------------------------------------------------------- importing it as in PyTorch
@pytest.mark.parametrize("spelling", [
    "import minigan.autograd.functional as AF; f = AF.jacobian",
    "from minigan.autograd.functional import jacobian as f",
    "import minigan as mg; f = mg.autograd.functional.jacobian",
])
def test_the_three_import_spellings_work_in_a_fresh_interpreter(spelling):
    code = (f"{spelling}\nimport minigan, numpy as np\nassert f is minigan.jacobians.jacobian\n"
            "J = f(lambda a: a * a, minigan.tensor(np.array([1.0, 2.0])))\nprint(J.tolist())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[2.0, 0.0], [0.0, 4.0]]"


def test_names_signatures_and_defaults_are_torch_s(torch):
    import torch.autograd.functional as TF
    assert sorted(AF.__all__) == sorted(TF.__all__)
    for name in TF.__all__:
        theirs = [(p.name, p.default) for p in inspect.signature(getattr(TF, name)).parameters.values()]
        ours = [(p.name, p.default) for p in inspect.signature(getattr(AF, name)).parameters.values()]
        assert ours == theirs, name


# --------------------------------------------------------------------------- parity with torch
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", list(CASES))
def test_jacobian_vjp_jvp_match_torch(torch, case, create_graph):
    import torch.autograd.functional as TF
    func, shapes = CASES[case]
    arrays, as_tuple = _arrays(shapes), case in TUPLE_INPUT
    out_shapes, out_tuple = _output_shapes(torch, func, arrays)
    v_out, v_in = _arrays(out_shapes, seed=10), _arrays(shapes, seed=20)
    kw = dict(create_graph=create_graph)
    x, tx = _ours(arrays, as_tuple), _theirs(torch, arrays, as_tuple)
    assert_same(AF.jacobian(func, x, **kw), TF.jacobian(func, tx, **kw), "jacobian", grad_flags=True)
    assert_same(AF.vjp(func, x, _ours(v_out, out_tuple), **kw),
                TF.vjp(func, tx, _theirs(torch, v_out, out_tuple), **kw), "vjp", grad_flags=True)
    assert_same(AF.jvp(func, x, _ours(v_in, as_tuple), **kw), TF.jvp(func, tx, _theirs(torch, v_in, as_tuple), **kw),
                "jvp", grad_flags=True)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_hessian_hvp_vhp_match_torch(torch, case, create_graph):
    import torch.autograd.functional as TF
    func, shapes = SCALAR_CASES[case]
    arrays, as_tuple = _arrays(shapes), case in SCALAR_TUPLE
    v = _arrays(shapes, seed=30)
    kw = dict(create_graph=create_graph)
    x, tx = _ours(arrays, as_tuple), _theirs(torch, arrays, as_tuple)
    assert_same(AF.hessian(func, x, **kw), TF.hessian(func, tx, **kw), "hessian", grad_flags=True)
    for name in ("hvp", "vhp"):
        ours = getattr(AF, name)(func, x, _ours(v, as_tuple), **kw)
        assert_same(ours, getattr(TF, name)(func, tx, _theirs(torch, v, as_tuple), **kw), name, grad_flags=True)


@pytest.mark.parametrize("fname", ["vjp", "jvp", "hvp", "vhp"])
def test_v_may_be_omitted_for_one_element(torch, fname):
    import torch.autograd.functional as TF
    if fname in ("vjp", "jvp"):
        def func(a):                    # one element in and out: v defaults to a single 1
            return (a ** 3).sum() * a
    else:
        def func(a):
            return (a ** 3).sum()
    a = randn(1, seed=3)
    assert_same(getattr(AF, fname)(func, mg.tensor(a)), getattr(TF, fname)(func, torch.tensor(a)))


@pytest.mark.parametrize("case", ["elementwise", "several", "independent"])
def test_forward_mode_columns_match_torch(torch, case):
    import torch.autograd.functional as TF
    func, shapes = CASES[case]
    arrays, as_tuple = _arrays(shapes), case in TUPLE_INPUT
    kw = dict(vectorize=True, strategy="forward-mode")
    assert_same(AF.jacobian(func, _ours(arrays, as_tuple), **kw),
                _tuples(TF.jacobian(func, _theirs(torch, arrays, as_tuple), **kw)))
    assert_same(AF.jacobian(func, _ours(arrays, as_tuple), vectorize=True),
                TF.jacobian(func, _theirs(torch, arrays, as_tuple), vectorize=True))


def test_hessian_with_a_forward_mode_outer_jacobian_matches_torch(torch):
    import torch.autograd.functional as TF
    func, shapes = SCALAR_CASES["two_inputs"]
    arrays = _arrays(shapes)
    kw = dict(vectorize=True, outer_jacobian_strategy="forward-mode")
    assert_same(AF.hessian(func, _ours(arrays, True), **kw),
                _tuples(TF.hessian(func, _theirs(torch, arrays, True), **kw)))


def _outcome(call):
    try:
        return "ok", call()
    except Exception as e:                                                    # the kind and words are compared
        return type(e).__name__, str(e)


# (function, func, input shapes, whether v is given, keyword arguments): run in both libraries, each either
# succeeds with the same values or raises the same kind of error with the same message.
STRICT_CASES = [
    ("vjp", lambda a, b: a.exp(), [(2,), (3,)], True, {}),
    ("jvp", lambda a, b: a.exp(), [(2,), (3,)], True, {}),
    ("jacobian", lambda a, b: (a.exp(), b * 2), [(2,), (3,)], False, {}),
    ("jacobian", lambda a: a.detach() * 2, [(2,)], False, {}),
    ("jacobian", lambda a: a * 2, [(2,)], False, {"create_graph": True}),
    ("jacobian", lambda a: a.exp(), [(2,)], False, {"create_graph": True}),
    ("jvp", lambda a: a * 2, [(2,)], True, {"create_graph": True}),
    ("vjp", lambda a: a * 2, [(2,)], True, {"create_graph": True}),
    ("hessian", lambda a: (a * 2).sum(), [(3,)], False, {}),
    ("hessian", lambda a, b: (a ** 3).sum(), [(3,), (2,)], False, {}),
    ("hessian", lambda a: (a * a).sum(), [(3,)], False, {"create_graph": True}),
    ("hessian", lambda a: (a ** 3).sum(), [(3,)], False, {"create_graph": True}),
    ("vhp", lambda a, b: (a ** 3).sum(), [(3,), (2,)], True, {}),
    ("hvp", lambda a, b: (a ** 3).sum(), [(3,), (2,)], True, {}),
    ("vhp", lambda a: (a * 2).sum(), [(3,)], True, {}),
    ("hvp", lambda a: (a * a).sum(), [(3,)], True, {"create_graph": True}),
    ("hvp", lambda a: (a ** 3).sum(), [(3,)], True, {"create_graph": True}),
]


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("i", range(len(STRICT_CASES)))
def test_strict_mode_raises_and_non_strict_gives_zeros_as_torch(torch, i, strict):
    import torch.autograd.functional as TF
    fname, func, shapes, with_v, kw = STRICT_CASES[i]
    arrays, as_tuple = _arrays(shapes), len(shapes) > 1
    args, targs = [_ours(arrays, as_tuple)], [_theirs(torch, arrays, as_tuple)]
    if with_v:
        vs = _arrays(_output_shapes(torch, func, arrays)[0] if fname == "vjp" else shapes, seed=40)
        args.append(_ours(vs, as_tuple and fname != "vjp"))
        targs.append(_theirs(torch, vs, as_tuple and fname != "vjp"))
    ours = _outcome(lambda: getattr(AF, fname)(func, *args, strict=strict, **kw))
    theirs = _outcome(lambda: getattr(TF, fname)(func, *targs, strict=strict, **kw))
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "ok":
        assert_same(ours[1], theirs[1], grad_flags=True)
    else:
        assert ours[1] == theirs[1]
    if not strict:
        assert ours[0] == "ok"


# --------------------------------------------------------------------------- errors, as torch's
def _f(a):
    return a.exp()


ERROR_CASES = [
    ("jacobian", lambda lib, x: [x], {}),                                       # a list is not a tuple
    ("vjp", lambda lib, x: (x, 3.0), {"v": "x"}),
    ("jvp", lambda lib, x: x, {"v": "x", "func": lambda a: [a]}),
    ("jacobian", lambda lib, x: x, {"func": lambda a: 3.0}),
    ("hessian", lambda lib, x: x, {}),                                          # the output has 3 elements
    ("hessian", lambda lib, x: x, {"func": lambda a: (a.sum(), a.sum())}),
    ("hvp", lambda lib, x: x, {"v": "x", "func": lambda a: (a.sum(),)}),
    ("vhp", lambda lib, x: x, {"v": "x"}),
    ("vjp", lambda lib, x: x, {}),                                              # v is needed
    ("jvp", lambda lib, x: x, {}),
    ("hvp", lambda lib, x: x, {"func": lambda a: a.sum()}),
    ("hvp", lambda lib, x: (x, x), {"v": ("x",), "func": lambda a, b: (a * b).sum()}),
    ("vjp", lambda lib, x: x, {"v": ("x", "x")}),
    ("vjp", lambda lib, x: x, {"v": 3.0}),
    ("jacobian", lambda lib, x: x, {"strategy": "sideways"}),
    ("jacobian", lambda lib, x: x, {"strategy": "forward-mode", "vectorize": True, "create_graph": True}),
    ("jacobian", lambda lib, x: x, {"strategy": "forward-mode", "vectorize": True, "strict": True}),
    ("jacobian", lambda lib, x: x, {"vectorize": True, "strict": True}),
    ("hessian", lambda lib, x: x, {"func": lambda a: (a ** 3).sum(), "outer_jacobian_strategy": "sideways"}),
]


@pytest.mark.parametrize("i", range(len(ERROR_CASES)))
def test_errors_are_torch_s(torch, i):
    import torch.autograd.functional as TF
    fname, make_inputs, kw = ERROR_CASES[i]
    a = randn(3, seed=5)

    def run(lib, F, tensor):
        x = tensor(a)
        k = dict(kw)
        func = k.pop("func", _f)
        if isinstance(k.get("v"), str):
            k["v"] = x
        elif isinstance(k.get("v"), tuple):
            k["v"] = tuple(x for _ in k["v"])
        return _outcome(lambda: getattr(F, fname)(func, make_inputs(lib, x), **k))

    ours, theirs = run(mg, AF, mg.tensor), run(torch, TF, torch.tensor)
    assert ours[0] != "ok" and ours == theirs, (ours, theirs)


def test_errors_that_print_shapes_name_them_as_minigan_does():
    x = mg.tensor(randn(2, 3))
    with pytest.raises(RuntimeError, match=r"^v has invalid size: should be \(2, 3\) but got \(3,\)\.$"):
        AF.vjp(_f, x, mg.tensor(randn(3)))
    with pytest.raises(RuntimeError, match=r"^Entry 1 in v has invalid size: should be \(3,\) but got \(2,\)\.$"):
        AF.jvp(lambda a, b: a.sum() + b.sum(), (x, mg.tensor(randn(3))), (x, mg.tensor(randn(2))))
    with pytest.raises(NotImplementedError, match=r"only implemented for `vectorize=True`"):
        AF.jacobian(_f, x, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match=r"only implemented for `vectorize=True`"):
        AF.hessian(lambda a: (a ** 3).sum(), x, outer_jacobian_strategy="forward-mode")


def test_strict_messages_name_the_input_and_a_constant_hessian_is_seen_as_one():
    """Where torch's jacobian names the output's index as "input {i}", minigan names the input; and minigan's
    backward of ``x ** 2`` is ``2 x``, whose derivative is a constant, where torch's keeps ``x ** 0`` in its
    graph, so with strict and create_graph the Hessian of a quadratic is refused here as independent."""
    x, y = mg.tensor(randn(3)), mg.tensor(randn(3, seed=1))
    with pytest.raises(RuntimeError, match="^The jacobian of the user-provided function is independent of input 1"):
        AF.jacobian(lambda a, b: a.exp() + b * 2, (x, y), strict=True, create_graph=True)
    with pytest.raises(RuntimeError, match="^The jacobian of the user-provided function is independent of input 0"):
        AF.hessian(lambda a: (a ** 2).sum(), x, strict=True, create_graph=True)
    np.testing.assert_allclose(AF.hessian(lambda a: (a ** 2).sum(), x, create_graph=True).numpy(), 2 * np.eye(3))


def test_torch_also_refuses_forward_mode_without_vectorize(torch):
    import torch.autograd.functional as TF
    with pytest.raises(NotImplementedError, match="vectorize=True"):
        TF.jacobian(torch.exp, torch.ones(2, dtype=torch.float64), strategy="forward-mode")


# --------------------------------------------------------------------------- against finite differences
def _numeric_jacobian(func, arrays, device, eps=1e-6):
    """Central differences of every output element by every input element: blocks [output][input]."""
    xs = [np.array(a, dtype=np.float64) for a in arrays]

    def run():
        with mg.no_grad():
            out = func(*[mg.tensor(x, device=device) for x in xs])
        return [host(o) for o in (out if isinstance(out, tuple) else (out,))]

    base = run()
    blocks = [[np.zeros((o.size, x.size)) for x in xs] for o in base]
    for k, x in enumerate(xs):
        flat = x.reshape(-1)                                                    # a view: perturbing it perturbs x
        for j in range(x.size):
            orig = flat[j]
            flat[j] = orig + eps
            fp = run()
            flat[j] = orig - eps
            fm = run()
            flat[j] = orig
            for i in range(len(base)):
                blocks[i][k][:, j] = ((fp[i] - fm[i]) / (2 * eps)).reshape(-1)
    return [[b.reshape(o.shape + x.shape) for b, x in zip(row, xs)] for row, o in zip(blocks, base)]


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("case", list(CASES))
def test_jacobian_matches_finite_differences(device, case, strategy):
    func, shapes = CASES[case]
    arrays = _arrays(shapes)
    as_outputs = lambda *a: (lambda o: o if isinstance(o, tuple) else (o,))(func(*a))   # noqa: E731
    ours = AF.jacobian(as_outputs, _ours(arrays, True, device), vectorize=True, strategy=strategy)
    numeric = _numeric_jacobian(func, arrays, device)
    for i, row in enumerate(numeric):
        for k, block in enumerate(row):
            assert ours[i][k].device == device
            np.testing.assert_allclose(host(ours[i][k]), block, atol=1e-7, rtol=1e-6, err_msg=f"block {i}, {k}")


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_hessian_matches_second_differences(device, case):
    """Over all the inputs' elements flattened into one vector z, with ``e_p`` the p-th basis vector times h:
    ``H[p, q] ≈ (f(z + e_p + e_q) - f(z + e_p - e_q) - f(z - e_p + e_q) + f(z - e_p - e_q)) / 4h²``."""
    func, shapes = SCALAR_CASES[case]
    arrays = _arrays(shapes)
    sizes = [int(np.prod(s)) for s in shapes]
    z, h = np.concatenate([a.reshape(-1) for a in arrays]), 1e-4

    def f(zz):
        parts = np.split(zz, np.cumsum(sizes)[:-1])
        with mg.no_grad():
            return float(func(*[mg.tensor(p.reshape(s), device=device) for p, s in zip(parts, shapes)]).item())

    n = z.size
    numeric = np.zeros((n, n))
    for p in range(n):
        for q in range(n):
            ep, eq = np.eye(n)[p] * h, np.eye(n)[q] * h
            numeric[p, q] = (f(z + ep + eq) - f(z + ep - eq) - f(z - ep + eq) + f(z - ep - eq)) / (4 * h * h)
    ours = AF.hessian(func, _ours(arrays, True, device))
    full = np.block([[host(ours[a][b]).reshape(sizes[a], sizes[b]) for b in range(len(shapes))]
                     for a in range(len(shapes))])
    np.testing.assert_allclose(full, numeric, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(full, full.T, atol=1e-12)


# --------------------------------------------------------------------------- the products against the matrices
def test_jvp_and_vjp_are_the_jacobian_times_v(device):
    func, shapes = CASES["several"]
    arrays = _arrays(shapes)
    x = _ours(arrays, True, device)
    J = AF.jacobian(func, x)
    u = _ours(_arrays(shapes, seed=50), True, device)
    _, Ju = AF.jvp(func, x, u)
    for i in range(2):
        expected = sum(np.tensordot(host(J[i][k]), host(u[k]), axes=u[k].ndim) for k in range(2))
        np.testing.assert_allclose(host(Ju[i]), expected, atol=1e-12)
    w = _ours(_arrays([Ju[0].shape, Ju[1].shape], seed=60), True, device)
    _, wJ = AF.vjp(func, x, w)
    for k in range(2):
        expected = sum(np.tensordot(host(w[i]), host(J[i][k]), axes=w[i].ndim) for i in range(2))
        np.testing.assert_allclose(host(wJ[k]), expected, atol=1e-12)


def test_hvp_equals_vhp_for_a_symmetric_hessian_and_the_hessian_times_v(device):
    func, shapes = SCALAR_CASES["two_inputs"]
    arrays = _arrays(shapes)
    x, v = _ours(arrays, True, device), _ours(_arrays(shapes, seed=70), True, device)
    H = AF.hessian(func, x)
    f_h, Hv = AF.hvp(func, x, v)
    f_v, vH = AF.vhp(func, x, v)
    np.testing.assert_allclose(host(f_h), host(f_v))
    for k in range(2):
        np.testing.assert_allclose(host(Hv[k]), host(vH[k]), atol=1e-12)
        expected = sum(np.tensordot(host(H[k][m]), host(v[m]), axes=v[m].ndim) for m in range(2))
        np.testing.assert_allclose(host(Hv[k]), expected, atol=1e-12)


# --------------------------------------------------------------------------- create_graph, and the caller's tensors
def _all_six(x, v_in):
    """Each of the six on a scalar function of x (and a non-scalar one for jacobian, vjp and jvp)."""
    vec, sca = (lambda a: a.sin() * a.exp()), (lambda a: (a ** 3 * a.cos()).sum())

    def calls(create_graph):
        kw = dict(create_graph=create_graph)
        return {"jacobian": lambda: AF.jacobian(vec, x, **kw), "hessian": lambda: AF.hessian(sca, x, **kw),
                "vjp": lambda: AF.vjp(vec, x, v_in, **kw), "jvp": lambda: AF.jvp(vec, x, v_in, **kw),
                "hvp": lambda: AF.hvp(sca, x, v_in, **kw), "vhp": lambda: AF.vhp(sca, x, v_in, **kw)}
    return calls


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_create_graph_false_returns_tensors_that_do_not_require_grad(device, name):
    x = mg.tensor(randn(3), device=device, requires_grad=True)
    v = mg.tensor(randn(3, seed=1), device=device, requires_grad=True)
    results = _flat(_all_six(x, v)(False)[name]())
    assert results and all(not t.requires_grad and t.is_leaf for t in results)


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_create_graph_results_backpropagate_to_the_inputs_and_v_as_torch(torch, name):
    import torch.autograd.functional as TF
    a, b = randn(3), randn(3, seed=1)
    x, v = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    tx, tv = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ours = _flat(_all_six(x, v)(True)[name]())
    vec, sca = (lambda a: a.sin() * a.exp()), (lambda a: (a ** 3 * a.cos()).sum())
    tcall = {"jacobian": lambda: TF.jacobian(vec, tx, create_graph=True),
             "hessian": lambda: TF.hessian(sca, tx, create_graph=True),
             "vjp": lambda: TF.vjp(vec, tx, tv, create_graph=True),
             "jvp": lambda: TF.jvp(vec, tx, tv, create_graph=True),
             "hvp": lambda: TF.hvp(sca, tx, tv, create_graph=True),
             "vhp": lambda: TF.vhp(sca, tx, tv, create_graph=True)}
    theirs = _flat(tcall[name]())
    assert [t.requires_grad for t in ours] == [t.requires_grad for t in theirs] and all(t.requires_grad for t in ours)
    weights = [randn(*t.shape, seed=80 + i) for i, t in enumerate(theirs)]
    sum((t * mg.tensor(w)).sum() for t, w in zip(ours, weights)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(theirs, weights)).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    if name != "jacobian" and name != "hessian":
        np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_a_third_derivative_from_a_hessian_with_create_graph_as_torch(torch, device):
    import torch.autograd.functional as TF
    func = lambda a: (a ** 4).sum() * a.sin().sum()                                          # noqa: E731
    a = randn(2, 2, seed=4)
    x, tx = mg.tensor(a, device=device, requires_grad=True), torch.tensor(a, requires_grad=True)
    third = AF.jacobian(lambda z: AF.hessian(func, z, create_graph=True), x)               # d³f, shape (2, 2)*3
    tthird = TF.jacobian(lambda z: TF.hessian(func, z, create_graph=True), tx)
    assert third.shape == (2, 2, 2, 2, 2, 2)
    np.testing.assert_allclose(host(third), tthird.numpy(), rtol=1e-10, atol=1e-12)
    AF.hessian(func, x, create_graph=True).sum().backward()
    np.testing.assert_allclose(host(x.grad), host(third).sum(axis=(0, 1, 2, 3)), rtol=1e-10, atol=1e-12)


def test_the_hessian_is_the_jacobian_of_the_gradient(device):
    func = SCALAR_CASES["cubic"][0]
    x = mg.tensor(randn(2, 3), device=device)
    H = AF.hessian(func, x)
    J = AF.jacobian(lambda a: mg.grad(func(a), a, create_graph=True)[0], x)
    np.testing.assert_allclose(host(H), host(J), atol=1e-12)
    np.testing.assert_allclose(host(H).reshape(6, 6), np.diag(6 * randn(2, 3).reshape(-1)), atol=1e-12)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_the_callers_tensors_and_their_grad_are_left_alone(device, create_graph, requires_grad):
    a = randn(3)
    x = mg.tensor(a, device=device, requires_grad=requires_grad)
    v = mg.tensor(randn(3, seed=1), device=device)
    marker = mg.tensor(np.full(3, 7.0), device=device) if requires_grad else None
    x.grad = marker
    seen = []
    calls = _all_six(x, v)(create_graph)
    for name, call in calls.items():
        call()
        assert x.grad is marker, name
        assert x.requires_grad == requires_grad and x.is_leaf, name
        np.testing.assert_array_equal(host(x), a, err_msg=name)
    AF.vjp(lambda t: seen.append(t) or t * 2, x, v)
    assert seen[0] is not x and seen[0].requires_grad and seen[0].is_leaf     # detached, requiring grad
    if marker is not None:
        np.testing.assert_array_equal(host(marker), np.full(3, 7.0))
