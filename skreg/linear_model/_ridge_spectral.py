r"""One eigendecomposition (or SVD) of a ridge problem, reused for many alphas.

For the centered, weighted problem ``min ||b - A w||^2 + alpha sum_j f_j w_j^2``
the hat matrix and coefficients for *every* alpha follow from one spectral
decomposition:

* ``'gram'`` (n > p): ``A^T A = V diag(e) V^T``, ``Z = A V``,
  ``H(alpha) = Z diag(1 / (e + alpha)) Z^T``;
* ``'kernel'`` (n <= p): ``A A^T = Q diag(l) Q^T``, ``Z = Q``,
  ``H(alpha) = Q diag(l / (l + alpha)) Q^T``;
* ``'svd'``: ``A = U diag(s) V^T``, ``Z = U``, ``H = U diag(s^2/(s^2+alpha)) U^T``.

Penalty factors ``f_j > 0`` are folded in by scaling column j by
``1 / sqrt(f_j)``; unpenalized columns (``f_j = 0``) are partialled out
exactly (their projection ``P0`` is added to the hat matrix), like the
intercept, whose hat-matrix part is ``sqrt_sw sqrt_sw^T / sum(sw)``.
Leave-one-out residuals are ``r_i / (1 - H_ii)`` (weighted space), which is
what scikit-learn's RidgeCV scores.
"""

import numpy as np
from scipy import linalg, sparse

from ._ridge_solvers import (
    CenteredDesign,
    check_squares_finite,
    few_blas_threads,
    weighted_means,
)

# Rows of Z processed at once when forming diag(H) for all alphas.
_ROW_CHUNK = 4096
# Dense X with at least this many entries forms Z = A V in float32 for the
# leverages diag(H) (fitted values and coefficients stay float64), as long as
# every leverage stays below _MAX_SINGLE_LEVERAGE.
_SINGLE_MIN_SIZE = 2_000_000
_MAX_SINGLE_LEVERAGE = 0.9


def _ridge_inverse(evals, alphas, null):
    """``1 / (e + alpha)`` for every eigenvalue and alpha; shape (k, a).

    With ``alpha > 0`` the denominator is at least alpha: every direction is
    kept, however small its eigenvalue relative to the largest one (a feature
    on a 1e7 scale spreads the eigenvalues over 1e14; dropping the small ones
    zeroed the other coefficients). Only ``alpha == 0`` meets a singular
    denominator: there the ``null`` directions (eigenvalues at rounding
    level) get 0, the least-norm (pseudo-inverse) solution.
    """
    e = np.clip(evals, 0.0, None)[:, None]
    alphas = np.asarray(alphas, dtype=np.float64)[None, :]
    singular = null[:, None] & (alphas <= 0)
    with np.errstate(divide="ignore"):
        return np.where(singular, 0.0, 1.0 / np.where(singular, 1.0, e + alphas))


def _null_directions(evals, size):
    """Eigenvalues at rounding level of the largest one (or below)."""
    cutoff = max(evals.max(initial=0.0), 0.0) * max(size, 1) * np.finfo(float).eps
    return evals <= cutoff


