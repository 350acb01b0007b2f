"""The prox-Newton solver, its datafits and kernels, checked against definitions."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize_scalar

from skreg.linear_model._datafits import BinaryLogistic, Multinomial
from skreg.linear_model._glm_kernels import best_common_shift
from skreg.linear_model._prox_newton import (
    ColumnAccess,
    kkt_violation,
    lbfgs_smooth,
    objective,
    prox_newton,
)


def problem(n_rows, seed=0, n=60, p=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5  # uncentered on purpose
    sw = rng.uniform(0.5, 2.0, n)
    sw /= sw.sum()
    if n_rows == 1:
        y = np.where(X[:, 0] + rng.standard_normal(n) > 0.5, 1.0, -1.0)
        return X, BinaryLogistic(y, sw)
    y = np.argmax(X[:, :3] + rng.standard_normal((n, 3)), axis=1)
    return X, Multinomial(y, sw, 3)


@pytest.mark.parametrize("n_rows", [1, 3])
def test_gradient_matches_finite_differences(n_rows):
    X, df = problem(n_rows)
    Xa = ColumnAccess(X)
    rng = np.random.default_rng(1)
    W = rng.standard_normal((X.shape[1], n_rows)) * 0.3
    b = rng.standard_normal(n_rows)
    loss, G, gb, _ = df.loss_and_gradient(Xa, W, b)
    assert loss == pytest.approx(df.loss(Xa.scores(W, b)), rel=1e-12)
    eps = 1e-6
    for j, k in [(0, 0), (3, n_rows - 1), (6, 0)]:
        Wp, Wm = W.copy(), W.copy()
        Wp[j, k] += eps
        Wm[j, k] -= eps
        fd = (df.loss(Xa.scores(Wp, b)) - df.loss(Xa.scores(Wm, b))) / (2 * eps)
        assert G[j, k] == pytest.approx(fd, abs=1e-8)
    bp = b.copy()
    bp[0] += eps
    bm = b.copy()
    bm[0] -= eps
    fd = (df.loss(Xa.scores(W, bp)) - df.loss(Xa.scores(W, bm))) / (2 * eps)
    assert gb[0] == pytest.approx(fd, abs=1e-8)


@pytest.mark.parametrize("n_rows", [1, 3])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4, 0.0])
@pytest.mark.parametrize("layout", ["C", "F", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_certificate_at_returned_solution(n_rows, l1_ratio, layout, fit_intercept):
    X, df = problem(n_rows, seed=2)
    X = {"C": np.ascontiguousarray(X), "F": np.asfortranarray(X),
         "csc": sp.csc_matrix(X)}[layout]
    Xa = ColumnAccess(X)
    pf = np.ones(X.shape[1])
    alpha = 0.02
    W, b, info = prox_newton(Xa, df, alpha, l1_ratio, pf,
                             fit_intercept=fit_intercept, tol=1e-9, max_iter=200)
    assert info["converged"] and info["kkt"] <= 1e-9
    # recomputed independently of the solver's own bookkeeping
    assert kkt_violation(Xa, df, W, b, alpha, l1_ratio, pf, fit_intercept) <= 1e-9
    # no coordinate perturbation improves the objective
    f0 = objective(Xa, df, W, b, alpha, l1_ratio, pf)
    for j in range(X.shape[1]):
        for step in (1e-4, -1e-4):
            Wp = W.copy()
            Wp[j, 0] += step
            assert objective(Xa, df, Wp, b, alpha, l1_ratio, pf) >= f0 - 1e-14


def test_l1_solution_is_sparse_and_dense_sparse_agree():
    X, df = problem(1, seed=3, p=20)
    pf = np.ones(20)
    res = [prox_newton(ColumnAccess(Xl), df, 0.05, 1.0, pf, tol=1e-10)
           for Xl in (X, sp.csc_matrix(X))]
    np.testing.assert_allclose(res[0][0], res[1][0], atol=1e-9)
    assert 0 < np.count_nonzero(res[0][0]) < 20


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_binary_dual_gap(l1_ratio):
    X, df = problem(1, seed=4)
    Xa = ColumnAccess(X)
    pf = np.ones(X.shape[1])
    alpha = 0.03
    W, b, info = prox_newton(Xa, df, alpha, l1_ratio, pf, tol=1e-11)
    gap = df.dual_gap(Xa, W, b, info["Z"], alpha, l1_ratio, pf, True)
    assert 0.0 <= gap <= 1e-9
    # at a poor point the gap bounds the suboptimality from above
    f_opt = objective(Xa, df, W, b, alpha, l1_ratio, pf)
    W_bad = W + 0.1
    Z_bad = Xa.scores(W_bad, b)
    gap_bad = df.dual_gap(Xa, W_bad, b, Z_bad, alpha, l1_ratio, pf, True)
    sub = objective(Xa, df, W_bad, b, alpha, l1_ratio, pf) - f_opt
    assert gap_bad >= sub > 0
    assert np.isnan(df.dual_gap(Xa, W, b, info["Z"], 0.0, l1_ratio, pf, True))


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 0.7, 1.0])
@pytest.mark.parametrize("K", [2, 3, 5])
def test_best_common_shift_minimizes_penalty(l1_ratio, K):
    rng = np.random.default_rng(K)
    for _ in range(5):
        v = rng.standard_normal(K)
        v[rng.integers(K)] = 0.0

        def pen(c, v=v):
            u = v + c
            return l1_ratio * np.abs(u).sum() + 0.5 * (1 - l1_ratio) * (u * u).sum()

        c = best_common_shift(v.copy(), l1_ratio)
        ref = minimize_scalar(pen, bounds=(-5, 5), method="bounded",
                              options={"xatol": 1e-12})
        assert pen(c) <= ref.fun + 1e-10


def test_lbfgs_and_prox_newton_agree_on_l2():
    for n_rows in (1, 3):
        X, df = problem(n_rows, seed=5)
        Xa = ColumnAccess(X)
        pf = np.linspace(0.5, 1.5, X.shape[1])
        W1, b1, info = lbfgs_smooth(Xa, df, 0.01, pf, tol=1e-8, max_iter=500)
        W2, b2, _ = prox_newton(Xa, df, 0.01, 0.0, pf, tol=1e-11)
        assert info["kkt"] <= 1e-8
        np.testing.assert_allclose(W1, W2, atol=1e-6)
        np.testing.assert_allclose(b1 - b1.mean(), b2 - b2.mean(), atol=1e-6)


def test_column_compaction_matches_columns():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((30, 9))
    Xa = ColumnAccess(X)  # C-ordered: compacted on request
    cols = np.array([1, 4, 8])
    (Xc, *_), local = Xa.restrict(cols)
    assert Xc.flags.f_contiguous
    np.testing.assert_array_equal(Xc[:, local], X[:, cols])


@pytest.mark.parametrize("n_rows", [1, 3])
def test_full_gradient_same_for_every_layout(n_rows):
    # dense (BLAS), sparse float64 (scipy CSR product on X.T) and sparse
    # float32 (compiled column kernel) must give one gradient
    X, _ = problem(n_rows, seed=7, p=12)
    X[np.abs(X) < 0.6] = 0.0
    raw = np.random.default_rng(8).standard_normal((n_rows, X.shape[0]))
    ref = X.T @ raw.T
    for Xl, rtol in [(X, 1e-12), (sp.csc_matrix(X), 1e-12),
                     (sp.csr_matrix(X), 1e-12),
                     (sp.csc_matrix(X.astype(np.float32)), 1e-6)]:
        G = ColumnAccess(Xl).gradient(raw)
        assert G.shape == (X.shape[1], n_rows) and G.dtype == np.float64
        np.testing.assert_allclose(G, ref, rtol=rtol, atol=1e-6 * (rtol > 1e-9))


@pytest.mark.parametrize("n_rows", [1, 3])
def test_prepare_returns_the_loss_stably(n_rows):
    # the loss comes from the exponentials of prepare(); huge scores must
    # neither overflow nor lose the linear part
    X, df = problem(n_rows, seed=9)
    Z = np.random.default_rng(10).standard_normal((n_rows, X.shape[0])) * 5
    Z[:, :5] = 800.0
    Z[:, 5:10] = -800.0
    df.prepare(Z)
    assert np.isfinite(df.prepared_loss)
    assert df.prepared_loss == pytest.approx(df.loss(Z), rel=1e-13)
    if n_rows == 1:
        # Hessian weights s sigmoid(z) sigmoid(-z) = s e / (1 + e)^2 with
        # e = exp(-|z|), to full relative precision (p (1 - p) loses it)
        e = np.exp(-np.abs(Z[0]))
        np.testing.assert_allclose(df._hess, df.sw * e / (1 + e) ** 2,
                                   rtol=1e-12)


@pytest.mark.parametrize("n_rows", [1, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_warm_scores_and_gradient_continue_a_path(n_rows, sparse):
    # the scores and gradient returned by one solve start the next (a path):
    # same solution as a cold start there, and the binary dual gap computed
    # from the returned gradient equals the one from a fresh pass over X
    X, df = problem(n_rows, seed=11, p=15)
    Xa = ColumnAccess(sp.csc_matrix(X) if sparse else X)
    pf = np.ones(X.shape[1])
    W1, b1, info1 = prox_newton(Xa, df, 0.05, 1.0, pf, fit_intercept=False,
                                tol=1e-10)
    assert info1["grad"].shape == W1.shape
    warm = (info1["Z"], info1["grad"])
    W2, b2, info2 = prox_newton(Xa, df, 0.02, 1.0, pf, fit_intercept=False,
                                tol=1e-10, W_init=W1, b_init=b1, warm=warm)
    W3 = prox_newton(Xa, df, 0.02, 1.0, pf, fit_intercept=False, tol=1e-10)[0]
    assert info2["converged"]
    np.testing.assert_allclose(W2, W3, atol=1e-8)
    np.testing.assert_allclose(info2["Z"], Xa.scores(W2, b2), atol=1e-10)
    if n_rows == 1:
        args = (Xa, W2, b2, info2["Z"], 0.02, 1.0, pf, False)
        assert df.dual_gap(*args, grad=info2["grad"]) == pytest.approx(
            df.dual_gap(*args), rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_multinomial_dual_gap(l1_ratio, fit_intercept):
    X, df = problem(3, seed=12)
    Xa = ColumnAccess(X)
    pf = np.linspace(0.5, 1.5, X.shape[1])
    alpha = 0.02
    W, b, info = prox_newton(Xa, df, alpha, l1_ratio, pf, tol=1e-11,
                             fit_intercept=fit_intercept, max_iter=500)
    gap = df.dual_gap(Xa, W, b, info["Z"], alpha, l1_ratio, pf, fit_intercept)
    assert 0.0 <= gap <= 1e-9
    # weak duality: at poor points the gap bounds the suboptimality
    f_opt = objective(Xa, df, W, b, alpha, l1_ratio, pf)
    rng = np.random.default_rng(13)
    for scale in (0.05, 0.5):
        W_bad = W + scale * rng.standard_normal(W.shape)
        b_bad = b + scale * rng.standard_normal(3) * fit_intercept
        Z_bad = Xa.scores(W_bad, b_bad)
        gap_bad = df.dual_gap(Xa, W_bad, b_bad, Z_bad, alpha, l1_ratio, pf,
                              fit_intercept)
        sub = objective(Xa, df, W_bad, b_bad, alpha, l1_ratio, pf) - f_opt
        assert gap_bad >= sub > 0
    assert np.isnan(df.dual_gap(Xa, W, b, info["Z"], 0.0, l1_ratio, pf,
                                fit_intercept))


@pytest.mark.parametrize("n_rows", [1, 3])
def test_only_the_intercept_violates(n_rows):
    # every feature satisfies its KKT condition at 0 (huge alpha): the
    # working set is empty and the steps move the intercept alone, to the
    # class log-frequencies
    X, df = problem(n_rows, seed=16)
    Xa = ColumnAccess(X)
    pf = np.ones(X.shape[1])
    W, b, info = prox_newton(Xa, df, 10.0, 1.0, pf, tol=1e-10,
                             b_init=np.zeros(n_rows))
    assert info["converged"] and not np.any(W)
    assert kkt_violation(Xa, df, W, b, 10.0, 1.0, pf, True) <= 1e-10
    ref = df.null_intercept()
    if n_rows > 1:  # softmax intercepts are defined up to a common shift
        b, ref = b - b.mean(), ref - ref.mean()
    np.testing.assert_allclose(b, ref, atol=1e-9)
