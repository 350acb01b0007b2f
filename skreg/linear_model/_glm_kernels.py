r"""Compiled kernels of the proximal-Newton solver for logistic models.

Plain ``@njit(cache=True)`` functions on arrays and scalars (no jitclass, so
a warm cache costs nothing in a new process). Two datafits:

* binary logistic, labels :math:`y_i \in \{-1, +1\}`, scores
  :math:`z = Xw + b`:
  :math:`F(z) = \sum_i s_i \log(1 + e^{-y_i z_i})`;
* multinomial (softmax), labels :math:`y_i \in \{0..K-1\}`, scores
  :math:`Z = XW + b` stored *class-major* as ``(K, n)`` so that a class row
  is contiguous: :math:`F(Z) = \sum_i s_i (\log\sum_k e^{Z_{ki}} - Z_{y_i i})`.

The weights ``s`` are normalized by the caller (they sum to one), so every
gradient is a weighted *mean*.

Columns of ``X`` are read through one interface for dense and sparse data:
``X`` is a Fortran-ordered 2-D array when ``is_sparse`` is False, otherwise
``(data, indices, indptr)`` is a CSC matrix and ``X`` a 1x1 placeholder (and
vice versa), so one compiled function serves both layouts.
"""

import numpy as np
from numba import njit

from ._penalties import enet_prox, enet_subdiff_distance

# ---------------------------------------------------------------------------
# scalar helpers


@njit(cache=True, inline="always")
def log1pexp(x):
    """Stable ``log(1 + exp(x))``."""
    if x > 0.0:
        return x + np.log1p(np.exp(-x))
    return np.log1p(np.exp(x))


@njit(cache=True, inline="always")
def sigmoid(x):
    """Stable ``1 / (1 + exp(-x))``."""
    if x >= 0.0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


# ---------------------------------------------------------------------------
# column access, shared by dense (Fortran) and sparse (CSC) X


# Every kernel that reads columns is compiled twice from one body (inlined
# at the Numba IR level, so it takes the flags of the function it lands in):
# a dense variant with fastmath reassociation (SIMD dot products, like BLAS)
# and a sparse variant without it: with reassociation allowed LLVM
# vectorizes the sparse loops with gather instructions, several times
# slower than the scalar loop on short columns (about 3x for a full X.T @ v
# here). Separately compiled (non-inlined) helpers do not solve it: the call
# itself then costs as much. ``by_layout`` picks the variant in Python.
_FAST = {"reassoc", "contract", "arcp"}


def by_layout(dense, sparse):
    """One entry point ``f(X, data, indices, indptr, is_sparse, ...)``."""

    def run(X, data, indices, indptr, is_sparse, *args):
        kernel = sparse if is_sparse else dense
        return kernel(X, data, indices, indptr, is_sparse, *args)

    run.__doc__ = dense.__doc__
    run.__name__ = dense.__name__.removesuffix("_dense")
    return run


@njit(inline="always")
def _dense_dot(X, j, v):
    acc = 0.0
    for i in range(X.shape[0]):
        acc += X[i, j] * v[i]
    return acc


@njit(inline="always")
def _sparse_dot(data, indices, indptr, j, v):
    acc = 0.0
    for ptr in range(indptr[j], indptr[j + 1]):
        acc += data[ptr] * v[indices[ptr]]
    return acc


@njit(inline="always")
def _dense_sq_dot(X, j, v):
    acc = 0.0
    for i in range(X.shape[0]):
        x = X[i, j]
        acc += x * x * v[i]
    return acc


@njit(inline="always")
def _sparse_sq_dot(data, indices, indptr, j, v):
    acc = 0.0
    for ptr in range(indptr[j], indptr[j + 1]):
        x = data[ptr]
        acc += x * x * v[indices[ptr]]
    return acc


@njit(inline="always")
def _dense_axpy(X, j, a, v):
    for i in range(X.shape[0]):
        v[i] += a * X[i, j]


@njit(inline="always")
def _sparse_axpy(data, indices, indptr, j, a, v):
    for ptr in range(indptr[j], indptr[j + 1]):
        v[indices[ptr]] += a * data[ptr]


@njit(inline="always")
def _dense_hq_dot(X, j, hess, q):
    acc = 0.0
    for i in range(X.shape[0]):
        acc += X[i, j] * hess[i] * q[i]
    return acc


@njit(inline="always")
def _sparse_hq_dot(data, indices, indptr, j, hess, q):
    acc = 0.0
    for ptr in range(indptr[j], indptr[j + 1]):
        i = indices[ptr]
        acc += data[ptr] * hess[i] * q[i]
    return acc


