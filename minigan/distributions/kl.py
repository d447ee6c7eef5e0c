"""The Kullback-Leibler divergence ``KL(p || q) = E_p[log p(X) - log q(X)]`` in closed form, for pairs of
families registered with :func:`register_kl`.

Each closed form is a composition of differentiable ops on the two distributions' parameters, so gradients
reach both (a VAE's KL term trains its encoder through them). Where ``p`` puts mass on a region ``q`` gives
none the divergence is ``inf``. A pair with no registered form raises ``NotImplementedError``, as PyTorch does.
The registry is searched by class: a subclass of a registered family uses its family's form, the most specific
pair winning."""
from __future__ import annotations

import math

import numpy as np

from .. import backend, creation, linalg, ops
from ..autograd import Tensor
from .bernoulli import Bernoulli
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal, batch_mahalanobis
from .normal import LogNormal, Normal
from .uniform import Uniform
from .utils import softplus, sum_rightmost

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict = {}


def register_kl(type_p: type, type_q: type):
    """A decorator that registers ``fn(p, q) -> Tensor`` as ``KL(p || q)`` for ``p`` of class ``type_p`` and
    ``q`` of class ``type_q`` (or their subclasses)::

        @register_kl(Normal, Normal)
        def kl_normal_normal(p, q): ..."""
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl: expected subclasses of Distribution, got {t!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return decorator


def _lookup(type_p: type, type_q: type):
    """The registered form for the most specific pair of ancestors (nearest in ``p``'s class order, then in
    ``q``'s), or None."""
    best, best_rank = None, None
    for (tp, tq), fn in _KL_REGISTRY.items():
        if issubclass(type_p, tp) and issubclass(type_q, tq):
            rank = (type_p.__mro__.index(tp), type_q.__mro__.index(tq))
            if best_rank is None or rank < best_rank:
                best, best_rank = fn, rank
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """``KL(p || q)``, one value per distribution of the (broadcast) batch."""
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                                  f"{type(q).__name__}")
    return fn(p, q)


def _inf_where(mask, x: Tensor) -> Tensor:
    return ops.where(mask, math.inf, x)


