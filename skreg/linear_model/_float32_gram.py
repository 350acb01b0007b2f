r"""One read of a large dense X for a single-precision Gram matrix.

Forming :math:`X^\top X` is most of the cost of a large dense Ridge fit. In
single precision it takes half the time; the solver then refines the
solution to double-precision accuracy against X itself (see
:func:`skreg.linear_model._ridge_solvers.solve_gram_mixed_precision`).
:func:`float32_gram_pass` gathers what it needs from X in one pass, block of
rows by block of rows:

- the column sums (weighted), hence the feature means, and whether X is
  finite;
- the right-hand sides :math:`X^\top S (y - \bar y)` in float64;
- the Gram matrix of the centered, weighted rows, each block rounded to
  float32 and multiplied by BLAS syrk (accumulated in float64 across
  blocks).

The feature means are not known before the pass, so the rows are centered
about a rough mean :math:`s` (the mean of a few spread-out rows) and the
exact shift is applied afterwards, in float64:

.. math::

    \sum_i w_i (x_i - m)(x_i - m)^\top
    = \sum_i w_i (x_i - s)(x_i - s)^\top - W (m - s)(m - s)^\top,
    \qquad W = \sum_i w_i .

Because :math:`s` is close to :math:`m`, the float32 rows keep the digits of
the centered data and the correction cancels nothing. X used to be read
three times (scikit-learn's finite check, the means, then numpy casts of
each block plus a product for the right-hand side). With this pass and the
refinement products on scipy's BLAS, a 20000 x 1000 fit went from 350-440 ms
to 250-330 ms (same machine, same hour).
"""

from typing import NamedTuple

import numpy as np
from numba import njit
from scipy.linalg.blas import dsyr, ssyrk

# Let LLVM reorder the column sums (SIMD, like BLAS).
_FAST = {"reassoc", "contract", "arcp"}
# float64 bytes of X per block: large enough for ssyrk to run at full speed,
# and its float32 copy (half that) stays in the last-level cache.
_BLOCK_BYTES = 1 << 25
# Rows averaged for the rough centering shift.
_SHIFT_ROWS = 64


@njit(cache=True, nogil=True, fastmath=_FAST)
def cast_block_columns(XT, start, stop, shift, sw, root_sw, weighted, SBT, AT, CT,
                       col_sums):
    """Rows ``start:stop`` of a Fortran-ordered X, column by column.

    ``XT`` is ``X.T`` (C-ordered, shape (p, n)) so that a column segment is a
    contiguous slice. Writes ``AT[j, i - start] = float32(sqrt(w_i) (x_ij -
    s_j))``, adds ``X^T SB`` (transposed) to ``CT`` and ``X^T w`` to
    ``col_sums``. ``AT`` is the transpose of a Fortran-ordered float32 block;
    ``root_sw`` holds the square roots of the weights ``sw``. The sum, the
    cast and the first target's product share one loop over the segment
    (28 instead of 33 ms per pass over a 20000 x 1000 X).
    """
    p = XT.shape[0]
    t = SBT.shape[0]
    m = stop - start
    w = sw[start:stop]
    root = root_sw[start:stop]
    for j in range(p):
        col = XT[j, start:stop]
        a = AT[j, :m]
        s_j = shift[j]
        total = 0.0
        c = 0.0
        if t > 0:
            sb = SBT[0, start:stop]
            if weighted:
                for i in range(m):
                    total += w[i] * col[i]
                    c += col[i] * sb[i]
                    a[i] = np.float32(root[i] * (col[i] - s_j))
            else:
                for i in range(m):
                    total += col[i]
                    c += col[i] * sb[i]
                    a[i] = np.float32(col[i] - s_j)
            CT[0, j] += c
        elif weighted:
            for i in range(m):
                total += w[i] * col[i]
                a[i] = np.float32(root[i] * (col[i] - s_j))
        else:
            for i in range(m):
                total += col[i]
                a[i] = np.float32(col[i] - s_j)
        col_sums[j] += total
        for k in range(1, t):
            sb = SBT[k, start:stop]
            c = 0.0
            for i in range(m):
                c += col[i] * sb[i]
            CT[k, j] += c


@njit(cache=True, nogil=True, fastmath=_FAST)
def cast_block_rows(X, start, stop, shift, sw, root_sw, weighted, SBT, A, CT,
                    col_sums):
    """Rows ``start:stop`` of a C-ordered X, row by row (same outputs as
    :func:`cast_block_columns`, with ``A`` a C-ordered float32 block)."""
    p = X.shape[1]
    t = SBT.shape[0]
    for i in range(start, stop):
        row = X[i]
        a = A[i - start]
        w = sw[i] if weighted else 1.0
        root = root_sw[i] if weighted else 1.0
        for j in range(p):
            col_sums[j] += w * row[j]
            a[j] = np.float32(root * (row[j] - shift[j]))
        for k in range(t):
            sb = SBT[k, i]
            c = CT[k]
            for j in range(p):
                c[j] += row[j] * sb


class GramMoments(NamedTuple):
    """What :func:`float32_gram_pass` gathers from X."""

    gram: np.ndarray
    rhs: np.ndarray
    x_mean: np.ndarray
    y_mean: np.ndarray
    finite: bool


def _rough_means(X, sample_weight):
    """Mean of a few evenly spread rows: a centering shift close to the mean."""
    n = X.shape[0]
    rows = np.unique(np.linspace(0, n - 1, min(n, _SHIFT_ROWS)).astype(np.intp))
    if sample_weight is not None and sample_weight[rows].sum() > 0:
        return np.average(X[rows], axis=0, weights=sample_weight[rows])
    return X[rows].mean(axis=0)


