r"""Ridge solvers on an implicitly centered, weighted design.

Every solver minimizes, for each target column ``b`` of ``B``,

.. math::

    \| b - A w \|_2^2 + \alpha \sum_j f_j w_j^2,
    \qquad A = S^{1/2} (X - \mathbf{1} m^\top) D,

where ``S`` holds the sample weights, ``m`` the (weighted) feature means
(zero without intercept), ``f`` the penalty factors and ``D`` an optional
column scaling. :class:`CenteredDesign` applies ``A`` without forming it, so
sparse ``X`` is never densified and dense ``X`` is not copied when there are
no sample weights.
"""

import contextlib
import functools
import warnings

import numpy as np
from scipy import linalg, optimize, sparse
from scipy.linalg.blas import get_blas_funcs
from scipy.sparse import linalg as sp_linalg
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

# Relative loss of precision (diag of raw Gram / diag of centered Gram) above
# which the cheap "uncentered Gram minus rank-one" trick is not trusted.
_CANCELLATION_LIMIT = 1e6
# Largest matrix dimension factorized with a single BLAS thread.
_SINGLE_THREAD_MAX_SIZE = 4000
_EPS64 = float(np.finfo(np.float64).eps)


def weighted_means(X, Y, sample_weight, fit_intercept):
    """Return ``(x_mean, y_mean, sw_sum)``; float64 zero means without intercept."""
    n_samples, n_features = X.shape
    sw_sum = float(n_samples if sample_weight is None else sample_weight.sum())
    if not fit_intercept:
        return np.zeros(n_features), np.zeros(Y.shape[1]), sw_sum
    if sample_weight is None:
        if sparse.issparse(X):
            x_mean = np.asarray(X.sum(axis=0), dtype=np.float64).ravel() / n_samples
        else:
            x_mean = X.mean(axis=0, dtype=np.float64)
        y_mean = Y.mean(axis=0, dtype=np.float64)
    else:
        sw = sample_weight.astype(X.dtype, copy=False)
        x_mean = np.asarray(X.T @ sw, dtype=np.float64).ravel() / sw_sum
        y_mean = (sample_weight @ Y) / sw_sum
    return x_mean, y_mean, sw_sum


def _symmetrize_upper(C):
    """Copy the upper triangle (what BLAS syrk fills) into the lower one."""
    upper = np.triu(C)
    upper += np.triu(upper, 1).T
    return upper


def _syrk_upper(X, transpose):
    """Upper triangle of ``X^T X`` (transpose=True) or ``X X^T`` by BLAS syrk.

    syrk(a, trans=0) = a a^T and syrk(a, trans=1) = a^T a; X.T of a C array is
    Fortran-ordered, which BLAS reads without a copy.
    """
    if not (X.flags.c_contiguous or X.flags.f_contiguous):
        X = np.ascontiguousarray(X)
    syrk = get_blas_funcs("syrk", dtype=X.dtype)
    if X.flags.f_contiguous:
        return syrk(1.0, X, trans=1 if transpose else 0)
    return syrk(1.0, X.T, trans=0 if transpose else 1)


def _syrk(X, transpose):
    """Full symmetric ``X^T X`` (transpose=True) or ``X X^T``, without copying X."""
    return _symmetrize_upper(_syrk_upper(X, transpose))


