r"""Penalized logistic regression: binary, multinomial, path and CV.

Objective (scikit-learn's, with an unpenalized intercept ``b``), for sample
weights :math:`s_i` (``sample_weight`` times ``class_weight``), penalty
factors :math:`f_j` and :math:`\rho` = ``l1_ratio``:

.. math::

    \min_{W, b} \; C \sum_i s_i \, \ell(y_i, x_i W + b)
        + \sum_j f_j \left( \rho \|W_j\|_1 + \frac{1 - \rho}{2} \|W_j\|_2^2
        \right)

where :math:`\ell` is the logistic loss for two classes (one coefficient
row) and the softmax cross-entropy for K > 2 classes (K rows, true
multinomial, not one-vs-rest). Internally the objective is divided by
:math:`C \sum_i s_i`: the solver minimizes the weighted *mean* loss plus
:math:`\alpha` times the penalty with :math:`\alpha = 1 / (C \sum_i s_i)`,
and ``tol`` is measured on that scale (see :mod:`._prox_newton`).
"""

import inspect
import numbers
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer
from sklearn.model_selection import check_cv
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import softmax
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._sklearn_private import (
    Hidden,
    Interval,
    StrOptions,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
)
from ..utils.validation import (
    check_class_weight,
    check_penalty_factor,
    check_sample_weight,
    take_sample_rows,
)
from ._cv_selection import (
    SELECTION_RULES,
    TIE_RTOL,
    cv_mean_and_std_error,
    select_index,
)
from ._datafits import BinaryLogistic, Multinomial
from ._glm_kernels import take_rows_fortran
from ._newton_cholesky import applies as newton_cholesky_applies
from ._newton_cholesky import newton_cholesky
from ._penalties import enet_alpha_max
from ._prox_newton import ColumnAccess, lbfgs_smooth, objective, prox_newton

# below this many entries of X, pure L2 fits also use prox-Newton
_LBFGS_MIN_SIZE = 1_000_000
# L-BFGS gets at most half of max_iter, and at most this many iterations,
# before prox-Newton takes over: on badly scaled features (column scales 0.1
# to 34, 20000 x 50) it needed 573 iterations (1.6-5.2 s) at tol 1e-8 and 1914
# (32 s) for 5 classes at 1e-6, where prox-Newton's scaled Newton steps need
# 15 and 7 (0.3-0.4 s); with the default max_iter=100 it used every
# iteration and returned a KKT violation 13x tol. The issue-2 benchmark's L2
# case (20000 x 1000, well scaled) takes 12-32 iterations.
_LBFGS_MAX_ITER = 100

