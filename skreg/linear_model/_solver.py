r"""Certified working-set coordinate descent for the elastic net.

Problem (scikit-learn's ``ElasticNet`` objective plus penalty factors):

.. math::

    \min_{w, b}\; \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w - b)^2
    + \alpha \sum_j f_j \Big(\rho |w_j| + \frac{1 - \rho}{2} w_j^2\Big)
    \quad [w \ge 0 \text{ if positive}]

with sample weights rescaled to sum to ``n`` (as scikit-learn does), ``rho =
l1_ratio`` and ``f = penalty_factor``.

Algorithm (in the spirit of celer / skglm's ``AndersonCD``):

1. outer iteration: correlations :math:`g = \tilde X^\top r` (one pass over
   X at a cold start, shared with the column statistics and the NaN/inf
   check; later only for the features whose correlation could have crossed
   its L1 threshold since it was last computed, see ``_CorrelationTracker``);
   exact block update of the unpenalized features; duality gap and KKT
   violation of the whole problem -> stop when ``gap <= tol * ||y_c||^2_s``
   (scikit-learn's stopping rule, converted to this scaling); gap-safe
   screening discards features that are provably zero at the optimum;
2. working set: the support plus the most violating features (normalised by
   column norm), at most twice the support size (at least 100);
3. inner solver: compiled CD epochs on the working set, until its own gap is
   below ``0.1 *`` the outer gap, or below ``0.3 * tol`` once the working set
   has settled (with Anderson extrapolation once a solve is slow: see
   ``_ANDERSON_AFTER``). The epochs run on the residual, or, when the working
   set's columns are long, on its Gram block (``_working_gram.WorkingGram``,
   built with BLAS as features enter, or the whole Gram matrix once the block
   would hold most features), followed by one residual update. Blocks of
   ``_BLOCK32_MIN_WS`` features or more are copied to float32 for the
   epochs; the exact correlations of the next outer iteration refine.

The intercept is handled by implicit centering (X is never centered, copied or
densified; the residual is shifted back to weighted mean 0 after every inner
solve); ``intercept = y_mean - x_mean . w``.
"""

import math
import warnings
from typing import NamedTuple

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import assert_all_finite

from ..utils.sparse_index import canonical_csc, unsigned_csc_indices
from ..utils.threads import map_column_blocks
from ._cd_kernels import (
    cd_working_set_dense,
    cd_working_set_gram,
    cd_working_set_sparse,
    correlations_dense64,
    correlations_sparse64,
    dense_column_stats,
    matvec_dense64,
    matvec_sparse64,
)
from ._datafits import quadratic_column_norms
from ._float32_gram import float32_centered_gram
from ._outer_kernels import (
    outer_step,
    refresh_correlations_dense,
    refresh_correlations_sparse,
)
from ._working_gram import WorkingGram

# Implicit centering (raw products minus mean terms) loses about log10 of a
# column's raw / centered second moment in digits. Above this ratio (means 100x
# the spread) dense X is centered explicitly, in one copy. Measured on a Lasso
# at tol 1e-10 with means 1e3 / 1e4 / 1e5 / 1e8 x the spread: the Gram route
# was off by 1e-9 / 5e-7 / 3e-5 / 0.7, the residual route by 1e-12 / 3e-12 /
# 1e-3 / divergence, against 1e-11 once centered.
_EXPLICIT_CENTERING_RATIO = 1e4
# sparse X cannot be centered without densifying: warn where the residual
# route was seen to break down (means 1e7 x the spread diverged, 1e6 did not)
_SPARSE_WARNING_RATIO = 1e12
# largest centered column norm^2 for a Gram matrix of float32 rows (float32
# overflows at 3.4e38)
_FLOAT32_GRAM_MAX_NORM2 = 1e36
_CONVERGENCE_MESSAGE = (
    "Objective did not converge. You might want to increase "
    "the number of iterations, check the scale of the "
    "features or consider increasing regularisation."
)
_WS_MIN_SIZE = 100
# Zero coordinates enter the working set when |g_j| > ratio x lambda_j. With a
# Gram matrix, near-violators (ratio 0.85) enter too: they cost little per
# epoch, and those that start violating during the inner solve need no extra
# outer round. Issue-2 dense path (5000 x 2000, 30 alphas, tol 1e-6): 722 ->
# 481 epochs and 55 -> 35 full correlation updates, 410 -> 340 ms (ratios
# 0.75 to 0.9 within noise; filling the room with every feature, as
# scikit-learn's CD does, took 0.35 s of CD against 0.25 s for violators
# only). On the residual route a new coordinate costs a column read per epoch
# or a new block column: violators only (ElasticNet 5000 x 2000: 92 -> 102
# / 126 ms at ratio 0.9 / 0.8).
_ENTRY_RATIO_GRAM = 0.85
# Anderson extrapolation (K = _ANDERSON_K past iterates) joins an inner solve
# only once it has run _ANDERSON_AFTER plain epochs without reaching its
# target: a slow, ill-conditioned solve. From the first epoch it saved nothing
# on well-conditioned problems (1000x500 at alpha_max/100: 9 epochs both;
# 5000x2000 correlated at alpha_max/20: 15 epochs both; the objective checks
# cost more than the saved epochs), and each accepted extrapolation multiplies
# a perturbation of the iterates by sum_k |c_k| > 1, so rounding-level
# differences between mathematically equal inputs (integer sample weights vs
# repeated rows) grew to 1e-4 in the solution at tol=1e-4 (64 of 100 random
# 15x30 problems with K=5 from the start). Near interpolation (support close
# to n_samples) plain CD takes thousands of epochs. Lasso at tol 1e-6, AR(1)
# 0.3 features, half of them in the model (with the settling rule below):
# 1000x1600 at alpha_max/1000, 29 363 epochs (29.8 s) plain, 5 281 (5.7 s)
# extrapolated after 50 epochs (scikit-learn: 12.5 s); 2500x4000 at
# alpha_max/100, 1 277 (13.8 s) -> 669 (7.9 s; scikit-learn 6.7 s). Starting
# after 10 or 20 epochs was no better. Each extrapolated candidate is kept
# only if it lowers the objective. Small problems (an epoch reading fewer than
# _ANDERSON_MIN_ENTRIES entries) never extrapolate: they are fast anyway, and
# there integer weights and repeated rows must keep giving the same iterates
# up to rounding (scikit-learn's check_sample_weight_equivalence, 1e-7).
_ANDERSON_K = 5
_ANDERSON_AFTER = 50
_ANDERSON_MIN_ENTRIES = 100_000
# Inner solves stop at _INNER_TOL_RATIO x the current outer gap. Once the
# working set has settled (no KKT violator outside it, and it is at most
# _FINAL_WS_SLACK x the support) it is solved straight to _FINAL_TOL_RATIO x
# the target instead, which saves the outer rounds (each a pass over X) that
# would only chase the gap down. Measured on the issue-2 benchmark problems
# (5000 x 2000, AR(1) 0.6, alpha_max / 20): 0.1 / 1.3 / 0.3 did about 30 %
# fewer column reads than solving every working set to 0.1 x the outer gap.
# An unsettled working set is solved to 0.1 x the outer gap, but never below
# _FINAL_TOL_RATIO x the target: near the target (outer gap 1.0-1.6 x tol on
# a loose-tol CV path near interpolation) 0.1 x the gap cost hundreds of
# epochs for nothing the next outer check needed (a LassoCV fold path of
# 333 x 1000 at tol 1e-4: 4 548 -> 3 430 epochs, 1.09 -> 0.78 s;
# scikit-learn 0.60 s).
# When such a solve is followed by new features entering, the support was
# not settled after all: from then on only a working set that nothing enters
# counts as settled (near interpolation each wrong guess cost thousands of
# epochs: 1000x1600 above, 63 225 -> 29 363 epochs, plain CD).
_INNER_TOL_RATIO = 0.1
# epochs per inner solve on a working-set Gram block (then an outer check: the
# residual epochs take over if the true gap stalled, see ``_solve``)
_WORKING_GRAM_MAX_EPOCHS = 1000
# epochs per inner solve on the residual or a full Gram matrix: the outer
# loop then certifies the true gap. At tol=1e-12 an inner gap can floor in
# rounding above its target while the true gap is already below tol: a 5 x 10
# problem ran all of max_iter=1e6 epochs in one inner solve (624 ms against
# scikit-learn's 1.4 ms)
_INNER_MAX_EPOCHS = 10_000
_WORKING_GRAM_MIN_ENTRIES = 100_000
# Sparse X: the block is used when k^2 <= ratio x nnz (k working-set features
# whose columns hold nnz entries). A residual epoch reads and writes every
# entry by index; a block epoch costs about k^2 in cache, but a new block must
# first be built, which a single fit's few epochs do not repay (k^2 <= 4 nnz
# made a 5000 x 2000 fit at density 0.01 go from 11 to 20 ms). Along a path
# the block is built once and reused: when at most a quarter of the working
# set is new, the looser ratio applies (issue-2 sparse path: 379 -> 305 ms;
# ratios 2 to 8 within 1 %).
_SPARSE_BLOCK_RATIO = 0.5
_SPARSE_BLOCK_RATIO_BUILT = 4.0
_FINAL_WS_SLACK = 1.3
_FINAL_TOL_RATIO = 0.3
# Gram kernel: from this working-set size on (a float64 block of 1.1 MiB, past
# L2) the inner epochs run on a float32 copy of the block, which halves their
# memory traffic; the exact outer correlations refine the result (issue-2 dense
# path: 554 -> 477 ms at tol=1e-6, same accuracy). If the true objective did
# not decrease over such a solve, float64 blocks take over for the rest of the
# fit (and path).
_BLOCK32_MIN_WS = 384