class CenteredDesign:
    """``A = diag(sqrt_sw) (X - 1 m^T) diag(scale)`` applied lazily.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    x_mean : ndarray of shape (n_features,) or None
        Column means to subtract (None: no centering).
    sqrt_sw : ndarray of shape (n_samples,) or None
        Square roots of the sample weights (None: unit weights).
    scale : ndarray of shape (n_features,) or None
        Column scaling (None: no scaling).
    """

    def __init__(self, X, x_mean=None, sqrt_sw=None, scale=None):
        self.X = X
        self.x_mean = x_mean if x_mean is not None and np.any(x_mean) else None
        self.sqrt_sw = sqrt_sw
        self.scale = scale
        self.shape = X.shape
        self.dtype = X.dtype
        # columns whose mean dwarfs their spread: rmatmat centers them
        # explicitly (set by gram() and kernel(), which see the spreads)
        self.exact_columns = np.empty(0, dtype=np.intp)

    @property
    def sw_sum(self):
        if self.sqrt_sw is None:
            return float(self.shape[0])
        return float(self.sqrt_sw @ self.sqrt_sw)

    def matmat(self, M):
        """Return ``A @ M`` as float64 (M of shape (p,) or (p, k))."""
        M = np.asarray(M, dtype=np.float64)
        if self.scale is not None:
            M = self.scale[:, None] * M if M.ndim == 2 else self.scale * M
        R = np.asarray(self.X @ M.astype(self.dtype, copy=False), dtype=np.float64)
        if self.x_mean is not None:
            R -= self.x_mean @ M
        if self.sqrt_sw is not None:
            R *= self.sqrt_sw[:, None] if R.ndim == 2 else self.sqrt_sw
        return R

    def rmatmat(self, R):
        """Return ``A^T @ R`` as float64 (R of shape (n,) or (n, k))."""
        R = np.asarray(R, dtype=np.float64)
        if self.sqrt_sw is not None:
            R = self.sqrt_sw[:, None] * R if R.ndim == 2 else self.sqrt_sw * R
        out = np.asarray(self.X.T @ R.astype(self.dtype, copy=False), dtype=np.float64)
        if self.x_mean is not None:
            if R.ndim == 2:
                out -= np.outer(self.x_mean, R.sum(axis=0))
            else:
                out -= self.x_mean * R.sum()
            if self.exact_columns.size:
                # x_j^T r - m_j sum(r) cancels when m_j >> spread: rounding
                # of the large first term cost 5e-6 relative in coef_
                out[self.exact_columns] = (
                    self._centered_columns(self.exact_columns).T @ R
                )
        if self.scale is not None:
            out *= self.scale[:, None] if out.ndim == 2 else self.scale
        return out

    def explicit(self):
        """Dense ``A`` (a new array of X's dtype)."""
        X = self.X.toarray() if sparse.issparse(self.X) else np.array(self.X)
        if self.x_mean is not None:
            X -= self.x_mean.astype(X.dtype)
        if self.sqrt_sw is not None:
            X *= self.sqrt_sw.astype(X.dtype)[:, None]
        if self.scale is not None:
            X *= self.scale.astype(X.dtype)
        return X

    def _weighted_sparse(self):
        X = self.X
        if self.sqrt_sw is not None:
            X = sparse.diags_array(self.sqrt_sw.astype(X.dtype)) @ X
        return X

    def gram(self):
        """``A^T A`` as a dense float64 array of shape (p, p)."""
        X = self.X
        if sparse.issparse(X):
            # float64 products also for float32 data (a copy of the nonzeros
            # only): the float32 Gram cost 100x in objective on 8 x 40 data
            Xw = self._weighted_sparse().astype(np.float64, copy=False)
            G = np.asarray((Xw.T @ Xw).toarray(), dtype=np.float64)
            if self.x_mean is not None:
                raw_diag = np.diag(G).copy()
                G -= self.sw_sum * np.outer(self.x_mean, self.x_mean)
                risky = np.flatnonzero(raw_diag > _CANCELLATION_LIMIT * np.diag(G))
                if risky.size:
                    self._center_sparse_gram(G, risky)
        elif self.sqrt_sw is None and X.dtype == np.float64:
            G = _syrk(X, transpose=True)
            if self.x_mean is not None:
                raw_diag = np.diag(G).copy()
                G -= self.sw_sum * np.outer(self.x_mean, self.x_mean)
                if _cancels(raw_diag, np.diag(G)):
                    G = _syrk(CenteredDesign(X, self.x_mean).explicit(), True)
        else:
            # Weighted or float32: one centered, weighted copy of X is both
            # needed (for the weights) and safest (no cancellation).
            G = np.asarray(
                _syrk(CenteredDesign(X, self.x_mean, self.sqrt_sw).explicit(), True),
                dtype=np.float64,
            )
        if self.x_mean is not None:
            self.exact_columns = _cancelling_columns(
                self.sw_sum * self.x_mean**2, np.diag(G)
            )
        if self.scale is not None:
            G *= np.outer(self.scale, self.scale)
        check_squares_finite(np.diag(G), X.dtype, "X^T X")
        return G

    def _centered_columns(self, cols):
        """Dense float64 ``X[:, cols] - x_mean[cols]`` (not weighted or scaled)."""
        Xc = self.X[:, cols]
        Xc = Xc.toarray() if sparse.issparse(Xc) else np.array(Xc)
        return Xc.astype(np.float64) - self.x_mean[cols]

    def _center_sparse_gram(self, G, cols):
        r"""Rows/columns ``cols`` of the centered Gram, without cancellation.

        Columns whose mean dwarfs their spread are nearly dense anyway: they
        are densified and centered explicitly (never X as a whole), and
        :math:`A^\top a_j = X^\top (s^{1/2} a_j) - \bar x\, (s^{1/2})^\top
        a_j`, the last factor being 0 up to rounding.
        """
        A_cols = V = self._centered_columns(cols)
        if self.sqrt_sw is not None:
            A_cols *= self.sqrt_sw[:, None]
            V = self.sqrt_sw[:, None] * A_cols
        block = np.asarray(self.X.T @ V, dtype=np.float64)
        block -= np.outer(self.x_mean, V.sum(axis=0))
        block[cols] = A_cols.T @ A_cols
        G[:, cols] = block
        G[cols, :] = block.T

    def kernel(self):
        """``A A^T`` as a dense float64 array of shape (n, n)."""
        X = self.X
        if not sparse.issparse(X):
            trivial = all(v is None for v in (self.x_mean, self.sqrt_sw, self.scale))
            A = X if trivial else self.explicit()
            if self.x_mean is not None:
                ms = self.x_mean if self.scale is None else self.x_mean * self.scale
                self.exact_columns = _cancelling_columns(
                    self.sw_sum * ms**2, np.einsum("ij,ij->j", A, A)
                )
            K = np.asarray(_syrk(A, transpose=False), dtype=np.float64)
            check_squares_finite(np.diag(K), X.dtype, "X X^T")
            return K
        # float64 products also for float32 data (see gram)
        X64 = X.astype(np.float64, copy=False)
        Xs = X64 if self.scale is None else X64 @ sparse.diags_array(self.scale)
        risky = np.empty(0, dtype=np.intp)
        if self.x_mean is not None:
            ms = self.x_mean if self.scale is None else self.x_mean * self.scale
            # columns whose mean dwarfs their spread would cancel in the
            # implicit centering below: their (nearly dense) centered
            # columns are added explicitly instead
            raw = np.asarray(Xs.multiply(Xs).sum(axis=0), dtype=np.float64).ravel()
            sums = np.asarray(Xs.sum(axis=0), dtype=np.float64).ravel()
            centered = raw - 2 * ms * sums + X.shape[0] * ms**2
            risky = np.flatnonzero(raw > _CANCELLATION_LIMIT * centered)
            self.exact_columns = risky
            if risky.size:
                kept = np.ones(X.shape[1], dtype=bool)
                kept[risky] = False
                Xs = Xs[:, kept]
                ms = ms[kept]
        K = np.asarray((Xs @ Xs.T).toarray(), dtype=np.float64)
        if self.x_mean is not None:
            u = np.asarray(Xs @ ms, dtype=np.float64)
            K -= u[:, None] + u[None, :]
            K += ms @ ms
        if risky.size:
            A_r = self._centered_columns(risky)
            if self.scale is not None:
                A_r *= self.scale[risky]
            K += A_r @ A_r.T
        if self.sqrt_sw is not None:
            K *= np.outer(self.sqrt_sw, self.sqrt_sw)
        check_squares_finite(np.diag(K), X.dtype, "X X^T")
        return K

    def matmat_float32(self, M):
        """``A @ M`` in single precision (float32 result), by row blocks of X."""
        n, p = self.shape
        M = np.asarray(M, dtype=np.float64)
        Ms = (M if self.scale is None else self.scale[:, None] * M).astype(np.float32)
        shift = None if self.x_mean is None else self.x_mean.astype(np.float32)
        out = np.empty((n, M.shape[1]), dtype=np.float32)
        for rows in _row_blocks(n, p, 1 << 24):
            Ab = self.X[rows].astype(np.float32)
            if shift is not None:
                Ab -= shift
            np.matmul(Ab, Ms, out=out[rows])
            if self.sqrt_sw is not None:
                out[rows] *= self.sqrt_sw[rows, None].astype(np.float32)
        return out

    def normal_matmat(self, V):
        """``A^T A V`` (V of shape (p, k)): two BLAS products over X.

        Dense X goes to scipy's BLAS (``gemv``/``gemm`` on X or X.T, whichever
        is Fortran-ordered: no copy), the library whose threads the
        mixed-precision solver has just used for ``ssyrk`` and the
        factorization. On 2 cores one product pass over a 20000 x 1000 X took
        16 ms this way, against 34 ms with numpy's BLAS kept to one thread
        (two threads from numpy's separate pool spin-wait against scipy's).
        """
        if sparse.issparse(self.X):
            return self.rmatmat(self.matmat(V))
        V = np.asarray(V, dtype=np.float64)
        Vs = V if self.scale is None else self.scale[:, None] * V
        U = _blas_product(self.X, Vs, transpose=False)
        if self.x_mean is not None:
            U -= self.x_mean @ Vs
        if self.sqrt_sw is not None:
            U *= np.square(self.sqrt_sw)[:, None]
        out = _blas_product(self.X, U, transpose=True)
        if self.x_mean is not None:
            out -= np.outer(self.x_mean, U.sum(axis=0))
        if self.scale is not None:
            out *= self.scale[:, None]
        return out

    def as_operator(self):
        n, p = self.shape
        return sp_linalg.LinearOperator(
            (n, p),
            matvec=self.matmat,
            rmatvec=self.rmatmat,
            matmat=self.matmat,
            rmatmat=self.rmatmat,
            dtype=np.float64,
        )


