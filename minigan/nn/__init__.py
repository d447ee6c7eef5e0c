"""Layers and models, with PyTorch's names, argument orders, defaults and weight layouts."""
from . import functional, init, utils  # noqa: F401
from .module import Buffer, Module, Parameter  # noqa: F401
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from .layers import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d,  # noqa: F401
                     InstanceNorm3d, LayerNorm, Linear)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: F401
from .activation import (ELU, GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus,  # noqa: F401
                         Tanh)
from .activation import (CELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSigmoid, Mish, PReLU,  # noqa: F401
                         ReLU6, SiLU, Softmin, Softsign, Tanhshrink, Threshold)
from .activation import Hardshrink, Softmax2d, Softshrink  # noqa: F401
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d,  # noqa: F401
                      AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d,
                      MaxPool3d, MaxUnpool2d, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d)
from .fold import Fold, Unfold  # noqa: F401
from .reshape import (Dropout, Dropout1d, Dropout2d, Dropout3d, Flatten, PixelShuffle, PixelUnshuffle,  # noqa: F401
                      Unflatten)
from .embedding import Embedding  # noqa: F401
from .recurrent import GRU, LSTM, RNN  # noqa: F401
from .recurrent_cells import GRUCell, LSTMCell, RNNCell  # noqa: F401
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,  # noqa: F401
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                      ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss  # noqa: F401
from .loss import (CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, HuberLoss, KLDivLoss,  # noqa: F401
                   MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss,
                   SmoothL1Loss, SoftMarginLoss, TripletMarginLoss, TripletMarginWithDistanceLoss)
from .distance import CosineSimilarity, PairwiseDistance  # noqa: F401
from .layers import Bilinear, LocalResponseNorm, RMSNorm  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,  # noqa: F401
                          TransformerEncoderLayer)
from .pooling import LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool3d  # noqa: F401
from .activation import RReLU  # noqa: F401
from .reshape import AlphaDropout, ChannelShuffle, FeatureAlphaDropout  # noqa: F401
from .embedding import EmbeddingBag  # noqa: F401
from .loss import CTCLoss  # noqa: F401
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d,  # noqa: F401
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d,
                   LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear, UninitializedBuffer, UninitializedParameter)
from .fractional_pooling import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: F401
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss  # noqa: F401
from .legacy import CrossMapLRN2d, NLLLoss2d  # noqa: F401
from .recurrent import _RNNBase as RNNBase  # noqa: F401
from .recurrent_cells import _CellBase as RNNCellBase  # noqa: F401
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions  # noqa: F401
