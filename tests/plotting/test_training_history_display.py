"""TrainingHistoryDisplay: curves, axes and the marked epoch."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_regression

import skreg
from skreg.plotting import TrainingHistoryDisplay


def test_from_history_draws_losses_scores_and_best_epoch():
    train = [1.0, 0.6, 0.4, 0.3, 0.25]
    val = [1.1, 0.8, 0.7, 0.75, 0.8]
    disp = TrainingHistoryDisplay.from_history(
        train, validation_loss=val, validation_score=[0.5, 0.6, 0.7, 0.68, 0.66],
        train_score=[0.5, 0.65, 0.75, 0.8, 0.85], best_epoch=2,
    )
    assert set(disp.lines_) == {"train_loss", "validation_loss", "train_score",
                                "validation_score"}
    assert len(disp.ax_.get_lines()) == 3  # two losses + best-epoch mark
    assert len(disp.ax_score_.get_lines()) == 2
    assert_allclose(disp.lines_["train_loss"].get_xdata(), [1, 2, 3, 4, 5])
    assert_allclose(disp.lines_["validation_loss"].get_ydata(), val)
    # best_epoch is 0-based; epochs are drawn from 1.
    assert disp.best_epoch_line_.get_xdata()[0] == 3
    assert disp.ax_.get_xlabel() == "epoch"
    assert disp.ax_.get_ylabel() == "loss"
    assert disp.ax_score_.get_ylabel() == "score"
    assert disp.ax_.get_xscale() == "linear"
    assert disp.figure_ is disp.ax_.figure


def test_train_loss_only_has_no_score_axis_and_no_mark():
    disp = TrainingHistoryDisplay.from_history([3.0, 2.0, 1.0])
    assert list(disp.lines_) == ["train_loss"]
    assert disp.ax_score_ is None
    assert disp.best_epoch_line_ is None


def test_show_score_false_hides_scores():
    disp = TrainingHistoryDisplay.from_history(
        [3.0, 2.0], validation_score=[0.1, 0.2], show_score=False
    )
    assert disp.ax_score_ is None
    assert "validation_score" not in disp.lines_


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"train_loss": []}, "empty"),
        ({"train_loss": [1.0, np.inf]}, "infinite"),
        ({"train_loss": [1.0, 0.5], "validation_loss": [1.0]}, "1 epochs"),
        ({"train_loss": [1.0, 0.5], "best_epoch": 2}, "best_epoch"),
        ({"train_loss": [1.0, 0.5], "best_epoch": 0.5}, "best_epoch"),
    ],
)
def test_bad_history_gives_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainingHistoryDisplay.from_history(**kwargs)


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning on purpose-short fits
        return model.fit(X, y)


def test_from_estimator_classifier_with_early_stopping_marks_kept_epoch():
    X, y = make_classification(n_samples=200, n_features=8, random_state=0)
    model = _fit(skreg.MLPClassifier(hidden_layer_sizes=(16,), max_iter=40,
                                     early_stopping=True, monitor="val_loss",
                                     n_iter_no_change=5, random_state=0), X, y)
    disp = TrainingHistoryDisplay.from_estimator(model)
    n_epochs = len(model.loss_curve_)
    assert_allclose(disp.lines_["train_loss"].get_ydata(), model.loss_curve_)
    assert_allclose(disp.lines_["validation_loss"].get_ydata(),
                    model.validation_loss_curve_)
    assert_allclose(disp.lines_["validation_score"].get_ydata(),
                    model.validation_scores_)
    assert_allclose(disp.lines_["train_score"].get_ydata(), model.train_score_curve_)
    assert len(disp.lines_["validation_score"].get_xdata()) == n_epochs
    # The kept epoch has the lowest validation loss (up to the improvement
    # threshold tol), and is drawn 1-based.
    val_loss = np.asarray(model.validation_loss_curve_)
    assert val_loss[model.best_epoch_] <= val_loss.min() + model.tol
    assert disp.best_epoch_line_.get_xdata()[0] == model.best_epoch_ + 1
    assert disp.ax_.get_xlabel() == "epoch"
    assert disp.ax_score_.get_ylabel() == "score"


def test_from_estimator_regressor_without_validation_marks_nothing():
    X, y = make_regression(n_samples=100, n_features=5, noise=1.0, random_state=0)
    model = _fit(skreg.MLPRegressor(hidden_layer_sizes=(8,), max_iter=15,
                                    random_state=0), X, y)
    disp = TrainingHistoryDisplay.from_estimator(model)
    assert len(disp.lines_["train_loss"].get_xdata()) == len(model.loss_curve_)
    assert "validation_loss" not in disp.lines_
    assert "validation_score" not in disp.lines_
    assert disp.best_epoch_line_ is None


def test_from_estimator_lbfgs_history_is_per_iteration():
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    model = _fit(skreg.MLPRegressor(solver="lbfgs", hidden_layer_sizes=(4,),
                                    max_iter=20, random_state=0), X, y)
    disp = TrainingHistoryDisplay.from_estimator(model)
    assert disp.ax_.get_xlabel() == "L-BFGS iteration"
    assert_allclose(disp.lines_["train_loss"].get_ydata(), model.loss_curve_)


def test_from_estimator_scikit_learn_mlp_marks_best_validation_score():
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(n_samples=200, n_features=8, random_state=0)
    model = _fit(MLPClassifier(hidden_layer_sizes=(16,), max_iter=30,
                               early_stopping=True, random_state=0), X, y)
    disp = TrainingHistoryDisplay.from_estimator(model)
    best = int(np.argmax(model.validation_scores_))
    assert disp.best_epoch_line_.get_xdata()[0] == best + 1
    assert "validation_loss" not in disp.lines_


def test_from_estimator_requires_fitted_model_with_history():
    from sklearn.exceptions import NotFittedError
    from sklearn.neural_network import MLPRegressor

    with pytest.raises(NotFittedError):
        TrainingHistoryDisplay.from_estimator(skreg.MLPRegressor())
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    model = _fit(MLPRegressor(solver="lbfgs", hidden_layer_sizes=(4,), max_iter=20,
                              random_state=0), X, y)
    with pytest.raises(ValueError, match="loss_curve_"):
        TrainingHistoryDisplay.from_estimator(model)


def test_validation_set_without_early_stopping_draws_curves_but_no_mark():
    X, y = make_classification(n_samples=160, n_features=6, random_state=0)
    model = _fit_val(skreg.MLPClassifier(hidden_layer_sizes=(8,), max_iter=12,
                                         random_state=0), X[:100], y[:100],
                     X[100:], y[100:])
    disp = TrainingHistoryDisplay.from_estimator(model)
    assert_allclose(disp.lines_["validation_loss"].get_ydata(),
                    model.validation_loss_curve_)
    assert disp.best_epoch_line_ is None


def _fit_val(model, X, y, X_val, y_val):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y, X_val=X_val, y_val=y_val)


def test_all_nan_validation_scores_mark_no_epoch():
    # a history whose validation scores are all NaN: numpy's "All-NaN slice
    # encountered" used to escape from the best-epoch search
    from types import SimpleNamespace

    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    model = SkMLPClassifier(early_stopping=True)
    fitted = SimpleNamespace(loss_curve_=[1.0, 0.8, 0.7],
                             validation_scores_=[np.nan] * 3)
    for name, value in vars(fitted).items():
        setattr(model, name, value)
    model.n_iter_ = 3  # what check_is_fitted looks for
    disp = TrainingHistoryDisplay.from_estimator(model)
    assert disp.best_epoch is None
