"""``mg.autograd.Variable``: the old name, behaving as PyTorch's does now (a detached alias that requires a
gradient as asked; every Tensor is an instance)."""
import numpy as np
import pytest

import minigan as mg
from minigan.autograd import Variable


def test_a_variable_is_a_detached_alias_that_requires_grad_as_asked(torch):
    from torch.autograd import Variable as TVariable
    base = np.arange(3.0)
    for lib, var in ((mg, Variable), (torch, TVariable)):
        t = lib.tensor(base.copy())
        v = var(t, requires_grad=True)
        assert v is not t and v.requires_grad and not t.requires_grad
        v.data[0] = 7.0                                           # the same memory
        assert float(t[0]) == 7.0
        w = var(lib.tensor(base.copy(), requires_grad=True) * 2)
        assert w.grad_fn is None and not w.requires_grad
        (v * v).sum().backward()
        np.testing.assert_array_equal(np.asarray(v.grad.tolist()), [14.0, 2.0, 4.0])


def test_every_tensor_and_parameter_is_a_variable():
    assert isinstance(mg.ones(1), Variable) and isinstance(mg.nn.Parameter(mg.ones(1)), Variable)
    assert not isinstance(np.ones(1), Variable) and not isinstance(1.0, Variable)


def test_errors_and_the_volatile_warning(torch):
    from torch.autograd import Variable as TVariable
    for var in (Variable, TVariable):
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            var([1.0, 2.0])
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        v = Variable(mg.ones(2), volatile=True)
    assert not v.requires_grad
