"""Making tensors: zeros, ones, empty, full, eye, arange, linspace, logspace, from_numpy, the ``*_like`` forms, the
coordinates of a triangle (tril_indices, triu_indices), and random ones drawn from the device's seeded generator
(``mg.manual_seed``): rand, randn, randint, randperm, normal, and draws whose parameters are a tensor
(multinomial, bernoulli, poisson). Their dtypes are PyTorch's: float32 unless a dtype is given, but int64 for
``arange`` of integers, ``randint``, ``randperm``, ``multinomial`` and the indices, the value's own kind for
``full``, the array's own for ``from_numpy``, and the model tensor's for the ``*_like`` forms and the draws from a
tensor. No gradient flows through a random draw."""
from __future__ import annotations

import numpy as np

from . import backend, settings
from .autograd import Tensor, _default_float
from .generator import stream
from .memory_formats import contiguous_format, empty_in, filled_like, laid_out_like, preserve_format


def _shape(shape) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(n) for n in shape)


def _float(dtype):
    """``dtype``, or the default float dtype (``mg.set_default_dtype``) where it is None."""
    return _default_float() if dtype is None else dtype


def _make(arr, requires_grad: bool) -> Tensor:
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*shape, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    dev = settings.creation_device(device)
    return _make(backend.xp_for(dev).zeros(_shape(shape), dtype=_float(dtype)), requires_grad)


