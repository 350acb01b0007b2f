r"""Pick a hyper-parameter from cross-validation scores: 'min' or '1se' rule.

Shared by every CV estimator (``LassoCV``, ``ElasticNetCV``,
``LogisticRegressionCV``). Candidates are always given ordered from the most
regularized to the least regularized (a decreasing ``alpha`` grid, an
increasing ``C`` grid), so "more regularized" simply means "smaller index".

- ``"min"``: the candidate with the best mean score. Ties go to the more
  regularized one, as ``np.argmin`` on a decreasing alpha grid does in
  scikit-learn; scores within a relative ``1e-8`` of the best count as ties,
  so that rounding noise (far below both the solver tolerance and the CV
  noise) on a flat stretch of the curve cannot decide the choice.
- ``"1se"`` (the one-standard-error rule of Breiman et al. and glmnet's
  ``lambda.1se``): the most regularized candidate whose mean score is within
  one standard error of the best one,

  .. math::

      i_{1se} = \min \{ i : \bar{s}_i \le \bar{s}_{i^*} + SE_{i^*} \}

  for a loss (``greater_is_better=False``), and
  :math:`\bar{s}_i \ge \bar{s}_{i^*} - SE_{i^*}` for a score.

The standard error of a mean over K folds is the fold standard deviation
(``ddof=1``) divided by :math:`\sqrt{K}`, as in glmnet's ``cvsd``.
"""

import numpy as np

SELECTION_RULES = ("min", "1se")
TIE_RTOL = 1e-8


def cv_mean_and_std_error(fold_scores, axis=-1):
    """Mean over folds and its standard error.

    Parameters
    ----------
    fold_scores : array-like
        Scores (or losses) with the folds along ``axis``.
    axis : int, default=-1
        The fold axis.

    Returns
    -------
    mean : ndarray
        ``fold_scores.mean(axis)``, ignoring NaN folds (NaN if all are NaN).
    std_error : ndarray
        ``std(ddof=1) / sqrt(n_folds)`` along ``axis`` over the non-NaN folds;
        0 with a single fold (no spread can be estimated, so '1se' reduces to
        'min').
    """
    scores = np.asarray(fold_scores, dtype=np.float64)
    if scores.shape[axis] == 0:
        raise ValueError("fold_scores has no fold: cannot compute a mean.")
    # NaN marks a fold without information (e.g. zero test weights): skip it.
    n_valid = np.sum(~np.isnan(scores), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(scores, axis=axis) / n_valid
        centered = np.where(np.isnan(scores), 0.0, scores - np.expand_dims(mean, axis))
        var = np.sum(centered**2, axis=axis) / np.maximum(n_valid - 1, 1)
        std_error = np.where(n_valid > 1, np.sqrt(var / n_valid), 0.0)
    return mean, std_error


def select_index(
    mean_scores, std_errors, *, rule="min", greater_is_better=False, tie_rtol=TIE_RTOL
):
    """Index of the selected candidate under the 'min' or '1se' rule.

    Parameters
    ----------
    mean_scores : array-like of shape (n_candidates,)
        Mean cross-validated score of each candidate, ordered from the most
        regularized (index 0) to the least regularized. NaN entries (e.g. a
        diverged fit) are never selected.
    std_errors : array-like of shape (n_candidates,)
        Standard error of each mean (see :func:`cv_mean_and_std_error`).
        Only the entry at the best candidate is used.
    rule : {"min", "1se"}, default="min"
        "min" returns the best mean; "1se" the most regularized candidate
        within one standard error of the best mean.
    greater_is_better : bool, default=False
        False for losses such as the MSE, True for scores such as accuracy.
    tie_rtol : float, default=1e-8
        Means within ``tie_rtol * |best|`` of the best one are ties, resolved
        toward the more regularized candidate. 0 gives the exact argmin.

    Returns
    -------
    index : int

    Examples
    --------
    >>> select_index([3.0, 2.1, 2.0, 2.5], [0.2, 0.2, 0.2, 0.2], rule="min")
    2
    >>> select_index([3.0, 2.1, 2.0, 2.5], [0.2, 0.2, 0.2, 0.2], rule="1se")
    1
    """
    if rule not in SELECTION_RULES:
        raise ValueError(
            f"selection rule must be one of {SELECTION_RULES}; got {rule!r}."
        )
    mean = np.asarray(mean_scores, dtype=np.float64)
    se = np.asarray(std_errors, dtype=np.float64)
    if mean.ndim != 1 or mean.shape[0] == 0:
        raise ValueError(
            f"mean_scores must be a non-empty 1-D array; got shape {mean.shape}."
        )
    if se.shape != mean.shape:
        raise ValueError(
            f"std_errors has shape {se.shape}; expected {mean.shape} like "
            "mean_scores."
        )
    if np.all(np.isnan(mean)):
        raise ValueError(
            "every cross-validated score is NaN: no candidate can be selected."
        )
    # Work with a loss so that "best" is always the minimum.
    loss = -mean if greater_is_better else mean
    loss = np.where(np.isnan(loss), np.inf, loss)
    best = int(np.argmin(loss))
    if rule == "min":
        ties = np.flatnonzero(loss <= loss[best] + tie_rtol * abs(loss[best]))
        return int(ties[0])
    best_se = se[best] if np.isfinite(se[best]) else 0.0
    within = np.flatnonzero(loss <= loss[best] + best_se)
    # ``best`` itself is always within, so ``within`` is never empty.
    return int(within[0])
