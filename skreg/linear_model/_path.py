r"""Regularization paths for the elastic net: alpha grid and warm-started path.

Every elastic-net fit in skreg goes through :func:`_enet_path_core` (a single
alpha is a path of length one), the single source of truth shared by the
public :func:`lasso_path` / :func:`enet_path`, the estimators and the CV
estimators. A large dense path with a Gram matrix may be solved on the Gram
matrix of float32-rounded rows; its certificates are then recomputed from X
and the alphas that fail are solved again on the exact matrix
(:func:`_rounded_gram_pays`, :func:`_certify_on_X`).
"""

import numbers
import sys
import warnings
from typing import NamedTuple

import numpy as np
from scipy import optimize, sparse
from sklearn.utils import check_array, check_consistent_length, check_random_state

from ..utils.validation import check_penalty_factor, check_sample_weight
from ._datafits import quadratic_enet_gap
from ._multitask import multitask_alpha_max, multitask_enet_path
from ._penalties import enet_alpha_max, enet_kkt_violation
from ._solver import _check_alpha_l1_ratio, _make_design, _solve, _Target, _use_gram

_RESOLUTION = np.finfo(np.float64).resolution
# rounded Gram route (see _rounded_gram_pays): tolerances from 1e-6 (the
# rounding then used up to 0.1 of the gap budget on the issue-2 path), at
# least 2e9 products in the Gram matrix (about 20 ms in float64), and at
# least this many features per alpha
_ROUNDED_GRAM_MIN_TOL = 1e-6
_ROUNDED_GRAM_MIN_PRODUCTS = 2e9
_ROUNDED_GRAM_FEATURES_PER_ALPHA = 10


