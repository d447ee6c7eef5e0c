"""Function transforms, as ``torch.func``: :func:`grad`, :func:`grad_and_value`, :func:`vjp`, :func:`jvp`,
:func:`linearize`, :func:`jacrev`, :func:`jacfwd`, :func:`hessian`, :func:`vmap`, and :func:`functional_call`
with ``stack_module_state`` (an ensemble's state, for ``vmap``; both in :mod:`minigan.nn.utils.stateless`).

A *transform* takes a Python function and returns a new function: ``grad(f)`` is the function ``x -> df/dx``,
``vmap(f)`` the function that applies ``f`` to every slice of a batch. Because the results are functions they
compose: ``grad(grad(f))`` is the second derivative, ``vmap(grad(loss), in_dims=(None, 0, 0))`` the gradient of
the loss of each sample separately (per-sample gradients, which differential privacy and data attribution need)::

    import minigan.func as mf
    params = {k: p.detach() for k, p in model.named_parameters()}
    def loss(params, x, y):                        # one sample: x (features,), y ()
        out = mf.functional_call(model, params, (x.unsqueeze(0),))
        return F.mse_loss(out.squeeze(0), y)
    per_sample = mf.vmap(mf.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)   # dict of (N, *param.shape)

**How it works in minigan.** minigan has one reverse-mode autograd (:mod:`minigan.backward`), and every
transform here is built on it. A transform *enters* its inputs: each becomes a new tensor, a recorded copy of
the caller's tensor if that one requires grad (so the result stays connected to it) or a fresh leaf otherwise.
It runs ``func``, differentiates with ``create_graph=True`` (the backward pass is itself recorded, so an outer
transform can differentiate the result again), and on the way out *exits*: a result whose graph reaches no leaf
but the fresh ones depends on nothing outside the transform and is detached, as torch.func returns it; one that
reaches the caller's tensors (an outer ``grad``, a closed-over weight that requires grad) keeps its graph.

Inputs and outputs may be *pytrees*: tensors nested in tuples, lists and dicts (a dict of parameters is the
usual one). ``jvp``, ``jacrev`` and ``hessian`` reuse :mod:`minigan.jacobians` (``torch.autograd.functional``),
whose docstring explains the double-vjp trick that gives forward-mode products from reverse mode.
"""
from __future__ import annotations

from typing import Callable

from . import backend, jacobians
from .autograd import Tensor, enable_grad, is_grad_enabled
from .backward import graph_nodes
from .creation import zeros_like
from .ops import stack, unbind

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]


def __getattr__(name: str):
    """``functional_call`` lives with the modules (:mod:`minigan.nn.utils.stateless`) and is loaded on first use,
    so that ``import minigan`` (which takes :func:`vmap` from here) does not load all of ``minigan.nn``."""
    if name in ("functional_call", "stack_module_state"):
        from .nn.utils import stateless
        return getattr(stateless, name)
    raise AttributeError(f"module 'minigan.func' has no attribute {name!r}")


# --------------------------------------------------------------------------- pytrees
def _flatten(tree) -> tuple[list, tuple]:
    """The leaves of ``tree`` (everything that is not a tuple, list or dict) in order, and its structure."""
    if not isinstance(tree, (tuple, list, dict)):
        return [tree], None
    leaves, specs = [], []
    for t in (tree.values() if isinstance(tree, dict) else tree):
        lv, sp = _flatten(t)
        leaves += lv
        specs.append(sp)
    if isinstance(tree, dict):
        return leaves, (dict, tuple(tree.keys()), tuple(specs))
    return leaves, (type(tree), None, tuple(specs))


def _unflatten(leaves, spec):
    """Undo :func:`_flatten`: ``leaves`` put back into the structure ``spec``."""
    it = iter(leaves)

    def build(sp):
        if sp is None:
            return next(it)
        kind, keys, children = sp
        items = [build(c) for c in children]
        return dict(zip(keys, items)) if kind is dict else kind(items)
    return build(spec)