def ones(*shape, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    dev = settings.creation_device(device)
    return _make(backend.xp_for(dev).ones(_shape(shape), dtype=_float(dtype)), requires_grad)


def empty(*shape, device=None, dtype=None, requires_grad: bool = False, memory_format=contiguous_format) -> Tensor:
    """A tensor of ``shape`` whose values you are about to overwrite (``torch.empty``). PyTorch leaves them
    uninitialised; minigan fills them with zeros, but code should not rely on that. ``memory_format``: its layout
    (``mg.channels_last`` for a 4-d one: minigan/memory_formats.py)."""
    t = zeros(*shape, device=device, dtype=dtype)
    return _make(empty_in(t.data, memory_format, "empty()"), requires_grad)


def eye(n: int, m: int | None = None, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """The ``(n, m)`` identity matrix (``m`` defaults to ``n``): ones on the diagonal, zeros elsewhere
    (``torch.eye``)."""
    dev = settings.creation_device(device)
    return _make(backend.xp_for(dev).eye(int(n), None if m is None else int(m), dtype=_float(dtype)),
                 requires_grad)


def linspace(start, end, steps: int, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` values evenly spaced from ``start`` to ``end``, both included (``torch.linspace``); float32
    unless a dtype is given. They are computed in float64 and then cast, so an integer dtype truncates
    toward zero, as in PyTorch."""
    if int(steps) < 0:
        raise ValueError(f"linspace(): number of steps must be non-negative, got {steps}")
    dev = settings.creation_device(device)
    arr = backend.xp_for(dev).linspace(start, end, int(steps), dtype=np.float64)
    return _make(arr.astype(_float(dtype), copy=False), requires_grad)


def from_numpy(a: np.ndarray) -> Tensor:
    """A CPU tensor that shares ``a``'s memory and keeps its dtype, as ``torch.from_numpy``: a change to one is
    seen in the other. (``mg.tensor(a)`` copies instead.)"""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy(): expected np.ndarray (got {type(a).__name__}); for a list use mg.tensor")
    if a.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy(): can't convert an array of dtype {a.dtype}; the supported kinds are "
                        "float, complex, integer and bool")
    return Tensor(a)


def _dtype_of_value(value):
    """The dtype PyTorch gives ``full(shape, value)``: bool for a bool, int64 for an int, else float32."""
    if isinstance(value, (bool, np.bool_)):
        return np.bool_
    if isinstance(value, (int, np.integer)):
        return np.int64
    return _default_float()


def full(shape, value, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``value``; its dtype follows the value (bool, int64 or float32), as in
    PyTorch, unless ``dtype`` is given."""
    dev = settings.creation_device(device)
    dtype = _dtype_of_value(value) if dtype is None else dtype
    return _make(backend.xp_for(dev).full(_shape((shape,)), value, dtype=dtype), requires_grad)


def _like(what: str, t: Tensor, value, dtype, device, requires_grad: bool, memory_format=preserve_format) -> Tensor:
    dev = t.device if device is None else backend.normalize_device(device)
    arr = filled_like(backend.xp_for(dev), t, value, t.dtype if dtype is None else dtype, memory_format, what)
    return _make(arr, requires_grad)


def zeros_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False, *,
               memory_format=preserve_format) -> Tensor:
    """Zeros of ``t``'s shape, and of its dtype and device unless others are given; laid out as ``t`` is by
    default (``memory_format``: minigan/memory_formats.py), as the other ``*_like`` functions."""
    return _like("zeros_like()", t, 0, dtype, device, requires_grad, memory_format)


def ones_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False, *,
              memory_format=preserve_format) -> Tensor:
    """Ones of ``t``'s shape, and of its dtype and device unless others are given."""
    return _like("ones_like()", t, 1, dtype, device, requires_grad, memory_format)


def full_like(t: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False, *,
              memory_format=preserve_format) -> Tensor:
    """``fill_value`` in ``t``'s shape, and of its dtype and device unless others are given (so, as in PyTorch,
    ``full_like`` of an int64 tensor with 2.7 holds 2)."""
    return _like("full_like()", t, fill_value, dtype, device, requires_grad, memory_format)


def arange(start, end=None, step=1, device=None, dtype=None, requires_grad: bool = False, *,
           stop=None) -> Tensor:
    """``start, start + step, ...`` up to ``end`` (excluded); ``arange(n)`` is ``0 .. n-1``. Integers give int64,
    a float argument float32, as in PyTorch (``stop`` is NumPy's name for ``end``)."""
    if stop is not None:
        if end is not None:
            raise TypeError("arange(): give the end once, as end= (PyTorch's name) or stop=")
        end = stop
    if step == 0:
        raise ValueError("arange(): step must be nonzero")
    dev = settings.creation_device(device)
    if dtype is None:
        dtype = _default_float() if any(isinstance(v, float) for v in (start, end, step)) else np.int64
    return _make(backend.xp_for(dev).arange(start, end, step, dtype=dtype), requires_grad)


def _drawn(dtype):
    """The dtype to draw random floats in: the generators draw float32 or float64 only, so float16 is drawn
    as float32 and rounded."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def randn(*shape, generator=None, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the device's seeded generator."""
    dtype = _float(dtype)
    dev = settings.creation_device(device)
    arr = stream(generator, dev, "randn").standard_normal(_shape(shape), dtype=_drawn(dtype))
    return _make(arr.astype(dtype, copy=False), requires_grad)


def rand(*shape, generator=None, device=None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the device's seeded generator."""
    dtype = _float(dtype)
    dev = settings.creation_device(device)
    arr = stream(generator, dev, "rand").random(_shape(shape), dtype=_drawn(dtype))
    return _make(arr.astype(dtype, copy=False), requires_grad)


def _random_like(draw, name: str, t: Tensor, dtype, device, requires_grad: bool, generator=None,
                 memory_format=preserve_format) -> Tensor:
    dtype = t.dtype if dtype is None else np.dtype(dtype)
    if dtype.kind not in "f":
        raise TypeError(f"{name}(): random floats need a floating-point dtype, but the tensor has dtype {dtype}; "
                        f"pass dtype=mg.float32 (or use mg.randint for integers)")
    arr = draw(t.shape, device=t.device if device is None else device, dtype=dtype, generator=generator).data
    return _make(laid_out_like(arr, t, memory_format, f"{name}()"), requires_grad)   # the same numbers, t's layout


def randn_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False, *, generator=None,
               memory_format=preserve_format) -> Tensor:
    """Standard normal samples of ``t``'s shape, and of its dtype and device unless others are given, from the
    device's seeded generator (``torch.randn_like``)."""
    return _random_like(randn, "randn_like", t, dtype, device, requires_grad, generator, memory_format)


def rand_like(t: Tensor, dtype=None, device=None, requires_grad: bool = False, *, generator=None,
              memory_format=preserve_format) -> Tensor:
    """Uniform samples in [0, 1) of ``t``'s shape, and of its dtype and device unless others are given, from the
    device's seeded generator (``torch.rand_like``)."""
    return _random_like(rand, "rand_like", t, dtype, device, requires_grad, generator, memory_format)


def randint(low: int, high=None, size=None, device=None, dtype=np.int64, *, generator=None) -> Tensor:
    """Integers drawn uniformly from ``[low, high)`` (``randint(high, size)``: from ``[0, high)``), as in PyTorch,
    from the device's seeded generator."""
    if size is None:                    # randint(high, size)
        if high is None:
            raise TypeError("randint(): give the size, as randint(low, high, size) or randint(high, size)")
        low, high, size = 0, low, high
    dev = settings.creation_device(device)
    drawn = stream(generator, dev, "randint").integers(low, high, size=_shape((size,)))
    return Tensor(drawn.astype(dtype, copy=False))


# --------------------------------------------------------------------------- permutations, samples, grids
def randperm(n: int, *, generator=None, dtype=np.int64, device=None, requires_grad: bool = False) -> Tensor:
    """A random ordering of ``0, 1, ..., n-1`` (``torch.randperm``), int64 unless a dtype is given, from the
    device's seeded generator. It is the order that sorts ``n`` uniform random keys: every ordering of the keys
    is equally likely, so every permutation is (two equal float64 keys are too unlikely to matter)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm(): n must be an int, got {type(n).__name__} {n!r}")
    dtype = np.dtype(dtype)
    if n < 0:
        raise ValueError(f"randperm(): n must be non-negative, got {n}")
    if dtype.kind == "b" or (dtype.kind in "iu" and n > np.iinfo(dtype).max + 1):
        raise TypeError(f"randperm(): the values 0 .. {n - 1} do not fit in dtype {dtype}")
    dev = settings.creation_device(device)
    keys = stream(generator, dev, "randperm").random(int(n), dtype=np.float64)
    return _make(backend.xp_for(dev).argsort(keys).astype(dtype), requires_grad)


def _floating(op: str, t, what: str = "input") -> Tensor:
    """``t``, which must be a floating-point Tensor (the parameters of a distribution)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected {what} to be a Tensor, got {type(t).__name__}")
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point {what}, got dtype {t.dtype}; convert it with .float()")
    return t


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator=None) -> Tensor:
    """``num_samples`` category indices (int64) drawn from each row of non-negative weights ``input``
    (``torch.multinomial``): shape ``(K,) -> (num_samples,)`` or ``(N, K) -> (N, num_samples)``. The weights
    need not sum to 1; category ``i`` is drawn with probability ``w_i / sum(w)``.

    With replacement, each draw inverts the running sum of the weights: a uniform ``u`` in ``[0, sum(w))`` picks
    the first category whose running sum exceeds ``u``. Without replacement, every category gets an exponential
    clock ``E_i / w_i`` (``E_i ~ Exp(1)``), and the categories are taken in the order their clocks ring: the
    first rings with probability ``w_i / sum(w)``, and as the clocks forget how long they ran, so does each next
    one among those left, which is drawing one at a time without putting back. Zero weights ring last, so they
    are taken only once the others are used up, as in PyTorch."""
    p = _floating("multinomial()", input)
    if p.ndim not in (1, 2):
        raise ValueError(f"multinomial(): prob_dist must be 1 or 2 dim, got shape {p.shape}")
    n, k = int(num_samples), p.shape[-1]
    if n <= 0:
        raise ValueError(f"multinomial(): cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and n > k:
        raise ValueError(f"multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                         f"(num_samples={n}, but there are {k} categories)")
    xp = backend.xp_of(p.data)
    rows = int(np.prod(p.shape[:-1]))
    w = p.data.reshape(rows, k).astype(np.float64)
    if rows and k == 0:
        raise ValueError(f"multinomial(): cannot sample from a distribution of no categories (shape {p.shape})")
    if rows and (not bool(xp.isfinite(w).all()) or bool((w < 0).any())):
        raise ValueError("multinomial(): probability tensor contains either `inf`, `nan` or element < 0")
    if rows and bool((w.sum(axis=1) <= 0).any()):
        raise ValueError("multinomial(): invalid multinomial distribution (sum of probabilities <= 0)")
    gen = stream(generator, p.device, "multinomial")
    if rows == 0:
        out = xp.zeros((0, n), dtype=np.int64)
    elif replacement:
        cdf = xp.cumsum(w, axis=1)
        u = gen.random((rows, n), dtype=np.float64) * cdf[:, -1:]
        out = xp.stack([xp.searchsorted(cdf[r], u[r], side="right") for r in range(rows)])
        last = k - 1 - xp.argmax(w[:, ::-1] > 0, axis=1)   # u * sum(w) may round up to sum(w): stay in range
        out = xp.minimum(out, last[:, None]).astype(np.int64)
    else:
        clocks = -xp.log1p(-gen.random((rows, k), dtype=np.float64))            # Exp(1) draws
        keys = w / clocks                                                        # the larger, the sooner
        out = _stable_order(-keys)[:, :n].astype(np.int64)
    return Tensor(out.reshape(p.shape[:-1] + (n,)))


def _stable_order(a):
    """Indices that sort each row of ``a`` ascending, equal values in their original order."""
    xp = backend.xp_of(a)
    return np.argsort(a, axis=1, kind="stable") if xp is np else xp.argsort(a, axis=1)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples ``mean + std * z`` (``z ~ N(0, 1)``), in PyTorch's forms: ``normal(mean_tensor, std_tensor)``
    (broadcast together), ``normal(mean_tensor, std=1.0)``, ``normal(mean_float, std_tensor)``, and
    ``normal(mean_float, std_float, size)``. A tensor form has its tensor's dtype (the mean's, if both are
    tensors) and device; the float form is float32 unless a dtype is given. Every ``std`` must be >= 0. No
    gradient flows through a draw: the result has no graph."""
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    if size is not None or not (tm or ts):
        if tm or ts:
            raise TypeError("normal(): size goes with a float mean and std only; a tensor mean or std gives the shape")
        if size is None:
            raise TypeError("normal(): with a float mean and std, give the size, as normal(0.0, 1.0, (2, 3))")
        if not float(std) >= 0:
            raise ValueError(f"normal(): expects std >= 0.0, but found std {std}")
        z = randn(_shape((size,)), device=device, dtype=dtype, generator=generator)
        return _make((z.data * float(std) + float(mean)).astype(z.dtype, copy=False), requires_grad)
    if dtype is not None or device is not None or requires_grad:
        raise TypeError("normal(): dtype, device and requires_grad go with the float form; a tensor mean or std "
                        "gives them")
    like = _floating("normal()", mean if tm else std, "mean" if tm else "std")
    m = mean.data if tm else mean
    s = _floating("normal()", std, "std").data if ts else std
    if ts and not bool((s >= 0).all()):
        raise ValueError("normal(): expects all elements of std >= 0.0")
    if not ts and not float(s) >= 0:
        raise ValueError(f"normal(): expects std >= 0.0, but found std {s}")
    m_shape, s_shape = (tuple(getattr(v, "shape", ())) for v in (m, s))
    try:
        shape = np.broadcast_shapes(m_shape, s_shape)
    except ValueError:
        raise ValueError(f"normal(): mean of shape {m_shape} and std of shape {s_shape} do not broadcast") from None
    z = stream(generator, like.device, "normal").standard_normal(shape, dtype=_drawn(like.dtype))
    return Tensor((m + s * z).astype(like.dtype, copy=False))


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:  # noqa: A002
    """0 or 1 for each element, 1 with probability ``input[i]`` (or with probability ``p`` for every element,
    when ``p`` is given), as ``torch.bernoulli``; of ``input``'s shape, dtype and device. A uniform ``u`` in
    ``[0, 1)`` is below ``p`` with probability exactly ``p``, so the draw is ``u < p``."""
    x = _floating("bernoulli()", input)
    xp = backend.xp_of(x.data)
    probs = x.data if p is None else xp.asarray(float(p))
    if not bool(((probs >= 0) & (probs <= 1)).all()):
        raise ValueError(f"bernoulli(): expected every probability in [0, 1], got "
                         f"{'p = ' + repr(p) if p is not None else 'values outside it'}")
    u = stream(generator, x.device, "bernoulli").random(x.shape, dtype=np.float64)
    return Tensor((u < probs).astype(x.dtype))


def poisson(input: Tensor, generator=None) -> Tensor:  # noqa: A002
    """A Poisson count for each element, of mean (rate) ``input[i]`` (``torch.poisson``), in ``input``'s shape,
    floating dtype and device. The rates must be non-negative; a rate of 0 always gives 0."""
    x = _floating("poisson()", input)
    xp = backend.xp_of(x.data)
    if not bool((x.data >= 0).all()):
        raise ValueError("poisson(): invalid Poisson rate, expected rate to be non-negative (got a negative or NaN "
                         "rate)")
    counts = stream(generator, x.device, "poisson").poisson(x.data.astype(np.float64))
    return Tensor(xp.asarray(counts).astype(x.dtype))


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``base ** e`` for ``steps`` exponents ``e`` evenly spaced from ``start`` to ``end``, both included
    (``torch.logspace``): ``logspace(0, 2, 3)`` is ``[1, 10, 100]``. float32 unless a dtype is given; computed in
    float64, then cast. For an integer dtype ``start`` and ``end`` are truncated to integers first, as PyTorch
    does, and the powers are truncated toward zero."""
    if int(steps) < 0:
        raise ValueError(f"logspace(): number of steps must be non-negative, got {steps}")
    dtype = np.dtype(_default_float() if dtype is None else dtype)
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if dtype.kind in "biu":
        start, end = int(start), int(end)
    dev = settings.creation_device(device)
    xp = backend.xp_for(dev)
    powers = xp.power(float(base), xp.linspace(start, end, int(steps), dtype=np.float64))
    return _make(powers.astype(dtype), requires_grad)


def _triangle_indices(op: str, row: int, col: int, offset: int, upper: bool, dtype, device) -> Tensor:
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise ValueError(f"{op}: {name} must be non-negative, got {v}")
    if np.dtype(dtype).kind not in "iu":
        raise TypeError(f"{op}: indices need an integer dtype, got {np.dtype(dtype)}")
    xp = backend.xp_for(settings.creation_device(device))
    below = xp.tri(int(row), int(col), int(offset) - 1 if upper else int(offset), dtype=bool)  # j <= i + k
    return Tensor(xp.stack(xp.nonzero(~below if upper else below)).astype(dtype).reshape(2, -1))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=np.int64, device=None) -> Tensor:
    """The coordinates of the lower triangle of a ``row x col`` matrix, as a ``(2, N)`` tensor of row indices
    over column indices, row by row (``torch.tril_indices``): the places ``(i, j)`` with ``j <= i + offset``,
    those :func:`~minigan.ops.tril` keeps. ``x[tuple(tril_indices(n, n))]`` reads them."""
    return _triangle_indices("tril_indices()", row, col, offset, False, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=np.int64, device=None) -> Tensor:
    """The coordinates of the upper triangle, ``j >= i + offset`` (``torch.triu_indices``), as
    :func:`tril_indices`. ``triu_indices(n, n, 1)`` names the pairs ``i < j``: the entries of ``pdist``."""
    return _triangle_indices("triu_indices()", row, col, offset, True, dtype, device)
