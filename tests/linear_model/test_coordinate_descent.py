"""Lasso and ElasticNet: agreement with scikit-learn, certificates, extras, errors."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skreg import ElasticNet, Lasso

TIGHT = dict(tol=1e-12, max_iter=100_000)


def make_data(n_samples=40, n_features=10, n_targets=None, seed=0, density=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[:, 1] += 0.8 * X[:, 0]  # correlated columns, the interesting case for CD
    if density is not None:
        X[rng.random(X.shape) > density] = 0.0
    X += 0.5  # non-centered columns make the intercept matter
    w = np.zeros(n_features)
    w[:4] = [3.0, -2.0, 1.5, 0.5]
    shape = (n_samples,) if n_targets is None else (n_samples, n_targets)
    noise = rng.standard_normal(shape)
    y = X @ w + 1.0 + noise if n_targets is None else (X @ w + 1.0)[:, None] + noise
    sw = rng.integers(0, 4, n_samples).astype(float) + rng.random(n_samples)
    return X, y, sw


def objective(X, y, coef, intercept, alpha, l1_ratio, sw=None, pf=None):
    """The documented objective, computed independently of the solver."""
    sw = np.ones(X.shape[0]) if sw is None else sw
    pf = np.ones(X.shape[1]) if pf is None else pf
    r = y - X @ coef - intercept
    data = 0.5 * np.sum(sw * r**2) / np.sum(sw)
    per_feature = l1_ratio * np.abs(coef) + 0.5 * (1 - l1_ratio) * coef**2
    pen = alpha * np.sum(pf * per_feature)
    return data + pen


def pair(name, **params):
    ours = {"Lasso": Lasso, "ElasticNet": ElasticNet}[name](**params)
    theirs = getattr(sk, name)(**params)
    return ours, theirs


def assert_same_fit(ours, theirs, rtol=1e-6):
    scale = max(np.max(np.abs(theirs.coef_)), 1.0)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(
        ours.intercept_, theirs.intercept_, rtol=rtol, atol=rtol * scale
    )


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_matches_sklearn(name, fmt, fit_intercept, weighted, positive):
    X, y, sw = make_data(density=0.5 if fmt != "dense" else None)
    Xf = X if fmt == "dense" else getattr(sparse, f"{fmt}_matrix")(X)
    sw = sw if weighted else None
    ours, theirs = pair(
        name, alpha=0.05, fit_intercept=fit_intercept, positive=positive, **TIGHT
    )
    ours.fit(Xf, y, sample_weight=sw)
    theirs.fit(Xf, y, sample_weight=sw)
    assert_same_fit(ours, theirs)
    assert ours.coef_.shape == theirs.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(theirs.intercept_)
    assert isinstance(ours.n_iter_, int)
    np.testing.assert_allclose(
        ours.predict(Xf), theirs.predict(Xf), rtol=1e-6, atol=1e-6 * np.abs(y).max()
    )


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_multi_output_matches_sklearn(name, fit_intercept, fmt):
    X, Y, sw = make_data(n_targets=3, density=0.5 if fmt != "dense" else None)
    X = X if fmt == "dense" else sparse.csc_matrix(X)
    ours, theirs = pair(name, alpha=0.1, fit_intercept=fit_intercept, **TIGHT)
    ours.fit(X, Y, sample_weight=sw)
    theirs.fit(X, Y, sample_weight=sw)
    assert ours.coef_.shape == (3, X.shape[1])
    assert_same_fit(ours, theirs)
    assert np.shape(ours.dual_gap_) == (3,)
    assert np.shape(ours.kkt_violation_) == (3,)
    assert len(ours.n_iter_) == 3
    assert ours.sparse_coef_.shape == (3, X.shape[1])
    assert ours.predict(X).shape == Y.shape


def test_single_column_2d_y_has_sklearn_shapes():
    X, y, _ = make_data()
    ours = Lasso(alpha=0.1).fit(X, y[:, None])
    theirs = sk.Lasso(alpha=0.1).fit(X, y[:, None])
    assert ours.coef_.shape == theirs.coef_.shape == (X.shape[1],)
    assert np.shape(ours.intercept_) == np.shape(theirs.intercept_) == (1,)
    assert ours.predict(X).shape == (X.shape[0],)


def test_positive_multi_output_is_rejected_like_sklearn():
    X, Y, _ = make_data(n_targets=2)
    with pytest.raises(ValueError, match="positive=True is not allowed"):
        Lasso(positive=True).fit(X, Y)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
def test_float32_stays_float32(name, fmt):
    X, y, _ = make_data()
    X32 = X.astype(np.float32)
    X32 = X32 if fmt == "dense" else sparse.csc_matrix(X32)
    ours, theirs = pair(name, alpha=0.05, tol=1e-6, max_iter=10_000)
    ours.fit(X32, y.astype(np.float32))
    theirs.fit(X, y)
    assert ours.coef_.dtype == np.float32
    assert np.asarray(ours.intercept_).dtype == np.float32
    assert ours.predict(X32).dtype == np.float32
    # float32 resolution limits the attainable gap: compare at float32 accuracy
    assert_same_fit(ours, theirs, rtol=1e-3)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
def test_gram_precompute_matches_sklearn(name):
    X, y, _ = make_data(n_samples=80, n_features=6)
    for precompute in (True, X.T @ X):
        ours, theirs = pair(
            name, alpha=0.05, precompute=precompute, fit_intercept=False, **TIGHT
        )
        assert_same_fit(ours.fit(X, y), theirs.fit(X, y))


def test_wrong_gram_shape_is_an_error():
    X, y, _ = make_data()
    with pytest.raises(ValueError, match="Gram"):
        Lasso(precompute=np.eye(3)).fit(X, y)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
@pytest.mark.parametrize("weighted", [False, True])
def test_certificates_bound_the_suboptimality(name, weighted):
    X, y, sw = make_data(seed=3)
    sw = sw if weighted else None
    tol = 1e-4
    ours, theirs = pair(name, alpha=0.05, tol=tol)
    ours.fit(X, y, sample_weight=sw)
    theirs.set_params(**TIGHT).fit(X, y, sample_weight=sw)
    l1_ratio = ours.l1_ratio
    f_ours = objective(X, y, ours.coef_, ours.intercept_, 0.05, l1_ratio, sw)
    f_best = objective(X, y, theirs.coef_, theirs.intercept_, 0.05, l1_ratio, sw)
    gap = ours.dual_gap_
    # the gap is a certified bound on the suboptimality and meets sklearn's tol
    assert 0 <= f_ours - f_best <= gap + 1e-12
    y_c = y - np.average(y, weights=sw)
    w = np.ones_like(y) if sw is None else sw * len(y) / sw.sum()
    assert gap <= tol * np.sum(w * y_c**2) / len(y)
    assert ours.kkt_violation_ >= 0
    assert np.isfinite(ours.kkt_violation_)


def test_tight_fit_has_small_kkt_violation():
    X, y, _ = make_data()
    reg = ElasticNet(alpha=0.05, **TIGHT).fit(X, y)
    assert reg.kkt_violation_ <= 1e-5
    assert reg.dual_gap_ <= 1e-10


def test_convergence_warning_when_max_iter_is_hit():
    X, y, _ = make_data()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        Lasso(alpha=1e-4, max_iter=2, tol=1e-14).fit(X, y)


def test_alpha_zero_warns_like_sklearn():
    X, y, _ = make_data()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        Lasso(alpha=0.0, max_iter=50).fit(X, y)
    assert any("alpha=0" in str(w.message) for w in record)


def test_warm_start_reuses_the_previous_solution():
    X, y, _ = make_data()
    reg = Lasso(alpha=0.05, warm_start=True, tol=1e-10, max_iter=10_000).fit(X, y)
    first = reg.coef_.copy()
    reg.fit(X, y)
    assert reg.n_iter_ <= 2
    np.testing.assert_allclose(reg.coef_, first, rtol=1e-8, atol=1e-10)


def test_sparse_coef_and_attributes():
    X, y, _ = make_data()
    reg = Lasso(alpha=0.3).fit(X, y)
    assert sparse.issparse(reg.sparse_coef_)
    np.testing.assert_array_equal(reg.sparse_coef_.toarray()[0], reg.coef_)
    assert reg.n_features_in_ == X.shape[1]
    assert Lasso(alpha=0.3).fit(X, y, sample_weight=2.0).coef_.shape == reg.coef_.shape


def test_sparse_input_is_not_densified_nor_modified(monkeypatch, forbid_densifying):
    X, y, sw = make_data(density=0.3)
    Xs = sparse.csc_matrix(X)
    before = Xs.copy()
    forbid_densifying(X.shape[0])
    ElasticNet(alpha=0.05, fit_intercept=True).fit(Xs, y, sample_weight=sw)
    monkeypatch.undo()
    assert (Xs != before).nnz == 0


def test_dense_input_is_not_modified():
    X, y, sw = make_data()
    X_f = np.asfortranarray(X)
    X_before, y_before, sw_before = X_f.copy(), y.copy(), sw.copy()
    ElasticNet(alpha=0.05).fit(X_f, y, sample_weight=sw)
    np.testing.assert_array_equal(X_f, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(sw, sw_before)


# --- penalty_factor -----------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_penalty_factor_equals_column_rescaling(fit_intercept, fmt):
    # For the Lasso, a factor c_j on |w_j| is the same problem as column j
    # divided by c_j, with w_j = w'_j / c_j.
    X, y, _ = make_data()
    c = np.linspace(0.5, 2.0, X.shape[1])
    conv = (lambda A: A) if fmt == "dense" else sparse.csc_matrix
    ours = Lasso(alpha=0.05, penalty_factor=c, fit_intercept=fit_intercept, **TIGHT)
    ours.fit(conv(X), y)
    ref = sk.Lasso(alpha=0.05, fit_intercept=fit_intercept, **TIGHT).fit(X / c, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_ / c, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)


def test_zero_penalty_factor_leaves_a_feature_unpenalized():
    X, y, _ = make_data()
    pf = np.ones(X.shape[1])
    pf[2] = 0.0
    # huge alpha: every penalized coefficient is 0, feature 2 is plain OLS
    reg = ElasticNet(alpha=1e6, l1_ratio=0.7, penalty_factor=pf, **TIGHT).fit(X, y)
    x = X[:, 2]
    slope = np.cov(x, y, bias=True)[0, 1] / np.var(x)
    expected = np.zeros(X.shape[1])
    expected[2] = slope
    np.testing.assert_allclose(reg.coef_, expected, atol=1e-8)
    np.testing.assert_allclose(reg.intercept_, y.mean() - slope * x.mean(), rtol=1e-8)


@pytest.mark.parametrize("route", ["dense", "csc", "gram"])
@pytest.mark.parametrize("weighted", [False, True])
def test_constant_columns_get_zero_coefficients_even_unpenalized(route, weighted):
    # 0.1 and 1/3 are not exact in binary: their centered norms come out as
    # rounding (~1e-30), not 0. An unpenalized such column used to be followed
    # to arbitrary coefficients (sparse X: wrong predictions, NaN gap) and a
    # Gram diagonal went negative (NaN column norms).
    X, y, sw = make_data(n_samples=60)
    X[:, 3], X[:, 5] = 0.1, 1 / 3
    sw = sw + 0.5 if weighted else None
    pf = np.ones(X.shape[1])
    pf[[3, 5]] = 0.0
    params = dict(alpha=0.05, l1_ratio=0.8, **TIGHT)
    fit_X = sparse.csc_matrix(X) if route == "csc" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning, no NaN warning
        ours = ElasticNet(penalty_factor=pf, precompute=route == "gram", **params)
        ours.fit(fit_X, y, sample_weight=sw)
    theirs = sk.ElasticNet(**params).fit(np.delete(X, [3, 5], axis=1), y,
                                         sample_weight=sw)
    assert ours.coef_[3] == 0.0 and ours.coef_[5] == 0.0
    np.testing.assert_allclose(np.delete(ours.coef_, [3, 5]), theirs.coef_,
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-7)
    assert np.isfinite(ours.dual_gap_) and ours.dual_gap_ <= 1e-10


@pytest.mark.parametrize("offset", [1e3, 1e5, 1e8])
@pytest.mark.parametrize("precompute", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_large_column_means_do_not_cost_accuracy(offset, precompute, weighted):
    # implicit centering (raw products minus mean terms) lost digits here: the
    # Gram route was off by 5e-7 at means 1e4 x the spread, the residual route
    # diverged at 1e8. The answer does not depend on the means (intercept).
    X, y, sw = make_data(n_samples=80)
    sw = sw + 0.5 if weighted else None
    shifted = X.copy()
    shifted[:, 2] += offset
    shifted[:, 7] -= 3 * offset
    params = dict(alpha=0.02, l1_ratio=0.9, **TIGHT)
    ref = sk.ElasticNet(**params).fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = ElasticNet(precompute=precompute, **params).fit(
            shifted, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-8)
    shift = offset * (ref.coef_[2] - 3 * ref.coef_[7])
    expected_intercept = ref.intercept_ - shift
    np.testing.assert_allclose(ours.intercept_, expected_intercept, rtol=1e-7,
                               atol=1e-8 * offset)
    assert ours.dual_gap_ <= 1e-10
    np.testing.assert_allclose(ours.predict(shifted), ref.predict(X), atol=1e-6)


def test_sparse_columns_with_huge_means_warn():
    X, y, _ = make_data(n_samples=80)
    X[:, 2] += 1e7
    with pytest.warns(UserWarning, match="means up to .* times their spread"):
        Lasso(alpha=0.01, max_iter=20).fit(sparse.csc_matrix(X), y)


def test_penalty_factor_is_not_mutated_and_list_accepted():
    X, y, _ = make_data()
    pf = [1.0] * X.shape[1]
    reg = Lasso(alpha=0.05, penalty_factor=pf).fit(X, y)
    assert reg.penalty_factor == [1.0] * X.shape[1]
    ref = Lasso(alpha=0.05).fit(X, y)
    np.testing.assert_allclose(reg.coef_, ref.coef_)


# --- hypothesis properties ----------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    l1_ratio=st.sampled_from([1.0, 0.5]),
    sparse_x=st.booleans(),
)
def test_integer_weights_equal_repeated_rows(seed, l1_ratio, sparse_x):
    rng = np.random.default_rng(seed)
    X, y, _ = make_data(n_samples=15, n_features=5, seed=seed)
    counts = rng.integers(0, 4, X.shape[0])
    counts[0] = max(counts[0], 1)
    conv = sparse.csc_matrix if sparse_x else np.asarray
    params = dict(alpha=0.05, l1_ratio=l1_ratio, **TIGHT)
    weighted = ElasticNet(**params).fit(conv(X), y, sample_weight=counts)
    repeated = ElasticNet(**params).fit(
        conv(np.repeat(X, counts, axis=0)), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        weighted.intercept_, repeated.intercept_, rtol=1e-6, atol=1e-8
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), positive=st.booleans())
def test_permuting_features_permutes_coefficients(seed, positive):
    rng = np.random.default_rng(seed)
    X, y, _ = make_data(n_samples=20, n_features=6, seed=seed)
    perm = rng.permutation(X.shape[1])
    pf = rng.uniform(0.5, 2.0, X.shape[1])
    params = dict(alpha=0.05, positive=positive, **TIGHT)
    ref = Lasso(penalty_factor=pf, **params).fit(X, y)
    permuted = Lasso(penalty_factor=pf[perm], **params).fit(X[:, perm], y)
    np.testing.assert_allclose(permuted.coef_, ref.coef_[perm], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(permuted.intercept_, ref.intercept_, rtol=1e-6)


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("cls", [Lasso, ElasticNet])
def test_bad_input_errors(cls):
    X, y, _ = make_data()
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    X_inf = X.copy()
    X_inf[1, 1] = np.inf
    y_nan = y.copy()
    y_nan[3] = np.nan
    cases = [
        (X_nan, y, {}, "NaN"),
        (X_inf, y, {}, "infinity"),
        (X, y_nan, {}, "NaN"),
        (X[:0], y[:0], {}, "0 sample"),
        (X[:, :0], y, {}, "0 feature"),
        (X, y[:-1], {}, "inconsistent numbers of samples"),
        (X, y, {"sample_weight": -np.ones(len(y))}, "Negative values"),
        (X, y, {"sample_weight": np.ones(3)}, "sample_weight"),
        (X, y, {"sample_weight": np.full(len(y), np.nan)}, "NaN"),
    ]
    for X_, y_, kw, match in cases:
        with pytest.raises(ValueError, match=match):
            cls().fit(X_, y_, **kw)


@pytest.mark.parametrize(
    "cls, params, match",
    [
        (Lasso, {"alpha": -1.0}, "'alpha' parameter of Lasso"),
        (ElasticNet, {"alpha": -0.5}, "'alpha' parameter of ElasticNet"),
        (ElasticNet, {"l1_ratio": 1.5}, "'l1_ratio' parameter"),
        (ElasticNet, {"l1_ratio": -0.1}, "'l1_ratio' parameter"),
        (Lasso, {"penalty_factor": np.ones(3)}, "penalty_factor has shape"),
        (Lasso, {"penalty_factor": -np.ones(10)}, "must be non-negative"),
        (Lasso, {"penalty_factor": [np.nan] * 10}, "penalty_factor contains NaN"),
        (Lasso, {"selection": "greedy"}, "'selection' parameter"),
        (Lasso, {"max_iter": 0}, "'max_iter' parameter"),
        (Lasso, {"tol": -1.0}, "'tol' parameter"),
    ],
)
def test_bad_hyper_parameters(cls, params, match):
    X, y, _ = make_data()
    with pytest.raises(ValueError, match=match):
        cls(**params).fit(X, y)


def test_non_numeric_input_is_an_error():
    X, y, _ = make_data()
    with pytest.raises(ValueError):
        Lasso().fit(np.array([["a", "b"]] * 5), y[:5])
    with pytest.raises((TypeError, ValueError), match="penalty_factor"):
        Lasso(penalty_factor=["a"] * X.shape[1]).fit(X, y)


def test_clone_and_pickle_round_trip():
    import pickle

    X, y, _ = make_data()
    reg = ElasticNet(alpha=0.1, penalty_factor=np.ones(X.shape[1])).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    assert clone(reg).get_params()["alpha"] == 0.1


@pytest.mark.parametrize("mode", ["dense", "sparse", "gram"])
def test_float32_dual_gap_bounds_true_suboptimality(mode):
    # the certificate of a float32 fit is computed with float64 accumulators:
    # it must bound the distance to the float64 optimum (of the same
    # float32-rounded data), not just the float32 rounding noise
    rng = np.random.RandomState(0)
    X = (rng.randn(200, 50) * 3 + 5).astype(np.float32)
    y = X[:, :5].astype(np.float64) @ rng.randn(5) * 10 + rng.randn(200) + 100
    Xi = sparse.csc_matrix(X) if mode == "sparse" else X
    params = dict(alpha=0.01, l1_ratio=0.5, max_iter=100_000)
    est = ElasticNet(tol=1e-10, precompute=(mode == "gram"), **params).fit(Xi, y)
    assert est.coef_.dtype == np.float32
    X64 = X.astype(np.float64)
    ref = ElasticNet(tol=1e-15, **params).fit(X64, y)

    def objective(coef, intercept):
        r = y - X64 @ coef - intercept
        return (0.5 * r @ r / len(y) + 0.01 * (0.5 * np.abs(coef).sum()
                                               + 0.25 * coef @ coef))

    subopt = objective(est.coef_.astype(np.float64), est.intercept_) - objective(
        ref.coef_, ref.intercept_)
    # slack: rounding the returned coefficients to float32 (second order)
    assert subopt <= est.dual_gap_ + 1e-13 * np.var(y)
    assert est.dual_gap_ <= 1e-10 * np.var(y)  # and it did converge to tol


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("gram", [False, True])
def test_non_finite_X_gives_sklearns_message(name, bad, gram):
    # dense X is checked inside the solver's first pass (not by a separate
    # scan), with scikit-learn's exact message, also next to a user Gram
    rng = np.random.RandomState(0)
    X = rng.rand(30, 6)
    y = rng.rand(30)
    precompute = X.T @ X if gram else False
    X[7, 4] = bad
    with pytest.raises(ValueError) as theirs:
        getattr(sk, name)(precompute=precompute, fit_intercept=False).fit(X, y)
    ours_cls = {"Lasso": Lasso, "ElasticNet": ElasticNet}[name]
    with pytest.raises(ValueError) as ours:
        ours_cls(precompute=precompute, fit_intercept=False).fit(X, y)
    assert str(ours.value) == str(theirs.value)


def _csc_with_duplicates(X):
    """CSC matrix equal to X with every entry stored as two halves."""
    c = sparse.csc_matrix(X)
    dup = sparse.csc_matrix((np.repeat(c.data / 2, 2), np.repeat(c.indices, 2),
                             2 * c.indptr), shape=X.shape)
    assert not dup.has_canonical_format
    return dup


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_duplicate_entries_mean_their_sum(fit_intercept):
    # scipy's duplicates are summed; the kernels read each stored entry as
    # a separate one (Lasso was off by 0.25), and the caller's X is untouched
    from skreg import lasso_path

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 12)) * (rng.random((60, 12)) < 0.3)
    y = X @ rng.standard_normal(12) + 0.1 * rng.standard_normal(60)
    dup = _csc_with_duplicates(X)
    nnz = dup.nnz
    for est in (Lasso(alpha=0.05, fit_intercept=fit_intercept, tol=1e-12),
                ElasticNet(alpha=0.05, l1_ratio=0.5, fit_intercept=fit_intercept,
                           tol=1e-12)):
        dense = clone(est).fit(X, y)
        np.testing.assert_allclose(clone(est).fit(dup, y).coef_, dense.coef_,
                                   atol=1e-10)
    _, coefs, _ = lasso_path(dup, y, alphas=[0.1, 0.01], precompute=False,
                             tol=1e-12)
    _, ref, _ = lasso_path(X, y, alphas=[0.1, 0.01], precompute=False, tol=1e-12)
    np.testing.assert_allclose(coefs, ref, atol=1e-10)
    assert dup.nnz == nnz and not dup.has_canonical_format
