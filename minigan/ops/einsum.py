"""Einstein summation, and the products that are special cases of it: tensordot, inner, kron.

``einsum('ij,jk->ik', a, b)`` names every dim of every operand with a letter; a letter shared by operands
means "the same index", and a letter missing from the output means "sum over it". So ``'ij,jk->ik'`` is a
matrix product, ``'i,i->'`` a dot product, ``'bij->bji'`` a batched transpose, ``'ii->i'`` a diagonal, ``'ii'``
a trace.

The backward is the lesson. ``y[out] = sum over the other letters of x_0[s_0] * x_1[s_1] * ...``: every term is
linear in ``x_k``, and the coefficient of ``x_k[s_k]`` is the product of the other operands. So

    dL/dx_k[s_k] = sum over the letters not in s_k of  gy[out] * (product of x_j[s_j], j != k)

which is itself an einsum: the output gradient with the other operands, producing ``s_k``. Four details
make that exact (see :func:`_operand_grad`): a letter of ``x_k`` found nowhere else was summed away, so its
gradient is the same all along it (a broadcast); a letter repeated in ``x_k`` (``'ii'``) read only its
diagonal, so the gradient goes onto that diagonal (:func:`~minigan.ops.diagonal.diag_embed`) and is zero off
it; an ellipsis (``...``) is just more letters; and a dim of size 1 that broadcast against a larger one is
summed back. The backward is written with einsum itself, so it can be differentiated again."""
from __future__ import annotations

import string
from collections import Counter

from .. import backend
from ..autograd import Function, Tensor
from ._util import normalize_dim
from .arithmetic import mul
from .diagonal import diag_embed
from .shape import broadcast_to, permute, reshape, sum_to

# Labels: 0..51 are the letters, upper case first (so sorting labels sorts letters as torch's implicit output
# does); 52 + i is the i-th dim an ellipsis covers, counted from the left of the widest one.
_LETTERS = string.ascii_uppercase + string.ascii_lowercase
_ELLIPSIS = len(_LETTERS)


def _name(label: int) -> str:
    return _LETTERS[label] if label < _ELLIPSIS else f"... (dim {label - _ELLIPSIS} of the ellipsis)"


def _equation(specs, out) -> str:
    """The integer labels as NumPy's equation string, the labels in use renamed to letters in order."""
    letter = {lab: _LETTERS[i] for i, lab in enumerate(sorted({lab for s in specs for lab in s}))}
    return ",".join("".join(letter[lab] for lab in s) for s in specs) + "->" + "".join(letter[lab] for lab in out)


class Einsum(Function):
    """``y = einsum over integer labels``: operand ``k`` has one label per dim (``specs[k]``), ``y`` has the
    labels ``out``; ``sizes`` maps each label to its size after broadcasting. Backward: for each operand, the
    einsum of ``gy`` with the other operands (:func:`_operand_grad`)."""

    @staticmethod
    def forward(ctx, *arrays, specs, out, sizes):
        ctx.specs, ctx.out = specs, out
        ctx.save_for_backward(*arrays)
        xp = backend.xp_of(arrays[0])
        # a dim of size 1 under a label of size n is repeated n times (a view), as broadcasting does
        shapes = [tuple(sizes[lab] for lab in s) for s in specs]
        full = [a if a.shape == shape else xp.broadcast_to(a, shape) for a, shape in zip(arrays, shapes)]
        equation = _equation(specs, out)
        y = xp.asarray(xp.einsum(equation, *full, optimize=len(arrays) > 1))   # a path of BLAS products
        return y.copy() if y.base is not None else y    # one operand gives a view of it ('ij->ji')

    @staticmethod
    def backward(ctx, gy):
        operands = ctx.saved_tensors
        return tuple(_operand_grad(gy, ctx.out, operands, ctx.specs, k) if need else None
                     for k, need in enumerate(ctx.needs_input_grad))