def check_squares_finite(squares, dtype, what):
    """Raise when sums of squares of X (a Gram diagonal, ``s**2``) overflowed.

    Every ridge solver that forms ``X^T X``, ``X X^T`` or squared singular
    values needs X's squares; finite entries above ~1e154 (float64) or
    ~1e19 (float32) overflow there and used to give NaN or all-zero
    ``coef_`` with only RuntimeWarnings. Checking the p (or n) diagonal
    entries costs no extra pass over X.
    """
    if not np.all(np.isfinite(squares)):
        hint = " or converted to float64" if np.dtype(dtype) == np.float32 else ""
        raise ValueError(
            f"X has values too large to square in {np.dtype(dtype).name}: "
            f"{what} overflows. The input data may contain large values and "
            f"need to be preprocessed (e.g. rescaled{hint})."
        )


def check_finite_solution(*parts):
    """Raise (like ElasticNet) when a part of the ridge solution is not finite.

    ``parts``: coefficients, intercepts, KKT violations (a non-finite one
    means the gradient overflowed, so the solution is not certified); None
    entries are skipped.
    """
    if not all(np.all(np.isfinite(part)) for part in parts if part is not None):
        raise ValueError(
            "The ridge solve resulted in non-finite parameter values. The "
            "input data may contain large values and need to be preprocessed."
        )


