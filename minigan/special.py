"""Special functions under PyTorch's ``torch.special`` names: ``import minigan.special as S`` or
``mg.special.gammaln``.

Each function lives with its forward and backward in :mod:`minigan.ops.special` (the gamma family: lgamma,
digamma, polygamma, mvlgamma; entr), :mod:`minigan.ops.incomplete_gamma` (gammainc, gammaincc),
:mod:`minigan.ops.hurwitz_zeta` (zeta), :mod:`minigan.ops.erfc_bessel` (erfc, erfcx, ndtr, log_ndtr, ndtri;
the modified Bessel functions i0, i0e, i1, i1e), :mod:`minigan.ops.bessel` (bessel_j0, bessel_j1, bessel_y0,
bessel_y1, spherical_bessel_j0), :mod:`minigan.ops.modified_bessel` (modified_bessel_i0/i1/k0/k1,
scaled_modified_bessel_k0/k1), :mod:`minigan.ops.airy` (airy_ai), :mod:`minigan.ops.orthogonal_polynomials`
(the Chebyshev polynomials of the four kinds and their shifted forms, Hermite's two, Laguerre's, Legendre's), or
with the op it is another name for (expit is sigmoid, gammaln is lgamma, psi is digamma, multigammaln is
mvlgamma); this module only gathers the names.

Everything in ``torch.special`` is here."""
from .ops.airy import airy_ai  # noqa: F401
from .ops.bessel import bessel_j0, bessel_j1, bessel_y0, bessel_y1, spherical_bessel_j0  # noqa: F401
from .ops.activation import erf, log_softmax, sigmoid as expit, softmax  # noqa: F401 - softmax's dtype= too
from .ops.erfc_bessel import erfc, erfcx, i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri  # noqa: F401
from .ops.hurwitz_zeta import zeta  # noqa: F401
from .ops.incomplete_gamma import gammainc, gammaincc  # noqa: F401
from .ops.math import exp2, expm1, log1p, round, sinc  # noqa: F401
from .ops.modified_bessel import modified_bessel_i0, modified_bessel_i1, modified_bessel_k0  # noqa: F401
from .ops.modified_bessel import modified_bessel_k1  # noqa: F401
from .ops.modified_bessel import scaled_modified_bessel_k0, scaled_modified_bessel_k1  # noqa: F401
from .ops.orthogonal_polynomials import chebyshev_polynomial_t, chebyshev_polynomial_u  # noqa: F401
from .ops.orthogonal_polynomials import chebyshev_polynomial_v, chebyshev_polynomial_w  # noqa: F401
from .ops.orthogonal_polynomials import shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u  # noqa: F401
from .ops.orthogonal_polynomials import shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w  # noqa: F401
from .ops.orthogonal_polynomials import hermite_polynomial_h, hermite_polynomial_he  # noqa: F401
from .ops.orthogonal_polynomials import laguerre_polynomial_l, legendre_polynomial_p  # noqa: F401
from .ops.pointwise import erfinv, logit, xlog1py, xlogy  # noqa: F401
from .ops.reduction import logsumexp  # noqa: F401
from .ops.special import digamma, digamma as psi, entr, lgamma as gammaln, polygamma  # noqa: F401
from .ops.special import mvlgamma as multigammaln  # noqa: F401

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i0e",
           "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
           "gammainc", "gammaincc", "zeta", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "spherical_bessel_j0", "airy_ai", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w",
           "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]
