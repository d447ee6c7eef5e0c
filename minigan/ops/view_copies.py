"""The ``*_copy`` twins of the view ops (``torch.t_copy``, ``torch.narrow_copy``, ``torch.split_copy``...): the
view op followed by a copy, so the result holds its own memory and a later in-place change to it, or to the
input, leaves the other alone. PyTorch has them for its compilers, which work on programs without views;
a learner meets them as "the same values, not a view".

Each is made by one helper, :func:`_copying`, from the view op: the view is recorded as usual and the copy
(``clone``) is recorded too, so the gradient is the view op's (clone passes it through unchanged).
``detach_copy`` is the one with no graph: its view, ``detach``, cuts it."""
from __future__ import annotations

from ..autograd import Tensor
from ._util import normalize_dim
from .diagonal import diagonal
from .indexing import narrow
from .rearrange import t, unbind
from .scatter_more import select
from .shape import clone, expand, getitem, permute, reshape, split, squeeze, transpose, unsqueeze
from .splitting import split_with_sizes

__all__ = ["alias_copy", "as_strided_copy", "detach_copy", "diagonal_copy", "expand_copy", "narrow_copy",
           "permute_copy", "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy",
           "t_copy", "transpose_copy", "unbind_copy", "unfold_copy", "unsqueeze_copy", "view_copy"]


def _copying(name: str, view, signature: str):
    """``torch.<name>``: ``view(input, ...)`` with each output cloned (a tuple of views gives a tuple of
    copies)."""
    def f(input: Tensor, *args, **kwargs):  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        out = view(input, *args, **kwargs)
        return tuple(clone(o) for o in out) if isinstance(out, (tuple, list)) else clone(out)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"``torch.{name}{signature}``: ``{name[:-5]}`` followed by a copy, the same values in new "
                 "memory; its gradient is the view op's (see the module's docstring).")
    return f


def _slice(x: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """``x[..., start:end:step, ...]`` along ``dim``, as ``torch.slice`` (the op behind ``x[a:b]``)."""
    if int(step) <= 0:
        raise RuntimeError(f"slice_copy: slice step must be positive, got {step}")
    d = normalize_dim(dim, x.ndim, "slice_copy")
    return getitem(x, (slice(None),) * d + (slice(start, end, int(step)),))


def _expand(x: Tensor, size, *, implicit: bool = False) -> Tensor:
    return expand(x, tuple(size))


def _as_strided(x: Tensor, size, stride, storage_offset=None) -> Tensor:
    from .strided import as_strided
    return as_strided(x, size, stride, storage_offset)


def _unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    from ..tensor_more import unfold
    return unfold(x, dimension, size, step)


alias_copy = _copying("alias_copy", lambda x: x, "(input)")
as_strided_copy = _copying("as_strided_copy", _as_strided, "(input, size, stride, storage_offset=None)")
detach_copy = _copying("detach_copy", lambda x: x.detach(), "(input)")
diagonal_copy = _copying("diagonal_copy", diagonal, "(input, offset=0, dim1=0, dim2=1)")
expand_copy = _copying("expand_copy", _expand, "(input, size, *, implicit=False)")
narrow_copy = _copying("narrow_copy", narrow, "(input, dim, start, length)")
permute_copy = _copying("permute_copy", lambda x, dims: permute(x, *dims), "(input, dims)")
select_copy = _copying("select_copy", select, "(input, dim, index)")
slice_copy = _copying("slice_copy", _slice, "(input, dim=0, start=None, end=None, step=1)")
split_copy = _copying("split_copy", split, "(input, split_size, dim=0)")
split_with_sizes_copy = _copying("split_with_sizes_copy", split_with_sizes, "(input, split_sizes, dim=0)")
squeeze_copy = _copying("squeeze_copy", squeeze, "(input, dim=None)")
t_copy = _copying("t_copy", t, "(input)")
transpose_copy = _copying("transpose_copy", transpose, "(input, dim0, dim1)")
unbind_copy = _copying("unbind_copy", unbind, "(input, dim=0)")
unfold_copy = _copying("unfold_copy", _unfold, "(input, dimension, size, step)")
unsqueeze_copy = _copying("unsqueeze_copy", unsqueeze, "(input, dim)")
view_copy = _copying("view_copy", lambda x, size: reshape(x, tuple(size)), "(input, size)")