def _describe(spec) -> str:
    """A structure written out: ``*`` a leaf, ``(*, *)`` a tuple, ``{'a': *}`` a dict."""
    if spec is None:
        return "*"
    kind, keys, children = spec
    inner = [_describe(c) for c in children]
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {s}" for k, s in zip(keys, inner)) + "}"
    if kind is list:
        return "[" + ", ".join(inner) + "]"
    return "(" + ", ".join(inner) + (",)" if len(inner) == 1 else ")")


# --------------------------------------------------------------------------- entering and leaving a transform
def _enter(leaves: list) -> tuple[list, set]:
    """The tensors ``func`` is given in place of ``leaves`` (see the module docstring) and the ids of the fresh
    leaves among them. Called under ``enable_grad`` so that a recorded copy is recorded."""
    for t in leaves:
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
    entered = list(jacobians._preprocess(tuple(leaves), create_graph=True, need_graph=True))
    return entered, {id(t) for t in entered if t._node is None}


def _reaches_outside(t: Tensor, fresh: set) -> bool:
    """Whether ``t``'s graph reaches a leaf that requires grad other than the transform's ``fresh`` ones."""
    if t._node is None:
        return t.requires_grad and id(t) not in fresh
    return any(isinstance(e, Tensor) and id(e) not in fresh for node in graph_nodes([t]) for e in node.edges)


def _exit(tree, fresh: set, keep: bool):
    """``tree`` with each tensor that depends only on the transform's own leaves detached (all of them when the
    transform was called with grad mode off)."""
    leaves, spec = _flatten(tree)
    out = [t.detach() if isinstance(t, Tensor) and t.requires_grad and not (keep and _reaches_outside(t, fresh))
           else t for t in leaves]
    return _unflatten(out, spec)