class EnetResult(NamedTuple):
    """Result of :func:`solve_enet`.

    Attributes
    ----------
    coef : ndarray of shape (n_features,), dtype of X
    intercept : float
        0.0 when ``fit_intercept=False``.
    dual_gap : float
        Duality gap of the returned solution on the objective above (not
        n-scaled; comparable with scikit-learn's ``dual_gap_``).
    kkt_violation : float
        Largest distance of minus the gradient to the subdifferential of the
        penalty, over features (objective scale).
    n_iter : int
        Number of coordinate-descent epochs (over working sets).
    converged : bool
        Whether ``dual_gap <= tol * ||y - y_mean||^2_s / n`` was reached.
    """

    coef: np.ndarray
    intercept: float
    dual_gap: float
    kkt_violation: float
    n_iter: int
    converged: bool


class _Design:
    """X-dependent quantities, computed once and shared along a path."""

    def __init__(self, X, sample_weight, fit_intercept, use_gram, Gram=None,
                 y=None, estimator_name=None, rounded_gram=False):
        self.estimator_name = estimator_name
        if sparse.issparse(X):
            # duplicate entries summed (the kernels read each entry once:
            # duplicates used to give wrong coefficients), caller's X intact
            X = canonical_csc(sparse.csc_matrix(X) if X.format != "csc" else X)
            self.is_sparse = True
            self.data = X.data
            self.indices, self.indptr = unsigned_csc_indices(X.indices, X.indptr)
            self.dense = np.empty((0, 0), dtype=X.dtype, order="F")
        else:
            X = np.asfortranarray(X)
            self.is_sparse = False
            self.dense = X
            self.data = np.empty(0, dtype=X.dtype)
            self.indices = np.empty(0, dtype=np.uint32)
            self.indptr = np.zeros(1, dtype=np.uint32)
        self.X = X
        self.dtype = X.dtype
        n_samples, n_features = X.shape
        self.n_samples, self.n_features = n_samples, n_features
        self.weighted = sample_weight is not None
        if self.weighted:
            sw = np.asarray(sample_weight, dtype=np.float64)
            self.sw = sw * (n_samples / sw.sum())
        else:
            self.sw = np.ones(n_samples)
        self.fit_intercept = bool(fit_intercept)
        # X^T (s y) for the target ``y`` given here: the first correlations
        # of a cold start, gathered in the same pass as the column statistics
        self.xsy_target = None
        self.xsy = None
        self._column_stats(y)
        # a constant column is zero once centered, but its computed centered
        # norm is rounding (about 1e-30 for a column of 0.1s): it must not
        # count as a direction (a 0 penalty factor would follow it to
        # arbitrary coefficients, and a Gram diagonal would go negative)
        self.constant = numerically_constant(self.norm2, self.xbar, n_samples)
        # means of the caller's X (the intercept is y_mean - x_mean . w); the
        # design's own X may be an explicitly centered copy, whose residual
        # means are then ``xbar``
        self.x_mean = self.xbar
        # largest raw / centered second moment of a column of the caller's X
        self.mean_to_spread = _mean_to_spread(self.norm2, self.xbar,
                                              self.constant, n_samples)
        if fit_intercept and self.mean_to_spread > _EXPLICIT_CENTERING_RATIO:
            self._center_explicitly(y, self.mean_to_spread)
        self.norm2[self.constant] = 0.0
        self.use_gram = bool(use_gram) or Gram is not None
        self.gram = None
        self._gram32 = None
        # the Gram matrix of float32-rounded rows: the solver then solves a
        # perturbed problem, which the caller must certify against X
        # (the caller, _path._rounded_gram_pays, has checked for a dense float64
        # X without a user Gram; every entry and partial sum of that matrix is
        # at most the largest centered norm^2, by Cauchy-Schwarz: it must fit
        # in float32)
        self.gram_is_rounded = bool(
            rounded_gram and self.use_gram
            and np.max(self.norm2, initial=0.0) < _FLOAT32_GRAM_MAX_NORM2)
        if self.use_gram:
            if self.gram_is_rounded:
                sw = self.sw if self.weighted else None
                G = self._without_constant(
                    float32_centered_gram(self.X, self.xbar, sw))
                if G.dtype == np.float32:  # also the blocks' float32 copy
                    self._gram32, G = G, G.astype(np.float64)
                self.gram = G
            elif Gram is None:
                self.gram = self.compute_gram()
            else:
                self.gram = _c_contiguous_symmetric(Gram)
                if np.any(self.constant):  # never write into the user's matrix
                    self.gram = self._without_constant(self.gram.copy())
            self.norm2 = np.ascontiguousarray(np.diag(self.gram), dtype=np.float64)
        self._unpen_cache = {}

    def exact_residual_moments(self, yc, W):
        r"""Exact certificates' inputs for the columns of ``W``, from X.

        For each column :math:`w` of ``W`` (n_features, m), with the
        centered, weighted residual :math:`r = \tilde y - \tilde X w`:
        returns ``(corr, r_norm2, y_dot_r)``, i.e. :math:`\tilde X^\top S r`
        (n_features, m), :math:`\|r\|_s^2` and :math:`\tilde y^\top S r`
        (m,), in float64 (dense X: two products with X). The products are
        formed as :math:`W^\top X^\top` and :math:`(S R)^\top X`, which
        OpenBLAS ran about 1.5x faster than :math:`X W` and
        :math:`X^\top (S R)` on a Fortran-ordered X with few columns in W.
        """
        X = self.dense
        # rows of RT are residuals: y~ - (X w - xbar . w)
        RT = (yc[None, :] + (self.xbar @ W)[:, None]) - W.T @ X.T
        SRT = RT * self.sw if self.weighted else RT
        corr = (SRT @ X).T - np.outer(self.xbar, SRT.sum(axis=1))
        r_norm2 = np.einsum("ij,ij->i", SRT, RT)
        y_dot_r = SRT @ yc
        return corr, r_norm2, y_dot_r

    def use_exact_gram(self):
        """Replace a rounded Gram matrix by the exact one (float64 products)."""
        self.gram = self.compute_gram()
        self._gram32 = None
        self.norm2 = np.ascontiguousarray(np.diag(self.gram), dtype=np.float64)
        self.gram_is_rounded = False

    def _column_stats(self, y):
        """``xbar`` and ``norm2`` (and ``xsy`` when one pass can give it)."""
        if self.is_sparse or not self._dense_column_stats(y):
            if self.fit_intercept:
                self.xbar = np.asarray(self.X.T @ self.sw, dtype=np.float64).ravel()
                self.xbar /= self.n_samples
            else:
                self.xbar = np.zeros(self.n_features)
            self.norm2 = quadratic_column_norms(
                self.dense, self.data, self.indices, self.indptr, self.is_sparse,
                self.xbar, self.sw, self.weighted,
            )

    def _center_explicitly(self, y, ratio):
        """Work on ``X - xbar`` (dense), or warn (sparse X cannot be shifted).

        The kernels center implicitly (raw column products minus mean terms),
        which loses about ``log10(ratio)`` digits, ``ratio`` being the largest
        raw over centered second moment of a column: a Lasso diverged at column
        means 1e8 times their spread, and a Gram matrix lost 7 digits at 1e4.
        """
        if self.is_sparse:
            if ratio > _SPARSE_WARNING_RATIO:
                warnings.warn(
                    f"Some columns of the sparse X have means up to "
                    f"{np.sqrt(ratio):.1e} times their spread: fitting the "
                    "intercept on it loses most digits (the solution may be "
                    "inaccurate or fail to converge). Center or rescale those "
                    "columns, or pass X dense.",
                    UserWarning, stacklevel=4,
                )
            return
        # one centered copy of X, which scikit-learn always makes
        shift = self.xbar.astype(self.dtype)
        X = np.asfortranarray(self.X - shift)
        self.X = self.dense = X
        self._column_stats(y)
        self.x_mean = shift.astype(np.float64) + self.xbar

    def _dense_column_stats(self, y):
        """Means, centered norms (and X^T s y) in one compiled pass over X.

        The pass also checks X for NaN/inf (the estimators skip scikit-learn's
        separate check of dense X for this reason). Returns False when a column
        sum overflowed with finite entries: the caller then uses the plain
        numpy route.
        """
        v = np.empty(0)
        if y is not None and np.ndim(y) == 1:
            v = np.asarray(y, dtype=np.float64)
            v = self.sw * v if self.weighted else v
        # column blocks on NUMBA_NUM_THREADS threads: 9 -> 5 ms on 5000 x 2000
        blocks = map_column_blocks(dense_column_stats, self.dense, self.sw,
                                   self.weighted, self.fit_intercept, v)
        xbar, norm2, xv = (np.concatenate([block[k] for block in blocks])
                           for k in range(3))
        if not all(block[3] for block in blocks):
            # raises on NaN/inf, with scikit-learn's message
            assert_all_finite(self.X, input_name="X",
                              estimator_name=self.estimator_name)
            return False
        self.xbar, self.norm2 = xbar, norm2
        if v.shape[0]:
            self.xsy_target, self.xsy = y, xv
        return True

    def gram_as(self, dtype):
        """The Gram matrix in ``dtype``; a float32 copy is made once and kept
        (the kernel's float32 block gathers then read half the memory: 3.0 ->
        1.2 ms per 1200-feature block of a 2000-feature Gram)."""
        if dtype == np.float64:
            return self.gram
        if self._gram32 is None:
            self._gram32 = self.gram.astype(np.float32)
        return self._gram32

    def compute_gram(self):
        """Centered, weighted :math:`\tilde X^\top \tilde X` in float64
        (C-contiguous), without a copy of X: one syrk on an unweighted float64
        X, else by blocks of rows accumulated in float64 (a float32 Gram would
        make the certificate of the Gram solver dishonest at the 1e-7 relative
        level, and a weighted copy of X would double the memory)."""
        X, sw = self.X, self.sw
        if self.is_sparse and X.dtype == np.float64:
            Xw = X.multiply(sw[:, None]).tocsc() if self.weighted else X
            G = np.asarray((X.T @ Xw).toarray(), dtype=np.float64)
        elif not self.is_sparse and X.dtype == np.float64 and not self.weighted:
            G = np.asarray(X.T @ X, dtype=np.float64)
        else:
            G = self._gram_by_row_blocks()
        if self.fit_intercept:
            G -= self.n_samples * np.outer(self.xbar, self.xbar)
        return self._without_constant(_c_contiguous_symmetric(G))

    def _without_constant(self, G):
        """G with the rows and columns of constant features set to 0 (in place)."""
        if np.any(self.constant):
            G[self.constant] = 0.0
            G[:, self.constant] = 0.0
        return G

    def _gram_by_row_blocks(self):
        X, sw = self.X, self.sw
        p = self.n_features
        G = np.zeros((p, p))
        block = max(1, (1 << 22) // max(p, 1))  # ~32 MB of float64 rows
        for start in range(0, self.n_samples, block):
            rows = X[start:start + block]
            rows = rows.toarray() if sparse.issparse(rows) else rows
            rows = np.asarray(rows, dtype=np.float64)
            if self.weighted:
                rows = rows * np.sqrt(sw[start:start + block])[:, None]
            G += rows.T @ rows
        return G

    def matvec_subset(self, idx, delta):
        """``X[:, idx] @ delta`` in float64, reading only those columns in place.

        The compiled kernels skip zero coefficients: no gathered copy of the
        columns (scipy's column indexing and product cost about 1 ms per call
        on the issue-2 sparse path).
        """
        full = np.zeros(self.n_features)
        full[idx] = delta
        if self.is_sparse:
            return matvec_sparse64(self.data, self.indices, self.indptr,
                                   self.n_samples, full)
        return matvec_dense64(self.dense, full)

    def correlations(self, v):
        """X^T (s * v) as float64 (raw X, no centering correction)."""
        u = self.sw * v if self.weighted else v
        if self.dtype == np.float64:
            return np.asarray(self.X.T @ u, dtype=np.float64).ravel()
        # float32 X: accumulate in float64 (an honest gap needs it)
        u = np.ascontiguousarray(u, dtype=np.float64)
        if self.is_sparse:
            return correlations_sparse64(self.data, self.indices, self.indptr, u)
        return correlations_dense64(self.dense, u)

    def matvec(self, w):
        """X @ w as float64."""
        if self.dtype == np.float64:
            return np.asarray(self.X @ w, dtype=np.float64).ravel()
        w = np.ascontiguousarray(w, dtype=np.float64)
        if self.is_sparse:
            return matvec_sparse64(self.data, self.indices, self.indptr,
                                   self.n_samples, w)
        return matvec_dense64(self.dense, w)

    def centered_columns(self, idx):
        """Dense sqrt(s) * (X[:, idx] - xbar[idx]) (small column subsets only)."""
        cols = self.X[:, idx]
        cols = cols.toarray() if sparse.issparse(cols) else np.asarray(cols)
        cols = cols.astype(np.float64) - self.xbar[idx]
        return cols * np.sqrt(self.sw)[:, None]

    def unpenalized_cross(self, idx):
        """C = X~^T X~[:, idx] (n_features, len(idx)), cached per index set."""
        key = idx.tobytes()
        if key not in self._unpen_cache:
            if self.use_gram:
                C = np.asarray(self.gram[:, idx])
            else:
                Z = self.centered_columns(idx) * np.sqrt(self.sw)[:, None]
                C = self.correlations_matrix(Z)
            self._unpen_cache = {key: C}
        return self._unpen_cache[key]

    def correlations_matrix(self, Z):
        """X~^T Z for a dense (n, k) Z already multiplied by s (centered)."""
        C = np.asarray(self.X.T @ Z, dtype=np.float64)
        if self.fit_intercept:
            C -= np.outer(self.xbar, Z.sum(axis=0))
        return C


def _mean_to_spread(norm2, xbar, constant, n_samples):
    """Largest raw / centered second moment over the non-constant columns."""
    varying = ~constant
    if not np.any(varying):
        return 1.0
    raw = norm2[varying] + n_samples * xbar[varying] ** 2
    return float(np.max(raw / norm2[varying]))


def numerically_constant(norm2, xbar, n_samples):
    r"""Columns whose centered squared norm is within the rounding of their mean.

    With :math:`n` samples and mean :math:`\bar x_j`, a two-pass centered
    norm of a constant column is at most about :math:`n (n \bar x_j
    \epsilon)^2` (the error bound scikit-learn's scalers use to detect
    constant features); without an intercept ``xbar`` is 0 and only exact
    zero columns qualify.
    """
    eps = np.finfo(np.float64).eps
    return norm2 <= n_samples * (n_samples * eps * xbar) ** 2


def _c_contiguous_symmetric(G):
    """float64 C-contiguous view of a symmetric matrix (transposes F order, no copy)."""
    G = np.asarray(G, dtype=np.float64)
    if G.flags.f_contiguous and not G.flags.c_contiguous:
        return G.T
    return np.ascontiguousarray(G)


class _Target:
    """y-dependent quantities for one target."""

    def __init__(self, design, y):
        y_in = y
        y = np.asarray(y, dtype=np.float64).ravel()
        sw = design.sw
        n = design.n_samples
        self.y_mean = float(sw @ y / n) if design.fit_intercept else 0.0
        self.yc = y - self.y_mean
        self.y_sum = float(sw @ self.yc)
        self.y_norm2 = float(sw @ (self.yc * self.yc))
        self.q = None
        self.working_gram = None  # Gram block of working-set columns, lazily
        self.block32 = True  # Gram designs: float32 blocks allowed (see _solve)
        # correlations with the centered target, if the design's pass gave them
        self.corr0 = None
        if design.xsy is not None and design.xsy_target is y_in:
            self.corr0 = (design.xsy - (self.y_mean * n) * design.xbar
                          - self.y_sum * design.xbar)
        if design.use_gram:
            self.q = self.corr0 if self.corr0 is not None else (
                design.correlations(self.yc) - design.xbar * self.y_sum)


def _check_alpha_l1_ratio(alpha, l1_ratio):
    if not isinstance(alpha, (int, float, np.integer, np.floating)) or isinstance(
        alpha, bool
    ):
        raise TypeError(f"alpha must be a real number; got {alpha!r}.")
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite non-negative number; got {alpha!r}.")
    if not isinstance(l1_ratio, (int, float, np.integer, np.floating)) or isinstance(
        l1_ratio, bool
    ):
        raise TypeError(f"l1_ratio must be a real number; got {l1_ratio!r}.")
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}.")


