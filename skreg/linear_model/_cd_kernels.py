r"""Compiled coordinate-descent kernels for quadratic + elastic-net problems.

Two kernels, each solving the problem restricted to a *working set* of
features (the other coefficients are zero or fixed) with cyclic or random
coordinate descent, Anderson extrapolation every ``anderson_k + 1`` epochs
(accepted only if it lowers the objective, as in skglm's ``AndersonCD``) and a
duality-gap stopping test on the working set:

- :func:`cd_working_set_dense` / :func:`cd_working_set_sparse` work on X
  itself (Fortran-ordered dense, or CSC arrays), sharing one inlined body.
  They keep the raw residual ``R`` and the scalar ``S`` described in
  :mod:`skreg.linear_model._datafits`, which fit the intercept by implicit
  centering without touching X.
- :func:`cd_working_set_gram` works on the Gram matrix
  :math:`\tilde X^\top \tilde X` and keeps the correlation vector instead of
  the residual (cheap when n_samples >> n_features).

All strengths are n-scaled (``lam1 = n * alpha * l1_ratio * penalty_factor``).
Vectors are float64; X may be float32 or float64 (it is never converted).
The entry points release the GIL (``nogil``), so CV folds run in parallel
in joblib threads.
"""

import numpy as np
from numba import njit

from ._datafits import quadratic_enet_gap

# Let LLVM reorder sums (SIMD dot products, like BLAS); NaN/inf semantics kept.
_FAST = {"reassoc", "contract", "arcp"}
# placeholders for the unused representation (globals are compile-time constants)
_NO_MATRIX = np.empty((0, 0), order="F")
_NO_DATA = np.empty(0)
_NO_INDEX = np.empty(0, dtype=np.int32)


# Sparse dot products in four independent sums: one chained sum waits for each
# addition, and the sparse entry points cannot let LLVM reassociate (see
# below). Sparse issue-2 path: CD kernels 268 -> 221 ms. The positions are
# unsigned, and so are the row indices the solvers pass
# (``skreg.utils.sparse_index``): numba then skips its negative-index test,
# which otherwise doubles the time of these gather loops.
_ONE = np.uint64(1)
_TWO = np.uint64(2)
_THREE = np.uint64(3)
_FOUR = np.uint64(4)


@njit(cache=True, inline="always")
def sparse_dot(data, indices, start, end, v):
    """``sum(data[k] * v[indices[k]] for k in range(start, end))``."""
    a0 = a1 = a2 = a3 = 0.0
    k = np.uint64(start)
    stop = np.uint64(end)
    while k + _FOUR <= stop:
        a0 += data[k] * v[indices[k]]
        a1 += data[k + _ONE] * v[indices[k + _ONE]]
        a2 += data[k + _TWO] * v[indices[k + _TWO]]
        a3 += data[k + _THREE] * v[indices[k + _THREE]]
        k += _FOUR
    while k < stop:
        a0 += data[k] * v[indices[k]]
        k += _ONE
    return (a0 + a1) + (a2 + a3)


@njit(cache=True, inline="always")
def sparse_dot_weighted(data, indices, start, end, sw, v):
    """``sum(data[k] * sw[i] * v[i])`` with ``i = indices[k]``, k in [start, end)."""
    a0 = a1 = a2 = a3 = 0.0
    k = np.uint64(start)
    stop = np.uint64(end)
    while k + _FOUR <= stop:
        i0 = indices[k]
        i1 = indices[k + _ONE]
        i2 = indices[k + _TWO]
        i3 = indices[k + _THREE]
        a0 += data[k] * sw[i0] * v[i0]
        a1 += data[k + _ONE] * sw[i1] * v[i1]
        a2 += data[k + _TWO] * sw[i2] * v[i2]
        a3 += data[k + _THREE] * sw[i3] * v[i3]
        k += _FOUR
    while k < stop:
        i0 = indices[k]
        a0 += data[k] * sw[i0] * v[i0]
        k += _ONE
    return (a0 + a1) + (a2 + a3)


