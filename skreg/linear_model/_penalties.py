r"""The elastic-net penalty family, shared by every linear model.

For coefficients :math:`w \in \mathbb{R}^p`, strength :math:`\alpha \ge 0`,
mix :math:`\rho` (``l1_ratio``) in [0, 1] and per-feature factors
:math:`f_j \ge 0` (``penalty_factor``):

.. math::

    P(w) = \alpha \sum_j f_j \left( \rho |w_j|
           + \frac{1 - \rho}{2} w_j^2 \right)
           \; [+ \iota_{w \ge 0}(w) \text{ if positive}]

``rho = 1`` is the Lasso (L1), ``rho = 0`` Ridge (L2), anything between the
elastic net. ``f_j = 0`` leaves feature j unpenalized. The functions here work
coordinate-wise on scalars: ``alpha_j`` always means :math:`\alpha f_j`.
They are compiled with numba so that solver kernels can call them inline.
"""

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def soft_threshold(z, threshold):
    """Return sign(z) * max(|z| - threshold, 0)."""
    if z > threshold:
        return z - threshold
    if z < -threshold:
        return z + threshold
    return 0.0 * z


@njit(cache=True, inline="always")
def enet_prox(z, step, alpha_j, l1_ratio, positive):
    r"""Proximal operator of ``step * P_j`` at ``z``.

    :math:`\arg\min_w \frac{1}{2 \, step}(w - z)^2 + \alpha_j(\rho|w|
    + \frac{1-\rho}{2}w^2)`, i.e. soft thresholding at
    ``step * alpha_j * rho`` followed by the shrinkage
    ``1 / (1 + step * alpha_j * (1 - rho))``; with ``positive`` the
    threshold is one-sided and negative values map to 0.
    """
    threshold = step * alpha_j * l1_ratio
    if positive:
        value = z - threshold
        if value < 0.0:
            value = 0.0 * z
    else:
        value = soft_threshold(z, threshold)
    return value / (1.0 + step * alpha_j * (1.0 - l1_ratio))


@njit(cache=True, inline="always")
def enet_subdiff_distance(w_j, grad_j, alpha_j, l1_ratio, positive):
    r"""Distance from ``-grad_j`` to the subdifferential of :math:`P_j` at ``w_j``.

    This is the KKT violation of coordinate j: it is 0 exactly when
    :math:`0 \in \nabla_j F(w) + \partial P_j(w_j)` (plus the normal cone of
    :math:`w_j \ge 0` when ``positive``).
    """
    l1 = alpha_j * l1_ratio
    if w_j != 0.0:
        sign = 1.0 if w_j > 0.0 else -1.0
        return abs(grad_j + l1 * sign + alpha_j * (1.0 - l1_ratio) * w_j)
    if positive:
        # subdifferential at 0 with the constraint w >= 0 is (-inf, l1]
        return max(0.0, -grad_j - l1)
    return max(0.0, abs(grad_j) - l1)


@njit(cache=True)
def enet_value(w, alpha, l1_ratio, penalty_factor):
    """Value of the penalty :math:`P(w)` for 1-D ``w`` (constraint not included)."""
    l1 = 0.0
    l2 = 0.0
    for j in range(w.shape[0]):
        l1 += penalty_factor[j] * abs(w[j])
        l2 += penalty_factor[j] * w[j] * w[j]
    return alpha * (l1_ratio * l1 + 0.5 * (1.0 - l1_ratio) * l2)


@njit(cache=True)
def enet_kkt_violation(w, grad, alpha, l1_ratio, penalty_factor, positive):
    """Largest coordinate-wise KKT violation (see :func:`enet_subdiff_distance`)."""
    worst = 0.0
    for j in range(w.shape[0]):
        d = enet_subdiff_distance(
            w[j], grad[j], alpha * penalty_factor[j], l1_ratio, positive
        )
        if d > worst:
            worst = d
    return worst


def enet_alpha_max(grad_at_null, l1_ratio, penalty_factor, positive=False):
    r"""Smallest :math:`\alpha` for which every penalized coefficient is 0.

    Parameters
    ----------
    grad_at_null : ndarray of shape (n_features,) or (n_features, n_targets)
        Gradient of the datafit with respect to ``w`` at the *null model*:
        penalized coefficients at 0, the intercept and the unpenalized
        features (``penalty_factor == 0``) at their optimal values.
    l1_ratio : float in (0, 1]
        The L1 share; with ``l1_ratio == 0`` no finite alpha zeroes the
        coefficients and a ``ValueError`` is raised.
    penalty_factor : ndarray of shape (n_features,)
    positive : bool
        With ``positive=True`` only negative gradients can move a
        coefficient away from 0.

    Returns
    -------
    alpha_max : float
        :math:`\max_j g_j / (\rho f_j)` over penalized features, with
        :math:`g_j = |\nabla_j|` (or :math:`\max(-\nabla_j, 0)` when
        positive; a row-wise maximum for several targets). 0 when no feature
        is penalized or every such gradient is 0.
    """
    if l1_ratio <= 0.0:
        raise ValueError(
            "alpha_max is infinite for l1_ratio=0 (pure L2 never gives exact "
            "zeros); pass an explicit alpha grid or use l1_ratio > 0."
        )
    grad = np.asarray(grad_at_null, dtype=np.float64)
    if grad.ndim == 1:
        grad = grad[:, None]
    scores = np.maximum(-grad, 0.0) if positive else np.abs(grad)
    scores = scores.max(axis=1)
    penalized = np.asarray(penalty_factor) > 0
    if not np.any(penalized):
        return 0.0
    return float(np.max(scores[penalized] / penalty_factor[penalized]) / l1_ratio)
