r"""LassoCV and ElasticNetCV: alpha (and l1_ratio) chosen by cross-validation.

For every fold and every ``l1_ratio`` a warm-started path over one shared,
decreasing alpha grid is fitted on the training part (in parallel with
joblib), its (weighted) mean squared error is measured on the held-out part,
and the alpha with the best mean error -- or, with ``selection_rule='1se'``,
the largest alpha within one standard error of it -- is refitted on all the
data.
"""

import numbers
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import check_cv
from sklearn.utils import check_scalar
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import column_or_1d

from ..utils import check_penalty_factor, check_sample_weight
from ..utils._sklearn_private import (
    Interval,
    StrOptions,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
)
from ._coordinate_descent import (
    ElasticNet,
    Lasso,
    LinearPredictMixin,
    validate_regression_data,
)
from ._cv_selection import (
    SELECTION_RULES,
    TIE_RTOL,
    cv_mean_and_std_error,
    select_index,
)
from ._path import _enet_path_core, alpha_grid, enet_path, lasso_path


def _fold_mse_path(X, y, sample_weight, train, test, alphas, l1_ratio, path_params):
    """Weighted test MSE of a warm-started path fitted on one training fold.

    Returns an array of shape (n_alphas,). Training weights are rescaled to
    sum to the number of training samples (as scikit-learn does), test
    weights weight the squared errors.
    """
    X_train, y_train = X[train], y[train]
    if not sparse.issparse(X_train):
        X_train = np.asfortranarray(X_train)
    sw_train = sw_test = None
    if sample_weight is not None:
        sw_train = sample_weight[train]
        if not np.any(sw_train > 0):
            raise ValueError(
                "A training fold has only zero sample weights: nothing to fit. "
                "Use a cv splitter that puts weighted samples in every fold."
            )
        sw_train = sw_train * (len(train) / np.sum(sw_train))
        sw_test = sample_weight[test]
    path = _enet_path_core(
        X_train,
        y_train,
        alphas=alphas,
        l1_ratio=l1_ratio,
        sample_weight=sw_train,
        **path_params,
    )
    del X_train, y_train
    coefs = path.coefs[0]  # (n_features, n_alphas) for the single target
    intercepts = path.intercepts[0]  # (n_alphas,)
    predictions = safe_sparse_dot(X[test], coefs, dense_output=True) + intercepts
    squared_errors = (predictions - y[test][:, np.newaxis]) ** 2
    if sw_test is not None and np.sum(sw_test) == 0:
        # A test fold whose weights are all zero carries no information.
        return np.full(len(alphas), np.nan)
    return np.average(squared_errors, axis=0, weights=sw_test)


