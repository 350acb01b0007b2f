"""Tests of the alpha grid, the warm-started path and lasso_path / enet_path."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn import linear_model as sk_lm

from skreg import enet_path, lasso_path
from skreg.linear_model._path import _enet_path_core, alpha_grid
from skreg.linear_model._solver import solve_enet


def _data(n=40, p=20, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + 0.5
    y = X[:, :4] @ np.array([2.0, -1.0, 1.0, 0.5]) + 0.3 * rng.randn(n) + 1.0
    return X, y, rng


def test_signatures_match_sklearn():
    for ours, theirs in [(lasso_path, sk_lm.lasso_path), (enet_path, sk_lm.enet_path)]:
        assert str(inspect.signature(ours)) == str(inspect.signature(theirs))


@pytest.mark.parametrize("sparse_X", [False, True])
@pytest.mark.parametrize("precompute", [False, True, "auto"])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_enet_path_matches_sklearn(sparse_X, precompute, positive, l1_ratio):
    X, y, _ = _data()
    Xi = sparse.csc_matrix(X) if sparse_X else X
    kw = dict(l1_ratio=l1_ratio, alphas=15, precompute=precompute, tol=1e-15,
              max_iter=200000, positive=positive)
    a1, c1, _ = sk_lm.enet_path(Xi, y, **kw)
    a2, c2, g2 = enet_path(Xi, y, **kw)
    np.testing.assert_allclose(a2, a1, rtol=1e-12)
    np.testing.assert_allclose(c2, c1, rtol=0, atol=1e-6 * np.abs(c1).max())
    assert np.all(g2 <= 1e-15 * np.sum(y**2) / len(y) + 1e-18)


def test_lasso_path_explicit_alphas_and_n_iter():
    X, y, _ = _data()
    alphas = [0.01, 1.0, 0.1]
    out = lasso_path(X, y, alphas=alphas, return_n_iter=True, tol=1e-12)
    assert len(out) == 4
    a, coefs, gaps, n_iters = out
    np.testing.assert_array_equal(a, [1.0, 0.1, 0.01])  # sorted decreasingly
    assert coefs.shape == (X.shape[1], 3) and gaps.shape == (3,)
    assert isinstance(n_iters, list) and all(k >= 1 for k in n_iters)
    _, sk_coefs, _ = sk_lm.lasso_path(X, y, alphas=alphas, tol=1e-15, max_iter=10**5)
    np.testing.assert_allclose(coefs, sk_coefs, atol=1e-5)


def test_path_with_intercept_and_weights_matches_sklearn_elasticnet():
    X, y, rng = _data()
    sw = rng.uniform(0.2, 2.0, size=len(y))
    a, coefs, _, intercepts = enet_path(
        X, y, l1_ratio=0.7, alphas=[0.2, 0.05, 0.01], tol=1e-15, max_iter=10**5,
        sample_weight=sw, fit_intercept=True, return_intercept=True)
    for i, alpha in enumerate(a):
        sk = sk_lm.ElasticNet(alpha=alpha, l1_ratio=0.7, tol=1e-15,
                              max_iter=10**5).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(coefs[:, i], sk.coef_, atol=1e-6)
        assert intercepts[i] == pytest.approx(sk.intercept_, abs=1e-6)


@pytest.mark.parametrize("sparse_X", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_multi_output_is_multitask_like_sklearn(sparse_X, l1_ratio):
    X, y, rng = _data()
    Y = np.c_[y, -2 * y + rng.randn(len(y))]
    Xi = sparse.csc_matrix(X) if sparse_X else X
    kw = dict(alphas=5, l1_ratio=l1_ratio, tol=1e-13, max_iter=100000)
    a1, c1, _, _ = sk_lm.enet_path(Xi, Y, return_n_iter=True, **kw)
    a2, c2, g2, n2 = enet_path(Xi, Y, return_n_iter=True, **kw)
    assert c2.shape == c1.shape == (2, X.shape[1], 5) and g2.shape == (5,)
    np.testing.assert_allclose(a2, a1, rtol=1e-10)
    np.testing.assert_allclose(c2, c1, atol=1e-6 * np.abs(c1).max())
    assert len(n2) == 5


def test_multi_output_with_intercept_and_weights_matches_multitask_estimator():
    X, y, rng = _data()
    Y = np.c_[y, y + rng.randn(len(y))]
    sw = rng.uniform(0.3, 2.0, size=len(y))
    alpha = 0.05
    _, coefs, _, intercepts = enet_path(
        X, Y, alphas=[alpha], l1_ratio=0.7, tol=1e-13, max_iter=100000,
        sample_weight=sw, fit_intercept=True, return_intercept=True)
    sk = sk_lm.MultiTaskElasticNet(alpha=alpha, l1_ratio=0.7, tol=1e-13,
                                   max_iter=100000).fit(X, Y, sample_weight=sw)
    np.testing.assert_allclose(coefs[..., 0], sk.coef_, atol=1e-6)
    np.testing.assert_allclose(intercepts[:, 0], sk.intercept_, atol=1e-6)


def test_float32_stays_float32():
    X, y, _ = _data()
    _, coefs, _ = lasso_path(X.astype(np.float32), y.astype(np.float32), alphas=5)
    assert coefs.dtype == np.float32
    _, coefs, _ = lasso_path(sparse.csc_matrix(X.astype(np.float32)), y, alphas=5)
    assert coefs.dtype == np.float32


def test_alpha_grid_matches_sklearn_without_penalty_factor():
    X, y, rng = _data()
    sw = rng.uniform(0.2, 2.0, size=len(y))
    for fit_intercept in [True, False]:
        for w in [None, sw]:
            ours = alpha_grid(X, y, l1_ratio=0.5, eps=1e-2, n_alphas=7,
                              sample_weight=w, fit_intercept=fit_intercept)
            wn = None if w is None else w * len(y) / w.sum()
            theirs = sk_lm._coordinate_descent._alpha_grid(
                X, y, l1_ratio=0.5, eps=1e-2, n_alphas=7, sample_weight=wn,
                fit_intercept=fit_intercept)
            np.testing.assert_allclose(ours, theirs, rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    fit_intercept=st.booleans(),
    weighted=st.booleans(),
    with_zero_pf=st.booleans(),
    l1_ratio=st.sampled_from([1.0, 0.6, 0.2]),
    positive=st.booleans(),
    sparse_X=st.booleans(),
)
def test_property_alpha_max_is_exact(seed, fit_intercept, weighted, with_zero_pf,
                                     l1_ratio, positive, sparse_X):
    rng = np.random.RandomState(seed)
    n, p = 25, 8
    X = rng.randn(n, p) + rng.randn(p)
    y = X @ rng.randn(p) + rng.randn(n)
    sw = rng.uniform(0.1, 3.0, size=n) if weighted else None
    pf = rng.uniform(0.3, 2.0, size=p)
    if with_zero_pf:
        pf[rng.choice(p, 2, replace=False)] = 0.0
    Xi = sparse.csc_matrix(X) if sparse_X else X
    a_max = alpha_grid(Xi, y, l1_ratio=l1_ratio, n_alphas=1, sample_weight=sw,
                       penalty_factor=pf, fit_intercept=fit_intercept,
                       positive=positive)[0]
    kw = dict(l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf,
              positive=positive, fit_intercept=fit_intercept, tol=1e-14,
              max_iter=100000)
    if a_max <= np.finfo(float).resolution:  # e.g. positive with no useful feature
        return
    # exactly at alpha_max a coefficient can be tied at 0: a certified solve
    # may leave it at ~sqrt(gap); with 1% margin gap-safe screening zeroes it
    at = solve_enet(Xi, y, alpha=a_max * (1 + 1e-9), **kw)
    assert np.max(np.abs(at.coef[pf > 0])) < 1e-6
    above = solve_enet(Xi, y, alpha=a_max * 1.01, **kw)
    assert np.all(above.coef[pf > 0] == 0)
    below = solve_enet(Xi, y, alpha=a_max * 0.99, **kw)
    assert np.max(np.abs(below.coef[pf > 0])) > 1e-5


def test_path_core_shapes_and_certificates():
    X, y, _ = _data()
    pf = np.ones(X.shape[1])
    pf[0] = 0.0
    alphas = alpha_grid(X, y, n_alphas=6, penalty_factor=pf)
    res = _enet_path_core(X, y, alphas=alphas, penalty_factor=pf, tol=1e-8)
    assert res.coefs.shape == (1, X.shape[1], 6)
    assert res.intercepts.shape == res.dual_gaps.shape == res.n_iters.shape == (1, 6)
    assert res.converged.all()
    assert np.all(res.dual_gaps <= 1e-8 * np.var(y))
    assert np.all(res.coefs[0, 1:, 0] == 0) and res.coefs[0, 0, 0] != 0


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(X_nan=True), ValueError, "NaN"),
        (dict(X_inf=True), ValueError, "infinity"),
        (dict(y_short=True), ValueError, "inconsistent numbers of samples"),
        (dict(sample_weight=-np.ones(40)), ValueError, "(?i)negative"),
        (dict(sample_weight=np.ones(3)), ValueError, "sample_weight"),
        (dict(penalty_factor=np.ones(3)), ValueError, "penalty_factor"),
        (dict(penalty_factor=-np.ones(20)), ValueError, "penalty_factor"),
        (dict(l1_ratio=2.0), ValueError, "l1_ratio"),
        (dict(alphas=[-1.0]), ValueError, "non-negative"),
        (dict(eps=0.0), ValueError, "eps"),
        (dict(bogus=1), ValueError, "Unexpected parameters"),
        (dict(selection="foo"), ValueError, "selection"),
        (dict(precompute=np.eye(3)), ValueError, "Gram"),
        (dict(coef_init=np.ones(3)), ValueError, "coef_init"),
        (dict(positive=True, multi=True), ValueError, "multi-output"),
        (dict(penalty_factor=np.r_[0.0, np.ones(19)], multi=True), ValueError,
         "penalty_factor must be positive"),
        (dict(l1_ratio=0.0, alphas=5), ValueError, "l1_ratio=0"),
    ],
)
def test_path_errors(kwargs, err, match):
    X, y, _ = _data()
    if kwargs.pop("X_nan", False):
        X[0, 0] = np.nan
    if kwargs.pop("X_inf", False):
        X[0, 0] = np.inf
    if kwargs.pop("y_short", False):
        y = y[:-1]
    if kwargs.pop("multi", False):
        y = np.c_[y, y]
    kwargs.setdefault("alphas", 3)
    with pytest.raises(err, match=match):
        enet_path(X, y, **kwargs)


def test_deprecated_n_alphas_warns_like_sklearn():
    X, y, _ = _data()
    with pytest.warns(FutureWarning, match="n_alphas"):
        a, _, _ = lasso_path(X, y, n_alphas=4)
    assert a.shape == (4,)
    with pytest.warns(FutureWarning, match="alphas=None"):
        a, _, _ = lasso_path(X, y, alphas=None)
    assert a.shape == (100,)


def test_precomputed_gram_array_matches_no_gram():
    X, y, _ = _data()
    G = np.asfortranarray(X.T @ X)
    _, c_gram, _ = lasso_path(X, y, alphas=6, precompute=G, Xy=X.T @ y, tol=1e-12)
    _, c_plain, _ = lasso_path(X, y, alphas=6, precompute=False, tol=1e-12)
    np.testing.assert_allclose(c_gram, c_plain, atol=1e-7)
