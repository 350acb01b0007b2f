"""Tests of the certified elastic-net coordinate-descent solver."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet as SkElasticNet

import skreg.linear_model._solver as solver_module
from skreg.linear_model._path import _enet_path_core
from skreg.linear_model._solver import solve_enet


def _problem(n=40, p=25, seed=0, offset=1.5, pair_noise=0.1):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + offset
    X[:, 1] = X[:, 0] + pair_noise * rng.randn(n)  # correlated pair
    coef = np.zeros(p)
    coef[:4] = [3.0, -2.0, 1.5, 0.5]
    y = X @ coef + 0.5 * rng.randn(n) + 2.0
    return X, y, rng


def _objective(X, y, coef, intercept, alpha, l1_ratio, sw, pf):
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * n / sw.sum()
    pf = np.ones(X.shape[1]) if pf is None else pf
    r = y - X @ coef - intercept
    pen = alpha * np.sum(pf * (l1_ratio * np.abs(coef)
                               + 0.5 * (1 - l1_ratio) * coef**2))
    return 0.5 * np.sum(sw * r * r) / n + pen


def _y_scale(y, sw, fit_intercept):
    sw = np.ones(len(y)) if sw is None else sw * len(y) / sw.sum()
    mean = np.average(y, weights=sw) if fit_intercept else 0.0
    return np.sum(sw * (y - mean) ** 2) / len(y)


MODES = ["dense", "sparse", "gram"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("with_pf", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_certificate_bounds_suboptimality(mode, fit_intercept, positive, with_pf,
                                          dtype):
    X, y, rng = _problem()
    sw = rng.uniform(0.2, 2.0, size=X.shape[0])
    pf = None
    if with_pf:
        pf = rng.uniform(0.5, 2.0, size=X.shape[1])
        pf[[0, 5]] = 0.0  # a true feature and a noise feature unpenalized
    Xi = X.astype(dtype)
    if mode == "sparse":
        Xi = sparse.csc_matrix(Xi)
    alpha, l1_ratio, tol = 0.05, 0.7, 1e-6
    res = solve_enet(Xi, y, alpha=alpha, l1_ratio=l1_ratio, sample_weight=sw,
                     penalty_factor=pf, positive=positive,
                     fit_intercept=fit_intercept, tol=tol, max_iter=20000,
                     precompute=(mode == "gram"))
    assert res.converged
    assert res.coef.dtype == dtype
    scale = _y_scale(y, sw, fit_intercept)
    assert 0 <= res.dual_gap <= tol * scale
    if positive:
        assert np.all(res.coef >= 0)
    # the gap really bounds the suboptimality: compare with a tight float64 solve
    ref = solve_enet(X, y, alpha=alpha, l1_ratio=l1_ratio, sample_weight=sw,
                     penalty_factor=pf, positive=positive,
                     fit_intercept=fit_intercept, tol=1e-13, max_iter=100000)
    f = _objective(X, y, res.coef.astype(float), res.intercept, alpha, l1_ratio,
                   sw, pf)
    f_ref = _objective(X, y, ref.coef, ref.intercept, alpha, l1_ratio, sw, pf)
    slack = 1e-6 * scale if dtype == np.float32 else 1e-12 * scale
    assert f - f_ref <= res.dual_gap + slack
    # KKT: recompute independently from the returned solution
    n = len(y)
    swn = sw * n / sw.sum()
    r = y - X @ res.coef.astype(float) - res.intercept
    grad = -(X.T @ (swn * r)) / n
    pf_ = np.ones(X.shape[1]) if pf is None else pf
    a1 = alpha * l1_ratio * pf_
    a2 = alpha * (1 - l1_ratio) * pf_
    w = res.coef.astype(float)
    nz = w != 0
    viol = np.where(nz, np.abs(grad + a1 * np.sign(w) + a2 * w),
                    np.maximum(0, (-grad - a1) if positive else np.abs(grad) - a1))
    atol = 1e-4 if dtype == np.float32 else 1e-7
    assert viol.max() == pytest.approx(res.kkt_violation, rel=1e-3, abs=atol)
    assert res.kkt_violation <= np.sqrt(tol * scale) * 10


@pytest.mark.parametrize("sparse_X", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_matches_sklearn_elasticnet(sparse_X, fit_intercept, weighted, l1_ratio):
    X, y, rng = _problem()
    sw = rng.uniform(0.2, 2.0, size=X.shape[0]) if weighted else None
    Xi = sparse.csc_matrix(X) if sparse_X else X
    alpha = 0.03
    sk = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                      tol=1e-15, max_iter=200000).fit(Xi, y, sample_weight=sw)
    # 1e-13: below that the gap's own rounding (terms ~ ||y||^2) dominates
    res = solve_enet(Xi, y, alpha=alpha, l1_ratio=l1_ratio, sample_weight=sw,
                     fit_intercept=fit_intercept, tol=1e-13, max_iter=200000)
    scale = np.abs(sk.coef_).max()
    np.testing.assert_allclose(res.coef, sk.coef_, rtol=0, atol=1e-6 * scale)
    assert res.intercept == pytest.approx(sk.intercept_, rel=1e-6, abs=1e-6 * scale)


def test_sklearn_tol_meaning_gives_at_least_sklearn_accuracy():
    X, y, _ = _problem(n=80, p=60, seed=3)
    alpha = 0.02
    ref = solve_enet(X, y, alpha=alpha, tol=1e-14, max_iter=100000)
    f_ref = _objective(X, y, ref.coef, ref.intercept, alpha, 1.0, None, None)
    res = solve_enet(X, y, alpha=alpha)  # default tol=1e-4
    sk = SkElasticNet(alpha=alpha, l1_ratio=1.0).fit(X, y)
    f = _objective(X, y, res.coef, res.intercept, alpha, 1.0, None, None)
    f_sk = _objective(X, y, sk.coef_, sk.intercept_, alpha, 1.0, None, None)
    # both certify gap <= 1e-4 * var(y); ours is a true bound on suboptimality
    assert f - f_ref <= res.dual_gap + 1e-14
    assert res.dual_gap <= 1e-4 * np.var(y)
    assert f_sk - f_ref >= 0


def test_convergence_warning_when_max_iter_reached():
    X, y, _ = _problem()
    with pytest.warns(ConvergenceWarning, match="Objective did not converge"):
        res = solve_enet(X, y, alpha=1e-3, tol=1e-14, max_iter=1)
    assert not res.converged
    assert res.n_iter == 1


def test_random_selection_reproducible_and_correct():
    X, y, _ = _problem()
    kw = dict(alpha=0.05, l1_ratio=0.8, tol=1e-12, max_iter=50000)
    cyc = solve_enet(X, y, **kw)
    r1 = solve_enet(X, y, selection="random", random_state=3, **kw)
    r2 = solve_enet(X, y, selection="random", random_state=3, **kw)
    np.testing.assert_array_equal(r1.coef, r2.coef)
    np.testing.assert_allclose(r1.coef, cyc.coef, atol=1e-5)
    with pytest.raises(ValueError, match="selection"):
        solve_enet(X, y, alpha=0.1, selection="greedy")


def test_unpenalized_features_are_least_squares_when_rest_is_zero():
    X, y, rng = _problem()
    pf = np.ones(X.shape[1])
    pf[[2, 7]] = 0.0
    sw = rng.uniform(0.5, 1.5, size=len(y))
    res = solve_enet(X, y, alpha=1e6, penalty_factor=pf, sample_weight=sw,
                     tol=1e-12)
    assert np.all(res.coef[pf > 0] == 0)
    A = np.c_[np.ones(len(y)), X[:, [2, 7]]]
    beta = np.linalg.lstsq(A * np.sqrt(sw)[:, None], y * np.sqrt(sw), rcond=None)[0]
    np.testing.assert_allclose(res.coef[[2, 7]], beta[1:], rtol=1e-8)
    assert res.intercept == pytest.approx(beta[0], rel=1e-8)


def test_ridge_limit_l1_ratio_zero_matches_closed_form():
    X, y, _ = _problem()
    alpha = 0.5
    res = solve_enet(X, y, alpha=alpha, l1_ratio=0.0, fit_intercept=False,
                     tol=1e-14, max_iter=100000)
    n, p = X.shape
    closed = np.linalg.solve(X.T @ X / n + alpha * np.eye(p), X.T @ y / n)
    atol = 1e-6 * np.abs(closed).max()
    np.testing.assert_allclose(res.coef, closed, rtol=0, atol=atol)


def test_constant_target_and_zero_columns():
    X, y, _ = _problem()
    X[:, 3] = 0.0
    res = solve_enet(X, np.full(len(y), 4.0), alpha=0.1)
    assert np.all(res.coef == 0) and res.intercept == pytest.approx(4.0)
    res = solve_enet(X, y, alpha=0.01, tol=1e-10)
    assert res.converged and res.coef[3] == 0


def test_dense_c_order_and_fortran_give_same_answer():
    X, y, _ = _problem()
    a = solve_enet(np.ascontiguousarray(X), y, alpha=0.05, tol=1e-12)
    b = solve_enet(np.asfortranarray(X), y, alpha=0.05, tol=1e-12)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-12)


def test_csr_input_is_accepted():
    X, y, _ = _problem()
    a = solve_enet(sparse.csr_matrix(X), y, alpha=0.05, tol=1e-12)
    b = solve_enet(X, y, alpha=0.05, tol=1e-12)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(alpha=-1.0), ValueError, "alpha"),
        (dict(alpha=np.inf), ValueError, "alpha"),
        (dict(alpha="big"), TypeError, "alpha"),
        (dict(alpha=0.1, l1_ratio=1.5), ValueError, "l1_ratio"),
        (dict(alpha=0.1, l1_ratio=-0.1), ValueError, "l1_ratio"),
        (dict(alpha=0.1, precompute="yes"), ValueError, "precompute"),
    ],
)
def test_bad_hyperparameters(kwargs, err, match):
    X, y, _ = _problem()
    with pytest.raises(err, match=match):
        solve_enet(X, y, **kwargs)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 30),
    p=st.integers(1, 30),
    ratio=st.floats(0.01, 1.0),
    l1_ratio=st.sampled_from([1.0, 0.5, 0.1]),
    fit_intercept=st.booleans(),
    positive=st.booleans(),
    mode=st.sampled_from(MODES),
)
def test_property_certificate_below_tol(seed, n, p, ratio, l1_ratio, fit_intercept,
                                        positive, mode):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) * rng.uniform(0.1, 3.0, size=p)
    X[rng.rand(n, p) < 0.3] = 0.0
    y = rng.randn(n) * 3
    sw = rng.uniform(0.0, 2.0, size=n)
    sw[0] = 1.0
    pf = rng.uniform(0.0, 2.0, size=p)
    pf[rng.rand(p) < 0.2] = 0.0
    Xi = sparse.csc_matrix(X) if mode == "sparse" else X
    tol = 1e-8
    scale = _y_scale(y, sw, fit_intercept)
    alpha = ratio * (np.abs(X.T @ y).max() / n + 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        res = solve_enet(Xi, y, alpha=alpha, l1_ratio=l1_ratio, sample_weight=sw,
                         penalty_factor=pf, positive=positive,
                         fit_intercept=fit_intercept, tol=tol, max_iter=100000,
                         precompute=(mode == "gram"))
    assert res.dual_gap <= tol * scale + 1e-15
    assert np.isfinite(res.kkt_violation)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), sparse_X=st.booleans())
def test_property_integer_weights_equal_repeated_rows(seed, sparse_X):
    rng = np.random.RandomState(seed)
    n, p = 15, 8
    X = rng.randn(n, p)
    y = rng.randn(n)
    counts = rng.randint(0, 4, size=n)
    counts[0] = 1
    Xr, yr = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    to = sparse.csc_matrix if sparse_X else np.asarray
    kw = dict(alpha=0.05, l1_ratio=0.9, tol=1e-13, max_iter=100000)
    a = solve_enet(to(X), y, sample_weight=counts.astype(float), **kw)
    b = solve_enet(to(Xr), yr, **kw)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-6)
    assert a.intercept == pytest.approx(b.intercept, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 42])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_integer_weights_same_predictions_as_repeated_rows_at_default_tol(
        seed, l1_ratio):
    # p > n, small alpha: hundreds of epochs at the default tol; the solution
    # is only tol-accurate, yet both inputs must give the same iterates up to
    # rounding (sklearn's check_sample_weight_equivalence compares at 1e-7)
    rng = np.random.RandomState(seed)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15).astype(float)
    counts = rng.randint(0, 5, size=15)
    Xr, yr = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    alpha_max = np.abs((Xr - Xr.mean(0)).T @ (yr - yr.mean())).max() / len(yr)
    kw = dict(alpha=alpha_max / (300 * l1_ratio), l1_ratio=l1_ratio)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = solve_enet(X, y, sample_weight=counts.astype(float), **kw)
        b = solve_enet(Xr, yr, **kw)
    assert a.n_iter > 50  # a hard problem, not a few-epoch one
    np.testing.assert_allclose(X @ a.coef + a.intercept, X @ b.coef + b.intercept,
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_anderson_option_keeps_the_certificate(mode, monkeypatch):
    # extrapolation from the first epoch, even on a small problem (by default
    # only slow solves of large working sets extrapolate)
    monkeypatch.setattr(solver_module, "_ANDERSON_AFTER", 0)
    monkeypatch.setattr(solver_module, "_ANDERSON_MIN_ENTRIES", 0)
    X, y, _ = _problem(n=30, p=60, seed=3)
    Xi = sparse.csc_matrix(X) if mode == "sparse" else X
    kw = dict(alpha=0.01, l1_ratio=0.8, tol=1e-8, max_iter=50000)
    res = solve_enet(Xi, y, precompute=(mode == "gram"), **kw)
    monkeypatch.setattr(solver_module, "_ANDERSON_K", 0)
    ref = solve_enet(X, y, tol=1e-13, max_iter=100000,
                     **{k: v for k, v in kw.items() if k not in ("tol", "max_iter")})
    assert res.converged and res.dual_gap <= 1e-8 * _y_scale(y, None, True)
    f = _objective(X, y, res.coef, res.intercept, 0.01, 0.8, None, None)
    f_ref = _objective(X, y, ref.coef, ref.intercept, 0.01, 0.8, None, None)
    assert f - f_ref <= res.dual_gap + 1e-12


def test_slow_solves_near_interpolation_are_extrapolated():
    # support close to n_samples: plain CD needed 26 641 epochs (5 s) here;
    # Anderson extrapolation after 50 plain epochs of an inner solve, 4 293
    rng = np.random.default_rng(0)
    n, p = 400, 700
    Z = rng.standard_normal((n, p))
    X = Z.copy()
    for j in range(1, p):  # AR(1) features, rho = 0.3
        X[:, j] = 0.3 * X[:, j - 1] + np.sqrt(1 - 0.09) * Z[:, j]
    X = np.asfortranarray(X)
    w = np.zeros(p)
    w[rng.choice(p, p // 2, replace=False)] = rng.standard_normal(p // 2)
    y = X @ w + 0.5 * rng.standard_normal(n)
    alpha = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / n / 1000
    res = solve_enet(X, y, alpha=alpha, l1_ratio=1.0, tol=1e-6, max_iter=10**6)
    assert res.converged and res.dual_gap <= 1e-6 * _y_scale(y, None, True)
    assert np.count_nonzero(res.coef) > 350
    assert res.n_iter < 10_000


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_property_permuting_features_permutes_coefs(seed):
    rng = np.random.RandomState(seed)
    n, p = 20, 10
    X = rng.randn(n, p)
    y = X[:, :3] @ rng.randn(3) + 0.1 * rng.randn(n)
    pf = rng.uniform(0.5, 1.5, size=p)
    perm = rng.permutation(p)
    kw = dict(alpha=0.02, l1_ratio=0.7, tol=1e-13, max_iter=100000)
    a = solve_enet(X, y, penalty_factor=pf, **kw)
    b = solve_enet(X[:, perm], y, penalty_factor=pf[perm], **kw)
    np.testing.assert_allclose(b.coef, a.coef[perm], atol=1e-6)


class _NoDensifyCSC(sparse.csc_matrix):
    """CSC matrix that refuses to be densified."""

    def toarray(self, *args, **kwargs):
        raise AssertionError("sparse X was densified")

    def todense(self, *args, **kwargs):
        raise AssertionError("sparse X was densified")


def test_sparse_with_intercept_is_never_densified():
    X, y, rng = _problem()
    X[rng.rand(*X.shape) < 0.6] = 0.0
    sw = rng.uniform(0.5, 1.5, size=len(y))
    res = solve_enet(_NoDensifyCSC(X), y, alpha=0.02, l1_ratio=0.8,
                     sample_weight=sw, tol=1e-12)
    ref = solve_enet(X, y, alpha=0.02, l1_ratio=0.8, sample_weight=sw, tol=1e-12)
    np.testing.assert_allclose(res.coef, ref.coef, atol=1e-8)
    assert res.intercept == pytest.approx(ref.intercept, abs=1e-8)


def test_user_gram_and_xy_give_same_solution():
    X, y, _ = _problem()
    kw = dict(alpha=0.05, l1_ratio=0.6, fit_intercept=False, tol=1e-12)
    ref = solve_enet(X, y, **kw)
    res = solve_enet(X, y, Gram=X.T @ X, Xy=X.T @ y, **kw)
    np.testing.assert_allclose(res.coef, ref.coef, atol=1e-8)


@pytest.mark.parametrize("mode", MODES)
def test_alpha_zero_is_least_squares(mode):
    X, y, rng = _problem(n=30, p=6)
    sw = rng.uniform(0.5, 1.5, size=len(y))
    Xi = sparse.csc_matrix(X) if mode == "sparse" else X
    res = solve_enet(Xi, y, alpha=0.0, sample_weight=sw, tol=1e-12,
                     precompute=(mode == "gram"))
    A = np.c_[np.ones(len(y)), X] * np.sqrt(sw)[:, None]
    beta = np.linalg.lstsq(A, y * np.sqrt(sw), rcond=None)[0]
    np.testing.assert_allclose(res.coef, beta[1:], rtol=1e-7)
    assert res.intercept == pytest.approx(beta[0], rel=1e-7)


def _independent_gap(X, y, coef, alpha, l1_ratio, fit_intercept):
    """Duality gap (objective scale) at the rescaled residual, from scratch
    (the larger of the Fenchel gap and scikit-learn's, as the solver reports)."""
    n = X.shape[0]
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    lam1, lam2 = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    r = yc - Xc @ coef
    primal = 0.5 * r @ r + lam1 * np.abs(coef).sum() + 0.5 * lam2 * coef @ coef
    g = np.abs(Xc.T @ r)
    scale = min(1.0, lam1 / g.max()) if lam2 == 0 and g.max() > 0 else 1.0
    theta = scale * r
    conj = 0.0
    if lam2 > 0:
        conj = np.sum(np.maximum(np.abs(Xc.T @ theta) - lam1, 0) ** 2) / (2 * lam2)
    dual = yc @ theta - 0.5 * theta @ theta - conj
    gap = primal - dual
    if lam2 > 0:  # scikit-learn's formulation A (L2 part in an augmented design)
        h = np.abs(Xc.T @ r - lam2 * coef)
        s_a = min(1.0, lam1 / h.max()) if h.max() > 0 else 1.0
        dual_a = s_a * (yc @ r) - 0.5 * s_a**2 * (r @ r + lam2 * coef @ coef)
        gap = max(gap, primal - dual_a)
    return gap / n


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    p=st.integers(60, 300),
    ratio=st.floats(0.02, 0.5),
    l1_ratio=st.sampled_from([1.0, 0.5]),
    fit_intercept=st.booleans(),
    sparse_X=st.booleans(),
    n=st.sampled_from([40, 1200]),
    precompute=st.booleans(),
)
def test_property_reported_gap_is_the_true_gap(seed, p, ratio, l1_ratio,
                                               fit_intercept, sparse_X, n,
                                               precompute):
    # wide problems, where later outer iterations recompute only the
    # correlations that can matter: the reported gap must still be the exact
    # gap of the returned solution, along a warm-started path too (n = 1200:
    # the inner solves run on the Gram block of the working set). With the
    # whole Gram matrix (precompute), the path predicts each warm start from
    # the last two solutions, and near-violators enter the working sets.
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) * rng.uniform(0.5, 2.0, size=p) + rng.randn(p)
    X[rng.rand(n, p) < 0.4] = 0.0
    w = np.zeros(p)
    w[:5] = rng.randn(5) * 3
    y = X @ w + rng.randn(n)
    Xi = sparse.csc_matrix(X) if sparse_X else X
    yc = y - y.mean() if fit_intercept else y
    Xc = X - X.mean(axis=0) if fit_intercept else X
    alpha_max = np.abs(Xc.T @ yc).max() / (n * l1_ratio)
    # near-duplicate alphas too: a warm start then begins almost optimal, with
    # stale correlations from the previous alpha's thresholds
    alphas = alpha_max * np.repeat(np.geomspace(1.0, ratio, 6), 2)
    alphas[1::2] *= 0.999
    res = _enet_path_core(Xi, y, alphas=alphas, l1_ratio=l1_ratio,
                          fit_intercept=fit_intercept, tol=1e-3, max_iter=100000,
                          precompute=precompute)
    for k, alpha in enumerate(alphas):
        true_gap = _independent_gap(X, y, res.coefs[0, :, k].astype(float), alpha,
                                    l1_ratio, fit_intercept)
        assert res.dual_gaps[0, k] == pytest.approx(true_gap, rel=1e-6,
                                               abs=1e-12 * (yc @ yc))
        assert res.dual_gaps[0, k] <= 1e-3 * (yc @ yc) / n + 1e-15