class _EnetCVBase(LinearPredictMixin, RegressorMixin, BaseEstimator,
                  metaclass=ABCMeta):
    """Shared fit of LassoCV and ElasticNetCV (subclasses give the l1_ratios)."""

    _parameter_constraints: dict = {
        "eps": [Interval(Real, 0, None, closed="neither")],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "precompute": [StrOptions({"auto"}), "array-like", "boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "copy_X": ["boolean"],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "penalty_factor": ["array-like", None],
        "selection_rule": [StrOptions(set(SELECTION_RULES))],
    }

    @abstractmethod
    def _l1_ratios(self):
        """The l1_ratio values to cross-validate, as a 1-D array."""

    @abstractmethod
    def _refit_estimator(self, alpha, l1_ratio):
        """The single-alpha estimator refitted on all the data at the choice."""

    def _alpha_grids(self, X, y, sample_weight, l1_ratios, penalty_factor):
        """One decreasing alpha grid per l1_ratio, shape (n_l1_ratio, n_alphas)."""
        if isinstance(self.alphas, Integral):
            grids = []
            for l1_ratio in l1_ratios:
                if l1_ratio == 0:
                    raise ValueError(
                        "Automatic alpha grid generation is not supported for "
                        "l1_ratio=0. Please supply a grid by providing your "
                        "estimator with the appropriate `alphas=` argument."
                    )
                grids.append(
                    alpha_grid(
                        X,
                        y,
                        l1_ratio=l1_ratio,
                        fit_intercept=self.fit_intercept,
                        positive=self.positive,
                        eps=self.eps,
                        n_alphas=self.alphas,
                        sample_weight=sample_weight,
                        penalty_factor=penalty_factor,
                    )
                )
            return np.asarray(grids, dtype=np.float64)
        alphas = np.asarray(self.alphas)
        if alphas.ndim != 1 or alphas.shape[0] == 0:
            raise ValueError(
                f"alphas must be an int or a non-empty 1-D array; got shape "
                f"{alphas.shape}."
            )
        for index, alpha in enumerate(alphas):
            check_scalar(
                alpha, f"alphas[{index}]", target_type=Real, min_val=0.0,
                include_boundaries="left",
            )
        grid = np.sort(alphas.astype(np.float64))[::-1]
        return np.tile(grid, (len(l1_ratios), 1))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the paths on every fold, select alpha, refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (dense or CSR/CSC; sparse is never densified).
        y : array-like of shape (n_samples,)
            Target values (a single target).
        sample_weight : float or array-like of shape (n_samples,), default=None
            Weights used both to fit each training fold and to weight the
            squared errors of each test fold. As in scikit-learn, the CV error
            of an alpha is the unweighted mean over folds of these weighted
            MSEs.
        **params : dict
            Parameters routed to the CV splitter (e.g. ``groups``); only with
            ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        X, y = validate_regression_data(self, X, y, multi_output=True)
        if y.ndim > 1 and y.shape[1] > 1:
            raise ValueError(
                f"{type(self).__name__} fits a single target, got y of shape "
                f"{y.shape}: fit one {type(self).__name__} per target, or "
                f"scikit-learn's MultiTask{type(self).__name__} for a joint "
                "(multi-task) fit."
            )
        y = column_or_1d(y, warn=True)
        n_features = X.shape[1]
        if isinstance(sample_weight, numbers.Number):
            check_sample_weight(sample_weight, X, dtype=X.dtype)
            sample_weight = None
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
        penalty_factor = check_penalty_factor(
            self.penalty_factor, n_features, dtype=X.dtype
        )
        l1_ratios = self._l1_ratios()
        alphas = self._alpha_grids(X, y, sample_weight, l1_ratios, penalty_factor)

        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
            split_params = routed.splitter.split
        else:
            split_params = {}
        folds = list(check_cv(self.cv).split(X, y, **split_params))

        precompute = self.precompute
        if sparse.issparse(X):
            precompute = False  # as in scikit-learn: sparse X never uses a Gram
        elif not isinstance(precompute, (bool, str)):
            # A user Gram matrix is for the full data: folds compute their own.
            precompute = True
        path_params = dict(
            penalty_factor=penalty_factor,
            positive=self.positive,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            precompute=precompute,
            selection=self.selection,
            random_state=self.random_state,
        )
        # Threads share X (no copy per job) and overlap wherever the work
        # releases the GIL (BLAS products, nogil kernels).
        parallel = Parallel(n_jobs=self.n_jobs, verbose=self.verbose, prefer="threads")
        mse_paths = parallel(
            delayed(_fold_mse_path)(
                X, y, sample_weight, train, test, this_alphas, l1_ratio, path_params
            )
            for l1_ratio, this_alphas in zip(l1_ratios, alphas, strict=True)
            for train, test in folds
        )
        # (n_l1_ratio, n_alphas, n_folds), scikit-learn's layout
        mse_paths = np.moveaxis(
            np.reshape(mse_paths, (len(l1_ratios), len(folds), -1)), 2, 1
        )
        mean_mse, std_error = cv_mean_and_std_error(mse_paths, axis=-1)
        l1_ratio = self._select(l1_ratios, alphas, mean_mse, std_error)

        self.mse_path_ = np.squeeze(mse_paths)
        self.cv_std_error_path_ = np.squeeze(std_error)
        if isinstance(self.alphas, Integral):
            self.alphas_ = alphas[0] if len(l1_ratios) == 1 else alphas
        else:
            self.alphas_ = alphas[0]

        model = self._refit_estimator(self.alpha_, l1_ratio)
        model.fit(X, y, sample_weight=sample_weight)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.dual_gap_ = model.dual_gap_
        self.kkt_violation_ = model.kkt_violation_
        self.n_iter_ = model.n_iter_
        return self

    def _select(self, l1_ratios, alphas, mean_mse, std_error):
        """Set alpha_min_, alpha_1se_ and alpha_; return the chosen l1_ratio."""
        cols = [
            select_index(mean_mse[row], std_error[row], rule="min")
            for row in range(len(l1_ratios))
        ]
        best_row = 0
        for row in range(1, len(l1_ratios)):
            best_mse = mean_mse[best_row, cols[best_row]]
            # ties (up to rounding) go to the first l1_ratio, as in scikit-learn
            if mean_mse[row, cols[row]] < best_mse - TIE_RTOL * abs(best_mse):
                best_row = row
        best_col = cols[best_row]
        col_1se = select_index(mean_mse[best_row], std_error[best_row], rule="1se")
        self.alpha_min_ = float(alphas[best_row, best_col])
        self.alpha_1se_ = float(alphas[best_row, col_1se])
        use_min = self.selection_rule == "min"
        self.alpha_ = self.alpha_min_ if use_min else self.alpha_1se_
        return float(l1_ratios[best_row])

    def _refit_params(self):
        precompute = self.precompute
        if isinstance(precompute, str):  # 'auto' is for the CV paths only
            precompute = False
        return dict(
            fit_intercept=self.fit_intercept,
            precompute=precompute,
            max_iter=self.max_iter,
            copy_X=self.copy_X,
            tol=self.tol,
            positive=self.positive,
            random_state=self.random_state,
            selection=self.selection,
            penalty_factor=self.penalty_factor,
        )

    def get_metadata_routing(self):
        """Metadata routing: ``fit`` parameters other than sample_weight go to cv.

        Returns
        -------
        routing : MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = False
        return tags


_CV_ATTRIBUTES_DOC = """
    alpha_ : float
        The selected alpha (``alpha_min_`` or ``alpha_1se_`` by
        ``selection_rule``).
    alpha_min_ : float
        The alpha with the lowest mean CV error.
    alpha_1se_ : float
        The largest alpha whose mean CV error is at most the minimum plus its
        standard error (for several l1_ratio: along the best l1_ratio's grid).
    coef_ : ndarray of shape (n_features,)
        Coefficients of the model refitted on all the data at ``alpha_``.
    intercept_ : float
        Intercept of the refitted model.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The decreasing alpha grid(s) used.
    mse_path_ : ndarray of shape ([n_l1_ratio,] n_alphas, n_folds)
        The per-fold path scores: test MSE of each fold along the grid.
    cv_std_error_path_ : ndarray of shape ([n_l1_ratio,] n_alphas)
        Standard error of the mean CV error, ``mse_path_.std(ddof=1, axis=-1)
        / sqrt(n_folds)``.
    dual_gap_ : float
        Duality gap of the refitted model (certified suboptimality bound).
    kkt_violation_ : float
        Largest KKT-condition violation of the refitted model.
    n_iter_ : int
        Epochs run by the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when ``X`` has string column names.
"""

_CV_PARAMETERS_DOC = """
    eps : float, default=1e-3
        Length of the automatic grid: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on the automatic geometric grid from ``alpha_max``
        (the smallest alpha giving all-zero coefficients, exact with
        intercept, weights and penalty factors) down, or an explicit list
        (sorted decreasingly before use).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept. Sparse ``X`` is never densified.
    precompute : 'auto', bool or array-like, default='auto'
        Gram-matrix use in the CV paths ('auto': when n_samples >
        2 * n_features and n_features <= 5000).
        The refit uses it only when True or given as an array.
    max_iter : int, default=1000
        Maximum number of epochs per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance, scaled like scikit-learn's
        (``tol * ||y||^2 / n_samples``).
    copy_X : bool, default=True
        Kept for compatibility: skreg never overwrites ``X``.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy as in scikit-learn (None: 5-fold ``KFold``).
    verbose : bool or int, default=False
        Verbosity of the joblib loop (ElasticNetCV's default is 0, as in
        scikit-learn).
    n_jobs : int or None, default=None
        Number of (l1_ratio, fold) paths computed in parallel (threads).
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed for ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Coordinate visiting order.
    penalty_factor : array-like of shape (n_features,) or None, default=None
        Non-negative per-feature penalty multipliers; 0 leaves a feature
        unpenalized. None means all ones.
    selection_rule : {'min', '1se'}, default='min'
        'min' (scikit-learn's behaviour) picks the alpha with the lowest mean
        CV error; '1se' the largest alpha whose mean error is within one
        standard error of that minimum (a sparser, more regularized model).
"""


class LassoCV(_EnetCVBase):
    __doc__ = (
        r"""Lasso with alpha chosen by cross-validation along a warm-started path.

    For each alpha of a decreasing grid the objective is

    .. math::

        \frac{1}{2 n_{\rm samples}} \|y - Xw - b\|_2^2
        + \alpha \sum_j f_j |w_j|

    fitted on the training folds; the alpha with the lowest mean test MSE (or
    the one-standard-error choice) is refitted on all the data. A drop-in
    replacement for :class:`sklearn.linear_model.LassoCV`.

    Parameters
    ----------"""
        + _CV_PARAMETERS_DOC
        + """
    Attributes
    ----------"""
        + _CV_ATTRIBUTES_DOC
        + """
    See Also
    --------
    Lasso : The estimator refitted at ``alpha_``.
    ElasticNetCV : Also cross-validates ``l1_ratio``.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import LassoCV
    >>> X, y = make_regression(n_samples=60, n_features=8, noise=5.0,
    ...                        random_state=0)
    >>> reg = LassoCV(cv=5, selection_rule="1se").fit(X, y)
    >>> bool(reg.alpha_1se_ >= reg.alpha_min_)
    True
    >>> reg.mse_path_.shape
    (100, 5)
    """
    )

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
        selection_rule="min",
    ):
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.selection_rule = selection_rule

    path = staticmethod(lasso_path)

    def _l1_ratios(self):
        return np.array([1.0])

    def _refit_estimator(self, alpha, l1_ratio):
        return Lasso(alpha=alpha, **self._refit_params())


class ElasticNetCV(_EnetCVBase):
    __doc__ = (
        r"""Elastic net with alpha (and l1_ratio) chosen by cross-validation.

    For each ``l1_ratio`` :math:`\rho` and each alpha of its decreasing grid
    the objective is

    .. math::

        \frac{1}{2 n_{\rm samples}} \|y - Xw - b\|_2^2
        + \alpha \sum_j f_j \left( \rho |w_j|
        + \frac{1 - \rho}{2} w_j^2 \right)

    fitted on the training folds; the pair with the lowest mean test MSE is
    found, and the chosen alpha (minimum or one-standard-error rule along
    that l1_ratio's grid) is refitted on all the data. A drop-in replacement
    for :class:`sklearn.linear_model.ElasticNetCV`.

    Parameters
    ----------
    l1_ratio : float or array-like of float, default=0.5
        Mixing parameter(s) in [0, 1]; a list is cross-validated too (put
        values near 1 more densely, as glmnet users do). 0 needs an explicit
        ``alphas`` grid."""
        + _CV_PARAMETERS_DOC
        + """
    Attributes
    ----------
    l1_ratio_ : float
        The l1_ratio of the lowest mean CV error."""
        + _CV_ATTRIBUTES_DOC
        + """
    See Also
    --------
    ElasticNet : The estimator refitted at ``alpha_`` and ``l1_ratio_``.
    LassoCV : The ``l1_ratio=1`` case.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skreg import ElasticNetCV
    >>> X, y = make_regression(n_samples=60, n_features=8, noise=5.0,
    ...                        random_state=0)
    >>> reg = ElasticNetCV(l1_ratio=[0.5, 0.9, 1.0], cv=3).fit(X, y)
    >>> reg.mse_path_.shape
    (3, 100, 3)
    >>> float(reg.l1_ratio_) in (0.5, 0.9, 1.0)
    True
    """
    )

    _parameter_constraints: dict = {
        **_EnetCVBase._parameter_constraints,
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
    }
    path = staticmethod(enet_path)

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
        selection_rule="min",
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor
        self.selection_rule = selection_rule

    def _l1_ratios(self):
        l1_ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if l1_ratios.ndim != 1 or l1_ratios.shape[0] == 0:
            raise ValueError(
                f"l1_ratio must be a float or a non-empty 1-D list; got shape "
                f"{l1_ratios.shape}."
            )
        if np.any(~np.isfinite(l1_ratios)) or np.any(
            (l1_ratios < 0) | (l1_ratios > 1)
        ):
            raise ValueError(
                f"l1_ratio values must lie in [0, 1]; got {self.l1_ratio!r}."
            )
        return l1_ratios

    def _select(self, l1_ratios, alphas, mean_mse, std_error):
        self.l1_ratio_ = super()._select(l1_ratios, alphas, mean_mse, std_error)
        return self.l1_ratio_

    def _refit_estimator(self, alpha, l1_ratio):
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **self._refit_params())