class PathResult(NamedTuple):
    """Result of :func:`_enet_path_core` (always with a leading target axis).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_targets, n_features, n_alphas), dtype of X
    intercepts : ndarray of shape (n_targets, n_alphas)
    dual_gaps : ndarray of shape (n_targets, n_alphas)
        On the objective scale (scikit-learn's ``dual_gap_`` convention).
    kkt_violations : ndarray of shape (n_targets, n_alphas)
    n_iters : ndarray of int of shape (n_targets, n_alphas)
    converged : ndarray of bool of shape (n_targets, n_alphas)
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    dual_gaps: np.ndarray
    kkt_violations: np.ndarray
    n_iters: np.ndarray
    converged: np.ndarray


def _null_model_residual(X, y, sw, unpenalized, fit_intercept, positive):
    """Residual of the weighted least-squares fit on [1, X_unpenalized].

    ``y`` is (n_samples, n_targets); ``sw`` sums to anything positive. With
    ``positive`` the unpenalized coefficients are constrained to be >= 0
    (non-negative least squares; the intercept stays free).
    """
    if not fit_intercept and not unpenalized.size:
        return y
    root = np.sqrt(sw)[:, None]
    y_fit = y
    if fit_intercept:
        y_fit = y - np.average(y, axis=0, weights=sw)
    if not unpenalized.size:
        return y_fit
    XU = X[:, unpenalized]
    XU = XU.toarray() if sparse.issparse(XU) else np.asarray(XU)
    XU = XU.astype(np.float64)
    if fit_intercept:
        XU = XU - np.average(XU, axis=0, weights=sw)
    A = XU * root
    if positive:
        beta = np.column_stack(
            [optimize.nnls(A, y_fit[:, k] * root[:, 0])[0]
             for k in range(y_fit.shape[1])]
        )
    else:
        beta = np.linalg.lstsq(A, y_fit * root, rcond=None)[0]
    return y_fit - XU @ beta


def _alpha_max(X, y, *, l1_ratio, sample_weight, penalty_factor, fit_intercept,
               positive):
    """Exact smallest alpha giving all penalized coefficients = 0 (see alpha_grid)."""
    n_samples, n_features = X.shape
    y2 = np.asarray(y, dtype=np.float64).reshape(n_samples, -1)
    sw = (np.ones(n_samples) if sample_weight is None
          else np.asarray(sample_weight, dtype=np.float64))
    pf = (np.ones(n_features) if penalty_factor is None
          else np.asarray(penalty_factor, dtype=np.float64))
    unpenalized = np.flatnonzero(pf == 0)
    resid = _null_model_residual(X, y2, sw, unpenalized, fit_intercept, positive)
    weighted = (resid * sw[:, None]).astype(X.dtype, copy=False)
    corr = np.asarray(X.T @ weighted, dtype=np.float64)
    if fit_intercept:
        # the weighted residual sums to 0 with an intercept: X and X - xbar
        # have the same correlation with it (up to rounding, removed here)
        xbar = np.asarray(X.T @ sw, dtype=np.float64).ravel() / sw.sum()
        corr -= np.outer(xbar, weighted.sum(axis=0))
    grad = -corr / sw.sum()
    if not np.all(np.isfinite(grad)):
        # finite X and y whose products overflow (float32 X near 1e19): the
        # grid would be NaN and the error would blame alpha
        hint = " or converted to float64" if X.dtype == np.float32 else ""
        raise ValueError(
            f"X^T y overflows in {X.dtype}: X and y have values too large. "
            f"They need to be preprocessed (e.g. rescaled{hint})."
        )
    return enet_alpha_max(grad, l1_ratio, pf, positive)


def alpha_grid(X, y, *, l1_ratio=1.0, eps=1e-3, n_alphas=100, sample_weight=None,
               penalty_factor=None, fit_intercept=True, positive=False):
    r"""Log-spaced alphas from the exact ``alpha_max`` down to ``eps * alpha_max``.

    ``alpha_max`` is the smallest alpha for which every penalized coefficient
    of

    .. math::

        \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w - b)^2
        + \alpha \sum_j f_j \Big(\rho |w_j| + \frac{1 - \rho}{2} w_j^2\Big)

    is zero: :math:`\max_j |\nabla_j F| / (\rho f_j)` at the *null model*,
    where the intercept and the unpenalized features (``f_j = 0``) are at
    their weighted least-squares optimum (one small solve). With
    ``positive=True`` only negative gradients count. For several targets
    (independent problems) the maximum over targets is used.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
    l1_ratio : float in (0, 1], default=1.0
    eps : float > 0, default=1e-3
        ``alpha_min / alpha_max``.
    n_alphas : int, default=100
    sample_weight, penalty_factor : ndarray or None
        Assumed validated (non-negative; see skreg.utils.validation).
    fit_intercept : bool, default=True
    positive : bool, default=False

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        Decreasing. When ``alpha_max`` is 0 (e.g. constant y) every entry is
        ``np.finfo(float).resolution``, like scikit-learn.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.linear_model._path import alpha_grid
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> alpha_grid(X, np.array([1.0, 2.0, 4.0]), n_alphas=3, eps=0.01)
    array([0.44444444, 0.04444444, 0.00444444])
    """
    if not 0.0 < l1_ratio <= 1.0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0 "
            f"(got l1_ratio={l1_ratio!r}); supply an explicit grid with `alphas=`."
        )
    a_max = _alpha_max(X, y, l1_ratio=l1_ratio, sample_weight=sample_weight,
                       penalty_factor=penalty_factor, fit_intercept=fit_intercept,
                       positive=positive)
    if a_max <= _RESOLUTION:
        return np.full(n_alphas, _RESOLUTION)
    return np.geomspace(a_max, a_max * eps, num=n_alphas)


def _enet_path_core(X, y, *, alphas, l1_ratio=1.0, sample_weight=None,
                    penalty_factor=None, positive=False, fit_intercept=True,
                    coef_init=None, tol=1e-4, max_iter=1000, precompute=False,
                    Gram=None, Xy=None, selection="cyclic", random_state=None,
                    verbose=False, warn=True):
    r"""Warm-started elastic-net path, one independent problem per target.

    Solves, for each ``alpha`` in ``alphas`` *in the given order* (pass them
    decreasing for efficient warm starts) and each column of ``y``, the problem
    of :func:`skreg.linear_model._solver.solve_enet`, starting from the
    previous alpha's solution (from ``coef_init`` for the first).

    Inputs are assumed validated: X float32/float64 dense or sparse (CSC
    preferred), finite; ``y`` (n_samples,) or (n_samples, n_targets);
    ``sample_weight`` / ``penalty_factor`` validated arrays or None; alphas
    non-negative. X is shared by all targets and alphas (column norms, means,
    Gram computed once).

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,)
    coef_init : ndarray of shape (n_features,) or (n_targets, n_features), or None
    precompute, Gram, Xy : see ``solve_enet`` (``Xy`` (n_features,) or
        (n_features, n_targets) is used only with ``Gram``).
    verbose : bool or int
        Prints progress like scikit-learn's path functions.
    warn : bool, default=True
        Emit a ``ConvergenceWarning`` for every alpha/target that hits
        ``max_iter``.
    Other parameters as in ``solve_enet``.

    Returns
    -------
    result : PathResult
        Arrays with a leading target axis (length 1 for 1-D ``y``).
    """
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    for a in alphas:
        _check_alpha_l1_ratio(float(a), l1_ratio)
    n_samples, n_features = X.shape
    y2 = np.asarray(y).reshape(n_samples, -1)
    n_targets = y2.shape[1]
    n_alphas = alphas.shape[0]
    # the first target's X^T y comes with the design's pass over X
    y_first = y2[:, 0]
    rounded = _rounded_gram_pays(X, precompute, Gram, tol, alphas, penalty_factor)
    design = _make_design(X, sample_weight, fit_intercept, precompute, Gram,
                          y=y_first, rounded_gram=rounded)
    # filled one alpha at a time: contiguous rows, returned as a view
    coefs_t = np.empty((n_targets, n_alphas, n_features), dtype=design.dtype)
    intercepts = np.zeros((n_targets, n_alphas))
    gaps = np.zeros((n_targets, n_alphas))
    kkts = np.zeros((n_targets, n_alphas))
    n_iters = np.zeros((n_targets, n_alphas), dtype=int)
    converged = np.zeros((n_targets, n_alphas), dtype=bool)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64)
        coef_init = coef_init.reshape(n_targets, n_features)
    Xy2 = None
    if Gram is not None and Xy is not None:
        Xy2 = np.asarray(Xy, dtype=np.float64).reshape(n_features, -1)
    random_state = check_random_state(random_state)  # one stream for the path
    for k in range(n_targets):
        target = _Target(design, y_first if k == 0 else y2[:, k])
        if Xy2 is not None:
            target.q = Xy2[:, k].copy()
        coef = None if coef_init is None else coef_init[k]
        workspace = {}
        for i, alpha in enumerate(alphas):
            res = _solve(design, target, float(alpha), float(l1_ratio),
                         penalty_factor, positive, coef, tol, max_iter, selection,
                         random_state, warn=warn, workspace=workspace)
            coef = res.coef
            coefs_t[k, i] = res.coef
            intercepts[k, i] = res.intercept
            gaps[k, i] = res.dual_gap
            kkts[k, i] = res.kkt_violation
            n_iters[k, i] = res.n_iter
            converged[k, i] = res.converged
            if verbose:
                if verbose > 1:
                    print(f"Path: {i:03d} out of {n_alphas:03d}")
                else:
                    sys.stderr.write(".")
        if design.gram_is_rounded:
            # certify against X; the alphas that fail are solved again, from
            # where they are, on the exact Gram matrix
            failed = _certify_on_X(design, target, alphas, l1_ratio,
                                   penalty_factor, positive, tol, coefs_t[k],
                                   gaps[k], kkts[k], converged[k])
            if failed.size:
                design.use_exact_gram()
            for i in failed:
                res = _solve(design, target, float(alphas[i]), float(l1_ratio),
                             penalty_factor, positive, coefs_t[k, i], tol,
                             max_iter, selection, random_state, warn=warn)
                coefs_t[k, i] = res.coef
                intercepts[k, i] = res.intercept
                gaps[k, i] = res.dual_gap
                kkts[k, i] = res.kkt_violation
                n_iters[k, i] += res.n_iter
                converged[k, i] = res.converged
    coefs = coefs_t.transpose(0, 2, 1)
    return PathResult(alphas, coefs, intercepts, gaps, kkts, n_iters, converged)


def _rounded_gram_pays(X, precompute, Gram, tol, alphas, penalty_factor):
    """Whether a path should run on the Gram matrix of float32-rounded rows.

    Forming the Gram matrix is most of the cost of a dense path with
    ``n >> p`` (issue-2 dense path, 5000 x 2000: 190-230 of 440 ms); in
    float32 it takes about 115-140 ms, and certifying every alpha of the path
    against X afterwards (:func:`_certify_on_X`) one pass over X. The
    rounding perturbs the problem by about 1e-7 relative to ``||y||^2``, so
    the route is taken when the tolerance leaves room for it, the matrix is
    large, the path is short next to ``p`` (the certificate costs about one
    product with X per alpha) and every coordinate is penalized (the
    certificate of an unpenalized block needs its exact least-squares fit).
    """
    if Gram is not None or isinstance(precompute, np.ndarray):
        return False
    if sparse.issparse(X) or X.dtype != np.float64:
        return False
    n, p = X.shape
    return bool(
        _use_gram(precompute, n, p)
        and tol >= _ROUNDED_GRAM_MIN_TOL
        and n * p * p >= _ROUNDED_GRAM_MIN_PRODUCTS
        and p >= _ROUNDED_GRAM_FEATURES_PER_ALPHA * alphas.shape[0]
        and np.all(alphas > 0)
        and (penalty_factor is None or np.all(np.asarray(penalty_factor) > 0))
    )


def _certify_on_X(design, target, alphas, l1_ratio, penalty_factor, positive,
                  tol, coefs, gaps, kkts, converged):
    """Exact duality gaps and KKT violations of a path's solutions, from X.

    ``coefs`` is (n_alphas, n_features); ``gaps``, ``kkts`` and ``converged``
    (n_alphas,) are overwritten with the certificates of the original
    problem. Returns the indices of the alphas whose gap exceeds the
    tolerance (``tol * ||y_c||^2``, scikit-learn's rule).
    """
    n, p = design.n_samples, design.n_features
    pf = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    W = np.asarray(coefs, dtype=np.float64).T
    corr, r_norm2, y_dot_r = design.exact_residual_moments(target.yc, W)
    # every non-constant feature (a rounded diagonal may have underflowed)
    active = ~design.constant
    for i, alpha in enumerate(alphas):
        lam1 = n * alpha * l1_ratio * pf
        lam2 = n * alpha * (1.0 - l1_ratio) * pf
        gap = max(quadratic_enet_gap(corr[:, i], W[:, i], lam1, lam2, positive,
                                     float(r_norm2[i]), float(y_dot_r[i]), active),
                  0.0)
        gaps[i] = gap / n
        kkts[i] = enet_kkt_violation(W[:, i], -corr[:, i] / n, float(alpha),
                                     float(l1_ratio), pf, positive)
        converged[i] = gap <= tol * target.y_norm2
    return np.flatnonzero(~converged)


_PATH_PARAMS = frozenset(
    ["tol", "max_iter", "random_state", "selection", "sample_weight",
     "penalty_factor", "fit_intercept", "return_intercept"]
)


def _resolve_alphas(n_alphas, alphas):
    """scikit-learn 1.9's handling of the deprecated ``n_alphas``/``alphas=None``."""
    if n_alphas == "deprecated":
        count = 100
    else:
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11. "
            "'alphas' now accepts an integer value which removes the need to pass "
            "'n_alphas'. The default value of 'alphas' will change from None to "
            "100 in 1.11. Pass an explicit value to 'alphas' and leave 'n_alphas' "
            "to its default value to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        if (not isinstance(n_alphas, numbers.Integral) or isinstance(n_alphas, bool)
                or n_alphas < 1):
            raise ValueError(f"n_alphas must be an integer >= 1; got {n_alphas!r}.")
        count = int(n_alphas)
    if isinstance(alphas, str) and alphas == "warn":
        return count, None
    if alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11, at which "
            "point the default value will be set to 100. Set 'alphas=100' "
            "to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        return count, None
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(f"alphas as an integer must be >= 1; got {alphas!r}.")
        return int(alphas), None
    if isinstance(alphas, str):
        raise ValueError(
            f"alphas must be an integer or an array of floats; got {alphas!r}."
        )
    grid = np.asarray(alphas)
    if grid.dtype.kind not in "biuf":
        raise TypeError(f"alphas must be numeric; got dtype {grid.dtype}.")
    grid = grid.astype(np.float64).ravel()
    if grid.size == 0:
        raise ValueError("alphas must not be empty.")
    if not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise ValueError("alphas must be finite and non-negative.")
    return None, grid