@njit(cache=True, inline="always")
def col_dot(X, data, indices, indptr, is_sparse, j, v):
    """``sum_i X[i, j] * v[i]``."""
    if is_sparse:
        return _sparse_dot(data, indices, indptr, j, v)
    return _dense_dot(X, j, v)


@njit(cache=True, inline="always")
def col_sq_dot(X, data, indices, indptr, is_sparse, j, v):
    """``sum_i X[i, j]**2 * v[i]``."""
    if is_sparse:
        return _sparse_sq_dot(data, indices, indptr, j, v)
    return _dense_sq_dot(X, j, v)


@njit(cache=True, inline="always")
def col_axpy(X, data, indices, indptr, is_sparse, j, a, v):
    """``v += a * X[:, j]`` in place."""
    if is_sparse:
        _sparse_axpy(data, indices, indptr, j, a, v)
    else:
        _dense_axpy(X, j, a, v)


@njit(cache=True)
def gather_columns(X, cols, out_t):
    """``out_t[c, i] = X[i, cols[c]]``: compact columns of a C-ordered X.

    ``out_t`` is (m, n) C-ordered, i.e. ``out_t.T`` is the Fortran-ordered
    (n, m) compacted matrix. Rows of X are read once, in order.
    """
    for i in range(X.shape[0]):
        for c in range(cols.shape[0]):
            out_t[c, i] = X[i, cols[c]]


@njit(cache=True)
def take_rows_fortran(X, rows, out):
    """``out[:, j] = X[rows, j]`` for Fortran-ordered ``X`` and ``out``.

    Column by column, so both reads (within one column) and writes are
    local; NumPy's ``X[rows]`` gives a C-ordered result that would need a
    second, transposing copy.
    """
    for j in range(X.shape[1]):
        for r in range(rows.shape[0]):
            out[r, j] = X[rows[r], j]


@njit(inline="always")
def _cols_dot_body(X, data, indices, indptr, is_sparse, cols, v, out):
    """``out[c] = X[:, cols[c]] . v`` for a subset of columns (1-D ``v``)."""
    for c in range(cols.shape[0]):
        out[c] = col_dot(X, data, indices, indptr, is_sparse, cols[c], v)


@njit(cache=True, fastmath=_FAST)
def _cols_dot_dense(X, data, indices, indptr, is_sparse, cols, v, out):
    return _cols_dot_body(X, data, indices, indptr, is_sparse, cols, v, out)


@njit(cache=True)
def _cols_dot_sparse(X, data, indices, indptr, is_sparse, cols, v, out):
    return _cols_dot_body(X, data, indices, indptr, is_sparse, cols, v, out)


cols_dot = by_layout(_cols_dot_dense, _cols_dot_sparse)


@njit(inline="always")
def _cols_dot_multi_body(X, data, indices, indptr, is_sparse, cols, V, out):
    """``out[c, k] = X[:, cols[c]] . V[k]`` for ``V`` of shape (K, n)."""
    for c in range(cols.shape[0]):
        for k in range(V.shape[0]):
            out[c, k] = col_dot(X, data, indices, indptr, is_sparse, cols[c], V[k])


@njit(cache=True, fastmath=_FAST)
def _cols_dot_multi_dense(X, data, indices, indptr, is_sparse, cols, V, out):
    return _cols_dot_multi_body(X, data, indices, indptr, is_sparse, cols, V, out)


@njit(cache=True)
def _cols_dot_multi_sparse(X, data, indices, indptr, is_sparse, cols, V, out):
    return _cols_dot_multi_body(X, data, indices, indptr, is_sparse, cols, V, out)


cols_dot_multi = by_layout(_cols_dot_multi_dense, _cols_dot_multi_sparse)


@njit(cache=True, fastmath=_FAST)
def rows_dot_multi64(X, V, out):
    """``out[k, j] = sum_i V[k, i] X[i, j]`` row by row (dense X not
    Fortran-ordered), accumulated in float64: with float32 X, BLAS would
    round the gradient to float32 and the KKT certificate would floor at
    about 1e-8 (prox-Newton then ran every one of max_iter steps)."""
    out[:] = 0.0
    for i in range(X.shape[0]):
        for k in range(V.shape[0]):
            v = V[k, i]
            row = out[k]
            for j in range(X.shape[1]):
                row[j] += X[i, j] * v


# ---------------------------------------------------------------------------
# binary logistic datafit


