"""Exact-Hessian Newton solver for small smooth logistic problems."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from skreg.linear_model._datafits import BinaryLogistic, Multinomial
from skreg.linear_model._newton_cholesky import hessian, newton_cholesky
from skreg.linear_model._prox_newton import (
    ColumnAccess,
    kkt_violation,
    objective,
    prox_newton,
)


def _problem(n_rows, seed, n=50, p=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 1, p)
    sw = rng.uniform(0.5, 2.0, n)
    sw /= sw.sum()
    if n_rows == 1:
        y = np.where(X[:, 0] + rng.standard_normal(n) > 0, 1.0, -1.0)
        y[:2] = [1.0, -1.0]
        return X, BinaryLogistic(y, sw)
    y = np.argmax(X[:, :1] * np.arange(3) + rng.standard_normal((n, 3)), axis=1)
    y[:3] = [0, 1, 2]
    return X, Multinomial(y, sw, 3)


def _flat(W, b, fit_intercept):
    return np.concatenate([W.ravel(), b]) if fit_intercept else W.ravel()


@pytest.mark.parametrize("n_rows", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hessian_matches_finite_differences_of_the_gradient(n_rows, fit_intercept):
    X, datafit = _problem(n_rows, seed=1)
    Xa = ColumnAccess(X)
    p, K = X.shape[1], n_rows
    lam2 = np.array([0.0, 0.3, 1.0, 2.0])
    rng = np.random.default_rng(2)
    W = rng.standard_normal((p, K)) * 0.3
    b = rng.standard_normal(K) if fit_intercept else np.zeros(K)

    def gradient(W, b):
        _, G, gb, _ = datafit.loss_and_gradient(Xa, W, b)
        return _flat(G + lam2[:, None] * W, gb, fit_intercept)

    datafit.prepare(Xa.scores(W, b))
    H = hessian(Xa, datafit, lam2, fit_intercept)
    x0 = _flat(W, b, fit_intercept)
    eps = 1e-6
    for i in range(x0.size):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        Wp, bp = xp[:p * K].reshape(p, K), (xp[p * K:] if fit_intercept else b)
        Wm, bm = xm[:p * K].reshape(p, K), (xm[p * K:] if fit_intercept else b)
        column = (gradient(Wp, bp) - gradient(Wm, bm)) / (2 * eps)
        np.testing.assert_allclose(H[:, i], column, atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n_rows=st.sampled_from([1, 3]),
       log_alpha=st.floats(-6, 0), fit_intercept=st.booleans(),
       unpenalized=st.booleans(), kind=st.sampled_from(["dense", "sparse", "f32"]))
def test_certificate_and_objective_on_random_problems(seed, n_rows, log_alpha,
                                                      fit_intercept, unpenalized,
                                                      kind):
    X, datafit = _problem(n_rows, seed)
    if kind == "sparse":
        X = sp.csr_matrix(np.where(np.abs(X) > 0.7, X, 0.0))
    elif kind == "f32":
        X = X.astype(np.float32)
    Xa = ColumnAccess(X)
    alpha = 10.0 ** log_alpha
    pf = np.ones(X.shape[1])
    if unpenalized:
        pf[1] = 0.0
    tol = 1e-9
    W, b, info = newton_cholesky(Xa, datafit, alpha, 0.0, pf,
                                 fit_intercept=fit_intercept, tol=tol,
                                 max_iter=100)
    assert info["converged"], info["kkt"]
    # the certificate recomputed in float64 from scratch (float32 X: the
    # same numbers, widened)
    X64 = ColumnAccess(X.astype(np.float64))
    assert kkt_violation(X64, datafit, W, b, alpha, 0.0, pf, fit_intercept) <= tol
    W_pn, b_pn, _ = prox_newton(Xa, datafit, alpha, 0.0, pf,
                                fit_intercept=fit_intercept, tol=1e-10,
                                max_iter=5000)
    ours = objective(Xa, datafit, W, b, alpha, 0.0, pf)
    reference = objective(Xa, datafit, W_pn, b_pn, alpha, 0.0, pf)
    assert ours <= reference + 1e-9 * abs(reference)