def _check_argnums(argnums, n_args: int) -> tuple[bool, tuple]:
    """Whether ``argnums`` was one int, and the positions it names (negative ones counted from the end)."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, tuple) or not all(isinstance(a, int) for a in nums):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for a in nums:
        if not -n_args <= a < n_args:
            raise RuntimeError(f"Got argnum={a}, but only {n_args} positional inputs")
    return single, tuple(a % n_args for a in nums)


def _enter_args(args: tuple, argnums):
    """``args`` with the arguments at ``argnums`` entered. Returns the entered leaves, the fresh ids,
    ``args_with(leaves)`` (``args`` with ``leaves`` in the places of the chosen arguments' tensors) and
    ``rebuild(per_leaf)`` (one result per leaf nested as the chosen arguments are)."""
    single, nums = _check_argnums(argnums, len(args))
    leaves, spec = _flatten(tuple(args[a] for a in nums))
    entered, fresh = _enter(leaves)

    def args_with(new_leaves) -> tuple:
        new_args = list(args)
        for a, value in zip(nums, _unflatten(list(new_leaves), spec)):
            new_args[a] = value
        return tuple(new_args)

    def rebuild(per_leaf: list):
        tree = _unflatten(per_leaf, spec)
        return tree[0] if single else tree
    return entered, fresh, args_with, rebuild


def _split_aux(out, has_aux: bool, where: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{where}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


# --------------------------------------------------------------------------- gradients
def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """The function ``(*args) -> (gradient, value)`` of a scalar-valued ``func``: the gradient with respect to
    ``args[argnums]`` (a tensor, or a pytree of tensors such as a dict of parameters; a tuple of such for a tuple
    of argnums) and ``func``'s value. With ``has_aux`` ``func`` returns ``(value, aux)`` and the function returns
    ``(gradient, (value, aux))``. An input the value does not depend on gets a zero gradient, its true value.

    One backward pass, recorded (``create_graph=True``), so the gradient can be differentiated again."""
    def wrapper(*args, **kwargs):
        keep = is_grad_enabled()
        with enable_grad():
            entered, fresh, args_with, rebuild = _enter_args(args, argnums)
            value, aux = _split_aux(func(*args_with(entered), **kwargs), has_aux, "grad_and_value(f)(*args)")
            if not isinstance(value, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(value)}")
            if value.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                                   f"with {value.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
            grads = jacobians._grad((value,), tuple(entered), create_graph=True)
        grads = [zeros_like(x) if g is None else g for g, x in zip(grads, entered)]
        result = rebuild(_exit(grads, fresh, keep))
        value = _exit(value, fresh, keep)
        return (result, (value, _exit(aux, fresh, keep))) if has_aux else (result, value)
    return wrapper


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """The function ``(*args) -> gradient`` of a scalar-valued ``func`` (``(gradient, aux)`` with ``has_aux``):
    :func:`grad_and_value` without the value. ``grad(grad(f))`` is ``f''``."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``, and ``aux`` third with ``has_aux``. ``vjp_fn(cotangents)``, with cotangents
    shaped and nested as the output, returns ``vᵀ J``: a tuple with one gradient per primal, nested as the primals
    are. ``func`` runs once; ``vjp_fn`` may be called many times (one backward pass each, recorded)."""
    keep = is_grad_enabled()
    with enable_grad():
        leaves, in_spec = _flatten(primals)
        entered, fresh = _enter(leaves)
        out, aux = _split_aux(func(*_unflatten(entered, in_spec)), has_aux, "vjp(f, *primals)")
    outs, out_spec = _flatten(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"vjp(f, *primals): Expected f to return only Tensors, got {type(o)}")

    def vjp_fn(cotangents):
        cots, cot_spec = _flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {_describe(cot_spec)}, primal output: "
                               f"{_describe(out_spec)}")
        for i, (c, o) in enumerate(zip(cots, outs)):
            if c.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] "
                                   f"has a shape of {o.shape}.")
        with enable_grad():
            gs = jacobians._grad(tuple(outs), tuple(entered), tuple(cots), create_graph=True, retain_graph=True)
        gs = [zeros_like(x) if g is None else g for g, x in zip(gs, entered)]
        return _unflatten(_exit(gs, fresh, keep and is_grad_enabled()), in_spec)

    result = (_exit(out, fresh, keep), vjp_fn)
    return result + (_exit(aux, fresh, keep),) if has_aux else result


def jvp(func: Callable, primals: tuple, tangents: tuple, *, has_aux: bool = False):
    """``(func(*primals), J·tangents)`` (and ``aux`` with ``has_aux``): how the outputs move when the primals
    move along ``tangents``, nested as the output is. By the double-vjp trick of :func:`minigan.jacobians.jvp`
    (two backward passes, not a forward-mode pass: minigan is reverse mode only)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple of the same structure as "
                           "primals")
    leaves, spec = _flatten(primals)
    tans, tan_spec = _flatten(tangents)
    if spec != tan_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. Got primals with structure {_describe(spec)} and tangents with structure "
                           f"{_describe(tan_spec)}")
    for p, t in zip(leaves, tans):
        if isinstance(p, Tensor) and isinstance(t, Tensor) and p.shape != t.shape:
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                               f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                               f"forward gradient is of size {list(t.shape)}.")
    keep = is_grad_enabled()
    found = {}

    def flat_func(*xs):
        out, found["aux"] = _split_aux(func(*_unflatten(list(xs), spec)), has_aux, "jvp(f, primals, tangents)")
        found["leaves"], found["spec"] = _flatten(out)
        return tuple(found["leaves"])

    with enable_grad():
        entered, fresh = _enter(leaves)
        out, tan_out = jacobians.jvp(flat_func, tuple(entered), tuple(tans), create_graph=True)
    out = _unflatten(_exit(list(out), fresh, keep), found["spec"])
    tan_out = _unflatten(_exit(list(tan_out), fresh, keep), found["spec"])
    return (out, tan_out, _exit(found["aux"], fresh, keep)) if has_aux else (out, tan_out)