def solve_enet(
    X,
    y,
    *,
    alpha,
    l1_ratio=1.0,
    sample_weight=None,
    penalty_factor=None,
    positive=False,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    tol=1e-4,
    max_iter=1000,
    precompute=False,
    Gram=None,
    Xy=None,
    selection="cyclic",
    random_state=None,
    estimator_name=None,
):
    r"""Solve one elastic-net problem to a certified accuracy.

    Minimises

    .. math::

        \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w - b)^2
        + \alpha \sum_j f_j \Big(\rho |w_j| + \frac{1 - \rho}{2} w_j^2\Big)

    over ``w`` (and ``b`` if ``fit_intercept``), with ``w >= 0`` if
    ``positive``. Sample weights ``s`` are rescaled to sum to ``n`` like in
    scikit-learn's ``ElasticNet.fit`` (so their overall scale does not
    matter).

    Inputs are assumed validated (finite, matching shapes); only ``alpha`` and
    ``l1_ratio`` are checked here.

    Parameters
    ----------
    X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
        float32 or float64. Dense X is used in place when Fortran-ordered
        (otherwise one Fortran copy is made); sparse X is converted to CSC
        (if needed) and never densified, also with an intercept.
    y : ndarray of shape (n_samples,)
    alpha : float >= 0
    l1_ratio : float in [0, 1], default=1.0 (the Lasso)
    sample_weight : ndarray of shape (n_samples,) or None
    penalty_factor : ndarray of shape (n_features,) or None
        Non-negative per-feature multipliers of the penalty (None = ones).
        0 leaves a feature unpenalized.
    positive : bool, default=False
    fit_intercept : bool, default=True
    coef_init : ndarray of shape (n_features,) or None
        Warm start. ``intercept_init`` is accepted for symmetry and ignored:
        the intercept is profiled out exactly, so it never needs a start.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y - y_mean||^2_s / n``
        (``||y||^2_s / n`` without intercept): scikit-learn's rule for
        ``ElasticNet``, written on this objective's scale.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs (over working sets).
    precompute : bool or 'auto', default=False
        Use the Gram matrix (computed here unless ``Gram`` is given). 'auto'
        uses it when n_samples > 2 * n_features.
    Gram : ndarray of shape (n_features, n_features) or None
        Precomputed :math:`\tilde X^\top \tilde X` of the *centered and
        weighted* design (``sqrt(s) * (X - x_mean)``).
    Xy : ignored unless ``Gram`` is given: :math:`\tilde X^\top \tilde y`.
    selection : {'cyclic', 'random'}, default='cyclic'
        Order of the coordinate updates inside each epoch ('random' draws a
        new permutation every epoch from ``random_state``).
    random_state : int, RandomState or None
    estimator_name : str or None
        Named in the error raised for NaN/inf in dense X (scikit-learn's
        message; dense X is checked during the first pass over it).

    Returns
    -------
    result : EnetResult
        ``(coef, intercept, dual_gap, kkt_violation, n_iter, converged)``.
        Emits ``sklearn.exceptions.ConvergenceWarning`` when ``max_iter`` is
        reached before ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.linear_model._solver import solve_enet
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
    >>> y = np.array([1.0, 2.0, 3.0, 5.0])
    >>> res = solve_enet(X, y, alpha=0.1)
    >>> bool(res.converged), res.coef.shape
    (True, (2,))
    """
    _check_alpha_l1_ratio(alpha, l1_ratio)
    design = _make_design(X, sample_weight, fit_intercept, precompute, Gram, y=y,
                          estimator_name=estimator_name)
    target = _Target(design, y)
    if Gram is not None and Xy is not None:
        target.q = np.asarray(Xy, dtype=np.float64).ravel()
    return _solve(design, target, alpha, l1_ratio, penalty_factor, positive,
                  coef_init, tol, max_iter, selection, random_state)


