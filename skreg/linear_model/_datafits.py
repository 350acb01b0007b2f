r"""Datafits: the smooth, sample-dependent part of a linear model's objective.

Quadratic
---------
The least-squares datafit with (normalised) sample weights :math:`s_i`,
:math:`\sum_i s_i = n`:

.. math::

    F(w, b) = \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w - b)^2 .

The solvers work in the *n-scaled* units of scikit-learn's ``cd_fast``
(objective multiplied by ``n``), with the intercept profiled out by implicit
weighted centering: :math:`\tilde X = D^{1/2}(X - 1\bar x^\top)`,
:math:`\tilde y = D^{1/2}(y - \bar y)`, :math:`D = \mathrm{diag}(s)`. X is never
centered in memory. The compiled kernels keep the *raw* residual
:math:`R = (y - \bar y) - X w` and the scalar :math:`S = \sum_i s_i R_i`; the
centered residual is :math:`r = R - S / n`, the correlation of feature j with
it is :math:`g_j = \sum_i s_i X_{ij} R_i - \bar x_j S`.

For the elastic-net penalty with per-feature strengths
:math:`\lambda_{1j}, \lambda_{2j}` (n-scaled) the Fenchel dual is, for
:math:`\theta \in \mathbb{R}^n`,

.. math::

    D(\theta) = \tilde y^\top \theta - \tfrac12 \|\theta\|^2
      - \sum_j P_j^*(\tilde X_j^\top \theta), \qquad
    P_j^*(c) = \frac{(|c| - \lambda_{1j})_+^2}{2 \lambda_{2j}}

(``c`` instead of ``|c|`` with ``positive``; for :math:`\lambda_{2j} = 0` the
conjugate is the constraint :math:`|c| \le \lambda_{1j}`). The dual point is the
rescaled residual :math:`\theta = s\, r`, with :math:`s \le 1` the largest
scale keeping the pure-L1 constraints feasible. Unpenalized features must be
exactly orthogonal to :math:`\theta`; the solver guarantees this by an exact
block update on them before a certificate is computed.
"""

import numpy as np
from numba import njit


@njit(cache=True, fastmath={"reassoc", "contract"})
def quadratic_column_norms(X, data, indices, indptr, is_sparse, xbar, sw, weighted):
    r"""Weighted squared norms of the implicitly centered columns.

    :math:`\sum_i s_i (X_{ij} - \bar x_j)^2`; X is dense (Fortran) or given by
    its CSC arrays (``is_sparse``); ``xbar`` is zero without intercept.
    """
    n_features = xbar.shape[0]
    out = np.zeros(n_features)
    n_samples = sw.shape[0]
    for j in range(n_features):
        m = xbar[j]
        acc = 0.0
        if is_sparse:
            w_nz = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                s = sw[indices[k]] if weighted else 1.0
                d = data[k] - m
                acc += s * d * d
                w_nz += s
            # the implicit zeros contribute s_i * m^2 each
            total = 0.0
            if weighted:
                for i in range(n_samples):
                    total += sw[i]
            else:
                total = n_samples
            acc += (total - w_nz) * m * m
        else:
            for i in range(n_samples):
                d = X[i, j] - m
                s = sw[i] if weighted else 1.0
                acc += s * d * d
        out[j] = acc
    return out


@njit(cache=True)
def quadratic_enet_gap(corr, coef, lam1, lam2, positive, r_norm2, y_dot_r):
    r"""Duality gap of the n-scaled quadratic + elastic-net problem.

    Parameters
    ----------
    corr : 1-D array
        :math:`g_j = \tilde X_j^\top r` for the features of the (sub)problem.
    coef, lam1, lam2 : 1-D arrays, same length as ``corr``
        Coefficients and n-scaled L1 / L2 strengths of those features.
    positive : bool
    r_norm2 : float
        :math:`\|r\|^2` (weighted, centered residual).
    y_dot_r : float
        :math:`\tilde y^\top r`.

    Returns
    -------
    gap : float
        The larger of two valid gaps (both bound the suboptimality):
        the exact Fenchel dual above at :math:`s\,r`, and -- when every
        penalized feature has an L1 part -- scikit-learn's "formulation A"
        (L2 part moved into an augmented design, dual point
        :math:`s'(r, -\sqrt{\lambda_2} w)`). Taking the larger keeps
        scikit-learn's stopping rule at least as strict. Unpenalized features
        (``lam1 == lam2 == 0``) are assumed orthogonal to ``r`` except, with
        ``positive``, at a zero coefficient where ``g_j > 0`` makes the point
        infeasible (then the scale is 0).
    """
    primal = 0.5 * r_norm2
    scale = 1.0
    scale_a = 1.0
    l2_norm2 = 0.0
    use_a = True
    for k in range(corr.shape[0]):
        b = coef[k]
        primal += lam1[k] * abs(b) + 0.5 * lam2[k] * b * b
        l2_norm2 += lam2[k] * b * b
        c = corr[k] if positive else abs(corr[k])
        h = corr[k] - lam2[k] * b
        h = h if positive else abs(h)
        if lam1[k] > 0.0:
            if h * scale_a > lam1[k]:
                scale_a = lam1[k] / h
            if lam2[k] == 0.0 and c * scale > lam1[k]:
                scale = lam1[k] / c
        elif lam2[k] > 0.0:
            use_a = False  # pure L2 coordinate: formulation A is infeasible
        elif positive and b == 0.0 and c > 0.0:
            scale = 0.0
            scale_a = 0.0
    dual = scale * y_dot_r - 0.5 * scale * scale * r_norm2
    for k in range(corr.shape[0]):
        if lam2[k] > 0.0:
            c = scale * corr[k]
            if not positive:
                c = abs(c)
            excess = c - lam1[k]
            if excess > 0.0:
                dual -= excess * excess / (2.0 * lam2[k])
    gap = primal - dual
    if use_a:
        dual_a = scale_a * y_dot_r - 0.5 * scale_a * scale_a * (r_norm2 + l2_norm2)
        gap = max(gap, primal - dual_a)
    return gap