def _blas_product(X, M, transpose):
    """``X @ M`` or ``X.T @ M`` (M 2-D float64) by scipy's BLAS, without copying X."""
    X_f, flip = (X, False) if X.flags.f_contiguous else (X.T, True)
    if not X_f.flags.f_contiguous or X.dtype != np.float64:
        return (X.T if transpose else X) @ M
    trans = int(transpose != flip)
    if M.shape[1] == 1:
        return get_blas_funcs("gemv", dtype=np.float64)(1.0, X_f, M[:, 0],
                                                        trans=trans)[:, None]
    gemm = get_blas_funcs("gemm", dtype=np.float64)
    return gemm(1.0, X_f, M, trans_a=trans)


def _row_blocks(n_rows, n_cols, block_bytes):
    """Slices of rows whose float64 block takes about ``block_bytes``."""
    step = max(64, block_bytes // (8 * max(n_cols, 1)))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def _cancelling_columns(mean_term, centered_diag):
    """Columns whose centered second moment is below 1 / _CANCELLATION_LIMIT
    of the mean term ``sum_i s_i m_j^2`` (so of the raw one)."""
    return np.flatnonzero(mean_term > _CANCELLATION_LIMIT * centered_diag)


def _cancels(raw_diag, centered_diag):
    """True when centering a raw Gram loses too many digits for some column.

    Constant columns count too (their centered diagonal is rounding, possibly
    negative): explicit centering makes them exactly 0. Skipping them used to
    skip columns with means 1e6 x their spread as well (Ridge off by 4e-7).
    """
    return bool(np.any(raw_diag > _CANCELLATION_LIMIT * centered_diag))


@functools.cache
def _blas_controller():
    """One ThreadpoolController for the process.

    Building one scans the loaded libraries (/proc/self/maps): about 5 ms,
    which was most of a 200 x 10 Ridge fit. numpy's and scipy's BLAS are
    loaded before this module is (scipy.linalg is imported above).
    """
    return ThreadpoolController()


def one_blas_thread():
    """Context manager: every BLAS library limited to one thread."""
    return _blas_controller().limit(limits=1, user_api="blas")


def few_blas_threads(size):
    """One BLAS thread for dense factorizations of moderate ``size``.

    Multi-threaded LAPACK on a p x p matrix gains little below a few thousand
    rows but spin-waits badly when other processes share the cores (seconds
    instead of tens of milliseconds on a busy machine).
    """
    if size <= _SINGLE_THREAD_MAX_SIZE:
        return one_blas_thread()
    return contextlib.nullcontext()


def _cholesky_or_none(M, regularized=False):
    """Cholesky factor of ``M`` (overwritten), or None when M is numerically singular.

    LAPACK can "succeed" on a singular matrix with a tiny pivot. Each pivot
    is compared with the square root of its diagonal entry -- the pivots of
    the unit-diagonal matrix ``D M D``, so that the test, like the
    factorization itself, does not depend on the features' units (a
    feature measured in 1e-8 units used to make M "singular"). A relative
    pivot below sqrt(p * eps) is treated as singular so that the caller can
    return the least-norm solution instead of an arbitrary one.

    ``regularized``: every diagonal entry of M carries a positive ridge
    term, so M is positive definite and a factorization that succeeds is
    used whatever its pivots (scikit-learn's choice too): columns with a
    mean of 1e8 and a spread of 1 made the test reject it, and the
    least-norm fallback then dropped well-determined directions (objective
    398 instead of 3.99).

    Only the lower triangle of ``M`` is read (OpenBLAS's lower potrf took 16
    ms on a 1000 x 1000 matrix, its upper one 19 ms).
    """
    diag = np.diag(M).copy()  # potrf overwrites M
    try:
        with few_blas_threads(M.shape[0]):
            factor = linalg.cho_factor(M, lower=True, overwrite_a=True,
                                       check_finite=False)
    except linalg.LinAlgError:
        return None
    if regularized:
        return factor
    pivots = np.abs(np.diag(factor[0])) / np.sqrt(np.where(diag > 0, diag, 1.0))
    if pivots.size and pivots.min() <= pivots.max() * np.sqrt(
        M.shape[0] * np.finfo(np.float64).eps
    ):
        return None
    return factor


def _above_rounding(floor, M, eps=_EPS64):
    """Whether a ridge term ``floor`` on M's diagonal exceeds M's rounding.

    Then M is positive definite in floating point too, and its Cholesky
    factor is trusted whatever its pivots; a smaller ridge term (alpha =
    1e-10 against a kernel of norm 1e3) leaves M numerically singular.
    ``eps``: the precision M was formed in (float32 data: float32's).
    """
    diag = np.abs(np.diag(M))
    return floor > M.shape[0] * eps * diag.max(initial=0.0)


def _pinv_solve(M, C, floor=0.0):
    """Least-norm solution of the symmetric PSD system ``M W = C``.

    With ``floor > 0`` (M = G + a ridge term whose diagonal is at least
    ``floor``, whose Cholesky factorization failed in rounding) no direction
    is dropped: the eigenvalues are only raised to ``floor``, their
    mathematical lower bound. Otherwise the eigenvalues are those of the
    unit-diagonal ``D M D`` (the rank decision does not depend on the
    features' units: a feature in 1e-4 units next to a duplicated column
    was dropped, objective 182 instead of 88) and the ones below
    ``size * eps`` of the largest are treated as zero.
    """
    if floor > 0:
        evals, V = linalg.eigh(M, check_finite=False)
        return V @ ((V.T @ C) / np.maximum(evals, floor)[:, None])
    diag = np.diag(M)
    d = np.where(diag > 0, 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0)), 0.0)
    evals, V = linalg.eigh(d[:, None] * M * d[None, :], check_finite=False)
    cutoff = max(evals.max(initial=0.0), 0.0) * M.shape[0] * np.finfo(float).eps
    inv = np.where(evals > cutoff, 1.0 / np.where(evals > cutoff, evals, 1.0), 0.0)
    return d[:, None] * (V @ (inv[:, None] * (V.T @ (d[:, None] * C))))