def _use_gram(precompute, n_samples, n_features):
    if isinstance(precompute, str):
        if precompute != "auto":
            raise ValueError(
                f"precompute should be one of True, False, 'auto' or array-like; "
                f"got {precompute!r}."
            )
        return n_samples > 2 * n_features and n_features <= 5000
    if isinstance(precompute, np.ndarray):
        return True
    return bool(precompute)


def _make_design(X, sample_weight, fit_intercept, precompute, Gram=None, y=None,
                 estimator_name=None, rounded_gram=False):
    if isinstance(precompute, np.ndarray) and Gram is None:
        Gram = precompute
    use_gram = Gram is not None or _use_gram(precompute, *X.shape)
    return _Design(X, sample_weight, fit_intercept, use_gram, Gram=Gram, y=y,
                   estimator_name=estimator_name, rounded_gram=rounded_gram)


def _solve(design, target, alpha, l1_ratio, penalty_factor, positive, coef_init,
           tol, max_iter, selection, random_state, warn=True, workspace=None):
    """Outer working-set loop; see the module docstring.

    ``workspace`` (a dict, optional) carries the residual and correlations
    from one call to the next along a path: when ``coef_init`` is the
    ``coef`` returned by the previous call with the same workspace they are
    reused instead of recomputed (they do not depend on alpha).
    """
    if selection not in ("cyclic", "random"):
        raise ValueError(
            f"selection should be either random or cyclic; got {selection!r}."
        )
    n, p = design.n_samples, design.n_features
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    lam1 = n * alpha * l1_ratio * pf
    lam2 = n * alpha * (1.0 - l1_ratio) * pf
    # exact block update for every coordinate without penalty (pf == 0, alpha == 0)
    unpenalized = np.flatnonzero((lam1 == 0) & (lam2 == 0) & (design.norm2 > 0))
    coef = np.zeros(p) if coef_init is None else np.array(coef_init, dtype=np.float64)
    if positive:
        np.maximum(coef, 0.0, out=coef)
    random_order = selection == "random"
    rng = check_random_state(random_state) if random_order else None
    tol_abs = tol * target.y_norm2

    reuse = (workspace is not None and coef_init is not None
             and workspace.get("coef") is coef_init)
    state = None if design.use_gram else np.zeros(1)
    tracker = _CorrelationTracker(design)
    corr_prev = None
    corr_is_estimate = False
    if reuse:
        coef, R, corr = workspace["coef64"], workspace["R"], workspace["corr"]
        tracker = workspace.get("tracker", tracker)
        if design.use_gram:
            predicted = _extrapolate_path(design, target, workspace["history"],
                                          coef, corr, alpha, lam1, lam2)
            if predicted is not None:
                coef, corr = predicted
                corr_is_estimate = True
        else:
            # stale correlations were only known to stay below the previous
            # alpha's thresholds: refresh against this alpha's before use
            corr_prev, corr = corr, None
    elif design.use_gram:
        R = None
        corr = _correlations(design, target, coef, R, state)
    elif not np.any(coef):
        R = target.yc.copy()
        corr = None
        if target.corr0 is not None:
            corr = target.corr0.copy()
            state[0] = target.y_sum if design.fit_intercept else 0.0
    else:
        R = target.yc - design.matvec(coef)
        corr = None
    entry_ratio = _ENTRY_RATIO_GRAM if design.use_gram else 1.0
    n_iter = 0
    active = np.ones(p, dtype=bool)  # not screened out
    active &= design.norm2 > 0
    gap = kkt = np.inf
    gap_before_capped = primal_before_block32 = None
    final_shortcut, aimed_at_target = True, False
    while True:
        if corr is None:
            if corr_prev is not None:
                corr = tracker.refresh(design, target, coef, R, state, corr_prev,
                                       lam1)
            else:
                corr = _correlations(design, target, coef, R, state)
                tracker.all_exact()
        elif state is not None:
            state[0] = float(design.sw @ R) if design.fit_intercept else 0.0
        if unpenalized.size:
            corr = _block_update_unpenalized(design, unpenalized, coef, corr, R,
                                             state, positive)
        tracker.set_reference(design, R, state)
        r_norm2, y_dot_r = _residual_stats(design, target, coef, corr, R, state)
        kkt_args = (n, float(alpha), float(l1_ratio), pf)
        (gap, kkt, dropped, ws, n_outside, n_support, n_active,
         n_entering) = outer_step(
            corr, coef, lam1, lam2, tracker.norm, tracker.drift, active,
            positive, r_norm2, y_dot_r, tol_abs, n_iter >= max_iter,
            _WS_MIN_SIZE, entry_ratio, *kkt_args)
        if primal_before_block32 is not None:
            if _primal(r_norm2, coef, lam1, lam2) >= primal_before_block32:
                # the solve on the rounded block did not lower the true
                # objective (a nearly singular block, or a fit at the rounding
                # level): exact float64 blocks from now on
                target.block32 = False
            primal_before_block32 = None
        if gap_before_capped is not None:
            if gap > 0.5 * gap_before_capped:
                # a Gram-block solve ran out of epochs and the true gap did not
                # halve: its own gap sits on a rounding floor (||y||^2 - q.w -
                # g.w cancels when the fit is close); residual epochs take over
                target.working_gram = False
            gap_before_capped = None
        if corr_is_estimate and (gap <= tol_abs or n_iter >= max_iter
                                 or dropped.size):
            # certify and screen on exact correlations only
            corr, corr_is_estimate = None, False
            continue
        if gap <= tol_abs or n_iter >= max_iter:
            break
        if dropped.size:
            _zero_coefficients(design, dropped, coef, R, state)
            corr = _correlations(design, target, coef, R, state)
            tracker.all_exact()
            tracker.set_reference(design, R, state)
            _, _, _, ws, n_outside, n_support, n_active, n_entering = outer_step(
                corr, coef, lam1, lam2, tracker.norm, tracker.drift, active,
                positive, 0.0, 0.0, np.inf, False, _WS_MIN_SIZE,
                entry_ratio, *kkt_args)
        # near-violators in the working set do not count against settling
        if aimed_at_target and n_entering:
            final_shortcut = False
        settled = n_outside == 0 and (n_entering == 0 or (
            final_shortcut
            and n_support + n_entering <= _FINAL_WS_SLACK * max(n_support, 1)))
        aimed_at_target = settled
        if ws.shape[0] == n_active:
            # the working set is the whole (screened) problem: solve it to the
            # target directly; the next outer pass certifies the result
            tol_in = _INNER_TOL_RATIO * tol_abs
        elif settled:
            # nothing outside asks to enter: aim at the target, with the
            # slack left for what the outer check may still find
            tol_in = _FINAL_TOL_RATIO * tol_abs
        else:
            tol_in = max(_INNER_TOL_RATIO * gap, _FINAL_TOL_RATIO * tol_abs)
        seed = int(rng.randint(0, 2**31 - 1)) if random_order else 0
        if design.use_gram:
            scratch = _block_scratch(target, ws.shape[0])
            budget = min(max_iter - n_iter, _INNER_MAX_EPOCHS)
            if scratch.dtype == np.float32:
                budget = min(budget, _WORKING_GRAM_MAX_EPOCHS)
                primal_before_block32 = _primal(r_norm2, coef, lam1, lam2)
            head = (design.gram_as(scratch.dtype), target.q, corr, coef, ws, lam1,
                    lam2, positive, target.y_norm2)
            n_ep, _ = _inner_solve(cd_working_set_gram, head, budget, tol_in,
                                   random_order, seed, ws.shape[0] ** 2, (scratch,))
            # the kernel kept only corr[ws] up to date
            corr = _correlations(design, target, coef, R, state)
            corr_is_estimate = False
        else:
            common = (design.xbar, design.sw, design.weighted, design.fit_intercept,
                      target.yc, target.y_sum, R, state, coef, ws, lam1, lam2,
                      design.norm2, positive)
            if _prefers_working_gram(design, target, ws):
                scratch = _block_scratch(target, ws.shape[0])
                if scratch.dtype == np.float32:
                    primal_before_block32 = _primal(r_norm2, coef, lam1, lam2)
                n_ep, capped = _cd_on_working_gram(design, target, ws, coef, R,
                                                   state, lam1, lam2, positive,
                                                   max_iter - n_iter, tol_in,
                                                   random_order, seed, scratch)
                gap_before_capped = gap if capped else None
            elif design.is_sparse:
                head = (design.data, design.indices, design.indptr, *common)
                nnz = int(np.sum(design.indptr[ws + 1] - design.indptr[ws]))
                n_ep, _ = _inner_solve(cd_working_set_sparse, head,
                                       min(max_iter - n_iter, _INNER_MAX_EPOCHS),
                                       tol_in, random_order, seed, nnz)
            else:
                n_ep, _ = _inner_solve(cd_working_set_dense, (design.dense, *common),
                                       min(max_iter - n_iter, _INNER_MAX_EPOCHS),
                                       tol_in, random_order, seed, ws.shape[0] * n)
            _recenter(design, R, state)
            corr_prev, corr = corr, None
        n_iter += n_ep

    kkt = float(kkt)
    converged = gap <= tol_abs
    if not converged and warn:
        message = (f"{_CONVERGENCE_MESSAGE} Duality gap: {gap:.6e}, "
                   f"tolerance: {tol_abs:.3e}")
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    intercept = 0.0
    if design.fit_intercept:
        intercept = target.y_mean - float(design.x_mean @ coef)
    coef_out = coef.astype(design.dtype)
    if workspace is not None:
        if design.use_gram:
            # the last two solutions, for the next alpha's prediction (copies:
            # the Gram kernel updates ``corr`` in place)
            history = workspace.setdefault("history", [])
            history.append((float(alpha), coef.copy(), corr.copy()))
            del history[:-2]
        workspace.update(coef=coef_out, coef64=coef, R=R, corr=corr,
                         tracker=tracker)
    return EnetResult(
        coef=coef_out,
        intercept=intercept,
        dual_gap=gap / n,
        kkt_violation=kkt,
        n_iter=int(max(n_iter, 1)),
        converged=bool(converged),
    )


