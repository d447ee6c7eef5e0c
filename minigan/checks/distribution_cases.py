"""The gradcheck registry's entries for ``minigan.distributions``: log_prob, entropy, cdf and kl of each family,
rsample (reseeded before every evaluation), and the transforms' maps, inverses and Jacobians."""
from __future__ import annotations

import numpy as np

from ..autograd import Tensor
from .registry import _between, _case, _seeded, _t

# --------------------------------------------------------------------------- distributions
@_case("Normal: log_prob + entropy + rsample (seeded)")
def _normal_case(rs):
    from .. import distributions as D
    def fn(loc, scale, x):
        d = D.Normal(loc, scale)
        return d.log_prob(x) + d.entropy() + _seeded(lambda: d.rsample((2,)))()
    return fn, [_t(rs, 3), _t(rs, 3, positive=True), _t(rs, 2, 3)]


@_case("MultivariateNormal (scale_tril): log_prob, kl")
def _mvn_case(rs):
    from .. import distributions as D
    from ..ops import tril
    def fn(loc, l1, l2, x):
        p = D.MultivariateNormal(loc, scale_tril=0.3 * tril(l1) + 3 * Tensor(np.eye(3)))      # a positive diagonal
        q = D.MultivariateNormal(loc * 0.5, scale_tril=0.3 * tril(l2) + 2 * Tensor(np.eye(3)))
        return p.log_prob(x) + D.kl_divergence(p, q)
    return fn, [_t(rs, 3), _t(rs, 3, 3), _t(rs, 3, 3), _t(rs, 2, 3)]


@_case("Categorical (logits): log_prob, entropy, kl")
def _categorical_case(rs):
    from .. import distributions as D
    def fn(a, b):
        p, q = D.Categorical(logits=a), D.Categorical(logits=b)
        return p.log_prob(Tensor(np.array([0, 3]))) + p.entropy() + D.kl_divergence(p, q)
    return fn, [_t(rs, 2, 4), _t(rs, 2, 4)]


@_case("Gamma: log_prob, entropy, kl")
def _gamma_case(rs):
    # (rsample's gradient is implicit: a rejection sampler's draw is no smooth function of the concentration,
    # so finite differences of it prove nothing; tests/distributions holds it to the CDF's derivatives)
    from .. import distributions as D
    def fn(a, b, x):
        d = D.Gamma(a, b)
        return d.log_prob(x) + d.entropy() + D.kl_divergence(d, D.Gamma(b, a))
    return fn, [_t(rs, 3, positive=True), _t(rs, 3, positive=True), _t(rs, 2, 3, positive=True)]


@_case("Multinomial, NegativeBinomial: log_prob; Gamma.cdf")
def _multinomial_negative_binomial_case(rs):
    # (the counts are constants: a count moved by eps leaves the support)
    from .. import distributions as D
    counts = Tensor(np.array([[2.0, 0.0, 3.0, 1.0], [0.0, 4.0, 1.0, 1.0]]))
    def fn(logits, probs, total_count, nb_logits, a, rate, x):
        return (D.Multinomial(6, logits=logits).log_prob(counts).sum()
                + D.Multinomial(6, probs).log_prob(counts).sum()
                + D.NegativeBinomial(total_count, logits=nb_logits).log_prob(counts[:, :3]).sum()
                + D.Gamma(a, rate).cdf(x))
    return fn, [_t(rs, 2, 4), _between(rs, 0.1, 0.9, 4), _t(rs, 3, positive=True), _t(rs, 3),
                _t(rs, 3, positive=True), _t(rs, 3, positive=True), _t(rs, 2, 3, positive=True)]


@_case("StickBreaking, LowerCholesky, CorrCholesky transforms; LogisticNormal")
def _simplex_cholesky_transforms_case(rs):
    from .. import distributions as D
    T = D.transforms
    value = Tensor(np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.4, 0.1]]))       # on the simplex: a constant
    def fn(v, m, c, loc, scale):
        sb, lc, cc = T.StickBreakingTransform(), T.LowerCholeskyTransform(), T.CorrCholeskyTransform()
        y, low, r = sb(v), lc(m), cc(c)
        return ((y ** 3).sum() + sb.log_abs_det_jacobian(v, y).sum() + (sb.inv(y) ** 2).sum()
                + (low ** 3).sum() + (lc.inv(low) ** 2).sum() + (r ** 3).sum()
                + cc.log_abs_det_jacobian(c, r).sum() + (cc.inv(r) ** 2).sum()
                + D.LogisticNormal(loc, scale).log_prob(value).sum())
    return fn, [_t(rs, 2, 3), _t(rs, 2, 3, 3), _t(rs, 2, 3), _t(rs, 3), _t(rs, 3, positive=True)]


@_case("Beta and Dirichlet: log_prob, kl")
def _beta_case(rs):
    from .. import distributions as D
    def fn(a, b, c, x):
        return (D.Beta(a, b).log_prob(x) + D.kl_divergence(D.Beta(a, b), D.Beta(b, a))
                + D.kl_divergence(D.Dirichlet(c), D.Dirichlet(c * 2)).sum())
    return fn, [_t(rs, 3, positive=True), _t(rs, 3, positive=True), _t(rs, 2, 4, positive=True),
                _between(rs, 0.1, 0.9, 2, 3)]


