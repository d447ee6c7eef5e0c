"""The shape of every family (batch_shape, event_shape, sample((3, 2)).shape) and expand, against
torch.distributions; argument validation (on by default: ValueError naming the distribution and the argument,
in PyTorch's words), switching it off, the constraints' checks and names, and the errors of the constructors."""
import numpy as np
import pytest

import minigan as mg
import minigan.distributions as D
from minigan.distributions import constraints

from helpers import randn, tensors

COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])
# name: a function of the library making one instance of batch shape (2, 3) (or (2,) for vector families)
FAMILIES = {
    "Normal": lambda lib, t: lib.Normal(t(randn(2, 1)), t(np.full(3, 2.0))),
    "LogNormal": lambda lib, t: lib.LogNormal(t(randn(2, 3)), 0.5),
    "Laplace": lambda lib, t: lib.Laplace(0.0, t(np.full((2, 3), 1.5))),
    "Exponential": lambda lib, t: lib.Exponential(t(np.full((2, 3), 0.5))),
    "Uniform": lambda lib, t: lib.Uniform(t(np.zeros((2, 1))), t(np.ones(3))),
    "Bernoulli": lambda lib, t: lib.Bernoulli(logits=t(randn(2, 3))),
    "Categorical": lambda lib, t: lib.Categorical(t(np.full((2, 3, 4), 0.25))),
    "OneHotCategorical": lambda lib, t: lib.OneHotCategorical(logits=t(randn(2, 4))),
    "MultivariateNormal": lambda lib, t: lib.MultivariateNormal(t(randn(2, 3)), t(COV)),
    "Independent": lambda lib, t: lib.Independent(lib.Normal(t(randn(2, 3, 4)), 1.0), 1),
    "RelaxedBernoulli": lambda lib, t: lib.RelaxedBernoulli(t(np.array(0.5)), probs=t(np.full((2, 3), 0.3))),
    "RelaxedOneHotCategorical": lambda lib, t: lib.RelaxedOneHotCategorical(t(np.array(0.5)),
                                                                            probs=t(np.full((2, 4), 0.25))),
    "Cauchy": lambda lib, t: lib.Cauchy(t(randn(2, 1)), t(np.full(3, 2.0))),
    "Gumbel": lambda lib, t: lib.Gumbel(t(randn(2, 3)), 0.5),
    "HalfNormal": lambda lib, t: lib.HalfNormal(t(np.full((2, 3), 1.5))),
    "HalfCauchy": lambda lib, t: lib.HalfCauchy(t(np.full((2, 3), 0.7))),
    "Multinomial": lambda lib, t: lib.Multinomial(5, probs=t(np.full((2, 4), 0.25))),
    "NegativeBinomial": lambda lib, t: lib.NegativeBinomial(t(np.full((2, 3), 3.0)), logits=t(randn(2, 3))),
    "LogisticNormal": lambda lib, t: lib.LogisticNormal(t(randn(2, 3)), 0.5),
    "Weibull": lambda lib, t: lib.Weibull(t(np.full((2, 3), 1.5)), t(np.full(3, 2.0))),
    "Pareto": lambda lib, t: lib.Pareto(t(np.full((2, 3), 1.0)), 3.0),
    "Kumaraswamy": lambda lib, t: lib.Kumaraswamy(t(np.full((2, 3), 2.0)), 3.0),
    "MixtureSameFamily": lambda lib, t: lib.MixtureSameFamily(lib.Categorical(t(np.full((2, 4), 0.25))),
                                                              lib.Normal(t(randn(2, 4)), t(np.full((2, 4), 1.0)))),
    "LowRankMultivariateNormal": lambda lib, t: lib.LowRankMultivariateNormal(t(randn(2, 3)), t(randn(2, 3, 2)),
                                                                              t(np.full(3, 0.5))),
}