# Column helpers, inlined into each entry point (a separately compiled helper
# costs ~90 ns per call) and compiled with the entry point's fastmath flags:
# the dense entry reassociates (SIMD), the sparse one must not (LLVM would
# vectorize with slow gathers).
@njit(cache=True, inline="always")
def _col_dot(X, data, indices, indptr, is_sparse, j, v, sw, weighted):
    """sum_i s_i X[i, j] v[i]."""
    acc = 0.0
    if is_sparse:
        start, end = indptr[j], indptr[j + 1]
        if weighted:
            acc = sparse_dot_weighted(data, indices, start, end, sw, v)
        else:
            acc = sparse_dot(data, indices, start, end, v)
    elif weighted:
        for i in range(v.shape[0]):
            acc += X[i, j] * sw[i] * v[i]
    else:
        for i in range(v.shape[0]):
            acc += X[i, j] * v[i]
    return acc


@njit(cache=True, inline="always")
def _col_axpy(X, data, indices, indptr, is_sparse, j, a, v):
    """v -= a * X[:, j]."""
    if is_sparse:
        for k in range(indptr[j], indptr[j + 1]):
            v[indices[k]] -= a * data[k]
    else:
        for i in range(v.shape[0]):
            v[i] -= a * X[i, j]


@njit(cache=True, inline="always")
def _weight_total(sw, weighted, n_samples):
    if not weighted:
        return float(n_samples)
    total = 0.0
    for i in range(n_samples):
        total += sw[i]
    return total


@njit(cache=True, inline="always")
def _enet_coordinate(z, lipschitz, lam1, lam2, positive):
    """argmin_w L/2 w^2 - z w + lam1 |w| + lam2/2 w^2 (w >= 0 if positive)."""
    if positive:
        v = z - lam1
        if v < 0.0:
            v = 0.0
    elif z > lam1:
        v = z - lam1
    elif z < -lam1:
        v = z + lam1
    else:
        v = 0.0
    return v / (lipschitz + lam2)


@njit(cache=True, inline="always")
def _penalty_ws(coef, ws, lam1, lam2):
    pen = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        b = coef[j]
        pen += lam1[j] * abs(b) + 0.5 * lam2[j] * b * b
    return pen


@njit(cache=True, inline="always")
def _anderson_weights(buffer):
    """Anderson mixing weights from K+1 stored iterates (rows of ``buffer``).

    Returns an empty array when the linear system is singular.
    """
    n_stored = buffer.shape[0] - 1
    diffs = buffer[1:] - buffer[:-1]
    gram = diffs @ diffs.T
    ones = np.ones(n_stored)
    # a tiny ridge keeps the system solvable near convergence
    scale = 0.0
    for k in range(n_stored):
        scale = max(scale, gram[k, k])
    if scale == 0.0:
        return np.empty(0)
    for k in range(n_stored):
        gram[k, k] += 1e-10 * scale
    z = np.linalg.solve(gram, ones)
    total = z.sum()
    if total == 0.0 or not np.isfinite(total):
        return np.empty(0)
    return z / total


@njit(cache=True)
def _anderson_candidate(buffer, coef, ws, epoch, positive, out):
    """Store this epoch's working-set iterate; every ``K + 1`` epochs write the
    Anderson-extrapolated point into ``out`` and return True.
    """
    anderson_k = buffer.shape[0] - 1
    slot = epoch % (anderson_k + 1)
    for k in range(ws.shape[0]):
        buffer[slot, k] = coef[ws[k]]
    if slot != anderson_k:
        return False
    weights = _anderson_weights(buffer)
    if weights.shape[0] == 0:
        return False
    # candidate = sum_k c_k w^(k+1)
    for k in range(ws.shape[0]):
        out[k] = 0.0
        for m in range(anderson_k):
            out[k] += weights[m] * buffer[m + 1, k]
        if positive and out[k] < 0.0:
            out[k] = 0.0
    return True


