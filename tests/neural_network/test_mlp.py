"""Behaviour of MLPClassifier / MLPRegressor that users rely on."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from skreg import MLPClassifier, MLPRegressor
from skreg.neural_network._layers import Dropout

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_friedman1(n_samples=300, n_features=6, random_state=0)
    return X, y


def _same_model(a, b):
    for x, y in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(x, y)


# --------------------------------------------------------------------------
# scikit-learn compatibility
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ours, theirs",
    [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)],
)
def test_signature_is_a_superset_of_sklearn(ours, theirs):
    ours_params = inspect.signature(ours).parameters
    for name, param in inspect.signature(theirs).parameters.items():
        assert name in ours_params, name
        assert ours_params[name].default == param.default, name
        assert ours_params[name].kind == param.kind, name
    new = set(ours_params) - set(inspect.signature(theirs).parameters)
    defaults = {n: ours_params[n].default for n in new}
    # New regularizers are off by default.
    assert defaults["l1_ratio"] == 0 and defaults["dropout"] == 0
    assert defaults["batch_norm"] is False and defaults["noise_std"] == 0
    assert defaults["mixup_alpha"] == 0 and defaults["weight_decay"] == 0


def test_sklearn_attributes_and_methods(clf_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(7, 5), max_iter=5, random_state=0)
    clf.fit(X, y)
    for attr in ["coefs_", "intercepts_", "loss_", "best_loss_", "loss_curve_",
                 "n_iter_", "t_", "n_layers_", "n_outputs_", "out_activation_",
                 "classes_", "n_features_in_"]:
        assert hasattr(clf, attr), attr
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert [c.shape for c in clf.coefs_] == [(8, 7), (7, 5), (5, 3)]
    assert clf.n_layers_ == 4 and clf.out_activation_ == "softmax"
    assert clf.n_iter_ == 5 and clf.t_ == 5 * 300 and len(clf.loss_curve_) == 5
    assert clf.best_epoch_ == 4
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba)

    binary = MLPClassifier(max_iter=3, random_state=0).fit(X, y == 1)
    assert binary.out_activation_ == "logistic"
    assert binary.predict_proba(X).shape == (300, 2)

    multilabel = np.column_stack([y == 0, y == 1]).astype(int)
    ml = MLPClassifier(max_iter=3, random_state=0).fit(X, multilabel)
    assert ml.predict(X).shape == (300, 2)


def test_loss_definitions_match_sklearn_at_same_weights(reg_data):
    """lbfgs with one iteration budget: same init, same first loss."""
    X, y = reg_data
    for ours, theirs in [
        (MLPRegressor(solver="lbfgs", max_iter=1, random_state=3),
         SkMLPRegressor(solver="lbfgs", max_iter=1, random_state=3)),
    ]:
        ours.fit(X, y)
        theirs.fit(X, y)
        # Same Glorot initialization (drawn in the same order).
        assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)


# --------------------------------------------------------------------------
# Accuracy within noise of scikit-learn's MLP with the same settings
# --------------------------------------------------------------------------
def test_digits_accuracy_close_to_sklearn():
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X / 16, y, random_state=0)
    kw = dict(hidden_layer_sizes=(64,), max_iter=40, random_state=0)
    ours = MLPClassifier(**kw).fit(X_tr, y_tr).score(X_te, y_te)
    theirs = SkMLPClassifier(**kw).fit(X_tr, y_tr).score(X_te, y_te)
    assert ours > 0.93
    assert abs(ours - theirs) < 0.03


def test_regression_r2_close_to_sklearn():
    X, y = make_friedman1(n_samples=1000, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    kw = dict(hidden_layer_sizes=(50,), max_iter=150, learning_rate_init=0.01,
              random_state=0)
    ours = MLPRegressor(**kw).fit(X_tr, y_tr).score(X_te, y_te)
    theirs = SkMLPRegressor(**kw).fit(X_tr, y_tr).score(X_te, y_te)
    assert ours > 0.75
    assert abs(ours - theirs) < 0.05


# --------------------------------------------------------------------------
# Regularizers
# --------------------------------------------------------------------------
def test_dropout_keeps_expectation_and_is_off_at_predict(clf_data):
    layer = Dropout(0.3)
    layer.rng = np.random.default_rng(0)
    A = np.ones((400, 500))
    out = layer.forward(A, training=True)
    assert out.mean() == pytest.approx(1.0, abs=0.01)
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.01)
    assert layer.forward(A, training=False) is A

    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(16,), dropout=0.5, max_iter=5,
                        random_state=0).fit(X, y)
    # Prediction = the plain network with the fitted weights.
    H = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0)
    Z = H @ clf.coefs_[1] + clf.intercepts_[1]
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[Z.argmax(1)])
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))


def test_batch_norm_predicts_with_running_statistics(reg_data):
    X, y = reg_data
    reg = MLPRegressor(hidden_layer_sizes=(12,), batch_norm=True, max_iter=5,
                       random_state=0).fit(X, y)
    assert reg.batch_norm_running_means_[0].shape == (12,)
    assert np.any(reg.batch_norm_running_vars_[0] != 1)
    Z = X @ reg.coefs_[0] + reg.intercepts_[0]
    Z = (Z - reg.batch_norm_running_means_[0]) / np.sqrt(
        reg.batch_norm_running_vars_[0] + 1e-5
    )
    H = np.maximum(Z * reg.batch_norm_gammas_[0] + reg.batch_norm_betas_[0], 0)
    expected = (H @ reg.coefs_[1] + reg.intercepts_[1]).ravel()
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-10)
    # A sample's prediction does not depend on the rest of the batch.
    np.testing.assert_allclose(reg.predict(X[:1]), expected[:1], rtol=1e-10)


def test_batch_norm_skips_single_sample_trailing_batch(reg_data):
    X, y = reg_data
    kw = dict(hidden_layer_sizes=(6,), batch_norm=True, batch_size=100,
              shuffle=False, alpha=0.0, max_iter=3, random_state=0)
    a = MLPRegressor(**kw).fit(X[:201], y[:201])
    b = MLPRegressor(**kw).fit(X[:200], y[:200])
    _same_model(a, b)
    np.testing.assert_array_equal(
        a.batch_norm_running_vars_[0], b.batch_norm_running_vars_[0]
    )
    with pytest.raises(ValueError, match="at least 2"):
        MLPRegressor(batch_norm=True).fit(X[:1], y[:1])


@pytest.mark.parametrize("monitor", ["val_score", "val_loss"])
def test_early_stopping_restores_best_weights(clf_data, monitor):
    X, y = clf_data
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, random_state=0)
    clf = MLPClassifier(
        hidden_layer_sizes=(64,), learning_rate_init=0.05, early_stopping=True,
        monitor=monitor, n_iter_no_change=5, max_iter=200, random_state=0,
    ).fit(X_tr, y_tr, X_val=X_val, y_val=y_val)
    curve = clf.validation_loss_curve_ if monitor == "val_loss" else (
        clf.validation_scores_
    )
    best = int(np.argmin(curve) if monitor == "val_loss" else np.argmax(curve))
    assert clf.best_epoch_ == best
    assert clf.best_epoch_ < len(clf.loss_curve_) - 1  # it did stop later
    assert clf.best_loss_ is None
    assert clf.score(X_val, y_val) == pytest.approx(clf.validation_scores_[best])
    from sklearn.metrics import log_loss

    val_loss = log_loss(y_val, clf.predict_proba(X_val))
    assert val_loss == pytest.approx(clf.validation_loss_curve_[best], rel=1e-6)

    last = clf.set_params(restore_best_weights=False).fit(
        X_tr, y_tr, X_val=X_val, y_val=y_val
    )
    assert last.best_epoch_ == len(last.loss_curve_) - 1
    assert last.score(X_val, y_val) == pytest.approx(last.validation_scores_[-1])


def test_validation_curves_with_weights_and_lbfgs(reg_data):
    X, y = reg_data
    X_tr, X_val, y_tr, y_val = train_test_split(X, y, random_state=0)
    sw_val = np.linspace(0.5, 2.0, len(y_val))
    reg = MLPRegressor(hidden_layer_sizes=(8,), max_iter=4, random_state=0)
    reg.fit(X_tr, y_tr, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    assert len(reg.validation_loss_curve_) == len(reg.validation_scores_) == 4
    assert reg.validation_scores_[-1] == pytest.approx(
        reg.score(X_val, y_val, sample_weight=sw_val)
    )
    resid = reg.predict(X_val) - y_val
    assert reg.validation_loss_curve_[-1] == pytest.approx(
        np.average(0.5 * resid**2, weights=sw_val)
    )
    lb = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=15,
                      random_state=0).fit(X_tr, y_tr, X_val=X_val, y_val=y_val)
    assert len(lb.validation_scores_) == len(lb.loss_curve_) == lb.n_iter_
    assert lb.validation_scores_[-1] == pytest.approx(lb.score(X_val, y_val))
    assert np.all(np.diff(lb.loss_curve_) <= 1e-12)  # L-BFGS-B decreases


def test_early_stopping_start_from_epoch(clf_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(16,), early_stopping=True,
                        start_from_epoch=30, n_iter_no_change=2, max_iter=100,
                        random_state=0).fit(X, y)
    assert clf.best_epoch_ >= 30 and len(clf.loss_curve_) >= 33
    assert len(clf.validation_scores_) == len(clf.loss_curve_)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_large_l1_zeroes_whole_input_columns(solver):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 10))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(200)
    reg = MLPRegressor(hidden_layer_sizes=(8,), solver=solver, alpha=20.0,
                       l1_ratio=1.0, max_iter=300, learning_rate_init=0.01,
                       random_state=0).fit(X, y)
    W = reg.coefs_[0]
    zero_rows = np.all(W == 0.0, axis=1)  # row j = input feature j
    assert zero_rows[2:].sum() >= 6
    assert not zero_rows[0] and not zero_rows[1]
    assert reg.score(X, y) > 0.8


def test_l2_same_objective_for_every_batch_size(reg_data):
    """alpha / n_train: adam with any batch size approaches the lbfgs optimum
    of the same objective (scikit-learn's would differ by n / batch_size)."""
    X, y = reg_data
    X, y = X[:100], y[:100]
    kw = dict(hidden_layer_sizes=(5,), alpha=5.0, random_state=0, tol=0)
    ref = MLPRegressor(solver="lbfgs", max_iter=2000, **kw).fit(X, y)
    norms = []
    for batch_size in (10, 100):
        m = MLPRegressor(solver="adam", batch_size=batch_size, max_iter=1500,
                         learning_rate_init=0.01, n_iter_no_change=10**6, **kw)
        m.fit(X, y)
        norms.append(sum((c**2).sum() for c in m.coefs_))
    ref_norm = sum((c**2).sum() for c in ref.coefs_)
    assert norms[0] == pytest.approx(ref_norm, rel=0.15)
    assert norms[1] == pytest.approx(ref_norm, rel=0.15)


@pytest.mark.parametrize("param", ["noise_std", "mixup_alpha"])
def test_augmentation_at_zero_changes_nothing(clf_data, param):
    X, y = clf_data
    base = MLPClassifier(hidden_layer_sizes=(10,), max_iter=3, dropout=0.2,
                         random_state=0)
    a = base.fit(X, y)
    a_coefs = [c.copy() for c in a.coefs_ + a.intercepts_]
    b = MLPClassifier(**{**base.get_params(), param: 0.0}).fit(X, y)
    for x, z in zip(a_coefs, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(x, z)
    c = MLPClassifier(**{**base.get_params(), param: 0.5}).fit(X, y)
    assert not np.array_equal(c.coefs_[0], a_coefs[0])


def test_mixup_and_noise_train_and_predict(clf_data, reg_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(32,), mixup_alpha=0.4, noise_std=0.1,
                        max_iter=60, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.75
    X, y = reg_data
    reg = MLPRegressor(hidden_layer_sizes=(32,), mixup_alpha=0.2, max_iter=100,
                       learning_rate_init=0.01, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.4


def test_adamw_weight_decay_shrinks_weights(reg_data):
    X, y = reg_data
    kw = dict(hidden_layer_sizes=(16,), solver="adamw", max_iter=30,
              learning_rate_init=0.01, random_state=0, alpha=0.0)
    plain = MLPRegressor(**kw).fit(X, y)
    decayed = MLPRegressor(weight_decay=5.0, **kw).fit(X, y)
    norm = lambda m: sum(np.abs(c).sum() for c in m.coefs_)  # noqa: E731
    assert norm(decayed) < 0.7 * norm(plain)


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive", "cosine"])
def test_schedules_change_adam_training(clf_data, schedule):
    X, y = clf_data
    kw = dict(hidden_layer_sizes=(10,), max_iter=8, random_state=0)
    const = MLPClassifier(**kw).fit(X, y)
    other = MLPClassifier(learning_rate=schedule, **kw).fit(X, y)
    if schedule == "adaptive":  # adaptive = constant until a plateau
        _same_model(const, other)
    else:
        assert not np.array_equal(const.coefs_[0], other.coefs_[0])


def test_class_weight_equals_sample_weight(clf_data):
    X, y = clf_data
    kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=50, random_state=0)
    a = MLPClassifier(class_weight={0: 3.0}, **kw).fit(X, y)
    b = MLPClassifier(**kw).fit(X, y, sample_weight=np.where(y == 0, 3.0, 1.0))
    for x, z in zip(a.coefs_, b.coefs_, strict=True):
        np.testing.assert_allclose(x, z, rtol=1e-10)
    balanced = MLPClassifier(class_weight="balanced", max_iter=5).fit(X, y)
    assert balanced.score(X, y) > 0


# --------------------------------------------------------------------------
# Reproducibility, continuation, weights, dtypes
# --------------------------------------------------------------------------
def test_same_random_state_is_bit_identical(clf_data):
    X, y = clf_data
    kw = dict(hidden_layer_sizes=(12, 6), dropout=[0.3, 0.1], batch_norm=True,
              noise_std=0.1, mixup_alpha=0.2, early_stopping=True, max_iter=6,
              random_state=42)
    a = MLPClassifier(**kw).fit(X, y)
    b = MLPClassifier(**kw).fit(X, y)
    _same_model(a, b)
    assert a.loss_curve_ == b.loss_curve_
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X), a.predict_proba(X))


def test_partial_fit_and_warm_start_continue_training(clf_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    losses = []
    for _ in range(10):
        clf.partial_fit(X, y, classes=np.unique(y))
        losses.append(clf.loss_)
    assert clf.t_ == 10 * X.shape[0] and len(clf.loss_curve_) == 10
    assert losses[-1] < losses[0]

    ws = MLPClassifier(hidden_layer_sizes=(16,), max_iter=5, warm_start=True,
                       random_state=0).fit(X, y)
    first = ws.loss_curve_[-1]
    coefs = ws.coefs_[0].copy()
    ws.fit(X, y)
    assert len(ws.loss_curve_) == 10
    assert ws.loss_curve_[5] < first + 1e-3  # continues, no restart
    assert not np.array_equal(ws.coefs_[0], coefs)
    with pytest.raises(ValueError, match="architecture"):
        ws.set_params(hidden_layer_sizes=(8,)).fit(X, y)

    reg = MLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        reg.partial_fit(X, y.astype(float))
    assert len(reg.loss_curve_) == 3


def test_class_labels_encode_like_label_binarizer():
    # The one-hot encoding of multiclass labels must match scikit-learn's
    # LabelBinarizer for any label type, also for a partial_fit batch that
    # holds only some of the classes.
    from sklearn.preprocessing import LabelBinarizer

    rng = np.random.default_rng(0)
    for classes in (np.array([3, 7, 11, 20]), np.array(["ant", "bee", "cat"])):
        y = rng.choice(classes, 40)
        clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=1)
        clf.partial_fit(np.ones((40, 2)), y, classes=classes[::-1])
        expected = LabelBinarizer().fit(classes).transform(y[:9])
        got = clf._encode_targets(y[:9], np.float32)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)
        subset = y[np.isin(y, classes[1:3])]
        np.testing.assert_array_equal(
            clf._encode_targets(subset, np.float64),
            LabelBinarizer().fit(classes).transform(subset),
        )


