"""Optimizers: :class:`SGD` (momentum, Nesterov, weight decay), :class:`Adam` (AMSGrad), :class:`AdamW`
(Adam with decoupled weight decay) and :class:`LBFGS` (strong-Wolfe line search), on a common :class:`Optimizer`
base whose parameter groups, ``zero_grad``, ``step`` and ``state_dict`` follow PyTorch's ``torch.optim``."""
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LBFGS"]
