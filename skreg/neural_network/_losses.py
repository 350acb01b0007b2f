"""Losses of the MLPs, each paired with its canonical output activation.

For a raw network output ``z`` (one row per sample, one column per output)
and a target row ``y``, the per-sample losses, summed over outputs, are

- ``squared_error`` (identity output): ``1/2 sum_k (z_k - y_k)^2``
- ``poisson`` (exp output): ``sum_k exp(z_k) - y_k z_k + y_k log y_k - y_k``
  (half the Poisson deviance, as scikit-learn)
- ``binary_log_loss`` (logistic output, binary and multilabel):
  ``sum_k -y_k log p_k - (1 - y_k) log(1 - p_k)``, ``p = sigmoid(z)``
- ``log_loss`` (softmax output): ``-sum_k y_k log softmax(z)_k``

Targets may be soft (mixup). With the canonical link, the gradient of every
loss with respect to ``z`` is ``p - y``; the training loss is the weighted
mean ``sum_i w_i l_i / sum_i w_i`` and its gradient is
``w_i (p_i - y_i) / sum_i w_i``. Values are computed from ``z`` with
log-sum-exp / softplus, so they stay finite where probabilities round to 0
or 1.
"""

import numba
import numpy as np

_SQUARED, _POISSON, _LOGISTIC, _SOFTMAX = 0, 1, 2, 3


@numba.njit(cache=True, error_model="numpy")
def _softmax_value_and_delta(Z, Y, sw, scale, D):
    """Softmax branch of :func:`_value_and_delta`.

    One exp per entry, in the data's dtype (float32 stays float32); the
    per-row loss ``sum_j y_j (zmax - z_j) + sum_j y_j log s`` adds only
    non-negative terms, so it does not cancel for large outputs.
    """
    m, k = Z.shape
    one = Z.dtype.type(1.0)
    total = 0.0
    for i in range(m):
        zmax = Z[i, 0]
        for j in range(1, k):
            if Z[i, j] > zmax:
                zmax = Z[i, j]
        s = Z.dtype.type(0.0)
        li = 0.0
        sy = 0.0
        for j in range(k):
            y = Y[i, j]
            z = Z[i, j]
            if y != 0:
                li += y * (zmax - z)
                sy += y
            e = np.exp(z - zmax)
            Z[i, j] = e
            s += e
        li += sy * np.log(s)
        inv = one / s
        c = sw[i] * scale
        for j in range(k):
            p = Z[i, j] * inv
            Z[i, j] = p
            D[i, j] = (p - Y[i, j]) * c
        total += sw[i] * li
    return total


@numba.njit(cache=True, error_model="numpy")
def _value_and_delta(Z, Y, sw, scale, D, kind):
    """Loss sum over rows (weighted), Z <- p (in place), D <- w (p - y) scale."""
    if kind == _SOFTMAX:
        return _softmax_value_and_delta(Z, Y, sw, scale, D)
    m, k = Z.shape
    total = 0.0
    for i in range(m):
        w = sw[i]
        li = 0.0
        for j in range(k):
            y = Y[i, j]
            z = Z[i, j]
            if kind == _SQUARED:
                r = z - y
                li += 0.5 * r * r
                p = z
            elif kind == _POISSON:
                p = np.exp(z)
                li += p - y * z - y
                if y > 0:
                    li += y * np.log(y)
            else:
                li += max(z, 0.0) - y * z + np.log1p(np.exp(-abs(z)))
                if z >= 0:
                    p = 1.0 / (1.0 + np.exp(-z))
                else:
                    e = np.exp(z)
                    p = e / (1.0 + e)
            Z[i, j] = p
            D[i, j] = (p - y) * w * scale
        total += w * li
    return total


@numba.njit(cache=True, error_model="numpy")
def _count_correct(P, Y, sw, softmax):
    """Weighted number of rows whose predicted labels all match, and the
    weight sum of all rows."""
    m, k = P.shape
    total = 0.0
    weight = 0.0
    for i in range(m):
        ok = True
        if softmax:
            jp = 0
            jy = 0
            for j in range(1, k):
                if P[i, j] > P[i, jp]:
                    jp = j
                if Y[i, j] > Y[i, jy]:
                    jy = j
            ok = jp == jy
        else:
            for j in range(k):
                if (P[i, j] > 0.5) != (Y[i, j] > 0.5):
                    ok = False
                    break
        if ok:
            total += sw[i]
        weight += sw[i]
    return total, weight