def test_sample_weight_two_equals_repeated_row():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(30)
    sw = np.ones(30)
    sw[:5] = 2
    X_rep = np.vstack([X, X[:5]])
    y_rep = np.concatenate([y, y[:5]])
    kw = dict(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs",
              tol=1e-12, max_iter=5000, max_fun=50000, alpha=1.0, random_state=0)
    a = MLPRegressor(**kw).fit(X, y, sample_weight=sw)
    b = MLPRegressor(**kw).fit(X_rep, y_rep)
    assert a.n_iter_ < 5000  # converged
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(a.loss_, b.loss_, rtol=1e-9)


def test_float32_trains_in_float32(clf_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(8,), batch_norm=True, max_iter=3,
                        random_state=0).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.batch_norm_running_means_[0].dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    clf64 = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    assert clf64.fit(X, y).coefs_[0].dtype == np.float64


def test_poisson_and_multioutput_regression(reg_data):
    X, y = reg_data
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(8,), max_iter=50,
                       random_state=0).fit(X, np.round(y))
    assert reg.out_activation_ == "exp" and np.all(reg.predict(X) > 0)
    Y = np.column_stack([y, -y])
    multi = MLPRegressor(hidden_layer_sizes=(8,), max_iter=50, random_state=0)
    assert multi.fit(X, Y).predict(X).shape == (300, 2)


