r"""ElasticNet and Lasso: single-alpha estimators on skreg's certified CD engine.

Both minimize, for each target column :math:`y`,

.. math::

    \frac{1}{2 \sum_i s_i} \sum_i s_i (y_i - x_i^\top w - b)^2
    + \alpha \sum_j f_j \left( \rho |w_j| + \frac{1 - \rho}{2} w_j^2 \right)

with sample weights :math:`s_i` (1 by default), ``l1_ratio`` :math:`\rho`
(1 for the Lasso) and per-feature ``penalty_factor`` :math:`f_j` (1 by
default). The estimators only validate input and store results: the problem is
solved by :func:`skreg.linear_model._solver.solve_enet`.
"""

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_array, metadata_routing
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import assert_all_finite, check_is_fitted, validate_data

from ..utils import check_penalty_factor, check_sample_weight
from ..utils._sklearn_private import Interval, StrOptions, _fit_context
from ._path import enet_path
from ._solver import solve_enet

_PARAMETER_CONSTRAINTS = {
    "alpha": [Interval(Real, 0, None, closed="left")],
    "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    "fit_intercept": ["boolean"],
    "precompute": ["boolean", "array-like"],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "copy_X": ["boolean"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "warm_start": ["boolean"],
    "positive": ["boolean"],
    "random_state": ["random_state"],
    "selection": [StrOptions({"cyclic", "random"})],
    "penalty_factor": ["array-like", None],
}


def validate_regression_data(estimator, X, y, *, reset=True, multi_output=True,
                             solver_checks_dense_finite=False):
    """Validate ``X`` and ``y`` the way the coordinate-descent estimators need.

    Dense ``X`` becomes Fortran-ordered float64/float32 (float32 is kept),
    sparse ``X`` becomes CSC (never densified); ``y`` is cast to ``X``'s
    dtype. NaN/inf, empty data and mismatched lengths raise a ``ValueError``
    naming the problem.

    ``solver_checks_dense_finite=True`` leaves the NaN/inf check of a dense
    ``X`` to the solver, which does it within its first pass over ``X``
    (one fewer pass over the data; the error message is the same).
    """
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=reset,
        accept_sparse="csc",
        order="F",
        dtype=[np.float64, np.float32],
        multi_output=multi_output,
        y_numeric=True,
        accept_large_sparse=False,
        ensure_all_finite=not solver_checks_dense_finite,
    )
    if solver_checks_dense_finite and sparse.issparse(X):
        assert_all_finite(X, input_name="X")
    y = check_array(y, dtype=X.dtype.type, ensure_2d=False, order="F")
    return X, y


def normalized_sample_weight(sample_weight, X):
    """Checked sample weights rescaled to sum to ``n_samples`` (None stays None).

    The objective divides by the weight sum, so rescaling changes nothing
    mathematically; it keeps the solver's tolerance on scikit-learn's scale.
    A scalar weight is the same as no weight.
    """
    if sample_weight is None or isinstance(sample_weight, numbers.Number):
        # A scalar still has to be a valid (finite, positive) weight.
        if sample_weight is not None:
            check_sample_weight(sample_weight, X, dtype=X.dtype)
        return None
    sw = check_sample_weight(sample_weight, X, dtype=X.dtype)
    return sw * (X.shape[0] / np.sum(sw))


