r"""Gram matrix of the working-set columns, grown as features enter.

Coordinate descent with a residual reads a whole column of X per coordinate
and epoch (memory-bound: about 6 µs for 5000 float64 rows on the project
machine). On a working set of ``k`` columns the same epochs can run on the
``k x k`` block of :math:`\tilde X^\top \tilde X` instead, which stays in
cache and costs ``O(k)`` per coordinate update. The block is built with BLAS
for dense X (about 25x faster per column pair than the CD loop per column
visit), by :func:`sparse_block_products` for sparse X, only for the features
that ever enter a working set, and kept for the rest of the fit
(and along a path). The duality gap is still certified from the exact
residual by the caller: this block only steers the inner solver.

With :math:`Z = \sqrt{s}\,(X - \bar x)` (centered, weighted columns), the block
is :math:`Z_U^\top Z_U` and the linear term :math:`q_U = Z_U^\top \sqrt{s}\,
y_c`. Dense columns are centered explicitly before the products, so that a
large column mean costs no digits; sparse columns stay sparse (raw products
minus the mean terms), and a sparse design with an intercept whose raw second
moments dwarf the centered ones (more than :data:`_CANCELLATION_LIMIT`) is not
served.

When the block would hold most features of a dense X with ``n >= p`` (more
than :data:`_FULL_FRACTION` of them, or more than :data:`MAX_COLUMNS`), the
whole Gram matrix is built at once instead (raw products minus the mean term,
unless that cancels) and the column cache is dropped.
"""

import numpy as np
from numba import njit

# raw / centered second moment above which the block would lose too many digits
# (sparse X only: dense columns are centered explicitly before the products)
_CANCELLATION_LIMIT = 1e6
# largest cached block (float64 entries: 1500^2 x 8 B = 18 MB)
MAX_COLUMNS = 1500
# dense X: the centered working-set columns are kept (so that neither the
# products nor the residual updates gather from X again) up to this fraction of
# X's size; the features beyond are gathered from X in blocks when needed.
# The buffer is reserved at the start: its untouched pages cost no resident
# memory (tracemalloc counts them), one buffer keeps the products one gemm,
# and a buffer of the same size in every fit is reused by the allocator
# without page faults (3 us each on the project VM). At 0.25 the ElasticNet
# benchmark (5000 x 2000: 392 features in the buffer, then 275 more) regathered
# the last 257 columns at every later grow and residual update: 97 -> 89 ms
# per fit at 0.4. Overflow arrays for the extra columns instead of a larger
# buffer cost 3000 page faults per fit and were slower than both.
_COLUMN_BUDGET = 0.4
_GATHER_BYTES = 1 << 23
# dense X with n >= p: once the block would hold more than this fraction of the
# features (or more than MAX_COLUMNS), the whole centered Gram matrix is built
# at once (BLAS syrk; at most the size of X) and replaces the block and the
# column cache. Past MAX_COLUMNS the block used to be given up for residual
# epochs: Lasso 5000 x 2000 at alpha_max/200 (1535 nonzeros) took 1.15 s that
# way, 0.54 s now (scikit-learn: 0.42 s). Going full whenever the block passed
# half the features was slower at alpha_max/100 (1181 nonzeros: 0.49 against
# 0.42 s), the syrk then costing more than the rest of the block.
_FULL_FRACTION = 0.75
# relative gap between the diagonal of the full Gram (raw products minus the
# mean term) and the centered norms above which it is not trusted
_FULL_DIAG_RTOL = 1e-9


