r"""Ridge regression (L2 penalty), drop-in for scikit-learn's Ridge.

Ridge (and RidgeCV, in ._ridge_cv) minimize, for each target :math:`y`,

.. math::

    \sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha \sum_j f_j w_j^2

(scikit-learn's Ridge scaling: the data term is *not* divided by the number
of samples), with sample weights :math:`s_i` and penalty factors :math:`f_j`.
The intercept :math:`b` is never penalized and is obtained by centering.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import assert_all_finite, check_is_fitted, validate_data

from ..utils import check_penalty_factor, check_sample_weight
from ..utils._sklearn_private import (
    Interval,
    StrOptions,
    _fit_context,
)
from ._float32_gram import float32_gram_pass
from ._ridge_solvers import (
    CenteredDesign,
    check_finite_solution,
    kkt_violation,
    solve_cg,
    solve_gram_cholesky,
    solve_gram_mixed_precision,
    solve_kernel_cholesky,
    solve_lbfgs_positive,
    solve_lsqr,
    weighted_means,
)
from ._ridge_spectral import RidgeSpectrum, svd_affordable, svd_spectrum

# Sparse X with at most this many features is solved exactly through its
# (dense, p x p) Gram matrix; wider sparse X uses conjugate gradient.
_SPARSE_GRAM_MAX_FEATURES = 2000
# Dense float64 X at least this large (entries) and wide forms its Gram matrix
# in float32 and refines the solution to float64 accuracy (see
# solve_gram_mixed_precision); smaller problems are solved in float64 directly.
_MIXED_MIN_SIZE = 2_000_000
_MIXED_MIN_FEATURES = 200


def _check_alpha_per_target(alpha, n_targets):
    alpha = np.asarray(alpha, dtype=np.float64).ravel()
    if alpha.shape[0] not in (1, n_targets):
        raise ValueError(
            "Number of targets and number of penalties do not correspond: "
            f"{alpha.shape[0]} != {n_targets}"
        )
    if not np.all(np.isfinite(alpha)):
        raise ValueError("alpha contains NaN or infinity.")
    if np.any(alpha < 0):
        raise ValueError(f"alpha must be non-negative; got {alpha}.")
    return np.broadcast_to(alpha, (n_targets,)).copy()


def _resolve_solver(solver, positive, is_sparse, n_samples, n_features, has_zero_pf):
    """Map a scikit-learn solver name to the skreg solver that runs.

    Returns one of 'gram', 'kernel', 'kernel_spectral', 'svd', 'cg', 'lsqr',
    'lbfgs'.
    """
    if positive:
        return "lbfgs"
    if solver in ("auto", "cholesky", "sag", "saga"):
        if is_sparse:
            if n_features <= min(n_samples, _SPARSE_GRAM_MAX_FEATURES):
                return "gram"
            if n_samples < n_features and n_samples <= _SPARSE_GRAM_MAX_FEATURES:
                # the n x n kernel: smaller, and of full rank where the
                # p x p Gram matrix is singular (scikit-learn's choice too)
                return "kernel_spectral" if has_zero_pf else "kernel"
            if n_features <= _SPARSE_GRAM_MAX_FEATURES:
                return "gram"
            return "cg"
        if n_features <= n_samples:
            return "gram"
        return "kernel_spectral" if has_zero_pf else "kernel"
    if solver == "svd":
        return "svd"
    if solver == "sparse_cg":
        return "cg"
    # lsqr damps every coefficient equally; unpenalized features need CG.
    return "cg" if has_zero_pf else "lsqr"


def _use_mixed_precision(X):
    """Large dense float64 problems: float32 Gram + float64 refinement pays off."""
    n, p = X.shape
    return (
        not sparse.issparse(X)
        and X.dtype == np.float64
        and (X.flags.c_contiguous or X.flags.f_contiguous)
        and p >= _MIXED_MIN_FEATURES
        and n * p >= _MIXED_MIN_SIZE
    )


_REPORTED_NAME = {
    "gram": "cholesky",
    "kernel": "cholesky",
    "kernel_spectral": "cholesky",
    "svd": "svd",
    "cg": "sparse_cg",
    "lsqr": "lsqr",
    "lbfgs": "lbfgs",
}


def _svd_fallback(X, Y, sample_weight, pf, fit_intercept, alphas):
    """Coefficients from the SVD of X when its normal equations are singular.

    As scikit-learn: a Cholesky factorization that fails in rounding means
    ``X^T X`` has lost the directions whose squared singular values are
    below its rounding (columns with a mean of 1e8 and a spread of 1); the
    singular values of X itself keep them (objective 3.99, where the
    least-norm solve on ``X^T X`` gave 398). Returns ``(W, None, None)``:
    the Gram matrix is not to be used for the certificate either.
    """
    spectrum = svd_spectrum(X, Y, sample_weight, pf, fit_intercept)
    return spectrum.coef(alphas), None, None


def _fit_ridge(X, Y, sample_weight, alphas, pf, *, fit_intercept, solver, positive,
               tol, max_iter, check_finite_as=None):
    """Solve ridge for every column of Y; returns a dict of fitted pieces.

    ``X`` is float32/float64 dense or CSR/CSC sparse, ``Y`` is (n, t) float64,
    ``alphas`` is (t,). Coefficients come back as float64 of shape (p, t).
    ``check_finite_as``: None when X is known to be finite, else the
    estimator name for scikit-learn's NaN/inf error (the mixed-precision
    route checks within its pass over X, the others check first).
    """
    n, p = X.shape
    is_sparse = sparse.issparse(X)
    kind = _resolve_solver(solver, positive, is_sparse, n, p, bool(np.any(pf == 0)))
    moments = None
    if kind == "gram" and _use_mixed_precision(X):
        moments = float32_gram_pass(X, Y, sample_weight, fit_intercept)
        if not moments.finite:
            if check_finite_as is not None:  # raises on NaN/inf
                assert_all_finite(X, input_name="X", estimator_name=check_finite_as)
            moments = None  # finite entries whose sums overflow: float64 route
    elif check_finite_as is not None:
        assert_all_finite(X, input_name="X", estimator_name=check_finite_as)
    if moments is not None:
        x_mean, y_mean = moments.x_mean, moments.y_mean
    else:
        x_mean, y_mean, _ = weighted_means(X, Y, sample_weight, fit_intercept)
    sqrt_sw = None if sample_weight is None else np.sqrt(sample_weight)
    B = Y - y_mean
    if sqrt_sw is not None:
        B *= sqrt_sw[:, None]
    design = CenteredDesign(X, x_mean, sqrt_sw)
    G = C = None
    n_iter = None
    reported = _REPORTED_NAME[kind]

    mixed = None
    if moments is not None:
        mixed = solve_gram_mixed_precision(
            design, moments.gram, moments.rhs, alphas, pf
        )
    if mixed is not None:
        W, C, kkt = mixed
    elif kind == "gram":
        G = design.gram()
        C = design.rmatmat(B)
        # the precision G was formed in (float32 for dense float32 data)
        eps = np.finfo(np.float64 if is_sparse else X.dtype).eps
        W, fallback = solve_gram_cholesky(G, C, alphas, pf, eps)
        if fallback:
            reported = "svd"
            if svd_affordable(X):
                W, G, C = _svd_fallback(X, Y, sample_weight, pf, fit_intercept,
                                        alphas)
    elif kind == "kernel":
        scale = 1.0 / np.sqrt(pf)
        scaled = CenteredDesign(X, x_mean, sqrt_sw, scale)
        W, fallback = solve_kernel_cholesky(scaled, B, alphas)
        W *= scale[:, None]
        if fallback:
            reported = "svd"
            if svd_affordable(X):
                W, _, _ = _svd_fallback(X, Y, sample_weight, pf, fit_intercept,
                                        alphas)
    elif kind in ("svd", "kernel_spectral"):
        mode = "svd" if kind == "svd" else "kernel"
        spectrum = RidgeSpectrum(X, Y, sample_weight, pf, fit_intercept, mode)
        W = spectrum.coef(alphas)
    elif kind == "cg":
        W, n_iter = solve_cg(design, B, alphas, pf, tol, max_iter)
    elif kind == "lsqr":
        scale = 1.0 / np.sqrt(pf)
        scaled = CenteredDesign(X, x_mean, sqrt_sw, scale)
        W, n_iter = solve_lsqr(scaled, B, alphas, tol, max_iter)
        W *= scale[:, None]
    else:  # lbfgs, non-negative coefficients
        if (p <= n) if not is_sparse else (p <= _SPARSE_GRAM_MAX_FEATURES):
            G = design.gram()
        W, n_iter = solve_lbfgs_positive(design, B, alphas, pf, tol, max_iter, G=G)
        if G is not None:
            C = design.rmatmat(B)

    check_finite_solution(W)
    if mixed is None:
        kkt = kkt_violation(design, B, W, alphas, pf, positive=positive, G=G, C=C)
    if kind == "lbfgs" and np.max(kkt, initial=0.0) > tol:
        warnings.warn(
            "The lbfgs solver did not converge: relative KKT violation "
            f"{np.max(kkt):.3g} > tol={tol}. Try increasing max_iter "
            f"(currently {max_iter}) or tol.",
            ConvergenceWarning,
        )
    intercept = y_mean - x_mean @ W if fit_intercept else None
    check_finite_solution(W, intercept, kkt)
    return {
        "coef": W,
        "intercept": intercept,
        "n_iter": n_iter,
        "solver": reported,
        "kkt": kkt,
    }


def _set_linear_attributes(est, W, intercept, y_ndim, dtype, kkt=None):
    """Set coef_/intercept_ (and kkt_violation_) with scikit-learn's shapes."""
    n_targets = W.shape[1]
    coef = W.T.astype(dtype, copy=False)
    est.coef_ = coef[0] if n_targets == 1 else coef
    if intercept is None:
        est.intercept_ = 0.0
    elif y_ndim == 1:
        est.intercept_ = dtype.type(intercept[0])
    else:
        est.intercept_ = intercept.astype(dtype)
    if kkt is not None:
        est.kkt_violation_ = float(kkt[0]) if y_ndim == 1 else kkt