def _validate_path_inputs(X, y, Xy, precompute, coef_init, check_input,
                          sample_weight, penalty_factor):
    if check_input:
        X = check_array(X, accept_sparse="csc", dtype=[np.float64, np.float32],
                        order="F", input_name="X")
        y = check_array(y, dtype=X.dtype.type, ensure_2d=False, input_name="y")
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D; got shape {y.shape}.")
        check_consistent_length(X, y)
    n_features = X.shape[1]
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
    penalty_factor = (None if penalty_factor is None
                      else check_penalty_factor(penalty_factor, n_features))
    Gram = None
    if isinstance(precompute, str):
        if precompute != "auto":
            raise ValueError(
                "precompute should be one of True, False, 'auto' or array-like; "
                f"got {precompute!r}."
            )
    elif not isinstance(precompute, (bool, np.bool_)):
        Gram = np.asarray(precompute)
        if Gram.shape != (n_features, n_features):
            raise ValueError(
                f"precompute (Gram matrix) has shape {Gram.shape}; expected "
                f"({n_features}, {n_features})."
            )
        if not np.all(np.isfinite(Gram)):
            raise ValueError("precompute (Gram matrix) contains NaN or infinity.")
    if Gram is not None and Xy is not None:
        Xy = np.asarray(Xy, dtype=np.float64)
        if Xy.shape[0] != n_features:
            raise ValueError(f"Xy has shape {Xy.shape}; expected first dimension "
                             f"{n_features}.")
    n_targets = 1 if y.ndim == 1 else y.shape[1]
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64)
        expected = (n_features,) if y.ndim == 1 else (n_targets, n_features)
        if coef_init.shape != expected:
            raise ValueError(
                f"coef_init has shape {coef_init.shape}; expected {expected}."
            )
        if not np.all(np.isfinite(coef_init)):
            raise ValueError("coef_init contains NaN or infinity.")
    return X, y, Gram, Xy, coef_init, sample_weight, penalty_factor


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas="deprecated", alphas="warn",
              precompute="auto", Xy=None, copy_X=True, coef_init=None, verbose=False,
              return_n_iter=False, positive=False, check_input=True, **params):
    r"""Compute the elastic-net path with certified coordinate descent.

    Drop-in for :func:`sklearn.linear_model.enet_path` (same signature,
    defaults and return values). For each alpha it minimises

    .. math::

        \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w - b)^2
        + \alpha \sum_j f_j \Big(\rho |w_j| + \frac{1 - \rho}{2} w_j^2\Big)

    (``rho = l1_ratio``; no intercept ``b`` unless ``fit_intercept=True``;
    ``s`` = ``sample_weight`` rescaled to sum to n, ``f`` =
    ``penalty_factor``), warm-starting from the previous alpha. A 2-D ``y``
    is solved, as in scikit-learn, as one multi-task elastic net: the
    penalty of feature j is then
    :math:`\alpha f_j (\rho \|W_j\|_2 + \frac{1-\rho}{2} \|W_j\|_2^2)` on
    its row of coefficients across targets, so features enter or leave for
    all targets together (the estimators' ``fit`` with 2-D ``y`` instead
    solves one independent problem per target, as scikit-learn's).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Dense X is used without copy when Fortran-ordered float32/float64;
        sparse X is never densified.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    l1_ratio : float in [0, 1], default=0.5
        0 is ridge (then pass explicit ``alphas``), 1 the Lasso.
    eps : float, default=1e-3
        ``alpha_min / alpha_max`` of the automatic grid.
    n_alphas : int, default='deprecated'
        Deprecated in scikit-learn 1.9: use ``alphas=<int>``.
    alphas : int or array-like, default='warn'
        Number of alphas of the automatic grid (100 by default) or an explicit
        grid (sorted decreasingly when it has more than one value).
    precompute : 'auto', bool or array of shape (n_features, n_features), default='auto'
        Use the Gram matrix; 'auto' uses it when n_samples > 2 * n_features
        and n_features <= 5000.
        An array is taken as the Gram matrix of the (weighted, centered) X.
    Xy : array-like of shape (n_features,) or (n_features, n_targets), default=None
        ``X.T @ y``; only used with a precomputed Gram array.
    copy_X : bool, default=True
        Accepted for compatibility; X is never modified.
    coef_init : array-like of shape (n_features,), default=None
        Warm start for the first alpha.
    verbose : bool or int, default=False
    return_n_iter : bool, default=False
        Also return the number of epochs per alpha.
    positive : bool, default=False
        Constrain the coefficients to be non-negative.
    check_input : bool, default=True
        Skip X/y validation when False (they must then be float arrays).
    **params : tol=1e-4, max_iter=1000, selection='cyclic', random_state=None
        As in ``ElasticNet``; plus the skreg extras ``sample_weight=None``,
        ``penalty_factor=None`` (non-negative, one per feature, 0 =
        unpenalized), ``fit_intercept=False`` and ``return_intercept=False``
        (when True the intercepts, shape (n_alphas,) or (n_targets,
        n_alphas), are appended to the returned tuple).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_features, n_alphas) or (n_targets, n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int; if ``return_n_iter``
    intercepts : ndarray; if ``return_intercept``

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import enet_path
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> y = np.array([1.0, 2.0, 4.0, 5.0])
    >>> alphas, coefs, gaps = enet_path(X, y, alphas=3)
    >>> coefs.shape
    (2, 3)
    """
    unknown = set(params) - _PATH_PARAMS
    if unknown:
        raise ValueError(f"Unexpected parameters in params: {sorted(unknown)}")
    tol = params.get("tol", 1e-4)
    max_iter = params.get("max_iter", 1000)
    selection = params.get("selection", "cyclic")
    random_state = params.get("random_state", None)
    fit_intercept = bool(params.get("fit_intercept", False))
    return_intercept = bool(params.get("return_intercept", False))
    if not isinstance(tol, numbers.Real) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative number; got {tol!r}.")
    if (not isinstance(max_iter, numbers.Integral) or isinstance(max_iter, bool)
            or max_iter < 1):
        raise ValueError(f"max_iter must be an integer >= 1; got {max_iter!r}.")
    if selection not in ("cyclic", "random"):
        raise ValueError(
            f"selection should be either random or cyclic; got {selection!r}."
        )
    if not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"eps must be a positive number; got {eps!r}.")
    _check_alpha_l1_ratio(0.0, l1_ratio)
    count, grid = _resolve_alphas(n_alphas, alphas)
    X, y, Gram, Xy, coef_init, sw, pf = _validate_path_inputs(
        X, y, Xy, precompute, coef_init, check_input, params.get("sample_weight"),
        params.get("penalty_factor"))
    if y.ndim > 1 and positive:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")
    if y.ndim > 1:
        return _multitask_public_path(
            X, y, grid=grid, count=count, eps=eps, l1_ratio=l1_ratio, sw=sw, pf=pf,
            fit_intercept=fit_intercept, coef_init=coef_init, tol=tol,
            max_iter=max_iter, selection=selection, random_state=random_state,
            return_n_iter=return_n_iter, return_intercept=return_intercept)
    if grid is None:
        grid = alpha_grid(X, y, l1_ratio=l1_ratio, eps=eps, n_alphas=count,
                          sample_weight=sw, penalty_factor=pf,
                          fit_intercept=fit_intercept, positive=positive)
    elif grid.size > 1:
        grid = np.sort(grid)[::-1]
    res = _enet_path_core(
        X, y, alphas=grid, l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf,
        positive=positive, fit_intercept=fit_intercept, coef_init=coef_init,
        tol=tol, max_iter=max_iter,
        precompute=precompute if Gram is None else False, Gram=Gram,
        Xy=Xy, selection=selection, random_state=random_state, verbose=verbose,
    )
    out = [grid, res.coefs[0], res.dual_gaps[0]]
    if return_n_iter:
        out.append([int(v) for v in res.n_iters[0]])
    if return_intercept:
        out.append(res.intercepts[0])
    return tuple(out)