class WorkingGram:
    r"""Block :math:`Z_U^\top Z_U` and :math:`Z_U^\top \sqrt{s} y_c` for a growing U.

    Parameters
    ----------
    design : skreg.linear_model._solver._Design
    target : skreg.linear_model._solver._Target
    """

    def __init__(self, design, target):
        self.design = design
        self.yc, self.y_sum = target.yc, target.y_sum
        self.slot = np.full(design.n_features, -1, dtype=np.int64)
        self.features = np.empty(0, dtype=np.int64)
        self.G = np.empty((0, 0))
        self.q = np.empty(0)
        self.n_cached = 0
        self.full = False  # G holds every feature (slot j is feature j)
        self.full_refused = False
        self.Xc = None
        if not design.is_sparse:
            # centered columns X_U - xbar_U of the first features to enter (the
            # block products and residual updates then read no column of X
            # again); untouched pages of the buffer cost no memory
            budget = int(_COLUMN_BUDGET * design.n_features)
            self.Xc = np.empty((design.n_samples, min(MAX_COLUMNS, budget)), order="F")

    @staticmethod
    def serves(design):
        """False for Gram designs, and sparse designs whose block would cancel."""
        if design.use_gram:
            return False
        if not (design.is_sparse and design.fit_intercept):
            return True
        return design.mean_to_spread <= _CANCELLATION_LIMIT

    def has_room(self, ws):
        size = self.features.size + np.count_nonzero(self.slot[ws] < 0)
        return (self.full or size <= MAX_COLUMNS
                or self._may_go_full(self.features.size, size - self.features.size))

    def slots(self, ws):
        """Positions of ``ws`` in ``G`` and ``q`` (new features added first)."""
        new = ws[self.slot[ws] < 0]
        if new.size:
            if not (self._may_go_full(self.features.size, new.size)
                    and self._go_full()):
                self._grow(new)
        return self.slot[ws]

    def _may_go_full(self, m, k):
        """Whether to build the whole Gram rather than grow by ``k`` from ``m``."""
        design = self.design
        p = design.n_features
        if design.is_sparse or self.full_refused or design.n_samples < p:
            return False
        size = m + k
        # a grow into most of the features that alone costs a third of the
        # syrk (n p^2 / 2 products, about 1.5x faster per product) is likely
        # followed by more: build the whole matrix now
        return (size > min(MAX_COLUMNS, _FULL_FRACTION * p)
                or (size > p / 2 and 6 * k * size > p * p))

    def _go_full(self):
        """Replace the block by the whole Gram matrix; False if it cancels."""
        design = self.design
        G = design.compute_gram()
        drift = np.abs(np.diag(G) - design.norm2)
        if np.any(drift > _FULL_DIAG_RTOL * np.maximum(design.norm2, 1e-300)):
            # large column means: raw products minus the mean term lost digits
            self.full_refused = True
            return False
        q = design.correlations(self.yc)
        if design.fit_intercept:
            q -= design.xbar * self.y_sum
        self.G, self.q = G, q
        self.features = np.arange(design.n_features)
        self.slot = self.features.copy()
        self.full = True
        self.Xc, self.n_cached = None, 0  # slots changed: the cache is dropped
        return True

    def _grow(self, new):
        m, k = self.features.size, new.size
        if self.design.is_sparse:
            cross, G_nn, q_n = self._products_sparse(new)
        else:
            cross, G_nn, q_n = self._products_dense(new)
        G = np.empty((m + k, m + k))
        G[:m, :m] = self.G
        G[:m, m:] = cross
        G[m:, :m] = cross.T
        G[m:, m:] = G_nn
        self.G = G
        self.q = np.concatenate([self.q, q_n])
        self.slot[new] = np.arange(m, m + k)
        self.features = np.concatenate([self.features, new])

    def _products_dense(self, new):
        design = self.design
        c, k = self.n_cached, new.size
        if c == self.features.size and c + k <= self.Xc.shape[1]:
            Xc_n = self.Xc[:, c:c + k]
            self.n_cached += k
        else:
            Xc_n = np.empty((design.n_samples, k), order="F")
        X, xbar = design.X, design.xbar
        for i, j in enumerate(new):  # column views of Fortran X: no gathered temp
            np.subtract(X[:, j], xbar[j], out=Xc_n[:, i])
        S_n = design.sw[:, None] * Xc_n if design.weighted else Xc_n
        cross = np.empty((self.features.size, k))
        cross[:c] = self.Xc[:, :c].T @ S_n
        rest = self.features[c:]
        if rest.size:
            # X_r^T (s (X_n - xbar_n)) - xbar_r sum_i s_i (x_in - xbar_n): the
            # correction only removes rounding (the sum is 0 in exact arithmetic)
            cross[c:] = _columns_t_dot(design, rest, S_n)
            cross[c:] -= np.outer(design.xbar[rest], S_n.sum(axis=0))
        return cross, Xc_n.T @ S_n, S_n.T @ self.yc

    def _products_sparse(self, new):
        # raw products minus the mean terms (X stays sparse; ``serves`` has
        # ruled out the designs where this subtraction would cancel)
        design = self.design
        n, xbar, m = design.n_samples, design.xbar, self.features.size
        # float64 products (a float32 block would stall a tight solve)
        block, q_n = sparse_block_products(design.data, design.indices,
                                           design.indptr, self.features, new,
                                           design.sw, design.weighted, self.yc)
        cross, G_nn = block[:m], block[m:]
        if design.fit_intercept:
            G_nn -= n * np.outer(xbar[new], xbar[new])
            cross -= n * np.outer(xbar[self.features], xbar[new])
            q_n -= xbar[new] * self.y_sum
        return cross, G_nn, q_n

    def subtract(self, idx, delta, R):
        """``R -= X[:, idx] @ delta`` up to a constant, for features in U."""
        design = self.design
        if self.n_cached == 0:  # sparse X, or the cache was dropped
            R -= design.matvec_subset(idx, delta)
            return
        slots = self.slot[idx]
        cached = slots < self.n_cached
        full = np.zeros(self.n_cached)
        full[slots[cached]] = delta[cached]
        # centered columns: R moves by X_idx delta up to a constant, which the
        # centered residual ignores (the caller recenters R)
        R -= self.Xc[:, :self.n_cached] @ full  # one gemv, no gather
        if not np.all(cached):
            R -= design.matvec_subset(idx[~cached], delta[~cached])