def solve_gram_cholesky(G, C, alphas, pf, eps=_EPS64):
    """Solve ``(G + alpha_t diag(pf)) w_t = c_t`` for every target t.

    Returns ``(W, used_fallback)``; singular systems are solved in the
    least-norm sense through an eigendecomposition (what scikit-learn's SVD
    fallback returns).
    """
    p = G.shape[0]
    W = np.empty_like(C)
    fallback = False
    for alpha in np.unique(alphas):
        cols = alphas == alpha
        floor = alpha * pf.min(initial=np.inf) if p else 0.0
        M = G.copy()
        M.flat[:: p + 1] += alpha * pf
        factor = _cholesky_or_none(M, regularized=_above_rounding(floor, M, eps))
        if factor is not None:
            W[:, cols] = linalg.cho_solve(factor, C[:, cols], check_finite=False)
        else:
            fallback = True
            M = G.copy()
            M.flat[:: p + 1] += alpha * pf
            W[:, cols] = _pinv_solve(M, C[:, cols], floor=max(floor, 0.0))
    return W, fallback


def solve_gram_mixed_precision(design, G, C, alphas, pf, rtol=1e-13, max_iter=8):
    """Cholesky of a float32-accurate Gram matrix, refined to float64 accuracy.

    LAPACK's ``dsposv`` idea applied one level up: the O(n p^2) Gram matrix
    ``G`` (upper triangle; see
    :func:`skreg.linear_model._float32_gram.float32_gram_pass`) is formed in
    single precision (half the time of double) and factorized; the solution
    is then improved by iterative refinement, each step computing the exact
    float64 residual of the normal equations with two BLAS products over X
    (:meth:`CenteredDesign.normal_matmat`; scipy's BLAS, like the ssyrk
    before and the factorization: one thread pool, no spin-waiting). Stops
    when the relative KKT violation
    ``max|A^T A w + alpha pf w - A^T b| / max|A^T b|`` (measured, not
    estimated) is below ``rtol`` for every target. Returns ``(W, C, kkt)``, or
    None when refinement does not contract fast (ill-conditioned problems);
    the caller then solves in double precision.
    """
    p = G.shape[0]
    W = np.zeros_like(C)
    kkt = np.zeros(C.shape[1])
    c_scale = np.abs(C).max(axis=0)
    c_scale[c_scale == 0] = 1.0
    for alpha in np.unique(alphas):
        cols = np.flatnonzero(alphas == alpha)
        # G's upper triangle, as the lower one of an F-ordered copy of G^T
        M = G.T.copy(order="F")
        M.flat[:: p + 1] += alpha * pf
        factor = _cholesky_or_none(M)
        if factor is None:
            return None
        c = C[:, cols]
        w = np.zeros_like(c)
        r = c
        previous = np.inf
        for _ in range(max_iter):
            w += linalg.cho_solve(factor, r, check_finite=False)
            r = c - design.normal_matmat(w) - alpha * pf[:, None] * w
            violation = np.abs(r).max(axis=0) / c_scale[cols]
            worst = violation.max()
            if worst <= rtol:
                break
            if worst > 0.1 * previous:  # slow contraction: double precision wins
                return None
            previous = worst
        else:
            return None
        W[:, cols] = w
        kkt[cols] = violation
    return W, C, kkt