def _multitask_public_path(X, Y, *, grid, count, eps, l1_ratio, sw, pf,
                           fit_intercept, coef_init, tol, max_iter, selection,
                           random_state, return_n_iter, return_intercept):
    """enet_path for 2-D y: the multi-task problem, like scikit-learn."""
    if pf is not None and np.any(pf == 0):
        raise ValueError(
            "penalty_factor must be positive for multi-output y (the multi-task "
            "solver has no unpenalized rows)."
        )
    if grid is None:
        if l1_ratio <= 0:
            raise ValueError(
                "Automatic alpha grid generation is not supported for l1_ratio=0;"
                " supply an explicit grid with `alphas=`."
            )
        a_max = multitask_alpha_max(X, Y, l1_ratio=l1_ratio, sample_weight=sw,
                                    penalty_factor=pf, fit_intercept=fit_intercept)
        grid = (np.full(count, _RESOLUTION) if a_max <= _RESOLUTION
                else np.geomspace(a_max, a_max * eps, num=count))
    elif grid.size > 1:
        grid = np.sort(grid)[::-1]
    coefs, intercepts, gaps, n_iters = multitask_enet_path(
        X, Y, alphas=grid, l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf,
        fit_intercept=fit_intercept, coef_init=coef_init, tol=tol,
        max_iter=max_iter, selection=selection, random_state=random_state)
    out = [grid, coefs, gaps]
    if return_n_iter:
        out.append(n_iters)
    if return_intercept:
        out.append(intercepts)
    return tuple(out)