def test_no_hidden_layer_is_a_linear_model(clf_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    clf.fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(8, 3)] and clf.n_layers_ == 2
    Z = X @ clf.coefs_[0] + clf.intercepts_[0]
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[Z.argmax(1)])


def test_sparse_input_matches_dense(clf_data):
    from scipy import sparse

    X, y = clf_data
    kw = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0, l1_ratio=0.5)
    dense = MLPClassifier(**kw).fit(X, y)
    sp = MLPClassifier(**kw).fit(sparse.csc_matrix(X), y)
    for x, z in zip(dense.coefs_, sp.coefs_, strict=True):
        np.testing.assert_allclose(x, z, rtol=1e-8, atol=1e-10)


def test_verbose_prints_one_line_per_epoch(clf_data, capsys):
    X, y = clf_data
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, verbose=True,
                  early_stopping=True, random_state=0).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith("Iteration")]
    assert len(lines) == 3
    assert "loss = " in lines[0] and "val_score" in lines[0] and "time" in lines[0]


def test_train_score_curve_tracks_training(clf_data):
    X, y = clf_data
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=40, random_state=0)
    clf.fit(X, y)
    assert len(clf.train_score_curve_) == 40
    assert clf.train_score_curve_[-1] > clf.train_score_curve_[0]
    assert abs(clf.train_score_curve_[-1] - clf.score(X, y)) < 0.1


