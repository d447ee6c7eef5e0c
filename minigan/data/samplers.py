"""Samplers: the order in which a :class:`~minigan.data.DataLoader` visits a map-style dataset.

A sampler is any iterable of item indices (a :class:`BatchSampler`: of lists of indices), as in
``torch.utils.data``:

* :class:`SequentialSampler`: ``0, 1, ..., N-1``;
* :class:`RandomSampler`: a shuffle (``replacement=False``) or ``num_samples`` uniform draws;
* :class:`SubsetRandomSampler`: the given indices, shuffled;
* :class:`WeightedRandomSampler`: ``num_samples`` draws of ``i`` with probability ``w_i / sum(w)``;
* :class:`BatchSampler`: groups another sampler's indices into lists of ``batch_size``.

Where PyTorch takes a ``torch.Generator``, minigan's random samplers take ``generator``:

* ``None``: draws from minigan's CPU generator, so ``mg.manual_seed`` makes a run repeatable;
* a ``numpy.random.Generator``: draws from it (its state moves on, as a torch generator's does);
* an ``int`` seed: the order of epoch ``e`` comes from ``numpy.random.default_rng([seed, e])`` alone.
  Each ``iter()`` moves on one epoch; :meth:`set_epoch` chooses one.  A loader that is resumed from a
  checkpoint sets the epoch, so it sees exactly the order it would have seen;
* an ``mg.Generator`` (PyTorch's kind): a CPU one draws from its NumPy stream, as if given that stream, and
  ``mg.default_generator`` is minigan's CPU generator, as None.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import backend
from ..autograd import Tensor, as_tensor
from ..generator import Generator, host_stream

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def is_count(value) -> bool:
    """Whether ``value`` is an integer (a Python or NumPy one) and not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_flag(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_generator(generator, who: str):
    """``generator`` as one of the three kinds above (an int seed becomes a Python int, an ``mg.Generator`` its
    NumPy stream, or None for the default one)."""
    if isinstance(generator, Generator):
        return host_stream(generator, who)
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if is_count(generator) and generator >= 0:
        return int(generator)
    raise TypeError(f"{who}: generator must be None (minigan's CPU generator), a non-negative int seed, an "
                    f"mg.Generator or a numpy.random.Generator, got {generator!r}")


def draw_rng(generator, who: str = "random_split") -> np.random.Generator:
    """A NumPy generator for one draw: minigan's CPU generator, the given one, or a new one from a seed."""
    generator = check_generator(generator, who)
    if generator is None:
        return backend.rng("cpu")
    if isinstance(generator, np.random.Generator):
        return generator
    return np.random.default_rng(generator)


class Sampler:
    """The base of all samplers: ``__iter__`` yields indices; ``__len__``, where defined, counts them.
    ``data_source`` is accepted and ignored, as PyTorch does."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} should implement __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``, always in that order."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class _Drawing(Sampler):
    """What the random samplers share: where their random numbers come from (see the module docstring)."""

    generator = None
    epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Draw the order of epoch ``epoch`` next (it matters with an int seed as ``generator``)."""
        self.epoch = int(epoch)

    def _rng(self) -> np.random.Generator:
        generator = check_generator(self.generator, type(self).__name__)
        if generator is None:
            return backend.rng("cpu")
        if isinstance(generator, np.random.Generator):
            return generator
        rng = np.random.default_rng([generator, self.epoch])
        self.epoch += 1
        return rng


class RandomSampler(_Drawing):
    """Random indices of ``data_source``.

    Without replacement: a random permutation of ``0..N-1`` (with ``num_samples > N``, whole fresh
    permutations follow one another, then part of one).  With replacement: ``num_samples`` (``N`` unless
    given) independent uniform draws from ``0..N-1``.  The draw is made when ``iter()`` is called.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = check_generator(generator, "RandomSampler")
        if not is_flag(replacement):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not is_count(self.num_samples) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, k, rng = len(self.data_source), int(self.num_samples), self._rng()
        if self.replacement:
            return iter(rng.integers(0, n, size=k).tolist())
        perms = [rng.permutation(n) for _ in range(-(-k // n))]
        return iter(np.concatenate(perms)[:k].tolist())

    def __len__(self) -> int:
        return int(self.num_samples)


class SubsetRandomSampler(_Drawing):
    """The elements of ``indices`` in a random order (a new one each ``iter()``), without replacement."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = check_generator(generator, "SubsetRandomSampler")

    def __iter__(self):
        order = self._rng().permutation(len(self.indices)).tolist()
        return iter([self.indices[i] for i in order])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_Drawing):
    """``num_samples`` indices ``i`` of ``0..len(weights)-1``, each drawn with probability ``w_i / sum(w)``.

    Weights need not sum to one.  With ``replacement=False`` an index is drawn at most once: each draw is
    made among the indices not drawn yet, with probabilities renormalised over them.  minigan draws that
    sequence in one step with the "exponential race": each index gets the key ``w_i / E_i`` with
    ``E_i ~ Exp(1)`` independent; sorting by key, largest first, gives the same distribution as the
    draws one by one (indices of weight 0 come last, in index order, as PyTorch's do).
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None) -> None:
        if not is_count(num_samples) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not is_flag(replacement):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = weights.data if isinstance(weights, Tensor) else weights
        weights = as_tensor(backend.to_numpy(weights) if backend.is_array(weights) else np.asarray(weights),
                            dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights, self.num_samples, self.replacement = weights, int(num_samples), bool(replacement)
        self.generator = check_generator(generator, "WeightedRandomSampler")

    def __iter__(self):
        w = self.weights.numpy()
        if not self.replacement and (not np.isfinite(w).all() or (w < 0).any()):
            raise RuntimeError("WeightedRandomSampler: probability tensor contains either `inf`, `nan` or element < 0")
        if (w < 0).any():
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        if not np.isfinite(w).all():
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (encountering probability "
                               "entry = infinity or NaN)")
        if not w.sum() > 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > len(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot sample n_sample > prob_dist.size(-1) samples without "
                               f"replacement ({self.num_samples} > {len(w)})")
        rng = self._rng()
        if self.replacement:
            return iter(rng.choice(len(w), size=self.num_samples, p=w / w.sum()).tolist())
        with np.errstate(divide="ignore"):
            keys = np.log(w) - np.log(rng.exponential(size=len(w)))
        return iter(np.argsort(-keys, kind="stable")[:self.num_samples].tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (any iterable of indices); the last list is shorter
    unless ``drop_last``, which leaves it out.  ``[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]`` for ten
    sequential indices and ``batch_size=3``."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not is_count(batch_size) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not is_flag(drop_last):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def set_epoch(self, epoch: int) -> None:
        """Passed on to the wrapped sampler, where it has ``set_epoch``."""
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def __iter__(self):
        return self._batches(iter(self.sampler))     # the sampler draws now, at iter(), not at the first next()

    def _batches(self, indices):
        batch = []
        for i in indices:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