def _float32_row_blocks(X, step, shift, sw, weighted, SBT, CT, col_sums):
    """Yield the float32 blocks of ``step`` rows of X (``cast_block_*``).

    Each block is ``fl32(sqrt(s_i) (x_i - shift))``, in X's layout (one
    buffer, reused; the last, shorter block gets its own contiguous one),
    while ``CT`` and ``col_sums`` accumulate as the cast kernels describe.
    """
    n, p = X.shape
    by_columns = X.flags.f_contiguous
    order = "F" if by_columns else "C"
    block = np.empty((min(step, n), p), dtype=np.float32, order=order)
    root_sw = np.sqrt(sw)
    for start in range(0, n, step):
        stop = min(start + step, n)
        if stop - start < block.shape[0]:
            block = np.empty((stop - start, p), np.float32, order=order)
        if by_columns:
            cast_block_columns(X.T, start, stop, shift, sw, root_sw, weighted, SBT,
                               block.T, CT, col_sums)
        else:
            cast_block_rows(X, start, stop, shift, sw, root_sw, weighted, SBT, block,
                            CT, col_sums)
        yield block


def float32_gram_pass(X, Y, sample_weight, fit_intercept):
    r"""Moments of a large dense float64 X for the mixed-precision solver.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), C- or Fortran-contiguous float64
    Y : ndarray of shape (n_samples, n_targets), float64
    sample_weight : ndarray of shape (n_samples,) or None
    fit_intercept : bool

    Returns
    -------
    GramMoments
        ``gram``: upper triangle (the lower one is not set) of
        :math:`A^\top A` with :math:`A = S^{1/2}(X - 1 m^\top)`, accurate to
        float32 rounding;
        ``rhs``: :math:`A^\top S^{1/2} (Y - 1 \bar y^\top)` in float64;
        ``x_mean``, ``y_mean``: weighted means (zeros without intercept);
        ``finite``: False when a column sum is NaN or infinite, which NaN/inf
        anywhere in X always causes (Ridge skips scikit-learn's own finite
        check of X for this reason).
    """
    n, p = X.shape
    weighted = sample_weight is not None
    sw = sample_weight if weighted else np.empty(0)
    sw_sum = float(sample_weight.sum()) if weighted else float(n)
    if fit_intercept:
        y_mean = (sample_weight @ Y if weighted else Y.sum(axis=0)) / sw_sum
        shift = _rough_means(X, sample_weight)
    else:
        y_mean = np.zeros(Y.shape[1])
        shift = np.zeros(p)
    SBT = np.ascontiguousarray((Y - y_mean).T)
    if weighted:
        SBT *= sample_weight
    CT = np.zeros((Y.shape[1], p))
    col_sums = np.zeros(p)
    # each block's float32 product goes to one reused buffer (ssyrk, beta =
    # 0) and is added to a float64 sum: a fresh result per block cost 1000
    # page faults each (3-4 ms) on 20000 x 1000; summing the blocks in
    # float32 instead doubled G's error, which cost a third refinement step
    G = np.zeros((p, p), order="F")
    block_gram = np.zeros((p, p), dtype=np.float32, order="F")
    step = max(64, _BLOCK_BYTES // (8 * p))
    for block in _float32_row_blocks(X, step, shift, sw, weighted, SBT, CT,
                                     col_sums):
        if block.flags.f_contiguous:
            ssyrk(1.0, block, trans=1, beta=0.0, c=block_gram, overwrite_c=1)
        else:
            ssyrk(1.0, block.T, trans=0, beta=0.0, c=block_gram, overwrite_c=1)
        G += block_gram
    if not np.isfinite(col_sums).all():  # the caller raises or falls back
        return GramMoments(G, CT.T, shift, y_mean, False)
    if fit_intercept:
        x_mean = col_sums / sw_sum
        delta = x_mean - shift
        dsyr(-sw_sum, delta, a=G, overwrite_a=1)  # in place, upper triangle
    else:
        x_mean = np.zeros(p)
    C = CT.T - np.outer(x_mean, SBT.sum(axis=1))
    return GramMoments(G, C, x_mean, y_mean, True)


# float32 bytes per block of rows of :func:`float32_centered_gram` (one block
# for the issue-2 path data, 5000 x 2000; at most this much extra memory)
_CENTERED_BLOCK_BYTES = 1 << 26


def float32_centered_gram(X, shift, sample_weight):
    r"""Gram matrix of the rows of X rounded to float32 after centering.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), Fortran-ordered float64
    shift : ndarray of shape (n_features,)
        The exact (weighted) column means, or zeros.
    sample_weight : ndarray of shape (n_samples,) or None

    Returns
    -------
    G : ndarray of shape (n_features, n_features), symmetric
        :math:`\sum_i s_i (x_i - m)(x_i - m)^\top` from the float32 rows
        :math:`\mathrm{fl}_{32}(\sqrt{s_i}(x_i - m))`, each block of rows
        multiplied in float32 (numpy's syrk, which fills both triangles):
        accurate to about 1e-7 relative, at about half the cost of the
        float64 product. float32 when X fits in one block (the float32 rows
        are freed before the caller widens it), else float64 (the blocks
        accumulated in float64).
    """
    n, p = X.shape
    weighted = sample_weight is not None
    sw = sample_weight if weighted else np.empty(0)
    no_targets = np.empty((0, n))
    no_rhs = np.empty((0, p))
    col_sums = np.zeros(p)
    step = max(64, _CENTERED_BLOCK_BYTES // (4 * max(p, 1)))
    G = None
    for block in _float32_row_blocks(X, step, shift, sw, weighted, no_targets,
                                     no_rhs, col_sums):
        if block.shape[0] == n:
            return block.T @ block
        if G is None:
            G = np.zeros((p, p))
        G += block.T @ block
    return G
