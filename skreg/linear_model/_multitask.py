r"""Multi-task elastic net: what scikit-learn's ``enet_path`` solves for 2-D y.

.. math::

    \frac{1}{2n} \sum_i s_i \|y_i - W^\top x_i - b\|^2
    + \alpha \sum_j f_j \Big(\rho \|W_j\|_2 + \frac{1 - \rho}{2} \|W_j\|_2^2\Big)

(``W_j`` is the row of feature j across targets). Block coordinate descent on
the rows with the same implicit centering as the single-task kernels, and the
duality gap of scikit-learn's ``enet_coordinate_descent_multi_task`` as the
stopping rule (``gap <= tol * ||Y_c||_F^2``, n-scaled), so that the public path
functions keep scikit-learn's meaning for 2-D ``y``.
"""

import warnings

import numpy as np
from numba import njit
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._cd_kernels import _col_axpy, _col_dot
from ._solver import _CONVERGENCE_MESSAGE, _Design

_GAP_EVERY = 10


@njit(cache=True, nogil=True)
def _multitask_epochs(X, data, indices, indptr, is_sparse, xbar, sw, weighted,
                      center, R, S, W, lam1, lam2, norm2, n_epochs, random_order,
                      seed):
    """``n_epochs`` epochs of block CD over all rows of W (updated in place)."""
    n_features, n_tasks = W.shape
    n_w = 0.0
    for i in range(sw.shape[0]):
        n_w += sw[i] if weighted else 1.0
    if random_order:
        np.random.seed(seed)  # noqa: NPY002 (numba supports the legacy API)
    order = np.arange(n_features)
    z = np.empty(n_tasks)
    for _ in range(n_epochs):
        if random_order:
            order = np.random.permutation(n_features)  # noqa: NPY002
        for jj in range(n_features):
            j = order[jj]
            lipschitz = norm2[j]
            if lipschitz == 0.0:
                continue
            norm_z = 0.0
            for t in range(n_tasks):
                g = _col_dot(X, data, indices, indptr, is_sparse, j, R[:, t], sw,
                             weighted)
                if center:
                    g -= xbar[j] * S[t]
                z[t] = lipschitz * W[j, t] + g
                norm_z += z[t] * z[t]
            norm_z = np.sqrt(norm_z)
            shrink = 0.0
            if norm_z > lam1[j]:
                shrink = (1.0 - lam1[j] / norm_z) / (lipschitz + lam2[j])
            for t in range(n_tasks):
                delta = shrink * z[t] - W[j, t]
                if delta != 0.0:
                    W[j, t] += delta
                    _col_axpy(X, data, indices, indptr, is_sparse, j, delta,
                              R[:, t])
                    if center:
                        S[t] -= delta * n_w * xbar[j]


def _multitask_gap(design, Yc, R, S, W, lam1, lam2):
    """scikit-learn's multi-task duality gap (n-scaled) at W."""
    sw = design.sw
    offset = -S / design.n_samples if design.fit_intercept else np.zeros_like(S)
    r = R + offset
    r_norm2 = float(np.sum(sw[:, None] * r * r))
    y_dot_r = float(np.sum(sw[:, None] * Yc * r))
    corr = np.column_stack(
        [design.correlations(R[:, t]) - design.xbar * (S[t] if design.fit_intercept
                                                       else 0.0)
         for t in range(R.shape[1])]
    )
    h = corr - lam2[:, None] * W
    row_norms = np.sqrt(np.sum(h * h, axis=1))
    w_norms = np.sqrt(np.sum(W * W, axis=1))
    l2 = float(np.sum(lam2 * w_norms**2))
    scale = 1.0
    penalized = lam1 > 0
    if np.any(penalized):
        worst = np.max(row_norms[penalized] / lam1[penalized])
        if worst > 1.0:
            scale = 1.0 / worst
    primal = 0.5 * (r_norm2 + l2) + float(np.sum(lam1 * w_norms))
    dual = scale * y_dot_r - 0.5 * scale**2 * (r_norm2 + l2)
    return max(primal - dual, 0.0)