def lasso_path(X, y, *, eps=1e-3, n_alphas="deprecated", alphas="warn",
               precompute="auto", Xy=None, copy_X=True, coef_init=None, verbose=False,
               return_n_iter=False, positive=False, **params):
    r"""Compute the Lasso path with certified coordinate descent.

    Drop-in for :func:`sklearn.linear_model.lasso_path`: :func:`enet_path`
    with ``l1_ratio=1``, i.e. for each alpha

    .. math::

        \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w)^2 + \alpha \sum_j f_j |w_j| .

    Parameters and returns are those of :func:`enet_path` (without
    ``l1_ratio``); the skreg extras ``sample_weight``, ``penalty_factor``,
    ``fit_intercept`` and ``return_intercept`` go through ``**params``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import lasso_path
    >>> X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 4.0], [4.0, 3.0]])
    >>> y = np.array([1.0, 2.0, 4.0, 5.0])
    >>> alphas, coefs, gaps = lasso_path(X, y, alphas=[1.0, 0.1])
    >>> coefs.shape
    (2, 2)
    """
    return enet_path(X, y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas,
                     precompute=precompute, Xy=Xy, copy_X=copy_X,
                     coef_init=coef_init, verbose=verbose,
                     return_n_iter=return_n_iter, positive=positive, **params)