def solve_kernel_cholesky(design, B, alphas):
    """Dual (kernel) form for p > n: ``w = A^T (A A^T + alpha I)^{-1} b``.

    Only for strictly positive penalty factors, folded into ``design.scale``
    (the returned coefficients are in that scaled space).
    """
    X = design.X
    # the precision K was formed in: float32 for dense float32 data
    eps = np.finfo(X.dtype if not sparse.issparse(X) else np.float64).eps
    K = design.kernel()
    n = K.shape[0]
    dual = np.empty_like(B)
    fallback = False
    for alpha in np.unique(alphas):
        cols = alphas == alpha
        M = K.copy()
        M.flat[:: n + 1] += alpha
        factor = _cholesky_or_none(M, regularized=_above_rounding(alpha, M, eps))
        if factor is not None:
            dual[:, cols] = linalg.cho_solve(factor, B[:, cols], check_finite=False)
        else:
            fallback = True
            M = K.copy()
            M.flat[:: n + 1] += alpha
            dual[:, cols] = _pinv_solve(M, B[:, cols], floor=max(alpha, 0.0))
    return design.rmatmat(dual), fallback


def solve_cg(design, B, alphas, pf, tol, max_iter):
    """Conjugate gradient on the normal equations, one target at a time.

    ``tol`` is scipy's ``rtol`` (residual of the normal equations relative to
    ``||A^T b||``), scikit-learn's meaning for 'sparse_cg'.
    """
    p = design.shape[1]
    W = np.empty((p, B.shape[1]))
    n_iter = np.zeros(B.shape[1], dtype=np.int32)
    rhs = design.rmatmat(B)
    for t, alpha in enumerate(alphas):
        penalty = alpha * pf

        def normal_matvec(v, penalty=penalty):
            return design.rmatmat(design.matmat(v)) + penalty * v

        op = sp_linalg.LinearOperator((p, p), matvec=normal_matvec, dtype=np.float64)
        count = [0]

        def callback(_, count=count):
            count[0] += 1

        W[:, t], info = sp_linalg.cg(
            op, rhs[:, t], rtol=tol, maxiter=max_iter, callback=callback
        )
        n_iter[t] = count[0]
        if info > 0:
            warnings.warn(
                f"sparse_cg did not converge after {info} iterations; increase "
                f"max_iter (currently {max_iter}) or tol (currently {tol}).",
                ConvergenceWarning,
            )
    return W, n_iter