@njit(cache=True)
def binary_loss(z, y, sw):
    """``sum_i sw_i log(1 + exp(-y_i z_i))``."""
    acc = 0.0
    for i in range(z.shape[0]):
        acc += sw[i] * log1pexp(-y[i] * z[i])
    return acc


@njit(cache=True)
def binary_loss_along(z, q, t, y, sw):
    """Binary loss at the scores ``z + t * q`` (the line search)."""
    acc = 0.0
    for i in range(z.shape[0]):
        acc += sw[i] * log1pexp(-y[i] * (z[i] + t * q[i]))
    return acc


@njit(cache=True, fastmath=_FAST)
def binary_derivatives(z, y, sw, raw, hess):
    """Derivatives of the loss with respect to the scores, and the loss.

    ``raw[i] = -sw_i y_i sigmoid(-y_i z_i)`` (so the gradient in ``w`` is
    ``X.T @ raw``) and ``hess[i] = sw_i sigmoid(z_i) sigmoid(-z_i)``.
    Returns ``sum_i sw_i log(1 + exp(-y_i z_i))`` from the same exponential
    ``e = exp(-|y_i z_i|)`` (no overflow, branch-free):
    ``log(1 + exp(m)) = max(m, 0) + log1p(e)``, the sigmoid is ``1 / (1 + e)``
    or ``e / (1 + e)``, and ``p (1 - p) = e / (1 + e)^2`` without
    cancellation.
    """
    loss = 0.0
    for i in range(z.shape[0]):
        m = -y[i] * z[i]
        e = np.exp(-abs(m))
        inv = 1.0 / (1.0 + e)
        p_wrong = inv if m > 0.0 else e * inv
        loss += sw[i] * (max(m, 0.0) + np.log1p(e))
        raw[i] = -sw[i] * y[i] * p_wrong
        hess[i] = sw[i] * e * inv * inv
    return loss


