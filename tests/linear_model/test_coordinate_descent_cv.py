"""LassoCV and ElasticNetCV: agreement with scikit-learn, 1se rule, extras, errors."""

import numpy as np
import pytest
import sklearn.linear_model as sk
from scipy import sparse
from sklearn.model_selection import GroupKFold, KFold

from skreg import ElasticNet, ElasticNetCV, Lasso, LassoCV
from skreg.linear_model._cv_selection import cv_mean_and_std_error

TIGHT = dict(tol=1e-14, max_iter=100_000)


def make_data(n_samples=60, n_features=8, noise=1.0, seed=0, density=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[:, 1] += 0.7 * X[:, 0]
    if density is not None:
        X[rng.random(X.shape) > density] = 0.0
    X += 0.3
    w = np.zeros(n_features)
    w[:3] = [2.0, -1.0, 0.5]
    y = X @ w + 0.5 + noise * rng.standard_normal(n_samples)
    sw = rng.uniform(0.2, 3.0, n_samples)
    return X, y, sw


def assert_same_cv(ours, theirs, rtol=1e-6):
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-10)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=rtol)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    scale = max(np.abs(theirs.coef_).max(), 1.0)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=rtol,
                               atol=rtol * scale)


@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_lasso_cv_matches_sklearn(fmt, fit_intercept, weighted):
    X, y, sw = make_data(density=0.6 if fmt != "dense" else None)
    Xf = X if fmt == "dense" else getattr(sparse, f"{fmt}_matrix")(X)
    sw = sw if weighted else None
    params = dict(alphas=20, cv=3, fit_intercept=fit_intercept, **TIGHT)
    ours = LassoCV(**params).fit(Xf, y, sample_weight=sw)
    theirs = sk.LassoCV(**params).fit(Xf, y, sample_weight=sw)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (20, 3)
    assert_same_cv(ours, theirs)
    assert isinstance(ours.n_iter_, int)
    assert not hasattr(ours, "l1_ratio_")


def test_lasso_cv_positive_and_explicit_alphas_match_sklearn():
    X, y, _ = make_data()
    params = dict(alphas=[0.01, 0.3, 0.1, 0.03], cv=4, positive=True, **TIGHT)
    ours = LassoCV(**params).fit(X, y)
    theirs = sk.LassoCV(**params).fit(X, y)
    np.testing.assert_array_equal(ours.alphas_, [0.3, 0.1, 0.03, 0.01])
    assert_same_cv(ours, theirs)
    assert np.all(ours.coef_ >= 0)


@pytest.mark.parametrize("weighted", [False, True])
def test_enet_cv_with_l1_ratio_list_matches_sklearn(weighted):
    X, y, sw = make_data(seed=1)
    sw = sw if weighted else None
    params = dict(l1_ratio=[0.2, 0.7, 1.0], alphas=15, cv=3, **TIGHT)
    ours = ElasticNetCV(**params).fit(X, y, sample_weight=sw)
    theirs = sk.ElasticNetCV(**params).fit(X, y, sample_weight=sw)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (3, 15, 3)
    assert ours.alphas_.shape == theirs.alphas_.shape == (3, 15)
    assert ours.l1_ratio_ == theirs.l1_ratio_
    assert_same_cv(ours, theirs)


def test_enet_cv_single_l1_ratio_float32_sparse():
    X, y, _ = make_data(density=0.5)
    Xs = sparse.csc_matrix(X.astype(np.float32))
    ours = ElasticNetCV(l1_ratio=0.5, alphas=10, cv=3, tol=1e-7).fit(
        Xs, y.astype(np.float32)
    )
    theirs = sk.ElasticNetCV(l1_ratio=0.5, alphas=10, cv=3, **TIGHT).fit(X, y)
    assert ours.coef_.dtype == np.float32
    assert ours.mse_path_.shape == (10, 3)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-5)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-3)


def test_refit_is_the_single_alpha_estimator_at_alpha_():
    X, y, sw = make_data()
    pf = np.linspace(0.0, 2.0, X.shape[1])
    cv = ElasticNetCV(l1_ratio=[0.5, 0.9], alphas=10, cv=3, penalty_factor=pf,
                      **TIGHT).fit(X, y, sample_weight=sw)
    ref = ElasticNet(alpha=cv.alpha_, l1_ratio=cv.l1_ratio_, penalty_factor=pf,
                     **TIGHT).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(cv.coef_, ref.coef_)
    np.testing.assert_allclose(cv.intercept_, ref.intercept_)
    assert cv.dual_gap_ == ref.dual_gap_
    assert cv.kkt_violation_ == ref.kkt_violation_
    # the unpenalized first feature is never zeroed
    assert cv.coef_[0] != 0


def test_penalty_factor_changes_the_grid_like_column_rescaling():
    # For the Lasso a factor c_j is the same as column j divided by c_j: the
    # whole CV (grid, folds, scores) must then agree with sklearn's.
    X, y, _ = make_data()
    c = np.linspace(0.5, 2.0, X.shape[1])
    ours = LassoCV(alphas=12, cv=3, penalty_factor=c, **TIGHT).fit(X, y)
    theirs = sk.LassoCV(alphas=12, cv=3, **TIGHT).fit(X / c, y)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-10)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, theirs.coef_ / c, rtol=1e-6, atol=1e-9)


