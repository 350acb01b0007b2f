"""Regularization path display: coefficients against the penalty strength."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._grid import (
    default_grid,
    is_cv_estimator,
    refit_path,
    single_fit_counterpart,
    strength_param,
)

_X_AXES = ("alpha", "C", "1/C")


class RegularizationPathDisplay:
    """Coefficients of a linear model along its regularization path.

    Each coefficient is one line against the regularization strength on a
    logarithmic x axis; the number of non-zero coefficients is drawn as a step
    line on a second y axis (right). Optional vertical lines mark the
    strengths chosen by cross-validation: the minimum of the mean CV error
    (``alpha_min``) and the one-standard-error choice (``alpha_1se``).

    Reading the picture: with an L1 penalty (Lasso) coefficients leave zero one
    by one as the penalty weakens; with L2 (Ridge) they all grow together and
    are never exactly zero; the elastic net is in between.

    Create it with :meth:`from_estimator` or :meth:`from_path`; the
    constructor only stores the arrays.

    Parameters
    ----------
    alphas : ndarray of shape (n_grid,)
        Regularization strengths (alpha, C or 1/C according to ``x_axis``).
    coefs : ndarray of shape (n_features, n_grid) or (n_rows, n_features, n_grid)
        Coefficients at each strength. The 3-D form holds one row per output
        or class (multi-output regression, multinomial logistic regression).
    alpha_min : float, default=None
        Strength minimizing the mean cross-validated error; marked if given.
    alpha_1se : float, default=None
        Largest (most regularized) strength within one standard error of the
        minimum; marked if given.
    feature_names : list of str, default=None
        Names used as legend labels (the legend is drawn for at most
        ``max_legend`` features).
    x_axis : {"alpha", "C", "1/C"}, default="alpha"
        What ``alphas`` holds, used for the axis label. For the logistic
        models, ``C`` is the inverse strength (large C = weak penalty);
        ``"1/C"`` plots the strength itself so that the picture reads like
        a Lasso path.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per coefficient (per row and feature for 3-D ``coefs``).
    nonzero_line_ : matplotlib Line2D
        Number of non-zero coefficients, on ``ax_nonzero_``.
    mark_lines_ : dict of str to matplotlib Line2D
        Vertical lines at ``"alpha_min"`` and / or ``"alpha_1se"``.
    ax_ : matplotlib Axes
        Axes with the coefficient lines.
    ax_nonzero_ : matplotlib Axes
        Twin axes with the non-zero count.
    figure_ : matplotlib Figure
        Figure containing the axes.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.plotting import RegularizationPathDisplay
    >>> alphas = np.array([1.0, 0.1, 0.01])
    >>> coefs = np.array([[0.0, 0.5, 1.0], [0.0, 0.0, -0.3]])
    >>> disp = RegularizationPathDisplay.from_path(alphas, coefs)
    >>> len(disp.lines_)
    2
    """

    def __init__(self, alphas, coefs, *, alpha_min=None, alpha_1se=None,
                 feature_names=None, x_axis="alpha"):
        self.alphas = alphas
        self.coefs = coefs
        self.alpha_min = alpha_min
        self.alpha_1se = alpha_1se
        self.feature_names = feature_names
        self.x_axis = x_axis

    def _validated(self):
        if self.x_axis not in _X_AXES:
            raise ValueError(f"x_axis must be one of {_X_AXES}, got {self.x_axis!r}.")
        alphas = np.asarray(self.alphas, dtype=float).ravel()
        coefs = np.asarray(self.coefs, dtype=float)
        if alphas.size == 0:
            raise ValueError("alphas is empty: a path needs at least one strength.")
        if not np.all(np.isfinite(alphas)) or np.any(alphas <= 0):
            raise ValueError("alphas must be finite and positive (log-scaled axis).")
        if coefs.ndim not in (2, 3) or coefs.shape[-1] != alphas.size:
            raise ValueError(
                "coefs must have shape (n_features, n_alphas) or (n_rows, n_features, "
                f"n_alphas) with n_alphas={alphas.size}; got shape {coefs.shape}."
            )
        if not np.all(np.isfinite(coefs)):
            raise ValueError("coefs contains NaN or infinite values.")
        n_features = coefs.shape[-2]
        if self.feature_names is not None and len(self.feature_names) != n_features:
            raise ValueError(
                f"feature_names has {len(self.feature_names)} entries for "
                f"{n_features} features."
            )
        return alphas, coefs

    def plot(self, ax=None, *, max_legend=12, line_kw=None, mark_kw=None):
        """Draw the path.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        max_legend : int, default=12
            Draw a legend of coefficient names only up to this many features.
        line_kw : dict, default=None
            Keyword arguments passed to ``ax.plot`` for the coefficient lines.
        mark_kw : dict, default=None
            Keyword arguments passed to ``ax.axvline`` for the CV marks.

        Returns
        -------
        display : RegularizationPathDisplay
            The display, with ``ax_``, ``ax_nonzero_`` and ``figure_`` set.
        """
        import matplotlib.pyplot as plt

        alphas, coefs = self._validated()
        if ax is None:
            _, ax = plt.subplots()
        rows = coefs if coefs.ndim == 3 else coefs[None]
        n_rows, n_features = rows.shape[:2]
        names = self.feature_names
        if names is None:
            names = [f"x{j}" for j in range(n_features)]
        line_kw = {"linewidth": 1.2, **(line_kw or {})}
        self.lines_ = []
        for r in range(n_rows):
            for j in range(n_features):
                label = names[j] if n_rows == 1 else f"{names[j]} [{r}]"
                (line,) = ax.plot(alphas, rows[r, j], label=label, **line_kw)
                self.lines_.append(line)
        ax.set_xscale("log")
        ax.axhline(0.0, color="black", linewidth=0.5)
        labels = {
            "alpha": "alpha (regularization strength)",
            "C": "C (inverse regularization strength)",
            "1/C": "1/C (regularization strength)",
        }
        ax.set_xlabel(labels[self.x_axis])
        ax.set_ylabel("coefficient")

        # A coefficient counts as non-zero if any row (output / class) uses it.
        nonzero = np.count_nonzero(np.any(rows != 0.0, axis=0), axis=0)
        ax_nonzero = ax.twinx()
        (self.nonzero_line_,) = ax_nonzero.step(
            alphas, nonzero, where="mid", color="grey", linestyle="--",
            linewidth=1.0, label="non-zero coefficients",
        )
        ax_nonzero.set_ylabel("non-zero coefficients")
        ax_nonzero.set_ylim(0, n_features * 1.05 + 0.5)

        mark_kw = {"linestyle": ":", "linewidth": 1.5, **(mark_kw or {})}
        self.mark_lines_ = {}
        for key, value, color, rule in (
            ("alpha_min", self.alpha_min, "tab:red", "min CV error"),
            ("alpha_1se", self.alpha_1se, "tab:green", "1-SE rule"),
        ):
            if value is not None:
                kw = {"color": color, **mark_kw}
                label = f"{self.x_axis} ({rule}) = {float(value):.3g}"
                self.mark_lines_[key] = ax.axvline(float(value), label=label, **kw)
        if n_features * n_rows <= max_legend or self.mark_lines_:
            handles = self.lines_ if n_features * n_rows <= max_legend else []
            handles = handles + list(self.mark_lines_.values())
            ax.legend(handles=handles, fontsize="small", loc="best")
        self.ax_ = ax
        self.ax_nonzero_ = ax_nonzero
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_path(cls, alphas, coefs, *, alpha_min=None, alpha_1se=None,
                  feature_names=None, x_axis="alpha", ax=None, **plot_kw):
        """Plot a path computed elsewhere.

        Accepts the output of :func:`skreg.lasso_path`, :func:`skreg.enet_path`
        (``alphas, coefs, dual_gaps``: pass the first two) or
        :func:`skreg.logistic_path` (``Cs, coefs, intercepts``, with
        ``x_axis="C"``).

        Parameters
        ----------
        alphas : array-like of shape (n_grid,)
            Regularization strengths.
        coefs : array-like of shape (n_features, n_grid) or (n_rows, n_features, n_grid)
            Coefficients along the path.
        alpha_min, alpha_1se : float, default=None
            Strengths to mark (e.g. ``LassoCV``'s ``alpha_min_`` and
            ``alpha_1se_``).
        feature_names : list of str, default=None
            Legend labels.
        x_axis : {"alpha", "C", "1/C"}, default="alpha"
            What ``alphas`` holds.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
        """
        disp = cls(alphas, coefs, alpha_min=alpha_min, alpha_1se=alpha_1se,
                   feature_names=feature_names, x_axis=x_axis)
        return disp.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, alphas=None, n_alphas=100, eps=1e-3,
                       sample_weight=None, feature_names=None, x_axis=None, ax=None,
                       **plot_kw):
        """Compute and plot the path of a linear estimator with its own parameters.

        The estimator (Lasso, ElasticNet, Ridge, LogisticRegression, or any
        estimator with an ``alpha`` or ``C`` parameter and ``coef_``) is cloned
        and refitted along the grid from strong to weak regularization,
        warm-started when it has an ``alpha`` and ``warm_start`` (models with
        a ``C`` are refitted from scratch at each point: a warm start at
        their loose default tolerance stalls at weak regularization); every
        other parameter (intercept, ``l1_ratio``, ``penalty_factor``,
        ``positive``, ``tol``...) is kept, so the path is the one of that
        estimator.

        For a *fitted* cross-validated estimator (``LassoCV``,
        ``ElasticNetCV``, ``RidgeCV``, ``LogisticRegressionCV``), the path
        uses its grid (``alphas_`` / ``Cs_``) and its chosen ``l1_ratio_``,
        refitting the matching single estimator (``LassoCV`` -> ``Lasso``...),
        and marks ``alpha_min_`` and ``alpha_1se_`` when the estimator has them
        (skreg's CV classes), else the chosen ``alpha_`` / ``C_``. An unfitted
        CV estimator is fitted on ``X, y`` first (on a clone).

        Parameters
        ----------
        estimator : estimator instance
            Linear estimator (fitted or not; only its parameters are used) or
            cross-validated linear estimator.
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        alphas : array-like, default=None
            Strengths to use (``alpha`` or ``C`` values, according to the
            estimator). None: the CV estimator's grid, or ``n_alphas`` values
            from the strength where every coefficient is zero down by a factor
            ``eps`` (for ``C``: up from the critical C by ``1/eps``; for Ridge:
            from 1e2 to 1e-5 times ``||X||_F^2``).
        n_alphas : int, default=100
            Grid size when ``alphas`` is None.
        eps : float, default=1e-3
            Ratio of the weakest to the strongest strength of the default grid.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to every ``fit``.
        feature_names : list of str, default=None
            Legend labels; by default ``estimator.feature_names_in_`` if X was a
            DataFrame, else ``x0, x1, ...``.
        x_axis : {"alpha", "C", "1/C"}, default=None
            None: ``"alpha"`` for alpha-parametrized models and ``"C"`` for the
            logistic models. ``"1/C"`` draws the logistic path against the
            penalty strength 1/C, increasing to the right like a Lasso path.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : RegularizationPathDisplay
        """
        from sklearn.base import clone

        strength = strength_param(estimator)
        if x_axis is None:
            x_axis = "C" if strength == "C" else "alpha"
        if strength == "alpha" and x_axis != "alpha":
            raise ValueError(f"x_axis={x_axis!r} is only for C-parametrized models.")
        if strength == "C" and x_axis == "alpha":
            raise ValueError("Use x_axis='C' or '1/C' for C-parametrized models.")

        marks = {}
        model = estimator
        if is_cv_estimator(estimator):
            cv_model = estimator
            try:
                check_is_fitted(cv_model)
            except Exception:  # NotFittedError: fit a clone, keep the user's object
                fit_kw = {}
                if sample_weight is not None:
                    fit_kw["sample_weight"] = sample_weight
                cv_model = clone(estimator).fit(X, y, **fit_kw)
            marks = _cv_marks(cv_model, strength)
            if alphas is None:
                alphas = _cv_grid(cv_model, strength)
            if feature_names is None:
                feature_names = getattr(cv_model, "feature_names_in_", None)
            model = single_fit_counterpart(cv_model)
        if feature_names is None:
            feature_names = getattr(estimator, "feature_names_in_", None)
        if feature_names is None and hasattr(X, "columns"):
            feature_names = [str(c) for c in X.columns]

        if alphas is None:
            grid = default_grid(model, X, y, n_points=n_alphas, eps=eps,
                                sample_weight=sample_weight)
        else:
            grid = np.asarray(alphas, dtype=float).ravel()
            if grid.size == 0 or np.any(~np.isfinite(grid)) or np.any(grid <= 0):
                raise ValueError(
                    "alphas must be a non-empty array of positive numbers."
                )
            # Warm starts go from strong to weak regularization.
            grid = np.sort(grid) if strength == "C" else np.sort(grid)[::-1]
        coefs = refit_path(model, X, y, grid, sample_weight=sample_weight)
        if x_axis == "1/C":
            grid = 1.0 / grid
            marks = {k: 1.0 / v for k, v in marks.items()}
        disp = cls(grid, coefs, feature_names=feature_names, x_axis=x_axis, **marks)
        return disp.plot(ax=ax, **plot_kw)


def _cv_grid(cv_model, strength):
    if strength == "C":
        return np.asarray(cv_model.Cs_, dtype=float)
    grid = getattr(cv_model, "alphas_", None)
    if grid is None:  # RidgeCV keeps its grid as the parameter
        grid = cv_model.alphas
    grid = np.asarray(grid, dtype=float)
    # ElasticNetCV with several l1_ratios keeps one grid per ratio.
    if grid.ndim == 2:
        ratios = np.atleast_1d(cv_model.l1_ratio)
        chosen = int(np.flatnonzero(ratios == cv_model.l1_ratio_)[0])
        grid = grid[chosen]
    return grid


def _cv_marks(cv_model, strength):
    """CV-chosen strengths: skreg's min / 1-SE pair, else the chosen one."""
    name = "C" if strength == "C" else "alpha"
    marks = {}
    for rule in ("min", "1se"):
        value = getattr(cv_model, f"{name}_{rule}_", None)
        if value is not None:
            marks[f"alpha_{rule}"] = float(np.ravel(value)[0])
    if not marks:
        # Only the chosen value is known; label it by the rule that chose it.
        rule = getattr(cv_model, "selection_rule", "min")
        key = "alpha_1se" if rule == "1se" else "alpha_min"
        marks[key] = float(np.ravel(getattr(cv_model, f"{name}_"))[0])
    return marks