def _extrapolate_path(design, target, history, coef, corr, alpha, lam1, lam2):
    r"""Linear prediction of the solution at ``alpha`` along a Gram path.

    On a stretch of the path where the support and the signs do not change,
    the Lasso solution :math:`w_S(\alpha) = G_{SS}^{-1}(q_S - n \alpha s_S)` is
    affine in alpha (smooth with an L2 term), so the last two solutions
    :math:`w_{k-1}, w_k` predict :math:`w_{k+1} \approx w_k + t (w_k -
    w_{k-1})`, :math:`t = (\alpha_k - \alpha_{k+1}) / (\alpha_{k-1} -
    \alpha_k)`. Coordinates whose sign the step would change are set to 0.
    The correlations :math:`q - G w` are affine in ``w``: they follow from the
    last two (plus one row of G per zeroed coordinate), with no pass over G.

    Returns ``(coef, corr)`` at the prediction, or None when there is no
    history, the alphas do not decrease, or the prediction does not lower the
    objective at ``alpha`` (a jump in the grid, or a support that changed).
    The correlations carry the rounding of a few updates: the caller
    recomputes them before it certifies or screens.
    """
    if len(history) < 2:
        return None
    alpha_2, coef_2, corr_2 = history[-2]
    alpha_1 = history[-1][0]  # that of ``coef`` and ``corr``
    if not alpha_2 > alpha_1 > alpha:
        return None
    t = (alpha_1 - alpha) / (alpha_2 - alpha_1)
    step = coef - coef_2
    if not np.any(step):
        return None
    raw = coef + t * step
    corr_new = corr + t * (corr - corr_2)
    flipped = np.flatnonzero(np.sign(raw) != np.sign(coef))
    if flipped.size:
        # back to 0: add the columns of the removed amounts to q - G w
        corr_new += raw[flipped] @ design.gram[flipped]
        raw[flipped] = 0.0
    def objective(w, g):
        r_norm2 = _residual_stats(design, target, w, g, None, None)[0]
        return _primal(r_norm2, w, lam1, lam2)

    if objective(raw, corr_new) >= objective(coef, corr):
        return None
    return raw, corr_new