def multitask_alpha_max(X, Y, *, l1_ratio, sample_weight=None,
                        penalty_factor=None, fit_intercept=False):
    """Smallest alpha with W = 0: max_j ||X~_j^T Y~|| / (n rho f_j)."""
    design = _Design(X, sample_weight, fit_intercept, use_gram=False)
    n, p = X.shape
    Y = np.asarray(Y, dtype=np.float64)
    sw = design.sw
    Yc = Y - (sw @ Y) / n if fit_intercept else Y
    corr = np.column_stack([design.correlations(Yc[:, t])
                            for t in range(Y.shape[1])])
    if fit_intercept:
        corr -= np.outer(design.xbar, sw @ Yc)
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    norms = np.sqrt(np.sum(corr * corr, axis=1))
    return float(np.max(norms / pf) / (n * l1_ratio))


def multitask_enet_path(X, Y, *, alphas, l1_ratio, sample_weight=None,
                        penalty_factor=None, fit_intercept=False, coef_init=None,
                        tol=1e-4, max_iter=1000, selection="cyclic",
                        random_state=None):
    """Warm-started multi-task elastic-net path (inputs validated by the caller).

    Penalty factors must be positive here (no unpenalized rows).

    Returns
    -------
    coefs : ndarray of shape (n_targets, n_features, n_alphas)
    intercepts : ndarray of shape (n_targets, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
        On the objective scale, like scikit-learn.
    n_iters : list of int
    """
    design = _Design(X, sample_weight, fit_intercept, use_gram=False)
    n, p = X.shape
    Y = np.asarray(Y, dtype=np.float64)
    n_tasks = Y.shape[1]
    sw = design.sw
    y_mean = (sw @ Y) / n if fit_intercept else np.zeros(n_tasks)
    Yc = Y - y_mean
    y_norm2 = float(np.sum(sw[:, None] * Yc * Yc))
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    W = np.zeros((p, n_tasks)) if coef_init is None else np.array(coef_init.T, float)
    R = np.asfortranarray(Yc - np.column_stack(
        [design.matvec(W[:, t]) for t in range(n_tasks)]))
    random_order = selection == "random"
    rng = check_random_state(random_state) if random_order else None
    coefs = np.empty((n_tasks, p, len(alphas)), dtype=design.dtype)
    intercepts = np.empty((n_tasks, len(alphas)))
    gaps = np.empty(len(alphas))
    n_iters = []
    tol_abs = tol * y_norm2
    for i, alpha in enumerate(alphas):
        lam1 = n * alpha * l1_ratio * pf
        lam2 = n * alpha * (1.0 - l1_ratio) * pf
        S = sw @ R if fit_intercept else np.zeros(n_tasks)
        gap = _multitask_gap(design, Yc, R, S, W, lam1, lam2)
        n_iter = 0
        while gap > tol_abs and n_iter < max_iter:
            n_ep = min(_GAP_EVERY, max_iter - n_iter)
            seed = int(rng.randint(0, 2**31 - 1)) if random_order else 0
            _multitask_epochs(design.dense, design.data, design.indices,
                              design.indptr, design.is_sparse, design.xbar, sw,
                              design.weighted, fit_intercept, R, S, W, lam1, lam2,
                              design.norm2, n_ep, random_order, seed)
            n_iter += n_ep
            S = sw @ R if fit_intercept else np.zeros(n_tasks)
            gap = _multitask_gap(design, Yc, R, S, W, lam1, lam2)
        if gap > tol_abs:
            warnings.warn(
                f"{_CONVERGENCE_MESSAGE} Duality gap: {gap:.6e}, "
                f"tolerance: {tol_abs:.3e}",
                ConvergenceWarning,
                stacklevel=3,
            )
        coefs[..., i] = W.T
        intercepts[:, i] = y_mean - design.x_mean @ W if fit_intercept else 0.0
        gaps[i] = gap / n
        n_iters.append(max(n_iter, 1))
    return coefs, intercepts, gaps, n_iters