def _operand_grad(gy: Tensor, out: tuple, operands, specs, k: int) -> Tensor:
    """The gradient of ``operands[k]``: the einsum of ``gy`` (labels ``out``) and the other operands, producing
    ``specs[k]``, in four steps."""
    x, spec = operands[k], specs[k]
    own = {lab: n for lab, n in zip(spec, x.shape)}          # each label once, in order of first appearance
    others = [(gy, out)] + [(t, s) for j, (t, s) in enumerate(zip(operands, specs)) if j != k]
    present = {lab for _, s in others for lab in s}
    made = tuple(lab for lab in own if lab in present)
    # 1. the einsum of the output gradient with the other operands, for x's labels that they have
    g = _contract([t for t, _ in others], [s for _, s in others], made)
    # 2. where x's dim had size 1 and broadcast against a larger one, sum back to 1
    g = sum_to(g, tuple(1 if own[lab] == 1 else n for lab, n in zip(made, g.shape)))
    # 3. labels only x has were summed in the forward: each element fed the sum once, so the gradient is the
    #    same all along them; and where the others had size 1 against x's n, repeat likewise (a broadcast)
    g = reshape(g, tuple(g.shape[made.index(lab)] if lab in made else 1 for lab in own))
    g = broadcast_to(g, tuple(own.values()))
    # 4. a label repeated in x ('ii') read only the diagonal: put the gradient there, zeros elsewhere
    labels = list(own)
    for lab, count in Counter(spec).items():
        if count > 1:
            axis = labels.index(lab)
            g = permute(g, tuple(i for i in range(g.ndim) if i != axis) + (axis,))
            labels = labels[:axis] + labels[axis + 1:] + [lab]
            for _ in range(count - 1):              # 'iii': the diagonal of the diagonal embedding
                g = diag_embed(g)
                labels.append(lab)
    axes, taken = [], set()
    for lab in spec:                                # each place of spec takes the next axis with its label
        axis = next(i for i, other in enumerate(labels) if other == lab and i not in taken)
        taken.add(axis)
        axes.append(axis)
    return permute(g, tuple(axes)) if axes != sorted(axes) else g


def _contract(operands, specs, out) -> Tensor:
    """Checks sizes and dtypes and applies :class:`Einsum` to operands labelled by integer ``specs``."""
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        listed = ", ".join(f"{t.dtype} (operand {k})" for k, t in enumerate(operands))
        raise TypeError(f"einsum: expected all operands to have the same dtype, got {listed}")
    if operands[0].dtype.kind == "b":
        raise TypeError("einsum: bool operands are not supported, as in PyTorch; convert them with .long() or "
                        ".float() first")
    sizes: dict[int, int] = {}
    for k, (t, spec) in enumerate(zip(operands, specs)):
        mine: dict[int, int] = {}
        for lab, n in zip(spec, t.shape):
            if mine.setdefault(lab, n) != n:
                raise ValueError(f"einsum: subscript {_name(lab)} is repeated for operand {k} but the sizes don't "
                                 f"match, {n} != {mine[lab]}")
        for lab, n in mine.items():
            seen = sizes.get(lab)
            if seen is None or seen == 1:
                sizes[lab] = n
            elif n not in (1, seen):
                raise ValueError(f"einsum: subscript {_name(lab)} has size {n} for operand {k}, which does not "
                                 f"broadcast with the size {seen} seen before")
    if len(sizes) > len(_LETTERS):
        raise ValueError(f"einsum: at most {len(_LETTERS)} different dims in all, got {len(sizes)}")
    return Einsum.apply(*operands, specs=tuple(map(tuple, specs)), out=tuple(out), sizes=sizes)


# --------------------------------------------------------------------------- the equation
def _parse_term(term: str, start: int, who: str) -> list:
    """The labels of one side of the equation, ``None`` standing where ``...`` is; ``start`` is the term's index
    in the equation, for error messages."""
    items, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "...":
                raise ValueError(f"einsum: found '.' for {who} that is not part of an ellipsis (...)")
            if None in items:
                raise ValueError(f"einsum: found '...' for {who}, for which an ellipsis was already found")
            items.append(None)
            i += 3
            continue
        if c != " ":
            if c not in _LETTERS:
                raise ValueError(f"einsum: invalid subscript {c!r} given at index {start + i} in the equation "
                                 "string, subscripts must be in [a-zA-Z]")
            items.append(_LETTERS.index(c))
        i += 1
    return items


