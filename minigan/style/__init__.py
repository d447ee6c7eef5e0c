"""Neural style transfer and texture synthesis (Gatys, Ecker & Bethge 2016), without pretrained weights.

* :mod:`.losses`: :func:`gram_matrix`, :func:`content_loss`, :func:`style_loss`, :func:`total_variation_loss`;
* :mod:`.features`: the networks whose activations the losses compare: :class:`RandomMultiscale` (the
  embedded default), :class:`RandomVGG`, and :class:`VGG19` with weights from a user-supplied ``.npz``;
* :mod:`.transfer`: :func:`style_transfer` and :func:`synthesize_texture`, the optimisation over pixels.

The command ``minigan style`` (:mod:`.cli`) runs it on the embedded images with no argument.
"""
from .features import (EXTRACTORS, FeatureExtractor, RandomMultiscale, RandomVGG, UnknownLayerError, VGG19,
                       WeightsError, load_vgg19_weights, make_extractor)
from .losses import GRAM_NORMALIZATIONS, content_loss, gram_matrix, style_loss, total_variation_loss
from .transfer import StyleObjective, TransferResult, style_transfer, synthesize_texture

__all__ = ["gram_matrix", "content_loss", "style_loss", "total_variation_loss", "GRAM_NORMALIZATIONS",
           "FeatureExtractor", "RandomMultiscale", "RandomVGG", "VGG19", "load_vgg19_weights", "make_extractor",
           "EXTRACTORS", "UnknownLayerError", "WeightsError", "StyleObjective", "TransferResult", "style_transfer",
           "synthesize_texture"]