def _columns_t_dot(design, idx, W):
    """``X[:, idx]^T W`` (dense X) for a dense ``(n, k)`` W.

    The columns are gathered in float64 pieces of about ``_GATHER_BYTES`` into
    one reused buffer (a fresh gathered array per call would cost page faults
    on every use).
    """
    X, n = design.X, design.n_samples
    step = max(1, min(idx.size, _GATHER_BYTES // (8 * max(n, 1))))
    buffer = np.empty((n, step), order="F")
    out = np.empty((idx.size, W.shape[1]))
    for start in range(0, idx.size, step):
        part = idx[start:start + step]
        for i, j in enumerate(part):
            buffer[:, i] = X[:, j]
        out[start:start + part.size] = buffer[:, :part.size].T @ W
    return out


@njit(cache=True, nogil=True)
def sparse_block_products(data, indices, indptr, old, new, sw, weighted, y):
    r"""``[X_old, X_new]^T S X_new`` and ``X_new^T S y`` in float64, row by row.

    Only the rows where a new column has an entry contribute. Their entries in
    the ``old`` and ``new`` columns are first regrouped by row (a counting
    sort); each such row then adds the products of its new entries with all
    of its entries. The cost is one read of the old columns' indices plus the
    number of such pairs, which is what a sparse product needs, without
    scipy's column slicing, index checks and sparse result (an inner solve
    on a new 400-column block of a 5000 x 2000 matrix at density 0.01 took
    9.6 ms with scipy's products, 4.3 ms with this kernel). Returns an
    ``(m + k, k)`` array (rows ``:m`` are the cross products with ``old``,
    rows ``m:`` the block of ``new``) and the ``k`` products with ``y``.
    """
    n_samples = y.shape[0]
    m, k = old.shape[0], new.shape[0]
    cols = np.concatenate((old, new))
    # compact ids of the rows that hold an entry of a new column; a byte mask
    # (small enough for L1 cache) screens the old columns' entries. Adding one
    # column to 236 old ones holding 444k entries: 1.3 ms with unsigned
    # indices (``skreg.utils.sparse_index``), 2.5 ms with signed ones
    marked = np.zeros(n_samples, dtype=np.bool_)
    row_id = np.empty(n_samples, dtype=np.int64)
    rows = np.empty(n_samples, dtype=np.int64)
    n_rows = 0
    for c in range(m, m + k):
        j = cols[c]
        for t in range(indptr[j], indptr[j + 1]):
            i = indices[t]
            if not marked[i]:
                marked[i] = True
                row_id[i] = n_rows
                rows[n_rows] = i
                n_rows += 1
    start = np.zeros(n_rows + 1, dtype=np.int64)
    for c in range(m + k):
        j = cols[c]
        for t in range(indptr[j], indptr[j + 1]):
            if marked[indices[t]]:
                start[row_id[indices[t]] + 1] += 1
    for r in range(n_rows):
        start[r + 1] += start[r]
    slot = np.empty(start[n_rows], dtype=np.int64)
    value = np.empty(start[n_rows])
    fill = start[:n_rows].copy()
    # columns in slot order: within a row the new entries (slots >= m) come last
    for c in range(m + k):
        j = cols[c]
        for t in range(indptr[j], indptr[j + 1]):
            if marked[indices[t]]:
                r = row_id[indices[t]]
                slot[fill[r]] = c
                value[fill[r]] = data[t]
                fill[r] += 1
    # transposed while filled: each new entry adds to one row of ``out``
    out = np.zeros((k, m + k))
    q = np.zeros(k)
    for r in range(n_rows):
        i = rows[r]
        first = start[r]
        last = start[r + 1]
        first_new = last
        while first_new > first and slot[first_new - 1] >= m:
            first_new -= 1
        s = sw[i] if weighted else 1.0
        for b in range(first_new, last):
            v = s * value[b]
            row = out[slot[b] - m]
            q[slot[b] - m] += v * y[i]
            for a in range(first, last):
                row[slot[a]] += value[a] * v
    return out.T, q