@njit(cache=True, nogil=True, fastmath=_FAST)
def cd_working_set_dense(X, xbar, sw, weighted, center, yc, y_sum, R, state, coef,
                         ws, lam1, lam2, norm2, positive, max_epochs, tol_in,
                         random_order, seed, anderson_k):
    """:func:`_cd_working_set` for a dense Fortran-ordered X."""
    return _cd_working_set(X, _NO_DATA, _NO_INDEX, _NO_INDEX, False, xbar, sw,
                           weighted, center, yc, y_sum, R, state, coef, ws, lam1,
                           lam2, norm2, positive, max_epochs, tol_in,
                           random_order, seed, anderson_k)


@njit(cache=True, nogil=True)
def cd_working_set_sparse(data, indices, indptr, xbar, sw, weighted, center, yc,
                          y_sum, R, state, coef, ws, lam1, lam2, norm2, positive,
                          max_epochs, tol_in, random_order, seed, anderson_k):
    """:func:`_cd_working_set` for X given by its CSC arrays."""
    return _cd_working_set(_NO_MATRIX, data, indices, indptr, True, xbar, sw,
                           weighted, center, yc, y_sum, R, state, coef, ws, lam1,
                           lam2, norm2, positive, max_epochs, tol_in,
                           random_order, seed, anderson_k)


# The body is inlined into the two entry points above with a constant
# ``is_sparse``: a runtime flag made the inner loops about 2x slower.
@njit(cache=True, inline="always")
def _cd_working_set(X, data, indices, indptr, is_sparse, xbar, sw, weighted,
                    center, yc, y_sum, R, state, coef, ws, lam1, lam2, norm2,
                    positive, max_epochs, tol_in, random_order, seed, anderson_k):
    r"""Coordinate descent on the working set ``ws`` (indices into features).

    Updates ``coef``, the raw residual ``R`` and ``state[0] = S`` in place.

    Parameters
    ----------
    X : 2-D Fortran array (dense case) or a (0, 0) placeholder.
    data, indices, indptr : CSC arrays (sparse case) or placeholders.
    xbar : weighted column means (used when ``center``).
    sw, weighted : normalised sample weights, and whether they are not all 1.
    yc, y_sum : centered target and :math:`\sum_i s_i y_{c,i}`.
    lam1, lam2, norm2 : per-feature n-scaled strengths and column norms.
    max_epochs, tol_in : epoch budget and working-set gap target (n-scaled).
    random_order, seed : random coordinate order (reseeded from ``seed``).
    anderson_k : number of differences used by Anderson extrapolation
        (0 disables it).

    Returns
    -------
    n_epochs : int
    gap : float
        Duality gap of the working-set problem at exit (n-scaled).
    """
    n_samples = R.shape[0]
    n_ws = ws.shape[0]
    n_w = _weight_total(sw, weighted, n_samples)
    if random_order:
        np.random.seed(seed)  # noqa: NPY002 (numba supports the legacy API)
    order = np.arange(n_ws)
    buffer = np.empty((anderson_k + 1, n_ws))
    coef_ws = np.empty(n_ws)
    corr = np.empty(n_ws)
    lam1_ws, lam2_ws = lam1[ws], lam2[ws]
    R_extra = np.empty(n_samples) if anderson_k > 0 else np.empty(0)
    gap = np.inf
    n_epochs = 0
    for epoch in range(max_epochs):
        n_epochs = epoch + 1
        if random_order:
            order = np.random.permutation(n_ws)  # noqa: NPY002
        S = state[0]
        for kk in range(n_ws):
            k = order[kk]
            j = ws[k]
            lipschitz = norm2[j]
            if lipschitz == 0.0:
                corr[k] = 0.0
                continue
            g = _col_dot(X, data, indices, indptr, is_sparse, j, R, sw, weighted)
            if center:
                g -= xbar[j] * S
            old = coef[j]
            new = _enet_coordinate(lipschitz * old + g, lipschitz, lam1[j],
                                   lam2[j], positive)
            # correlation right after this coordinate's update: exact for j now,
            # slightly stale at the end of the epoch (only steers the inner stop)
            corr[k] = g - lipschitz * (new - old)
            if new != old:
                delta = new - old
                coef[j] = new
                _col_axpy(X, data, indices, indptr, is_sparse, j, delta, R)
                if center:
                    S -= delta * n_w * xbar[j]
        state[0] = S
        extrapolated = False

        if anderson_k > 0:
            if _anderson_candidate(buffer, coef, ws, epoch, positive, coef_ws):
                # move a copy of the residual to the candidate
                R_extra[:] = R
                S_extra = S
                for k in range(n_ws):
                    j = ws[k]
                    delta = coef_ws[k] - coef[j]
                    if delta != 0.0:
                        _col_axpy(X, data, indices, indptr, is_sparse, j,
                                  delta, R_extra)
                        if center:
                            S_extra -= delta * n_w * xbar[j]
                obj_cur = _penalty_ws(coef, ws, lam1, lam2)
                obj_new = 0.0
                for k in range(n_ws):
                    b = coef_ws[k]
                    obj_new += lam1_ws[k] * abs(b) + 0.5 * lam2_ws[k] * b * b
                q_cur = 0.0
                q_new = 0.0
                for i in range(n_samples):
                    s = sw[i] if weighted else 1.0
                    q_cur += s * R[i] * R[i]
                    q_new += s * R_extra[i] * R_extra[i]
                if center:
                    q_cur -= S * S / n_w
                    q_new -= S_extra * S_extra / n_w
                if 0.5 * q_new + obj_new < 0.5 * q_cur + obj_cur:
                    for k in range(n_ws):
                        coef[ws[k]] = coef_ws[k]
                    R[:] = R_extra
                    S = S_extra
                    state[0] = S
                    extrapolated = True

        # approximate working-set gap from the correlations gathered during
        # the epoch (no extra pass over X); the caller certifies exactly
        if not extrapolated:
            for k in range(n_ws):
                coef_ws[k] = coef[ws[k]]
            offset = -S / n_w if center else 0.0
            r_norm2 = 0.0
            y_dot_r = 0.0
            for i in range(n_samples):
                s = sw[i] if weighted else 1.0
                r_i = R[i] + offset
                r_norm2 += s * r_i * r_i
                y_dot_r += s * yc[i] * R[i]
            y_dot_r += offset * y_sum
            gap = quadratic_enet_gap(corr, coef_ws, lam1_ws, lam2_ws, positive,
                                     r_norm2, y_dot_r)
            if gap <= tol_in:
                # confirm with exact correlations (one pass over the ws columns)
                for k in range(n_ws):
                    j = ws[k]
                    g = _col_dot(X, data, indices, indptr, is_sparse, j, R, sw,
                                 weighted)
                    corr[k] = g - xbar[j] * S if center else g
                gap = quadratic_enet_gap(corr, coef_ws, lam1_ws, lam2_ws,
                                         positive, r_norm2, y_dot_r)
                if gap <= tol_in:
                    break
    return n_epochs, gap