def _zero_where(mask, x: Tensor) -> Tensor:
    return ops.where(mask, 0.0, x)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """``(r + ((mu_p - mu_q) / s_q)^2 - 1 - log r) / 2`` with ``r = (s_p / s_q)^2``."""
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - ops.log(var_ratio))


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    """The divergence of the underlying normals: ``exp`` is one-to-one, and KL is unchanged by a change of
    variables applied to both."""
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """``p log(p / q) + (1 - p) log((1 - p) / (1 - q))``, each log-ratio written with softplus of the logits
    (``-log p = softplus(-logits)``); ``inf`` where q gives 0 to an outcome p does not, 0 for a term of
    probability 0 under p."""
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = _zero_where((p.probs == 0).data, _inf_where((q.probs == 0).data, t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = _zero_where((p.probs == 1).data, _inf_where((q.probs == 1).data, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    """``sum_k p_k (log p_k - log q_k)``, with the same conventions for probabilities 0."""
    t = p.probs * (p.logits - q.logits)
    t = _inf_where(_broadcast_mask(q.probs == 0, t.shape), t)
    t = _zero_where(_broadcast_mask(p.probs == 0, t.shape), t)
    return ops.sum(t, -1)


def _broadcast_mask(mask: Tensor, shape):
    return backend.xp_of(mask.data).broadcast_to(mask.data, shape)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """``log((high_q - low_q) / (high_p - low_p))`` when ``[low_p, high_p]`` lies inside ``[low_q, high_q]``,
    else ``inf``."""
    result = ops.log((q.high - q.low) / (p.high - p.low))
    return _inf_where(((q.low > p.low) | (q.high < p.high)).data, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    """``r - 1 - log r`` with ``r = rate_q / rate_p``."""
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - ops.log(rate_ratio)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    """``-log r + |mu_p - mu_q| / b_q + r exp(-|mu_p - mu_q| / b_p) - 1`` with ``r = b_p / b_q``."""
    scale_ratio = p.scale / q.scale
    loc_abs_diff = ops.abs(p.loc - q.loc)
    return -ops.log(scale_ratio) + loc_abs_diff / q.scale + scale_ratio * ops.exp(-loc_abs_diff / p.scale) - 1


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    """``(tr(S_q^-1 S_p) + (mu_q - mu_p)^T S_q^-1 (mu_q - mu_p) - n + log det S_q - log det S_p) / 2``, with
    ``tr(S_q^-1 S_p) = |L_q^-1 L_p|_F^2`` (one triangular solve) and the log-determinants from the diagonals."""
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         "computed")
    Lp, Lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = q._half_log_det() - p._half_log_det()
    n = p.event_shape[0]
    batch = np.broadcast_shapes(Lp.shape[:-2], Lq.shape[:-2])
    Lp_b, Lq_b = (L if L.shape[:-2] == batch else ops.broadcast_to(L, batch + (n, n)) for L in (Lp, Lq))
    m = linalg.solve_triangular(Lq_b, Lp_b, upper=False)
    term2 = ops.sum(m * m, (-2, -1))
    term3 = batch_mahalanobis(Lq, q.loc - p.loc)
    out = half_term1 + 0.5 * (term2 + term3 - n)
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    return out if out.shape == shape else ops.broadcast_to(out, shape)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """The bases' divergence summed over the reinterpreted dims (independence adds divergences)."""
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(f"No KL(p || q) is implemented for Independent distributions that reinterpret "
                                  f"{p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims} batch dims")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


def _infinite(p, q):
    """``inf``: p gives mass to values (the negative numbers, or those outside ``[low, high]``) that q cannot
    take."""
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    like = p.loc
    return creation.full(shape, math.inf, device=like.device, dtype=like.dtype)


for _p in (Normal, Laplace):
    for _q in (Exponential, Uniform):
        register_kl(_p, _q)(_infinite)


# ----------------------------------------------------------------- the gamma family and the counts
from .beta import Beta, Dirichlet  # noqa: E402  (below the registry they register into)
from .counts import Binomial, Geometric, Poisson  # noqa: E402
from .gamma import Gamma  # noqa: E402

_EULER_GAMMA = 0.5772156649015329


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    """``a_q log(r_p / r_q) + lgamma(a_q) - lgamma(a_p) + (a_p - a_q) ψ(a_p) + (r_q - r_p) a_p / r_p``."""
    t1 = q.concentration * ops.log(p.rate / q.rate)
    t2 = ops.lgamma(q.concentration) - ops.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * ops.digamma(p.concentration)
    return t1 + t2 + t3 + (q.rate - p.rate) * (p.concentration / p.rate)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    """An exponential is ``Gamma(1, rate)``: ``-a_q log r + r + lgamma(a_q) + γ a_q - (1 + γ)``, ``r = r_q / r_p``,
    ``γ`` Euler's constant."""
    ratio = q.rate / p.rate
    return (-q.concentration * ops.log(ratio) + ratio + ops.lgamma(q.concentration)
            + q.concentration * _EULER_GAMMA - (1 + _EULER_GAMMA))


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    """``-H(p) - log r_q + r_q E_p[X]``: the exponential's log-density is linear in x."""
    return -p.entropy() - ops.log(q.rate) + q.rate * p.concentration / p.rate


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    """``log B(a_q, b_q) - log B(a_p, b_p) + (a_p - a_q) ψ(a_p) + (b_p - b_q) ψ(b_p) + (s_q - s_p) ψ(s_p)``,
    ``s = a + b``."""
    s_p = p.concentration1 + p.concentration0
    s_q = q.concentration1 + q.concentration0
    t1 = ops.lgamma(q.concentration1) + ops.lgamma(q.concentration0) + ops.lgamma(s_p)
    t2 = ops.lgamma(p.concentration1) + ops.lgamma(p.concentration0) + ops.lgamma(s_q)
    t3 = (p.concentration1 - q.concentration1) * ops.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * ops.digamma(p.concentration0)
    return t1 - t2 + t3 + t4 + (s_q - s_p) * ops.digamma(s_p)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    """``lgamma(s_p) - lgamma(s_q) - Σ (lgamma(a_p) - lgamma(a_q)) + Σ (a_p - a_q)(ψ(a_p) - ψ(s_p))``."""
    s_p, s_q = ops.sum(p.concentration, -1), ops.sum(q.concentration, -1)
    t2 = ops.sum(ops.lgamma(p.concentration) - ops.lgamma(q.concentration), -1)
    t4 = ops.digamma(p.concentration) - ops.unsqueeze(ops.digamma(s_p), -1)
    return ops.lgamma(s_p) - ops.lgamma(s_q) - t2 + ops.sum((p.concentration - q.concentration) * t4, -1)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    """``r_p log(r_p / r_q) - (r_p - r_q)``."""
    return p.rate * (ops.log(p.rate) - ops.log(q.rate)) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    """``-H(p) - log(1 - q) E_p[trials] - logit(q)``, ``E_p[trials] = 1 / p``."""
    return -p.entropy() - ops.log1p(-q.probs) / p.probs - q.logits


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    """``n (p log(p / q) + (1 - p) log((1 - p) / (1 - q)))`` for equal counts: ``n`` times the Bernoulli
    divergence. ``inf`` where ``n_p > n_q`` (p reaches counts q cannot); ``n_p < n_q`` is not implemented."""
    if bool((p.total_count.data < q.total_count.data).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + ops.log1p(-p.probs) - ops.log1p(-q.probs))
    return _inf_where((p.total_count > q.total_count).data, kl)


# ----------------------------------------------------------------- transformed distributions, Cauchy, Gumbel, half
from .cauchy import Cauchy  # noqa: E402
from .gumbel import Gumbel  # noqa: E402
from .half import HalfNormal  # noqa: E402
from .transformed import TransformedDistribution  # noqa: E402


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    """The bases' divergence, when both push their base through equal transforms: a one-to-one map applied to
    both sides leaves KL unchanged. Other pairs are not implemented."""
    if p.transforms != q.transforms:
        raise NotImplementedError("KL between TransformedDistributions is only implemented for equal transforms")
    if p.event_shape != q.event_shape:
        raise NotImplementedError("KL between TransformedDistributions of different event shapes is not "
                                  "implemented")
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    """Folding both at 0 keeps the divergence of the underlying ``N(0, s_p^2)`` and ``N(0, s_q^2)``."""
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    """``log(((s_p + s_q)^2 + (mu_p - mu_q)^2) / (4 s_p s_q))`` (Chyzak & Nielsen 2019)."""
    d = p.loc - q.loc
    s = p.scale + q.scale
    return ops.log(s * s + d * d) - ops.log(4 * p.scale * q.scale)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    """With ``r = s_p / s_q``: ``-log r + (mu_p - mu_q) / s_q + r γ + exp((mu_q - mu_p) / s_q) Γ(1 + r) - 1 - γ``
    (``E_p[exp(-X / s_q)]`` is a Gamma function of ``r``)."""
    r = p.scale / q.scale
    shift = (p.loc - q.loc) / q.scale
    return -ops.log(r) + shift + r * _EULER_GAMMA + ops.exp(ops.lgamma(1 + r) - shift) - (1 + _EULER_GAMMA)


# ----------------------------------------------------------------- low-rank normals, Pareto
from .lowrank_multivariate_normal import (LowRankMultivariateNormal, lowrank_mahalanobis,  # noqa: E402
                                          solve_lower)
from .pareto import Pareto  # noqa: E402


def _same_events(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two (Low Rank) Multivariate Normals with different event shapes "
                         f"({p.event_shape} and {q.event_shape}) cannot be computed")


def _gaussian_kl(p, q, log_det_p, log_det_q, trace, mahalanobis):
    """``(log det S_q - log det S_p + tr(S_q^-1 S_p) + (mu_q - mu_p)^T S_q^-1 (mu_q - mu_p) - n) / 2``, broadcast
    to the two batch shapes: the divergence of any two normals, given its four terms."""
    out = 0.5 * (log_det_q - log_det_p + trace + mahalanobis - p.event_shape[0])
    shape = np.broadcast_shapes(p.batch_shape, q.batch_shape)
    return out if out.shape == shape else ops.broadcast_to(out, shape)


def _lowrank_mahalanobis_of(q, x):
    return lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, x, q._capacitance_tril)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    """With ``S_p = W_p W_p^T + diag(D_p)``: ``tr(S_q^-1 S_p) = tr(W_p^T S_q^-1 W_p) + tr(diag(D_p) S_q^-1)``,
    both by Woodbury through ``q``'s capacitance matrix; nothing ``n x n`` is formed."""
    _same_events(p, q)
    trace = q._inverse_quadratic(p._unbroadcasted_cov_factor) + q._inverse_trace_diag(p._unbroadcasted_cov_diag)
    return _gaussian_kl(p, q, p._log_det(), q._log_det(), trace, _lowrank_mahalanobis_of(q, q.loc - p.loc))


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p, q):
    """``tr(S_q^-1 S_p) = tr(L_p^T S_q^-1 L_p)``, by Woodbury through ``q``'s capacitance matrix."""
    _same_events(p, q)
    trace = q._inverse_quadratic(p._unbroadcasted_scale_tril)
    return _gaussian_kl(p, q, 2 * p._half_log_det(), q._log_det(), trace, _lowrank_mahalanobis_of(q, q.loc - p.loc))


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p, q):
    """``tr(S_q^-1 S_p) = |L_q^-1 W_p|_F^2 + |L_q^-1 diag(sqrt D_p)|_F^2`` (two triangular solves)."""
    _same_events(p, q)
    Lq = q._unbroadcasted_scale_tril
    a = solve_lower(Lq, p._unbroadcasted_cov_factor)
    b = solve_lower(Lq, ops.diag_embed(ops.sqrt(p._unbroadcasted_cov_diag)))
    trace = ops.sum(a * a, (-2, -1)) + ops.sum(b * b, (-2, -1))
    return _gaussian_kl(p, q, p._log_det(), 2 * q._half_log_det(), trace, batch_mahalanobis(Lq, q.loc - p.loc))


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    """``log(a_p / a_q) + a_q log(s_p / s_q) + a_q / a_p - 1`` (from ``E_p[log X] = log s_p + 1 / a_p``); ``inf``
    where ``s_p < s_q``: p puts mass below q's least value."""
    alpha_ratio = q.alpha / p.alpha
    kl = q.alpha * ops.log(p.scale / q.scale) - ops.log(alpha_ratio) + alpha_ratio - 1
    return _inf_where((p.scale < q.scale).data, kl)


# The continuous Bernoulli's pairs are in their own module, which registers them here on import.
from . import kl_continuous_bernoulli  # noqa: E402,F401
