"""LogisticRegression, LogisticRegressionCV and logistic_path.

References are scikit-learn's solvers run to very tight tolerances on small,
well-conditioned problems (saga for L1 / elastic net, lbfgs for L2).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import linear_model as sklm
from sklearn.exceptions import ConvergenceWarning
from sklearn.multiclass import OneVsRestClassifier

from skreg import LogisticRegression, LogisticRegressionCV, logistic_path

N_SAMPLES, N_FEATURES = 80, 6


def make_data(n_classes=2, seed=0, n=N_SAMPLES, p=N_FEATURES):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if n_classes == 2:
        y = (X @ rng.standard_normal(p) + rng.standard_normal(n) > 0).astype(int)
    else:
        scores = X[:, :n_classes] + rng.standard_normal((n, n_classes))
        y = np.argmax(scores, axis=1)
    return X, y


def sklearn_reference(X, y, C, l1_ratio, fit_intercept=True, **fit_kw):
    solver = "lbfgs" if l1_ratio == 0 else "saga"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sklm.LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-14, max_iter=200_000,
            fit_intercept=fit_intercept,
        ).fit(X, y, **fit_kw)


def assert_same_model(ours, ref, X):
    scale = max(np.abs(ref.coef_).max(), 1e-12)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0,
                               atol=1e-5 * max(1.0, np.abs(ref.intercept_).max()))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X),
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_sklearn(n_classes, l1_ratio, sparse, fit_intercept):
    X, y = make_data(n_classes)
    Xfit = sp.csr_matrix(X) if sparse else X
    ref = sklearn_reference(X, y, 0.5, l1_ratio, fit_intercept)
    ours = LogisticRegression(C=0.5, l1_ratio=l1_ratio, tol=1e-12,
                              fit_intercept=fit_intercept).fit(Xfit, y)
    assert ours.coef_.shape == ref.coef_.shape
    assert ours.intercept_.shape == ref.intercept_.shape
    assert_same_model(ours, ref, X)
    assert ours.kkt_violation_ <= 1e-12


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.0])
def test_sample_and_class_weights_match_sklearn(n_classes, l1_ratio):
    X, y = make_data(n_classes, seed=1)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, X.shape[0])
    cw = {0: 1.5, 1: 0.7} if n_classes == 2 else "balanced"
    solver = "lbfgs" if l1_ratio == 0 else "saga"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sklm.LogisticRegression(C=0.7, l1_ratio=l1_ratio, solver=solver,
                                      tol=1e-14, max_iter=200_000,
                                      class_weight=cw).fit(X, y, sample_weight=sw)
    ours = LogisticRegression(C=0.7, l1_ratio=l1_ratio, tol=1e-12,
                              class_weight=cw).fit(X, y, sample_weight=sw)
    assert_same_model(ours, ref, X)


def test_one_vs_rest_matches_sklearn():
    X, y = make_data(3, seed=2)
    ref = OneVsRestClassifier(
        sklm.LogisticRegression(C=0.3, tol=1e-12, max_iter=10_000)).fit(X, y)
    ours = LogisticRegression(C=0.3, tol=1e-12, multi_class="ovr").fit(X, y)
    ref_coef = np.vstack([e.coef_ for e in ref.estimators_])
    np.testing.assert_allclose(ours.coef_, ref_coef, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X),
                               atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions_are_consistent(n_classes):
    X, y = make_data(n_classes)
    clf = LogisticRegression(C=1.0, l1_ratio=0.5).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba),
                               atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X),
                                  clf.classes_[np.argmax(proba, axis=1)])
    assert clf.score(X, y) == np.mean(clf.predict(X) == y)


def test_penalty_styles_are_equivalent():
    X, y = make_data(2)
    new = LogisticRegression(C=0.4, l1_ratio=1.0, tol=1e-10).fit(X, y)
    old = LogisticRegression(penalty="l1", C=0.4, solver="liblinear",
                             tol=1e-10).fit(X, y)
    np.testing.assert_allclose(new.coef_, old.coef_)
    en = LogisticRegression(penalty="elasticnet", l1_ratio=0.3, C=0.4).fit(X, y)
    en_new = LogisticRegression(l1_ratio=0.3, C=0.4).fit(X, y)
    np.testing.assert_allclose(en.coef_, en_new.coef_)
    none = LogisticRegression(penalty=None, tol=1e-10).fit(X, y)
    inf = LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(none.coef_, inf.coef_)
    with pytest.warns(UserWarning, match="l1_ratio=0.5 is ignored"):
        LogisticRegression(penalty="l2", l1_ratio=0.5).fit(X, y)


def test_unpenalized_matches_sklearn():
    X, y = make_data(2, seed=4)
    ref = sklm.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    ours = LogisticRegression(C=np.inf, tol=1e-12).fit(X, y)
    assert_same_model(ours, ref, X)
    assert np.isnan(ours.dual_gap_)


def test_critical_C_gives_all_zero_l1_path():
    X, y = make_data(3, seed=5)
    Cs, coefs, intercepts = logistic_path(X, y, Cs=6, l1_ratio=1.0, tol=1e-10)
    assert coefs.shape == (3, N_FEATURES, 6) and intercepts.shape == (3, 6)
    assert np.all(np.diff(Cs) > 0)
    assert np.all(coefs[..., 0] == 0)
    assert np.any(coefs[..., 1] != 0)
    # just below / above the critical C
    clf = LogisticRegression(C=Cs[0] * 0.999, l1_ratio=1.0).fit(X, y)
    assert np.all(clf.coef_ == 0)
    clf = LogisticRegression(C=Cs[0] * 1.05, l1_ratio=1.0, tol=1e-10).fit(X, y)
    assert np.any(clf.coef_ != 0)


def test_path_matches_single_fits_and_keeps_given_order():
    X, y = make_data(2, seed=6)
    Cs = np.array([1.0, 0.05, 0.3])
    out_Cs, coefs, intercepts = logistic_path(X, y, Cs=Cs, l1_ratio=0.5,
                                              tol=1e-11)
    np.testing.assert_array_equal(out_Cs, Cs)
    assert coefs.shape == (1, N_FEATURES, 3)
    for k, C in enumerate(Cs):
        clf = LogisticRegression(C=C, l1_ratio=0.5, tol=1e-11).fit(X, y)
        np.testing.assert_allclose(coefs[..., k], clf.coef_, atol=1e-8)
        np.testing.assert_allclose(intercepts[:, k], clf.intercept_, atol=1e-8)


def test_path_l2_grid_and_multinomial_loss_option():
    X, y = make_data(2, seed=7)
    Cs, coefs, _ = logistic_path(X, y, Cs=4, l1_ratio=0.0)
    np.testing.assert_allclose(Cs, np.logspace(-4, 4, 4))
    Cs, coefs, _ = logistic_path(X, y, Cs=[0.5], l1_ratio=0.0,
                                 multi_class_loss="multinomial",
                                 tol=1e-12)
    assert coefs.shape == (2, N_FEATURES, 1)
    # softmax with two rows and an L2 penalty is the logistic model at 2C
    # with the half-difference of the rows
    binary = LogisticRegression(C=1.0, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(coefs[1, :, 0] - coefs[0, :, 0], binary.coef_[0],
                               atol=1e-7)


def test_class_weight_equals_sample_weight_multinomial():
    X, y = make_data(3, seed=8)
    cw = {0: 0.5, 1: 2.0, 2: 1.5}
    a = LogisticRegression(C=0.5, l1_ratio=0.7, class_weight=cw,
                           tol=1e-11).fit(X, y)
    b = LogisticRegression(C=0.5, l1_ratio=0.7, tol=1e-11).fit(
        X, y, sample_weight=np.array([cw[k] for k in y]))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n_classes=st.sampled_from([2, 3]),
       l1_ratio=st.sampled_from([0.0, 0.5, 1.0]),
       log_C=st.floats(-1.5, 1.5), sparse=st.booleans(),
       fit_intercept=st.booleans())
def test_certificate_below_tol(seed, n_classes, l1_ratio, log_C, sparse,
                               fit_intercept):
    X, y = make_data(n_classes, seed=seed, n=40, p=8)
    if len(np.unique(y)) < n_classes:
        return
    X = sp.csc_matrix(X) if sparse else X
    tol = 1e-7
    clf = LogisticRegression(C=10.0**log_C, l1_ratio=l1_ratio, tol=tol,
                             max_iter=500, fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.kkt_violation_ <= tol
    # binary and multinomial duality gaps: finite, non-negative, small
    assert 0.0 <= clf.dual_gap_ <= 1e-5


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n_classes=st.sampled_from([2, 3]),
       weights=st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_class_weight_equals_sample_weight(seed, n_classes, weights):
    X, y = make_data(n_classes, seed=seed, n=40, p=5)
    classes = np.unique(y)
    cw = {c: float(w) + 0.5 for c, w in zip(classes, weights, strict=False)}
    a = LogisticRegression(C=0.5, l1_ratio=1.0, class_weight=cw,
                           tol=1e-10).fit(X, y)
    b = LogisticRegression(C=0.5, l1_ratio=1.0, tol=1e-10).fit(
        X, y, sample_weight=np.array([cw[k] for k in y]))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-7)


def test_class_weight_keys_of_absent_classes_are_ignored_as_in_sklearn():
    # A global class_weight dict must keep working on data (e.g. a CV fold)
    # that lacks one of its classes.
    X, y = make_data(2, seed=3)
    a = LogisticRegression(class_weight={0: 1.0, 1: 2.0, 2: 5.0}, tol=1e-10).fit(X, y)
    b = LogisticRegression(class_weight={0: 1.0, 1: 2.0}, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12)
    ref = sklm.LogisticRegression(class_weight={0: 1.0, 1: 2.0, 2: 5.0}, tol=1e-10,
                                  max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(a.coef_, ref.coef_, rtol=1e-5)


def test_integer_sample_weight_equals_repetition():
    X, y = make_data(3, seed=9)
    sw = np.random.default_rng(0).integers(0, 4, X.shape[0])
    a = LogisticRegression(C=0.5, l1_ratio=0.5, tol=1e-11).fit(
        X, y, sample_weight=sw)
    b = LogisticRegression(C=0.5, l1_ratio=0.5, tol=1e-11).fit(
        np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)


def test_penalty_factor():
    X, y = make_data(2, seed=10)
    pf = np.array([0.0, 2.0, 1.0, 1.0, 0.5, 1.0])
    clf = LogisticRegression(C=0.05, l1_ratio=1.0, penalty_factor=pf,
                             tol=1e-11).fit(X, y)
    # L1 with factor f_j equals the plain L1 on column j divided by f_j
    ref = LogisticRegression(C=0.05, l1_ratio=1.0, tol=1e-11,
                             penalty_factor=(pf > 0).astype(float)).fit(
        X / np.where(pf > 0, pf, 1.0), y)
    np.testing.assert_allclose(clf.coef_, ref.coef_ / np.where(pf > 0, pf, 1.0),
                               atol=1e-8)
    assert clf.coef_[0, 0] != 0  # unpenalized feature stays in
    with pytest.raises(ValueError, match="penalty_factor"):
        LogisticRegression(penalty_factor=[1.0, 2.0]).fit(X, y)


def test_float32_labels_and_warm_start():
    X, y = make_data(3, seed=11)
    labels = np.array(["cat", "dog", "emu"])[y]
    clf = LogisticRegression(C=0.5).fit(X.astype(np.float32), labels)
    assert clf.coef_.dtype == np.float32 and clf.intercept_.dtype == np.float32
    assert set(clf.predict(X)) <= set(labels)
    Xb, yb = make_data(2, seed=11)
    clf = LogisticRegression().fit(Xb, yb.astype(bool))
    np.testing.assert_array_equal(clf.classes_, [False, True])
    warm = LogisticRegression(C=0.5, warm_start=True, tol=1e-10).fit(X, y)
    warm.fit(X, y)
    assert warm.n_iter_[0] == 1  # only the certificate was evaluated


@pytest.mark.parametrize(
    "params, fit_args, match",
    [
        ({}, "one_class", "only one class"),
        ({}, "nan", "NaN"),
        ({}, "inf", "infinity|NaN"),
        ({"C": -1.0}, None, "C"),
        ({"l1_ratio": 1.5}, None, "l1_ratio"),
        ({"penalty": "elasticnet", "l1_ratio": None}, None, "l1_ratio must be"),
        ({}, "short_y", "inconsistent numbers of samples"),
        ({}, "neg_weight", "[Nn]egative"),
        ({"class_weight": {0: -1.0, 1: 1.0}}, None, "class_weight values must be"),
        ({"class_weight": {0: np.nan, 1: 1.0}}, None, "finite, non-negative"),
    ],
)
def test_bad_input_errors(params, fit_args, match):
    X, y = make_data(2)
    kwargs = {}
    if fit_args == "one_class":
        y = np.zeros_like(y)
    elif fit_args == "nan":
        X = X.copy()
        X[0, 0] = np.nan
    elif fit_args == "inf":
        X = X.copy()
        X[0, 0] = np.inf
    elif fit_args == "short_y":
        y = y[:-1]
    elif fit_args == "neg_weight":
        kwargs["sample_weight"] = -np.ones(X.shape[0])
    with pytest.raises(ValueError, match=match):
        LogisticRegression(**params).fit(X, y, **kwargs)


def test_path_bad_input_errors():
    X, y = make_data(2)
    with pytest.raises(ValueError, match="l1_ratio"):
        logistic_path(X, y, l1_ratio=2.0)
    with pytest.raises(ValueError, match="Cs must contain positive"):
        logistic_path(X, y, Cs=[1.0, -1.0])
    with pytest.raises(ValueError, match="only one class"):
        logistic_path(X, np.ones_like(y))
    with pytest.raises(ValueError, match="multi_class_loss"):
        logistic_path(X, y, multi_class_loss="bad")


def test_max_iter_warns():
    X, y = make_data(3)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        LogisticRegression(C=100.0, max_iter=1, tol=1e-12).fit(X, y)


# ---------------------------------------------------------------------------
# LogisticRegressionCV


def _sklearn_cv(legacy, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sklm.LogisticRegressionCV(use_legacy_attributes=legacy, **kw)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_cv_l2_matches_sklearn(n_classes):
    X, y = make_data(n_classes, seed=12, n=90)
    common = dict(Cs=4, cv=3, scoring="neg_log_loss", tol=1e-10,
                  max_iter=10_000)
    ref = _sklearn_cv(True, **common).fit(X, y)
    ours = LogisticRegressionCV(**common).fit(X, y)
    np.testing.assert_allclose(ours.Cs_, ref.Cs_)
    np.testing.assert_array_equal(ours.C_, ref.C_)
    assert ours.l1_ratio_.shape == ref.l1_ratio_.shape
    assert set(ours.scores_) == set(ref.scores_)
    for key in ref.scores_:
        np.testing.assert_allclose(ours.scores_[key], ref.scores_[key], atol=1e-6)
        np.testing.assert_allclose(ours.coefs_paths_[key], ref.coefs_paths_[key],
                                   atol=1e-4)
    assert ours.n_iter_.shape == ref.n_iter_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("l1_ratios", [None, [0.5, 1.0]])
@pytest.mark.parametrize("legacy", [True, False])
def test_cv_attribute_layout_matches_sklearn(n_classes, l1_ratios, legacy):
    X, y = make_data(n_classes, seed=12, n=60)
    kw = dict(Cs=3, cv=3, max_iter=5)
    if l1_ratios is not None:
        kw["l1_ratios"] = l1_ratios
    ref = _sklearn_cv(legacy, solver="saga" if l1_ratios else "lbfgs",
                      **kw).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = LogisticRegressionCV(use_legacy_attributes=legacy, **kw).fit(X, y)
    np.testing.assert_array_equal(ours.l1_ratios_, ref.l1_ratios_)
    if legacy:
        assert set(ours.scores_) == set(ref.scores_)
        for key in ref.scores_:
            assert ours.scores_[key].shape == ref.scores_[key].shape
            assert ours.coefs_paths_[key].shape == ref.coefs_paths_[key].shape
        assert ours.C_.shape == ref.C_.shape
        assert ours.l1_ratio_.shape == ref.l1_ratio_.shape
        assert ours.l1_ratio_.dtype == ref.l1_ratio_.dtype
    else:
        assert ours.scores_.shape == ref.scores_.shape
        assert ours.coefs_paths_.shape == ref.coefs_paths_.shape
        assert isinstance(ours.C_, float) and isinstance(ours.l1_ratio_, float)
        assert ours.l1_ratio_ == ref.l1_ratio_ or l1_ratios is not None
    assert ours.n_iter_.shape == ref.n_iter_.shape
    assert ours.coef_.shape == ref.coef_.shape


def test_cv_one_standard_error_rule_prefers_more_regularization():
    X, y = make_data(2, seed=13, n=120)
    common = dict(Cs=8, l1_ratios=[1.0], cv=4, scoring="neg_log_loss")
    best = LogisticRegressionCV(**common).fit(X, y)
    one_se = LogisticRegressionCV(selection_rule="1se", **common).fit(X, y)
    assert one_se.C_[0] <= best.C_[0]
    mean = best.scores_[1][:, :, 0].mean(axis=0)
    assert best.C_[0] == best.Cs_[np.argmax(mean)]
    assert one_se.kkt_violation_ <= one_se.tol


def test_cv_no_refit_and_errors():
    X, y = make_data(3, seed=14, n=90)
    clf = LogisticRegressionCV(Cs=3, cv=3, refit=False).fit(X, y)
    assert clf.coef_.shape == (3, N_FEATURES)
    with pytest.raises(ValueError, match="l1_ratios must be"):
        LogisticRegressionCV(penalty="elasticnet").fit(X, y)
    with pytest.raises(ValueError, match="between 0 and 1"):
        LogisticRegressionCV(l1_ratios=[0.5, 2.0]).fit(X, y)
    with pytest.raises(ValueError, match="Cs must contain positive"):
        LogisticRegressionCV(Cs=[0.1, -1.0]).fit(X, y)


def test_cv_same_result_for_every_memory_layout():
    # the training folds are copied column-major (a compiled row gather for
    # Fortran X, NumPy for C-ordered X, row slicing for CSR): one result
    X, y = make_data(2, seed=15, n=80)
    fits = [LogisticRegressionCV(Cs=4, l1_ratios=[1.0], cv=3, tol=1e-10,
                                 use_legacy_attributes=False).fit(Xl, y)
            for Xl in (np.asfortranarray(X), np.ascontiguousarray(X),
                       sp.csr_matrix(X))]
    for other in fits[1:]:
        np.testing.assert_allclose(other.coefs_paths_, fits[0].coefs_paths_,
                                   atol=1e-7)
        np.testing.assert_allclose(other.scores_, fits[0].scores_, atol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lbfgs_path_for_large_l2_problems_matches_sklearn(n_classes, monkeypatch):
    # pure L2 fits switch to L-BFGS above a size threshold; force it here
    from skreg.linear_model import _logistic

    monkeypatch.setattr(_logistic, "_LBFGS_MIN_SIZE", 0)
    X, y = make_data(n_classes, seed=15)
    ref = sklearn_reference(X, y, 0.8, 0.0)
    ours = LogisticRegression(C=0.8, tol=1e-10).fit(X, y)
    assert_same_model(ours, ref, X)
    assert ours.kkt_violation_ <= 1e-10


def test_cv_balanced_class_weight_counts_the_sample_weights():
    # 'balanced' is computed with the sample weights (as scikit-learn and
    # LogisticRegression do); the CV class used to count every row as 1
    from sklearn.model_selection import StratifiedKFold

    X, y = make_data(3, seed=4, n=300, p=8)
    sw = np.random.default_rng(4).uniform(0, 2, 300)
    sw[:40] = 0.0
    kw = dict(Cs=4, cv=StratifiedKFold(4, shuffle=True, random_state=1), tol=1e-10,
              scoring="neg_log_loss", class_weight="balanced",
              use_legacy_attributes=False)
    ours = LogisticRegressionCV(**kw).fit(X, y, sample_weight=sw)
    ref = sklm.LogisticRegressionCV(solver="newton-cholesky", max_iter=1000,
                                    **kw).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X),
                               atol=1e-8)


def test_zero_sample_weights_raise_no_runtime_warning():
    X, y = make_data(2, seed=5)
    sw = np.ones(len(y))
    sw[:10] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=sw)
    assert 0.0 <= clf.dual_gap_ < 1e-8


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_reaches_a_tight_tol(n_classes):
    # the gradient is summed in float64: with float32 sums the KKT
    # certificate floored near 1e-8 and every one of max_iter steps ran
    X, y = make_data(n_classes, seed=6, n=400, p=15)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = LogisticRegression(tol=1e-9).fit(X.astype(np.float32), y)
    ref = LogisticRegression(tol=1e-9).fit(X, y)
    assert ours.coef_.dtype == np.float32
    assert ours.n_iter_[0] < 30
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


def test_lbfgs_route_leaves_badly_scaled_problems_to_prox_newton(monkeypatch):
    # large pure-L2 fits start with L-BFGS; on features whose scales differ
    # by 300x it used every iteration of the default max_iter and stopped at
    # 13x tol, while prox-Newton's Newton steps need about ten
    import skreg.linear_model._logistic as logistic_module

    monkeypatch.setattr(logistic_module, "_LBFGS_MIN_SIZE", 0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 30)) * np.exp(rng.standard_normal(30))
    y = (X @ (rng.standard_normal(30) / np.exp(rng.standard_normal(30)))
         + rng.standard_normal(3000) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = LogisticRegression(C=1.0).fit(X, y)
    assert clf.kkt_violation_ <= 1e-4
    ref = sklm.LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12,
                                  max_iter=1000).fit(X, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-2,
                               atol=1e-3 * np.abs(ref.coef_).max())


def _collinear_classification(n_classes):
    # 5 of the 20 features are exact linear combinations of 5 others
    from sklearn.datasets import make_classification

    return make_classification(n_samples=1000, n_features=20, n_informative=5,
                               n_redundant=5, n_classes=n_classes,
                               n_clusters_per_class=1, random_state=0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_collinear_weak_l2_converges_like_newton_cholesky(n_classes):
    # coordinate descent crawls on the quadratic models of a nearly singular
    # problem: the binary fit took 2538 prox-Newton steps, the 3-class one
    # did not converge in 10 000 (238 s); exact Newton steps take over
    X, y = _collinear_classification(n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = LogisticRegression(C=1e4, tol=1e-8).fit(X, y)
    assert clf.kkt_violation_ <= 1e-8
    assert clf.n_iter_[0] <= 50
    ref = sklm.LogisticRegression(C=1e4, solver="newton-cholesky", tol=1e-12,
                                  max_iter=1000).fit(X, y)
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-6 * scale)
    np.testing.assert_allclose(clf.intercept_, ref.intercept_, atol=1e-6 * scale)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_newton_cholesky_flat_directions(fit_intercept):
    # softmax loss: the intercepts' common shift and an unpenalized
    # feature's row shift are exactly flat; the solver must step orthogonally
    # to them and still reach the KKT certificate
    from skreg.linear_model._datafits import Multinomial
    from skreg.linear_model._newton_cholesky import newton_cholesky
    from skreg.linear_model._prox_newton import ColumnAccess, kkt_violation

    X, y = make_data(3, seed=2, n=300, p=6)
    sw = np.full(X.shape[0], 1.0 / X.shape[0])
    datafit = Multinomial(y, sw, 3)
    pf = np.array([0.0, 1.0, 1.0, 0.0, 2.0, 1.0])
    Xa = ColumnAccess(X)
    W, b, info = newton_cholesky(Xa, datafit, 0.05, 0.0, pf,
                                 fit_intercept=fit_intercept, tol=1e-12,
                                 max_iter=50)
    assert info["converged"] and info["n_iter"] < 20
    assert kkt_violation(Xa, datafit, W, b, 0.05, 0.0, pf,
                         fit_intercept) <= 1e-12
    # the unpenalized rows keep the start's (zero) mean across classes
    np.testing.assert_allclose(W[pf == 0].sum(axis=1), 0.0, atol=1e-10)


def test_newton_cholesky_unpenalized_collinear_takes_least_norm_steps():
    # C = inf on duplicated columns: the Hessian is singular and the steps
    # are least-norm ones; the fit reaches the certificate with the weight
    # split evenly between the copies, as the least-norm solution has it
    from skreg.linear_model._datafits import BinaryLogistic
    from skreg.linear_model._newton_cholesky import newton_cholesky
    from skreg.linear_model._prox_newton import ColumnAccess

    rng = np.random.default_rng(3)
    x = rng.standard_normal((400, 2))
    X = np.column_stack([x[:, 0], x[:, 0], x[:, 1]])
    y = np.where(x @ [1.0, -1.0] + rng.standard_normal(400) > 0, 1.0, -1.0)
    sw = np.full(400, 1.0 / 400)
    W, _, info = newton_cholesky(ColumnAccess(X), BinaryLogistic(y, sw), 0.0,
                                 0.0, np.ones(3), tol=1e-10, max_iter=50)
    assert info["converged"]
    np.testing.assert_allclose(W[0], W[1], rtol=1e-8)


def _lrcv_pair(X, y, **params):
    kw = dict(use_legacy_attributes=False, l1_ratios=(0,))
    kw.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = LogisticRegressionCV(**kw).fit(X, y)
        ref = sklm.LogisticRegressionCV(**kw).fit(X, y)
    return ours, ref


@pytest.mark.parametrize("scoring", ["f1", "precision", "neg_brier_score"])
def test_cv_scorer_scores_the_last_class_as_sklearn(scoring):
    # labels {1, 2}: scikit-learn scores classes_[-1] (pos_label=2); f1's own
    # default pos_label=1 scored the other class and chose another C
    from sklearn.datasets import make_classification

    X, y = make_classification(150, 8, n_informative=3, weights=[0.75],
                               flip_y=0.1, random_state=4)
    ours, ref = _lrcv_pair(X, y + 1, cv=3, Cs=6, scoring=scoring)
    np.testing.assert_allclose(ours.scores_, ref.scores_, atol=1e-3)
    assert ours.C_ == ref.C_
    # string labels: f1 without pos_label used to raise
    ours_str, _ = _lrcv_pair(X, np.array(["no", "yes"])[y], cv=3, Cs=6,
                             scoring=scoring)
    np.testing.assert_allclose(ours_str.scores_, ref.scores_, atol=1e-3)


def test_cv_log_loss_with_a_class_missing_from_a_test_fold():
    # the scorer is told every class (scikit-learn's labels=classes)
    X, y = make_data(3, seed=0, n=90, p=6)
    y = y.copy()
    y[:2] = 3  # a fourth class with two members: some test folds lack it
    ours, ref = _lrcv_pair(X, y, cv=3, Cs=4, scoring="neg_log_loss")
    assert np.isfinite(ours.scores_).all()
    assert ours.C_ == ref.C_


@pytest.mark.parametrize("kind", ["mask", "list"])
def test_cv_folds_as_masks_or_lists_on_fortran_X(kind):
    # a pandas-like Fortran X took the compiled row gather with the raw
    # folds: boolean masks became 0/1 row indices (heap corruption), lists
    # raised AttributeError
    X, y = make_data(2, seed=1, n=120, p=5)
    folds = [(np.arange(120) % 3 != k, np.arange(120) % 3 == k) for k in range(3)]
    if kind == "list":
        folds = [(list(np.flatnonzero(tr)), list(np.flatnonzero(te)))
                 for tr, te in folds]
    int_folds = [(np.flatnonzero(np.arange(120) % 3 != k),
                  np.flatnonzero(np.arange(120) % 3 == k)) for k in range(3)]
    ours = LogisticRegressionCV(cv=folds, Cs=4).fit(np.asfortranarray(X), y)
    ref = LogisticRegressionCV(cv=int_folds, Cs=4).fit(np.ascontiguousarray(X), y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10)
    assert ours.C_ == ref.C_


def test_cv_refit_with_a_class_missing_from_a_training_fold():
    # the fold without class 3 puts its intercept near -500; refitting from
    # the folds' average stopped at max_iter (objective 13.8 against 3.19)
    from sklearn.datasets import make_classification

    X, y = make_classification(90, 6, n_informative=4, n_classes=3,
                               random_state=0)
    y = y.copy()
    y[5] = 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a 1-member class
        warnings.simplefilter("error", ConvergenceWarning)
        cv_model = LogisticRegressionCV(cv=3, Cs=4, l1_ratios=(0,),
                                        use_legacy_attributes=False).fit(X, y)
    single = LogisticRegression(C=cv_model.C_, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(cv_model.intercept_, single.intercept_, atol=1e-3)
    np.testing.assert_allclose(cv_model.coef_, single.coef_, atol=1e-3)


@pytest.mark.parametrize("Cs", [[1.0, 10.0, 100.0, 1000.0],
                                [1000.0, 100.0, 10.0, 1.0]])
def test_cv_ties_go_to_the_first_C_given_as_sklearn(Cs):
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 5, n_informative=3, random_state=0)
    ours, ref = _lrcv_pair(X, y, cv=3, Cs=Cs, tol=1e-8, max_iter=1000)
    np.testing.assert_allclose(ours.scores_, ref.scores_)
    assert ours.C_ == ref.C_


def test_cv_1se_rule_applies_without_refit():
    # refit=False used each fold's best C whatever the rule
    from sklearn.datasets import make_classification

    X, y = make_classification(200, 10, n_informative=3, flip_y=0.2,
                               random_state=0)
    kw = dict(cv=5, Cs=40, scoring="neg_log_loss", use_legacy_attributes=False)
    refit = LogisticRegressionCV(selection_rule="1se", **kw).fit(X, y)
    no_refit = LogisticRegressionCV(selection_rule="1se", refit=False,
                                    **kw).fit(X, y)
    best = LogisticRegressionCV(refit=False, **kw).fit(X, y)
    assert no_refit.C_ == refit.C_ < best.C_
    c = list(refit.Cs_).index(refit.C_)
    expected = refit.coefs_paths_[:, 0, c, 0].mean(axis=0)
    np.testing.assert_allclose(no_refit.coef_[0], expected[:-1])
    np.testing.assert_allclose(no_refit.intercept_[0], expected[-1])


def test_sparse_input_is_not_modified_and_may_be_read_only():
    # a CSC X with duplicates or unsorted indices used to be made canonical
    # in place (the caller's matrix changed; read-only arrays raised)
    X, y = make_data(2, seed=4, n=80, p=6)
    c = sp.csc_matrix(X)
    dup = sp.csc_matrix((np.repeat(c.data / 2, 2), np.repeat(c.indices, 2),
                         2 * c.indptr), shape=X.shape)
    assert not dup.has_canonical_format
    nnz = dup.nnz
    for a in (dup.data, dup.indices, dup.indptr):
        a.setflags(write=False)
    ours = LogisticRegression(C=1.0, tol=1e-10).fit(dup, y)
    ref = LogisticRegression(C=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    assert dup.nnz == nnz and not dup.has_canonical_format


def test_multinomial_on_two_classes_uses_sklearn_legacy_layout():
    # scikit-learn < 1.8 reported the second softmax row only; (2, p) coef_
    # broke binary scorers (roc_auc: "y should be a 1d array")
    from sklearn.model_selection import cross_val_score

    X, y = make_data(2, seed=5, n=120, p=5)
    soft = LogisticRegression(C=0.5, multi_class="multinomial", tol=1e-10).fit(X, y)
    # rows (-w, w): the binary loss of 2w with half the penalty strength
    binary = LogisticRegression(C=1.0, tol=1e-10).fit(X, y)
    assert soft.coef_.shape == (1, 5) and soft.intercept_.shape == (1,)
    np.testing.assert_allclose(soft.coef_, binary.coef_ / 2, rtol=1e-7)
    np.testing.assert_allclose(soft.intercept_, binary.intercept_ / 2, rtol=1e-7)
    np.testing.assert_allclose(soft.predict_proba(X), binary.predict_proba(X),
                               rtol=1e-7)
    assert soft.decision_function(X).shape == (120,)
    scores = cross_val_score(LogisticRegression(multi_class="multinomial"), X,
                             y, scoring="roc_auc", cv=3)
    assert np.all(scores > 0.5)
    warm = LogisticRegression(C=0.5, multi_class="multinomial", tol=1e-10,
                              warm_start=True).fit(X, y)
    warm.fit(X, y)
    assert warm.n_iter_[0] == 1
    np.testing.assert_allclose(np.exp(soft.predict_log_proba(X)),
                               soft.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("params", [{"l1_ratio": 1.0, "C": 0.5},
                                    {"C": np.inf}])
def test_multinomial_on_two_classes_with_a_non_unique_row_split(params):
    # with L1 or no penalty the softmax rows need not be opposite; reporting
    # the second row alone lost the features the first one carried
    # (probabilities off by 0.88, coef_ all zero without a penalty). The
    # cheapest split of v = w_1 - w_0 costs |v| in L1: the binary L1 fit at
    # the same C has the same probabilities
    X, y = make_data(2, seed=5, n=120, p=6)
    soft = LogisticRegression(multi_class="multinomial", tol=1e-10,
                              max_iter=1000, **params).fit(X, y)
    binary = LogisticRegression(tol=1e-10, max_iter=1000, **params).fit(X, y)
    np.testing.assert_allclose(soft.predict_proba(X), binary.predict_proba(X),
                               atol=1e-6)
    np.testing.assert_allclose(np.exp(soft.predict_log_proba(X)),
                               soft.predict_proba(X), rtol=1e-12)


def test_cv_routes_groups_to_the_splitter_like_sklearn():
    import sklearn
    from sklearn.model_selection import GroupKFold, cross_validate

    X, y = make_data(2, seed=6, n=90, p=4)
    groups = np.arange(90) % 6
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        LogisticRegressionCV(cv=GroupKFold(3)).fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        ours = cross_validate(LogisticRegressionCV(cv=GroupKFold(3), Cs=4), X, y,
                              cv=GroupKFold(3), params={"groups": groups})
        ref = cross_validate(sklm.LogisticRegressionCV(cv=GroupKFold(3), Cs=4,
                                                       l1_ratios=(0,)),
                             X, y, cv=GroupKFold(3), params={"groups": groups})
        fitted = LogisticRegressionCV(cv=GroupKFold(3), Cs=4).fit(
            X, y, groups=groups)
    np.testing.assert_allclose(ours["test_score"], ref["test_score"])
    assert fitted.scores_[1].shape == (3, 4)


def test_cv_default_folds_with_a_small_class_match_sklearn():
    # scikit-learn keeps 5 stratified folds (with a warning) when a class has
    # fewer than 5 members; skreg used to switch to fewer folds
    X = np.random.default_rng(0).standard_normal((40, 3))
    y = np.array([0] * 20 + [1] * 17 + [2] * 3)
    with pytest.warns(UserWarning, match="least populated class"):
        LogisticRegressionCV(l1_ratios=(0,)).fit(X, y)
    ours, ref = _lrcv_pair(X, y)
    assert ours.scores_.shape == ref.scores_.shape == (5, 1, 10)
    np.testing.assert_allclose(ours.scores_, ref.scores_)
    assert ours.C_ == ref.C_


def test_stalled_prox_newton_hands_over_to_exact_newton():
    # perfectly collinear columns at different scales next to a wide one:
    # coordinate descent ran one epoch per Newton model and the violation
    # fell 2 % per step (100 steps, KKT 0.05, ConvergenceWarning); steps that
    # do not halve it in ten hand over to exact Newton steps
    rng = np.random.default_rng(26)
    n = 348
    a = rng.normal(0, 0.425, n)
    b = rng.normal(-108, 713, n)
    X = np.column_stack([a, b, a * (0.245 / 0.425)])
    z = np.column_stack([np.zeros(n), 3 * a + 0.001 * b, -2 * a - 0.002 * b])
    y = (z + rng.gumbel(size=(n, 3))).argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = LogisticRegression(C=100.0).fit(X, y)
    assert clf.kkt_violation_ <= 1e-4
    ref = sklm.LogisticRegression(C=100.0, solver="newton-cholesky", tol=1e-12,
                                  max_iter=1000).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X),
                               atol=1e-3)


def test_balanced_class_weight_with_a_zero_weight_class_is_refused():
    # the class's balanced weight is infinite: the fit came back with a NaN
    # intercept, kkt_violation_ = 0 and no warning
    X, y = make_data(3, seed=7, n=60, p=4)
    sw = np.where(y == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match="samples of class 2 have zero total"):
        LogisticRegression(class_weight="balanced").fit(X, y, sample_weight=sw)
