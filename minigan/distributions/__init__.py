"""Probability distributions, as ``torch.distributions``: sample them, score values with ``log_prob``, and
differentiate through both (VAEs, policy gradients, Bayesian layers).

>>> import minigan as mg
>>> from minigan.distributions import Normal, kl_divergence
>>> loc = mg.tensor([0.0, 1.0], requires_grad=True)
>>> q = Normal(loc, 2.0)
>>> z = q.rsample((5,))               # (5, 2): loc + 2 eps, differentiable in loc
>>> q.log_prob(z).shape
(5, 2)
>>> kl_divergence(q, Normal(0.0, 1.0)).sum().backward()

Every distribution has ``batch_shape`` and ``event_shape`` (``sample(s).shape == s + batch_shape +
event_shape``), ``sample`` (no graph), ``rsample`` where ``has_rsample`` (a reparameterised, differentiable
draw), ``log_prob``, ``entropy``, ``mean``, ``mode``, ``variance``, ``stddev``, ``cdf``/``icdf`` for the
continuous families of one variable, ``expand``, and ``arg_constraints``/``support`` (see
:mod:`.constraints`). Parameters are Tensors (gradients flow through ``log_prob``, ``entropy``, ``cdf``,
``rsample`` and ``kl_divergence`` back to them) or Python numbers, broadcast together as in PyTorch, on any
device. Every draw comes from minigan's seeded generator of the parameters' device, so ``mg.manual_seed`` makes
it repeatable. ``validate_args`` is on by default, as in PyTorch: a bad parameter or a value outside the support
is a ``ValueError`` naming the distribution and the argument. Nothing here is a new ``Function`` but the
gamma draw's and the gamma cdf's (``StandardGammaGrad`` and ``RegularizedGammaP``, in
:mod:`minigan.ops.incomplete_gamma`, first derivatives only in the concentration): every other formula is a
composition of minigan's differentiable ops (``log``, ``erf``, ``softplus``, ``gather``, ``cholesky``,
``solve_triangular``, ``lgamma``, ...), so its gradients, of any order, are theirs chained.

==================================  ==================================================================================
file                                what it holds
==================================  ==================================================================================
``distribution.py``                 the ``Distribution`` base: shapes, checks, ``expand``, ``sample`` from ``rsample``
``constraints.py``                  where parameters and samples may lie (``real``, ``positive``, ``simplex``, ...)
``utils.py``                        parameter broadcasting, probs <-> logits, the seeded noise every family draws
``normal.py``                       Normal, LogNormal
``uniform.py``                      Uniform
``exponential.py``                  Exponential
``laplace.py``                      Laplace
``bernoulli.py``                    Bernoulli (probs or logits)
``categorical.py``                  Categorical, OneHotCategorical (probs or logits)
``multivariate_normal.py``          MultivariateNormal (covariance, precision or scale_tril, through minigan.linalg)
``independent.py``                  Independent (batch dims read as event dims)
``relaxed.py``                      RelaxedBernoulli, RelaxedOneHotCategorical (Gumbel-softmax, with rsample)
``gamma.py``                        Gamma, Chi2, StudentT (lgamma, digamma; rsample by implicit reparameterisation);
                                    Gamma.cdf, the regularised incomplete gamma function
``beta.py``                         Beta, Dirichlet (normalised gamma draws)
``gamma_grad.py``                   the standard gamma draw's gradient in its concentration: ``-(dF/da) / (dF/dx)``
``counts.py``                       Poisson, Geometric, Binomial (sample only: a count has no rsample)
``multinomial.py``                  Multinomial (counts of n categorical draws; entropy over binomial margins)
``negative_binomial.py``            NegativeBinomial (successes before total_count failures: a gamma-Poisson mixture)
``transforms.py``                   the maps (Exp, Affine, Sigmoid, Tanh, Power, Abs, Softplus); change of variables;
                                    every transform's public name
``transforms_simplex.py``           Softmax, StickBreaking, LowerCholesky, PositiveDefinite, CorrCholesky transforms
``transforms_structure.py``         Independent, Reshape, Cat, Stack transforms (one transform per slice or event)
``transforms_cdf.py``               CumulativeDistributionTransform (a law's cdf as a map onto [0, 1])
``constraint_registry.py``          ``biject_to``, ``transform_to`` (a constraint -> a transform landing in it)
``transform_base.py``               the Transform base, its inverse (``t.inv``), ComposeTransform, identity_transform
``transformed.py``                  TransformedDistribution (a base distribution pushed through transforms)
``cauchy.py``                       Cauchy
``half.py``                         HalfNormal, HalfCauchy (``|X|`` through AbsTransform)
``gumbel.py``                       Gumbel (a transformed uniform)
``weibull.py``                      Weibull (a powered exponential)
``pareto.py``                       Pareto (an exponentiated exponential; support x >= scale)
``kumaraswamy.py``                  Kumaraswamy (a Beta-like law on [0, 1] with a closed-form cdf)
``mixture_same_family.py``          MixtureSameFamily (k components of one family: a Gaussian mixture)
``lowrank_multivariate_normal.py``  LowRankMultivariateNormal (W Wᵀ + diag(D): Woodbury, the capacitance matrix)
``logistic_normal.py``              LogisticNormal (a Normal vector through StickBreakingTransform)
``kl.py``                           kl_divergence and the register_kl registry of closed forms
``kl_continuous_bernoulli.py``      the continuous Bernoulli's KL pairs, registered there
``continuous_bernoulli.py``         ContinuousBernoulli (the normalised Bernoulli density on [0, 1], for VAEs)
``one_hot_straight_through.py``     OneHotCategoricalStraightThrough (one-hot draws, straight-through rsample)
``inverse_gamma.py``                InverseGamma (1 / Gamma, through PowerTransform(-1))
``fisher_snedecor.py``              FisherSnedecor (the F law: a ratio of two scaled gamma draws)
``generalized_pareto.py``           GeneralizedPareto (excesses over a threshold; support set by concentration)
``von_mises.py``                    VonMises (angles; Best-Fisher rejection sampler, sample only)
``exp_family.py``                   ExponentialFamily (natural parameters, log normaliser; entropy by autograd)
``wishart.py``                      Wishart (symmetric positive-definite matrices; Bartlett-decomposition rsample)
``lkj_cholesky.py``                 LKJCholesky (Cholesky factors of correlation matrices; onion-method sample)
==================================  ==================================================================================

LogNormal and the relaxed families are written out rather than built on ``TransformedDistribution``.
Not here: the constraints ``positive_semidefinite``, ``cat`` and ``stack`` as public names (the Cholesky and
Cat/Stack transforms keep private ones). ``kl_divergence`` knows the
pairs of equal families above that PyTorch knows (not StudentT, Multinomial, NegativeBinomial, the relaxed
ones, Kumaraswamy, Weibull or MixtureSameFamily; Binomials of equal ``total_count``; Chi2 as a Gamma;
TransformedDistributions with equal transforms, by their bases, so HalfCauchy and LogisticNormal too),
LowRankMultivariateNormal against MultivariateNormal both ways, Exponential-Gamma and Gamma-Exponential, and
``inf`` for a Normal or Laplace ``p`` against an Exponential or Uniform ``q``, and the continuous Bernoulli's
pairs (:mod:`minigan.distributions.kl_continuous_bernoulli`); the other mixed pairs PyTorch knows
(Exponential-Normal, Uniform-Normal, Normal-Pareto, ...) raise ``NotImplementedError``.
"""
from . import constraints, transforms  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta, Dirichlet
from .counts import Binomial, Geometric, Poisson
from .gamma import Chi2, Gamma, StudentT
from .categorical import Categorical, OneHotCategorical
from .constraint_registry import biject_to, transform_to
from .cauchy import Cauchy
from .distribution import Distribution
from .exponential import Exponential
from .gumbel import Gumbel
from .half import HalfCauchy, HalfNormal
from .independent import Independent
from .kumaraswamy import Kumaraswamy
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import LogNormal, Normal
from .pareto import Pareto
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .transformed import TransformedDistribution
from .transforms import (AbsTransform, AffineTransform, CatTransform, ComposeTransform, CorrCholeskyTransform,
                         CumulativeDistributionTransform, ExpTransform, IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, PowerTransform, ReshapeTransform, SigmoidTransform,
                         SoftmaxTransform, SoftplusTransform, StackTransform, StickBreakingTransform, TanhTransform,
                         Transform, identity_transform)