def _prefers_working_gram(design, target, ws):
    """Whether the inner solve on ``ws`` should run on its Gram block.

    A residual epoch reads every working-set column (``nnz`` entries each); a
    Gram epoch costs at most ``|ws|`` per coordinate, in cache. The block is
    used when it is at most half the residual epoch (dense X; sparse X: see
    ``_SPARSE_BLOCK_RATIO``), the cache of this target
    has room for the new features, and a residual epoch reads at least
    ``_WORKING_GRAM_MIN_ENTRIES`` entries (below that the block's fixed cost
    per inner solve, about 0.2 ms, is not repaid: ElasticNetCV on 500 x 200
    took 1.58 s with it against 0.98 s without).
    """
    if target.working_gram is None:
        target.working_gram = (WorkingGram(design, target)
                               if WorkingGram.serves(design) else False)
    cache = target.working_gram
    if cache is False:
        return False
    k = ws.shape[0]
    if not cache.has_room(ws):
        return False
    if design.is_sparse:
        nnz = int(np.sum(design.indptr[ws + 1] - design.indptr[ws]))
        # an indexed entry costs about 3 dense ones
        big_enough = 3 * nnz >= _WORKING_GRAM_MIN_ENTRIES
        mostly_built = 4 * np.count_nonzero(cache.slot[ws] < 0) <= k
        ratio = _SPARSE_BLOCK_RATIO_BUILT if mostly_built else _SPARSE_BLOCK_RATIO
        return big_enough and k * k <= ratio * nnz
    else:
        nnz = k * design.n_samples
        big_enough = nnz >= _WORKING_GRAM_MIN_ENTRIES
    return big_enough and 2 * k * k <= nnz


