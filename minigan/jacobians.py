"""Jacobians, Hessians and their products with a vector, as ``torch.autograd.functional``: :func:`vjp`,
:func:`jvp`, :func:`jacobian`, :func:`hessian`, :func:`vhp`, :func:`hvp`. Imported as PyTorch users expect:
``import minigan.autograd.functional as AF`` or ``mg.autograd.functional.jacobian(f, x)``.

**The Jacobian.** A function ``y = f(x)`` from ``n`` numbers to ``m`` numbers has at each point ``x`` an
``m x n`` matrix of first derivatives, its Jacobian ``J[i, j] = dy_i / dx_j``: row ``i`` says how output ``i``
moves when each input moves, column ``j`` how every output moves when input ``j`` moves. For tensors the
block of output ``y`` and input ``x`` has shape ``y.shape + x.shape``.

**Reverse mode gives one row per backward pass.** minigan's backward pass (:mod:`minigan.backward`) never
builds ``J``. Given an upstream gradient ``v`` shaped like ``y`` it returns ``vᵀ J`` (a *vector-Jacobian
product*, :func:`vjp`), one number per input, for a small multiple of a forward pass's cost. With
``v = e_i`` (1 at position i, 0 elsewhere) that is row ``i`` of ``J``, so :func:`jacobian` runs ``m``
backward passes, one per output element. Training needs ``dloss/dparams`` of a *scalar* loss: ``m = 1``, a
single backward pass gives the whole gradient however many millions of parameters there are. That is why
deep learning runs in reverse mode.

**A column from two rows' worth of work: the double-vjp trick.** A Jacobian-vector product ``J u``
(:func:`jvp`, how the outputs move when the inputs move along ``u``) is what forward mode computes; minigan
has reverse mode only. But ``g(w) = Jᵀ w`` (a vjp, with ``w`` a tensor that requires grad) is a *linear*
function of ``w``, and its own Jacobian with respect to ``w`` is ``Jᵀ``. A vjp of ``g`` with upstream
gradient ``u`` is then ``uᵀ Jᵀ = (J u)ᵀ``: two backward passes, the second through the graph that the first
recorded (``create_graph=True``), give a column. ``w``'s value never matters (``g`` is linear in it), so it
is zeros.

**The Hessian** of a scalar function ``f`` is the matrix of its second derivatives,
``H[i, j] = d²f / dx_i dx_j``: the Jacobian of the gradient. :func:`hessian` is literally that: the
:func:`jacobian` of a function that returns the gradient computed with ``create_graph=True``.

**Hessian-vector products.** ``vhp`` gives ``vᵀ H``: one backward pass through the gradient (the gradient
of ``<grad f, v>``), never forming ``H``, which is how second-order methods and curvature estimates stay
cheap. ``hvp`` gives ``H v`` with the double-vjp trick, one backward pass more. Where ``f`` is twice
continuously differentiable the order of differentiation does not matter (``d²f/dx_i dx_j =
d²f/dx_j dx_i``, Schwarz's theorem), ``H`` is symmetric and ``H v = (vᵀ H)ᵀ``: hvp and vhp agree, and vhp
is the cheaper one.

Shared rules (PyTorch's): ``inputs`` is a Tensor or a tuple of Tensors, and the results nest the same way
(a tuple of tuples, ``[output][input]``, for several outputs and several inputs). ``func`` is called with
the inputs detached and requiring grad, so the caller's tensors and their ``.grad`` are left alone; with
``create_graph=True`` an input that requires grad is passed as a recorded copy instead, so the results
stay connected to it and can be differentiated again (a Hessian from a Jacobian, a third derivative from
a Hessian); with ``create_graph=False`` nothing returned requires grad. ``strict=True`` raises where an
output does not depend on an input; otherwise that part of the result is zeros, its true value.
Lesson 01 (``lessons/01_autograd.py``) shows the backward pass these functions are built on.
"""
from __future__ import annotations

from typing import Callable