def _parse(equation: str, operands) -> tuple[list[tuple[int, ...]], tuple[int, ...]]:
    """Integer labels for each operand's dims, and the output's."""
    lhs, arrow, rhs = equation.partition("->")
    terms, start = [], 0
    for term in lhs.split(","):
        terms.append((term, start))
        start += len(term) + 1
    if len(terms) != len(operands):
        which = "fewer" if len(operands) < len(terms) else "more"
        raise ValueError(f"einsum: {which} operands were given ({len(operands)}) than the equation {equation!r} "
                         f"specifies ({len(terms)})")
    parsed = [_parse_term(term, at, f"operand {k}") for k, (term, at) in enumerate(terms)]
    widths = []
    for k, (items, t) in enumerate(zip(parsed, operands)):
        n = len(items) - (None in items)
        if None not in items and n != t.ndim:
            raise ValueError(f"einsum: the number of subscripts in the equation ({n}) does not match the number "
                             f"of dimensions ({t.ndim}) for operand {k} (shape {t.shape}) and no ellipsis was given")
        if n > t.ndim:
            raise ValueError(f"einsum: the number of subscripts in the equation ({n}) is more than the number of "
                             f"dimensions ({t.ndim}) for operand {k} (shape {t.shape})")
        widths.append(t.ndim - n if None in items else 0)
    wide = max(widths)
    ellipsis = tuple(range(_ELLIPSIS, _ELLIPSIS + wide))

    def expand(items, width):           # '...' becomes the last ``width`` ellipsis labels (aligned right)
        if None not in items:
            return tuple(items)
        i = items.index(None)
        return tuple(items[:i]) + ellipsis[wide - width:] + tuple(items[i + 1:])

    specs = [expand(items, w) for items, w in zip(parsed, widths)]
    counts = Counter(lab for items in parsed for lab in items if lab is not None)
    if not arrow:                        # implicit: the ellipsis, then the letters seen once, sorted
        return specs, ellipsis + tuple(sorted(lab for lab, c in counts.items() if c == 1))
    out = _parse_term(rhs, len(lhs) + 2, "the output")
    for lab in out:
        if lab is not None and lab not in counts:
            raise ValueError(f"einsum: output subscript {_name(lab)} does not appear in the equation for any input "
                             "operand")
        if lab is not None and out.count(lab) > 1:
            raise ValueError(f"einsum: output subscript {_name(lab)} appears more than once in the output")
    return specs, expand(out, wide)


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum('ij,jk->ik', a, b)`` (or the operands as one list).

    Each operand gets one letter (``a-z``, ``A-Z``) per dim; ``...`` stands for any number of dims, which
    broadcast across operands like ``*``'s. Letters missing from the output (after ``->``) are summed over;
    without ``->`` the output is the ellipsis dims, then the letters used exactly once, in alphabetical order
    (upper case first). A letter twice in one operand takes its diagonal (``'ii->i'``; ``'ii'`` is the trace).
    One letter must have one size everywhere, except that a size of 1 broadcasts. Spaces are ignored. All
    operands must have one dtype. For the gradient, see this module's docstring and :func:`_operand_grad`.

    ``'bij,bjk->bik'`` is :func:`~minigan.ops.matmul.bmm`; ``'i,j->ij'`` an outer product; ``'bhqd,bhkd->bhqk'``
    attention scores."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: expected the equation as a str first, got {type(equation).__name__} (the sublist "
                        "format einsum(op, [0, 1], ...) is not supported)")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: must specify the equation string and at least one operand")
    for k, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: expected a Tensor as operand {k}, got {type(t).__name__}")
    specs, out = _parse(equation, operands)
    return _contract(operands, specs, out)