def jacrev(func: Callable, argnums=0, *, has_aux: bool = False, chunk_size=None) -> Callable:
    """The function ``(*args) -> Jacobian`` of ``func`` with respect to ``args[argnums]``, by reverse mode (one
    backward pass per output element: :func:`minigan.jacobians.jacobian`). For an output ``o`` and an input ``x``
    the block has shape ``o.shape + x.shape``; the result is nested as the output is, each output's entry nested
    as the chosen arguments are. ``(jacobian, aux)`` with ``has_aux``. ``chunk_size`` is accepted and changes
    nothing (the rows are computed one at a time)."""
    def wrapper(*args, **kwargs):
        keep = is_grad_enabled()
        found = {}

        def flat_func(*xs):
            out, found["aux"] = _split_aux(func(*args_with(xs), **kwargs), has_aux, "jacrev(f)(*args)")
            found["leaves"], found["spec"] = _flatten(out)
            for o in found["leaves"]:
                if not isinstance(o, Tensor):
                    raise RuntimeError(f"jacrev(f)(*args): Expected f to return Tensors, got {type(o)}")
            return tuple(found["leaves"])

        with enable_grad():
            entered, fresh, args_with, rebuild = _enter_args(args, argnums)
            blocks = jacobians.jacobian(flat_func, tuple(entered), create_graph=True)
        per_output = [rebuild(_exit(list(row), fresh, keep)) for row in blocks]
        jac = _unflatten(per_output, found["spec"])
        return (jac, _exit(found["aux"], fresh, keep)) if has_aux else jac
    return wrapper


def linearize(func: Callable, *primals):
    """``(func(*primals), jvp_fn)`` with ``jvp_fn(*tangents)`` the Jacobian-vector product of ``func`` at
    ``primals`` (``torch.func.linearize``): the linear map that best approximates ``func`` near ``primals``. Each
    call of ``jvp_fn`` is a :func:`jvp` at the same primals (PyTorch traces the map once instead; minigan reruns
    ``func``, so a ``func`` that draws random numbers should not be linearized)."""
    output = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]
    return output, jvp_fn


def jacfwd(func: Callable, argnums=0, has_aux: bool = False, *, randomness: str = "error") -> Callable:
    """As :func:`jacrev`, the same numbers: minigan has no forward mode, so this is computed in reverse mode
    too (torch.func builds it a column at a time with forward-mode AD, cheaper for few inputs and many
    outputs). ``randomness`` is accepted for torch's signature."""
    return jacrev(func, argnums, has_aux=has_aux)


def hessian(func: Callable, argnums=0) -> Callable:
    """The function ``(*args) -> Hessian`` of a scalar ``func``: the Jacobian of the Jacobian,
    ``jacfwd(jacrev(func, argnums), argnums)``, blocks ``d²f / da db`` of shape ``a.shape + b.shape``."""
    return jacfwd(jacrev(func, argnums), argnums)