def checked_gram(precompute, X, sample_weight, fit_intercept):
    r"""Return ``(use_gram, Gram or None)`` from the ``precompute`` parameter.

    As in scikit-learn: sparse ``X`` never uses a Gram matrix; a user Gram
    matrix is recomputed (with a ``UserWarning``) when ``X`` has to be
    centered for the intercept, and is spot-checked on one entry otherwise
    (it must equal :math:`X^\top \mathrm{diag}(s) X` with the weights
    rescaled to sum to ``n_samples``).
    """
    if sparse.issparse(X):
        return False, None
    if isinstance(precompute, (bool, str)):
        return precompute, None
    n_samples, n_features = X.shape
    Gram = check_array(precompute, dtype=X.dtype.type, order="F")
    if Gram.shape != (n_features, n_features):
        raise ValueError(
            f"precompute (the Gram matrix) has shape {Gram.shape}; expected "
            f"({n_features}, {n_features})."
        )
    sw = np.ones(n_samples) if sample_weight is None else sample_weight
    offset = np.zeros(n_features)
    if fit_intercept:
        offset = np.average(X, axis=0, weights=sw)
        if not np.allclose(offset, 0.0):
            warnings.warn(
                "Gram matrix was provided but X was centered to fit intercept: "
                "recomputing Gram matrix.",
                UserWarning,
                stacklevel=3,
            )
            return True, None
    f1 = n_features // 2
    f2 = min(f1 + 1, n_features - 1)
    expected = np.sum(sw * (X[:, f1] - offset[f1]) * (X[:, f2] - offset[f2]))
    rtol = 1e-4 if X.dtype == np.float32 else 1e-7
    if not np.isclose(expected, Gram[f1, f2], rtol=rtol, atol=1e-5):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass "
            f"validation when a single element was checked: for element "
            f"({f1},{f2}) we computed {expected} but the user-supplied value "
            f"was {Gram[f1, f2]}. Please check that it was computed properly."
        )
    return True, Gram