@njit(cache=True, nogil=True, fastmath=_FAST)
def cd_working_set_gram(G, q, corr, coef, ws, lam1, lam2, positive, y_norm2,
                        max_epochs, tol_in, random_order, seed, anderson_k,
                        scratch):
    r"""Coordinate descent on ``ws`` using the Gram matrix.

    ``G`` is :math:`\tilde X^\top \tilde X` (symmetric, C-contiguous; it may
    be a float32 copy when ``scratch`` is float32: only the block is read),
    ``q`` is :math:`\tilde X^\top \tilde y`, ``corr`` holds
    :math:`g = q - G w` on entry; ``y_norm2`` is :math:`\|\tilde y\|^2`.
    The working-set block of G is first copied into ``scratch`` (at least
    ``|ws|^2`` entries), so that every coordinate update is one contiguous
    axpy of length ``|ws|`` (not ``n_features``, and no gathers). A float32
    ``scratch`` halves the memory traffic of large blocks: the epochs then
    solve the model problem whose Hessian is the rounded block, from the
    exact gradient ``corr``; the caller's exact outer check refines from
    there. Only ``corr[ws]`` is up to date on return: the caller recomputes
    the others. Same returns as :func:`cd_working_set_dense`.

    :math:`\|r\|^2` is accumulated along the updates
    (:math:`-2 \delta g_k + \delta^2 G_{kk}` per step) rather than
    recomputed as :math:`\|y\|^2 - q^\top w - g^\top w`: that difference
    cancels when the fit is close, and with a rounded block it would not
    match the model the epochs solve, so the inner gap could stall above
    ``tol_in``. With :math:`y^\top r = \|r\|^2 + g^\top w` the gap is
    then the exact gap of the model problem.
    """
    n_ws = ws.shape[0]
    G_ws = scratch[:n_ws * n_ws].reshape((n_ws, n_ws))
    ws_u = ws.astype(np.uint64)  # unsigned: no negative-index wraparound test
    for a in range(n_ws):
        row = G[ws_u[a]]
        for b in range(n_ws):
            G_ws[a, b] = row[ws_u[b]]
    corr_ws = corr[ws]
    coef_ws = coef[ws]
    lam1_ws, lam2_ws = lam1[ws], lam2[ws]
    # ||r||^2 at entry (corr is exact there); updated step by step below
    r_norm2 = y_norm2
    for k in range(G.shape[0]):
        if coef[k] != 0.0:
            r_norm2 -= (q[k] + corr[k]) * coef[k]
    if random_order:
        np.random.seed(seed)  # noqa: NPY002 (numba supports the legacy API)
    order = np.arange(n_ws)
    buffer = np.empty((anderson_k + 1, n_ws))
    candidate = np.empty(n_ws)
    gap = np.inf
    n_epochs = 0
    for epoch in range(max_epochs):
        n_epochs = epoch + 1
        if random_order:
            order = np.random.permutation(n_ws)  # noqa: NPY002
        for kk in range(n_ws):
            k = order[kk]
            lipschitz = G_ws[k, k]
            if lipschitz == 0.0:
                continue
            old = coef_ws[k]
            new = _enet_coordinate(lipschitz * old + corr_ws[k], lipschitz,
                                   lam1_ws[k], lam2_ws[k], positive)
            if new != old:
                delta = new - old
                coef_ws[k] = new
                r_norm2 += delta * (delta * lipschitz - 2.0 * corr_ws[k])
                for m in range(n_ws):
                    corr_ws[m] -= delta * G_ws[k, m]

        if anderson_k > 0:
            ident = np.arange(n_ws)
            if _anderson_candidate(buffer, coef_ws, ident, epoch, positive,
                                   candidate):
                # f(w + d) - f(w) = -g.d + d.G.d / 2 (+ penalty change),
                # with the block restricted to ws
                smooth = 0.0
                change = 0.0
                for k in range(n_ws):
                    d_k = candidate[k] - coef_ws[k]
                    b = candidate[k]
                    change += (lam1_ws[k] * (abs(b) - abs(coef_ws[k]))
                               + 0.5 * lam2_ws[k] * (b * b - coef_ws[k] ** 2))
                    if d_k != 0.0:
                        smooth -= corr_ws[k] * d_k
                        gd = 0.0
                        for m in range(n_ws):
                            gd += G_ws[k, m] * (candidate[m] - coef_ws[m])
                        smooth += 0.5 * d_k * gd
                if change + smooth < 0.0:
                    for k in range(n_ws):
                        d_k = candidate[k] - coef_ws[k]
                        if d_k != 0.0:
                            for m in range(n_ws):
                                corr_ws[m] -= d_k * G_ws[k, m]
                    coef_ws[:] = candidate
                    r_norm2 += 2.0 * smooth

        # O(|ws|): cheap enough to test after every epoch
        g_dot_w = 0.0
        for k in range(n_ws):
            g_dot_w += corr_ws[k] * coef_ws[k]
        gap = quadratic_enet_gap(corr_ws, coef_ws, lam1_ws, lam2_ws, positive,
                                 r_norm2, r_norm2 + g_dot_w)
        if gap <= tol_in:
            break
    for k in range(n_ws):
        coef[ws[k]] = coef_ws[k]
        corr[ws[k]] = corr_ws[k]
    return n_epochs, gap