# --------------------------------------------------------------------------- vmap
def _dims_per_leaf(dims, tree, spec, name: str, where: str) -> list:
    """One in_dim (or out_dim) per leaf of ``tree``: an int or None applies to every leaf below it; a tuple,
    list or dict must match the structure of ``tree`` there (a ValueError naming both structures otherwise)."""
    def match(d, t, sp):
        if not isinstance(d, (tuple, list, dict)):
            return [d] * len(_flatten(t)[0])
        kind, keys, children = sp if sp is not None else (None, None, ())
        items = list(t.values()) if kind is dict else list(t) if sp is not None else []
        subs = None if sp is None else (list(d.values()) if isinstance(d, dict) and tuple(d) == keys else None) \
            if kind is dict else (list(d) if isinstance(d, (tuple, list)) and len(d) == len(items) else None)
        if subs is None:
            what = "inputs" if name == "in_dims" else "outputs"
            raise ValueError(f"{where}: {name} is not compatible with the structure of `{what}`. {name} has "
                             f"structure {_describe(_flatten(dims)[1])} but {what} has structure {_describe(spec)}.")
        return [x for s_, t_, c in zip(subs, items, children) for x in match(s_, t_, c)]
    return match(dims, tree, spec)


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None) -> Callable:
    """The function that applies ``func`` to every slice of its inputs along the mapped dims and stacks the
    results along ``out_dims``: ``vmap(f)(x)[i] == f(x[i])``.

    ``in_dims``: an int (every tensor argument mapped along that dim), or a tuple with one entry per positional
    argument (an int, None for an argument passed whole to every call, or a nested tuple/list/dict matching a
    pytree argument). ``out_dims`` likewise for the output (None: the output of the first call, unstacked).
    ``randomness``: ``'error'`` (drawing random numbers inside ``func`` raises), ``'same'`` (every slice draws
    the same numbers) or ``'different'``. Keyword arguments pass to ``func`` unmapped.

    **This is the semantics of vmap, not its speed.** minigan has no batching rules, so ``func`` runs once per
    slice in a Python loop (``chunk_size`` is accepted and changes nothing): the results are those of torch.func's
    vmap, the time is that of the loop. The slicing (``unbind``) and ``stack`` are recorded ops, so gradients
    flow through, and vmaps nest. The check for ``'error'`` sees the CPU generator only."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    fname = getattr(func, "__name__", repr(func))

    def wrapper(*args, **kwargs):
        where = f"vmap({fname}, in_dims={in_dims}, ...)(<inputs>)"
        if not isinstance(in_dims, (int, tuple)):
            raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        leaves, spec = _flatten(args)
        dims = _dims_per_leaf(in_dims, args, spec, "in_dims", where)
        sizes = []
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(d, int):
                raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either an integer "
                                 "dimension or None.")
            if not isinstance(x, Tensor):
                raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(x)}. We cannot "
                                 "vmap over non-Tensor arguments, please use None as the respective in_dim")
            if not -x.dim() <= d < x.dim():
                raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                                 f"dimensionality {x.dim()} so expected in_dim to satisfy -{x.dim()} <= in_dim < "
                                 f"{x.dim()}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(set(sizes)) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        if sizes[0] == 0:
            raise ValueError(f"{where}: the mapped dimension has size 0; minigan's vmap runs {fname} once per "
                             "slice, so it cannot tell the shape of an empty result")
        slices = [None if d is None else unbind(x, d) for x, d in zip(leaves, dims)]
        state = backend.get_rng_state()
        results = []
        for b in range(sizes[0]):
            if randomness == "same":
                backend.set_rng_state(state)
            call_args = _unflatten([x if s is None else s[b] for x, s in zip(leaves, slices)], spec)
            results.append(func(*call_args, **kwargs))
            if randomness == "error" and backend.get_rng_state() != state:
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use "
                                   "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        return _stack_results(results, out_dims, fname)
    return wrapper


def _stack_results(results: list, out_dims, fname: str):
    """The outputs of the per-slice calls, each leaf stacked along its out_dim."""
    outs, spec = _flatten(results[0])
    dims = _dims_per_leaf(out_dims, results[0], spec, "out_dims", f"vmap({fname}, ..., out_dims={out_dims})(<inputs>)")
    per_call = [_flatten(r)[0] for r in results]
    stacked = []
    for i, (o, d) in enumerate(zip(outs, dims)):
        if d is None:
            stacked.append(o)
            continue
        if not isinstance(o, Tensor):
            raise ValueError(f"vmap({fname}, ...): `{fname}` must only return Tensors, got type {type(o)}. Did you "
                             "mean to set out_dims= to None for output?")
        stacked.append(stack([leaves[i] for leaves in per_call], d))
    return _unflatten(stacked, spec)