def test_regularizers_are_grid_searchable(clf_data):
    from sklearn.model_selection import GridSearchCV

    X, y = clf_data
    grid = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0),
        {"dropout": [0.0, [0.3]], "l1_ratio": [0.0, 1.0], "batch_norm": [False, True]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(dropout=1.0), "dropout"),
        (dict(dropout=-0.1), "dropout"),
        (dict(dropout=[0.1, 0.2]), "dropout"),
        (dict(dropout=[1.2]), "dropout"),
        (dict(alpha=-1.0), "alpha"),
        (dict(hidden_layer_sizes=(10, 0)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=(-3,)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=0), "hidden_layer_sizes"),
        (dict(solver="lbfgs", dropout=0.2), "lbfgs"),
        (dict(solver="lbfgs", batch_norm=True), "lbfgs"),
        (dict(solver="lbfgs", mixup_alpha=0.2), "lbfgs"),
        (dict(solver="lbfgs", noise_std=0.2), "lbfgs"),
        (dict(solver="adam", weight_decay=0.1), "adamw"),
        (dict(l1_ratio=1.5), "l1_ratio"),
        (dict(monitor="accuracy"), "monitor"),
        (dict(class_weight={0: -2.0}), "class_weight values must be"),
        (dict(class_weight={0: np.nan, 1: 1.0}), "finite, non-negative"),
    ],
)
def test_bad_parameters_raise(clf_data, params, match):
    X, y = clf_data
    with pytest.raises(ValueError, match=match):
        MLPClassifier(max_iter=2, **params).fit(X, y)


