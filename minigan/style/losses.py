"""The losses of neural style transfer (Gatys, Ecker & Bethge 2016), written with minigan's ops.

For a feature map ``F`` of one layer, ``(N, C, H, W)``, reshaped to ``(N, C, M)`` with ``M = H W``
positions:

- **content**: how far the features of the image are from those of the content photo,
  ``L_content = mean((F - P)^2)`` (PyTorch's tutorial) or ``1/2 sum((F - P)^2)`` (Gatys eq. 1);
- **style**: how far the Gram matrices ``G = F Fᵀ`` (channel co-activations summed over positions,
  so *where* something happens is forgotten and only *what* co-occurs is kept) are from the style
  image's ``A``, summed over layers with weights ``w_l``;
- **total variation**: how much neighbouring pixels differ, which penalises high-frequency noise.

Every loss here is differentiable by autograd and gradchecked in ``tests/style/test_losses.py``.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import minigan as mg
from minigan import Tensor

__all__ = ["GRAM_NORMALIZATIONS", "gram_matrix", "content_loss", "style_loss", "total_variation_loss",
           "TV_FORMS"]

#: How :func:`gram_matrix` divides ``F Fᵀ`` (``C`` channels, ``M = H W`` positions).
GRAM_NORMALIZATIONS = {
    "none": "F Fᵀ as it is (grows with the image size)",
    "hw": "F Fᵀ / M: the mean over positions (does not depend on the image size)",
    "chw": "F Fᵀ / (C M): the course's PyTorch notebook (features.view(c, h*w); G / (c*h*w))",
    "gatys": "F Fᵀ / (2 C M): then sum((G - A)^2) is Gatys's E_l = sum((Graw - Araw)^2) / (4 N^2 M^2)",
}

TV_FORMS = ("squared", "power")


def gram_matrix(features: Tensor, normalize: str = "chw") -> Tensor:
    """The Gram matrix of each sample's feature maps: ``(N, C, H, W) -> (N, C, C)``.

    ``G[n, i, j] = sum_m F[n, i, m] F[n, j, m] / d``, the inner product of channel ``i``'s and
    channel ``j``'s responses over all ``M = H W`` positions, divided by ``d`` from ``normalize``:

    - ``"none"``:  ``d = 1``
    - ``"hw"``:    ``d = M`` (the average co-activation; the same for any image size)
    - ``"chw"``:   ``d = C M``, as the course's PyTorch notebook (``G.div(b * c * h * w)`` with b = 1)
    - ``"gatys"``: ``d = 2 C M``, so that ``sum((G - A)^2)`` equals Gatys et al.'s layer loss
      ``E_l = 1 / (4 N_l^2 M_l^2) sum((G_raw - A_raw)^2)`` with ``N_l = C`` maps of ``M_l = M`` positions
      (the 4N²M² of the paper and of the course's Keras notebook).
    """
    if features.ndim != 4:
        raise ValueError(f"gram_matrix: expected features (N, C, H, W), got shape {features.shape}")
    if normalize not in GRAM_NORMALIZATIONS:
        raise ValueError(f"gram_matrix: normalize must be one of {list(GRAM_NORMALIZATIONS)}, got {normalize!r}")
    n, c, h, w = features.shape
    m = h * w
    f = features.reshape(n, c, m)
    g = mg.matmul(f, f.transpose(1, 2))
    divisor = {"none": 1, "hw": m, "chw": c * m, "gatys": 2 * c * m}[normalize]
    return g if divisor == 1 else g * (1.0 / divisor)


def _squared_error(a: Tensor, b: Tensor, reduction: str, op: str) -> Tensor:
    if a.shape != b.shape:
        raise ValueError(f"{op}: input has shape {a.shape} but the target has shape {b.shape}")
    d = a - b
    if reduction == "mean":
        return (d * d).mean()
    if reduction == "sum":
        return (d * d).sum()
    raise ValueError(f"{op}: reduction must be 'mean' or 'sum', got {reduction!r}")


def content_loss(features: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """How far one layer's features are from the content image's: ``(N, C, H, W) x2 -> ()``.

    ``reduction="mean"``: ``mean((F - P)^2)``, PyTorch's ``F.mse_loss`` (the course's notebook);
    ``reduction="sum"``: ``1/2 sum((F - P)^2)``, Gatys et al. eq. 1.
    The target is a constant (detach it); the gradient flows into ``features`` only."""
    if reduction == "sum":
        return _squared_error(features, target, "sum", "content_loss") * 0.5
    return _squared_error(features, target, reduction, "content_loss")


def style_loss(features: Mapping[str, Tensor], target_grams: Mapping[str, Tensor],
               weights: Mapping[str, float] | Sequence[float] | None = None, normalize: str = "chw",
               reduction: str = "mean", normalize_layers: bool = False) -> Tensor:
    """The weighted sum over layers of the squared distance between Gram matrices.

    ``L_style = sum_l w_l E_l``, ``E_l = reduce((G_l - A_l)^2)``, where ``G_l = gram_matrix(F_l, normalize)``
    comes from ``features[l]`` ``(N, C_l, H_l, W_l)`` and ``A_l = target_grams[l]`` ``(N or 1, C_l, C_l)``
    is the style image's (computed once, with the same ``normalize``).

    - ``weights``: a dict by layer name, or a sequence in the order of ``target_grams``; ``None`` gives
      every layer ``1 / L`` (the course's first notebook: 1/4 for each of four layers).
    - ``reduction``: ``"mean"`` over the ``C_l²`` entries (``F.mse_loss``, the PyTorch notebook) or ``"sum"``
      (with ``normalize="gatys"``, Gatys's E_l exactly).
    - ``normalize_layers=True`` divides each ``E_l`` by ``reduce(A_l^2)``, making it the relative error
      ``||G_l - A_l||² / ||A_l||²``. Raw Gram entries differ between layers by orders of magnitude (they
      grow with the channel count and with the activations' size), so without it one layer dominates
      the sum; with it every layer starts near 1 and counts as its weight says (the per-layer
      normalisation that random-weight networks need, He, Wang & Hopcroft 2016).
    """
    names = list(target_grams)
    missing = [name for name in names if name not in features]
    if missing:
        raise KeyError(f"style_loss: no features for layer(s) {missing}; features has {list(features)}")
    if not names:
        raise ValueError("style_loss: no style layers given")
    if weights is None:
        w = {name: 1.0 / len(names) for name in names}
    elif isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in target_grams]
        if unknown:
            raise KeyError(f"style_loss: weights for unknown layer(s) {unknown}; the style layers are {names}")
        w = {name: float(weights.get(name, 0.0)) for name in names}
    else:
        weights = list(weights)
        if len(weights) != len(names):
            raise ValueError(f"style_loss: {len(weights)} weights for {len(names)} style layers {names}")
        w = {name: float(v) for name, v in zip(names, weights)}
    total = None
    for name in names:
        if w[name] == 0.0:
            continue
        target = target_grams[name]
        g = gram_matrix(features[name], normalize)
        if target.shape != g.shape and (target.shape[0] != 1 or target.shape[1:] != g.shape[1:]):
            raise ValueError(f"style_loss: layer {name!r} has a Gram matrix of shape {g.shape} but the target's "
                             f"is {target.shape}")
        if target.shape != g.shape:
            target = target.expand(g.shape)
        e = _squared_error(g, target, reduction, "style_loss")
        if normalize_layers:
            a = target.data
            scale = float((a * a).mean() if reduction == "mean" else (a * a).sum())
            e = e * (1.0 / max(scale, 1e-30))
        term = e * w[name]
        total = term if total is None else total + term
    if total is None:
        raise ValueError(f"style_loss: every style layer has weight 0 ({w})")
    return total


def total_variation_loss(image: Tensor, form: str = "squared", beta: float = 2.5,
                         reduction: str = "mean") -> Tensor:
    """How much neighbouring pixels differ: ``(N, C, H, W) -> ()``.

    With ``dy = x[..., 1:, :-1] - x[..., :-1, :-1]`` and ``dx = x[..., :-1, 1:] - x[..., :-1, :-1]`` (the
    differences to the pixel below and to the right, on the ``(H-1) x (W-1)`` pixels that have both):

    - ``form="squared"``: ``reduce(dx^2 + dy^2)``, the squared-difference form (smooth, quadratic);
    - ``form="power"``: ``reduce((dx^2 + dy^2)^(beta / 2))``, the beta-power form (Mahendran & Vedaldi
      2015); the course's Keras notebook uses ``sum((dx^2 + dy^2)^1.25)``, i.e. ``beta = 2.5``. A beta
      between 1 and 2 preserves edges better; ``beta = 2`` is the squared form.

    ``reduction``: ``"mean"`` (over the ``N C (H-1)(W-1)`` terms; the same for any image size) or ``"sum"``.
    """
    if image.ndim != 4:
        raise ValueError(f"total_variation_loss: expected an image (N, C, H, W), got shape {image.shape}")
    if image.shape[2] < 2 or image.shape[3] < 2:
        raise ValueError(f"total_variation_loss: the image needs at least 2x2 pixels, got shape {image.shape}")
    if form not in TV_FORMS:
        raise ValueError(f"total_variation_loss: form must be one of {TV_FORMS}, got {form!r}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"total_variation_loss: reduction must be 'mean' or 'sum', got {reduction!r}")
    corner = image[:, :, :-1, :-1]
    dy = image[:, :, 1:, :-1] - corner
    dx = image[:, :, :-1, 1:] - corner
    t = dx * dx + dy * dy
    if form == "power":
        if not beta > 1.0:
            # (dx² + dy²)^(beta/2) has an infinite slope at 0 for beta <= 1 (and the gradient with it).
            raise ValueError(f"total_variation_loss: beta must be > 1 for the power form, got {beta}")
        t = t ** (beta / 2.0)
    return t.mean() if reduction == "mean" else t.sum()