# --- inner solves on the Gram block of the working set ----------------------


def _count_working_gram_solves(monkeypatch):
    from skreg.linear_model import _solver

    calls = []
    original = _solver._cd_on_working_gram

    def spy(*args, **kwargs):
        calls.append(args[2].shape[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(_solver, "_cd_on_working_gram", spy)
    return calls


@pytest.mark.parametrize("sparse_X", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_working_gram_solves_match_residual_epochs(monkeypatch, sparse_X,
                                                   fit_intercept, weighted,
                                                   positive, l1_ratio, dtype):
    # n >> working-set size: the inner solves run on the Gram block of the
    # working set (with p = 200 only 50 centered columns fit the dense column
    # cache, so the gathered overflow path runs too)
    # (column means only with an intercept: without one they would make a
    # common mode that costs thousands of epochs to both solvers)
    offset = 0.5 if fit_intercept else 0.0
    X, y, rng = _problem(n=1500, p=200, seed=3, offset=offset, pair_noise=1.0)
    sw = rng.uniform(0.2, 2.0, size=X.shape[0]) if weighted else None
    Xi = X.astype(dtype)
    Xi = sparse.csc_matrix(Xi) if sparse_X else Xi
    alpha = 0.003
    calls = _count_working_gram_solves(monkeypatch)
    tol = 1e-12
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, sample_weight=sw,
                  positive=positive, fit_intercept=fit_intercept, tol=tol,
                  max_iter=100000)
    res = solve_enet(Xi, y, **kwargs)
    assert calls, "the working-set Gram block was not used"
    assert res.converged
    assert 0 <= res.dual_gap <= tol * _y_scale(y, sw, fit_intercept)
    # the same problem with residual epochs only (scikit-learn's algorithm,
    # checked against scikit-learn in test_matches_sklearn_elasticnet)
    from skreg.linear_model import _solver

    monkeypatch.setattr(_solver, "_prefers_working_gram", lambda *args: False)
    ref = solve_enet(Xi, y, **kwargs)
    scale = float(np.abs(ref.coef).max())
    atol = (1e-4 if dtype == np.float32 else 1e-6) * scale
    np.testing.assert_allclose(res.coef, ref.coef, rtol=0, atol=atol)
    assert res.intercept == pytest.approx(ref.intercept, abs=atol)
    if positive:
        assert np.all(res.coef >= 0)


@pytest.mark.parametrize("sparse_X", [False, True])
def test_large_column_means_with_intercept(monkeypatch, sparse_X):
    # raw second moments 1e8 x the centered ones: dense Gram blocks are built
    # from centered columns, sparse designs keep residual epochs; the residual
    # is kept centered so that no correlation cancels (scikit-learn itself
    # stops short of the optimum here, hence the independent gap)
    X, y, _ = _problem(n=2000, p=60, seed=4, offset=0.0)
    X[:, :10] += 1e4
    Xi = sparse.csc_matrix(X) if sparse_X else X
    calls = _count_working_gram_solves(monkeypatch)
    alpha, tol = 0.01, 1e-10
    res = solve_enet(Xi, y, alpha=alpha, tol=tol, max_iter=100000)
    assert bool(calls) != sparse_X
    assert res.converged
    target = tol * np.var(y)
    gap = _independent_gap(X, y, res.coef, alpha, 1.0, True)
    assert res.dual_gap == pytest.approx(gap, rel=1e-3, abs=0.05 * target)
    assert gap <= 1.05 * target
    sk = SkElasticNet(alpha=alpha, tol=1e-15, max_iter=200000).fit(X, y)
    f = _objective(X, y, res.coef, res.intercept, alpha, 1.0, None, None)
    f_sk = _objective(X, y, sk.coef_, sk.intercept_, alpha, 1.0, None, None)
    assert f <= f_sk + 1e-12


# --- float32 copies of large Gram blocks (Gram designs) ----------------------


def _spy_gram_block_dtypes(monkeypatch):
    from skreg.linear_model import _solver

    dtypes = []
    original = _solver.cd_working_set_gram

    def spy(*args):
        dtypes.append((args[4].shape[0], args[-1].dtype))
        return original(*args)

    monkeypatch.setattr(_solver, "cd_working_set_gram", spy)
    return dtypes


def _wide_support_problem(n, p, seed, duplicates=0):
    # a dense support of hundreds of features: working sets pass the float32
    # threshold (_BLOCK32_MIN_WS)
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + 0.3 * rng.randn(n, 1)  # equicorrelated features
    if duplicates:
        X[:, -duplicates:] = X[:, :duplicates]  # a singular Gram matrix
    y = X @ np.abs(rng.randn(p)) + rng.randn(n)  # positive fits too
    return X, y


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_float32_gram_blocks_reach_the_float64_solution(monkeypatch, positive,
                                                        l1_ratio):
    from skreg.linear_model import _solver

    X, y = _wide_support_problem(n=800, p=500, seed=5)
    alpha = 5e-3
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, positive=positive,
                  precompute=True, tol=1e-12, max_iter=100000)
    dtypes = _spy_gram_block_dtypes(monkeypatch)
    res = solve_enet(X, y, **kwargs)
    assert any(dt == np.float32 for _, dt in dtypes), dtypes
    assert all(dt == np.float64 for k, dt in dtypes
               if k < _solver._BLOCK32_MIN_WS)
    assert res.converged and res.dual_gap <= 1e-12 * np.var(y)
    monkeypatch.setattr(_solver, "_BLOCK32_MIN_WS", 10**9)
    ref = solve_enet(X, y, **kwargs)
    scale = np.abs(ref.coef).max()
    np.testing.assert_allclose(res.coef, ref.coef, rtol=0, atol=1e-6 * scale)
    f = _objective(X, y, res.coef, res.intercept, alpha, l1_ratio, None, None)
    f_ref = _objective(X, y, ref.coef, ref.intercept, alpha, l1_ratio, None, None)
    assert f == pytest.approx(f_ref, rel=1e-10)


def test_float32_gram_blocks_on_near_duplicate_columns(monkeypatch):
    # 200 duplicated columns: a singular block, whose float32 rounding may be
    # slightly indefinite; the exact outer check still certifies the result
    # (and float64 blocks take over if the rounded one stops lowering the
    # objective)
    X, y = _wide_support_problem(n=1000, p=600, seed=6, duplicates=200)
    dtypes = _spy_gram_block_dtypes(monkeypatch)
    alpha, tol = 1e-2, 1e-10
    res = solve_enet(X, y, alpha=alpha, precompute=True, tol=tol,
                     max_iter=100000)
    assert any(dt == np.float32 for _, dt in dtypes)
    assert res.converged
    gap = _independent_gap(X, y, res.coef, alpha, 1.0, True)
    assert res.dual_gap == pytest.approx(gap, rel=1e-3, abs=1e-3 * tol * np.var(y))
    assert gap <= 1.001 * tol * np.var(y)


# --- the whole Gram matrix, once the working-set block holds most features ---


def _spy_full_gram(monkeypatch):
    from skreg.linear_model import _working_gram

    outcomes = []
    original = _working_gram.WorkingGram._go_full

    def spy(self):
        outcomes.append(original(self))
        return outcomes[-1]

    monkeypatch.setattr(_working_gram.WorkingGram, "_go_full", spy)
    return outcomes


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_full_gram_switch_matches_residual_epochs(monkeypatch, fit_intercept,
                                                  weighted, dtype):
    # a dense support (about 190 of 200 features): the block outgrows 3/4 of
    # the features and the solver switches to the whole Gram matrix mid-fit
    rng = np.random.RandomState(7)
    n, p = 1000, 200
    X = rng.randn(n, p) + (1.0 if fit_intercept else 0.0)
    y = X @ rng.randn(p) + rng.randn(n)
    sw = rng.uniform(0.2, 2.0, size=n) if weighted else None
    Xi = X.astype(dtype)
    kwargs = dict(alpha=1e-3, sample_weight=sw, fit_intercept=fit_intercept,
                  tol=1e-12, max_iter=100000)
    outcomes = _spy_full_gram(monkeypatch)
    res = solve_enet(Xi, y, **kwargs)
    assert outcomes == [True]
    assert res.converged
    assert 0 <= res.dual_gap <= 1e-12 * _y_scale(y, sw, fit_intercept)
    from skreg.linear_model import _solver

    monkeypatch.setattr(_solver, "_prefers_working_gram", lambda *args: False)
    ref = solve_enet(Xi, y, **kwargs)
    atol = (1e-4 if dtype == np.float32 else 1e-7) * float(np.abs(ref.coef).max())
    np.testing.assert_allclose(res.coef, ref.coef, rtol=0, atol=atol)
    assert res.intercept == pytest.approx(ref.intercept, abs=atol)


@pytest.mark.parametrize("explicit_centering", [True, False])
def test_full_gram_refused_when_the_mean_term_cancels(monkeypatch,
                                                      explicit_centering):
    # column means 1e5 x their spread. By default the design centers such an
    # X explicitly (one copy), and the whole Gram is then exact: the switch
    # happens. With implicit centering forced, raw products minus the mean
    # term would lose the digits of the centered Gram matrix: the switch is
    # refused and the fit goes on (and is certified) without it.
    if not explicit_centering:
        monkeypatch.setattr(solver_module, "_EXPLICIT_CENTERING_RATIO", np.inf)
    rng = np.random.RandomState(8)
    n, p = 1000, 200
    X = rng.randn(n, p)
    y = X @ rng.randn(p) + rng.randn(n)
    X[:, :20] += 1e5
    outcomes = _spy_full_gram(monkeypatch)
    alpha, tol = 1e-3, 1e-10
    res = solve_enet(X, y, alpha=alpha, tol=tol, max_iter=100000)
    assert outcomes
    assert all(outcomes) if explicit_centering else not any(outcomes)
    assert res.converged
    gap = _independent_gap(X, y, res.coef, alpha, 1.0, True)
    assert gap <= 1.05 * tol * np.var(y)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_old", [0, 7])
def test_sparse_block_products_match_dense(weighted, dtype, n_old):
    from skreg.linear_model._working_gram import sparse_block_products
    from skreg.utils.sparse_index import unsigned_csc_indices

    rng = np.random.default_rng(0)
    X = sparse.random(300, 40, density=0.15, format="csc", random_state=2,
                      dtype=dtype)
    X = X.tolil()
    X[:, 5] = 0.0  # an empty new column
    X = X.tocsc()
    X.eliminate_zeros()
    sw = rng.uniform(0.5, 2.0, 300)
    y = rng.standard_normal(300)
    old = np.array([3, 30, 11, 0, 22, 17, 39][:n_old], dtype=np.int64)
    new = np.array([5, 8, 2, 25], dtype=np.int64)
    indices, indptr = unsigned_csc_indices(X.indices, X.indptr)
    block, q = sparse_block_products(X.data, indices, indptr, old, new, sw,
                                     weighted, y)
    D = X.toarray().astype(np.float64)
    s = sw if weighted else np.ones(300)
    expected = D[:, np.r_[old, new]].T @ (s[:, None] * D[:, new])
    np.testing.assert_allclose(block, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(q, D[:, new].T @ (s * y), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_dense_working_gram_cached_and_gathered_columns(weighted):
    # 20 grows of 3 features: the centered columns of the first 13 are cached
    # (up to 40 of 100 features), the last 7 are gathered from X when needed;
    # the block, the linear term and the residual update must not depend on
    # where a column lives
    from skreg.linear_model import _working_gram

    rng = np.random.RandomState(3)
    n, p = 300, 100
    X = rng.randn(n, p) + rng.uniform(-3, 3, p)
    y = rng.randn(n)
    sw = rng.uniform(0.2, 2.0, n) if weighted else None
    design = solver_module._make_design(X, sw, True, False)
    target = solver_module._Target(design, y)
    block = _working_gram.WorkingGram(design, target)
    order = rng.permutation(p)[:60]
    for step in range(20):
        block.slots(order[3 * step:3 * step + 3])
    assert block.n_cached == 39 and not block.full
    s_w = design.sw  # the weights, rescaled to sum to n
    Z = X - np.average(X, axis=0, weights=s_w)
    yc = y - np.average(y, weights=s_w)
    U = block.features
    np.testing.assert_array_equal(np.sort(U), np.sort(order))
    np.testing.assert_allclose(block.G, Z[:, U].T @ (s_w[:, None] * Z[:, U]),
                               rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(block.q, Z[:, U].T @ (s_w * yc), rtol=1e-12,
                               atol=1e-10)
    idx = order[[0, 5, 30, 38, 45, 59]]  # cached and not cached
    delta = rng.randn(idx.size)
    R = rng.randn(n)
    expected = R - X[:, idx] @ delta
    block.subtract(idx, delta, R)
    diff = R - expected  # a constant shift, which the centered residual ignores
    np.testing.assert_allclose(diff - diff.mean(), 0.0, atol=1e-10)


# --- along a Gram path: predicted warm starts, near-violators in the working set


def _orthogonal_lasso(c=None, n=200, seed=0):
    # X^T X = n I: the Lasso solution is soft-thresholding of c = X^T y / n,
    # affine in alpha while no coordinate crosses zero
    rng = np.random.RandomState(seed)
    if c is None:
        c = np.array([3.0, -2.5, 2.0, -1.5, 1.0, 0.5, 0.2, -0.1])
    Q, _ = np.linalg.qr(rng.randn(n, c.shape[0]))
    X = Q * np.sqrt(n)
    return X, X @ c, c


def _soft(c, alpha):
    return np.sign(c) * np.maximum(np.abs(c) - alpha, 0.0)


def _predict(c, iterates, alpha):
    """Prediction at ``alpha`` from ``[(alpha_2, w_2), (alpha_1, w_1)]`` on
    the orthogonal problem of ``c``; also returns the exact ``q - G w``."""
    X, y, _ = _orthogonal_lasso(c)
    n, p = X.shape
    design = solver_module._make_design(X, None, False, True)
    target = solver_module._Target(design, y)

    def corr(w):
        return target.q - design.gram @ w

    history = [(a, w, corr(w)) for a, w in iterates]
    w1 = iterates[-1][1]
    out = solver_module._extrapolate_path(design, target, history, w1, corr(w1),
                                          alpha, n * alpha * np.ones(p),
                                          np.zeros(p))
    return out, corr


def test_path_prediction_is_exact_on_a_linear_stretch():
    _, _, c = _orthogonal_lasso()
    # the same support at 0.9, 0.8 and 0.7
    (coef, g), corr = _predict(c, [(0.9, _soft(c, 0.9)), (0.8, _soft(c, 0.8))],
                               0.7)
    np.testing.assert_allclose(coef, _soft(c, 0.7), rtol=0, atol=1e-12)
    np.testing.assert_allclose(g, corr(coef), rtol=0, atol=1e-7)


def test_path_prediction_zeroes_sign_flips_and_keeps_correlations_exact():
    _, _, c = _orthogonal_lasso()
    c[4] = 0.6  # zero at the optimum from alpha 0.6 on
    # coordinate 4 shrinks between the last two iterates (as when a
    # correlated feature takes over): the linear step would cross zero
    w2, w1 = _soft(c, 0.9), _soft(c, 0.8)
    w2[4], w1[4] = 0.5, 0.1
    (coef, g), corr = _predict(c, [(0.9, w2), (0.8, w1)], 0.7)
    assert coef[4] == 0.0
    np.testing.assert_allclose(coef, _soft(c, 0.7), rtol=0, atol=1e-12)
    np.testing.assert_allclose(g, corr(coef), rtol=0, atol=1e-7)


def test_path_prediction_refused_when_it_does_not_lower_the_objective():
    _, _, c = _orthogonal_lasso()
    w1 = _soft(c, 0.8)
    w2 = w1 - 0.5 * np.sign(w1)  # far from the path: the step overshoots
    assert _predict(c, [(0.9, w2), (0.8, w1)], 0.79)[0] is None
    # alphas that do not decrease give no prediction either
    assert _predict(c, [(0.9, _soft(c, 0.9)), (0.8, w1)], 0.85)[0] is None


def test_gram_path_certifies_a_predicted_solution_without_an_inner_solve(
        monkeypatch):
    from skreg.linear_model import _path

    X, y, c = _orthogonal_lasso()
    calls = []
    original_kernel, original_solve = solver_module.cd_working_set_gram, _path._solve

    def kernel_spy(*args):
        calls.append(args[4].shape[0])
        return original_kernel(*args)

    solves_after_each_alpha = []

    def solve_spy(*args, **kwargs):
        result = original_solve(*args, **kwargs)
        solves_after_each_alpha.append(len(calls))
        return result

    monkeypatch.setattr(solver_module, "cd_working_set_gram", kernel_spy)
    monkeypatch.setattr(_path, "_solve", solve_spy)
    alphas = [0.9, 0.8, 0.7, 0.6]  # one support: the path is affine here
    res = _enet_path_core(X, y, alphas=alphas, fit_intercept=False,
                          precompute=True, tol=1e-10)
    per_alpha = np.diff(np.r_[0, solves_after_each_alpha])
    # no history yet at the first two alphas; the last two are predicted
    # exactly and certified without an inner solve
    assert per_alpha[0] >= 1
    assert per_alpha[2] == 0 and per_alpha[3] == 0
    for k, alpha in enumerate(alphas):
        np.testing.assert_allclose(res.coefs[0, :, k], _soft(c, alpha),
                                   rtol=0, atol=1e-9)
        assert res.converged[0, k]
        assert res.dual_gaps[0, k] <= 1e-10 * (y @ y) / len(y)


def test_working_set_takes_near_violators_below_entry_ratio_one():
    from skreg.linear_model._outer_kernels import select_working_set

    corr = np.array([5.0, 0.95, 0.5, 1.2, -0.92, 0.0])
    coef = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    lam1 = np.ones(6)
    norm = np.ones(6)
    active = np.ones(6, dtype=bool)
    ws, n_outside, n_support, n_active, n_entering = select_working_set(
        corr, coef, lam1, norm, active, False, 100, 1.0)
    assert ws.tolist() == [0, 3]
    assert (n_outside, n_support, n_active, n_entering) == (0, 1, 6, 1)
    ws, n_outside, n_support, n_active, n_entering = select_working_set(
        corr, coef, lam1, norm, active, False, 100, 0.9)
    assert ws.tolist() == [0, 1, 3, 4]
    # only the true violator counts as entering (the solver's "settled" test)
    assert (n_outside, n_entering) == (0, 1)
    # no room for all (2 x support, min_size 1): the violator ranks first
    ws, n_outside, _, _, n_entering = select_working_set(
        corr, coef, lam1, norm, active, False, 1, 0.9)
    assert ws.tolist() == [0, 3] and (n_outside, n_entering) == (0, 1)
    # positive: a negative correlation never enters
    ws, *_ = select_working_set(corr, coef, lam1, norm, active, True, 100, 0.9)
    assert ws.tolist() == [0, 1, 3]


def test_inner_rounding_floor_does_not_burn_max_iter():
    # tol=1e-12 on badly scaled columns (a fuzzer's case, one column with a
    # mean of 1.8e4): the inner gap floored in rounding above its target and
    # one inner solve ran all of max_iter=1e6 epochs (624 ms; scikit-learn
    # 1.4 ms), although the true gap was already below tol
    from skreg import Lasso

    X = np.asfortranarray([
        [
            17856.983417760333, 21781.12847083529, 163.23863338666877,
            48.450571286140836, -0.0001873443576067185, 53.27393394699741,
            -0.00024501967506157795, 0.0003221054110506094, -128.6787703041532,
            -0.352472604512379,
        ],
        [
            17856.983768140133, 19203.751165855057, -275.92805603555894,
            37.087528556156315, -0.00032585710181018586, 19.761823101205135,
            5.581456634558321e-05, -0.0002631964985767795, 289.2622929906721,
            0.13143763344678305,
        ],
        [
            17856.98355890486, -27969.01796504713, 294.7064008888385,
            5.023055218695596, -0.00038985320575832423, -33.99316264183432,
            0.00013576240157206541, 0.00047964699896175335, -753.9702609470814,
            0.17717411566593072,
        ],
        [
            17856.983650105514, -25301.782571747593, -59.263172401907624,
            27.852926720530892, 3.4704131596094595e-05, 3.7541604129717796,
            -8.340075317099352e-05, -0.00013580193383270413, 432.8194325301815,
            -0.009927352284474266,
        ],
        [
            17856.98353627015, -518.8701856316056, 328.21081164679646,
            -7.113321830398902, -0.00011639004382073194, 40.96713949499295,
            -0.0001441267862282455, -6.974422502975323e-05, 506.5245547485164,
            -0.007955421419658066,
        ],
    ])
    y = np.array([
        -0.08526060169206934, -0.05136209564841043, 1.8264029170762424,
        -0.6576458353326, 1.730319104621772,
    ])
    model = Lasso(alpha=0.2466180448915819, fit_intercept=False, tol=1e-12,
                  max_iter=1_000_000).fit(X, y)
    assert model.n_iter_ <= 20_000
    assert model.dual_gap_ <= 1e-12 * np.dot(y, y)