def test_bad_data_raise(clf_data):
    X, y = clf_data
    clf = MLPClassifier(max_iter=2)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(X_nan, y)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        clf.fit(X_inf, y)
    with pytest.raises(ValueError, match="2 classes"):
        clf.fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="X_val and y_val"):
        clf.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="X_val and y_val"):
        clf.fit(X, y, y_val=y)
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, y, X_val=X[:, :3], y_val=y)
    with pytest.raises(ValueError, match="y_val has classes"):
        clf.fit(X, y, X_val=X, y_val=y + 10)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="negative"):
        MLPRegressor(loss="poisson", max_iter=2).fit(X, y - 5.0)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.unique(y))
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="balanced"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(AttributeError, match="partial_fit"):
        MLPClassifier(solver="lbfgs").partial_fit  # noqa: B018


def test_bad_regression_validation_and_sparse_augmentation(reg_data):
    from scipy import sparse

    X, y = reg_data
    reg = MLPRegressor(max_iter=2)
    with pytest.raises(ValueError, match="y_val has shape"):
        reg.fit(X, y, X_val=X[:10], y_val=y[:9])
    with pytest.raises(ValueError, match="NaN"):
        reg.fit(X, y, X_val=np.full_like(X[:5], np.nan), y_val=y[:5])
    with pytest.raises(ValueError, match="sparse"):
        MLPRegressor(noise_std=0.1, max_iter=2).fit(sparse.csr_matrix(X), y)