def solve_lsqr(design, B, alphas, tol, max_iter):
    """scipy's LSQR, ``damp = sqrt(alpha)``; penalty factors are in ``design.scale``."""
    p = design.shape[1]
    op = design.as_operator()
    W = np.empty((p, B.shape[1]))
    n_iter = np.zeros(B.shape[1], dtype=np.int32)
    for t, alpha in enumerate(alphas):
        result = sp_linalg.lsqr(
            op, B[:, t], damp=np.sqrt(alpha), atol=tol, btol=tol, iter_lim=max_iter
        )
        W[:, t] = result[0]
        n_iter[t] = result[2]
        if result[1] == 7:
            warnings.warn(
                f"lsqr did not converge after {result[2]} iterations; increase "
                f"max_iter (currently {max_iter}) or tol (currently {tol}).",
                ConvergenceWarning,
            )
    return W, n_iter


def solve_lbfgs_positive(design, B, alphas, pf, tol, max_iter, G=None):
    r"""Non-negative ridge with L-BFGS-B (scikit-learn's 'lbfgs' solver).

    Minimizes :math:`\tfrac12\|b - Aw\|^2 + \tfrac12 \alpha \sum_j f_j w_j^2`
    over :math:`w \ge 0` for every target, and stops when the projected
    gradient is at most ``tol * max|A^T b|``: the relative KKT violation that
    :func:`kkt_violation` reports (scipy's relative-decrease test is turned
    off; on a badly scaled problem it stopped at three times the optimal
    objective). Uses the Gram matrix ``G`` when given (cheap iterations for
    n >= p); the solution is then polished by one exact solve on its
    positive coordinates, kept when it is feasible and its KKT violation is
    smaller. Returns ``(W, n_iter)``; the caller warns when the certificate
    is above ``tol``.
    """
    p = design.shape[1]
    W = np.empty((p, B.shape[1]))
    n_iter = np.zeros(B.shape[1], dtype=np.int32)
    rhs = design.rmatmat(B)
    for t, alpha in enumerate(alphas):
        c, penalty, b = rhs[:, t], alpha * pf, B[:, t]
        scale = np.abs(c).max(initial=0.0) or 1.0
        options = {
            "maxiter": 15000 if max_iter is None else max_iter,
            "gtol": tol * scale,
            "ftol": 0.0,
        }

        if G is not None:

            def fun(w, c=c, penalty=penalty):
                Gw = G @ w
                grad = Gw - c + penalty * w
                return 0.5 * w @ Gw - c @ w + 0.5 * penalty @ (w * w), grad

        else:

            def fun(w, b=b, penalty=penalty):
                r = design.matmat(w) - b
                grad = design.rmatmat(r) + penalty * w
                return 0.5 * r @ r + 0.5 * penalty @ (w * w), grad

        result = optimize.minimize(
            fun,
            np.zeros(p),
            method="L-BFGS-B",
            jac=True,
            bounds=[(0, np.inf)] * p,
            options=options,
        )
        w = result.x
        if G is not None:
            w = _polish_on_support(G, c, penalty, w)
        W[:, t] = w
        n_iter[t] = result.nit
    return W, n_iter