from . import backend
from .autograd import Tensor, enable_grad, grad as autograd_grad
from .creation import zeros_like
from .ops.shape import clone, stack

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# --------------------------------------------------------------------------- the shared plumbing
def _as_tuple(x, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """Whether ``x`` was a tuple, and ``x`` as a tuple of Tensors (a TypeError naming ``fn_name`` if not)."""
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"{where} has type {type(el)}.")
    return is_tuple, items


def _untuple(res, to_unpack):
    """Undo :func:`_as_tuple` on a result: ``to_unpack`` is whether the tuple was the caller's, or a pair of
    such flags for a tuple (over outputs) of tuples (over inputs)."""
    if isinstance(to_unpack, tuple):
        outer, inner = to_unpack
        if not inner:
            res = tuple(el[0] for el in res)
        return res if outer else res[0]
    return res if to_unpack else res[0]


def _preprocess(tensors: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """The tensors ``func`` (or the backward pass) is given: each a new Tensor object, so the caller's own are
    never differentiated or changed. With ``create_graph`` one that requires grad becomes a recorded copy (its
    gradient flows back to it: results can be differentiated with respect to the caller's tensors); otherwise
    a detached alias of the same memory, requiring grad where ``need_graph``."""
    res = []
    for t in tensors:
        if create_graph and t.requires_grad:
            res.append(clone(t))
        else:
            res.append(t.detach().requires_grad_(need_graph))
    return tuple(res)


def _postprocess(res, create_graph: bool):
    """``res`` (a tuple, or a tuple of tuples) detached from the graph unless ``create_graph``."""
    if create_graph:
        return res
    return tuple(_postprocess(r, False) if isinstance(r, tuple) else r.detach() for r in res)


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    """``v`` must hold one tensor of the same shape per tensor of ``other``."""
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.shape} but got {el_v.shape}.")


def _check_v(v, against: tuple, is_tuple: bool, create_graph: bool, fn_name: str, what: str):
    """``v`` as a tuple matching ``against`` (None allowed only for a single one-element tensor)."""
    if v is None:
        if len(against) != 1 or against[0].numel() != 1:
            if what == "outputs":
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        return None
    _, v = _as_tuple(v, "v", fn_name)
    v = _preprocess(v, create_graph, need_graph=False)
    _validate_v(v, against, is_tuple)
    return v


_STRICT_MESSAGES = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be "
               "computed in a differentiable manner from the input when running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect "
                "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                "would be violated by a linear function for example).",
}


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """In strict mode, every one of ``tensors`` must exist and be recorded (depend on the inputs)."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT_MESSAGES[kind].format(i=i))


def _grad(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph: bool = False, retain_graph=None):
    """:func:`minigan.grad` that skips outputs which are None or not recorded (they contribute nothing) and
    gives None for an input no output depends on."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return autograd_grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs], retain_graph=retain_graph,
                         create_graph=create_graph, allow_unused=True)


_ZERO_MESSAGES = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in "
            "strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _fill_in_zeros(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """``grads`` with each None (nothing depends on it) replaced by zeros shaped like its ``refs`` entry; in
    strict mode a None, or with ``create_graph`` a gradient that is not recorded, raises instead."""
    res = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_ZERO_MESSAGES[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _one_hot(like: Tensor, j: int) -> Tensor:
    """The ``j``-th standard basis vector in ``like``'s shape: 1 at flat position ``j``, 0 elsewhere."""
    xp = backend.xp_of(like.data)
    e = xp.zeros(like.numel(), dtype=like.dtype)
    e[j] = 1
    return Tensor(e.reshape(like.shape))


def _gather(pieces: list, lead: tuple, trail: tuple, axis: int, like: Tensor) -> Tensor:
    """The rows (``axis=0``) or columns (``axis=-1``) of one Jacobian block stacked into ``lead + trail``."""
    if not pieces:                                  # an output or input with no elements
        xp = backend.xp_of(like.data)
        return Tensor(xp.zeros(lead + trail, dtype=like.dtype))
    return stack(pieces, axis).reshape(lead + trail)