class LinearPredictMixin:
    """``predict`` for fitted ``coef_``/``intercept_`` on dense or sparse X."""

    def predict(self, X):
        """Predict with the fitted linear model: ``X @ coef_.T + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc", "coo"], reset=False,
            dtype=[np.float64, np.float32],
        )
        return safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_


class ElasticNet(LinearPredictMixin, RegressorMixin, BaseEstimator):
    r"""Linear regression with a combined L1 and L2 penalty (elastic net).

    Minimizes, for each target,

    .. math::

        \frac{1}{2 n_{\rm samples}} \|y - Xw - b\|_2^2
        + \alpha \sum_j f_j \left( \rho |w_j|
        + \frac{1 - \rho}{2} w_j^2 \right)

    where :math:`\rho` is ``l1_ratio`` and :math:`f_j` the
    ``penalty_factor`` (all 1 by default, which is scikit-learn's
    objective). With ``sample_weight`` the squared error becomes a weighted
    mean. A drop-in replacement for :class:`sklearn.linear_model.ElasticNet`
    solved by skreg's certified coordinate-descent engine.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall penalty strength. ``alpha=0`` is least squares (solved badly
        by coordinate descent; prefer ``LinearRegression``).
    l1_ratio : float, default=0.5
        Mixing parameter :math:`\rho` in [0, 1]: 1 is the Lasso, 0 ridge.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept :math:`b`. Sparse ``X`` is never
        densified nor centered explicitly.
    precompute : bool or array-like of shape (n_features, n_features), \
            default=False
        Use a precomputed Gram matrix :math:`X^\top X` (faster when
        ``n_samples >> n_features``); it can also be passed directly. Ignored
        for sparse ``X``.
    max_iter : int, default=1000
        Maximum number of coordinate-descent epochs. A
        :class:`~sklearn.exceptions.ConvergenceWarning` is raised when it is
        reached before the tolerance is met.
    copy_X : bool, default=True
        Kept for scikit-learn compatibility: skreg never overwrites ``X``.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y||^2 / n_samples``
        (scikit-learn's meaning).
    warm_start : bool, default=False
        Start from the previous solution of ``fit`` instead of zeros.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed for the random coordinate order when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order or at random.
    penalty_factor : array-like of shape (n_features,) or None, default=None
        Non-negative per-feature multipliers :math:`f_j` of the penalty
        (glmnet's ``penalty.factor``); 0 leaves a feature unpenalized. None
        means 1 for every feature. Used as given (not rescaled).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients :math:`w`, in ``X``'s dtype.
    sparse_coef_ : scipy.sparse.csr_matrix of shape (1, n_features) or \
            (n_targets, n_features)
        ``coef_`` as a sparse matrix.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept :math:`b` (0.0 when ``fit_intercept=False``).
    n_iter_ : int or list of int
        Coordinate-descent epochs run (one per target for 2-D ``y``).
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap of the returned solution for the objective above: an
        upper bound on its suboptimality (a certificate of accuracy). For
        float32 X it is the gap of the float64 solution before ``coef_`` is
        rounded to float32; that rounding changes the objective only at
        second order, but a gap recomputed from the rounded ``coef_`` can be
        larger.
    kkt_violation_ : float or ndarray of shape (n_targets,)
        Largest distance of :math:`-\nabla_j` of the data term to the
        subdifferential of the penalty of feature j: 0 at an exact optimum.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.

    See Also
    --------
    Lasso : The L1-only special case.
    ElasticNetCV : ``alpha`` and ``l1_ratio`` chosen by cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import ElasticNet
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = np.array([1.0, 2.0, 4.0, 5.0])
    >>> reg = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-10).fit(X, y)
    >>> reg.coef_.round(3)
    array([1.328, 0.107])
    >>> bool(reg.dual_gap_ <= 1e-10 * np.var(y))  # certified accuracy
    True
    """

    _parameter_constraints: dict = dict(_PARAMETER_CONSTRAINTS)
    # check_input is an optimisation flag, not metadata to route (as in sklearn)
    __metadata_request__fit = {"check_input": metadata_routing.UNUSED}
    path = staticmethod(enet_path)

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Fortran-ordered float64 or float32 arrays (or CSC
            matrices) are used without a copy.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; each column is fitted independently.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative weights of the squared errors; rescaled internally to
            sum to ``n_samples`` (the objective is a weighted mean).
        check_input : bool, default=True
            Accepted for scikit-learn compatibility; input is always checked.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are "
                "advised to use the LinearRegression estimator",
                stacklevel=2,
            )
        # the solver's first pass checks dense X for NaN/inf, unless a user
        # Gram matrix is spot-checked against X before it
        X, y = validate_regression_data(
            self, X, y,
            solver_checks_dense_finite=isinstance(self.precompute, (bool, str)),
        )
        n_samples, n_features = X.shape
        sample_weight = normalized_sample_weight(sample_weight, X)
        penalty_factor = check_penalty_factor(
            self.penalty_factor, n_features, dtype=X.dtype
        )
        if self.positive and y.ndim == 2 and y.shape[1] > 1:
            raise ValueError(
                "positive=True is not allowed for multi-output (y.ndim != 1)"
            )
        precompute, Gram = checked_gram(self.precompute, X, sample_weight,
                                        self.fit_intercept)
        Y = y.reshape(n_samples, -1)
        n_targets = Y.shape[1]
        coef_init, intercept_init = self._warm_start_values(n_targets, n_features)

        coef = np.zeros((n_targets, n_features), dtype=X.dtype)
        intercept = np.zeros(n_targets, dtype=X.dtype)
        gaps = np.zeros(n_targets, dtype=X.dtype)
        kkt = np.zeros(n_targets, dtype=X.dtype)
        n_iter = []
        for k in range(n_targets):
            result = solve_enet(
                X,
                np.asfortranarray(Y[:, k]),
                alpha=self.alpha,
                l1_ratio=self.l1_ratio,
                sample_weight=sample_weight,
                penalty_factor=penalty_factor,
                positive=self.positive,
                fit_intercept=self.fit_intercept,
                coef_init=None if coef_init is None else coef_init[k],
                intercept_init=None if intercept_init is None else intercept_init[k],
                tol=self.tol,
                max_iter=self.max_iter,
                precompute=precompute,
                Gram=Gram,
                Xy=None,
                selection=self.selection,
                random_state=self.random_state,
                estimator_name=type(self).__name__,
            )
            coef[k] = result.coef
            intercept[k] = result.intercept
            gaps[k] = result.dual_gap
            kkt[k] = result.kkt_violation
            n_iter.append(int(result.n_iter))
        if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter "
                "values. The input data may contain large values and need to "
                "be preprocessed."
            )
        self._set_fitted(y, coef, intercept, gaps, kkt, n_iter)
        return self

    def _warm_start_values(self, n_targets, n_features):
        """Previous coefficients/intercepts as (n_targets, ...) arrays, or None."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None, None
        coef = np.asarray(self.coef_).reshape(-1, self.coef_.shape[-1])
        if coef.shape != (n_targets, n_features):
            return None, None
        intercept = np.broadcast_to(np.asarray(self.intercept_), (n_targets,))
        return coef, intercept

    def _set_fitted(self, y, coef, intercept, gaps, kkt, n_iter):
        """Store results with scikit-learn's shapes (1-D ``y`` -> scalars)."""
        if coef.shape[0] == 1:
            self.coef_ = coef[0]
            self.dual_gap_ = gaps[0]
            self.kkt_violation_ = kkt[0]
            self.n_iter_ = n_iter[0]
            if not self.fit_intercept:
                self.intercept_ = 0.0
            elif y.ndim == 1:
                self.intercept_ = intercept[0]
            else:
                self.intercept_ = intercept
        else:
            self.coef_ = coef
            self.dual_gap_ = gaps
            self.kkt_violation_ = kkt
            self.n_iter_ = n_iter
            self.intercept_ = intercept if self.fit_intercept else 0.0

    @property
    def sparse_coef_(self):
        """``coef_`` as a :class:`scipy.sparse.csr_matrix`."""
        check_is_fitted(self)
        return sparse.csr_matrix(np.atleast_2d(self.coef_))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


class Lasso(ElasticNet):
    r"""Linear regression with an L1 penalty (the Lasso).

    Minimizes, for each target,

    .. math::

        \frac{1}{2 n_{\rm samples}} \|y - Xw - b\|_2^2
        + \alpha \sum_j f_j |w_j|

    with per-feature ``penalty_factor`` :math:`f_j` (1 by default, which is
    scikit-learn's objective). A drop-in replacement for
    :class:`sklearn.linear_model.Lasso`: it is :class:`ElasticNet` with
    ``l1_ratio=1``.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength. Every coefficient is 0 from ``alpha_max``
        (see :func:`skreg.linear_model.lasso_path`) upwards.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept. Sparse ``X`` is never densified.
    precompute : bool or array-like of shape (n_features, n_features), \
            default=False
        Use (or pass) the Gram matrix :math:`X^\top X`. Ignored for sparse X.
    copy_X : bool, default=True
        Kept for scikit-learn compatibility: skreg never overwrites ``X``.
    max_iter : int, default=1000
        Maximum number of epochs; a ``ConvergenceWarning`` is raised when it
        is reached before the tolerance is met.
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y||^2 / n_samples``.
    warm_start : bool, default=False
        Start from the previous solution instead of zeros.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed for ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Coordinate visiting order.
    penalty_factor : array-like of shape (n_features,) or None, default=None
        Non-negative per-feature multipliers of the penalty; 0 leaves a
        feature unpenalized. None means all ones.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients, in ``X``'s dtype.
    sparse_coef_ : scipy.sparse.csr_matrix
        ``coef_`` as a sparse matrix.
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept (0.0 when ``fit_intercept=False``).
    n_iter_ : int or list of int
        Epochs run (one per target for 2-D ``y``).
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap of the returned solution: a certified upper bound on its
        suboptimality (for float32 X, of the float64 solution before
        ``coef_`` is rounded to float32).
    kkt_violation_ : float or ndarray of shape (n_targets,)
        Largest violation of the optimality (KKT) conditions; 0 at the optimum.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.

    See Also
    --------
    ElasticNet : L1 + L2 penalty.
    LassoCV : ``alpha`` chosen by cross-validation.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import Lasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> y = np.array([1.0, 2.0, 4.0, 5.0])
    >>> reg = Lasso(alpha=0.1).fit(X, y)
    >>> reg.coef_.round(3)
    array([1.32, 0.  ])
    >>> reg.predict([[1.0, 1.0]]).round(3)
    array([2.34])
    """

    _parameter_constraints: dict = {
        key: value for key, value in _PARAMETER_CONSTRAINTS.items() if key != "l1_ratio"
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            copy_X=copy_X,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
            penalty_factor=penalty_factor,
        )