# float64 products for float32 X: BLAS would accumulate in float32, and the
# duality gap built on float32 correlations is not an honest certificate.
@njit(cache=True, nogil=True, fastmath=_FAST)
def correlations_dense64(X, u):
    """X^T u accumulated in float64 (X dense, any float dtype)."""
    out = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        acc = 0.0
        for i in range(u.shape[0]):
            acc += X[i, j] * u[i]
        out[j] = acc
    return out


@njit(cache=True, nogil=True)
def correlations_sparse64(data, indices, indptr, u):
    """X^T u accumulated in float64 (X given by its CSC arrays)."""
    n_features = indptr.shape[0] - 1
    out = np.empty(n_features)
    for j in range(n_features):
        acc = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            acc += data[k] * u[indices[k]]
        out[j] = acc
    return out


@njit(cache=True, nogil=True, fastmath=_FAST)
def matvec_dense64(X, w):
    """X w accumulated in float64 (zero coefficients skipped)."""
    out = np.zeros(X.shape[0])
    for j in range(X.shape[1]):
        if w[j] != 0.0:
            a = w[j]
            for i in range(X.shape[0]):
                out[i] += X[i, j] * a
    return out


@njit(cache=True, nogil=True)
def matvec_sparse64(data, indices, indptr, n_samples, w):
    """X w accumulated in float64 (X given by its CSC arrays)."""
    out = np.zeros(n_samples)
    for j in range(indptr.shape[0] - 1):
        if w[j] != 0.0:
            for k in range(indptr[j], indptr[j + 1]):
                out[indices[k]] += data[k] * w[j]
    return out