def test_no_warnings_beyond_convergence(clf_data):
    X, y = clf_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, batch_norm=True,
                      dropout=0.1).fit(X, y).predict(X)


# --------------------------------------------------------------------------
# L1 with every solver reaches the optimum of the stated objective (a convex
# case: no hidden layer, binary target = L1-penalized logistic regression)


@pytest.fixture(scope="module")
def l1_logistic():
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(400, 20, n_informative=3, n_redundant=0,
                               random_state=0)
    alpha = 20.0

    def objective(model):
        w, b = model.coefs_[0].ravel(), model.intercepts_[0][0]
        z = X @ w + b
        return np.mean(np.logaddexp(0, z) - y * z) + alpha / len(y) * np.abs(w).sum()

    ref = LogisticRegression(l1_ratio=1.0, C=1 / alpha, tol=1e-12,
                             max_iter=100_000, solver="saga").fit(X, y)
    ref.coefs_, ref.intercepts_ = [ref.coef_.T], [ref.intercept_]
    best = objective(ref)
    return X, y, alpha, objective, best, np.count_nonzero(ref.coef_)


@pytest.mark.parametrize("momentum", [0.5, 0.9])
def test_sgd_with_momentum_applies_the_full_l1_penalty(l1_logistic, momentum):
    # the threshold used to ignore momentum's longer steps: at momentum 0.9
    # the fit solved for alpha / 10 (19 non-zeros instead of 4)
    X, y, alpha, objective, best, n_nonzero = l1_logistic
    model = MLPClassifier(hidden_layer_sizes=(), solver="sgd", momentum=momentum,
                          alpha=alpha, l1_ratio=1.0, learning_rate_init=0.05,
                          max_iter=3000, n_iter_no_change=3000, tol=0,
                          batch_size=len(y), random_state=0).fit(X, y)
    assert objective(model) == pytest.approx(best, rel=1e-6)
    assert np.count_nonzero(model.coefs_[0]) == n_nonzero


def test_lbfgs_l1_split_stops_near_the_optimum():
    # L-BFGS-B used to receive the value with ||W||_1 but the gradient of the
    # split penalty sum(P + N): it stopped at 7e-4 relative suboptimality
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(300, 20, n_informative=4, random_state=0)
    alpha = 0.3

    def objective(w, b):
        z = X @ w + b
        return np.mean(np.logaddexp(0, z) - y * z) + alpha / len(y) * np.abs(w).sum()

    model = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha,
                          l1_ratio=1.0, tol=1e-10, max_iter=5000,
                          random_state=0).fit(X, y)
    ref = LogisticRegression(l1_ratio=1.0, C=1 / alpha, solver="saga", tol=1e-12,
                             max_iter=200_000).fit(X, y)
    best = objective(ref.coef_.ravel(), ref.intercept_[0])
    found = objective(model.coefs_[0].ravel(), model.intercepts_[0][0])
    assert found - best < 1e-4 * best
    assert model.loss_ == pytest.approx(found, rel=1e-9)


def test_diverging_sgd_raises_instead_of_restarting_from_zero(clf_data):
    X, y = clf_data
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        MLPClassifier((10,), solver="sgd", max_iter=30, random_state=0).fit(X * 1e12, y)


def test_batch_norm_rejects_single_sample_minibatches(clf_data):
    X, y = clf_data
    with pytest.raises(ValueError, match="batch_norm=True needs minibatches of at "
                                         "least 2 samples"):
        MLPClassifier((8,), batch_norm=True, batch_size=1, max_iter=2).fit(X, y)
