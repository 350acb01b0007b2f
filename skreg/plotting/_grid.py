"""Regularization grids and paths computed by refitting an estimator.

The display computes a path with the estimator's *own* parameters (intercept,
penalty factors, positivity, tolerance, ...) by refitting it along a grid of
regularization strengths, warm-started when the estimator supports it. Only
public scikit-learn / skreg API is used, so any estimator with an ``alpha`` (or
``C``) parameter and a ``coef_`` attribute can be drawn.
"""

import importlib

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.preprocessing import LabelBinarizer

# Parameters that only a cross-validated estimator has: they are dropped when
# the CV estimator is turned into its single-fit counterpart.
_CV_ONLY = {"alphas", "n_alphas", "eps", "cv", "Cs", "l1_ratios", "scoring",
            "refit", "selection_rule", "gcv_mode", "store_cv_results",
            "store_cv_values", "alpha_per_target", "use_legacy_attributes",
            "verbose", "n_jobs"}


def strength_param(estimator):
    """Name of the regularization-strength parameter: ``'C'`` or ``'alpha'``."""
    params = estimator.get_params(deep=False)
    if "C" in params or "Cs" in params:
        return "C"
    if "alpha" in params or "alphas" in params:
        return "alpha"
    raise TypeError(
        f"{type(estimator).__name__} has neither an 'alpha' nor a 'C' parameter; "
        "cannot compute a regularization path for it."
    )


def is_cv_estimator(estimator):
    """True for estimators that choose their strength by cross-validation."""
    params = estimator.get_params(deep=False)
    return "cv" in params and ("alphas" in params or "Cs" in params)


def l1_ratio_of(estimator):
    """Effective L1 share of the penalty (1 = L1, 0 = L2) of a fitted or bare model."""
    params = estimator.get_params(deep=False)
    fitted = getattr(estimator, "l1_ratio_", None)
    # LogisticRegressionCV without l1_ratios keeps l1_ratio_ = [None, ...]
    if fitted is not None and np.ravel(fitted)[0] is not None:
        return float(np.ravel(fitted)[0])
    penalty = params.get("penalty", "absent")
    if penalty == "l1":
        return 1.0
    if penalty == "l2" or (penalty is None and "penalty" in params):
        return 0.0
    ratio = params.get("l1_ratio", params.get("l1_ratios"))
    if isinstance(ratio, str):
        # scikit-learn 1.9's deprecation placeholders ('warn'): its default,
        # the L2 penalty
        ratio = 0.0 if strength_param(estimator) == "C" else None
    if ratio is None:
        # Lasso-like models have no l1_ratio; coordinate-descent models that
        # expose 'selection' are L1, the rest (Ridge) are L2.
        if strength_param(estimator) == "C":
            return 0.0
        return 1.0 if "selection" in params else 0.0
    if np.ndim(ratio) > 0:
        return float(np.ravel(ratio)[-1])
    return float(ratio)


def single_fit_counterpart(cv_estimator):
    """The non-CV estimator matching a CV estimator, at its chosen l1_ratio.

    ``LassoCV`` -> ``Lasso``, ``ElasticNetCV`` -> ``ElasticNet``, ``RidgeCV``
    -> ``Ridge``, ``LogisticRegressionCV`` -> ``LogisticRegression``; the class
    is looked up next to the CV class (its module, then its parent packages).
    """
    cv_cls = type(cv_estimator)
    if not cv_cls.__name__.endswith("CV"):
        raise TypeError(f"{cv_cls.__name__} is not a cross-validated estimator.")
    base_name = cv_cls.__name__[:-2]
    parts = cv_cls.__module__.split(".")
    base_cls = None
    for depth in range(len(parts), 0, -1):
        module = importlib.import_module(".".join(parts[:depth]))
        base_cls = getattr(module, base_name, None)
        if base_cls is not None:
            break
    if base_cls is None:
        raise TypeError(
            f"Cannot find the estimator {base_name} matching {cv_cls.__name__}."
        )
    base_params = base_cls().get_params(deep=False)
    cv_params = cv_estimator.get_params(deep=False)
    kwargs = {
        k: v for k, v in cv_params.items() if k in base_params and k not in _CV_ONLY
    }
    if kwargs.get("precompute") == "auto":
        # LassoCV's default; the single-fit classes take a bool or a Gram matrix.
        del kwargs["precompute"]
    if "l1_ratio" in base_params and (
        getattr(cv_estimator, "l1_ratio_", None) is not None or "l1_ratio" in cv_params
    ):
        kwargs["l1_ratio"] = l1_ratio_of(cv_estimator)
        if kwargs.get("penalty") == "l1" and kwargs["l1_ratio"] < 1:
            kwargs["penalty"] = "elasticnet"
    return base_cls(**kwargs)