_SOLVERS = {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"}


# ---------------------------------------------------------------------------
# problem set-up shared by the estimators and the path function


def _resolve_penalty(penalty, l1_ratio, C):
    """Map scikit-learn's ``penalty`` / ``l1_ratio`` / ``C`` to (rho, C).

    Both styles are accepted: the older ``penalty=`` ('l1', 'l2',
    'elasticnet', None) and the newer ``l1_ratio``-only style (``penalty``
    left at 'deprecated'; ``C=np.inf`` for no penalty).
    """
    if penalty == "deprecated":
        rho = 0.0 if l1_ratio is None else float(l1_ratio)
        return rho, C
    if penalty is None:
        return 0.0, np.inf
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError(
                "l1_ratio must be specified when penalty is 'elasticnet'."
            )
        return float(l1_ratio), C
    if l1_ratio is not None and 0.0 < l1_ratio < 1.0:
        warnings.warn(
            f"l1_ratio={l1_ratio} is ignored because penalty={penalty!r}; use "
            "penalty='elasticnet' (or leave penalty unset) to mix L1 and L2.",
            UserWarning,
        )
    return (1.0 if penalty == "l1" else 0.0), C


def _check_C(C):
    if not (C > 0):
        raise ValueError(f"C must be a positive float (or np.inf); got C={C!r}.")


def _class_weight_factors(y_encoded, classes, sample_weight, class_weight):
    """``class_weight[y_i]`` per sample; 'balanced' counts the sample weights,
    as scikit-learn does."""
    check_class_weight(class_weight)
    if isinstance(class_weight, str):  # 'balanced': divides by each class's weight
        mass = np.bincount(y_encoded, weights=sample_weight, minlength=len(classes))
        empty = [_label(c) for c, m in zip(classes, mass, strict=True) if m <= 0]
        if empty:
            # the balanced weight would be infinite: the fit used to come back
            # NaN with kkt_violation_ = 0 and no warning
            raise ValueError(
                "class_weight='balanced' is undefined: the samples of class "
                + ", ".join(empty) + " have zero total sample weight."
            )
    per_class = compute_class_weight(
        class_weight, classes=classes, y=classes[y_encoded],
        sample_weight=sample_weight,
    )
    return per_class[y_encoded]


def _class_sample_weights(y_encoded, classes, sample_weight, class_weight):
    """``sample_weight * class_weight[y]`` (class_weight as scikit-learn)."""
    if class_weight is None:
        return sample_weight
    return sample_weight * _class_weight_factors(y_encoded, classes, sample_weight,
                                                 class_weight)


def _label(value):
    """A class label as users wrote it: ``'b'`` or ``0``, not ``np.str_('b')``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _validate_inputs(estimator, X, y, sample_weight, reset=True):
    """Validate X, y, weights; return X, encoded y, classes, weights."""
    if estimator is not None:
        X, y = validate_data(
            estimator, X, y, accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32], reset=reset,
        )
    else:
        X = check_array(X, accept_sparse=["csr", "csc"],
                        dtype=[np.float64, np.float32])
        y = check_array(y, ensure_2d=False, dtype=None)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D; got shape {y.shape}.")
        check_consistent_length(X, y)
    check_classification_targets(y)
    encoder = LabelEncoder().fit(y)
    classes = encoder.classes_
    if classes.shape[0] < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains only one class: {_label(classes[0])}."
        )
    y_encoded = encoder.transform(y)
    sw = check_sample_weight(sample_weight, X, dtype=np.float64)
    return X, y_encoded, classes, sw


def _make_datafits(y_encoded, n_classes, weights, multi_class):
    """One datafit (binary or multinomial) or K one-vs-rest binary ones."""
    mass = np.bincount(y_encoded, weights=weights, minlength=n_classes)
    if np.count_nonzero(mass > 0) < 2:
        raise ValueError(
            "The samples with positive (sample/class) weight contain a single "
            "class; at least 2 classes are needed."
        )
    total = float(weights.sum())
    sw = weights / total
    if n_classes == 2 and multi_class != "multinomial":
        return [BinaryLogistic(np.where(y_encoded == 1, 1.0, -1.0), sw)], total
    if multi_class == "ovr":
        return [BinaryLogistic(np.where(y_encoded == k, 1.0, -1.0), sw)
                for k in range(n_classes)], total
    return [Multinomial(y_encoded, sw, n_classes)], total


def _null_model(Xa, datafit, penalty_factor, fit_intercept):
    """Coefficients and intercept where every penalized coefficient is 0."""
    K = datafit.n_rows
    W = np.zeros((Xa.shape[1], K))
    b = datafit.null_intercept() if fit_intercept else np.zeros(K)
    if np.any(penalty_factor == 0):
        # unpenalized features are fitted freely: an infinite penalty on the
        # others keeps them at exactly zero
        W, b, _ = prox_newton(Xa, datafit, 1e100, 0.5, penalty_factor,
                              fit_intercept=fit_intercept, tol=1e-10,
                              max_iter=200, W_init=W, b_init=b)
    return W, b


def _critical_alpha(Xa, datafit, l1_ratio, penalty_factor, fit_intercept):
    """Smallest alpha with all penalized coefficients at 0 (inf if rho=0)."""
    if l1_ratio <= 0.0:
        return np.inf, None
    W0, b0 = _null_model(Xa, datafit, penalty_factor, fit_intercept)
    raw = datafit.prepare(Xa.scores(W0, b0))
    grad = Xa.gradient(raw)
    return enet_alpha_max(grad, l1_ratio, penalty_factor), (W0, b0)


def _fit_one(Xa, datafit, total_weight, C, l1_ratio, penalty_factor,
             fit_intercept, tol, max_iter, W_init=None, b_init=None, verbose=0,
             warm=None):
    """Solve at one C; returns (W, b, info) with info['dual_gap'].

    ``warm`` is ``info['warm']`` of the previous solve on the same data, when
    ``(W_init, b_init)`` is that solution: its scores and full gradient do
    not depend on C, so the next solve of a path starts without a pass over
    X.
    """
    alpha = 0.0 if np.isinf(C) else 1.0 / (C * total_weight)
    info = None
    smooth = l1_ratio == 0.0 or alpha == 0.0
    if smooth and max_iter > 0 and Xa.shape[0] * Xa.shape[1] >= _LBFGS_MIN_SIZE:
        # large smooth problem: L-BFGS (two passes over X per iteration, one
        # with the fused kernel); prox-Newton polishes only if it stopped
        # early. Small or nearly separable problems are left to prox-Newton,
        # whose quadratic convergence beats L-BFGS's iteration count there.
        W, b, info = lbfgs_smooth(
            Xa, datafit, alpha, penalty_factor, fit_intercept=fit_intercept,
            tol=tol, max_iter=max(1, min(max_iter // 2, _LBFGS_MAX_ITER)),
            W_init=W_init, b_init=b_init, verbose=verbose)
        W_init, b_init = W, b
    if info is None or not info["converged"]:
        n_before = 0 if info is None else info["n_iter"]
        # a smooth problem with few coefficients whose quadratic models
        # coordinate descent cannot solve (nearly collinear features, weak
        # penalty) goes on with exact Newton steps
        handover = smooth and newton_cholesky_applies(Xa, datafit.n_rows)
        W, b, info = prox_newton(
            Xa, datafit, alpha, l1_ratio, penalty_factor,
            fit_intercept=fit_intercept, tol=tol,
            max_iter=max(max_iter - n_before, 0), W_init=W_init, b_init=b_init,
            verbose=verbose, warm=warm if info is None else None,
            handover=handover,
        )
        if info["handed_over"]:
            n_before += info["n_iter"]
            W, b, info = newton_cholesky(
                Xa, datafit, alpha, l1_ratio, penalty_factor,
                fit_intercept=fit_intercept, tol=tol,
                max_iter=max(max_iter - n_before, 0), W_init=W, b_init=b,
                verbose=verbose)
        info["n_iter"] += n_before
    if datafit.n_rows > 1 and fit_intercept:
        # softmax is invariant to a common shift: report centered intercepts
        # (and keep the scores consistent: the gradient does not change)
        shift = b.mean()
        b = b - shift
        info["Z"] -= shift
    # the certificate evaluation counts as one iteration: n_iter >= 1
    info["n_iter"] = max(int(info["n_iter"]), 1)
    info["dual_gap"] = datafit.dual_gap(
        Xa, W, b, info["Z"], alpha, l1_ratio, penalty_factor, fit_intercept,
        grad=info.get("grad"))
    info["warm"] = (info.pop("Z"), info.pop("grad", None))
    return W, b, info


def _solve_path(Xa, datafit, total_weight, Cs, l1_ratio, penalty_factor,
                fit_intercept, tol, max_iter, W_init=None, b_init=None):
    """Warm-started solutions for every C (solved in increasing order).

    Returns ``W`` (n_Cs, n_features, n_rows), ``b`` (n_Cs, n_rows), the
    number of prox-Newton steps (n_Cs,) and the KKT violations (n_Cs,).
    """
    Cs = np.asarray(Cs, dtype=np.float64)
    n_features, K = Xa.shape[1], datafit.n_rows
    Ws = np.zeros((Cs.shape[0], n_features, K))
    bs = np.zeros((Cs.shape[0], K))
    n_iter = np.zeros(Cs.shape[0], dtype=np.int32)
    kkt = np.zeros(Cs.shape[0])
    converged = True
    W, b, warm = W_init, b_init, None
    for idx in np.argsort(Cs, kind="stable"):
        W, b, info = _fit_one(Xa, datafit, total_weight, Cs[idx], l1_ratio,
                              penalty_factor, fit_intercept, tol, max_iter,
                              W_init=W, b_init=b, warm=warm)
        warm = info["warm"]
        Ws[idx], bs[idx], n_iter[idx], kkt[idx] = W, b, info["n_iter"], info["kkt"]
        converged &= info["converged"]
    if not converged:
        _warn_convergence(max_iter, tol, float(kkt.max()))
    return Ws, bs, n_iter, kkt


def _warn_convergence(max_iter, tol, kkt):
    warnings.warn(
        f"The solver reached max_iter={max_iter} iterations with a KKT "
        f"violation of {kkt:.3e} > tol={tol:.3e}. Increase max_iter, or scale "
        "the features (or lower C if the classes are separable).",
        ConvergenceWarning,
    )


def critical_C(X, y, *, l1_ratio, fit_intercept=True, sample_weight=None,
               class_weight=None, penalty_factor=None, multi_class="auto"):
    """Largest C at which every penalized coefficient is zero (inf without L1).

    Exact with an intercept, sample and class weights and penalty factors
    (for one-vs-rest, the largest over the classes' problems), as the start
    of :func:`logistic_path`'s default grid.
    """
    X, y_enc, classes, sw = _validate_inputs(None, X, y, sample_weight)
    weights = _class_sample_weights(y_enc, classes, sw, class_weight)
    pf = check_penalty_factor(penalty_factor, X.shape[1])
    Xa = ColumnAccess(X)
    datafits, total = _make_datafits(y_enc, classes.shape[0], weights, multi_class)
    alpha_crit = max(_critical_alpha(Xa, df, l1_ratio, pf, fit_intercept)[0]
                     for df in datafits)
    if not (np.isfinite(alpha_crit) and alpha_crit > 0):
        return np.inf
    return 1.0 / (alpha_crit * total)


def _default_Cs(n_Cs, alpha_crit, total_weight):
    """``n_Cs`` values from the critical C over four decades (or 1e-4..1e4)."""
    if np.isfinite(alpha_crit) and alpha_crit > 0:
        C_crit = 1.0 / (alpha_crit * total_weight)
        return C_crit * np.logspace(0, 4, n_Cs)
    return np.logspace(-4, 4, n_Cs)


# ---------------------------------------------------------------------------
# public path function


def logistic_path(X, y, *, Cs=10, l1_ratio=1.0, fit_intercept=True,
                  sample_weight=None, class_weight=None, penalty_factor=None,
                  tol=1e-4, max_iter=100, multi_class_loss="auto"):
    r"""Regularization path of penalized logistic regression.

    Solves, for every ``C`` of the grid (warm-started, from the most to the
    least regularized),

    .. math::

        \min_{W, b} \; C \sum_i s_i \, \ell(y_i, x_i W + b)
            + \sum_j f_j \left( \rho \|W_j\|_1
            + \frac{1 - \rho}{2} \|W_j\|_2^2 \right)

    with the logistic loss (binary) or the softmax cross-entropy (K > 2
    classes), sample weights :math:`s_i` (``sample_weight`` times
    ``class_weight``), penalty factors :math:`f_j` and :math:`\rho` =
    ``l1_ratio``; the intercept is not penalized.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data; CSR/CSC stays sparse (never densified), float32 is
        kept (the solver accumulates in float64).
    y : array-like of shape (n_samples,)
        Class labels (strings, integers or booleans), at least two classes.
    Cs : int or array-like of float, default=10
        An int asks for that many values spaced logarithmically over four
        decades starting at the *critical* C, the largest C for which every
        penalized coefficient is 0 with ``l1_ratio > 0`` (so the path starts
        at the all-zero model and relaxes the penalty upwards, as
        scikit-learn's grids go from small to large C). With
        ``l1_ratio == 0`` no such C exists and scikit-learn's default
        ``np.logspace(-4, 4, Cs)`` is used. An array is used as given
        (values > 0; ``np.inf`` means unpenalized).
    l1_ratio : float in [0, 1], default=1.0
        Share of L1 in the penalty: 1 is the Lasso-type L1 path, 0 pure L2.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept per coefficient row.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights; integer weights equal repeating rows.
    class_weight : dict, 'balanced' or None, default=None
        Multiplies ``sample_weight`` by a per-class weight, exactly as in
        scikit-learn's ``LogisticRegression``.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature factors :math:`f_j \ge 0` (glmnet's ``penalty.factor``);
        0 leaves a feature unpenalized. None means all ones.
    tol : float, default=1e-4
        Each solution satisfies a KKT violation ``<= tol`` on the mean-loss
        scale (objective divided by :math:`C \sum_i s_i`).
    max_iter : int, default=100
        Maximum number of prox-Newton steps per C.
    multi_class_loss : {'auto', 'multinomial', 'ovr'}, default='auto'
        'auto' uses the binary logistic loss for two classes and the
        multinomial loss otherwise; 'multinomial' uses the softmax loss even
        for two classes (two coefficient rows); 'ovr' fits one binary
        problem per class (K rows) for K > 2.

    Returns
    -------
    Cs : ndarray of shape (n_Cs,)
        The grid, in the order used for the other outputs.
    coefs : ndarray of shape (n_coef_rows, n_features, n_Cs)
        ``n_coef_rows`` is 1 for the binary loss, K otherwise; row k is the
        class ``sorted(unique(y))[k]`` (for the binary loss, the larger
        label is the positive class, as in scikit-learn). Same dtype as X.
    intercepts : ndarray of shape (n_coef_rows, n_Cs)
        Zeros when ``fit_intercept=False``; multinomial intercepts are
        centered (they sum to 0).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.linear_model import logistic_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 5))
    >>> y = (X[:, 0] + 0.1 * rng.standard_normal(60) > 0).astype(int)
    >>> Cs, coefs, intercepts = logistic_path(X, y, Cs=5)
    >>> coefs.shape
    (1, 5, 5)
    >>> bool(np.all(coefs[..., 0] == 0))
    True
    """
    if multi_class_loss not in ("auto", "multinomial", "ovr"):
        raise ValueError(
            "multi_class_loss must be 'auto', 'multinomial' or 'ovr'; got "
            f"{multi_class_loss!r}."
        )
    if not isinstance(l1_ratio, Real) or not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}.")
    if not isinstance(tol, Real) or tol < 0:
        raise ValueError(f"tol must be a non-negative float; got {tol!r}.")
    if not isinstance(max_iter, Integral) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative int; got {max_iter!r}.")
    X, y_enc, classes, sw = _validate_inputs(None, X, y, sample_weight)
    weights = _class_sample_weights(y_enc, classes, sw, class_weight)
    pf = check_penalty_factor(penalty_factor, X.shape[1])
    Xa = ColumnAccess(X)
    datafits, total = _make_datafits(y_enc, classes.shape[0], weights,
                                     multi_class_loss)
    if isinstance(Cs, Integral) and not isinstance(Cs, bool):
        if Cs < 1:
            raise ValueError(f"Cs must be a positive int or an array; got {Cs}.")
        # the path starts where every coefficient row is zero
        alpha_crit = max(_critical_alpha(Xa, df, l1_ratio, pf, fit_intercept)[0]
                         for df in datafits)
        Cs = _default_Cs(int(Cs), alpha_crit, total)
    else:
        Cs = np.asarray(Cs, dtype=np.float64).ravel()
        if Cs.size == 0 or np.any(np.isnan(Cs)) or np.any(Cs <= 0):
            raise ValueError(f"Cs must contain positive values; got {Cs}.")
    rows_W, rows_b = [], []
    for df in datafits:
        W0 = b0 = None
        if fit_intercept:
            b0 = df.null_intercept()
        Ws, bs, _, _ = _solve_path(Xa, df, total, Cs, l1_ratio, pf, fit_intercept,
                                   tol, max_iter, W_init=W0, b_init=b0)
        rows_W.append(np.moveaxis(Ws, 0, -1))  # (p, K, n_Cs)
        rows_b.append(bs.T)  # (K, n_Cs)
    coefs = np.concatenate([np.moveaxis(W, 1, 0) for W in rows_W], axis=0)
    intercepts = np.concatenate(rows_b, axis=0)
    return Cs, coefs.astype(X.dtype, copy=False), intercepts.astype(X.dtype,
                                                                     copy=False)


# ---------------------------------------------------------------------------
# estimators

_COMMON_CONSTRAINTS = {
    "dual": ["boolean"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "fit_intercept": ["boolean"],
    "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
    "class_weight": [dict, StrOptions({"balanced"}), None],
    "random_state": ["random_state"],
    "solver": [StrOptions(_SOLVERS)],
    "max_iter": [Interval(Integral, 0, None, closed="left")],
    "verbose": ["verbose"],
    "n_jobs": [None, Integral],
    "penalty_factor": ["array-like", None],
}


class LogisticRegression(LinearClassifierMixin, SparseCoefMixin, BaseEstimator):
    r"""Penalized logistic regression (L1, L2, elastic net; binary and multinomial).

    A drop-in replacement for :class:`sklearn.linear_model.LogisticRegression`
    (1.5-1.9 signatures) solved by a working-set proximal-Newton method in
    compiled kernels. It minimizes

    .. math::

        C \sum_i s_i \, \ell(y_i, x_i W + b)
        + \sum_j f_j \left( \rho \|W_j\|_1
        + \frac{1 - \rho}{2} \|W_j\|_2^2 \right)

    with :math:`s_i` = ``sample_weight`` times ``class_weight``,
    :math:`\rho` = ``l1_ratio``, :math:`f_j` = ``penalty_factor`` and an
    unpenalized intercept ``b``; :math:`\ell` is the logistic loss for two
    classes and the multinomial (softmax) cross-entropy for more (one
    coefficient row per class, not one-vs-rest).

    Parameters
    ----------
    penalty : {'l1', 'l2', 'elasticnet', None}, default='deprecated'
        Older way to choose the penalty; the default leaves it to
        ``l1_ratio`` and ``C`` (scikit-learn >= 1.8 style). 'l1' means
        ``l1_ratio=1``, 'l2' ``l1_ratio=0``, 'elasticnet' uses ``l1_ratio``,
        None no penalty (``C=np.inf``). No deprecation warning is raised.
    C : float, default=1.0
        Inverse regularization strength, > 0; ``np.inf`` means no penalty.
    l1_ratio : float in [0, 1] or None, default=0.0
        L1 share of the penalty (0: L2, the default, as in scikit-learn;
        1: L1). None means 0 unless ``penalty='elasticnet'`` (which needs a
        value).
    dual : bool, default=False
        Accepted for compatibility; the primal problem is always solved (it
        has the same solution).
    tol : float, default=1e-4
        Stop when the largest KKT violation (distance of minus the gradient
        to the penalty's subdifferential, intercept included) of the
        objective divided by :math:`C \sum_i s_i` is ``<= tol``; this is the
        scale on which scikit-learn's lbfgs measures its gradient.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept.
    intercept_scaling : float, default=1
        Accepted for compatibility and ignored: the intercept is never
        penalized, whatever the solver name (liblinear penalizes it).
    class_weight : dict or 'balanced', default=None
        Per-class weights multiplying ``sample_weight``, as in scikit-learn
        ('balanced': ``n_samples / (n_classes * bincount(y))``, weighted).
    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility; the solver is deterministic.
    solver : {'lbfgs', 'liblinear', 'newton-cg', 'newton-cholesky', 'sag', \
'saga'}, default='lbfgs'
        Accepted for compatibility: every name runs the same solvers,
        which handle every penalty with binary and multinomial losses (so
        e.g. 'lbfgs' with L1 works here). That is skreg's prox-Newton
        solver; a pure L2 (or unpenalized) fit on X with at least 1e6
        entries starts with L-BFGS, and one with at most 256 coefficients
        (n_features x rows of ``coef_``) whose Newton models coordinate
        descent cannot solve (nearly collinear features, large C) goes on
        with exact Newton steps on the full Hessian.
    max_iter : int, default=100
        Maximum number of solver iterations (prox-Newton, L-BFGS or Newton
        steps, together); a ``ConvergenceWarning`` is raised when it is
        reached before ``tol``.
    verbose : int, default=0
        Print the solver's progress when positive.
    warm_start : bool, default=False
        Start from the previous ``coef_``/``intercept_`` when their shapes
        fit.
    n_jobs : int, default=None
        Accepted for compatibility (no effect, as in scikit-learn >= 1.8).
    multi_class : {'auto', 'multinomial', 'ovr'}, default='auto'
        For code written for scikit-learn < 1.8: 'auto' and 'multinomial'
        fit the softmax loss for K > 2 classes, 'ovr' fits K binary
        problems. 'multinomial' on two classes fits the softmax loss too
        (rows ``w_0``, ``w_1``, penalty on both) and, as scikit-learn < 1.8,
        reports one row in ``coef_`` (shape (1, n_features)):
        ``(w_1 - w_0) / 2``, which is ``w_1`` under a pure L2 penalty
        (``w_0 = -w_1`` then), with probabilities ``softmax(-d, d)``.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature penalty weights (0: unpenalized feature);
        None means ones.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Same dtype as X (float32 kept).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Multinomial intercepts are centered (they sum to 0).
    n_iter_ : ndarray of shape (1,) (or (n_classes,) for 'ovr')
        Solver iterations: prox-Newton steps, plus the L-BFGS iterations
        or exact Newton steps of a pure L2 / unpenalized fit (see
        ``solver``); at least 1 (checking the certificate of an already
        optimal start counts as one).
    kkt_violation_ : float
        The certificate at the returned solution (``<= tol`` on success).
    dual_gap_ : float
        Fenchel duality gap (mean-loss scale: the objective divided by
        :math:`C \sum_i s_i`), for the binary and the multinomial loss (its
        dual point: the softmax probabilities made feasible); an upper bound
        of the suboptimality. NaN for ``C=np.inf`` or a zero penalty factor.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when X has string feature names.

    See Also
    --------
    LogisticRegressionCV : chooses ``C`` (and ``l1_ratio``) by
        cross-validation.
    logistic_path : the warm-started regularization path.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skreg.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(C=1.0, l1_ratio=1.0, max_iter=200).fit(X, y)
    >>> clf.coef_.shape
    (3, 4)
    >>> clf.predict(X[:2])
    array([0, 0])
    >>> bool(clf.kkt_violation_ <= clf.tol)
    True
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "penalty": [StrOptions({"l1", "l2", "elasticnet"}), None,
                    Hidden(StrOptions({"deprecated"}))],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "warm_start": ["boolean"],
        "multi_class": [StrOptions({"auto", "multinomial", "ovr"})],
    }

    def __init__(self, penalty="deprecated", *, C=1.0, l1_ratio=0.0, dual=False,
                 tol=1e-4, fit_intercept=True, intercept_scaling=1,
                 class_weight=None, random_state=None, solver="lbfgs",
                 max_iter=100, verbose=0, warm_start=False, n_jobs=None,
                 multi_class="auto", penalty_factor=None):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.multi_class = multi_class
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (CSR/CSC kept sparse, float32 kept).
        y : array-like of shape (n_samples,)
            Class labels, at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (equal to repeating rows).

        Returns
        -------
        self : LogisticRegression
        """
        l1_ratio, C = _resolve_penalty(self.penalty, self.l1_ratio, self.C)
        _check_C(C)
        X, y_enc, classes, sw = _validate_inputs(self, X, y, sample_weight)
        self.classes_ = classes
        weights = _class_sample_weights(y_enc, classes, sw, self.class_weight)
        pf = check_penalty_factor(self.penalty_factor, X.shape[1])
        Xa = ColumnAccess(X)
        datafits, total = _make_datafits(y_enc, classes.shape[0], weights,
                                         self.multi_class)
        W_init, b_init = self._warm_start_point(X.shape[1], classes.shape[0])
        coefs, intercepts, n_iter, kkts, gaps = [], [], [], [], []
        for r, df in enumerate(datafits):
            Wi = bi = None
            if W_init is not None:
                rows = slice(r, r + 1) if len(datafits) > 1 else slice(None)
                Wi, bi = W_init[rows].T, b_init[rows]
            elif self.fit_intercept:
                bi = df.null_intercept()
            W, b, info = _fit_one(Xa, df, total, C, l1_ratio, pf,
                                  self.fit_intercept, self.tol, self.max_iter,
                                  W_init=Wi, b_init=bi, verbose=self.verbose)
            coefs.append(W.T)
            intercepts.append(b)
            n_iter.append(info["n_iter"])
            kkts.append(info["kkt"])
            gaps.append(info["dual_gap"])
        coef = np.concatenate(coefs, axis=0)
        intercept = np.concatenate(intercepts)
        if self._binary_softmax():
            # scikit-learn < 1.8's layout, one row: half the difference of
            # the softmax rows, so that the scores are (-d, d). Pure L2 makes
            # the rows opposite (this is then the second row); with L1 or no
            # penalty the split between the rows is not unique, and keeping
            # the second row alone lost the features the first one carried
            coef = (coef[1:] - coef[:1]) / 2.0
            intercept = (intercept[1:] - intercept[:1]) / 2.0
        self.coef_ = coef.astype(X.dtype, copy=False)
        self.intercept_ = intercept.astype(X.dtype, copy=False)
        self.n_iter_ = np.asarray(n_iter, dtype=np.int32)
        self.kkt_violation_ = float(max(kkts))
        self.dual_gap_ = float(max(gaps))
        if self.kkt_violation_ > self.tol:
            _warn_convergence(self.max_iter, self.tol, self.kkt_violation_)
        return self

    def _warm_start_point(self, n_features, n_classes):
        if not self.warm_start or not hasattr(self, "coef_"):
            return None, None
        n_rows = 1 if n_classes == 2 else n_classes
        if self.coef_.shape != (n_rows, n_features):
            return None, None
        W = np.asarray(self.coef_, dtype=np.float64)
        b = np.asarray(self.intercept_, dtype=np.float64)
        if self._binary_softmax():  # both rows of the softmax parameters
            W, b = np.vstack([-W, W]), np.concatenate([-b, b])
        if not self.fit_intercept:
            b = np.zeros_like(b)
        return W, b

    def _is_ovr(self):
        return self.multi_class == "ovr" and len(self.classes_) > 2

    def _binary_softmax(self):
        """Two classes fitted with the softmax loss (multi_class='multinomial')."""
        return self.multi_class == "multinomial" and len(self.classes_) == 2

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Sigmoid for the binary loss, softmax for the multinomial loss,
        normalized sigmoids for 'ovr' (as scikit-learn).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1 and self._binary_softmax():
            scores = 2.0 * scores  # softmax of (-d, d): logit 2 d
        if scores.ndim == 1:
            p1 = np.exp(-np.logaddexp(0.0, -scores))
            return np.column_stack([1.0 - p1, p1])
        if self._is_ovr():
            p = np.exp(-np.logaddexp(0.0, -scores))
            return p / p.sum(axis=1, keepdims=True)
        return softmax(scores, copy=False)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        scores = self.decision_function(X)
        if scores.ndim == 1 and self._binary_softmax():
            scores = 2.0 * scores  # as predict_proba: softmax of (-d, d)
        if scores.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, scores),
                                    -np.logaddexp(0.0, -scores)])
        if self._is_ovr():
            return np.log(self.predict_proba(X))
        shifted = scores - scores.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LogisticRegressionCV(LogisticRegression):
    r"""Penalized logistic regression with ``C`` and ``l1_ratio`` chosen by CV.

    A drop-in replacement for :class:`sklearn.linear_model.LogisticRegressionCV`
    (1.5-1.9): for every fold and ``l1_ratio`` a warm-started path over
    ``Cs`` is fitted with skreg's prox-Newton solver and scored on the
    held-out fold; the selected pair is refitted on all the data. The
    objective is :class:`LogisticRegression`'s.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        An int gives scikit-learn's grid ``np.logspace(-4, 4, Cs)``.
    l1_ratios : array-like of float in [0, 1] or None, default=None
        The ``l1_ratio`` values tried; None means the one implied by
        ``penalty`` (0, i.e. L2, by default). With None the fitted
        attributes have no ``l1_ratio`` axis, as in scikit-learn.
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        None means 5-fold stratified, as scikit-learn (which warns when the
        smallest class has fewer than 5 members; with 3+ classes a training
        fold may then lack a class, which is fitted all the same). When
        every class has fewer than 5 members (scikit-learn raises there),
        as many folds as the largest class has members, with a warning.
    dual : bool, default=False
        Accepted for compatibility (the primal is always solved).
    penalty : {'l1', 'l2', 'elasticnet'}, default='deprecated'
        Older style: 'l1' means ``l1_ratios=[1]``, 'l2' ``[0]``,
        'elasticnet' uses ``l1_ratios`` (required).
    scoring : str, callable or None, default=None
        Scorer of the held-out folds; None is accuracy. As in scikit-learn,
        a scorer whose metric takes ``labels`` is given ``labels=classes_``
        (a test fold may lack a class), and, for two classes, one that takes
        ``pos_label`` is given ``pos_label=classes_[-1]``.
    solver : str, default='lbfgs'
        Any scikit-learn name; all run the same solvers (see
        :class:`LogisticRegression`).
    tol : float, default=1e-4
        KKT tolerance of every fit (see :class:`LogisticRegression`).
    max_iter : int, default=100
        Maximum solver iterations per fit.
    class_weight : dict or 'balanced', default=None
        'balanced' is computed once on the whole data, as scikit-learn does.
    n_jobs : int, default=None
        Folds x l1_ratios are fitted in parallel with joblib.
    verbose : int, default=0
    refit : bool, default=True
        Refit at the selected ``C``/``l1_ratio`` on all the data, starting
        from the folds' average solution there or from the null model,
        whichever has the lower objective; otherwise average the fold
        coefficients: with ``selection_rule='min'`` at each fold's best
        pair (as scikit-learn), with '1se' at the pair the rule selects.
    intercept_scaling : float, default=1.0
        Ignored (the intercept is never penalized).
    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility.
    use_legacy_attributes : bool, default=True
        scikit-learn 1.9's switch: True gives the dict-valued ``scores_``
        and ``coefs_paths_`` and array ``C_``/``l1_ratio_``; False the
        arrays ``coefs_paths_`` (n_folds, n_l1_ratios, n_cs, n_classes,
        n_dof), ``scores_`` (n_folds, n_l1_ratios, n_cs) and float ``C_``.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature penalty weights.
    selection_rule : {'min', '1se'}, default='min'
        'min' takes the best mean score (ties: the first pair in the order
        of ``l1_ratios`` then ``Cs``, as scikit-learn); '1se' the smallest
        ``C`` whose mean score is within one standard error of the best (at
        the ``l1_ratio`` of the best mean score).

    Attributes
    ----------
    classes_, coef_, intercept_ : as :class:`LogisticRegression`
    Cs_ : ndarray of shape (n_cs,)
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
    C_, l1_ratio_ : ndarray of shape (1,) or (n_classes,), or float
        See ``use_legacy_attributes``.
    scores_, coefs_paths_ : dict or ndarray
        See ``use_legacy_attributes``; paths hold the intercept last.
    n_iter_ : ndarray
        Solver iterations per fold path point, shape as scikit-learn's.
    kkt_violation_, dual_gap_ : float
        Certificate of the refitted model (NaN without refit).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X has string feature names.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg.linear_model import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegressionCV(Cs=5, l1_ratios=[1.0], cv=3).fit(X, y)
    >>> clf.Cs_.shape
    (5,)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratios": ["array-like", None],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "refit": ["boolean"],
        "penalty": [StrOptions({"l1", "l2", "elasticnet"}),
                    Hidden(StrOptions({"deprecated"}))],
        "use_legacy_attributes": ["boolean"],
        "selection_rule": [StrOptions(set(SELECTION_RULES))],
    }

    def __init__(self, *, Cs=10, l1_ratios=None, fit_intercept=True, cv=None,
                 dual=False, penalty="deprecated", scoring=None, solver="lbfgs",
                 tol=1e-4, max_iter=100, class_weight=None, n_jobs=None,
                 verbose=0, refit=True, intercept_scaling=1.0, random_state=None,
                 use_legacy_attributes=True, penalty_factor=None,
                 selection_rule="min"):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.penalty_factor = penalty_factor
        self.selection_rule = selection_rule

    # LogisticRegression's multi_class is not a parameter here
    multi_class = "auto"

    def _resolve_l1_ratios(self):
        if self.penalty == "elasticnet":
            if self.l1_ratios is None:
                raise ValueError(
                    "l1_ratios must be given (values in [0, 1]) when "
                    "penalty='elasticnet'."
                )
        elif self.penalty in ("l1", "l2"):
            return [1.0 if self.penalty == "l1" else 0.0], False
        if self.l1_ratios is None:
            return [0.0], False
        ratios = np.asarray(self.l1_ratios, dtype=object).ravel()
        if ratios.size == 0 or any(
            not isinstance(r, numbers.Real) or isinstance(r, bool)
            or not 0.0 <= r <= 1.0 for r in ratios
        ):
            raise ValueError(
                "l1_ratios must be an array-like of numbers between 0 and 1; "
                f"got l1_ratios={self.l1_ratios!r}."
            )
        return [float(r) for r in ratios], True

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Cross-validate the path, select ``C``/``l1_ratio`` and refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Used in every fit and passed to the scorer on held-out folds
            (with metadata routing enabled: only if the scorer requests it).
        **params : dict
            Parameters routed to the CV splitter (e.g. ``groups``) and the
            scorer; only with ``sklearn.set_config(enable_metadata_routing=True)``,
            as in scikit-learn.

        Returns
        -------
        self : LogisticRegressionCV
        """
        _raise_for_params(params, self, "fit")
        l1_ratios, has_l1_axis = self._resolve_l1_ratios()
        X, y_enc, classes, sw = _validate_inputs(self, X, y, sample_weight)
        self.classes_ = classes
        n_classes, n_features = classes.shape[0], X.shape[1]
        pf = check_penalty_factor(self.penalty_factor, n_features)
        class_weight = self.class_weight
        if class_weight is not None:
            # the per-sample weights are fixed once on the whole data
            # ('balanced' with its sample weights, as scikit-learn)
            cw = _class_weight_factors(y_enc, classes, sw, class_weight)
        else:
            cw = np.ones_like(sw)
        Cs = (np.logspace(-4, 4, self.Cs)
              if isinstance(self.Cs, Integral) else
              np.asarray(self.Cs, dtype=np.float64).ravel())
        if Cs.size == 0 or np.any(np.isnan(Cs)) or np.any(Cs <= 0):
            raise ValueError(f"Cs must contain positive values; got {Cs}.")
        y_labels = classes[y_enc]
        # None: 5-fold stratified, as scikit-learn (which warns, and fits,
        # when some class has fewer members than folds); when every class
        # has fewer than 5 members, where scikit-learn's splitter raises,
        # as many folds as the largest class has members
        cv = self.cv
        largest = int(np.bincount(y_enc).max())
        if cv is None and 2 <= largest < 5:
            warnings.warn(
                f"Every class has fewer than 5 members: using {largest}-fold "
                "instead of 5-fold cross-validation.", UserWarning,
            )
            cv = largest
        cv = check_cv(cv, y_labels, classifier=True)
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight,
                                     **params)
            split_params, score_params = routed.splitter.split, routed.scorer.score
        else:
            split_params = {}
            score_params = ({} if sample_weight is None
                            else {"sample_weight": sw})
        # integer indices: splitters may yield boolean masks or lists, and
        # the compiled row gather trusts its indices
        rows = np.arange(X.shape[0])
        folds = [(rows[np.asarray(train)], rows[np.asarray(test)])
                 for train, test in cv.split(X, y_labels, **split_params)]
        scorer = _fold_scorer(get_scorer(self.scoring or "accuracy"), classes)
        if sp.issparse(X):
            X = X.tocsr()

        jobs = (
            delayed(_fold_path)(X, y_enc, classes, sw, cw, train, test, Cs, l1,
                                pf, self.fit_intercept, self.tol, self.max_iter,
                                scorer, score_params)
            for train, test in folds for l1 in l1_ratios
        )
        results = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(jobs)
        n_folds, n_l1, n_cs = len(folds), len(l1_ratios), Cs.shape[0]
        n_rows = 1 if n_classes == 2 else n_classes
        n_dof = n_features + int(self.fit_intercept)
        paths = np.empty((n_folds, n_l1, n_cs, n_rows, n_dof))
        scores = np.empty((n_folds, n_l1, n_cs))
        n_iter = np.empty((n_folds, n_l1, n_cs), dtype=np.int32)
        for idx, (path, sc, it) in enumerate(results):
            f, l = divmod(idx, n_l1)
            paths[f, l], scores[f, l], n_iter[f, l] = path, sc, it

        self.Cs_ = Cs
        self.l1_ratios_ = np.asarray(l1_ratios if has_l1_axis else [None])
        best_l1, best_c = self._select(scores, Cs)
        weights = sw * cw
        if self.refit:
            C_best, l1_best = Cs[best_c], l1_ratios[best_l1]
            start = paths[:, best_l1, best_c].mean(axis=0)  # (n_rows, n_dof)
            W, b, info = self._refit(X, y_enc, n_classes, weights, C_best, l1_best,
                                     pf, start)
            self.kkt_violation_ = info["kkt"]
            self.dual_gap_ = info["dual_gap"]
        elif self.selection_rule == "1se":
            coef = paths[:, best_l1, best_c].mean(axis=0)
            C_best, l1_best = Cs[best_c], l1_ratios[best_l1]
        else:
            flat = scores.transpose(0, 2, 1).reshape(n_folds, -1)
            best = [np.unravel_index(np.argmax(row), (n_cs, n_l1)) for row in flat]
            coef = np.mean([paths[f, li, ci] for f, (ci, li) in enumerate(best)],
                           axis=0)
            C_best = float(np.mean([Cs[ci] for ci, _ in best]))
            l1_best = float(np.mean([l1_ratios[li] for _, li in best]))
        if not self.refit:
            W, b = coef[:, :n_features].T, (coef[:, -1] if self.fit_intercept
                                             else np.zeros(n_rows))
            self.kkt_violation_ = np.nan
            self.dual_gap_ = np.nan
        self.coef_ = W.T.astype(X.dtype, copy=False)
        self.intercept_ = np.asarray(b, dtype=X.dtype)
        self._set_cv_attributes(paths, scores, n_iter, C_best, l1_best,
                                has_l1_axis, n_rows)
        return self

    def get_metadata_routing(self):
        """Metadata routing: ``fit`` parameters go to the splitter and scorer.

        Returns
        -------
        routing : MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(splitter=check_cv(self.cv),
                 method_mapping=MethodMapping().add(caller="fit", callee="split"))
            .add(scorer=get_scorer(self.scoring or "accuracy"),
                 method_mapping=MethodMapping().add(caller="score", callee="score")
                 .add(caller="fit", callee="score"))
        )

    def _select(self, scores, Cs):
        """(l1 index, C index) under ``selection_rule`` (mean over folds)."""
        mean, se = cv_mean_and_std_error(scores, axis=0)  # (n_l1, n_cs)
        if np.all(np.isnan(mean)):
            raise ValueError("every cross-validated score is NaN: no C can be "
                             "selected.")
        top = np.nanmax(mean)
        # the first (l1_ratio, C) in the given order among the best means,
        # scikit-learn's argmax; rounding-level differences count as ties
        ties = mean >= top - TIE_RTOL * abs(top)
        li, ci = np.unravel_index(np.argmax(ties), mean.shape)
        if self.selection_rule == "min":
            return int(li), int(ci)
        order = np.argsort(Cs, kind="stable")  # most regularized first
        pos = select_index(mean[li, order], se[li, order], rule="1se",
                           greater_is_better=True)
        return int(li), int(order[pos])

    def _refit(self, X, y_enc, n_classes, weights, C, l1_ratio, pf, start):
        Xa = ColumnAccess(X)
        (datafit,), total = _make_datafits(y_enc, n_classes, weights, "auto")
        n_features = X.shape[1]
        W0 = start[:, :n_features].T
        b0 = start[:, -1] if self.fit_intercept else np.zeros(datafit.n_rows)
        # the folds' average can be a poor start: a class missing from a
        # training fold gets an intercept near -500 there, where its
        # probabilities (and so the Newton steps) vanish and the refit used
        # to stop at max_iter far from the optimum
        W_null, b_null = _null_model(Xa, datafit, pf, self.fit_intercept)
        alpha = 1.0 / (C * total)
        if (objective(Xa, datafit, W_null, b_null, alpha, l1_ratio, pf)
                < objective(Xa, datafit, W0, b0, alpha, l1_ratio, pf)):
            W0, b0 = W_null, b_null
        W, b, info = _fit_one(Xa, datafit, total, C, l1_ratio, pf,
                              self.fit_intercept, self.tol, self.max_iter,
                              W_init=W0, b_init=b0)
        if not info["converged"]:
            _warn_convergence(self.max_iter, self.tol, info["kkt"])
        return W, b, info

    def _set_cv_attributes(self, paths, scores, n_iter, C_best, l1_best,
                           has_l1_axis, n_rows):
        if not self.use_legacy_attributes:
            self.C_ = float(C_best)
            self.l1_ratio_ = float(l1_best)
            self.coefs_paths_ = paths
            self.scores_ = scores
            self.n_iter_ = n_iter
            return
        keys = self.classes_[1:] if n_rows == 1 else self.classes_
        # legacy layout: (n_folds, n_cs, n_l1_ratios, ...) per class
        legacy_paths = np.moveaxis(paths, 1, 2)  # (f, cs, l1, rows, dof)
        legacy_scores = np.moveaxis(scores, 1, 2)  # (f, cs, l1)
        legacy_iter = np.moveaxis(n_iter, 1, 2)[None]
        if not has_l1_axis:
            legacy_paths = legacy_paths[:, :, 0]
            legacy_scores = legacy_scores[:, :, 0]
            legacy_iter = legacy_iter[..., 0]
        self.coefs_paths_ = {k: legacy_paths[..., r, :] for r, k in enumerate(keys)}
        self.scores_ = {k: legacy_scores.copy() for k in keys}
        self.n_iter_ = legacy_iter
        self.C_ = np.full(n_rows, C_best)
        # scikit-learn reports [None] when l1_ratios was not given
        self.l1_ratio_ = (np.full(n_rows, l1_best) if has_l1_axis
                          else np.full(n_rows, None, dtype=object))

    def score(self, X, y, sample_weight=None):
        """Score with the ``scoring`` option (accuracy by default).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        scorer = get_scorer(self.scoring or "accuracy")
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self, X, y, **kwargs)


def _fold_scorer(scorer, classes):
    """The scorer of the held-out folds, told every class (scikit-learn's rule).

    A metric that takes ``labels`` gets ``labels=classes`` (a test fold may
    lack a class); for two classes, one that takes ``pos_label`` gets
    ``pos_label=classes[-1]``, the class whose probability the model
    outputs. Arguments the scorer was built with take precedence.
    """
    score_func = getattr(scorer, "_score_func", None)
    if score_func is None:
        return scorer
    params = inspect.signature(score_func).parameters
    if "labels" not in params:
        return scorer
    kwargs = {"labels": classes}
    if classes.shape[0] == 2 and "pos_label" in params:
        kwargs["pos_label"] = classes[-1]
    kwargs.update(getattr(scorer, "_kwargs", {}))
    return make_scorer(score_func, greater_is_better=scorer._sign == 1,
                       response_method=scorer._response_method, **kwargs)


def _fold_path(X, y_enc, classes, sw, cw, train, test, Cs, l1_ratio, pf,
               fit_intercept, tol, max_iter, scorer, score_params):
    """Path on one training fold, scored on its test fold.

    Returns the path (n_cs, n_rows, n_dof) with intercepts last, the scores
    (n_cs,) and the prox-Newton steps (n_cs,).
    """
    n_classes = classes.shape[0]
    if sp.issparse(X):
        X_train = X[train]
    elif X.flags.f_contiguous:
        # the kernels read columns: a Fortran copy once per fold beats
        # compacting the working-set columns out of a row-major copy at every
        # prox-Newton step
        X_train = np.empty((train.shape[0], X.shape[1]), dtype=X.dtype,
                           order="F")
        take_rows_fortran(X, np.asarray(train, dtype=np.int64), X_train)
    else:
        X_train = np.asfortranarray(X[train])
    weights = (sw * cw)[train]
    Xa = ColumnAccess(X_train)
    y_train = y_enc[train]
    # with 3+ classes a class absent from the training fold is fitted all the
    # same (its intercept heads to -inf until the KKT tolerance holds), as
    # scikit-learn; a binary fold with one class has no finite model
    if n_classes == 2 and np.unique(y_train).shape[0] < 2:
        raise ValueError(
            "A training fold contains a single class; use fewer folds or a "
            "stratified splitter."
        )
    (datafit,), total = _make_datafits(y_train, n_classes, weights, "auto")
    b0 = datafit.null_intercept() if fit_intercept else None
    Ws, bs, n_iter, _ = _solve_path(Xa, datafit, total, Cs, l1_ratio, pf,
                                    fit_intercept, tol, max_iter, b_init=b0)
    n_rows = datafit.n_rows
    path = np.concatenate([np.moveaxis(Ws, 2, 1), bs[:, :, None]], axis=2) \
        if fit_intercept else np.moveaxis(Ws, 2, 1)
    model = LogisticRegression(fit_intercept=fit_intercept)
    model.classes_ = classes
    X_test, y_test = X[test], classes[y_enc[test]]
    # the test fold's rows of every per-sample scorer parameter
    kwargs = {key: take_sample_rows(value, test, X.shape[0])
              for key, value in score_params.items()}
    scores = np.empty(Cs.shape[0])
    for c in range(Cs.shape[0]):
        model.coef_ = Ws[c].T.reshape(n_rows, -1)
        model.intercept_ = bs[c] if fit_intercept else np.zeros(n_rows)
        scores[c] = scorer(model, X_test, y_test, **kwargs)
    return path, scores, n_iter
