"""Window functions, as PyTorch's: hann, hamming, blackman, bartlett and kaiser windows, the tapers a short-time
Fourier transform multiplies each frame by so that its ends fade to (nearly) zero.

Each is a creation function, like :func:`~minigan.creation.linspace`: a new 1-D tensor of ``window_length``
values (no gradient flows into it; ``requires_grad=True`` makes it a leaf), of the default dtype
(``mg.set_default_dtype``) unless a floating ``dtype`` is given, on ``device`` (default: the default device). The
values are computed in float64 and then cast.

With ``N`` points ``n = 0 .. N-1`` and ``t = 2 pi n / (N - 1)``:

- hann: ``0.5 - 0.5 cos t``;  hamming: ``alpha - beta cos t`` (0.54, 0.46);
- blackman: ``0.42 - 0.5 cos t + 0.08 cos 2t``;  bartlett: ``1 - |2n / (N - 1) - 1|`` (a triangle);
- kaiser: ``I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)``, ``I0`` the modified Bessel function.

``periodic=True`` (the default, for spectral analysis) computes ``N = window_length + 1`` points and drops the
last, so that the window repeats seamlessly; ``periodic=False`` gives the symmetric window. A window of one
point is ``[1.]``; of none, empty."""
from __future__ import annotations

import math

import numpy as np

from .. import backend, settings
from ..autograd import Tensor

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _window(op: str, window_length, periodic: bool, dtype, device, requires_grad: bool, shape) -> Tensor:
    """``shape(xp, n, N)`` (float64) at ``n = 0 .. window_length - 1`` with ``N`` points in the full window."""
    if isinstance(window_length, bool) or not isinstance(window_length, (int, np.integer)):
        raise TypeError(f"{op}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    dtype = np.dtype(settings.get_default_dtype() if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op} expects floating point dtypes, got: {dtype}")
    if window_length < 0:
        raise ValueError(f"{op} requires non-negative window_length, got window_length={window_length}")
    xp = backend.xp_for(settings.creation_device(device))
    if window_length <= 1:
        return Tensor(xp.ones((int(window_length),), dtype=dtype), requires_grad=requires_grad)
    N = int(window_length) + 1 if periodic else int(window_length)
    n = xp.arange(int(window_length), dtype=np.float64)
    return Tensor(shape(xp, n, N).astype(dtype), requires_grad=requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))``, as ``torch.hann_window`` (see the module's
    docstring for ``periodic``): a raised cosine that is 0 at the ends and 1 in the middle."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, N: 0.5 - 0.5 * xp.cos(2 * math.pi * n / (N - 1)))


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The Hamming window ``alpha - beta cos(2 pi n / (N - 1))``, as ``torch.hamming_window``: a raised cosine
    that stops at ``alpha - beta`` (0.08) at the ends, which lowers the first side lobe of its spectrum."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, N: alpha - beta * xp.cos(2 * math.pi * n / (N - 1)))


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos t + 0.08 cos 2t``, ``t = 2 pi n / (N - 1)``, as
    ``torch.blackman_window``: one more cosine term, for side lobes lower still, at the price of a wider
    main lobe."""
    def shape(xp, n, N):
        t = 2 * math.pi * n / (N - 1)
        return 0.42 - 0.5 * xp.cos(t) + 0.08 * xp.cos(2 * t)
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, shape)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The Bartlett (triangular) window ``1 - |2n / (N - 1) - 1|``, as ``torch.bartlett_window``."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, N: 1 - xp.abs(2 * n / (N - 1) - 1))


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, device=None,
                  requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)``, as ``torch.kaiser_window``:
    ``beta`` trades the main lobe's width (larger: wider) for the side lobes' height (larger: lower); ``beta = 0``
    is the rectangular window. ``I0`` is the modified Bessel function of order 0 (``xp.i0``)."""
    def shape(xp, n, N):
        r = 2 * n / (N - 1) - 1
        return xp.i0(beta * xp.sqrt(xp.maximum(1 - r * r, 0.0))) / xp.i0(xp.asarray(float(beta)))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, shape)