def _targets(y, strength):
    """Targets as a 2-D float array (one-hot classes for classifiers)."""
    if strength == "C":
        Y = LabelBinarizer().fit_transform(y).astype(float)
        if Y.shape[1] == 1:
            Y = np.hstack([1.0 - Y, Y]) if np.unique(y).size > 2 else Y
        return Y
    Y = np.asarray(y, dtype=float)
    return Y.reshape(len(Y), -1)


def _correlation_max(X, R, fit_intercept, sample_weight):
    """max_jk |sum_i w_i x_ij r_ik|, R centred when there is an intercept.

    The max runs over features and target columns (outputs, classes): the
    penalties act on every coefficient separately.
    """
    if sample_weight is None:
        w = np.ones(X.shape[0])
    else:
        w = np.asarray(sample_weight, dtype=float)
    if fit_intercept:
        R = R - np.average(R, axis=0, weights=w)
    G = X.T @ (R * w[:, None])  # X^T centred residual: centring X is not needed
    return float(np.max(np.abs(np.asarray(G)))), w.sum()


def default_grid(estimator, X, y, *, n_points=100, eps=1e-3, sample_weight=None):
    """Grid of strengths from "everything is (nearly) zero" down by ``1/eps``.

    - alpha with an L1 part: alpha_max = max_j |x_j^T (y - ybar)| / (n l1_ratio),
      the smallest alpha with an all-zero Lasso / elastic-net solution (penalty
      factors ignored), down to ``eps * alpha_max``.
    - alpha without an L1 part (Ridge): the scale of ||X||_F^2 (Ridge's
      unnormalised objective), from 1e-5 to 1e2 times it.
    - C: the critical C = l1_ratio / max_jk |x_j^T (Y_k - p0_k)| (Y one-hot,
      p0 the class frequencies with an intercept) at and below which the
      logistic model with an L1 part is empty, up to ``C_crit / eps``; for
      pure L2 the start uses l1_ratio = 0.01 (small, not zero,
      coefficients). The grid is returned in increasing C.
    Alphas are returned in decreasing order (strong to weak, as path solvers).
    For skreg models with an L1 part the start is skreg's exact one instead,
    with their penalty factors, positivity and class weights.
    """
    strength = strength_param(estimator)
    params = estimator.get_params(deep=False)
    fit_intercept = params.get("fit_intercept", True)
    l1_ratio = l1_ratio_of(estimator)
    exact = _exact_start(estimator, X, y, strength, l1_ratio, sample_weight)
    if exact is not None:
        if strength == "C":
            return np.geomspace(exact, exact / eps, n_points)
        return np.geomspace(exact, exact * eps, n_points)
    if strength == "C":
        Y = _targets(y, "C")
        p0 = np.full(Y.shape[1], 1.0 / max(Y.shape[1], 2))
        if not fit_intercept:
            R = Y - p0
            corr, _ = _correlation_max(X, R, False, sample_weight)
        else:
            corr, _ = _correlation_max(X, Y, True, sample_weight)
        c_crit = max(l1_ratio, 1e-2) / max(corr, np.finfo(float).tiny)
        return np.geomspace(c_crit, c_crit / eps, n_points)
    Y = _targets(y, "alpha")
    if l1_ratio > 0:
        corr, n = _correlation_max(X, Y, fit_intercept, sample_weight)
        alpha_max = corr / (n * l1_ratio)
        if alpha_max <= 0:
            alpha_max = 1.0
        return np.geomspace(alpha_max, alpha_max * eps, n_points)
    if sparse.issparse(X):
        fro2 = float(X.multiply(X).sum())
        if fit_intercept:
            mean = np.asarray(X.mean(axis=0)).ravel()
            fro2 -= X.shape[0] * float(mean @ mean)
    else:
        Xd = np.asarray(X, dtype=float)
        if fit_intercept:
            Xd = Xd - Xd.mean(axis=0)
        fro2 = float(np.sum(Xd**2))
    fro2 = max(fro2, np.finfo(float).tiny)
    return np.geomspace(fro2 * 1e2, fro2 * 1e-5, n_points)