def _block_scratch(target, n_ws):
    """Buffer for the Gram kernel's copy of a working-set block: float32 from
    ``_BLOCK32_MIN_WS`` features on, unless the target gave float32 up."""
    low = target.block32 and n_ws >= _BLOCK32_MIN_WS
    return np.empty(n_ws * n_ws, dtype=np.float32 if low else np.float64)


def _cd_on_working_gram(design, target, ws, coef, R, state, lam1, lam2,
                        positive, max_epochs, tol_in, random_order, seed,
                        scratch):
    """Inner CD on the Gram block of ``ws``, then one residual update.

    Every feature outside ``ws`` has a zero coefficient (the working set holds
    the support), so the block problem is the full problem restricted to
    ``ws``. ``corr`` is left as it was: the correlation tracker refreshes
    what the move of the residual may have changed.
    """
    cache = target.working_gram
    slots = cache.slots(ws)
    # the kernel takes the block of G it needs (by ``slots``) into a compact copy
    U = cache.features
    coef_U = coef[U]
    nz = np.flatnonzero(coef_U)  # G is symmetric: G w = w[nz] @ G[nz] (rows)
    corr_U = cache.q - coef_U[nz] @ cache.G[nz]
    budget = min(max_epochs, _WORKING_GRAM_MAX_EPOCHS)
    head = (cache.G, cache.q, corr_U, coef_U, slots, lam1[U], lam2[U], positive,
            target.y_norm2)
    n_ep, gap_in = _inner_solve(cd_working_set_gram, head, budget, tol_in,
                                random_order, seed, slots.shape[0] ** 2, (scratch,))
    coef_ws = coef_U[slots]
    delta = coef_ws - coef[ws]
    moved = np.flatnonzero(delta)
    if moved.size:
        coef[ws] = coef_ws
        cache.subtract(ws[moved], delta[moved], R)
    return n_ep, n_ep == budget and gap_in > tol_in


