"""Learning-rate schedules, for every stochastic solver (sgd, adam, adamw).

The learning rate is updated at the end of each epoch, as in scikit-learn,
from the epoch count and the number of samples seen ``t``:

- ``constant``: ``lr = learning_rate_init``;
- ``invscaling``: ``lr = learning_rate_init / (t + 1) ** power_t``
  (scikit-learn's formula, ``t`` counting samples);
- ``adaptive``: constant until the stopping criterion fires, then divided
  by 5 (training stops once it is at or below 1e-6);
- ``cosine``: ``lr = learning_rate_init * (1 + cos(pi * epoch / max_iter)) / 2``,
  decaying from ``learning_rate_init`` towards 0 at ``max_iter`` epochs.
"""

import math

SCHEDULES = ("constant", "invscaling", "adaptive", "cosine")


class LearningRateSchedule:
    """Holds the current learning rate and updates it at epoch ends."""

    def __init__(self, kind, learning_rate_init, power_t=0.5, max_iter=200):
        if kind not in SCHEDULES:
            raise ValueError(f"Unknown learning-rate schedule {kind!r}.")
        self.kind = kind
        self.learning_rate_init = float(learning_rate_init)
        self.power_t = float(power_t)
        self.max_iter = int(max_iter)
        self.learning_rate = self.learning_rate_init

    def epoch_end(self, epoch, n_samples_seen):
        """Set the rate for the next epoch (``epoch`` epochs are done)."""
        if self.kind == "invscaling":
            self.learning_rate = self.learning_rate_init / (
                (n_samples_seen + 1) ** self.power_t
            )
        elif self.kind == "cosine":
            progress = min(epoch, self.max_iter) / self.max_iter
            self.learning_rate = (
                self.learning_rate_init * 0.5 * (1.0 + math.cos(math.pi * progress))
            )

    def on_plateau(self):
        """Stopping criterion fired: return True to stop training.

        'adaptive' stops once the rate is at or below 1e-6, else divides it
        by 5 and continues; every other schedule stops.
        """
        if self.kind != "adaptive":
            return True
        if self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False