# --- selection rule -----------------------------------------------------------


def test_one_standard_error_rule_matches_hand_computation():
    X, y, _ = make_data(n_samples=50, n_features=20, noise=3.0, seed=4)
    params = dict(alphas=30, cv=5, tol=1e-8)
    fit_min = LassoCV(**params).fit(X, y)
    fit_1se = LassoCV(selection_rule="1se", **params).fit(X, y)
    np.testing.assert_array_equal(fit_min.mse_path_, fit_1se.mse_path_)

    mean = fit_min.mse_path_.mean(axis=1)
    se = fit_min.mse_path_.std(axis=1, ddof=1) / np.sqrt(5)
    np.testing.assert_allclose(fit_min.cv_std_error_path_, se)
    i_min = int(np.argmin(mean))
    i_1se = int(np.flatnonzero(mean <= mean[i_min] + se[i_min])[0])
    assert fit_min.alpha_ == fit_min.alpha_min_ == fit_min.alphas_[i_min]
    assert fit_1se.alpha_ == fit_1se.alpha_1se_ == fit_min.alphas_[i_1se]
    assert fit_min.alpha_1se_ == fit_1se.alpha_1se_
    # on this noisy problem the rule really regularizes more
    assert fit_1se.alpha_ > fit_min.alpha_
    assert np.count_nonzero(fit_1se.coef_) <= np.count_nonzero(fit_min.coef_)
    ref = Lasso(alpha=fit_1se.alpha_, tol=1e-8).fit(X, y)
    np.testing.assert_allclose(fit_1se.coef_, ref.coef_)


def test_one_standard_error_rule_for_enet_uses_the_best_l1_ratio():
    X, y, _ = make_data(n_samples=50, n_features=20, noise=3.0, seed=5)
    est = ElasticNetCV(l1_ratio=[0.3, 1.0], alphas=20, cv=4, tol=1e-8,
                       selection_rule="1se").fit(X, y)
    row = [0.3, 1.0].index(est.l1_ratio_)
    mean, se = cv_mean_and_std_error(est.mse_path_[row], axis=-1)
    i_1se = int(np.flatnonzero(mean <= mean.min() + se[np.argmin(mean)])[0])
    assert est.alpha_ == est.alphas_[row, i_1se]
    assert est.alpha_ >= est.alpha_min_


# --- CV mechanics -------------------------------------------------------------


def test_parallel_folds_give_the_same_answer():
    X, y, sw = make_data()
    params = dict(l1_ratio=[0.5, 1.0], alphas=10, cv=3, tol=1e-8)
    serial = ElasticNetCV(n_jobs=1, **params).fit(X, y, sample_weight=sw)
    parallel = ElasticNetCV(n_jobs=2, **params).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(serial.mse_path_, parallel.mse_path_)
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)


def test_parallel_folds_sparse_lasso_and_kernels_release_the_gil():
    from skreg.linear_model import (
        _cd_kernels,
        _datafits,
        _multitask,
        _outer_kernels,
    )

    X, y, _ = make_data(n_samples=80, n_features=30, density=0.3)
    X = sparse.csr_matrix(X)
    serial = LassoCV(n_jobs=1, cv=4, alphas=20).fit(X, y)
    parallel = LassoCV(n_jobs=2, cv=4, alphas=20).fit(X, y)
    np.testing.assert_array_equal(serial.mse_path_, parallel.mse_path_)
    np.testing.assert_array_equal(serial.coef_, parallel.coef_)
    # joblib threads only overlap if the compiled entry points drop the GIL
    for kernel in (_cd_kernels.cd_working_set_dense,
                   _cd_kernels.cd_working_set_sparse,
                   _cd_kernels.cd_working_set_gram,
                   _datafits.quadratic_column_norms,
                   _datafits.quadratic_enet_gap,
                   _cd_kernels.dense_column_stats,
                   _outer_kernels.refresh_correlations_dense,
                   _outer_kernels.refresh_correlations_sparse,
                   _outer_kernels.gap_safe_drop,
                   _outer_kernels.select_working_set,
                   _outer_kernels.outer_step,
                   _multitask._multitask_epochs):
        assert kernel.targetoptions.get("nogil") is True, kernel.__name__