def _pair(torch, name):
    return FAMILIES[name](D, mg.tensor), FAMILIES[name](torch.distributions, torch.tensor)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_shapes_and_flags_match_torch(torch, name):
    ours, theirs = _pair(torch, name)
    assert ours.batch_shape == tuple(theirs.batch_shape) and ours.event_shape == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample and ours.has_enumerate_support == theirs.has_enumerate_support
    assert ours.sample((3, 2)).shape == tuple(theirs.sample((3, 2)).shape)
    assert ours.sample().shape == tuple(theirs.sample().shape)
    assert ours.sample((3, 2)).dtype == np.dtype(str(theirs.sample().dtype).replace("torch.", ""))
    x = theirs.sample((3, 2))
    assert ours.log_prob(mg.tensor(x.numpy())).shape == tuple(theirs.log_prob(x).shape)
    if name in ("NegativeBinomial", "LogisticNormal", "MixtureSameFamily"):     # no entropy in either library
        for d in (ours, theirs):
            with pytest.raises(NotImplementedError):
                d.entropy()
    elif name not in ("RelaxedBernoulli", "RelaxedOneHotCategorical"):
        assert ours.entropy().shape == tuple(theirs.entropy().shape)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_expand_matches_torch(torch, name):
    ours, theirs = _pair(torch, name)
    new_batch = (5,) + ours.batch_shape
    e, te = ours.expand(new_batch), theirs.expand(new_batch)
    assert type(e) is type(ours) and e.batch_shape == tuple(te.batch_shape) == new_batch
    assert e.event_shape == ours.event_shape and e._validate_args == ours._validate_args
    assert e.sample((2,)).shape == tuple(te.sample((2,)).shape)
    x = te.sample()
    np.testing.assert_allclose(e.log_prob(mg.tensor(x.numpy())).numpy(), te.log_prob(x).numpy(), rtol=1e-5,
                               atol=1e-5)
    assert ours.batch_shape == tuple(theirs.batch_shape)                       # the original is unchanged


def test_expand_keeps_gradients_flowing_and_rejects_a_shape_that_does_not_broadcast(device):
    loc, scale = tensors(device, np.array([0.5, -1.0]), np.array([1.0, 2.0]))
    d = D.Normal(loc, scale).expand((3, 2))
    d.log_prob(mg.zeros(3, 2, dtype=mg.float64, device=device)).sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), 3 * (0 - loc.numpy()) / scale.numpy() ** 2)
    with pytest.raises(ValueError, match="expand: cannot expand shape"):
        D.Normal(mg.zeros(2), 1.0).expand((3, 3))
    with pytest.raises(TypeError, match="batch_shape must be a tuple of ints"):
        D.Normal(mg.zeros(2), 1.0).expand(2)


def test_sample_shape_must_be_a_tuple():
    with pytest.raises(TypeError, match=r"sample_shape must be a tuple of ints, such as \(5,\)"):
        D.Normal(0.0, 1.0).sample(5)
    assert D.Normal(0.0, 1.0).sample([2, 3]).shape == (2, 3)


# ----------------------------------------------------------------- validation
def test_bad_parameters_raise_naming_distribution_argument_and_constraint():
    cases = [
        (lambda: D.Normal(0.0, -1.0), r"parameter scale \(Tensor of shape \(\)\) of distribution Normal\(loc: 0.0, "
                                      r"scale: -1.0\) to satisfy the constraint GreaterThan\(lower_bound=0.0\)"),
        (lambda: D.Normal(mg.zeros(2), mg.tensor([1.0, -1.0])), r"Normal\(loc: \(2,\), scale: \(2,\)\)"),
        (lambda: D.LogNormal(0.0, 0.0), r"parameter scale .* LogNormal"),
        (lambda: D.Laplace(float("nan"), 1.0), r"parameter loc .* Laplace.* Real\(\)"),
        (lambda: D.Exponential(mg.tensor([1.0, 0.0])), r"parameter rate .* Exponential"),
        (lambda: D.Uniform(1.0, 0.0),
         r"parameter low .* Uniform\(low: 1.0, high: 0.0\) .* LessThan\(upper_bound=0.0\)"),
        (lambda: D.Bernoulli(1.5), r"parameter probs .* Bernoulli.* Interval\(lower_bound=0.0, upper_bound=1.0\)"),
        (lambda: D.Categorical(mg.tensor([-1.0, 2.0])), r"parameter probs .* Categorical.* Simplex\(\)"),
        (lambda: D.OneHotCategorical(mg.tensor([-1.0, 2.0])), r"parameter probs .* OneHotCategorical"),
        (lambda: D.Categorical(logits=mg.tensor([float("nan"), 0.0])), r"parameter logits .* Categorical"),
        (lambda: D.MultivariateNormal(mg.zeros(2), mg.tensor([[1.0, 2.0], [2.0, 1.0]])),
         r"parameter covariance_matrix .* PositiveDefinite\(\)"),
        (lambda: D.MultivariateNormal(mg.zeros(2), mg.tensor([[1.0, 0.5], [0.0, 1.0]])), r"PositiveDefinite"),
        (lambda: D.MultivariateNormal(mg.zeros(2), precision_matrix=-mg.eye(2)), r"parameter precision_matrix"),
        (lambda: D.MultivariateNormal(mg.zeros(2), scale_tril=mg.tensor([[1.0, 0.0], [2.0, -1.0]])),
         r"parameter scale_tril .* LowerCholesky\(\)"),
        (lambda: D.MultivariateNormal(mg.zeros(2), scale_tril=mg.tensor([[1.0, 0.3], [0.0, 1.0]])), "LowerCholesky"),
    ]
    for make, pattern in cases:
        with pytest.raises(ValueError, match=pattern) as info:
            make()
        assert str(info.value).startswith("Expected parameter ")