# --------------------------------------------------------------------------- vector-Jacobian products
def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ J)``: the outputs, and the vector-Jacobian product with ``v`` (shaped like the
    outputs; may be omitted for one output with one element), shaped like the inputs. One backward pass."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _check_v(v, outputs, is_outputs_tuple, create_graph, "vjp", "outputs")
    grads = _grad(outputs, inputs, v, create_graph=create_graph)
    result = _fill_in_zeros(grads, inputs, strict, create_graph, "back")
    return (_untuple(_postprocess(outputs, create_graph), is_outputs_tuple),
            _untuple(_postprocess(result, create_graph), is_inputs_tuple))


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J v)``: the outputs, and the Jacobian-vector product with ``v`` (shaped like the inputs;
    may be omitted for one input with one element), shaped like the outputs.

    minigan is reverse mode only, so this is the double-vjp trick (see the module docstring): with ``w``
    zeros shaped like the outputs and requiring grad, the first backward pass records ``g(w) = Jᵀ w``, a
    function linear in ``w`` whose Jacobian is ``Jᵀ``; the second backs ``v`` through ``g`` to ``w``, giving
    ``vᵀ Jᵀ = (J v)ᵀ``. Two backward passes, the first with ``create_graph=True``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        v = _check_v(v, inputs, is_inputs_tuple, create_graph, "jvp", "inputs")
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        w = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, inputs, w, create_graph=True)          # Jᵀ w, recorded
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    result = _grad(grad_inputs, w, v, create_graph=create_graph)           # d<Jᵀ w, v>/dw = J v
    result = _fill_in_zeros(result, outputs, strict, create_graph, "back_trick")
    return (_untuple(_postprocess(outputs, create_graph), is_outputs_tuple),
            _untuple(_postprocess(result, create_graph), is_outputs_tuple))


# --------------------------------------------------------------------------- whole Jacobians
_FORWARD_MODE_MESSAGES = {
    "create_graph": "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-mode\"` are not "
                    "supported together (yet). Please either set `create_graph=False` or `strategy=\"reverse-mode\"`.",
    "strict": "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` are not supported "
              "together (yet). Please either set `strict=False` or `strategy=\"reverse-mode\"`.",
    "vectorize": "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only implemented for "
                 "`vectorize=True`.",
}


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j`` a block of shape
    ``out_i.shape + in_j.shape`` holding ``d out_i / d in_j``, nested as the outputs and inputs are (a single
    Tensor for one of each, a tuple over inputs or over outputs, a tuple over outputs of tuples over inputs).

    ``strategy="reverse-mode"`` builds it a row at a time: one backward pass per output element, a vjp with
    a one-hot ``v``. ``strategy="forward-mode"`` builds it a column at a time: one double-vjp per input
    element (cheaper where the inputs have fewer elements than the outputs); as in PyTorch it needs
    ``vectorize=True`` and refuses ``create_graph`` and ``strict``. ``vectorize=True`` computes the same
    rows one backward pass after another (PyTorch batches them into one pass with vmap, which minigan has
    not), and, as in PyTorch, refuses ``strict=True``."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(_FORWARD_MODE_MESSAGES["create_graph"])
        return _jacobian_by_columns(func, inputs, strict, vectorize)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _preprocess(inputs, create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        blocks = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]                 # rows[k]: the rows of block (i, k), one per element of out
            for j in range(out.numel()):
                row = _grad((out,), inputs, (_one_hot(out, j),), create_graph=create_graph, retain_graph=True)
                for k, (g, inp) in enumerate(zip(row, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of input "
                                               f"{k}. This is not allowed in strict mode.")
                        g = zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                                           f"{k}. This is not allowed in strict mode when create_graph=True.")
                    rows[k].append(g)
            blocks.append(tuple(_gather(r, out.shape, inp.shape, 0, inp) for r, inp in zip(rows, inputs)))
    return _untuple(_postprocess(tuple(blocks), create_graph), (is_outputs_tuple, is_inputs_tuple))