def _exact_start(estimator, X, y, strength, l1_ratio, sample_weight):
    """skreg's exact alpha_max / critical C for a skreg model with an L1 part.

    It accounts for the estimator's ``penalty_factor``, ``positive`` and
    ``class_weight``, which the generic start above ignores (a grid from it
    started with a non-zero coefficient). None for other models.
    """
    if l1_ratio <= 0 or not type(estimator).__module__.startswith("skreg."):
        return None
    params = estimator.get_params(deep=False)
    common = dict(fit_intercept=params.get("fit_intercept", True),
                  sample_weight=sample_weight,
                  penalty_factor=params.get("penalty_factor"))
    if strength == "C":
        from ..linear_model._logistic import critical_C

        multi_class = params.get("multi_class", "auto")
        start = critical_C(X, y, l1_ratio=l1_ratio,
                           class_weight=params.get("class_weight"),
                           multi_class=multi_class if multi_class in
                           ("auto", "multinomial", "ovr") else "auto", **common)
    else:
        from sklearn.utils import check_array

        from ..linear_model._path import alpha_grid

        X = check_array(X, accept_sparse=["csr", "csc"],
                        dtype=[np.float64, np.float32])
        y = np.asarray(y, dtype=np.float64)
        start = alpha_grid(X, y, l1_ratio=l1_ratio, n_alphas=1,
                           positive=params.get("positive", False), **common)[0]
    return float(start) if np.isfinite(start) and start > 0 else None


def refit_path(estimator, X, y, grid, *, sample_weight=None):
    """Coefficients of ``estimator`` refitted at each strength of ``grid``.

    Returns an array of shape (n_features, n_grid), or (n_rows, n_features,
    n_grid) when ``coef_`` is 2-D with several rows (multi-output, multinomial).
    The fits follow ``grid`` in order and are warm-started when the estimator
    has an ``alpha`` and a ``warm_start`` parameter, so give the grid from
    strong to weak regularization. Models with a ``C`` (logistic) are
    refitted from scratch at each point: their tolerance bounds the gradient
    of the mean loss, which is flat at weak regularization (curvature about
    1 / (C n)), and a warm-started fit stopped at once there (the L2 path of
    the standardized breast-cancer data stayed at a largest coefficient of
    9.9 from C = 200 to 1e4, where a fit at C = 1e4 gives 106): each point
    is then what the estimator gives when fitted at that strength.
    """
    strength = strength_param(estimator)
    model = clone(estimator)
    if "warm_start" in model.get_params(deep=False):
        model.set_params(warm_start=strength == "alpha")
    fit_kw = {} if sample_weight is None else {"sample_weight": sample_weight}
    coefs = []
    for value in grid:
        model.set_params(**{strength: float(value)})
        model.fit(X, y, **fit_kw)
        coefs.append(np.array(model.coef_, dtype=float, copy=True))
    coefs = np.stack(coefs, axis=-1)
    if coefs.ndim == 3 and coefs.shape[0] == 1:
        coefs = coefs[0]
    return coefs
