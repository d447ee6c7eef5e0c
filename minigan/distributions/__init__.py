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
gamma draw's (:mod:`.gamma_grad`, first derivatives only): every other formula is a composition of minigan's
differentiable ops (``log``, ``erf``, ``softplus``, ``gather``, ``cholesky``, ``solve_triangular``, ``lgamma``,
...), so its gradients, of any order, are theirs chained.

==========================  ==================================================================================
file                        what it holds
==========================  ==================================================================================
``distribution.py``         the ``Distribution`` base: shapes, checks, ``expand``, ``sample`` from ``rsample``
``constraints.py``          where parameters and samples may lie (``real``, ``positive``, ``simplex``, ...)
``utils.py``                parameter broadcasting, probs <-> logits, the seeded noise every family draws
``normal.py``               Normal, LogNormal
``uniform.py``              Uniform
``exponential.py``          Exponential
``laplace.py``              Laplace
``bernoulli.py``            Bernoulli (probs or logits)
``categorical.py``          Categorical, OneHotCategorical (probs or logits)
``multivariate_normal.py``  MultivariateNormal (covariance, precision or scale_tril, through minigan.linalg)
``independent.py``          Independent (batch dims read as event dims)
``relaxed.py``              RelaxedBernoulli, RelaxedOneHotCategorical (Gumbel-softmax, with rsample)
``gamma.py``                Gamma, Chi2, StudentT (lgamma, digamma; rsample by implicit reparameterisation)
``beta.py``                 Beta, Dirichlet (normalised gamma draws)
``gamma_grad.py``           the standard gamma draw's gradient in its concentration: ``-(dF/da) / (dF/dx)``
``counts.py``               Poisson, Geometric, Binomial (sample only: a count has no rsample)
``kl.py``                   kl_divergence and the register_kl registry of closed forms
==========================  ==================================================================================

Not here: ``Gamma.cdf`` and the rest of the Gamma family's relatives (NegativeBinomial, Multinomial, ...); the
``TransformedDistribution`` machinery and its transforms (LogNormal and the relaxed families are written out
instead); Cauchy, Gumbel, HalfNormal, MixtureSameFamily, LowRankMultivariateNormal and the others
less often met while learning. ``kl_divergence`` knows the pairs of equal families above (Binomials of equal
``total_count``; Chi2 as a Gamma), Exponential-Gamma and Gamma-Exponential, and ``inf`` for a
Normal or Laplace ``p`` against an Exponential or Uniform ``q``; the other mixed pairs PyTorch knows
(Exponential-Normal, Uniform-Normal, ...) raise ``NotImplementedError``.
"""
from . import constraints  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta, Dirichlet
from .counts import Binomial, Geometric, Poisson
from .gamma import Chi2, Gamma, StudentT
from .categorical import Categorical, OneHotCategorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import LogNormal, Normal
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Chi2", "Dirichlet", "Gamma", "Geometric", "Poisson", "StudentT",
           "Categorical", "Distribution", "Exponential", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "Normal", "OneHotCategorical", "RelaxedBernoulli", "RelaxedOneHotCategorical",
           "Uniform", "constraints", "kl_divergence", "register_kl"]
