r"""Newton's method with the exact Hessian, for small smooth logistic problems.

Minimizes the smooth case of the objective of :mod:`._prox_newton` (pure L2
penalty, or none):

.. math::

    F(XW + b) + \frac{1}{2} \sum_j \lambda_j \|W_j\|^2,
    \qquad \lambda_j = \alpha (1 - \rho) f_j ,

with the full Hessian of the binary or softmax loss, intercepts included,
formed with BLAS and factorized by Cholesky (scikit-learn's
'newton-cholesky' idea). Prox-Newton minimizes each quadratic model by
coordinate descent instead, which crawls when features are nearly collinear
and the penalty is weak: a 1000 x 20 problem with 5 redundant features took
2538 steps (7.5 s) at C = 1e4 and tol = 1e-8, and its 3-class version did
not converge in 10 000 steps (238 s); the exact Newton step converges in a
few steps whatever the conditioning. On well-conditioned problems
prox-Newton is faster (forming the Hessian costs about ``p K / 2``
coordinate-descent epochs: 2-4x slower measured on 20000 x 60 with 4
classes or 20000 x 250), so the estimators start with prox-Newton and hand
over to this solver when a quadratic model defeats coordinate descent
(its epoch cap is reached), for problems with at most
:data:`MAX_COEFFICIENTS` coefficients.

The softmax loss is invariant to a common shift of the intercepts (and, for
an unpenalized feature, of its row of ``W``): those directions are exactly
flat, and the gradient is orthogonal to them. Adding
:math:`c\,u u^\top` for each such unit direction ``u`` makes the matrix
positive definite without changing the step (the solution of the modified
system is the Newton step orthogonal to the flat directions). Any remaining
singularity (collinear features without a penalty) falls back to the
least-norm step through an eigendecomposition.

Each step ends with the same Armijo line search as prox-Newton and the
certificate is the same KKT violation, so the estimators report identical
quantities whichever solver ran.
"""

import numpy as np
import scipy.sparse as sp
from scipy.linalg import cho_solve

from ._glm_kernels import enet_kkt_scores
from ._prox_newton import _line_search
from ._ridge_solvers import _cholesky_or_none, _pinv_solve, one_blas_thread

# largest n_features x n_rows solved this way: the Hessian costs about
# n (p K)^2 / 2 products per step (BLAS), like p K / 2 coordinate-descent
# epochs, and its factorization (p K)^3 / 3
MAX_COEFFICIENTS = 256
# float64 bytes per block of rows when forming the Hessian
_BLOCK_BYTES = 1 << 23


def applies(Xa, n_rows):
    """Whether the problem is small enough for the exact Hessian."""
    return Xa.shape[1] * n_rows <= MAX_COEFFICIENTS


def _curvature_weights(datafit):
    """Per-sample second derivatives of the loss, one vector per class pair.

    Returns ``pairs`` (list of (k, m) with k <= m) and the matching weights
    ``d_km`` such that the Hessian block of classes ``(k, m)`` is
    ``X1^T diag(d_km) X1`` with ``X1 = [X, 1]``. Valid after
    ``datafit.prepare``.
    """
    K = datafit.n_rows
    if K == 1:
        return [(0, 0)], [datafit._hess]
    P, sw = datafit._P, datafit.sw
    pairs, weights = [], []
    for k in range(K):
        for m in range(k, K):
            d = -sw * P[k] * P[m]
            if k == m:
                d += sw * P[k]
            pairs.append((k, m))
            weights.append(d)
    return pairs, weights