@numba.njit(cache=True, error_model="numpy")
def _accumulate_r2(P, Y, sw, acc):
    """acc rows: sum w, sum w r^2, sum w d, sum w d^2 and the shift c, with
    d = y - c (one column per output).

    c is the first target seen (NaN until then): the total sum of squares
    ``sum w d^2 - (sum w d)^2 / sum w`` does not depend on it, and with c
    close to the mean it does not cancel (targets of 1e8 +- 1 scored R^2 0
    with unshifted sums).
    """
    m, k = P.shape
    for j in range(k):
        if m > 0 and np.isnan(acc[4, j]):
            acc[4, j] = Y[0, j]
    for i in range(m):
        w = sw[i]
        for j in range(k):
            y = Y[i, j]
            r = P[i, j] - y
            d = y - acc[4, j]
            acc[0, j] += w
            acc[1, j] += w * r * r
            acc[2, j] += w * d
            acc[3, j] += w * d * d


def r2_from_stats(acc):
    """R^2 averaged over outputs (scikit-learn's 'uniform_average'; an output
    with constant target scores 1 if predicted exactly, else 0)."""
    scores = []
    for sw, sse, sy, syy in acc[:4].T.tolist():
        sst = syy - sy * sy / sw if sw > 0 else 0.0
        if sst > 0:
            scores.append(1.0 - sse / sst)
        else:
            scores.append(0.0 if sse > 0 else 1.0)
    return sum(scores) / len(scores)


class Loss:
    """A loss with its output activation.

    Parameters
    ----------
    name : {'squared_error', 'poisson', 'binary_log_loss', 'log_loss'}
    """

    _TABLE = {
        "squared_error": (_SQUARED, "identity"),
        "poisson": (_POISSON, "exp"),
        "binary_log_loss": (_LOGISTIC, "logistic"),
        "log_loss": (_SOFTMAX, "softmax"),
    }

    def __init__(self, name):
        if name not in self._TABLE:
            raise ValueError(f"Unknown loss {name!r}.")
        self.name = name
        self.kind, self.out_activation = self._TABLE[name]
        self.is_classification = self.kind in (_LOGISTIC, _SOFTMAX)

    def value_and_delta(self, Z, Y, sw, scale, D):
        """Weighted loss sum; ``Z`` becomes the prediction, ``D`` the
        gradient of ``scale * sum_i w_i l_i`` with respect to the raw ``Z``."""
        return _value_and_delta(Z, Y, sw, scale, D, self.kind)

    def mean_value(self, Z, Y, sw):
        """Weighted mean loss of raw outputs ``Z`` (``Z`` is overwritten)."""
        D = np.empty_like(Z)
        total = _value_and_delta(Z, Y, sw, 1.0, D, self.kind)
        return total / sw.sum()

    def inverse_link(self, Z):
        """Raw outputs -> predictions (probabilities or means), in place."""
        if self.kind == _SOFTMAX:
            Z -= Z.max(axis=1, keepdims=True)
            np.exp(Z, out=Z)
            Z /= Z.sum(axis=1, keepdims=True)
        elif self.kind == _LOGISTIC:
            from scipy.special import expit

            expit(Z, out=Z)
        elif self.kind == _POISSON:
            np.exp(Z, out=Z)
        return Z

    def score_stats(self, P, Y, sw, acc):
        """Accumulate what the training score needs from one minibatch."""
        if self.is_classification:
            correct, weight = _count_correct(P, Y, sw, self.kind == _SOFTMAX)
            acc[0, 0] += correct
            acc[1, 0] += weight
        else:
            _accumulate_r2(P, Y, sw, acc)

    def new_score_stats(self, n_outputs):
        if self.is_classification:
            return np.zeros((2, 1))
        acc = np.zeros((5, n_outputs))
        acc[4] = np.nan  # the shift, set by the first targets seen
        return acc

    def score_from_stats(self, acc):
        if self.is_classification:
            return float(acc[0, 0] / acc[1, 0]) if acc[1, 0] > 0 else float("nan")
        return r2_from_stats(acc)
