"""Minibatch augmentation for tabular data: callables ``(X, Y, rng) -> (X, Y)``.

They act on a training minibatch only (never on validation or prediction
data) and may modify it in place: the batch is a private copy made by the
training loop.
"""

import numpy as np


class GaussianNoise:
    """Add ``N(0, (noise_std * feature_std)^2)`` to every entry.

    ``feature_std`` holds each feature's standard deviation on the training
    set, so ``noise_std`` is in units of each feature's own spread (constant
    features get no noise).
    """

    def __init__(self, noise_std, feature_std):
        self.noise_std = float(noise_std)
        self.scale = (self.noise_std * np.asarray(feature_std)).astype(
            feature_std.dtype
        )

    def __call__(self, X, Y, rng):
        noise = rng.standard_normal(X.shape, dtype=X.dtype)
        noise *= self.scale
        X += noise
        return X, Y


class Mixup:
    """Mixup (Zhang et al., 2018): convex combinations of pairs of samples.

    One ``lambda ~ Beta(alpha, alpha)`` per minibatch; the batch is mixed with
    a random permutation of itself, inputs and targets alike:
    ``x = lambda x_i + (1 - lambda) x_j``, ``y = lambda y_i + (1 - lambda) y_j``.
    For classifiers ``y`` are one-hot rows, so targets become soft labels.
    For regression the mixed target is the mean of the two targets, which is
    the right target only where the function is linear between them.
    """

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def __call__(self, X, Y, rng):
        lam = rng.beta(self.alpha, self.alpha)
        perm = rng.permutation(X.shape[0])
        for A in (X, Y):
            partner = A[perm]  # a copy: fancy indexing
            partner *= 1.0 - lam
            A *= lam
            A += partner
        return X, Y