def _projected_gradient(M, c, w):
    grad = M @ w - c
    return np.where(w > 0, np.abs(grad), np.maximum(-grad, 0.0)).max(initial=0.0)


def _polish_on_support(G, c, penalty, w):
    """Exact solution on the support of ``w`` when it is the optimal support.

    Solves ``(G + diag(penalty))_FF w_F = c_F`` on ``F = {w > 0}`` and returns
    it if it stays positive and has a smaller projected gradient than ``w``.
    """
    free = np.flatnonzero(w > 0)
    if free.size == 0:
        return w
    M = G + np.diag(penalty)
    factor = _cholesky_or_none(M[np.ix_(free, free)].copy(order="F"))
    if factor is None:
        return w
    w_free = linalg.cho_solve(factor, c[free], check_finite=False)
    if not np.all(w_free > 0):
        return w
    polished = np.zeros_like(w)
    polished[free] = w_free
    if _projected_gradient(M, c, polished) < _projected_gradient(M, c, w):
        return polished
    return w


def kkt_violation(design, B, W, alphas, pf, positive=False, G=None, C=None):
    r"""Relative KKT violation of ``W`` for every target.

    ``max_j |g_j| / max_j |g_j(0)|`` with ``g`` the gradient of
    :math:`\|b - Aw\|^2 + \alpha \sum_j f_j w_j^2` (projected onto the
    feasible directions when ``positive``) and ``g(0)`` its value at ``w = 0``.
    Uses the Gram matrix ``G`` and ``C = A^T B`` when given.
    """
    if C is None:
        C = design.rmatmat(B)
    if G is not None:
        grad = G @ W - C
    else:
        grad = design.rmatmat(design.matmat(W)) - C
    grad += alphas[None, :] * pf[:, None] * W
    if positive:
        grad = np.where(W > 0, np.abs(grad), np.maximum(-grad, 0.0))
    scale = np.abs(C).max(axis=0) if C.shape[0] else np.zeros(C.shape[1])
    viol = np.abs(grad).max(axis=0) if grad.shape[0] else np.zeros(C.shape[1])
    return np.where(scale > 0, viol / np.where(scale > 0, scale, 1.0), viol)