@njit(inline="always")
def _shuffle(order, state):
    """Fisher-Yates shuffle of ``order`` in place with a xorshift64 generator.

    Returns the new generator state. A private generator keeps the kernels
    deterministic (fixed seed per call) without touching NumPy's or Numba's
    global random state.
    """
    for i in range(order.shape[0] - 1, 0, -1):
        state ^= (state << np.uint64(13))
        state ^= (state >> np.uint64(7))
        state ^= (state << np.uint64(17))
        j = np.int64(state % np.uint64(i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp
    return state


@njit(inline="always")
def _binary_cd_epochs_body(X, data, indices, indptr, is_sparse, ws, w_ws, grad_ws,
                           hdiag_ws, hdiag_known, alpha_ws, l1_ratio, hess, q,
                           fit_intercept, grad_b, hess_b, delta_b, max_epochs,
                           tol):
    r"""Coordinate descent on the prox-Newton quadratic model (binary).

    Minimizes over the working-set coordinates ``w_ws`` (updated in place)
    and the intercept step ``delta_b[0]``

    .. math:: g^\top \delta + \tfrac12 \delta^\top X^\top H X \delta
              + \sum_{j \in ws} P_j(w_j + \delta_j)

    and returns ``q = X delta + delta_b`` in ``q``. With an intercept each
    coordinate move of ``w_j`` by ``d`` also moves the intercept by
    ``-mu_j d`` (``mu_j`` the H-weighted mean of column j), which keeps the
    intercept optimal: CD then sees H-centered columns, so uncentered
    features do not slow it down, while sparse columns stay sparse (the
    intercept shift is kept as one offset). ``hdiag_ws`` holds the
    curvatures ``sum_i hess_i X_ij^2`` when ``hdiag_known``; otherwise it is
    filled during the first sweep (no separate pass over the columns). For
    sparse X each sweep visits
    the coordinates in a new pseudo-random order (fixed seed: deterministic).
    Stops when the largest scaled move ``|d| * curvature`` is below ``tol``;
    returns the number of epochs.
    """
    m = ws.shape[0]
    coupled = fit_intercept and hess_b > 0.0
    hx = np.zeros(m)
    if coupled and hdiag_known:
        for c in range(m):
            hx[c] = col_dot(X, data, indices, indptr, is_sparse, ws[c], hess)
    offset = 0.0  # intercept part of q, applied to q at the end
    gb_model = grad_b  # model gradient of the intercept, kept current
    # glmnet's active-set sweeps: after a sweep that moved something, sweep
    # only the non-zero coordinates until they settle, then confirm with a
    # full sweep; zero coordinates of long sparse columns cost a full column
    # read each for nothing while the non-zeros are still moving.
    active_only = False
    n_done = 0
    # Sparse X: a new random order every sweep. With one fixed order, coupled
    # pairs of correlated columns can make cyclic CD crawl (measured: 16
    # sweeps instead of 4 for the last prox-Newton step of a tf-idf
    # problem). Dense X keeps the cyclic order (same sweep counts measured
    # there, and columns read in memory order: a cross-validated path was
    # 10% slower shuffled).
    order = np.arange(m)
    state = np.uint64(0x9E3779B97F4A7C15)
    while n_done < max_epochs:
        worst = 0.0
        if is_sparse:
            state = _shuffle(order, state)
        for cc in range(m):
            c = order[cc]
            if active_only and w_ws[c] == 0.0:
                continue
            j = ws[c]
            first_touch = n_done == 0 and not hdiag_known
            if first_touch:
                # the first (full) sweep reads each column once for its
                # curvature, its intercept coupling and its model gradient
                h2, h1, hq = _col_moments(X, data, indices, indptr, is_sparse,
                                          j, hess, q)
                hdiag_ws[c] = h2
                if coupled:
                    hx[c] = h1
            mu = hx[c] / hess_b if coupled else 0.0
            curv = hdiag_ws[c] - mu * hx[c]
            if curv <= 1e-14 * hdiag_ws[c] or curv <= 1e-300:
                continue
            if not first_touch:
                hq = _hq_dot(X, data, indices, indptr, is_sparse, j, hess, q)
            g = grad_ws[c] + hq + offset * hx[c] - mu * gb_model
            old = w_ws[c]
            new = enet_prox(old - g / curv, 1.0 / curv, alpha_ws[c], l1_ratio,
                            False)
            d = new - old
            if d != 0.0:
                w_ws[c] = new
                col_axpy(X, data, indices, indptr, is_sparse, j, d, q)
                if coupled:
                    offset -= mu * d
                    # d * hx - mu * d * hess_b == 0: gb_model is unchanged
                move = abs(d) * curv
                if move > worst:
                    worst = move
        if coupled:
            # exact intercept minimization given the coefficients
            e = -gb_model / hess_b
            offset += e
            gb_model = 0.0
            if abs(e) * hess_b > worst:
                worst = abs(e) * hess_b
        n_done += 1
        if worst > tol:
            active_only = True
        elif active_only:
            active_only = False  # settled on the non-zeros: confirm on all
        else:
            break
    if coupled:
        delta_b[0] += offset
        for i in range(q.shape[0]):
            q[i] += offset
    return n_done


@njit(cache=True, fastmath=_FAST)
def _binary_cd_epochs_dense(X, data, indices, indptr, is_sparse, ws, w_ws, grad_ws,
                            hdiag_ws, hdiag_known, alpha_ws, l1_ratio, hess, q,
                            fit_intercept, grad_b, hess_b, delta_b, max_epochs,
                            tol):
    return _binary_cd_epochs_body(X, data, indices, indptr, is_sparse, ws, w_ws,
                                  grad_ws, hdiag_ws, hdiag_known, alpha_ws,
                                  l1_ratio, hess, q, fit_intercept, grad_b, hess_b,
                                  delta_b, max_epochs, tol)


@njit(cache=True)
def _binary_cd_epochs_sparse(X, data, indices, indptr, is_sparse, ws, w_ws, grad_ws,
                             hdiag_ws, hdiag_known, alpha_ws, l1_ratio, hess, q,
                             fit_intercept, grad_b, hess_b, delta_b, max_epochs,
                             tol):
    return _binary_cd_epochs_body(X, data, indices, indptr, is_sparse, ws, w_ws,
                                  grad_ws, hdiag_ws, hdiag_known, alpha_ws,
                                  l1_ratio, hess, q, fit_intercept, grad_b, hess_b,
                                  delta_b, max_epochs, tol)


binary_cd_epochs = by_layout(_binary_cd_epochs_dense, _binary_cd_epochs_sparse)


@njit(inline="always")
def _col_moments(X, data, indices, indptr, is_sparse, j, hess, q):
    """``(sum x^2 h, sum x h, sum x h q)`` over column j in one pass."""
    h2 = 0.0
    h1 = 0.0
    hq = 0.0
    if is_sparse:
        for ptr in range(indptr[j], indptr[j + 1]):
            i = indices[ptr]
            x = data[ptr]
            xh = x * hess[i]
            h2 += x * xh
            h1 += xh
            hq += xh * q[i]
    else:
        for i in range(X.shape[0]):
            x = X[i, j]
            xh = x * hess[i]
            h2 += x * xh
            h1 += xh
            hq += xh * q[i]
    return h2, h1, hq


@njit(cache=True, inline="always")
def _hq_dot(X, data, indices, indptr, is_sparse, j, hess, q):
    """``sum_i X[i, j] * hess[i] * q[i]`` without a temporary."""
    if is_sparse:
        return _sparse_hq_dot(data, indices, indptr, j, hess, q)
    return _dense_hq_dot(X, j, hess, q)


@njit(inline="always")
def _hess_diag_body(X, data, indices, indptr, is_sparse, cols, hess, out):
    """``out[c] = sum_i hess_i X[i, cols[c]]**2``."""
    for c in range(cols.shape[0]):
        out[c] = col_sq_dot(X, data, indices, indptr, is_sparse, cols[c], hess)


@njit(cache=True, fastmath=_FAST)
def _hess_diag_dense(X, data, indices, indptr, is_sparse, cols, hess, out):
    return _hess_diag_body(X, data, indices, indptr, is_sparse, cols, hess, out)


@njit(cache=True)
def _hess_diag_sparse(X, data, indices, indptr, is_sparse, cols, hess, out):
    return _hess_diag_body(X, data, indices, indptr, is_sparse, cols, hess, out)


hess_diag = by_layout(_hess_diag_dense, _hess_diag_sparse)


# ---------------------------------------------------------------------------
# multinomial (softmax) datafit, scores stored as (K, n)


@njit(cache=True)
def multinomial_loss(Z, y, sw):
    """``sum_i sw_i (logsumexp(Z[:, i]) - Z[y_i, i])``."""
    n_classes, n = Z.shape
    acc = 0.0
    for i in range(n):
        zmax = Z[0, i]
        for k in range(1, n_classes):
            if Z[k, i] > zmax:
                zmax = Z[k, i]
        s = 0.0
        for k in range(n_classes):
            s += np.exp(Z[k, i] - zmax)
        acc += sw[i] * (zmax + np.log(s) - Z[y[i], i])
    return acc


@njit(cache=True)
def multinomial_loss_along(Z, Q, t, y, sw):
    """Multinomial loss at the scores ``Z + t * Q`` (the line search)."""
    n_classes, n = Z.shape
    acc = 0.0
    buf = np.empty(n_classes)
    for i in range(n):
        zmax = -np.inf
        for k in range(n_classes):
            buf[k] = Z[k, i] + t * Q[k, i]
            if buf[k] > zmax:
                zmax = buf[k]
        s = 0.0
        for k in range(n_classes):
            s += np.exp(buf[k] - zmax)
        acc += sw[i] * (zmax + np.log(s) - buf[y[i]])
    return acc


@njit(cache=True)
def multinomial_derivatives(Z, y, sw, P, raw):
    """Softmax probabilities ``P`` (K, n) and ``raw = sw * (P - onehot(y))``.

    The gradient in ``W`` is ``X.T @ raw.T``; the Hessian of sample i in the
    scores is ``sw_i (diag(p_i) - p_i p_i^T)``. Returns the loss
    ``sum_i sw_i (logsumexp(Z[:, i]) - Z[y_i, i])`` from the same
    exponentials.
    """
    n_classes, n = Z.shape
    loss = 0.0
    for i in range(n):
        zmax = Z[0, i]
        for k in range(1, n_classes):
            if Z[k, i] > zmax:
                zmax = Z[k, i]
        s = 0.0
        for k in range(n_classes):
            P[k, i] = np.exp(Z[k, i] - zmax)
            s += P[k, i]
        for k in range(n_classes):
            P[k, i] /= s
            raw[k, i] = sw[i] * P[k, i]
        raw[y[i], i] -= sw[i]
        loss += sw[i] * (zmax + np.log(s) - Z[y[i], i])
    return loss


@njit(inline="always")
def _multinomial_hess_diag_body(X, data, indices, indptr, is_sparse, cols, P, sw, out):
    """``out[c, k] = sum_i sw_i p_ik (1 - p_ik) X[i, cols[c]]**2``."""
    n_classes, n = P.shape
    hk = np.empty(n)
    for k in range(n_classes):
        for i in range(n):
            hk[i] = sw[i] * P[k, i] * (1.0 - P[k, i])
        for c in range(cols.shape[0]):
            out[c, k] = col_sq_dot(X, data, indices, indptr, is_sparse, cols[c], hk)


@njit(cache=True, fastmath=_FAST)
def _multinomial_hess_diag_dense(X, data, indices, indptr, is_sparse, cols, P, sw,
                                 out):
    return _multinomial_hess_diag_body(X, data, indices, indptr, is_sparse, cols, P,
                                       sw, out)


@njit(cache=True)
def _multinomial_hess_diag_sparse(X, data, indices, indptr, is_sparse, cols, P, sw,
                                  out):
    return _multinomial_hess_diag_body(X, data, indices, indptr, is_sparse, cols, P,
                                       sw, out)


multinomial_hess_diag = by_layout(_multinomial_hess_diag_dense,
                                  _multinomial_hess_diag_sparse)


@njit(cache=True, inline="always")
def _multi_model_grad(X, data, indices, indptr, is_sparse, j, k, P, Q, mvec, sw):
    """``sum_i sw_i X[i, j] p_ik (Q_ik - mvec_i)``: the Hessian-times-step term."""
    acc = 0.0
    if is_sparse:
        for ptr in range(indptr[j], indptr[j + 1]):
            i = indices[ptr]
            acc += data[ptr] * sw[i] * P[k, i] * (Q[k, i] - mvec[i])
    else:
        for i in range(X.shape[0]):
            acc += X[i, j] * sw[i] * P[k, i] * (Q[k, i] - mvec[i])
    return acc


@njit(cache=True, inline="always")
def _multi_apply(X, data, indices, indptr, is_sparse, j, k, d, P, Q, mvec):
    """Move coordinate (j, k) by ``d``: ``Q_k += d x_j``, ``mvec += d p_k x_j``."""
    if is_sparse:
        for ptr in range(indptr[j], indptr[j + 1]):
            i = indices[ptr]
            v = d * data[ptr]
            Q[k, i] += v
            mvec[i] += P[k, i] * v
    else:
        for i in range(X.shape[0]):
            v = d * X[i, j]
            Q[k, i] += v
            mvec[i] += P[k, i] * v


@njit(inline="always")
def _multinomial_cd_epochs_body(X, data, indices, indptr, is_sparse, ws, W_ws, G_ws,
                          Hd_ws, alpha_ws, l1_ratio, P, sw, Q, mvec,
                          fit_intercept, grad_b, hess_b, delta_b, max_epochs, tol):
    r"""Coordinate descent on the exact multinomial prox-Newton model.

    The quadratic model uses the full softmax Hessian
    :math:`\sum_i s_i x_i x_i^\top \otimes (\mathrm{diag}(p_i) - p_i p_i^\top)`
    (not a per-class bound): with ``Q = (X Delta)^T`` (K, n) and
    ``mvec_i = sum_k p_ik Q_ik`` kept current, the model gradient of
    coordinate (j, k) is ``G_jk + sum_i s_i x_ij p_ik (Q_ik - mvec_i)``.
    For dense X with an intercept, a move of ``W_jk`` by ``d`` also moves
    ``b_k`` by ``-mu_jk d`` (``mu_jk`` the curvature-weighted mean of column
    j), i.e. CD runs on centered columns, which keeps it fast on uncentered
    features; sparse X uses plain moves (centering would densify them) and
    an intercept sweep per epoch. ``W_ws`` (m, K) and ``delta_b`` (K,) are
    updated in place. Returns the number of epochs.
    """
    m = ws.shape[0]
    n_classes, n = P.shape
    coupled = fit_intercept and not is_sparse
    hx = np.zeros((m, n_classes))
    if coupled:
        hk = np.empty(n)
        for k in range(n_classes):
            for i in range(n):
                hk[i] = sw[i] * P[k, i] * (1.0 - P[k, i])
            for c in range(m):
                hx[c, k] = col_dot(X, data, indices, indptr, is_sparse, ws[c], hk)
    for epoch in range(max_epochs):
        worst = 0.0
        for c in range(m):
            j = ws[c]
            for k in range(n_classes):
                h_jk = Hd_ws[c, k]
                if coupled and hess_b[k] > 1e-300:
                    mu = hx[c, k] / hess_b[k]
                else:
                    mu = 0.0
                curv = h_jk - mu * hx[c, k]
                if curv <= 1e-14 * h_jk or curv <= 1e-300:
                    continue
                if mu != 0.0:
                    g = G_ws[c, k] - mu * grad_b[k]
                    for i in range(n):
                        r = sw[i] * P[k, i] * (Q[k, i] - mvec[i])
                        g += (X[i, j] - mu) * r
                else:
                    g = G_ws[c, k] + _multi_model_grad(X, data, indices, indptr,
                                                       is_sparse, j, k, P, Q,
                                                       mvec, sw)
                old = W_ws[c, k]
                new = enet_prox(old - g / curv, 1.0 / curv, alpha_ws[c], l1_ratio,
                                False)
                d = new - old
                if d != 0.0:
                    W_ws[c, k] = new
                    if mu != 0.0:
                        for i in range(n):
                            v = d * (X[i, j] - mu)
                            Q[k, i] += v
                            mvec[i] += P[k, i] * v
                        delta_b[k] -= mu * d
                    else:
                        _multi_apply(X, data, indices, indptr, is_sparse, j, k, d,
                                     P, Q, mvec)
                    move = abs(d) * curv
                    if move > worst:
                        worst = move
        if fit_intercept:
            for k in range(n_classes):
                if hess_b[k] <= 1e-300:
                    continue
                g = grad_b[k]
                for i in range(n):
                    g += sw[i] * P[k, i] * (Q[k, i] - mvec[i])
                d = -g / hess_b[k]
                delta_b[k] += d
                for i in range(n):
                    Q[k, i] += d
                    mvec[i] += P[k, i] * d
                if abs(d) * hess_b[k] > worst:
                    worst = abs(d) * hess_b[k]
        if worst <= tol:
            return epoch + 1
    return max_epochs


@njit(cache=True, fastmath=_FAST)
def _multinomial_cd_epochs_dense(X, data, indices, indptr, is_sparse, ws, W_ws,
                                 G_ws, Hd_ws, alpha_ws, l1_ratio, P, sw, Q, mvec,
                                 fit_intercept, grad_b, hess_b, delta_b, max_epochs,
                                 tol):
    return _multinomial_cd_epochs_body(X, data, indices, indptr, is_sparse, ws,
                                       W_ws, G_ws, Hd_ws, alpha_ws, l1_ratio, P, sw,
                                       Q, mvec, fit_intercept, grad_b, hess_b,
                                       delta_b, max_epochs, tol)


@njit(cache=True)
def _multinomial_cd_epochs_sparse(X, data, indices, indptr, is_sparse, ws, W_ws,
                                  G_ws, Hd_ws, alpha_ws, l1_ratio, P, sw, Q, mvec,
                                  fit_intercept, grad_b, hess_b, delta_b,
                                  max_epochs, tol):
    return _multinomial_cd_epochs_body(X, data, indices, indptr, is_sparse, ws,
                                       W_ws, G_ws, Hd_ws, alpha_ws, l1_ratio, P, sw,
                                       Q, mvec, fit_intercept, grad_b, hess_b,
                                       delta_b, max_epochs, tol)


multinomial_cd_epochs = by_layout(_multinomial_cd_epochs_dense,
                                  _multinomial_cd_epochs_sparse)


# ---------------------------------------------------------------------------
# optimality measures


@njit(cache=True)
def enet_kkt_scores(W, G, alpha, l1_ratio, penalty_factor, out):
    """Per-feature KKT violation, max over the columns of ``W``/``G`` (p, K)."""
    for j in range(W.shape[0]):
        worst = 0.0
        a_j = alpha * penalty_factor[j]
        for k in range(W.shape[1]):
            d = enet_subdiff_distance(W[j, k], G[j, k], a_j, l1_ratio, False)
            if d > worst:
                worst = d
        out[j] = worst


@njit(cache=True)
def kkt_and_priority(W, G, alpha, l1_ratio, penalty_factor, out):
    """Per-feature KKT violations in ``out`` (W, G: (p, K)), in one pass.

    Returns ``(largest violation, support size)``; afterwards the features
    with a non-zero coefficient have ``out = inf`` (they head the working
    set).
    """
    worst_all = 0.0
    n_support = 0
    for j in range(W.shape[0]):
        worst = 0.0
        a_j = alpha * penalty_factor[j]
        nonzero = False
        for k in range(W.shape[1]):
            d = enet_subdiff_distance(W[j, k], G[j, k], a_j, l1_ratio, False)
            if d > worst:
                worst = d
            if W[j, k] != 0.0:
                nonzero = True
        if worst != worst:
            worst_all = np.nan  # a non-finite gradient: reported, not hidden
        elif worst > worst_all:
            worst_all = worst
        if nonzero:
            n_support += 1
            out[j] = np.inf
        else:
            out[j] = worst
    return worst_all, n_support


@njit(cache=True)
def binary_entropy_sum(theta, sw):
    """``sum_i sw_i H(theta_i)`` with the binary entropy H (0 log 0 = 0)."""
    acc = 0.0
    for i in range(theta.shape[0]):
        t = theta[i]
        if 0.0 < t < 1.0:
            acc -= sw[i] * (t * np.log(t) + (1.0 - t) * np.log(1.0 - t))
    return acc


@njit(cache=True)
def multinomial_entropy_sum(P, sw):
    """``sum_i sw_i H(P[:, i])`` with the Shannon entropy H (0 log 0 = 0)."""
    n_classes, n = P.shape
    acc = 0.0
    for i in range(n):
        h = 0.0
        for k in range(n_classes):
            p = P[k, i]
            if p > 0.0:
                h -= p * np.log(p)
        acc += sw[i] * h
    return acc


@njit(cache=True)
def best_common_shift(v, l1_ratio):
    r"""``argmin_c sum_k rho |v_k + c| + (1 - rho)/2 (v_k + c)^2``.

    The softmax loss is invariant to adding ``c`` to one feature's
    coefficients in every class, so the penalty alone fixes ``c``: the mean
    for L2, the median for L1, in between for the elastic net. Scans the
    sorted breakpoints ``-v_k`` of the piecewise-quadratic objective.
    """
    K = v.shape[0]
    total = 0.0
    for k in range(K):
        total += v[k]
    if l1_ratio <= 0.0:
        return -total / K
    b = np.sort(-v)
    rho = l1_ratio
    for s in range(K + 1):
        lo = b[s - 1] if s > 0 else -np.inf
        hi = b[s] if s < K else np.inf
        # on (lo, hi) exactly s of the v_k + c are positive
        base = rho * (2.0 * s - K)
        if rho < 1.0:
            c = (-base / (1.0 - rho) - total) / K
            if lo <= c <= hi:
                return c
        elif 2 * s == K:
            return lo
        if s < K:
            left = base + (1.0 - rho) * (total + K * hi)
            right = left + 2.0 * rho
            if left <= 0.0 <= right:
                return hi
    return 0.0


@njit(cache=True)
def recenter_rows(W, l1_ratio):
    """Shift each row of ``W`` (m, K) by its penalty-optimal common shift."""
    for c in range(W.shape[0]):
        shift = best_common_shift(W[c].copy(), l1_ratio)
        if shift != 0.0:
            for k in range(W.shape[1]):
                W[c, k] += shift


@njit(cache=True, fastmath=True)
def binary_fused_loss_grad(X, w, b, y, sw, z, grad):
    """Loss, gradient and scores of the binary loss in one pass over X.

    For C-ordered dense ``X``: each row is read once, first for its score
    ``z_i = x_i . w + b`` then for ``grad += raw_i x_i``, while it is still
    in cache; two BLAS matrix-vector products would stream X twice.
    Returns ``(loss, grad_b)``; ``z`` and ``grad`` are filled in place.
    """
    n, p = X.shape
    for j in range(p):
        grad[j] = 0.0
    loss = 0.0
    grad_b = 0.0
    for i in range(n):
        acc = b
        for j in range(p):
            acc += X[i, j] * w[j]
        z[i] = acc
        yz = y[i] * acc
        loss += sw[i] * log1pexp(-yz)
        r = -sw[i] * y[i] * sigmoid(-yz)
        grad_b += r
        if r != 0.0:
            for j in range(p):
                grad[j] += r * X[i, j]
    return loss, grad_b


@njit(cache=True)
def enet_rows_value(W, alpha_rows, l1_ratio):
    """``sum_j alpha_j sum_k (rho |W_jk| + (1 - rho)/2 W_jk^2)``."""
    acc = 0.0
    for j in range(W.shape[0]):
        row = 0.0
        for k in range(W.shape[1]):
            w = W[j, k]
            row += l1_ratio * abs(w) + 0.5 * (1.0 - l1_ratio) * w * w
        acc += alpha_rows[j] * row
    return acc


@njit(cache=True)
def enet_rows_step(W, D, t, alpha_rows, l1_ratio):
    """``P(W + t D) - P(W)`` term by term (no cancellation of large totals)."""
    acc = 0.0
    for j in range(W.shape[0]):
        row = 0.0
        for k in range(W.shape[1]):
            w = W[j, k]
            d = t * D[j, k]
            row += l1_ratio * (abs(w + d) - abs(w)) + (1.0 - l1_ratio) * d * (
                w + 0.5 * d)
        acc += alpha_rows[j] * row
    return acc