class RidgeSpectrum:
    """Spectral form of a ridge problem for many alphas at once.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_targets)
    sample_weight : ndarray of shape (n_samples,) or None
    penalty_factor : ndarray of shape (n_features,)
    fit_intercept : bool
    mode : {'gram', 'kernel', 'svd'}
    """

    def __init__(self, X, Y, sample_weight, penalty_factor, fit_intercept, mode):
        n, p = X.shape
        self.mode = mode
        self.fit_intercept = fit_intercept
        self.x_mean, self.y_mean, sw_sum = weighted_means(
            X, Y, sample_weight, fit_intercept
        )
        sqrt_sw = None if sample_weight is None else np.sqrt(sample_weight)
        self.sqrt_sw = sqrt_sw
        B = Y - self.y_mean
        if sqrt_sw is not None:
            B = B * sqrt_sw[:, None]
        self.B_full = B

        pf = penalty_factor
        self.penalized = pf > 0
        self.n_features = p
        pen = self.penalized
        scale = np.zeros(p)
        scale[pen] = 1.0 / np.sqrt(pf[pen])
        self.scale = scale

        # Diagonal of the part of the hat matrix that alpha does not touch.
        base = np.zeros(n)
        if fit_intercept:
            base += (np.ones(n) if sqrt_sw is None else sample_weight) / sw_sum

        self.Q0 = None
        if pen.all():
            design = CenteredDesign(X, self.x_mean, sqrt_sw, scale)
        else:
            X1 = X[:, pen] if pen.any() else None
            X0 = X[:, ~pen]
            A0 = CenteredDesign(X0, self.x_mean[~pen], sqrt_sw).explicit()
            U0, s0, V0t = linalg.svd(
                np.asarray(A0, dtype=np.float64), full_matrices=False
            )
            keep = s0 > s0.max(initial=0.0) * max(A0.shape) * np.finfo(float).eps
            self.Q0, self.s0, self.V0 = U0[:, keep], s0[keep], V0t[keep].T
            base += np.einsum("ij,ij->i", self.Q0, self.Q0)
            B = B - self.Q0 @ (self.Q0.T @ B)
            design = (
                CenteredDesign(X1, self.x_mean[pen], sqrt_sw, scale[pen])
                if X1 is not None
                else None
            )
        self.design = design
        self.base_diag = base
        self.B = B
        self._decompose()

    def _project(self, M):
        """Apply ``I - P0`` to the rows space (n, k)."""
        if self.Q0 is None:
            return M
        return M - self.Q0 @ (self.Q0.T @ M)

    def _decompose(self):
        design, n = self.design, self.B.shape[0]
        if design is None:  # every feature unpenalized
            self.evals = np.zeros(0)
            self.null = np.zeros(0, dtype=bool)
            self.Z = np.zeros((n, 0))
            self.a = np.zeros((0, self.B.shape[1]))
            return
        if self.mode == "gram":
            G = design.gram()
            if self.Q0 is not None:
                T = design.rmatmat(self.Q0)
                G -= T @ T.T
            with few_blas_threads(G.shape[0]):
                evals, V = linalg.eigh(G, overwrite_a=True, check_finite=False)
            self.evals = np.clip(evals, 0.0, None)
            self.null = _null_directions(self.evals, G.shape[0])
            self.V = V
            self._T = T if self.Q0 is not None else None
            # a = V^T A'^T b' in float64; Z = A' V is only formed (lazily) for
            # leave-one-out, which needs diag(H).
            self.a = V.T @ design.rmatmat(self.B)
            self.Z = None
            return
        elif self.mode == "kernel":
            K = design.kernel()
            if self.Q0 is not None:
                K = self._project(self._project(K).T)
            with few_blas_threads(K.shape[0]):
                evals, Q = linalg.eigh(K, overwrite_a=True, check_finite=False)
            self.evals = np.clip(evals, 0.0, None)
            self.known_null = np.zeros(self.evals.shape, dtype=bool)
            self._zero_known_nulls(Q)
            self.null = _null_directions(self.evals, K.shape[0])
            self.Z = Q
        elif self.mode == "svd":
            A = np.asarray(design.explicit(), dtype=np.float64)
            A = self._project(A)
            U, s, Vt = linalg.svd(
                A, full_matrices=False, overwrite_a=True, check_finite=False
            )
            self.s = s
            with np.errstate(over="ignore"):
                self.evals = s**2
            check_squares_finite(self.evals, np.float64, "the squared singular values")
            # pinv's rank cutoff, on the singular values
            self.null = s <= s.max(initial=0.0) * max(A.shape) * np.finfo(float).eps
            self.V = Vt.T
            self.Z = U
        else:  # pragma: no cover - guarded by the callers
            raise ValueError(f"unknown mode {self.mode!r}")
        self.a = self.Z.T @ self.B

    def _zero_known_nulls(self, Q):
        """Exact zero eigenvalues for the kernel's structural null space.

        Centering makes ``sqrt(sw)`` a null vector of ``A A^T`` (and the
        projection, the columns of ``Q0``); eigh returns rounding-level
        eigenvalues (about eps times the largest) for them, which with a
        small alpha would give those directions a hat weight ``e / (e +
        alpha)`` near 1. The eigenvectors most aligned with these known null
        vectors get eigenvalue 0 (scikit-learn does the same for the
        intercept).
        """
        known = []
        if self.fit_intercept:
            u = np.ones(Q.shape[0]) if self.sqrt_sw is None else self.sqrt_sw
            known.append((u / np.linalg.norm(u))[:, None])
        if self.Q0 is not None:
            known.append(self.Q0)
        if not known:
            return
        N = np.hstack(known)
        alignment = np.square(N.T @ Q).sum(axis=0)
        self.known_null[np.argsort(alignment)[-N.shape[1]:]] = True
        self.evals[self.known_null] = 0.0

    def _gram_Z(self, single):
        """``Z = A' V`` for the 'gram' mode, in float32 when ``single``."""
        if single:
            Z = self.design.matmat_float32(self.V)
        else:
            Z = self.design.matmat(self.V)
        if self.Q0 is not None:
            Z -= (self.Q0 @ (self._T.T @ self.V)).astype(Z.dtype, copy=False)
        return Z

    def _hat_diag(self, H, Z):
        diag = np.empty((Z.shape[0], H.shape[1]))
        Hz = H.astype(Z.dtype, copy=False)
        for start in range(0, Z.shape[0], _ROW_CHUNK):
            rows = slice(start, start + _ROW_CHUNK)
            diag[rows] = np.square(Z[rows]) @ Hz
        diag += self.base_diag[:, None]
        return diag

    def hat_weights(self, alphas):
        """``h`` with ``H(alpha) = Z diag(h) Z^T``; shape (k, n_alphas)."""
        inv = _ridge_inverse(self.evals, alphas, self.null)
        if self.mode == "gram":
            return inv
        return self.evals[:, None] * inv

    def coef(self, alphas):
        """Coefficients for one alpha per target; shape (p, n_targets).

        ``alphas`` has shape (n_targets,).
        """
        alphas = np.asarray(alphas, dtype=np.float64)
        n_targets = self.B.shape[1]
        W = np.zeros((self.n_features, n_targets))
        if self.design is not None:
            e = self.evals[:, None]
            inv = _ridge_inverse(self.evals, alphas, self.null)  # (k, t)
            if self.mode == "gram":
                w_hat = self.V @ (inv * self.a)
            elif self.mode == "kernel":
                # A^T q = 0 for a null vector q of A A^T: rounding in q^T b
                # would otherwise come back amplified by 1 / alpha
                inv[self.known_null] = 0.0
                dual = self.Z @ (inv * self.a)
                w_hat = self.design.rmatmat(self._project(dual))
            else:
                w_hat = self.V @ (np.sqrt(e) * inv * self.a)
            W[self.penalized] = self.scale[self.penalized, None] * w_hat
        if self.Q0 is not None:
            fitted = (
                self.design.matmat(W[self.penalized] / self.scale[self.penalized, None])
                if self.design is not None
                else 0.0
            )
            rest = self.Q0.T @ (self.B_full - fitted)
            W[~self.penalized] = self.V0 @ (rest / self.s0[:, None])
        return W

    def intercept(self, W):
        """Intercepts (n_targets,) for coefficients W of shape (p, n_targets)."""
        if not self.fit_intercept:
            return np.zeros(W.shape[1])
        return self.y_mean - self.x_mean @ W

    def loo_residuals(self, alphas):
        """Leave-one-out residuals in the weighted space.

        Returns an array of shape (n_samples, n_targets, n_alphas): entry
        ``[i, t, j]`` is ``sqrt(sw_i) (y_it - yhat_it^{(-i)})`` for ``alphas[j]``.
        """
        n, n_targets = self.B.shape
        if (self.mode == "kernel" and self.Z.shape[1] == n
                and np.count_nonzero(self.null) == np.count_nonzero(self.known_null)):
            # the null directions are exactly the unpenalized part's (no
            # other one mixes with them): no subtraction needed
            return self._kernel_loo_residuals(alphas)
        H = self.hat_weights(alphas)  # (k, A)
        k = H.shape[0]
        # Fitted values of the penalized part for all alphas in one product.
        coef_blocks = (H[:, None, :] * self.a[:, :, None]).reshape(k, -1)
        if self.mode == "gram" and self.design is not None:
            fitted = self._project(self.design.matmat(self.V @ coef_blocks))
            # Large dense problems: Z = A V (the O(n p^2) step) in float32,
            # unless some leverage is close to 1, where 1 - H_ii would lose
            # the digits float32 lacks.
            single = _single_precision_pays(self.design.X)
            diag = self._hat_diag(H, self._gram_Z(single))
            if single and diag.max(initial=0.0) > _MAX_SINGLE_LEVERAGE:
                diag = self._hat_diag(H, self._gram_Z(False))
        else:
            fitted = self.Z @ coef_blocks
            diag = self._hat_diag(H, self.Z)
        resid = self.B[:, :, None] - fitted.reshape(n, n_targets, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return resid / (1.0 - diag)[:, None, :]

    def _kernel_loo_residuals(self, alphas):
        """:meth:`loo_residuals` from a full eigenbasis Z of the kernel.

        With ``Z`` square, ``1 - H_ii = sum_k Z_ik^2 (1 - h_k)`` and the
        residual is ``Z ((1 - h) * a)``, where ``1 - h_k = alpha / (e_k +
        alpha)`` is formed without subtraction; the structural null
        directions (``known_null``) span the unpenalized part, whose hat
        diagonal ``base_diag`` they account for. Forming ``1 - H_ii`` by
        subtraction lost digits as 1e-14 / alpha (LOO error 1.69650 against
        1.69688 by brute force at alpha = 1e-12 on 5 x 10 data).
        """
        n, n_targets = self.B.shape
        alphas = np.asarray(alphas, dtype=np.float64)
        inv = _ridge_inverse(self.evals, alphas, self.null)  # (k, A)
        with np.errstate(invalid="ignore"):
            g = np.where(alphas[None, :] > 0, alphas[None, :] * inv,
                         1.0 - self.evals[:, None] * inv)
        # the known null directions span the unpenalized part, whose hat
        # diagonal base_diag they carry: leaving them out is that subtraction
        g[self.known_null] = 0.0
        one_minus = np.square(self.Z) @ g  # (n, A)
        blocks = (g[:, None, :] * self.a[:, :, None]).reshape(g.shape[0], -1)
        resid = (self.Z @ blocks).reshape(n, n_targets, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return resid / one_minus[:, None, :]


# largest sparse X (entries) densified for an SVD (80 MB float64)
_SVD_MAX_SPARSE_ENTRIES = 10_000_000


def svd_affordable(X):
    """Dense X, or a sparse one small enough to densify for its SVD."""
    return (not sparse.issparse(X)
            or X.shape[0] * X.shape[1] <= _SVD_MAX_SPARSE_ENTRIES)


def svd_spectrum(X, Y, sample_weight, penalty_factor, fit_intercept):
    """The 'svd' spectrum, of a (small) sparse X densified."""
    X = X.toarray() if sparse.issparse(X) else X
    return RidgeSpectrum(X, Y, sample_weight, penalty_factor, fit_intercept, "svd")


def accurate_spectrum(X, Y, sample_weight, penalty_factor, fit_intercept, mode):
    """The spectrum in ``mode``, or the SVD's when 'gram' lost directions.

    Eigenvalues of ``X^T X`` at its rounding level mean that squaring lost
    directions the singular values of X keep: columns with a mean of 1e8 and
    a spread of 1 (objective 313 instead of 3.99), column scales 2e-5 to 9e5
    (a fold scored R^2 -0.334 instead of -0.276 and RidgeCV chose another
    alpha_).
    """
    spectrum = RidgeSpectrum(X, Y, sample_weight, penalty_factor, fit_intercept,
                             mode)
    if mode == "gram" and spectrum.null.any() and svd_affordable(X):
        return svd_spectrum(X, Y, sample_weight, penalty_factor, fit_intercept)
    return spectrum


def _single_precision_pays(X):
    dense64 = not sparse.issparse(X) and X.dtype == np.float64
    return dense64 and X.shape[0] * X.shape[1] >= _SINGLE_MIN_SIZE


def choose_mode(X, gcv_mode):
    """scikit-learn's gcv_mode rules: 'svd' only for dense X; else by shape."""
    if gcv_mode == "svd" and not sparse.issparse(X):
        return "svd"
    n, p = X.shape
    return "kernel" if n <= p else "gram"
