r"""RidgeCV: ridge regression with efficient selection of alpha.

Leave-one-out (``cv=None``) comes from one spectral decomposition for all
alphas (see :mod:`._ridge_spectral`); k-fold CV decomposes each training fold
once and scores every alpha from it, then refits :class:`Ridge` at the best.
"""

import numbers
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import check_scalar
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)

from ..utils._sklearn_private import (
    Interval,
    StrOptions,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    scorer_accepts_sample_weight,
)
from ..utils.validation import take_sample_rows
from ._ridge import (
    Ridge,
    _fit_ridge,
    _RidgePredictMixin,
    _set_linear_attributes,
    _validate_fit_data,
)
from ._ridge_solvers import (
    CenteredDesign,
    check_finite_solution,
    kkt_violation,
)
from ._ridge_spectral import accurate_spectrum, choose_mode


class _LooIdentityRegressor(RegressorMixin, BaseEstimator):
    """Lets a scorer score precomputed leave-one-out predictions."""

    def predict(self, y_predict):
        return y_predict


class RidgeCV(_RidgePredictMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    r"""Ridge regression with built-in selection of alpha.

    Fits :class:`Ridge` (objective
    :math:`\sum_i s_i (y_i - x_i^\top w - b)^2 + \alpha \sum_j f_j w_j^2`,
    not divided by :math:`n`) for every alpha in ``alphas`` and keeps the best.

    With ``cv=None`` (default) the score is the efficient leave-one-out
    error: one spectral decomposition serves all alphas -- an
    eigendecomposition of ``X^T W X`` when n > p, of ``X X^T`` when n <= p,
    or a thin SVD of ``X`` with ``gcv_mode='svd'`` -- then each alpha costs
    only O(n k) operations. The intercept, sample weights (leave-one-out
    errors are weighted by :math:`\sqrt{s_i}`, as in scikit-learn),
    multi-output ``y``, ``alpha_per_target`` and ``penalty_factor``
    (unpenalized features are partialled out exactly) are all handled in
    closed form. For large dense ``X`` (n p >= 2e6) the leverages
    ``diag(H)`` are computed from a float32 ``Z = X V`` (fitted values and
    coefficients stay float64; float64 is used whenever a leverage exceeds
    0.9, where ``1 - H_ii`` would lose the digits). With ``cv`` given, each
    fold is decomposed once and every
    alpha is scored from that decomposition (scikit-learn runs one grid
    search fit per fold and alpha), then the best alpha is refitted on all
    data.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,) or float, default=(0.1, 1.0, 10.0)
        Alphas to try; strictly positive with leave-one-out (``cv=None``),
        non-negative otherwise (scikit-learn's rules and messages).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    scoring : str, callable or None, default=None
        None: negative mean squared (weighted) leave-one-out error with
        ``cv=None``, R^2 otherwise; else a scikit-learn scorer.
    cv : int, cross-validation generator, iterable or None, default=None
        None for efficient leave-one-out; otherwise as in scikit-learn
        (an int means KFold).
    gcv_mode : {'auto', 'svd', 'eigen'} or None, default=None
        Decomposition used with ``cv=None``: 'auto'/'eigen'/None pick the
        eigendecomposition of the smaller of ``X^T X`` and ``X X^T``; 'svd'
        uses a thin SVD of dense ``X`` (sparse ``X`` falls back to 'eigen'
        with scikit-learn's FutureWarning).
    store_cv_results : bool, default=False
        Keep the per-sample leave-one-out values in ``cv_results_`` (only
        with ``cv=None``).
    alpha_per_target : bool, default=False
        Choose one alpha per target (only with ``cv=None``).
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature penalty multipliers; 0 = unpenalized.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        Selected alpha (one per target with ``alpha_per_target``).
    best_score_ : float or ndarray of shape (n_targets,)
        Score at the selected alpha.
    cv_results_ : ndarray of shape (n_samples, n_alphas) or \
(n_samples, n_targets, n_alphas)
        With ``store_cv_results=True``: squared (weighted) leave-one-out
        errors when ``scoring`` is None, else leave-one-out predictions.
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients at the selected alpha (dtype of ``X``).
    intercept_ : float or ndarray of shape (n_targets,)
        Intercept; 0.0 when ``fit_intercept=False``.
    kkt_violation_ : float or ndarray of shape (n_targets,)
        Relative KKT violation of ``coef_`` at ``alpha_`` (see :class:`Ridge`).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string names.

    See Also
    --------
    Ridge : Ridge regression at a fixed alpha.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import RidgeCV
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(50, 5)
    >>> y = X @ np.arange(5.0) + rng.randn(50)
    >>> model = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
    >>> model.coef_.shape
    (5,)
    """

    _parameter_constraints: dict = {
        "alphas": ["array-like", Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "cv": ["cv_object"],
        "gcv_mode": [StrOptions({"auto", "svd", "eigen"}), None],
        "store_cv_results": ["boolean"],
        "alpha_per_target": ["boolean"],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        alphas=(0.1, 1.0, 10.0),
        *,
        fit_intercept=True,
        scoring=None,
        cv=None,
        gcv_mode=None,
        store_cv_results=False,
        alpha_per_target=False,
        penalty_factor=None,
    ):
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.scoring = scoring
        self.cv = cv
        self.gcv_mode = gcv_mode
        self.store_cv_results = store_cv_results
        self.alpha_per_target = alpha_per_target
        self.penalty_factor = penalty_factor

    def _checked_alphas(self):
        """scikit-learn's alpha checks and messages, without mutating ``alphas``."""
        strict = self.cv is None
        bounds = "neither" if strict else "left"
        alphas = self.alphas
        if isinstance(alphas, (np.ndarray, list, tuple)) and np.ndim(alphas) > 0:
            if len(alphas) == 0:
                raise ValueError("alphas must contain at least one value; got none.")
            if len(alphas) != 1:
                checked = [
                    check_scalar(a, f"alphas[{i}]", target_type=numbers.Real,
                                 min_val=0.0, include_boundaries=bounds)
                    for i, a in enumerate(alphas)
                ]
            else:
                checked = [
                    check_scalar(alphas[0], "alphas", target_type=numbers.Real,
                                 min_val=0.0, include_boundaries=bounds)
                ]
        else:
            value = alphas.item() if isinstance(alphas, np.ndarray) else alphas
            checked = [
                check_scalar(value, "alphas", target_type=numbers.Real,
                             min_val=0.0, include_boundaries=bounds)
            ]
        checked = np.asarray(checked)
        # check_scalar lets NaN and inf through; a NaN score would then be
        # compared with the others and could be "chosen"
        if not np.all(np.isfinite(checked)):
            raise ValueError(f"alphas must be finite; got {checked.tolist()}.")
        return checked

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit ridge for every alpha and keep the best one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        **params : dict
            Metadata for the scorer and the splitter (e.g. ``groups``); only
            with ``sklearn.set_config(enable_metadata_routing=True)``, as in
            scikit-learn.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        routed = None
        if _routing_enabled():
            if sample_weight is not None:
                params["sample_weight"] = sample_weight
            routed = process_routing(self, "fit", **params)
        alphas = self._checked_alphas()
        if self.cv is not None:
            if self.store_cv_results:
                raise ValueError("cv!=None and store_cv_results=True are incompatible")
            if self.alpha_per_target:
                raise ValueError("cv!=None and alpha_per_target=True are incompatible")
        X, y, Y, sw, pf = _validate_fit_data(self, X, y, sample_weight)
        out_dtype = X.dtype

        if self.cv is None:
            self._fit_loo(X, y, Y, sw, pf, alphas, out_dtype, routed)
        else:
            self._fit_cv(X, y, Y, sw, pf, alphas, out_dtype, routed)
        return self

    def get_metadata_routing(self):
        """Metadata routing of this object (scikit-learn's, for the CV scorer
        and splitter).

        Returns
        -------
        routing : MetadataRouter
            What ``fit`` consumes itself (``sample_weight``) and forwards to
            the scorer's ``score`` and the splitter's ``split``.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping().add(caller="fit", callee="score"),
            )
            .add(
                splitter=self.cv,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )

    def _get_scorer(self):
        # With routing on and no scoring, scikit-learn's R^2 scorer asks for
        # sample_weight (RidgeCV always has weights to give it).
        if _routing_enabled() and self.scoring is None:
            return get_scorer("r2").set_score_request(sample_weight=True)
        return check_scoring(self, scoring=self.scoring, allow_none=True)

    def _fit_loo(self, X, y, Y, sw, pf, alphas, out_dtype, routed):
        if self.gcv_mode == "svd" and sparse.issparse(X):
            import warnings

            warnings.warn(
                "The 'svd' mode is not supported for sparse X, we fallback to "
                "`gcv_mode='eigen'`. Passing `gcv_mode='svd'` on sparse X will raise "
                "an error in 1.11, use the default or pass `gcv_mode='eigen'` to "
                "suppress this warning.",
                FutureWarning,
            )
        # Like scikit-learn: leave-one-out runs in float64.
        X64 = X.astype(np.float64) if X.dtype != np.float64 else X
        spectrum = accurate_spectrum(X64, Y, sw, pf, self.fit_intercept,
                                     choose_mode(X64, self.gcv_mode))
        looe = spectrum.loo_residuals(alphas)  # (n, t, A)
        n, n_targets = Y.shape
        per_target = self.alpha_per_target and n_targets > 1
        if self.scoring is None:
            values = np.square(looe)
            if per_target:
                scores = -values.mean(axis=0)  # (t, A)
            else:
                scores = -values.mean(axis=(0, 1))  # (A,)
        else:
            scorer = check_scoring(self, scoring=self.scoring)
            sqrt_sw = np.ones(n) if sw is None else np.sqrt(sw)
            with np.errstate(divide="ignore", invalid="ignore"):
                values = Y[:, :, None] - looe / sqrt_sw[:, None, None]
            unweighted = np.flatnonzero(sqrt_sw == 0)
            if unweighted.size:
                # A zero-weight sample does not move the fit: its leave-one-out
                # prediction is the full fit's (scikit-learn gives NaN here).
                Xz = X64[unweighted]
                for j, alpha in enumerate(alphas):
                    W = spectrum.coef(np.full(n_targets, alpha))
                    values[unweighted, :, j] = (
                        np.asarray(safe_sparse_dot(Xz, W), dtype=np.float64)
                        + spectrum.intercept(W)
                    )
            if routed is not None:
                score_params = dict(routed.scorer.score)
            else:
                score_params = {} if sw is None else {"sample_weight": sw}
            identity = _LooIdentityRegressor()

            def score(pred, truth):
                # a leverage of 1 in rounding (1 - H_ii = 0 at a tiny alpha)
                # gives infinite predictions: that alpha loses, as with
                # scoring=None, instead of the scorer raising on them
                if not np.all(np.isfinite(pred)):
                    return -np.inf
                return scorer(identity, pred, truth, **score_params)

            if per_target:
                scores = np.array([
                    [score(values[:, t, j], Y[:, t]) for j in range(len(alphas))]
                    for t in range(n_targets)
                ])
            else:
                y_true = Y[:, 0] if np.ndim(y) == 1 else Y
                scores = np.array([
                    score(values[:, 0, j] if np.ndim(y) == 1 else values[:, :, j],
                          y_true)
                    for j in range(len(alphas))
                ])

        alpha_values = [float(a) for a in alphas]
        if per_target:
            best = np.array([_first_argmax(s) for s in scores])
            self.alpha_ = np.array([alpha_values[j] for j in best])
            self.best_score_ = scores[np.arange(n_targets), best]
            alpha_per_t = self.alpha_
        else:
            best = _first_argmax(scores)
            self.alpha_ = alpha_values[best]
            self.best_score_ = scores[best]
            if self.alpha_per_target and np.ndim(y) == 2:
                # one score per target, as scikit-learn (alpha_ stays a float)
                self.best_score_ = np.reshape(self.best_score_, (1,))
            alpha_per_t = np.full(n_targets, self.alpha_)

        W = spectrum.coef(alpha_per_t)
        intercept = spectrum.intercept(W) if self.fit_intercept else None
        check_finite_solution(W, intercept)
        design = CenteredDesign(
            X64, spectrum.x_mean if self.fit_intercept else None, spectrum.sqrt_sw
        )
        kkt = kkt_violation(design, spectrum.B_full, W, alpha_per_t, pf)
        _set_linear_attributes(self, W, intercept, np.ndim(y), out_dtype, kkt=kkt)
        if self.store_cv_results:
            results = values if np.ndim(y) == 2 else values[:, 0, :]
            self.cv_results_ = results.astype(out_dtype, copy=False)

    def _fit_cv(self, X, y, Y, sw, pf, alphas, out_dtype, routed):
        from sklearn.metrics import r2_score

        cv = check_cv(self.cv, y, classifier=False)
        scorer = None
        if self.scoring is not None:
            scorer = check_scoring(self, scoring=self.scoring)
        if routed is not None:
            split_params = routed.splitter.split
            all_score_params = dict(routed.scorer.score)
        else:
            split_params = {}
            # scikit-learn's grid search forwards sample_weight to the scorer
            # when the scorer accepts it (the default R^2 does).
            weigh_scores = sw is not None and (
                scorer is None or scorer_accepts_sample_weight(scorer, self)
            )
            all_score_params = {"sample_weight": sw} if weigh_scores else {}
        fold_scores = []
        y_is_1d = np.ndim(y) == 1
        n_samples = X.shape[0]
        for train, test in cv.split(X, y, **split_params):
            Xtr = X[train]
            sw_tr = None if sw is None else sw[train]
            if sw_tr is not None and not np.any(sw_tr > 0):
                # the fold's fit would divide by a zero weight sum (NaN
                # coefficients, then a misleading "Input contains NaN")
                raise ValueError(
                    "A training fold has only zero sample weights: nothing to "
                    "fit. Use a cv splitter that puts weighted samples in "
                    "every fold."
                )
            n_tr, p = Xtr.shape
            mode = "kernel" if n_tr <= p else "gram"
            spectrum = accurate_spectrum(Xtr, Y[train], sw_tr, pf,
                                         self.fit_intercept, mode)
            Xte, Yte = X[test], Y[test]
            score_params = {
                key: take_sample_rows(value, test, n_samples)
                for key, value in all_score_params.items()
            }
            scores = []
            for alpha in alphas:
                W = spectrum.coef(np.full(Y.shape[1], alpha))
                b = spectrum.intercept(W)
                if scorer is None:
                    pred = np.asarray(safe_sparse_dot(Xte, W.astype(X.dtype)),
                                      dtype=np.float64) + b
                    if y_is_1d:
                        scores.append(r2_score(Yte[:, 0], pred[:, 0], **score_params))
                    else:
                        scores.append(r2_score(Yte, pred, **score_params))
                else:
                    model = Ridge(alpha=alpha, fit_intercept=self.fit_intercept)
                    _set_linear_attributes(
                        model, W, b if self.fit_intercept else None,
                        np.ndim(y), X.dtype,
                    )
                    model.n_features_in_ = X.shape[1]
                    scores.append(
                        scorer(model, Xte, Yte[:, 0] if y_is_1d else Yte,
                               **score_params)
                    )
            fold_scores.append(scores)
        mean_scores = np.mean(np.asarray(fold_scores, dtype=np.float64), axis=0)
        best = _first_argmax(mean_scores)
        self.alpha_ = alphas[best]
        self.best_score_ = mean_scores[best]
        fitted = _fit_ridge(
            X, Y, sw, np.full(Y.shape[1], float(alphas[best])), pf,
            fit_intercept=self.fit_intercept, solver="auto", positive=False,
            tol=1e-4, max_iter=None,
        )
        _set_linear_attributes(
            self, fitted["coef"], fitted["intercept"], np.ndim(y), out_dtype,
            kkt=fitted["kkt"],
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _first_argmax(scores):
    """Index of the first maximal score (NaN never wins; all NaN gives 0)."""
    scores = np.asarray(scores, dtype=np.float64)
    if np.all(np.isnan(scores)):
        return 0
    return int(np.nanargmax(scores))
