"""Optimizers: :class:`SGD` (momentum, Nesterov, weight decay), :class:`Adam` (AMSGrad), :class:`AdamW`
(Adam with decoupled weight decay), :class:`RMSprop` (momentum, centred), :class:`Adagrad`, :class:`Adadelta`,
:class:`Adamax`, :class:`NAdam`, :class:`RAdam`, :class:`Rprop` (the gradient's sign only), :class:`ASGD`
(averaged SGD) and :class:`LBFGS` (strong-Wolfe line search), on a common
:class:`Optimizer` base whose parameter groups, ``zero_grad``, ``step`` and ``state_dict`` follow PyTorch's
``torch.optim``.
Also :class:`Adafactor` (factored second moments, steps relative to the weights) and :class:`Muon` (momentum
orthogonalised by Newton-Schulz, for 2-D weights).
:mod:`minigan.optim.lr_scheduler` changes the learning rates as training goes on (``StepLR``, ``CosineAnnealingLR``,
``OneCycleLR``, ``ReduceLROnPlateau``, ...), as ``torch.optim.lr_scheduler`` does."""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .adafactor import Adafactor
from .muon import Muon
from . import swa_utils

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
           "Rprop", "ASGD", "LBFGS", "lr_scheduler",
           "Adafactor", "Muon",
           "swa_utils"]