def test_zero_weights_are_the_same_as_dropped_samples():
    X, y, sw = make_data()
    sw[::5] = 0.0
    keep = sw > 0
    # explicit folds, expressed on the full and on the reduced index sets
    position = np.cumsum(keep) - 1
    folds_full = list(KFold(3).split(X))
    folds_kept = [
        (position[tr[keep[tr]]], position[te[keep[te]]]) for tr, te in folds_full
    ]
    params = dict(alphas=10, **TIGHT)
    weighted = LassoCV(cv=folds_full, **params).fit(X, y, sample_weight=sw)
    dropped = LassoCV(cv=folds_kept, **params).fit(
        X[keep], y[keep], sample_weight=sw[keep]
    )
    np.testing.assert_allclose(weighted.alphas_, dropped.alphas_, rtol=1e-10)
    np.testing.assert_allclose(weighted.mse_path_, dropped.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(weighted.coef_, dropped.coef_, rtol=1e-6, atol=1e-9)


def test_folds_with_zero_weights():
    X, y, sw = make_data()
    folds = list(KFold(3).split(X))
    sw_test0 = sw.copy()
    sw_test0[folds[0][1]] = 0.0  # fold 0's test part carries no information
    est = LassoCV(alphas=5, cv=folds).fit(X, y, sample_weight=sw_test0)
    assert np.all(np.isnan(est.mse_path_[:, 0]))
    assert np.all(np.isfinite(est.mse_path_[:, 1:]))
    np.testing.assert_allclose(
        est.cv_std_error_path_, est.mse_path_[:, 1:].std(axis=1, ddof=1) / np.sqrt(2)
    )
    sw_train0 = np.zeros_like(sw)
    sw_train0[folds[0][1]] = 1.0  # only fold 0's test part is weighted
    with pytest.raises(ValueError, match="training fold has only zero"):
        LassoCV(alphas=5, cv=folds).fit(X, y, sample_weight=sw_train0)


def test_groups_are_routed_to_the_splitter():
    import sklearn

    X, y, _ = make_data()
    groups = np.repeat(np.arange(6), 10)
    with sklearn.config_context(enable_metadata_routing=True):
        est = LassoCV(alphas=5, cv=GroupKFold(3), **TIGHT).fit(X, y, groups=groups)
        theirs = sk.LassoCV(alphas=5, cv=GroupKFold(3), **TIGHT)
        theirs.fit(X, y, groups=groups)
    np.testing.assert_allclose(est.mse_path_, theirs.mse_path_, rtol=1e-6)
    with pytest.raises(ValueError, match="groups"):
        LassoCV(alphas=5, cv=GroupKFold(3)).fit(X, y, groups=groups)


def test_sparse_input_is_not_densified(forbid_densifying):
    X, y, sw = make_data(density=0.4)
    Xs = sparse.csc_matrix(X)
    forbid_densifying(X.shape[0])
    LassoCV(alphas=5, cv=3).fit(Xs, y, sample_weight=sw)


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cls, params, match",
    [
        (ElasticNetCV, {"l1_ratio": [0.5, 1.5]}, "l1_ratio values must lie in"),
        (ElasticNetCV, {"l1_ratio": 1.5}, "'l1_ratio' parameter"),
        (ElasticNetCV, {"l1_ratio": 0.0}, "l1_ratio=0"),
        (LassoCV, {"alphas": [0.1, -1.0]}, r"alphas\[1\]"),
        (LassoCV, {"alphas": 0}, "'alphas' parameter"),
        (LassoCV, {"eps": 0.0}, "'eps' parameter"),
        (LassoCV, {"selection_rule": "2se"}, "'selection_rule' parameter"),
        (LassoCV, {"penalty_factor": np.ones(3)}, "penalty_factor has shape"),
        (LassoCV, {"penalty_factor": -np.ones(8)}, "penalty_factor must be non-neg"),
    ],
)
def test_bad_hyper_parameters(cls, params, match):
    X, y, _ = make_data()
    with pytest.raises(ValueError, match=match):
        cls(cv=3, **params).fit(X, y)


@pytest.mark.parametrize("cls", [LassoCV, ElasticNetCV])
def test_bad_data(cls):
    X, y, sw = make_data()
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    cases = [
        (X_nan, y, {}, "NaN"),
        (X, y[:-1], {}, "inconsistent numbers of samples"),
        (X[:0], y[:0], {}, "0 sample"),
        (X, np.c_[y, y], {}, "multi-task"),
        (X, y, {"sample_weight": -sw}, "Negative values"),
        (X, y, {"sample_weight": sw[:3]}, "sample_weight"),
    ]
    for X_, y_, kw, match in cases:
        with pytest.raises(ValueError, match=match):
            cls(cv=3, alphas=5).fit(X_, y_, **kw)


def test_overflowing_products_and_multi_target_messages():
    # float32 X and y near 1e19: X^T y overflows; the grid was NaN and the
    # error blamed alpha ("alpha must be a finite non-negative number")
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((50, 4)) * 1e19).astype(np.float32)
    y = (X.astype(np.float64) @ np.ones(4)).astype(np.float32)
    with pytest.raises(ValueError, match="X\\^T y overflows in float32"):
        LassoCV(cv=3).fit(X, y)
    # skreg has no MultiTaskLassoCV: the message must not send users there
    with pytest.raises(ValueError, match="fit one LassoCV per target, or "
                                         "scikit-learn's MultiTaskLassoCV"):
        LassoCV(cv=3).fit(X.astype(np.float64) / 1e19, np.ones((50, 2)))
