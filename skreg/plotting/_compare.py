"""Side-by-side comparison of L1, L2 and elastic-net penalties on one dataset."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.multiclass import type_of_target

from ._grid import default_grid, strength_param
from ._regularization_path import RegularizationPathDisplay


def is_classification_target(y):
    """Class labels: non-float labels, or exactly two distinct values.

    Float targets with integer values (counts, scores such as the diabetes
    target) are regression targets even though ``type_of_target`` calls them
    'multiclass'.
    """
    kind = type_of_target(y)
    if kind == "binary":
        return True
    return kind == "multiclass" and np.asarray(y).dtype.kind not in "fc"


def default_estimators(y, *, l1_ratio=0.5):
    """skreg's L1 / L2 / elastic-net models for the target type of ``y``."""
    import skreg

    if is_classification_target(y):
        return {
            "L1": skreg.LogisticRegression(l1_ratio=1.0, max_iter=1000),
            "L2": skreg.LogisticRegression(l1_ratio=0.0, max_iter=1000),
            "Elastic net": skreg.LogisticRegression(l1_ratio=l1_ratio, max_iter=1000),
        }
    return {
        "L1 (Lasso)": skreg.Lasso(),
        "L2 (Ridge)": skreg.Ridge(),
        "Elastic net": skreg.ElasticNet(l1_ratio=l1_ratio),
    }


class PenaltyComparisonDisplay:
    """L1 vs L2 vs elastic net on the same data: paths and validation curves.

    One column per estimator. The top row is its
    :class:`RegularizationPathDisplay` (coefficients against the strength),
    the bottom row scikit-learn's
    :class:`~sklearn.model_selection.ValidationCurveDisplay` (train and
    cross-validated score against the same strength). Side by side they show
    the trade-off each penalty makes: L1 selects features, L2 shrinks all of
    them, the elastic net groups correlated ones; the gap between the train and
    validation curves is the overfitting that the penalty controls.

    Each column uses its own grid because the strengths are not on the same
    scale (Ridge's objective is an unnormalized sum of squares while the
    Lasso's is a mean), so compare shapes and best scores, not x positions.

    Create it with :meth:`from_estimators`.

    Parameters
    ----------
    path_displays : list of RegularizationPathDisplay
        The drawn path displays, one per estimator.
    validation_displays : list of ValidationCurveDisplay
        The drawn validation curves, one per estimator.
    names : list of str
        Column titles.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes of shape (2, n_estimators)
        Path axes on the first row, validation-curve axes on the second.
    figure_ : matplotlib Figure
        The figure.
    best_strengths_ : dict of str to float
        For each estimator, the strength with the best mean validation score.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skreg.plotting import PenaltyComparisonDisplay
    >>> X, y = load_diabetes(return_X_y=True)
    >>> disp = PenaltyComparisonDisplay.from_estimators(
    ...     X, y, n_alphas=10, n_validation=3, cv=3)
    >>> disp.axes_.shape
    (2, 3)
    """

    def __init__(self, path_displays, validation_displays, names):
        self.path_displays = path_displays
        self.validation_displays = validation_displays
        self.names = names

    @classmethod
    def from_estimators(cls, X, y, estimators=None, *, n_alphas=50, n_validation=12,
                        eps=1e-3, cv=5, scoring=None, n_jobs=None, l1_ratio=0.5,
                        feature_names=None, figsize=None):
        """Fit and draw the comparison.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data.
        y : array-like of shape (n_samples,)
            Targets: continuous (regression) or class labels (classification).
        estimators : dict of str to estimator, default=None
            Models to compare, each with an ``alpha`` or ``C`` parameter. None:
            skreg's ``Lasso``, ``Ridge`` and ``ElasticNet(l1_ratio=l1_ratio)``
            for a continuous ``y``; ``LogisticRegression`` with
            ``l1_ratio`` 1, 0 and ``l1_ratio`` for class labels. Labels are
            two distinct values, or integers / strings / booleans; float
            targets with more than two values are treated as regression
            (pass ``estimators`` to decide otherwise).
        n_alphas : int, default=50
            Points of each path.
        n_validation : int, default=12
            Points of each validation curve (each costs ``cv`` fits), taken
            evenly (in log scale) across the path's grid.
        eps : float, default=1e-3
            Ratio of the weakest to the strongest strength of each grid.
        cv : int or cross-validation generator, default=5
            Passed to ``ValidationCurveDisplay.from_estimator``.
        scoring : str or callable, default=None
            Score of the validation curves; None is the estimator's ``score``
            (R^2 or accuracy).
        n_jobs : int, default=None
            Parallel jobs for the validation curves.
        l1_ratio : float, default=0.5
            Mix of the default elastic net.
        feature_names : list of str, default=None
            Legend labels of the paths.
        figsize : tuple of float, default=None
            Figure size; None scales with the number of estimators.

        Returns
        -------
        display : PenaltyComparisonDisplay
        """
        import matplotlib.pyplot as plt
        from sklearn.model_selection import ValidationCurveDisplay

        if estimators is None:
            estimators = default_estimators(y, l1_ratio=l1_ratio)
        if not estimators:
            raise ValueError("estimators is empty: give at least one model to compare.")
        if n_validation < 2:
            raise ValueError(f"n_validation must be >= 2, got {n_validation}.")
        names = list(estimators)
        if scoring is None:
            # the estimators' own score: accuracy for classifiers, R^2 for
            # regressors (not guessed from y: an integer target may be
            # regressed)
            kinds = {is_classifier(est) for est in estimators.values()}
            score_name = ("accuracy" if kinds == {True} else
                          "R^2" if kinds == {False} else "score")
        else:
            score_name = scoring if isinstance(scoring, str) else "score"
        n = len(names)
        fig, axes = plt.subplots(2, n, figsize=figsize or (4.2 * n, 7.0), squeeze=False)
        path_displays, validation_displays, best = [], [], {}
        for col, name in enumerate(names):
            est = estimators[name]
            strength = strength_param(est)
            grid = default_grid(est, X, y, n_points=n_alphas, eps=eps)
            path = RegularizationPathDisplay.from_estimator(
                est, X, y, alphas=grid, feature_names=feature_names, ax=axes[0, col],
                max_legend=0 if col else 12,
            )
            path.ax_.set_title(name)
            positions = np.linspace(0, grid.size - 1, n_validation)
            idx = np.unique(np.round(positions).astype(int))
            vc = ValidationCurveDisplay.from_estimator(
                est, X, y, param_name=strength, param_range=np.sort(grid[idx]),
                cv=cv, scoring=scoring, n_jobs=n_jobs, ax=axes[1, col],
                score_name=score_name,
            )
            vc.ax_.set_xscale("log")
            mean_test = vc.test_scores.mean(axis=1)
            best[name] = float(vc.param_range[int(np.nanargmax(mean_test))])
            path_displays.append(path)
            validation_displays.append(vc)
        fig.tight_layout()
        disp = cls(path_displays, validation_displays, names)
        disp.axes_ = axes
        disp.figure_ = fig
        disp.best_strengths_ = best
        return disp
