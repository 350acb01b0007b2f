"""Paths on the Gram matrix of float32-rounded rows, certified against X."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_solver import _independent_gap

import skreg.linear_model._path as path_module
import skreg.linear_model._solver as solver_module
from skreg.linear_model import _float32_gram
from skreg.linear_model._float32_gram import float32_centered_gram
from skreg.linear_model._path import _enet_path_core, _rounded_gram_pays


def _data(n=600, p=40, seed=0, offset=3.0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + offset * rng.rand(p)
    X[:, 1] = X[:, 0] + 0.2 * rng.randn(n)
    w = np.zeros(p)
    w[:6] = rng.randn(6) * 2
    y = X @ w + rng.randn(n) + 1.0
    return np.asfortranarray(X), y, rng


@pytest.fixture
def always_rounded(monkeypatch):
    """Take the rounded route on small problems (sizes and alpha counts)."""
    monkeypatch.setattr(path_module, "_ROUNDED_GRAM_MIN_PRODUCTS", 0)
    monkeypatch.setattr(path_module, "_ROUNDED_GRAM_FEATURES_PER_ALPHA", 0)
    designs = []
    original = path_module._make_design

    def spy(*args, **kwargs):
        designs.append(original(*args, **kwargs))
        return designs[-1]

    monkeypatch.setattr(path_module, "_make_design", spy)
    return designs


def _alphas(X, y, fit_intercept, l1_ratio, n_alphas=8):
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    alpha_max = np.abs(Xc.T @ yc).max() / (len(y) * l1_ratio)
    return alpha_max * np.geomspace(1.0, 0.01, n_alphas)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_blocks", [1, 3])
def test_float32_centered_gram_is_the_centered_gram_to_float32_rounding(
        monkeypatch, weighted, n_blocks):
    X, _, rng = _data(n=500, p=30)
    sw = rng.uniform(0.2, 3.0, size=500) if weighted else None
    s = np.ones(500) if sw is None else sw
    mean = np.average(X, axis=0, weights=s)
    if n_blocks > 1:  # 200 rows per block: two full blocks and a partial one
        monkeypatch.setattr(_float32_gram, "_CENTERED_BLOCK_BYTES", 4 * 30 * 200)
    G = float32_centered_gram(X, mean, sw)
    Xc = X - mean
    exact = Xc.T @ (s[:, None] * Xc)
    assert np.array_equal(G, G.T)
    scale = np.sqrt(np.outer(np.diag(exact), np.diag(exact)))
    err = np.abs(G - exact) / scale
    assert err.max() < 1e-5
    assert err.max() > 1e-10  # float32 rounding, not a float64 product


def test_exact_residual_moments_match_a_direct_computation():
    X, y, rng = _data()
    sw = rng.uniform(0.2, 3.0, size=len(y))
    design = solver_module._Design(X, sw, True, use_gram=False)
    target = solver_module._Target(design, y)
    W = rng.randn(X.shape[1], 5)
    corr, r_norm2, y_dot_r = design.exact_residual_moments(target.yc, W)
    s = sw * len(y) / sw.sum()
    mean = np.average(X, axis=0, weights=s)
    yc = y - np.average(y, weights=s)
    R = yc[:, None] - (X - mean) @ W
    np.testing.assert_allclose(corr, (X - mean).T @ (s[:, None] * R), rtol=1e-10)
    np.testing.assert_allclose(r_norm2, np.sum(s[:, None] * R * R, axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(y_dot_r, (s * yc) @ R, rtol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("positive", [False, True])
def test_rounded_path_reports_the_exact_certificates(always_rounded, fit_intercept,
                                                     l1_ratio, positive):
    X, y, _ = _data()
    alphas = _alphas(X, y, fit_intercept, l1_ratio)
    tol = 1e-6
    res = _enet_path_core(X, y, alphas=alphas, l1_ratio=l1_ratio,
                          fit_intercept=fit_intercept, positive=positive,
                          precompute=True, tol=tol, max_iter=100000)
    assert always_rounded[0].gram_is_rounded
    yc = y - y.mean() if fit_intercept else y
    for k, alpha in enumerate(alphas):
        coef = res.coefs[0, :, k]
        if not positive:
            true_gap = _independent_gap(X, y, coef, alpha, l1_ratio, fit_intercept)
            assert res.dual_gaps[0, k] == pytest.approx(
                true_gap, rel=1e-6, abs=1e-12 * (yc @ yc))
        assert res.converged[0, k]
        assert res.dual_gaps[0, k] <= tol * (yc @ yc) / len(y)
        assert res.kkt_violations[0, k] >= 0
    # the same solutions as the exact Gram route, to the tolerance
    exact = _enet_path_core(X, y, alphas=alphas, l1_ratio=l1_ratio,
                            fit_intercept=fit_intercept, positive=positive,
                            precompute=True, tol=1e-12, max_iter=100000)
    scale = np.abs(exact.coefs).max()
    np.testing.assert_allclose(res.coefs, exact.coefs, rtol=0, atol=1e-3 * scale)
    np.testing.assert_allclose(res.intercepts, exact.intercepts, rtol=0,
                               atol=1e-3 * max(1.0, np.abs(exact.intercepts).max()))


def test_failed_certificates_are_solved_again_on_the_exact_gram(monkeypatch,
                                                                always_rounded):
    # a rounded Gram matrix far off (1 % on the off-diagonal): the solutions
    # of that problem fail their exact certificates and are solved again
    X, y, _ = _data()
    original = solver_module.float32_centered_gram

    def distorted(*args):
        G = original(*args)
        return G * 1.01 - 0.01 * np.diag(np.diag(G))

    monkeypatch.setattr(solver_module, "float32_centered_gram", distorted)
    switches = []
    exact_gram = solver_module._Design.use_exact_gram

    def spy(self):
        switches.append(True)
        return exact_gram(self)

    monkeypatch.setattr(solver_module._Design, "use_exact_gram", spy)
    alphas = _alphas(X, y, True, 1.0)
    tol = 1e-6
    res = _enet_path_core(X, y, alphas=alphas, precompute=True, tol=tol,
                          max_iter=100000)
    assert switches == [True]
    yc = y - y.mean()
    for k, alpha in enumerate(alphas):
        true_gap = _independent_gap(X, y, res.coefs[0, :, k], alpha, 1.0, True)
        assert res.converged[0, k]
        assert res.dual_gaps[0, k] == pytest.approx(true_gap, rel=1e-6,
                                                    abs=1e-12 * (yc @ yc))
        assert true_gap <= tol * (yc @ yc) / len(y)
        # the intercept of the re-solved coefficients, not the discarded ones
        coef = res.coefs[0, :, k]
        assert res.intercepts[0, k] == pytest.approx(y.mean() - X.mean(axis=0) @ coef,
                                                     rel=1e-10, abs=1e-10)


def test_float32_overflow_falls_back_to_the_exact_gram(always_rounded):
    # a column of magnitude 1e20: its float32 square overflows
    X, y, _ = _data()
    X[:, 5] *= 1e20
    alphas = _alphas(X, y, True, 1.0, n_alphas=4)
    res = _enet_path_core(X, y, alphas=alphas, precompute=True, tol=1e-6,
                          max_iter=100000)
    design = always_rounded[0]
    assert not design.gram_is_rounded
    assert np.isfinite(design.gram).all()
    assert np.all(np.isfinite(res.coefs)) and np.all(res.converged)


def test_rounded_route_only_where_it_pays_and_certifies():
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(2500, 1000))
    alphas = np.geomspace(1.0, 0.01, 30)
    assert _rounded_gram_pays(X, "auto", None, 1e-4, alphas, None)
    assert _rounded_gram_pays(X, True, None, 1e-6, alphas, None)
    # tolerance tighter than the rounding allows
    assert not _rounded_gram_pays(X, "auto", None, 1e-7, alphas, None)
    # no Gram matrix asked for (or n <= 2 p with 'auto'), or the user's own
    assert not _rounded_gram_pays(X, False, None, 1e-4, alphas, None)
    assert not _rounded_gram_pays(X[:2000], "auto", None, 1e-4, alphas, None)
    assert not _rounded_gram_pays(X, "auto", np.eye(1000), 1e-4, alphas, None)
    assert not _rounded_gram_pays(X, np.eye(1000), None, 1e-4, alphas, None)
    # float32 X, unpenalized features, alpha = 0, too many alphas per feature
    assert not _rounded_gram_pays(X.astype(np.float32), True, None, 1e-4, alphas,
                                  None)
    pf = np.ones(1000)
    pf[3] = 0.0
    assert not _rounded_gram_pays(X, True, None, 1e-4, alphas, pf)
    assert not _rounded_gram_pays(X, True, None, 1e-4, np.r_[alphas, 0.0], None)
    assert not _rounded_gram_pays(X, True, None, 1e-4, np.geomspace(1, 0.01, 101),
                                  None)
    # a small Gram matrix is not worth the certificate
    assert not _rounded_gram_pays(X[:, :100], True, None, 1e-4, alphas[:5], None)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    p=st.integers(20, 80),
    l1_ratio=st.sampled_from([1.0, 0.5]),
    fit_intercept=st.booleans(),
    weighted=st.booleans(),
    tol=st.sampled_from([1e-4, 1e-6]),
)
def test_property_rounded_path_certificate_is_exact_and_below_tol(
        seed, p, l1_ratio, fit_intercept, weighted, tol):
    rng = np.random.RandomState(seed)
    n = 5 * p
    X = np.asfortranarray(rng.randn(n, p) * rng.uniform(0.5, 2.0, size=p)
                          + rng.randn(p))
    w = np.zeros(p)
    w[:5] = rng.randn(5) * 3
    y = X @ w + rng.randn(n)
    sw = rng.randint(1, 4, size=n).astype(float) if weighted else None
    alphas = _alphas(X, y, fit_intercept, l1_ratio, n_alphas=6)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(path_module, "_ROUNDED_GRAM_MIN_PRODUCTS", 0)
        mp.setattr(path_module, "_ROUNDED_GRAM_FEATURES_PER_ALPHA", 0)
        res = _enet_path_core(X, y, alphas=alphas, l1_ratio=l1_ratio,
                              sample_weight=sw, fit_intercept=fit_intercept,
                              precompute=True, tol=tol, max_iter=100000)
    # integer weights: the same problem as repeated rows, whose gap is
    # computed from scratch without weights
    Xr = X if sw is None else np.repeat(X, sw.astype(int), axis=0)
    yr = y if sw is None else np.repeat(y, sw.astype(int))
    yc = yr - yr.mean() if fit_intercept else yr
    for k, alpha in enumerate(alphas):
        true_gap = _independent_gap(Xr, yr, res.coefs[0, :, k], alpha, l1_ratio,
                                    fit_intercept)
        # the solver's gap is per weighted sample (weights rescaled to sum n)
        assert res.dual_gaps[0, k] == pytest.approx(true_gap, rel=1e-6,
                                                    abs=1e-12 * (yc @ yc))
        assert true_gap <= tol * (yc @ yc) / len(yr) * (1 + 1e-9)