from .uniform import Uniform
from .weibull import Weibull
from .continuous_bernoulli import ContinuousBernoulli
from .fisher_snedecor import FisherSnedecor
from .generalized_pareto import GeneralizedPareto
from .inverse_gamma import InverseGamma
from .one_hot_straight_through import OneHotCategoricalStraightThrough
from .von_mises import VonMises
from .exp_family import ExponentialFamily
from .lkj_cholesky import LKJCholesky
from .wishart import Wishart

__all__ = ["Bernoulli", "Beta", "Binomial", "Chi2", "Dirichlet", "Gamma", "Geometric", "Poisson", "StudentT",
           "Categorical", "Cauchy", "Distribution", "Exponential", "Gumbel", "HalfCauchy", "HalfNormal",
           "Independent", "Laplace", "LogNormal", "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal",
           "OneHotCategorical", "RelaxedBernoulli", "RelaxedOneHotCategorical", "TransformedDistribution",
           "Uniform", "constraints", "kl_divergence", "register_kl", "transforms",
           "LogisticNormal", "biject_to", "transform_to", "Kumaraswamy", "LowRankMultivariateNormal",
           "MixtureSameFamily", "Pareto", "Weibull",
           "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
           "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform", "LowerCholeskyTransform",
           "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
           "SoftplusTransform", "StackTransform", "StickBreakingTransform", "TanhTransform", "Transform",
           "identity_transform",
           "ContinuousBernoulli", "FisherSnedecor", "GeneralizedPareto", "InverseGamma",
           "OneHotCategoricalStraightThrough", "VonMises",
           "ExponentialFamily", "LKJCholesky", "Wishart"]