def test_values_outside_the_support_raise_naming_the_distribution():
    cases = [
        (D.Exponential(1.0), mg.tensor(-1.0), r"\(GreaterThanEq\(lower_bound=0.0\)\) of the distribution "
                                              r"Exponential\(rate: 1.0\)"),
        (D.LogNormal(0.0, 1.0), mg.tensor([1.0, 0.0]), r"GreaterThan\(lower_bound=0.0\)\) of the distribution LogN"),
        (D.Normal(0.0, 1.0), mg.tensor([float("nan")]), r"Real\(\)"),
        (D.Uniform(mg.zeros(2), mg.ones(2)), mg.tensor(2.0), r"Interval\(lower_bound=tensor\(\[0., 0.\]\)"),
        (D.Bernoulli(0.3), mg.tensor(0.5), r"Boolean\(\)"),
        (D.Categorical(mg.ones(2)), mg.tensor(2), r"IntegerInterval\(lower_bound=0, upper_bound=1\)"),
        (D.Categorical(mg.ones(2)), mg.tensor(0.5), r"IntegerInterval"),
        (D.OneHotCategorical(mg.ones(2)), mg.tensor([1.0, 1.0]), r"OneHot\(\)\) of the distribution OneHotCategorical"),
    ]
    for d, value, pattern in cases:
        with pytest.raises(ValueError, match=r"Expected value argument \(Tensor of shape .*\) to be within the "
                                             r"support .*" + pattern):
            d.log_prob(value)
    with pytest.raises(ValueError, match="support"):
        D.Exponential(1.0).cdf(mg.tensor(-1.0))


def test_value_shapes_and_types_are_checked():
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(1.0)
    with pytest.raises(ValueError, match=r"Value is not broadcastable with batch_shape\+event_shape: \(2,\) vs \(3,\)"):
        D.Normal(mg.zeros(3), 1.0).log_prob(mg.zeros(2))
    with pytest.raises(ValueError, match=r"The right-most size of value must match event_shape: \(3,\) vs \(2,\)"):
        D.MultivariateNormal(mg.zeros(2), mg.eye(2)).log_prob(mg.zeros(3))


def test_validate_args_false_and_the_default_switch():
    assert np.isnan(D.Normal(0.0, -1.0, validate_args=False).scale.log().item())
    assert D.Exponential(1.0, validate_args=False).log_prob(mg.tensor(-1.0)).item() == 1.0
    assert D.Normal(0.0, 1.0, validate_args=False).expand((2,))._validate_args is False
    try:
        D.Distribution.set_default_validate_args(False)
        D.Normal(0.0, -1.0)
        D.Bernoulli(2.0)
        with pytest.raises(ValueError, match="Expected parameter scale"):
            D.Normal(0.0, -1.0, validate_args=True)
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="expected True or False"):
        D.Distribution.set_default_validate_args("yes")


