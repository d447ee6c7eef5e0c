"""Special functions under PyTorch's ``torch.special`` names: ``import minigan.special as S`` or
``mg.special.gammaln``.

Each function lives with its forward and backward in :mod:`minigan.ops.special` (the gamma family: lgamma,
digamma, polygamma, mvlgamma; entr), :mod:`minigan.ops.erfc_bessel` (erfc, erfcx, ndtr, log_ndtr,
ndtri; the modified Bessel functions i0, i0e, i1, i1e), or with the op it is another name for (expit is
sigmoid, gammaln is lgamma, psi is digamma, multigammaln is mvlgamma); this module only gathers the names.

Not here: the Bessel functions of the first and second kind (``bessel_j0``, ``bessel_y0``...), the other
modified ones (``modified_bessel_k0``...), ``airy_ai``, ``spherical_bessel_j0``, Hurwitz's ``zeta``, the
incomplete gamma functions ``gammainc``/``gammaincc``, and the orthogonal polynomials (Chebyshev, Hermite,
Laguerre, Legendre)."""
from .ops.activation import erf, log_softmax, sigmoid as expit, softmax  # noqa: F401 - softmax's dtype= too
from .ops.erfc_bessel import erfc, erfcx, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri  # noqa: F401
from .ops.math import exp2, expm1, log1p, round, sinc  # noqa: F401
from .ops.pointwise import erfinv, logit, xlog1py, xlogy  # noqa: F401
from .ops.reduction import logsumexp  # noqa: F401
from .ops.special import digamma, digamma as psi, entr, lgamma as gammaln, polygamma  # noqa: F401
from .ops.special import mvlgamma as multigammaln  # noqa: F401

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e",
           "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy"]
