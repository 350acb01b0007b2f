"""PenaltyComparisonDisplay: L1 / L2 / elastic net side by side."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes, make_classification
from sklearn.model_selection import ValidationCurveDisplay

import skreg as lm
from skreg.plotting import PenaltyComparisonDisplay, RegularizationPathDisplay


def test_regression_comparison_has_path_and_validation_curve_per_penalty():
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:150], y[:150]
    estimators = {"L1": lm.Lasso(), "L2": lm.Ridge(),
                  "EN": lm.ElasticNet(l1_ratio=0.5)}
    disp = PenaltyComparisonDisplay.from_estimators(
        X, y, estimators, n_alphas=15, n_validation=5, cv=3
    )
    assert disp.axes_.shape == (2, 3)
    assert [ax.get_title() for ax in disp.axes_[0]] == ["L1", "L2", "EN"]
    for col, path in enumerate(disp.path_displays):
        assert isinstance(path, RegularizationPathDisplay)
        assert path.ax_ is disp.axes_[0, col]
        assert len(path.lines_) == X.shape[1]
        assert path.ax_.get_xscale() == "log"
    for col, vc in enumerate(disp.validation_displays):
        assert isinstance(vc, ValidationCurveDisplay)
        assert vc.ax_ is disp.axes_[1, col]
        assert vc.ax_.get_xscale() == "log"
        assert len(vc.param_range) == 5
        assert vc.test_scores.shape == (5, 3)
        assert vc.ax_.get_ylabel() == "R^2"
    # L1 reaches an empty model at the top of its grid, L2 never does.
    assert disp.path_displays[0].nonzero_line_.get_ydata()[0] == 0
    assert np.all(disp.path_displays[1].nonzero_line_.get_ydata() == X.shape[1])
    # The reported best strength is the argmax of the mean validation score.
    vc = disp.validation_displays[0]
    best = vc.param_range[np.argmax(vc.test_scores.mean(axis=1))]
    assert_allclose(disp.best_strengths_["L1"], best)


def test_default_estimators_for_classification_are_l1_l2_en_logistic():
    X, y = make_classification(n_samples=90, n_features=5, random_state=0)
    disp = PenaltyComparisonDisplay.from_estimators(X, y, n_alphas=6, n_validation=3,
                                                    cv=3)
    assert disp.axes_.shape == (2, 3)
    counts = [p.nonzero_line_.get_ydata() for p in disp.path_displays]
    assert counts[0][0] == 0  # L1 logistic at its critical C is empty
    assert np.all(counts[1] == X.shape[1])  # L2 keeps every feature
    assert disp.path_displays[0].ax_.get_xlabel().startswith("C")
    assert disp.validation_displays[0].ax_.get_ylabel() == "accuracy"


def test_empty_estimators_and_bad_n_validation():
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="estimators is empty"):
        PenaltyComparisonDisplay.from_estimators(X, y, {})
    with pytest.raises(ValueError, match="n_validation"):
        PenaltyComparisonDisplay.from_estimators(X, y, {"L1": lm.Lasso()},
                                                 n_validation=1)


def test_default_estimators_follow_the_target_type():
    from skreg.plotting._compare import default_estimators

    # Integer-valued float targets (diabetes) are regression, not 214 classes.
    _, y = load_diabetes(return_X_y=True)
    assert {type(e).__name__ for e in default_estimators(y).values()} == {
        "Lasso", "Ridge", "ElasticNet"}
    for labels in ([0, 1, 2, 1], ["a", "b", "a", "b"], [0.0, 1.0, 1.0, 0.0]):
        models = default_estimators(np.array(labels), l1_ratio=0.3)
        assert [m.l1_ratio for m in models.values()] == [1.0, 0.0, 0.3]
        assert all(type(m).__name__ == "LogisticRegression" for m in models.values())


def test_score_label_follows_the_estimators_not_the_target():
    # regressors on an integer-valued target (counts) were labelled
    # "accuracy" while the curves showed R^2
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = rng.integers(0, 30, size=80)
    disp = PenaltyComparisonDisplay.from_estimators(
        X, y, {"L1": lm.Lasso(), "L2": lm.Ridge()}, n_alphas=5, n_validation=3, cv=3)
    assert disp.validation_displays[0].ax_.get_ylabel() == "R^2"