@_case("TransformedDistribution, Cauchy, Gumbel, HalfNormal: log_prob, cdf")
def _transformed_case(rs):
    from .. import distributions as D
    def fn(loc, scale, x, y, h):
        td = D.TransformedDistribution(D.Normal(loc, scale), [D.AffineTransform(0.5, scale), D.TanhTransform()])
        out = td.log_prob(y) + td.cdf(y) + D.HalfNormal(scale).log_prob(h) + D.HalfNormal(scale).cdf(h)
        for family in (D.Cauchy, D.Gumbel):
            d = family(loc, scale)
            out = out + d.log_prob(x) + d.cdf(x)
        return out
    return fn, [_t(rs, 3), _t(rs, 3, positive=True), _t(rs, 2, 3), _between(rs, -0.8, 0.8, 2, 3),
                _t(rs, 2, 3, positive=True)]


@_case("MixtureSameFamily, LowRankMultivariateNormal, Weibull, Pareto, Kumaraswamy")
def _mixture_lowrank_power_case(rs):
    from .. import distributions as D
    def fn(logits, loc, scale, x, W, d, v, a, b, w, u):
        gmm = D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(loc, scale))
        lr = D.LowRankMultivariateNormal(loc, W, d)
        out = (gmm.log_prob(x) + gmm.cdf(x) + gmm.variance).sum() + lr.log_prob(v).sum()
        out = out + D.kl_divergence(lr, D.LowRankMultivariateNormal(loc * 0.5, W * W, d + 1)) + lr.entropy()
        out = out + D.Weibull(a, b).log_prob(w) + D.Pareto(a, b).log_prob(a + w) + D.Kumaraswamy(a, b).log_prob(u)
        return out + D.Weibull(a, b).cdf(w) + D.Kumaraswamy(a, b).icdf(u) + D.Pareto(a, b + 2).variance
    return fn, [_t(rs, 3), _t(rs, 3), _t(rs, 3, positive=True), _t(rs, 2), _t(rs, 3, 2),
                _t(rs, 3, positive=True), _t(rs, 2, 3), _t(rs, 3, positive=True), _t(rs, 3, positive=True),
                _t(rs, 2, 3, positive=True), _between(rs, 0.1, 0.9, 2, 3)]


@_case("ContinuousBernoulli: log_prob, cdf, icdf, entropy, mean, variance, kl, rsample (seeded)")
def _continuous_bernoulli_case(rs):
    from .. import distributions as D
    def fn(probs, logits, x, u):
        p, q = D.ContinuousBernoulli(probs), D.ContinuousBernoulli(logits=logits)
        out = p.log_prob(x) + p.cdf(x) + p.icdf(u) + q.log_prob(x) + q.cdf(x) + q.icdf(u)
        out = out + p.entropy() + p.mean + p.variance + D.kl_divergence(p, q) + D.kl_divergence(q, p)
        return out + _seeded(lambda: p.rsample((2,)) + q.rsample((2,)))()
    return fn, [_between(rs, 0.05, 0.45, 3), _t(rs, 3), _between(rs, 0.05, 0.95, 2, 3), _between(rs, 0.1, 0.9, 2, 3)]


@_case("InverseGamma, FisherSnedecor, GeneralizedPareto, VonMises")
def _more_families_case(rs):
    # (the gamma-based rsample gradients are implicit, tested in tests/distributions, as Gamma's; the
    # straight-through rsample of OneHotCategoricalStraightThrough is by design not the derivative of its draw)
    from .. import distributions as D
    def fn(a, b, x, loc, scale, xi, y, u):
        ig, f = D.InverseGamma(a, b), D.FisherSnedecor(a, b)
        gp = D.GeneralizedPareto(loc, scale, xi)
        out = ig.log_prob(x) + ig.cdf(x) + ig.entropy() + ig.mode + f.log_prob(x)
        out = out + gp.log_prob(loc + y) + gp.cdf(loc + y) + gp.icdf(u) + gp.entropy()
        out = out + _seeded(lambda: gp.rsample((2,)))() + D.VonMises(loc, b).log_prob(x) + D.VonMises(loc, b).variance
        return out
    return fn, [_t(rs, 3, positive=True), _t(rs, 3, positive=True), _t(rs, 2, 3, positive=True), _t(rs, 3),
                _t(rs, 3, positive=True), _between(rs, -0.4, 0.6, 3), _between(rs, 0.05, 0.5, 2, 3),
                _between(rs, 0.1, 0.9, 2, 3)]


@_case("Wishart (scale_tril): log_prob, entropy, rsample (seeded); LKJCholesky: log_prob")
def _matrix_families_case(rs):
    # (rsample's gradient in df goes through the chi-squared draws' implicit one, as Gamma's: df is a constant
    # there; the LKJ value is a constant, as any move of it leaves the correlation-Cholesky support)
    from .. import distributions as D
    from ..ops import tril
    x = Tensor(np.array([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.8]]))       # positive-definite
    corr = Tensor(np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [-0.48, 0.36, 0.8]]))    # rows of unit length
    def fn(df, l, eta):
        L = 0.3 * tril(l) + 2 * Tensor(np.eye(3))                                       # a positive diagonal
        w = D.Wishart(df, scale_tril=L)
        draw = _seeded(lambda: D.Wishart(Tensor(np.array([4.0, 5.5])), scale_tril=L).rsample((2,)))()
        return w.log_prob(x) + w.entropy() + draw.sum((-2, -1)) + D.LKJCholesky(3, eta).log_prob(corr)
    return fn, [_between(rs, 3.5, 6.0, 2), _t(rs, 3, 3), _t(rs, 2, positive=True)]