@njit(cache=True, nogil=True, fastmath=_FAST)
def dense_column_stats(X, sw, weighted, center, v):
    r"""One pass over a dense Fortran X for what a fit needs before its first step.

    For every column j, with weights :math:`s_i` summing to :math:`n_w`:
    the weighted mean :math:`\bar x_j = \sum_i s_i X_{ij} / n_w` (0 unless
    ``center``), the centered squared norm
    :math:`\sum_i s_i (X_{ij} - \bar x_j)^2` and :math:`X_j^\top v` (``v`` of
    length 0 skips it). Accumulated in float64 for any X dtype.

    One sweep per column accumulates :math:`S_1 = \sum_i s_i d_i` and
    :math:`S_2 = \sum_i s_i d_i^2` of the entries shifted by the column's first
    entry, :math:`d_i = X_{ij} - X_{1j}`; the centered norm is then
    :math:`S_2 - S_1^2 / n_w`. When that subtraction would cancel more than
    half of :math:`S_2` (a shift far from the mean), a second sweep over the
    column, still in cache, sums :math:`s_i (d_i - S_1/n_w)^2` instead. The
    single sweep took the stats of a 5000 x 2000 X from 13.7 to 9.1 ms.

    Returns ``(xbar, norm2, xv, finite)``; ``finite`` is False when a column
    sum is NaN or infinite (the caller then reports the offending input).
    """
    n_samples, n_features = X.shape
    n_w = _weight_total(sw, weighted, n_samples)
    with_dot = v.shape[0] > 0
    xbar = np.zeros(n_features)
    norm2 = np.empty(n_features)
    xv = np.zeros(n_features)
    finite = True
    for j in range(n_features):
        shift = float(X[0, j]) if center and n_samples else 0.0
        s1 = 0.0
        s2 = 0.0
        dot = 0.0
        for i in range(n_samples):
            d = X[i, j] - shift
            sd = sw[i] * d if weighted else d
            s1 += sd
            s2 += sd * d
            if with_dot:
                dot += X[i, j] * v[i]
        if not np.isfinite(s1):
            finite = False
            break
        m = s1 / n_w if center else 0.0
        acc = s2 - s1 * m
        if not acc >= 0.5 * s2:
            acc = 0.0
            for i in range(n_samples):
                d = X[i, j] - shift - m
                acc += (sw[i] * d * d) if weighted else d * d
        xbar[j] = shift + m
        norm2[j] = acc
        xv[j] = dot
    return xbar, norm2, xv, finite