def _inner_solve(kernel, head, budget, tol_in, random_order, seed, entries,
                 tail=()):
    """An inner CD solve: ``kernel(*head, max_epochs, tol_in, random_order,
    seed, anderson_k, *tail)`` -> ``(epochs, working-set gap)``.

    Plain epochs first; if ``_ANDERSON_AFTER`` of them did not reach
    ``tol_in`` and an epoch reads at least ``_ANDERSON_MIN_ENTRIES`` matrix
    entries (``entries``), the rest of the budget runs with Anderson
    extrapolation (the kernel continues from the current iterate). Returns
    the total epochs and the last working-set gap.
    """
    extrapolate = _ANDERSON_K > 0 and entries >= _ANDERSON_MIN_ENTRIES
    first = min(budget, _ANDERSON_AFTER) if extrapolate else budget
    n_ep, gap_in = kernel(*head, first, tol_in, random_order, seed, 0, *tail)
    if n_ep == first and gap_in > tol_in and budget > first:
        more, gap_in = kernel(*head, budget - first, tol_in, random_order, seed,
                              _ANDERSON_K, *tail)
        n_ep += more
    return n_ep, gap_in


def _primal(r_norm2, coef, lam1, lam2):
    """n-scaled primal objective ``||r||^2 / 2 + sum lam1 |w| + lam2 w^2 / 2``."""
    return 0.5 * r_norm2 + float(lam1 @ np.abs(coef)) + 0.5 * float(lam2 @ coef**2)


def _recenter(design, R, state):
    """Shift the raw residual to weighted mean 0 (``S = 0``).

    Only the centered residual matters (correlations are ``X^T s R - xbar S``),
    but raw column updates pile ``xbar . w`` into R: with large column means
    the two terms of a correlation then cancel (1e-5 errors seen at means of
    1e4). Costs O(n) per outer iteration.
    """
    if design.fit_intercept:
        R -= float(design.sw @ R) / design.n_samples
        state[0] = 0.0


def _correlations(design, target, coef, R, state):
    """Full g = X~^T r (refreshes S = sum_i s_i R_i in ``state``)."""
    if design.use_gram:
        support = np.flatnonzero(coef)
        if 4 * support.size > coef.shape[0]:
            return target.q - design.gram @ coef  # one gemv, no row copies
        # G is symmetric and C-contiguous: G @ w = sum of the support rows
        return target.q - coef[support] @ design.gram[support]
    state[0] = float(design.sw @ R) if design.fit_intercept else 0.0
    return design.correlations(R) - design.xbar * state[0]


class _CorrelationTracker:
    r"""Skips correlations that provably cannot matter.

    Between two outer iterations the centered residual moves by
    :math:`\delta = \|r - r_{ref}\|_s`, so by Cauchy-Schwarz every
    correlation moves by at most :math:`\|\tilde x_j\| \delta`. ``drift``
    accumulates these distances since each feature's correlation was last
    computed exactly; a zero coefficient whose stale correlation plus
    :math:`\|\tilde x_j\|` ``drift`` stays below its L1 strength cannot
    violate the optimality conditions, adds nothing to the duality gap
    (its conjugate term is 0 and it cannot set the dual scaling) and cannot
    enter the working set, so it keeps its stale value. The certificate is
    therefore exact while late outer iterations read only a few columns.
    With a Gram matrix the correlations are always exact (``drift`` stays 0).
    """

    # above this fraction of features to recompute, one full (BLAS) pass is
    # cheaper than the column-subset kernel
    _MAX_PARTIAL_FRACTION = 0.5

    def __init__(self, design):
        self.norm = np.sqrt(design.norm2)
        self.drift = np.zeros(design.n_features)
        self.r_ref = None

    def all_exact(self):
        self.drift[:] = 0.0

    def _centered_residual(self, design, R, state):
        if design.fit_intercept:
            return R - state[0] / design.n_samples
        return R.copy()

    def set_reference(self, design, R, state):
        if R is not None:
            self.r_ref = self._centered_residual(design, R, state)

    def refresh(self, design, target, coef, R, state, corr_prev, lam1):
        """Correlations at the current residual (exact wherever they matter).

        Updates ``corr_prev`` in place and returns it.
        """
        if design.fit_intercept:
            state[0] = float(design.sw @ R)
        if self.r_ref is None:
            self.all_exact()
            return _correlations(design, target, coef, R, state)
        d = self._centered_residual(design, R, state) - self.r_ref
        dist = math.sqrt(float(design.sw @ (d * d)))
        u = design.sw * R if design.weighted else R
        max_count = int(self._MAX_PARTIAL_FRACTION * coef.shape[0])
        common = (corr_prev, self.drift, dist, self.norm, lam1, coef, u,
                  design.xbar, float(state[0]), design.fit_intercept, max_count)
        if design.is_sparse:
            count = refresh_correlations_sparse(design.data, design.indices,
                                                design.indptr, *common)
        else:
            count = refresh_correlations_dense(design.dense, *common)
        if count < 0:
            self.all_exact()
            return _correlations(design, target, coef, R, state)
        return corr_prev


def _residual_stats(design, target, coef, corr, R, state):
    """||r||^2_s and y_c . r for the current iterate."""
    if design.use_gram:
        q_dot_w = float(target.q @ coef)
        r_norm2 = target.y_norm2 - q_dot_w - float(corr @ coef)
        return max(r_norm2, 0.0), target.y_norm2 - q_dot_w
    sw = design.sw
    S = state[0]
    offset = -S / design.n_samples if design.fit_intercept else 0.0
    r = R + offset
    r_norm2 = float(sw @ (r * r))
    y_dot_r = float(sw @ (target.yc * R)) + offset * target.y_sum
    return r_norm2, y_dot_r


def _block_update_unpenalized(design, idx, coef, corr, R, state, positive):
    """Exactly minimise over the unpenalized features (others fixed).

    Makes the residual orthogonal to them, as the dual certificate requires.
    With ``positive`` the step is shortened to stay feasible (still a descent
    step: the objective is a convex quadratic along the segment).
    """
    if positive:
        free = (coef[idx] > 0) | (corr[idx] > 0)
        idx = idx[free]
        if idx.size == 0:
            return corr
    C = design.unpenalized_cross(idx)
    G_uu = C[idx]
    delta = np.linalg.lstsq(G_uu, corr[idx], rcond=None)[0]
    if positive:
        new = coef[idx] + delta
        neg = new < 0
        if np.any(neg):
            step = np.min(coef[idx][neg] / (coef[idx][neg] - new[neg]))
            delta *= max(step, 0.0)
    coef[idx] += delta
    if R is not None:
        R -= design.matvec_subset(idx, delta)
        if design.fit_intercept:
            state[0] = float(design.sw @ R)
    return corr - C @ delta


def _zero_coefficients(design, idx, coef, R, state):
    """Set screened-out coefficients to 0 and move the residual accordingly."""
    if not design.use_gram:
        R += design.matvec_subset(idx, coef[idx])
        if design.fit_intercept:
            state[0] = float(design.sw @ R)
    coef[idx] = 0.0
