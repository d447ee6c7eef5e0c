"""Exercise: a GAN generator loss of your choice.

The discriminator returns a logit ``a`` per image; ``D(G(z)) = sigmoid(a)`` is its belief that the fake is
real. Goodfellow's NIPS 2016 tutorial (sec. 3.2, Fig. 16) gives three losses for the generator; choose one
and set ``KIND`` to its name. Each is averaged over the batch, with the tutorial's factor 1/2 (as in
``minigan.gan.losses``):

    "minimax"          1/2 mean( log(1 - D(G(z))) )          = -1/2 mean( softplus(a) )
    "non_saturating"  -1/2 mean( log D(G(z)) )               =  1/2 mean( softplus(-a) )
    "max_likelihood"  -1/2 mean( exp(sigma^-1(D(G(z)))) )    = -1/2 mean( exp(a) )

where ``softplus(a) = log(1 + exp(a))``. Write ``generator_loss(d_fake_logits)`` with minigan's operations,
so that autograd can differentiate it, and keep it finite for logits of +-100 (+-20 for max_likelihood):

    d_fake_logits  minigan Tensor (N, 1)
    returns        a scalar minigan Tensor

Hints: a stable softplus is ``max(a, 0) + log(1 + exp(-|a|))`` (see the bce_with_logits exercise). After it
passes, the checker prints your loss's slope where D is sure the fake is fake: compare the three.

Check it:  minigan exercise check generator_loss        (lesson 06_gan.py)
"""
import minigan as mg

KIND = "non_saturating"      # or "minimax" or "max_likelihood"


def generator_loss(d_fake_logits):
    raise NotImplementedError("write generator_loss")