def _validate_fit_data(est, X, y, sample_weight, solver_checks_dense_finite=False):
    """Return checked X (float32/64, CSR/CSC), y, 2-D float64 Y, weights, factors.

    ``solver_checks_dense_finite=True`` leaves the NaN/inf check of a dense X
    to :func:`_fit_ridge` (``check_finite_as``), which does it within its
    first pass over X on the mixed-precision route.
    """
    X, y = validate_data(
        est,
        X,
        y,
        accept_sparse=["csr", "csc", "coo"],
        dtype=[np.float64, np.float32],
        multi_output=True,
        y_numeric=True,
        ensure_all_finite=not solver_checks_dense_finite,
    )
    if solver_checks_dense_finite and sparse.issparse(X):
        assert_all_finite(X, input_name="X")
    if sparse.issparse(X) and X.format == "coo":
        X = X.tocsr()
    sw = None
    if sample_weight is not None:
        sw = check_sample_weight(sample_weight, X, dtype=np.float64)
    Y = np.asarray(y, dtype=np.float64)
    Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
    pf = check_penalty_factor(est.penalty_factor, X.shape[1])
    return X, y, Y, sw, pf


class _RidgePredictMixin:
    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc", "coo"], reset=False,
            dtype=[np.float64, np.float32],
        )
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_


