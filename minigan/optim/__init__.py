"""Optimizers: :class:`SGD` (momentum, Nesterov, weight decay), :class:`Adam` (AMSGrad), :class:`AdamW`
(Adam with decoupled weight decay) and :class:`LBFGS` (strong-Wolfe line search), on a common :class:`Optimizer`
base whose parameter groups, ``zero_grad``, ``step`` and ``state_dict`` follow PyTorch's ``torch.optim``.
:mod:`minigan.optim.lr_scheduler` changes the learning rates as training goes on (``StepLR``, ``CosineAnnealingLR``,
``ReduceLROnPlateau``, ...), as ``torch.optim.lr_scheduler`` does."""
from . import lr_scheduler
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "LBFGS", "lr_scheduler"]
