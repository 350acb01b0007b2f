"""The one-pass float32 Gram of the mixed-precision Ridge solver: moments
against float64 references, on both memory layouts and across row blocks."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import skreg.linear_model._float32_gram as gram_module
import skreg.linear_model._ridge as ridge_module
from skreg import Ridge
from skreg.linear_model._float32_gram import float32_gram_pass
from skreg.linear_model._ridge_solvers import weighted_means


def _data(order, seed=0):
    rng = np.random.RandomState(seed)
    n, p = 301, 7
    X = rng.randn(n, p) * rng.uniform(0.5, 3.0, p) + rng.uniform(-50, 50, p)
    X[:, 3] = np.arange(n) * 0.1 + 1e3  # sorted trend: early rows are not the mean
    Y = np.column_stack([X @ rng.randn(p) + rng.randn(n), rng.randn(n)])
    sw = rng.uniform(0.1, 3.0, n)
    sw[::17] = 0.0
    return np.asarray(X, order=order), Y, sw


@pytest.fixture
def mixed_route(monkeypatch):
    # any dense float64 X takes the mixed-precision route
    monkeypatch.setattr(ridge_module, "_MIXED_MIN_SIZE", 0)
    monkeypatch.setattr(ridge_module, "_MIXED_MIN_FEATURES", 1)


@pytest.fixture
def small_blocks(monkeypatch):
    # 64-row blocks: 5 blocks of 301 rows, the last one partial
    monkeypatch.setattr(gram_module, "_BLOCK_BYTES", 64 * 8 * 7)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_moments_match_float64(small_blocks, order, weighted, fit_intercept):
    X, Y, sw = _data(order)
    sw = sw if weighted else None
    G, C, x_mean, y_mean, finite = float32_gram_pass(X, Y, sw, fit_intercept)
    assert finite

    w = np.ones(len(X)) if sw is None else sw
    if fit_intercept:
        ref_x_mean = w @ X / w.sum()
        ref_y_mean = w @ Y / w.sum()
    else:
        ref_x_mean, ref_y_mean = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    A = np.sqrt(w)[:, None] * (X - ref_x_mean)
    B = np.sqrt(w)[:, None] * (Y - ref_y_mean)
    ref_G = A.T @ A
    upper = np.triu_indices(X.shape[1])

    np.testing.assert_allclose(x_mean, ref_x_mean, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(y_mean, ref_y_mean, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(C, A.T @ B, rtol=1e-11, atol=1e-9 * np.abs(C).max())
    # float32 rows: each entry to a few float32 roundings of the centered data
    scale = np.sqrt(np.outer(np.diag(ref_G), np.diag(ref_G)))[upper]
    assert np.max(np.abs(G[upper] - ref_G[upper]) / scale) < 1e-6


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("one_target", [False, True])  # BLAS gemv / gemm products
def test_mixed_route_solution_is_exact(monkeypatch, mixed_route, small_blocks, order,
                                       weighted, fit_intercept, one_target):
    solved = []
    original = ridge_module.solve_gram_mixed_precision
    monkeypatch.setattr(
        ridge_module, "solve_gram_mixed_precision",
        lambda *a: solved.append(original(*a)) or solved[-1],
    )
    X, Y, sw = _data(order, seed=1)
    sw = sw if weighted else None
    kw = dict(alpha=[0.5, 40.0], fit_intercept=fit_intercept)
    if one_target:
        Y, kw["alpha"] = Y[:, 0], 0.5
    ours = Ridge(**kw).fit(X, Y, sample_weight=sw)
    assert len(solved) == 1 and solved[0] is not None  # refined, no fallback
    assert ours.solver_ == "cholesky"
    ref = Ridge(solver="svd", **kw).fit(X, Y, sample_weight=sw)
    scale = np.abs(ref.coef_).max()
    assert np.max(np.abs(ours.coef_ - ref.coef_)) < 1e-10 * scale
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-9)
    assert np.all(ours.kkt_violation_ < 1e-12)


def test_non_contiguous_X_takes_the_float64_route(monkeypatch, mixed_route):
    calls = []
    monkeypatch.setattr(
        ridge_module, "float32_gram_pass",
        lambda *a: calls.append(1) or float32_gram_pass(*a),
    )
    X, Y, _ = _data("C", seed=2)
    wide = np.repeat(X, 2, axis=1)
    Ridge(alpha=1.0).fit(wide[:, ::2], Y)
    assert calls == []
    Ridge(alpha=1.0).fit(X, Y)
    assert calls == [1]


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("bad, message", [(np.nan, "Input X contains NaN"),
                                          (np.inf, "Input X contains infinity")])
@pytest.mark.parametrize("weighted", [False, True])
def test_non_finite_X_is_caught_in_the_pass(mixed_route, order, bad, message,
                                            weighted):
    # the mixed route skips scikit-learn's separate finite check of X; a
    # NaN/inf (even in a row of weight 0) must still raise its error
    X, Y, sw = _data(order, seed=3)
    X[17, 4] = bad  # sw[17] == 0
    with pytest.raises(ValueError, match=message):
        Ridge().fit(X, Y, sample_weight=sw if weighted else None)
    with pytest.raises(ValueError, match=message):  # the float64 routes too
        Ridge(solver="svd").fit(X, Y, sample_weight=sw if weighted else None)


def test_overflowing_column_sums_are_not_mistaken_for_inf(monkeypatch, mixed_route):
    # finite entries whose sum overflows: not reported as NaN/inf in X
    # (scikit-learn's check does not raise either); the fit falls back to
    # the float64 route, whose squares overflow too: a clear error, not the
    # all-NaN coef_ it used to return
    X, Y, _ = _data("F", seed=4)
    X[:3, 0] = 1e308
    spy = []
    monkeypatch.setattr(ridge_module, "weighted_means",
                        lambda *a: spy.append(1) or weighted_means(*a))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="too large to square"):
            Ridge(alpha=1.0).fit(X, Y)
    assert spy == [1]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), order=st.sampled_from("CF"),
       fit_intercept=st.booleans())
def test_mixed_route_integer_weights_equal_repeated_rows(
    mixed_route, small_blocks, seed, order, fit_intercept
):
    # the weighted float32 rows sqrt(w) (x - s) and the repeated rows round
    # differently; the refined solutions must still agree
    rng = np.random.RandomState(seed)
    n, p = rng.randint(10, 80), 7  # 7 features: small_blocks gives 64-row blocks
    X = np.asarray(rng.randn(n, p) + rng.uniform(-20, 20, p), order=order)
    y = X @ rng.randn(p) + rng.randn(n)
    counts = rng.randint(0, 4, size=n)
    counts[0] = max(counts[0], 1)
    kw = dict(alpha=0.8, fit_intercept=fit_intercept)
    weighted = Ridge(**kw).fit(X, y, sample_weight=counts)
    repeated = Ridge(**kw).fit(np.asarray(np.repeat(X, counts, 0), order=order),
                               np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-8)
    assert weighted.kkt_violation_ < 1e-12 and repeated.kkt_violation_ < 1e-12