def _jacobian_by_columns(func: Callable, inputs, strict: bool, vectorize: bool):
    """The Jacobian a column at a time (``strategy="forward-mode"``): one backward pass records
    ``g(w) = Jᵀ w``, then for each input element ``k`` a backward pass through ``g`` with the one-hot ``e_k``
    gives ``J e_k``, column ``k`` of every output's block (the double-vjp trick of :func:`jvp`)."""
    if strict:
        raise RuntimeError(_FORWARD_MODE_MESSAGES["strict"])
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    if not vectorize:
        raise NotImplementedError(_FORWARD_MODE_MESSAGES["vectorize"])
    with enable_grad():
        inputs = _preprocess(inputs, False, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jacobian")
        w = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, inputs, w, create_graph=True)
    columns = [[[] for _ in inputs] for _ in outputs]     # columns[i][k]: block (i, k), one per element of in_k
    for k, inp in enumerate(inputs):
        for j in range(inp.numel()):
            column = _grad((grad_inputs[k],), w, (_one_hot(inp, j),), retain_graph=True)
            for i, (c, out) in enumerate(zip(column, outputs)):
                columns[i][k].append(zeros_like(out) if c is None else c)
    blocks = tuple(tuple(_gather(columns[i][k], out.shape, inp.shape, -1, out) for k, inp in enumerate(inputs))
                   for i, out in enumerate(outputs))
    return _untuple(_postprocess(blocks, False), (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the :func:`jacobian` of its gradient. For inputs ``a`` and
    ``b`` the block ``d²f / da db`` has shape ``a.shape + b.shape``; several inputs give a tuple of tuples.
    ``outer_jacobian_strategy`` is the ``strategy`` of the outer Jacobian (the inner one, the gradient, is
    always one backward pass)."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.reshape(())

    def gradient(*inp):
        jac = jacobian(single_output, inp, create_graph=True)    # recorded, so it can be differentiated again
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _untuple(res, (is_inputs_tuple, is_inputs_tuple))


# --------------------------------------------------------------------------- Hessian-vector products
def _scalar_gradient(func: Callable, inputs, v, create_graph: bool, strict: bool, fn_name: str):
    """What vhp and hvp share: ``func``'s output (checked to be one element), its gradient recorded
    (``create_graph=True``), the preprocessed inputs and ``v``, and whether the inputs were a tuple."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _preprocess(inputs, create_graph, need_graph=True)
    v = _check_v(v, inputs, is_inputs_tuple, create_graph, fn_name, "inputs")
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict)
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return outputs, jac, inputs, v, is_inputs_tuple


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ H)``: the output of the scalar ``func``, and the vector-Hessian product with ``v``
    (shaped like the inputs; may be omitted for one input with one element), shaped like the inputs. Two
    backward passes: the gradient, recorded, then the gradient of ``<gradient, v>``."""
    with enable_grad():
        outputs, jac, inputs, v, is_inputs_tuple = _scalar_gradient(func, inputs, v, create_graph, strict, "vhp")
    result = _grad(jac, inputs, v, create_graph=create_graph)
    result = _fill_in_zeros(result, inputs, strict, create_graph, "double_back")
    return _untuple(_postprocess(outputs, create_graph), False), _untuple(_postprocess(result, create_graph),
                                                                          is_inputs_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H v)``: as :func:`vhp` but the Hessian-vector product, by the double-vjp trick (three
    backward passes: the gradient, ``Hᵀ w`` for a zero ``w`` requiring grad, then ``v`` backed through it to
    ``w``). Equal to vhp wherever ``func`` is twice continuously differentiable, as H is then symmetric."""
    with enable_grad():
        outputs, jac, inputs, v, is_inputs_tuple = _scalar_gradient(func, inputs, v, create_graph, strict, "hvp")
        w = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _grad(jac, inputs, w, create_graph=True)               # Hᵀ w, recorded
    result = _grad(double_back, w, v, create_graph=create_graph)            # d<Hᵀ w, v>/dw = H v
    result = _fill_in_zeros(result, inputs, strict, create_graph, "double_back_trick")
    return _untuple(_postprocess(outputs, create_graph), False), _untuple(_postprocess(result, create_graph),
                                                                          is_inputs_tuple)
