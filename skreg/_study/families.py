"""Model families of a study and their default regularization grids.

A family builds an estimator that chooses its own regularization when fitted
(a path-based CV estimator where skreg has one, a grid search otherwise), and
then reads back what it chose and the validation curve around it.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import skreg

# Default grids: wide enough to show under- and overfitting on standardized data.
N_ALPHAS = 30
ENET_L1_RATIOS = (0.1, 0.5, 0.7, 0.9, 0.95, 0.99)
RIDGE_ALPHAS = np.logspace(-3, 4, N_ALPHAS)
LOGISTIC_CS = 20
MLP_ALPHAS = np.logspace(-4, 1, 6)
MLP_DROPOUTS = (0.0, 0.2)
MLP_HIDDEN = (64,)


@dataclass
class Curve:
    """Train and validation scores along one regularization parameter."""

    param_name: str
    param_range: np.ndarray
    chosen_index: int
    # Filled by the family when the selection already computed them (grid
    # search); otherwise the runner computes them with ``estimator``.
    train_scores: np.ndarray | None = None
    test_scores: np.ndarray | None = None
    estimator: object = None


@dataclass
class Selection:
    """What a fitted family chose."""

    best_params: dict
    model: object  # the fitted final estimator (last pipeline step)
    curve: Curve


def _nearest(grid, value):
    grid = np.asarray(grid, dtype=float)
    return int(np.argmin(np.abs(np.log(grid) - np.log(float(value)))))


def _linear_pipeline(preprocessor, model):
    return Pipeline([("prep", preprocessor), ("model", model)])


class Family(ABC):
    """A name, a label, the tasks it applies to, and the two steps below."""

    name = ""
    label = ""
    tasks = ("regression", "classification")

    @abstractmethod
    def estimator(self, data, settings, preprocessor):
        """An unfitted estimator whose ``fit(X, y)`` chooses the regularization."""

    @abstractmethod
    def select(self, fitted, data):
        """Read the choice and its validation curve off the fitted estimator."""

    def notes(self, data, settings):
        """Messages for the user about how this family adapts to the data."""
        return []


class _LogisticFamily(Family):
    """Penalized logistic regression with C chosen by LogisticRegressionCV."""

    tasks = ("classification",)
    l1_ratios = (1.0,)

    def estimator(self, data, settings, preprocessor):
        model = skreg.LogisticRegressionCV(
            Cs=LOGISTIC_CS,
            l1_ratios=list(self.l1_ratios),
            cv=settings.splitter,
            scoring=settings.scoring,
            max_iter=1000,
            n_jobs=settings.n_jobs,
            random_state=settings.seed,
            selection_rule=settings.selection_rule,
        )
        return _linear_pipeline(preprocessor, model)

    def select(self, fitted, data):
        model = fitted.named_steps["model"]
        C = float(np.ravel(model.C_)[0])
        l1_ratio = float(np.ravel(model.l1_ratio_)[0])
        Cs = np.asarray(model.Cs_, dtype=float)
        curve = Curve(
            "C", Cs, _nearest(Cs, C),
            estimator=skreg.LogisticRegression(l1_ratio=l1_ratio, max_iter=1000),
        )
        return Selection({"C": C, "l1_ratio": l1_ratio}, model, curve)


# scorers that rank a regression path as the mean squared error does
_MSE_LIKE = {"r2", "neg_mean_squared_error", "neg_root_mean_squared_error"}


def _mse_selection_note(name, data, settings):
    """LassoCV / ElasticNetCV choose alpha by CV MSE whatever --scoring says."""
    if data.task == "classification" or settings.scoring in _MSE_LIKE:
        return []
    return [f"{name}: alpha is chosen by cross-validated mean squared error (the "
            f"coordinate-descent CV estimators have no scoring option); "
            f"{settings.scoring} is reported at that alpha"]


class LassoFamily(Family):
    name, label = "lasso", "Lasso (L1)"

    def notes(self, data, settings):
        return _mse_selection_note(self.name, data, settings)

    def estimator(self, data, settings, preprocessor):
        if data.task == "classification":
            return _L1Logistic().estimator(data, settings, preprocessor)
        model = skreg.LassoCV(
            alphas=N_ALPHAS, cv=settings.splitter, n_jobs=settings.n_jobs,
            random_state=settings.seed, selection_rule=settings.selection_rule,
        )
        return _linear_pipeline(preprocessor, model)

    def select(self, fitted, data):
        if data.task == "classification":
            return _L1Logistic().select(fitted, data)
        model = fitted.named_steps["model"]
        alphas = np.asarray(model.alphas_)
        curve = Curve("alpha", alphas, _nearest(alphas, model.alpha_),
                      estimator=skreg.Lasso())
        return Selection({"alpha": float(model.alpha_)}, model, curve)


class ElasticNetFamily(Family):
    name, label = "elasticnet", "Elastic net"

    def notes(self, data, settings):
        return _mse_selection_note(self.name, data, settings)

    def estimator(self, data, settings, preprocessor):
        if data.task == "classification":
            return _ENLogistic().estimator(data, settings, preprocessor)
        model = skreg.ElasticNetCV(
            l1_ratio=list(ENET_L1_RATIOS), alphas=N_ALPHAS, cv=settings.splitter,
            n_jobs=settings.n_jobs, random_state=settings.seed,
            selection_rule=settings.selection_rule,
        )
        return _linear_pipeline(preprocessor, model)

    def select(self, fitted, data):
        if data.task == "classification":
            return _ENLogistic().select(fitted, data)
        model = fitted.named_steps["model"]
        alphas = np.asarray(model.alphas_)
        if alphas.ndim == 2:
            alphas = alphas[list(ENET_L1_RATIOS).index(model.l1_ratio_)]
        curve = Curve("alpha", alphas, _nearest(alphas, model.alpha_),
                      estimator=skreg.ElasticNet(l1_ratio=model.l1_ratio_))
        params = {"alpha": float(model.alpha_), "l1_ratio": float(model.l1_ratio_)}
        return Selection(params, model, curve)


class RidgeFamily(Family):
    name, label = "ridge", "Ridge (L2)"

    def estimator(self, data, settings, preprocessor):
        if data.task == "classification":
            return _L2Logistic().estimator(data, settings, preprocessor)
        # Efficient leave-one-out over the whole grid (one SVD / eigh),
        # scored with the study's scorer
        return _linear_pipeline(
            preprocessor, skreg.RidgeCV(alphas=RIDGE_ALPHAS, scoring=settings.scoring))

    def select(self, fitted, data):
        if data.task == "classification":
            return _L2Logistic().select(fitted, data)
        model = fitted.named_steps["model"]
        curve = Curve("alpha", RIDGE_ALPHAS, _nearest(RIDGE_ALPHAS, model.alpha_),
                      estimator=skreg.Ridge())
        return Selection({"alpha": float(model.alpha_)}, model, curve)


class _L1Logistic(_LogisticFamily):
    name, label, l1_ratios = "lasso", "Logistic L1", (1.0,)


class _L2Logistic(_LogisticFamily):
    name, label, l1_ratios = "ridge", "Logistic L2", (0.0,)


class _ENLogistic(_LogisticFamily):
    name, label, l1_ratios = "elasticnet", "Logistic elastic net", (0.5,)


class LogisticFamily(_LogisticFamily):
    name, label, l1_ratios = "logistic", "Logistic (L1/EN/L2)", (0.0, 0.5, 1.0)


class MLPFamily(Family):
    name, label = "mlp", "MLP"

    @staticmethod
    def _prefix(data):
        # A regressor learns a standardized target (an MLP with a default
        # learning rate cannot fit a target in the hundreds within max_iter).
        return "model__" if data.task == "classification" else "model__regressor__"

    @staticmethod
    def _early_stopping(data, settings):
        """``(early_stopping, validation_fraction)`` for the smallest training fold.

        A validation split needs two rows (a regressor's score); a
        classifier's is stratified: it needs every class at least twice in
        the training fold and room for one row per class. The fraction is
        widened up to 0.3 for that, else early stopping is turned off.
        """
        cv = settings.cv
        n_train = len(data.y) - -(-len(data.y) // cv)
        if data.task != "classification":
            fraction = max(0.1, 2 / n_train)
            return (True, fraction) if fraction <= 0.3 else (False, 0.1)
        _, counts = np.unique(data.y.astype(str), return_counts=True)
        rarest = counts.min() - -(-counts.min() // cv)
        fraction = max(0.1, (counts.size + 1) / n_train)
        if rarest < 2 or fraction > 0.3:
            return False, 0.1
        return True, fraction

    def notes(self, data, settings):
        if self._early_stopping(data, settings)[0]:
            return []
        split = ("a stratified validation split with every class"
                 if data.task == "classification" else "a validation split")
        return [f"{self.name}: early stopping is off: a training fold is too small "
                f"for {split}"]

    def estimator(self, data, settings, preprocessor):
        classify = data.task == "classification"
        cls = skreg.MLPClassifier if classify else skreg.MLPRegressor
        early_stopping, fraction = self._early_stopping(data, settings)
        model = cls(
            hidden_layer_sizes=MLP_HIDDEN, early_stopping=early_stopping,
            validation_fraction=fraction, max_iter=300, n_iter_no_change=20,
            random_state=settings.seed,
        )
        if not classify:
            model = TransformedTargetRegressor(model, transformer=StandardScaler())
        prefix = self._prefix(data)
        grid = {f"{prefix}alpha": list(MLP_ALPHAS),
                f"{prefix}dropout": list(MLP_DROPOUTS)}
        return GridSearchCV(
            Pipeline([("prep", preprocessor), ("model", model)]), grid,
            cv=settings.splitter, scoring=settings.scoring, n_jobs=settings.n_jobs,
            return_train_score=True,
        )

    def select(self, fitted, data):
        prefix = self._prefix(data)
        alpha_key, dropout_key = f"{prefix}alpha", f"{prefix}dropout"
        best, results = fitted.best_params_, fitted.cv_results_
        # The validation curve runs along alpha at the chosen dropout rate.
        rows = [i for i, p in enumerate(results["params"])
                if p[dropout_key] == best[dropout_key]]
        rows.sort(key=lambda i: results["params"][i][alpha_key])
        splits = range(fitted.n_splits_)
        train, test = (
            np.array([[results[f"split{k}_{kind}_score"][i] for k in splits]
                      for i in rows])
            for kind in ("train", "test")
        )
        alphas = np.array([results["params"][i][alpha_key] for i in rows])
        curve = Curve("alpha", alphas, _nearest(alphas, best[alpha_key]),
                      train_scores=train, test_scores=test)
        params = {"alpha": float(best[alpha_key]),
                  "dropout": float(best[dropout_key])}
        model = fitted.best_estimator_.named_steps["model"]
        model = getattr(model, "regressor_", model)
        return Selection(params, model, curve)


FAMILIES = {f.name: f for f in (LassoFamily(), RidgeFamily(), ElasticNetFamily(),
                                 LogisticFamily(), MLPFamily())}
DEFAULT_MODELS = {
    "regression": ("lasso", "ridge", "elasticnet", "mlp"),
    "classification": ("logistic", "mlp"),
}