# --------------------------------------------------------------------------- special cases
def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__}")
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: both inputs should have the same dtype, got {a.dtype} and {b.dtype}")


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """The sum over pairs of dims of ``a`` and ``b``, as ``torch.tensordot``: ``dims=n`` pairs the last ``n`` dims
    of ``a`` with the first ``n`` of ``b``; ``dims=([1, 0], [0, 2])`` names the pairs. The result has ``a``'s
    other dims, then ``b``'s. ``tensordot(a, b, 1)`` of two matrices is ``a @ b``; ``dims=0`` is an outer
    product. Written as an einsum (each pair one shared label), so its gradient is einsum's."""
    _same_dtype("tensordot", a, b)
    if isinstance(dims, int) and not isinstance(dims, bool):
        if dims < 0:
            raise ValueError(f"tensordot: expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} is more than the dims of a ({a.ndim}) or b ({b.ndim})")
        pairs_a, pairs_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    elif (isinstance(dims, (list, tuple)) and len(dims) == 2
          and all(isinstance(d, (list, tuple)) for d in dims)):
        if len(dims[0]) != len(dims[1]):
            raise ValueError(f"tensordot: both dimension lists should have the same length, got {list(dims[0])} "
                             f"and {list(dims[1])}")
        pairs_a = [normalize_dim(d, a.ndim, "tensordot") for d in dims[0]]
        pairs_b = [normalize_dim(d, b.ndim, "tensordot") for d in dims[1]]
    else:
        raise TypeError(f"tensordot: expects dims to be an int or a pair of lists of dims, but got dims={dims!r}")
    for t, pairs, given in ((a, pairs_a, "a"), (b, pairs_b, "b")):
        if len(set(pairs)) != len(pairs):
            raise ValueError(f"tensordot: a dim appears more than once in the dims of {given}, {pairs}")
    for da, db in zip(pairs_a, pairs_b):
        if 1 not in (a.shape[da], b.shape[db]) and a.shape[da] != b.shape[db]:
            raise ValueError(f"tensordot: contracted dimensions need to match, but a has size {a.shape[da]} in dim "
                             f"{da} and b has size {b.shape[db]} in dim {db}")
    spec_a = tuple(range(a.ndim))
    spec_b = [a.ndim + j for j in range(b.ndim)]
    for da, db in zip(pairs_a, pairs_b):
        spec_b[db] = da
    out = tuple(i for i in spec_a if i not in pairs_a) + tuple(j for j in spec_b if j >= a.ndim)
    return _contract([a, b], [spec_a, tuple(spec_b)], out)


def inner(a: Tensor, b: Tensor) -> Tensor:
    """The sum over the last dims of ``a`` and ``b``, as ``torch.inner``: ``(.., n), (.., n) -> (a's leading
    dims, b's leading dims)``; a dot product for two vectors, a product for a 0-d operand (promoted as ``*``).
    :func:`tensordot` with ``dims=([-1], [-1])``."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and (a.ndim == 0 or b.ndim == 0):
        return mul(a, b)
    _same_dtype("inner", a, b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"inner: the last dimension must match on both input tensors but got shapes {a.shape} "
                         f"and {b.shape}")
    return tensordot(a, b, ([-1], [-1]))


def kron(a: Tensor, b: Tensor) -> Tensor:
    """The Kronecker product, as ``torch.kron``: every element of ``a`` times a whole copy of ``b``, the copies
    laid side by side; ``(m, n), (p, q) -> (m p, n q)`` (the shorter shape gets leading 1s). Written as ``*`` of
    ``a`` reshaped to ``(m, 1, n, 1)`` and ``b`` to ``(1, p, 1, q)``, then a reshape: its gradient is theirs,
    and the dtypes promote as ``*``'s."""
    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"kron: expected Tensors, got {type(t).__name__}")
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    spread_a = reshape(a, tuple(n for m in sa for n in (m, 1)))
    spread_b = reshape(b, tuple(n for m in sb for n in (1, m)))
    return reshape(mul(spread_a, spread_b), tuple(m * n for m, n in zip(sa, sb)))