class Ridge(_RidgePredictMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    r"""Linear least squares with an L2 penalty (Tikhonov regularization).

    Minimizes, for each target (column of ``y``),

    .. math::

        \sum_{i=1}^{n} s_i (y_i - x_i^\top w - b)^2
        + \alpha \sum_{j=1}^{p} f_j w_j^2,

    with sample weights :math:`s_i` (1 by default), penalty factors
    :math:`f_j` (``penalty_factor``, 1 by default) and an unpenalized
    intercept :math:`b`. This is scikit-learn's scaling: the squared error is
    **not** divided by :math:`n` (unlike :class:`Lasso`), so ``alpha`` means
    the same as in :class:`sklearn.linear_model.Ridge`.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Strength of the L2 penalty, non-negative; one value per target when
        an array is given. ``alpha=0`` is ordinary least squares (least-norm
        solution when the system is singular).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (by centering; sparse ``X`` is centered
        implicitly and never densified).
    copy_X : bool, default=True
        Accepted for compatibility; ``X`` is never modified by skreg.
    max_iter : int, default=None
        Iteration limit of the iterative solvers ('sparse_cg', 'lsqr':
        scipy's default; 'lbfgs': 15000). Direct solvers ignore it.
    tol : float, default=1e-4
        Precision of the iterative solvers, with scikit-learn's meaning:
        relative residual of the normal equations ('sparse_cg'), atol/btol of
        scipy's lsqr ('lsqr'); for 'lbfgs', the largest projected gradient
        relative to ``max|X^T y|`` (``kkt_violation_``), with a
        ``ConvergenceWarning`` when it is not reached.
        Direct solvers ignore it.
    solver : {'auto', 'svd', 'cholesky', 'lsqr', 'sparse_cg', 'sag', \
'saga', 'lbfgs'}, default='auto'
        scikit-learn's names, mapped to skreg's solvers:

        - 'auto', 'cholesky', 'sag', 'saga': a direct solve. Dense ``X`` with
          n >= p: Cholesky of the p x p Gram matrix ``X^T W X`` (BLAS syrk,
          no copy of ``X`` without sample weights). For large contiguous
          float64 ``X`` (n p >= 2e6, p >= 200) the Gram matrix is formed in
          float32 (half the cost; one pass over ``X`` also gives the means,
          ``X^T y`` and the NaN/inf check) and the solution refined in float64
          until the relative KKT violation is below 1e-13, as LAPACK's
          ``dsposv`` does; if that refinement does not contract fast, a
          float64 Gram matrix is used instead. Dense ``X`` with p > n: the
          dual (kernel) form, Cholesky of the n x n matrix ``X X^T`` (an
          eigendecomposition when some ``penalty_factor`` is 0); sparse ``X``
          (implicit centering, float64 products): Cholesky of its Gram
          matrix when p <= n, of its kernel when p > n, as long as the
          smaller side is at most 2000; else 'sparse_cg'. 'sag'/'saga' are not
          stochastic here: they give the exact solution.
        - 'svd': thin SVD of the centered, weighted ``X`` (dense only).
        - 'sparse_cg': conjugate gradient on the normal equations.
        - 'lsqr': scipy's LSQR (becomes 'sparse_cg' when a penalty factor is
          0, since LSQR damps all coefficients equally).
        - 'lbfgs': L-BFGS-B, only (and automatically) with ``positive=True``.

        A singular system (e.g. ``alpha=0`` with collinear features) falls back
        to the least-norm solution, and ``solver_`` is then 'svd', as in
        scikit-learn.
    positive : bool, default=False
        Constrain the coefficients to be non-negative (uses 'lbfgs').
    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility; no skreg solver is random.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature multipliers :math:`f_j` of the penalty
        (glmnet's ``penalty.factor``); 0 leaves a feature unpenalized, None
        means 1 for every feature. Scaling :math:`f_j` by :math:`c` equals
        scaling column j of ``X`` by :math:`1/\sqrt{c}` (and its coefficient
        by :math:`1/\sqrt{c}`).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients, in the dtype of ``X`` (float32 stays float32).
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; 0.0 when ``fit_intercept=False``.
    n_iter_ : ndarray of shape (n_targets,)
        Iterations of the iterative solvers; 1 for the direct ones
        (scikit-learn reports None there, which fails its own estimator check
        for estimators with ``max_iter``).
    solver_ : str
        The solver that ran, as a scikit-learn solver name.
    kkt_violation_ : float or ndarray of shape (n_targets,)
        Optimality certificate: :math:`\max_j |g_j(w)| / \max_j |g_j(0)|`,
        the largest entry of the gradient of the objective at the returned
        coefficients (projected on feasible directions when ``positive``),
        relative to its value at :math:`w = 0`. About machine precision for
        the direct solvers; about ``tol`` for the iterative ones.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string feature names.

    See Also
    --------
    RidgeCV : Ridge with efficient leave-one-out selection of alpha.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import Ridge
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(10, 5), rng.randn(10)
    >>> model = Ridge(alpha=1.0).fit(X, y)
    >>> model.coef_.shape
    (5,)
    >>> bool(model.kkt_violation_ < 1e-10)
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [
            StrOptions(
                {"auto", "svd", "cholesky", "lsqr", "sparse_cg", "sag", "saga", "lbfgs"}
            )
        ],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        solver="auto",
        positive=False,
        random_state=None,
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.penalty_factor = penalty_factor

    def _check_solver(self, X):
        if self.solver == "lbfgs" and not self.positive:
            raise ValueError(
                "'lbfgs' solver can be used only when positive=True. "
                "Please use another solver."
            )
        if self.positive and self.solver not in ("auto", "lbfgs"):
            raise ValueError(
                f"solver='{self.solver}' does not support positive fitting. Please"
                " set the solver to 'auto' or 'lbfgs', or set `positive=False`"
            )
        if sparse.issparse(X) and self.solver == "svd":
            if self.fit_intercept:
                raise ValueError(
                    "solver='svd' does not support fitting the intercept on "
                    "sparse data. Please set the solver to 'auto' or 'cholesky', "
                    "'lsqr', 'sparse_cg', 'sag', 'lbfgs' or set "
                    "`fit_intercept=False`"
                )
            raise TypeError("SVD solver does not support sparse inputs currently")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the ridge model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (float32 is kept as float32).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights :math:`s_i`; a float gives every sample that
            weight.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y, Y, sw, pf = _validate_fit_data(
            self, X, y, sample_weight, solver_checks_dense_finite=True
        )
        self._check_solver(X)
        alphas = _check_alpha_per_target(self.alpha, Y.shape[1])

        fitted = _fit_ridge(
            X, Y, sw, alphas, pf,
            fit_intercept=self.fit_intercept,
            solver=self.solver,
            positive=self.positive,
            tol=self.tol,
            max_iter=self.max_iter,
            check_finite_as=None if sparse.issparse(X) else type(self).__name__,
        )
        _set_linear_attributes(
            self, fitted["coef"], fitted["intercept"], np.ndim(y), X.dtype,
            kkt=fitted["kkt"],
        )
        n_iter = fitted["n_iter"]
        # A direct solve counts as one iteration (scikit-learn reports None,
        # which its own common check on ``max_iter`` estimators rejects).
        self.n_iter_ = np.ones(Y.shape[1], np.int32) if n_iter is None else n_iter
        self.solver_ = fitted["solver"]
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.solver != "svd"
        return tags