def _weighted_grams(X, weights):
    """``X1^T diag(d) X1`` in float64 for each ``d``, with ``X1 = [X, 1]``."""
    n, p = X.shape
    if sp.issparse(X):
        X1 = sp.hstack([X.astype(np.float64), np.ones((n, 1))], format="csr")
        return [np.asarray((X1.T @ X1.multiply(d[:, None])).todense())
                for d in weights]
    out = [np.zeros((p + 1, p + 1)) for _ in weights]
    step = max(1, _BLOCK_BYTES // (8 * (p + 1)))
    X1 = np.empty((min(step, n), p + 1))
    # products of at most 257 columns: one BLAS thread (two threads took
    # 174 ms instead of 7 on a 5000 x 51 block when the cores were busy)
    with one_blas_thread():
        for start in range(0, n, step):
            stop = min(start + step, n)
            block = X1[: stop - start]
            block[:, :p] = X[start:stop]
            block[:, p] = 1.0
            for M, d in zip(out, weights, strict=True):
                M += (block * d[start:stop, None]).T @ block
    return out


def scores64(Xa, W, b):
    """``(X W + b).T`` with float64 products, also for float32 X.

    ``ColumnAccess.scores`` multiplies in X's dtype: with float32 X its
    rounding (1e-7 relative) left the certificate of a tight fit above tol
    after the solver had reported it below. Dense float32 X is widened by
    blocks of rows (no float64 copy of X).
    """
    X = Xa.matrix
    if Xa.dtype == np.float64 or sp.issparse(X):
        # scipy widens float32 sparse data to the float64 of W
        Z = np.asarray(X @ W, dtype=np.float64)
        return np.ascontiguousarray(Z.T) + b[:, None]
    n, p = X.shape
    Z = np.empty((W.shape[1], n))
    step = max(1, _BLOCK_BYTES // (8 * max(p, 1)))
    for start in range(0, n, step):
        stop = min(start + step, n)
        Z[:, start:stop] = (X[start:stop].astype(np.float64) @ W).T
    return Z + b[:, None]


def hessian(Xa, datafit, lam2, fit_intercept):
    r"""Hessian of the objective in ``(W.ravel(), b)`` order.

    Index ``j K + k`` is ``W[j, k]``, and ``p K + k`` the intercept of class
    ``k`` (absent without intercept). ``lam2`` holds the L2 strengths
    :math:`\lambda_j`.
    """
    p, K = Xa.shape[1], datafit.n_rows
    pairs, weights = _curvature_weights(datafit)
    blocks = _weighted_grams(Xa.matrix, weights)
    T = np.empty((p + 1, K, p + 1, K))
    for (k, m), M in zip(pairs, blocks, strict=True):
        T[:, k, :, m] = M
        T[:, m, :, k] = M.T
    size = (p + int(fit_intercept)) * K
    H = np.ascontiguousarray(T.reshape((p + 1) * K, (p + 1) * K)[:size, :size])
    H[np.arange(p * K), np.arange(p * K)] += np.repeat(lam2, K)
    return H


def _flat_directions(p, K, lam2, fit_intercept):
    """Coordinates of the exactly flat shift directions (softmax loss only)."""
    if K == 1:
        return []
    groups = [np.arange(j * K, (j + 1) * K) for j in np.flatnonzero(lam2 == 0.0)]
    if fit_intercept:
        groups.append(np.arange(p * K, (p + 1) * K))
    return groups


def newton_step(H, g, flat):
    """Solve ``H d = -g`` orthogonally to the flat directions ``flat``."""
    H = H.copy()
    if flat:
        c = max(float(np.mean(np.diag(H))), 1e-300)
        for idx in flat:
            # c u u^T with u the unit vector of equal entries on idx
            H[np.ix_(idx, idx)] += c / idx.shape[0]
    factor = _cholesky_or_none(np.asfortranarray(H))
    if factor is not None:
        return cho_solve(factor, -g, check_finite=False)
    return _pinv_solve(H, -g[:, None])[:, 0]


def newton_cholesky(Xa, datafit, alpha, l1_ratio, penalty_factor, *,
                    fit_intercept=True, tol=1e-4, max_iter=100, W_init=None,
                    b_init=None, verbose=0):
    """Minimize the smooth penalized datafit; see the module docstring.

    Parameters and returns as :func:`skreg.linear_model._prox_newton.prox_newton`
    (``alpha * l1_ratio`` must be 0: no L1 part). ``max_iter`` bounds the
    number of Newton steps.
    """
    n_features, K = Xa.shape[1], datafit.n_rows
    W = np.zeros((n_features, K)) if W_init is None else np.array(
        W_init, dtype=np.float64).reshape(n_features, K)
    b = np.zeros(K) if b_init is None or not fit_intercept else np.array(
        b_init, dtype=np.float64)
    alpha_rows = alpha * penalty_factor
    lam2 = alpha_rows * (1.0 - l1_ratio)
    flat = _flat_directions(n_features, K, lam2, fit_intercept)
    scores = np.empty(n_features)
    Z = scores64(Xa, W, b)
    raw = datafit.prepare(Z)
    n_steps = 0
    stalled = False
    while True:
        G = Xa.gradient(raw)
        enet_kkt_scores(W, G, alpha, l1_ratio, penalty_factor, scores)
        kkt = float(scores.max()) if n_features else 0.0
        grad_b = raw.sum(axis=1)
        if fit_intercept:
            kkt = max(kkt, float(np.abs(grad_b).max()))
        if verbose:
            print(f"[newton-cholesky] steps={n_steps} kkt={kkt:.3e}")
        if kkt <= tol or n_steps >= max_iter or stalled or not np.isfinite(kkt):
            break
        H = hessian(Xa, datafit, lam2, fit_intercept)
        g = (G + lam2[:, None] * W).ravel()
        if fit_intercept:
            g = np.concatenate([g, grad_b])
        step = newton_step(H, g, flat)
        D = step[: n_features * K].reshape(n_features, K)
        delta_b = step[n_features * K:] if fit_intercept else np.zeros(K)
        Q = scores64(Xa, D, delta_b)
        loss0 = datafit.prepared_loss
        raw = datafit.prepare(Z + Q)
        t = _line_search(datafit, loss0, datafit.prepared_loss, Z, Q, W, D, G,
                         grad_b, delta_b, alpha_rows, l1_ratio)
        n_steps += 1
        if t == 0.0:
            stalled = True  # no decrease left at this precision
            raw = datafit.prepare(Z)
            continue
        W = W + t * D
        b = b + t * delta_b
        if t == 1.0:
            Z = Z + Q  # ``raw`` is already the full step's
        else:
            Z = Z + t * Q
            raw = datafit.prepare(Z)
    return W, b, {"n_iter": n_steps, "kkt": kkt, "converged": kkt <= tol,
                  "Z": Z, "grad": G}
