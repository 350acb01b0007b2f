"""Run a regularization study: one tuned model per family, scored alike."""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import KFold, StratifiedKFold, validation_curve
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .data import StudyError
from .families import DEFAULT_MODELS, FAMILIES


@dataclass
class Settings:
    """What the command line asked for, resolved."""

    models: tuple
    cv: int = 5
    scoring: str | None = None
    n_jobs: int | None = None
    seed: int = 0
    selection_rule: str = "min"
    splitter: object = None


@dataclass
class ModelResult:
    """One family's outcome; the numbers the report shows."""

    name: str
    label: str
    best_params: dict
    cv_score_mean: float
    cv_score_std: float
    train_score_mean: float
    generalization_gap: float
    n_nonzero: int | None
    n_coefficients: int | None
    fit_seconds: float
    selection: object = field(repr=False, default=None)
    fitted: object = field(repr=False, default=None)

    def as_dict(self):
        return {
            "model": self.name,
            "label": self.label,
            "best_params": self.best_params,
            "cv_score_mean": self.cv_score_mean,
            "cv_score_std": self.cv_score_std,
            "train_score_mean": self.train_score_mean,
            "generalization_gap": self.generalization_gap,
            "n_nonzero": self.n_nonzero,
            "n_coefficients": self.n_coefficients,
            "fit_seconds": self.fit_seconds,
        }


def resolve_settings(data, models=None, cv=5, scoring=None, n_jobs=None, seed=0,
                     selection_rule="min"):
    """Check the study options against the data; raise :class:`StudyError`."""
    if cv < 2:
        raise StudyError(f"--cv must be at least 2; got {cv}")
    names = DEFAULT_MODELS[data.task] if not models else tuple(models)
    unknown = [m for m in names if m not in FAMILIES]
    if unknown:
        raise StudyError(
            f"unknown model family {', '.join(unknown)}; choose from "
            + ", ".join(FAMILIES)
        )
    unfit = [m for m in names if data.task not in FAMILIES[m].tasks]
    if unfit:
        raise StudyError(
            f"model family {', '.join(unfit)} does not apply to {data.task}"
        )
    if scoring is None:
        scoring = "r2" if data.task == "regression" else "accuracy"
    if scoring not in get_scorer_names():
        raise StudyError(
            f"unknown scoring {scoring!r}; see sklearn.metrics.get_scorer_names()"
        )
    check_scoring_fits_task(scoring, data)
    if n_jobs == 0:
        raise StudyError("--n-jobs must not be 0 (use -1 for all cores)")
    if not 0 <= seed < 2**32:
        raise StudyError(f"--seed must be between 0 and 2**32 - 1; got {seed}")
    if data.task == "classification":
        splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)
    else:
        splitter = KFold(cv, shuffle=True, random_state=seed)
    return Settings(tuple(dict.fromkeys(names)), cv, scoring, n_jobs, seed,
                    selection_rule, splitter)


# where scikit-learn keeps each kind of metric (a module-name test: if it
# ever moves, the trial scoring below still catches most mismatches)
_METRIC_MODULES = {
    "regression": ("._regression",),
    "classification": ("._classification", "._ranking", "._scorer"),
}


def check_scoring_fits_task(scoring, data):
    """Refuse a scorer that cannot score this target, before any fit.

    A regression metric on class labels (or the reverse), or a binary-only
    metric on a multiclass target, would make every cross-validation score
    NaN. The scorer is tried on a constant (dummy) model of the target.
    """
    scorer = get_scorer(scoring)
    module = getattr(getattr(scorer, "_score_func", None), "__module__", "") or ""
    other = "classification" if data.task == "regression" else "regression"
    if module.endswith(_METRIC_MODULES[other]) or ".cluster" in module:
        kind = "clustering" if ".cluster" in module else other
        raise StudyError(
            f"scoring {scoring!r} is a {kind} metric; the target is a "
            f"{data.task} target (see --task)"
        )
    dummy = (DummyRegressor() if data.task == "regression"
             else DummyClassifier(strategy="stratified", random_state=0))
    blank = np.zeros((len(data.y), 1))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = scorer(dummy.fit(blank, data.y), blank, data.y)
    except (ValueError, TypeError, AttributeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StudyError(
            f"scoring {scoring!r} cannot score this {data.task} target: {reason}"
        ) from exc
    if not np.isfinite(value):
        raise StudyError(
            f"scoring {scoring!r} gives {value} on this {data.task} target"
        )


def make_preprocessor(data):
    """Impute, standardize numeric columns and one-hot encode categorical ones."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler())])
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
    ])
    return ColumnTransformer(
        [("num", numeric, data.numeric_columns),
         ("cat", categorical, data.categorical_columns)],
        verbose_feature_names_out=False,
    )


def _count_nonzero(model):
    coef = getattr(model, "coef_", None)
    if coef is None:
        return None, None
    coef = np.atleast_2d(coef)
    # A feature counts once however many classes or targets use it.
    return int(np.any(coef != 0, axis=0).sum()), int(coef.shape[1])


def run_family(family, data, settings, progress):
    """Select the regularization of one family and score it."""
    progress.step(f"{family.name}: choosing the regularization")
    start = time.perf_counter()
    fitted = family.estimator(data, settings, make_preprocessor(data))
    fitted.fit(data.X, data.y)
    selection = family.select(fitted, data)
    curve = selection.curve
    progress.step(f"{family.name}: validation curve over {curve.param_name}")
    if curve.train_scores is None:
        pipe = Pipeline([("prep", make_preprocessor(data)),
                         ("model", curve.estimator)])
        curve.train_scores, curve.test_scores = validation_curve(
            pipe, data.X, data.y, param_name=f"model__{curve.param_name}",
            param_range=curve.param_range, cv=settings.splitter,
            scoring=settings.scoring, n_jobs=settings.n_jobs,
        )
    seconds = time.perf_counter() - start
    i = curve.chosen_index
    test_mean = float(np.mean(curve.test_scores[i]))
    train_mean = float(np.mean(curve.train_scores[i]))
    n_nonzero, n_coef = _count_nonzero(selection.model)
    return ModelResult(
        name=family.name, label=family.label, best_params=selection.best_params,
        cv_score_mean=test_mean, cv_score_std=float(np.std(curve.test_scores[i])),
        train_score_mean=train_mean, generalization_gap=train_mean - test_mean,
        n_nonzero=n_nonzero, n_coefficients=n_coef, fit_seconds=seconds,
        selection=selection, fitted=fitted,
    )


def run_study(data, settings, progress):
    """Run every requested family; return results and collected warnings."""
    results, notes = [], []
    for name in settings.models:
        notes.extend(FAMILIES[name].notes(data, settings))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            results.append(run_family(FAMILIES[name], data, settings, progress))
        n_conv = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        if n_conv:
            notes.append(f"{name}: {n_conv} fits stopped at max_iter before "
                         "reaching tol (ConvergenceWarning)")
    return results, notes

