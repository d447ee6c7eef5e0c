"""Layers and models, with PyTorch's names, argument orders, defaults and weight layouts."""
from . import functional, init, utils  # noqa: F401
from .module import Module, Parameter  # noqa: F401
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from .layers import (BatchNorm1d, BatchNorm2d, BatchNorm3d, Conv2d, ConvTranspose2d, GroupNorm,  # noqa: F401
                     InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LayerNorm, Linear)
from .activation import (ELU, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus,  # noqa: F401
                         Tanh)
from .activation import (CELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, PReLU,  # noqa: F401
                         ReLU6, SiLU, Softmin, Softsign, Tanhshrink, Threshold)
from .activation import Hardshrink, Softmax2d, Softshrink  # noqa: F401
from .pooling import (AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, Upsample, UpsamplingBilinear2d,  # noqa: F401
                      UpsamplingNearest2d)
from .pooling import AdaptiveMaxPool2d, MaxUnpool2d  # noqa: F401
from .fold import Fold, Unfold  # noqa: F401
from .layers1d import (AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, Conv1d, ConvTranspose1d,  # noqa: F401
                       MaxPool1d)
from .layers3d import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, Conv3d, ConvTranspose3d,  # noqa: F401
                       MaxPool3d)
from .reshape import Dropout, Dropout2d, Flatten, PixelShuffle, PixelUnshuffle, Unflatten  # noqa: F401
from .embedding import Embedding  # noqa: F401
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: F401
from .padding import (CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d,  # noqa: F401
                      ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, ZeroPad1d, ZeroPad2d)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss  # noqa: F401
from .loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss,  # noqa: F401
                   MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss,
                   SmoothL1Loss, SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from .layers import Bilinear, LocalResponseNorm  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,  # noqa: F401
                          TransformerEncoderLayer)