def test_constructor_errors():
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        D.Bernoulli()
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        D.Categorical(mg.ones(2), mg.ones(2))
    with pytest.raises(ValueError, match="`probs` parameter must be at least one-dimensional."):
        D.Categorical(mg.tensor(1.0))
    with pytest.raises(ValueError, match="`logits` parameter must be at least one-dimensional."):
        D.OneHotCategorical(logits=mg.tensor(1.0))
    with pytest.raises(ValueError, match="Normal: expected scale to be a Tensor or a number, got list"):
        D.Normal(0.0, [1.0])
    with pytest.raises(ValueError, match=r"Normal: the parameters do not broadcast to one shape \(loc \(2,\), "
                                         r"scale \(3,\)\)"):
        D.Normal(mg.zeros(2), mg.ones(3))
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
        D.MultivariateNormal(mg.zeros(2))
    with pytest.raises(ValueError, match="loc must be at least one-dimensional."):
        D.MultivariateNormal(mg.tensor(0.0), mg.eye(2))
    with pytest.raises(ValueError, match="scale_tril matrix must be at least two-dimensional"):
        D.MultivariateNormal(mg.zeros(2), scale_tril=mg.ones(2))
    with pytest.raises(ValueError, match=r"covariance_matrix must be a batch of square \(2, 2\) matrices to match "
                                         r"loc of shape \(2,\), got shape \(3, 3\)"):
        D.MultivariateNormal(mg.zeros(2), mg.eye(3))
    with pytest.raises(ValueError, match=r"Expected reinterpreted_batch_ndims <= len\(base_distribution.batch_shape\), "
                                         "actual 2 vs 1"):
        D.Independent(D.Normal(mg.zeros(2), 1.0), 2)
    with pytest.raises(NotImplementedError, match="Bernoulli has no reparameterised sampler"):
        D.Bernoulli(0.3).rsample()


# ----------------------------------------------------------------- constraints and printing
def test_constraints_check_and_print_as_torch(torch):
    tc = torch.distributions.constraints
    values = np.array([[-1.0, 0.0, 0.5, 1.0], [np.inf, np.nan, 2.0, 0.25]])
    pairs = [(constraints.real, tc.real), (constraints.positive, tc.positive),
             (constraints.nonnegative, tc.nonnegative),
             (constraints.unit_interval, tc.unit_interval), (constraints.boolean, tc.boolean),
             (constraints.interval(0.0, 0.5), tc.interval(0.0, 0.5)),
             (constraints.half_open_interval(0.0, 1.0), tc.half_open_interval(0.0, 1.0)),
             (constraints.greater_than(0.25), tc.greater_than(0.25)), (constraints.less_than(0.5), tc.less_than(0.5)),
             (constraints.integer_interval(0, 1), tc.integer_interval(0, 1)), (constraints.simplex, tc.simplex),
             (constraints.one_hot, tc.one_hot), (constraints.real_vector, tc.real_vector)]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours.check(mg.tensor(values)).numpy(), theirs.check(torch.tensor(values)).numpy(),
                                      err_msg=repr(ours))
    m = np.stack([COV, -COV, np.linalg.cholesky(COV), np.linalg.cholesky(COV).T])
    for ours, theirs in [(constraints.positive_definite, tc.positive_definite),
                         (constraints.lower_cholesky, tc.lower_cholesky)]:
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours.check(mg.tensor(m)).numpy(), theirs.check(torch.tensor(m)).numpy())


def test_repr_shows_numbers_or_shapes():
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Categorical(logits=mg.zeros(2, 3))) == "Categorical(logits: (2, 3))"
    assert repr(D.MultivariateNormal(mg.zeros(2), mg.eye(2))) == \
        "MultivariateNormal(loc: (2,), covariance_matrix: (2, 2))"
    assert repr(D.OneHotCategorical(mg.ones(3))) == "OneHotCategorical(probs: (3,))"


def test_perplexity_stddev_and_integer_parameters():
    d = D.Exponential(mg.tensor([2, 4]))                   # integer tensors become float32, as a float would
    assert d.rate.dtype == np.float32
    np.testing.assert_allclose(d.perplexity().numpy(), np.exp(1 - np.log([2.0, 4.0])), rtol=1e-6)
    np.testing.assert_allclose(D.Laplace(0.0, 2.0).stddev.item(), np.sqrt(8.0), rtol=1e-6)


def test_every_exported_name_is_there_and_torch_has_it_too(torch):
    import minigan.distributions as D
    from minigan.distributions import multinomial, negative_binomial, transformed, transforms
    for name in D.__all__:
        assert getattr(D, name) is not None, name
        assert hasattr(torch.distributions, name), f"torch.distributions has no {name}"
    assert D.Multinomial is multinomial.Multinomial and D.NegativeBinomial is negative_binomial.NegativeBinomial
    assert D.TransformedDistribution is transformed.TransformedDistribution and D.transforms is transforms
    assert D.transforms.ExpTransform is D.ExpTransform
