"""Ridge and RidgeCV: agreement with scikit-learn and closed forms, penalty
factors, leave-one-out against brute force, properties and bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from skreg import Ridge, RidgeCV

SOLVERS = ["auto", "cholesky", "svd", "lsqr", "sparse_cg"]


def _rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


def _data(n, p, n_targets=None, seed=0, offset=3.0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) + offset  # non-centered columns exercise the intercept
    shape = (n,) if n_targets is None else (n, n_targets)
    y = rng.randn(*shape) + X[:, :1].reshape(-1, *([1] * (len(shape) - 1))) * 0.5
    sw = rng.uniform(0.2, 2.0, size=n)
    return X, y, sw


def _closed_form(X, y, sw, alpha, pf, fit_intercept):
    """Solve the weighted ridge normal equations with an augmented intercept."""
    n, p = X.shape
    sw = np.ones(n) if sw is None else sw
    Xa = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    pen = np.r_[pf, 0.0] if fit_intercept else pf
    A = Xa.T @ (sw[:, None] * Xa) + alpha * np.diag(pen)
    w = np.linalg.solve(A, Xa.T @ (sw * y))
    return (w[:p], w[p]) if fit_intercept else (w, 0.0)


# --------------------------------------------------------------------------
# Ridge against scikit-learn
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(40, 6), (9, 25)])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_targets", [None, 3])
def test_ridge_matches_sklearn(shape, solver, fit_intercept, weighted, n_targets):
    X, y, sw = _data(*shape, n_targets=n_targets)
    sw = sw if weighted else None
    alpha = 1.7 if n_targets is None else [0.5, 1.7, 4.0]
    kw = dict(alpha=alpha, fit_intercept=fit_intercept, tol=1e-13)
    ref = sk.Ridge(solver="svd" if solver == "auto" else solver, **kw).fit(
        X, y, sample_weight=sw
    )
    inputs = [X] if solver == "svd" else [X, sp.csr_matrix(X), sp.csc_matrix(X)]
    for Xin in inputs:
        model = Ridge(solver=solver, **kw).fit(Xin, y, sample_weight=sw)
        assert model.coef_.shape == ref.coef_.shape
        assert np.shape(model.intercept_) == np.shape(ref.intercept_)
        assert _rel(model.coef_, ref.coef_) < 1e-6
        assert _rel(model.intercept_, ref.intercept_) < 1e-6 or not fit_intercept
        assert np.all(np.asarray(model.kkt_violation_) < 1e-6)


def test_ridge_single_column_y_shapes_match_sklearn():
    X, y, _ = _data(30, 4)
    for Y in (y[:, None], np.c_[y, -y]):
        ours, ref = Ridge().fit(X, Y), sk.Ridge().fit(X, Y)
        assert ours.coef_.shape == ref.coef_.shape
        assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert Ridge(fit_intercept=False).fit(X, y).intercept_ == 0.0


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_equals_closed_form(fit_intercept):
    X, y, sw = _data(50, 7)
    pf = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0, 0.0])
    w, b = _closed_form(X, y, sw, 2.5, pf, fit_intercept)
    for solver in SOLVERS:
        model = Ridge(
            alpha=2.5, solver=solver, fit_intercept=fit_intercept, tol=1e-14,
            penalty_factor=pf,
        ).fit(X, y, sample_weight=sw)
        assert _rel(model.coef_, w) < 1e-7, solver
        assert abs(model.intercept_ - b) < 1e-7 * max(1.0, abs(b)), solver


def test_ridge_direct_solvers_certificate_is_tight():
    X, y, sw = _data(60, 8)
    for Xin in (X, sp.csr_matrix(X)):
        model = Ridge(alpha=0.3).fit(Xin, y, sample_weight=sw)
        assert model.kkt_violation_ < 1e-10
        assert model.solver_ == "cholesky"


def test_ridge_float32_stays_float32():
    X, y, sw = _data(40, 5)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    ref = sk.Ridge(alpha=1.0).fit(X32, y32, sample_weight=sw)
    for Xin in (X32, sp.csr_matrix(X32)):
        model = Ridge(alpha=1.0).fit(Xin, y32, sample_weight=sw)
        assert model.coef_.dtype == np.float32
        assert type(model.intercept_) is type(ref.intercept_)
        assert model.predict(Xin).dtype == np.float32
        exact = Ridge(alpha=1.0).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(model.coef_, exact.coef_, rtol=1e-4, atol=1e-5)


def test_ridge_positive_matches_sklearn():
    rng = np.random.RandomState(1)
    X = rng.randn(60, 6)
    y = X @ np.array([1.0, -1.0, 2.0, 0.0, -3.0, 1.0]) + rng.randn(60)
    for Xin in (X, sp.csr_matrix(X)):
        model = Ridge(alpha=1.0, positive=True, tol=1e-10).fit(Xin, y)
        ref = sk.Ridge(alpha=1.0, positive=True, tol=1e-10).fit(X, y)
        assert model.solver_ == "lbfgs"
        assert np.all(model.coef_ >= 0)
        assert _rel(model.coef_, ref.coef_) < 1e-5
        assert model.kkt_violation_ < 1e-5


def _nonnegative_ridge_reference(X, y, alpha):
    """Non-negative ridge as a bounded least-squares problem on the augmented
    design [X - mean; sqrt(alpha) I] (scipy's lsq_linear, tight tolerances)."""
    from scipy.optimize import lsq_linear

    Xc, yc = X - X.mean(axis=0), y - y.mean()
    p = X.shape[1]
    A = np.vstack([Xc, np.sqrt(alpha) * np.eye(p)])
    b = np.r_[yc, np.zeros(p)]
    return lsq_linear(A, b, bounds=(0, np.inf), tol=1e-14, method="bvls").x


def test_ridge_positive_default_tol_on_badly_scaled_features():
    # One feature 100x larger than the others: at the default tol, scipy's
    # relative-decrease test used to stop L-BFGS-B at three times the optimal
    # objective, with no warning.
    rng = np.random.RandomState(0)
    X = rng.randn(80, 6)
    X[:, 0] *= 100
    y = X @ np.array([0.05, 2.0, -1.0, 3.0, 0.0, 1.0]) + rng.randn(80)
    model = Ridge(alpha=1.0, positive=True).fit(X, y)
    ref = _nonnegative_ridge_reference(X, y, 1.0)
    assert model.kkt_violation_ <= model.tol
    assert _rel(model.coef_, ref) < 1e-6


def test_ridge_positive_warns_when_the_certificate_is_not_reached():
    # p > n: no Gram matrix, so no exact polish; one iteration is not enough
    rng = np.random.RandomState(0)
    X = rng.randn(20, 40)
    y = X @ rng.uniform(0, 1, 40) + rng.randn(20)
    with pytest.warns(ConvergenceWarning, match="relative KKT violation"):
        model = Ridge(alpha=1e-3, positive=True, max_iter=1).fit(X, y)
    assert model.kkt_violation_ > model.tol


def _augmented_reference(X, y, alpha, sw=None, pf=None):
    """Weighted ridge with intercept by least squares on [A; sqrt(alpha f) I],
    A the explicitly centered, weighted X, each column first divided by its
    spread so that the reference does not depend on the units."""
    n, p = X.shape
    sw = np.ones(n) if sw is None else sw
    pf = np.ones(p) if pf is None else pf
    m, ym = sw @ X / sw.sum(), sw @ y / sw.sum()
    A = np.sqrt(sw)[:, None] * (X - m)
    d = 1.0 / np.sqrt((A**2).sum(axis=0))
    M = np.vstack([A * d, np.diag(np.sqrt(alpha * pf) * d)])
    rhs = np.r_[np.sqrt(sw) * (y - ym), np.zeros(p)]
    return d * np.linalg.lstsq(M, rhs, rcond=None)[0]


@pytest.mark.parametrize("route", ["gram", "mixed"])
def test_ridge_feature_in_tiny_units_is_not_dropped(monkeypatch, route):
    # The same feature in 1e-8 units: Cholesky does not care, but the
    # singularity test on raw pivots did, and the least-norm fallback then
    # zeroed its coefficient (R^2 0.971 instead of 0.997).
    if route == "mixed":
        import skreg.linear_model._ridge as ridge_module

        monkeypatch.setattr(ridge_module, "_MIXED_MIN_SIZE", 0)
        monkeypatch.setattr(ridge_module, "_MIXED_MIN_FEATURES", 1)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 50))
    X[:, 0] *= 1e-8
    w = rng.standard_normal(50)
    w[0] = 1e8
    y = X @ w + 0.01 * rng.standard_normal(2000)
    model = Ridge(alpha=1e-13).fit(X, y)
    assert model.solver_ == "cholesky"
    assert _rel(model.coef_, _augmented_reference(X, y, 1e-13)) < 1e-8
    assert model.coef_[0] > 1e7  # the fallback returned about 0


@pytest.mark.parametrize("kind", ["dense", "weighted", "sparse", "wide"])
def test_ridge_column_with_a_large_mean_keeps_its_digits(kind):
    # mean 1e6, spread 1e-3: the right-hand side x^T r - m sum(r) used to
    # cancel (5e-6 relative error in that coefficient; scikit-learn 1e-13)
    rng = np.random.default_rng(0)
    n, p = (60, 120) if kind == "wide" else (2000, 50)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    X[:, 0] = 1e6 + 1e-3 * rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, n) if kind == "weighted" else None
    Xin = sp.csr_matrix(X) if kind == "sparse" else X
    model = Ridge(alpha=1.0).fit(Xin, y, sample_weight=sw)
    ref = _augmented_reference(X, y, 1.0, sw)
    assert abs(model.coef_[0] - ref[0]) < 1e-9 * abs(ref[0])
    assert _rel(model.coef_, ref) < 1e-9


def test_ridge_alpha_zero_collinear_gives_least_norm_solution():
    rng = np.random.RandomState(0)
    X = rng.randn(20, 3)
    X = np.c_[X, X[:, 0]]  # duplicated column: singular Gram matrix
    y = rng.randn(20)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    least_norm = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    for solver in ("auto", "svd"):
        model = Ridge(alpha=0.0, solver=solver).fit(X, y)
        assert _rel(model.coef_, least_norm) < 1e-8
        assert model.solver_ == "svd"  # scikit-learn's name for the fallback
    # (scikit-learn's own 'svd' solver returns +-1e14 here: no cutoff.)


def test_sparse_input_with_intercept_is_not_densified(monkeypatch):
    X, y, sw = _data(30, 6)
    Xs = sp.csr_matrix(X)

    expected = Ridge(alpha=2.0).fit(X, y, sample_weight=sw).coef_
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.csr_array, sp.csc_array):
        for method in ("toarray", "todense"):
            original = getattr(cls, method)

            def refuse(self, *args, _original=original, **kwargs):
                # Dense p x p Gram matrices are fine; an n x p array is not.
                assert self.shape != X.shape, "sparse X was densified"
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(cls, method, refuse)
    for solver in ("auto", "sparse_cg", "lsqr"):
        model = Ridge(alpha=2.0, solver=solver, tol=1e-13).fit(
            Xs, y, sample_weight=sw
        )
        assert _rel(model.coef_, expected) < 1e-6


def test_wide_sparse_uses_the_kernel_then_cg():
    # p > n: the n x n kernel (of full rank where the p x p Gram matrix is
    # singular); both sides above 2000: conjugate gradients
    rng = np.random.RandomState(0)
    X = sp.random(40, 2100, density=0.01, format="csr", random_state=rng)
    y = rng.randn(40)
    model = Ridge(alpha=1.0, tol=1e-10).fit(X, y)
    assert model.solver_ == "cholesky"
    ref = Ridge(alpha=1.0, solver="cholesky").fit(X.toarray(), y)
    assert _rel(model.coef_, ref.coef_) < 1e-10
    X = sp.random(2050, 2100, density=0.002, format="csr", random_state=rng)
    y = rng.randn(2050)
    model = Ridge(alpha=1.0, tol=1e-10).fit(X, y)
    assert model.solver_ == "sparse_cg"
    ref = Ridge(alpha=1.0, solver="cholesky").fit(X.toarray(), y)
    assert _rel(model.coef_, ref.coef_) < 1e-6


def test_sparse_float32_products_are_float64():
    # float32 data: the Gram matrix / kernel of a sparse X was formed in
    # float32 (objective 100x the optimum on 8 x 40 data at alpha=1e-6)
    def objective(m, X64, y):
        w = m.coef_.astype(np.float64)
        r = y - X64 @ w - m.intercept_
        return r @ r + 1e-6 * w @ w

    worst = 0.0
    for seed in range(10):
        rng = np.random.RandomState(seed)
        X = sp.csr_matrix(rng.randn(8, 40).astype(np.float32))
        y = rng.randn(8)
        X64 = X.toarray().astype(np.float64)
        best = objective(Ridge(alpha=1e-6).fit(X64, y), X64, y)
        worst = max(worst, objective(Ridge(alpha=1e-6).fit(X, y), X64, y) / best)
    assert worst < 2.0


@pytest.mark.parametrize("ill_conditioned", [False, True])
def test_mixed_precision_gram_path_is_exact(monkeypatch, ill_conditioned):
    # Large dense problems form the Gram matrix in float32 and refine in
    # float64; force that path on small data and check it against SVD.
    import skreg.linear_model._ridge as ridge_module

    monkeypatch.setattr(ridge_module, "_MIXED_MIN_SIZE", 0)
    monkeypatch.setattr(ridge_module, "_MIXED_MIN_FEATURES", 1)
    used = []
    original = ridge_module.solve_gram_mixed_precision

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr(ridge_module, "solve_gram_mixed_precision", spy)
    X, y, sw = _data(120, 12, n_targets=3, seed=9)
    smallest_alpha = 1e-3
    if ill_conditioned:  # the float32 factor cannot contract: float64 fallback
        X[:, 1] = X[:, 0] + 1e-6 * X[:, 1]
        smallest_alpha = 1e-9
    pf = np.ones(12)
    pf[4] = 0.0
    kw = dict(alpha=[smallest_alpha, 1.0, 30.0], penalty_factor=pf)
    model = Ridge(**kw).fit(X, y, sample_weight=sw)
    ref = Ridge(solver="svd", **kw).fit(X, y, sample_weight=sw)
    assert used == [not ill_conditioned]
    assert _rel(model.coef_, ref.coef_) < (1e-4 if ill_conditioned else 1e-8)
    assert np.all(model.kkt_violation_ < 1e-10)


@pytest.mark.parametrize("route", ["dense", "mixed", "csr"])
@pytest.mark.parametrize("offset", [1e4, 1e6, 1e7])
@pytest.mark.parametrize("weighted", [False, True])
def test_large_column_means_do_not_cost_accuracy(monkeypatch, route, offset,
                                                 weighted):
    # the raw Gram minus the mean term cancels when a column's mean dwarfs its
    # spread; the coefficients do not depend on the means (intercept), so they
    # must match the fit on the unshifted data (coefficients were off by 4e-7
    # at means 1e6 x the spread, dense and sparse)
    import skreg.linear_model._ridge as ridge_module

    if route == "mixed":
        monkeypatch.setattr(ridge_module, "_MIXED_MIN_SIZE", 0)
        monkeypatch.setattr(ridge_module, "_MIXED_MIN_FEATURES", 1)
    X, y, sw = _data(200, 8, seed=3, offset=0.0)
    sw = sw if weighted else None
    shifted = X.copy()
    shifted[:, 2] += offset
    shifted[:, 5] -= 2 * offset
    ref = sk.Ridge(alpha=2.0).fit(X, y, sample_weight=sw)
    fit_X = sp.csr_matrix(shifted) if route == "csr" else shifted
    ours = Ridge(alpha=2.0).fit(fit_X, y, sample_weight=sw)
    assert _rel(ours.coef_, ref.coef_) < 1e-9
    np.testing.assert_allclose(ours.predict(fit_X), ref.predict(X), atol=1e-8)


@pytest.mark.parametrize("shape", [(60, 8), (12, 30)])
@pytest.mark.parametrize("sparse_X", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridgecv_large_column_means(shape, sparse_X, weighted):
    # wide sparse X: the implicitly centered kernel X X^T cancelled at means
    # 1e6 x the spread (wrong alpha_, coefficients off by 2e-2)
    X, y, sw = _data(*shape, seed=5, offset=0.0)
    sw = sw if weighted else None
    shifted = X.copy()
    shifted[:, 2] += 1e6
    alphas = [0.1, 1.0, 10.0]
    ref = sk.RidgeCV(alphas=alphas).fit(X, y, sample_weight=sw)
    fit_X = sp.csr_matrix(shifted) if sparse_X else shifted
    ours = RidgeCV(alphas=alphas).fit(fit_X, y, sample_weight=sw)
    assert ours.alpha_ == ref.alpha_
    assert _rel(ours.coef_, ref.coef_) < 1e-8
    np.testing.assert_allclose(ours.best_score_, ref.best_score_, rtol=1e-8)


def test_ridgecv_single_precision_leverages_match_sklearn(monkeypatch):
    # Large dense problems form Z = A V in float32 for the leverages.
    import skreg.linear_model._ridge_spectral as spectral

    monkeypatch.setattr(spectral, "_SINGLE_MIN_SIZE", 0)
    X, y, sw = _data(300, 15, n_targets=2, seed=13)
    kw = dict(alphas=np.logspace(-3, 3, 13), store_cv_results=True)
    model = RidgeCV(**kw).fit(X, y, sample_weight=sw)
    ref = sk.RidgeCV(**kw).fit(X, y, sample_weight=sw)
    assert model.alpha_ == ref.alpha_
    assert _rel(model.cv_results_, ref.cv_results_) < 1e-6
    assert _rel(model.coef_, ref.coef_) < 1e-10


def test_iterative_solver_warns_when_max_iter_hit():
    X, y, _ = _data(50, 10)
    with pytest.warns(ConvergenceWarning):
        Ridge(solver="sparse_cg", max_iter=1, tol=1e-14).fit(X, y)


# --------------------------------------------------------------------------
# penalty_factor
# --------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(40, 6), (8, 20)])
@pytest.mark.parametrize("solver", SOLVERS)
def test_penalty_factor_scaling_equals_column_rescaling(shape, solver):
    X, y, sw = _data(*shape, seed=3)
    rng = np.random.RandomState(4)
    pf = rng.uniform(0.2, 3.0, size=shape[1])
    model = Ridge(alpha=1.3, solver=solver, tol=1e-14, penalty_factor=pf).fit(
        X, y, sample_weight=sw
    )
    # alpha * pf_j * w_j^2 with column x_j equals alpha * v_j^2 with column
    # x_j / sqrt(pf_j), where v_j = sqrt(pf_j) w_j.
    scaled = Ridge(alpha=1.3, solver=solver, tol=1e-14).fit(
        X / np.sqrt(pf), y, sample_weight=sw
    )
    assert _rel(model.coef_, scaled.coef_ / np.sqrt(pf)) < 1e-6
    assert abs(model.intercept_ - scaled.intercept_) < 1e-6


@pytest.mark.parametrize("shape", [(40, 6), (8, 20)])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("sparse_X", [False, True])
def test_zero_penalty_factor_leaves_feature_unpenalized(shape, solver, sparse_X):
    if sparse_X and solver == "svd":
        pytest.skip("svd is dense-only, as in scikit-learn")
    X, y, sw = _data(*shape, seed=5)
    pf = np.ones(shape[1])
    pf[[0, 2]] = 0.0
    # With a huge alpha the penalized coefficients vanish and the unpenalized
    # ones become the weighted least-squares fit on columns 0 and 2.
    Xin = sp.csr_matrix(X) if sparse_X else X
    model = Ridge(alpha=1e10, solver=solver, penalty_factor=pf, tol=1e-14).fit(
        Xin, y, sample_weight=sw
    )
    w_ls, b_ls = _closed_form(X[:, [0, 2]], y, sw, 0.0, np.zeros(2), True)
    np.testing.assert_allclose(model.coef_[[0, 2]], w_ls, rtol=1e-5, atol=1e-7)
    assert abs(model.intercept_ - b_ls) < 1e-5 * max(1, abs(b_ls))
    assert np.max(np.abs(np.delete(model.coef_, [0, 2]))) < 1e-6
    # And at a moderate alpha every solver agrees with the closed form.
    model = Ridge(alpha=0.7, solver=solver, penalty_factor=pf, tol=1e-14).fit(
        Xin, y, sample_weight=sw
    )
    if shape[0] > shape[1]:
        w, b = _closed_form(X, y, sw, 0.7, pf, True)
        assert _rel(model.coef_, w) < 1e-6
        assert abs(model.intercept_ - b) < 1e-6 * max(1, abs(b))
    assert np.all(np.asarray(model.kkt_violation_) < 1e-6)


def test_penalty_factor_all_zero_is_least_squares():
    X, y, sw = _data(30, 4)
    model = Ridge(alpha=5.0, penalty_factor=np.zeros(4)).fit(X, y, sample_weight=sw)
    ref = sk.LinearRegression().fit(X, y, sample_weight=sw)
    assert _rel(model.coef_, ref.coef_) < 1e-8


# --------------------------------------------------------------------------
# RidgeCV
# --------------------------------------------------------------------------

ALPHAS = np.logspace(-2, 2, 9)


@pytest.mark.parametrize("shape", [(30, 5), (8, 20)])
@pytest.mark.parametrize("gcv_mode", [None, "svd"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "n_targets, alpha_per_target", [(None, False), (3, False), (3, True)]
)
def test_ridgecv_loo_matches_sklearn(
    shape, gcv_mode, fit_intercept, weighted, n_targets, alpha_per_target
):
    X, y, sw = _data(*shape, n_targets=n_targets, seed=7)
    sw = sw if weighted else None
    for scoring in (None, "r2"):
        kw = dict(
            alphas=ALPHAS, fit_intercept=fit_intercept, gcv_mode=gcv_mode,
            store_cv_results=True, alpha_per_target=alpha_per_target,
            scoring=scoring,
        )
        ref = sk.RidgeCV(**kw).fit(X, y, sample_weight=sw)
        inputs = [X, sp.csr_matrix(X)] if gcv_mode is None else [X]
        for Xin in inputs:
            model = RidgeCV(**kw).fit(Xin, y, sample_weight=sw)
            np.testing.assert_allclose(model.alpha_, ref.alpha_)
            assert _rel(model.best_score_, ref.best_score_) < 1e-6
            assert _rel(model.cv_results_, ref.cv_results_) < 1e-6
            assert model.cv_results_.shape == ref.cv_results_.shape
            assert _rel(model.coef_, ref.coef_) < 1e-6
            if fit_intercept:
                assert _rel(model.intercept_, ref.intercept_) < 1e-6


def _brute_force_loo(X, y, sw, alphas, pf, fit_intercept):
    """Squared weighted leave-one-out errors, shape (n, n_alphas)."""
    n = X.shape[0]
    out = np.empty((n, len(alphas)))
    for j, alpha in enumerate(alphas):
        for i in range(n):
            keep = np.arange(n) != i
            w, b = _closed_form(X[keep], y[keep], sw[keep], alpha, pf, fit_intercept)
            out[i, j] = sw[i] * (y[i] - X[i] @ w - b) ** 2
    return out


@pytest.mark.parametrize("shape", [(15, 4), (7, 10)])
@pytest.mark.parametrize("with_zero_pf", [False, True])
@pytest.mark.parametrize("sparse_X", [False, True])
def test_ridgecv_loo_equals_brute_force(shape, with_zero_pf, sparse_X):
    X, y, sw = _data(*shape, seed=11)
    pf = np.linspace(0.5, 2.0, shape[1])
    if with_zero_pf:
        pf[1] = 0.0
    alphas = [0.05, 0.5, 5.0, 50.0]
    Xin = sp.csr_matrix(X) if sparse_X else X
    model = RidgeCV(alphas=alphas, store_cv_results=True, penalty_factor=pf).fit(
        Xin, y, sample_weight=sw
    )
    if shape[0] <= shape[1] + 1:
        # leave-one-out refits are then underdetermined in closed form;
        # compare with skreg's Ridge (itself checked against closed forms).
        expected = np.empty((shape[0], len(alphas)))
        for j, alpha in enumerate(alphas):
            for i in range(shape[0]):
                keep = np.arange(shape[0]) != i
                fit = Ridge(alpha=alpha, penalty_factor=pf).fit(
                    X[keep], y[keep], sample_weight=sw[keep]
                )
                expected[i, j] = sw[i] * (y[i] - fit.predict(X[i : i + 1])[0]) ** 2
    else:
        expected = _brute_force_loo(X, y, sw, alphas, pf, True)
    np.testing.assert_allclose(model.cv_results_, expected, rtol=1e-7, atol=1e-12)
    best = int(np.argmax(-expected.mean(axis=0)))
    assert model.alpha_ == alphas[best]
    assert np.isclose(model.best_score_, -expected[:, best].mean())
    refit = Ridge(alpha=alphas[best], penalty_factor=pf).fit(X, y, sample_weight=sw)
    assert _rel(model.coef_, refit.coef_) < 1e-8


@pytest.mark.parametrize("cv", [3, 5])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("scoring", [None, "neg_mean_absolute_error"])
def test_ridgecv_kfold_matches_sklearn(cv, weighted, scoring):
    X, y, sw = _data(40, 6, n_targets=2, seed=2)
    sw = sw if weighted else None
    alphas = [0.0, 0.1, 1.0, 10.0, 100.0]
    model = RidgeCV(alphas=alphas, cv=cv, scoring=scoring).fit(X, y, sample_weight=sw)
    ref = sk.RidgeCV(alphas=alphas, cv=cv, scoring=scoring).fit(
        X, y, sample_weight=sw
    )
    assert model.alpha_ == ref.alpha_
    assert np.isclose(model.best_score_, ref.best_score_, rtol=1e-8)
    assert _rel(model.coef_, ref.coef_) < 1e-6


def test_ridgecv_float32_output_dtype():
    X, y, _ = _data(30, 5)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    model = RidgeCV(store_cv_results=True).fit(X32, y32)
    ref = sk.RidgeCV(store_cv_results=True).fit(X32, y32)
    assert model.coef_.dtype == ref.coef_.dtype == np.float32
    assert model.cv_results_.dtype == np.float32
    assert type(model.intercept_) is type(ref.intercept_)
    assert _rel(model.coef_, ref.coef_) < 1e-5


def test_ridgecv_svd_mode_on_sparse_warns_and_falls_back():
    X, y, _ = _data(30, 5)
    with pytest.warns(FutureWarning, match="'svd' mode is not supported"):
        model = RidgeCV(gcv_mode="svd").fit(sp.csr_matrix(X), y)
    assert np.isclose(model.alpha_, RidgeCV().fit(X, y).alpha_)


def test_ridgecv_does_not_mutate_alphas():
    alphas = [1.0]
    model = RidgeCV(alphas=alphas)
    X, y, _ = _data(20, 3)
    model.fit(X, y)
    assert model.alphas is alphas and alphas == [1.0]


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    solver=st.sampled_from(["auto", "svd", "lsqr"]),
    fit_intercept=st.booleans(),
)
def test_integer_weights_equal_repeated_rows(seed, solver, fit_intercept):
    rng = np.random.RandomState(seed)
    n, p = rng.randint(3, 15), rng.randint(1, 8)
    X, y = rng.randn(n, p), rng.randn(n)
    counts = rng.randint(0, 4, size=n)
    counts[0] = max(counts[0], 1)
    kw = dict(alpha=0.8, solver=solver, fit_intercept=fit_intercept, tol=1e-14)
    weighted = Ridge(**kw).fit(X, y, sample_weight=counts)
    repeated = Ridge(**kw).fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-8)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), sparse_X=st.booleans())
def test_permuting_features_permutes_coef(seed, sparse_X):
    rng = np.random.RandomState(seed)
    n, p = rng.randint(3, 20), rng.randint(2, 10)
    X, y = rng.randn(n, p), rng.randn(n)
    pf = rng.uniform(0, 2, size=p)
    perm = rng.permutation(p)
    to = sp.csr_matrix if sparse_X else np.asarray
    base = Ridge(alpha=0.5, penalty_factor=pf).fit(to(X), y)
    permuted = Ridge(alpha=0.5, penalty_factor=pf[perm]).fit(to(X[:, perm]), y)
    np.testing.assert_allclose(permuted.coef_, base.coef_[perm], rtol=1e-7, atol=1e-9)
    cv = RidgeCV(alphas=[0.1, 1.0, 10.0], penalty_factor=pf).fit(to(X), y)
    cv_perm = RidgeCV(alphas=[0.1, 1.0, 10.0], penalty_factor=pf[perm]).fit(
        to(X[:, perm]), y
    )
    assert cv.alpha_ == cv_perm.alpha_
    np.testing.assert_allclose(cv_perm.coef_, cv.coef_[perm], rtol=1e-7, atol=1e-9)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize("Est", [Ridge, RidgeCV])
def test_bad_data_is_rejected(Est):
    X, y, sw = _data(10, 3)
    Xnan = X.copy()
    Xnan[0, 0] = np.nan
    Xinf = X.copy()
    Xinf[1, 1] = np.inf
    with pytest.raises(ValueError, match="NaN"):
        Est().fit(Xnan, y)
    with pytest.raises(ValueError, match="infinity"):
        Est().fit(Xinf, y)
    with pytest.raises(ValueError, match="0 sample"):
        Est().fit(np.empty((0, 3)), np.empty(0))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est().fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        Est().fit(X, y, sample_weight=-sw)
    with pytest.raises(ValueError, match="sample_weight"):
        Est().fit(X, y, sample_weight=sw[:-1])
    with pytest.raises(ValueError, match="penalty_factor has shape"):
        Est(penalty_factor=[1.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor must be non-negative"):
        Est(penalty_factor=[1.0, -1.0, 1.0]).fit(X, y)


def test_ridge_bad_hyperparameters():
    X, y, _ = _data(10, 3)
    with pytest.raises(ValueError, match="'alpha' parameter of Ridge"):
        Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be non-negative"):
        Ridge(alpha=[-1.0]).fit(X, y)
    with pytest.raises(ValueError, match="Number of targets and number of penalties"):
        Ridge(alpha=[1.0, 2.0]).fit(X, y)
    with pytest.raises(ValueError, match="'lbfgs' solver can be used only"):
        Ridge(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="does not support positive fitting"):
        Ridge(solver="svd", positive=True).fit(X, y)
    with pytest.raises(ValueError, match="does not support fitting the intercept"):
        Ridge(solver="svd").fit(sp.csr_matrix(X), y)
    with pytest.raises(TypeError, match="SVD solver does not support sparse"):
        Ridge(solver="svd", fit_intercept=False).fit(sp.csr_matrix(X), y)


def test_ridgecv_bad_hyperparameters():
    X, y, _ = _data(10, 3)
    with pytest.raises(ValueError, match=r"alphas\[0\] == 0.0, must be > 0.0"):
        RidgeCV(alphas=[0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match=r"alphas\[1\] == -1.0, must be >= 0.0"):
        RidgeCV(alphas=[0.0, -1.0], cv=3).fit(X, y)
    with pytest.raises(ValueError, match=r"alphas == 0, must be > 0\.0"):
        RidgeCV(alphas=[0]).fit(X, y)
    with pytest.raises(ValueError, match="'alphas' parameter of RidgeCV"):
        RidgeCV(alphas=-1.0).fit(X, y)
    with pytest.raises(TypeError, match="must be an instance of float"):
        RidgeCV(alphas=["a", 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="at least one value"):
        RidgeCV(alphas=[]).fit(X, y)
    for alphas, cv in (([1.0, np.nan], None), ([np.inf, 1.0], None), ([np.nan], 3)):
        with pytest.raises(ValueError, match="alphas must be finite"):
            RidgeCV(alphas=alphas, cv=cv).fit(X, y)
    with pytest.raises(ValueError, match="store_cv_results=True are incompatible"):
        RidgeCV(cv=3, store_cv_results=True).fit(X, y)
    with pytest.raises(ValueError, match="alpha_per_target=True are incompatible"):
        RidgeCV(cv=3, alpha_per_target=True).fit(X, y)


def test_ridgecv_routes_groups_and_weights_like_sklearn():
    import sklearn
    from sklearn.model_selection import GroupKFold

    X, y, sw = _data(40, 5, seed=17)
    groups = np.repeat(np.arange(8), 5)
    alphas = np.logspace(-2, 2, 9)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        RidgeCV(cv=GroupKFold(4)).fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        for kw, extra in [({}, {}), ({"cv": GroupKFold(4)}, {"groups": groups})]:
            model = RidgeCV(alphas=alphas, **kw).fit(X, y, sample_weight=sw, **extra)
            ref = sk.RidgeCV(alphas=alphas, **kw).fit(X, y, sample_weight=sw, **extra)
            assert model.alpha_ == ref.alpha_
            assert np.isclose(model.best_score_, ref.best_score_, rtol=1e-8)


def test_ridgecv_zero_weight_samples_get_full_fit_loo_predictions():
    X, y, sw = _data(30, 4, seed=19)
    sw[[3, 7]] = 0.0
    alphas = [0.1, 1.0, 10.0]
    model = RidgeCV(alphas=alphas, scoring="r2", store_cv_results=True).fit(
        X, y, sample_weight=sw
    )
    assert np.all(np.isfinite(model.cv_results_))
    for j, alpha in enumerate(alphas):
        full = Ridge(alpha=alpha).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(
            model.cv_results_[[3, 7], j], full.predict(X[[3, 7]]), rtol=1e-10
        )
    # The other samples' leave-one-out predictions equal refits without them.
    keep = np.arange(30) != 0
    refit = Ridge(alpha=alphas[1]).fit(X[keep], y[keep], sample_weight=sw[keep])
    assert np.isclose(model.cv_results_[0, 1], refit.predict(X[:1])[0], rtol=1e-9)


# --------------------------------------------------------------------------
# Regressions: badly scaled data, overflow, weights, shapes
# --------------------------------------------------------------------------


def _one_large_column(k, n=60, p=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    y = X @ rng.randn(p) + 0.1 * rng.randn(n)
    X[:, 0] *= k
    units = np.r_[k, np.ones(p - 1)]  # coef_ * units: coefficients of unscaled X
    return X, y, units


# scikit-learn's Cholesky warns on these (correct) ill-conditioned fits
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
@pytest.mark.parametrize("k", [1.0, 1e6, 3e6, 1e7, 1e9])
@pytest.mark.parametrize(
    "kw",
    [{}, {"gcv_mode": "svd"}, {"fit_intercept": False},
     {"alphas": np.logspace(-6, 3, 10)}, {"cv": 3}],
)
def test_ridgecv_one_large_scale_feature_matches_sklearn(k, kw):
    # A feature in large units (e.g. a price in cents) spreads the spectrum
    # over > 1e13: directions with small eigenvalues used to be dropped and
    # the other coefficients came out 0.
    X, y, units = _one_large_column(k)
    est = RidgeCV(**kw).fit(X, y)
    ref = sk.RidgeCV(**kw).fit(X, y)
    assert est.alpha_ == ref.alpha_
    assert _rel(est.coef_ * units, ref.coef_ * units) < 1e-8
    assert est.best_score_ == pytest.approx(ref.best_score_, rel=1e-8)
    assert est.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-10)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
@pytest.mark.parametrize("k", [1.0, 1e6, 3e6, 1e7, 1e9])
@pytest.mark.parametrize("solver", ["svd", "auto"])
def test_ridge_one_large_scale_feature_matches_sklearn(k, solver):
    X, y, units = _one_large_column(k)
    est = Ridge(alpha=0.1, solver=solver).fit(X, y)
    ref = sk.Ridge(alpha=0.1, solver=solver).fit(X, y)
    assert _rel(est.coef_ * units, ref.coef_ * units) < 1e-8
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)


def test_ridgecv_svd_large_sample_weight_ratio_matches_sklearn():
    # weights 1e15 vs 1: the weighted spectrum spans > 1e13 as well
    X, y, _ = _one_large_column(1.0)
    sw = np.ones(X.shape[0])
    sw[:3] = 1e15
    est = RidgeCV(alphas=[1.0], gcv_mode="svd").fit(X, y, sample_weight=sw)
    ref = sk.Ridge(alpha=1.0, solver="svd").fit(X, y, sample_weight=sw)
    assert _rel(est.coef_, ref.coef_) < 1e-8


def test_ridge_svd_alpha_zero_is_least_norm():
    # alpha=0 keeps the pseudo-inverse: a duplicated column shares its weight
    X, y, _ = _one_large_column(1.0)
    Xd = np.hstack([X, X[:, :1]])
    Xc, yc = Xd - Xd.mean(axis=0), y - y.mean()
    expected = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    est = Ridge(alpha=0.0, solver="svd").fit(Xd, y)
    assert _rel(est.coef_, expected) < 1e-10
    cv = RidgeCV(alphas=[0.0], cv=3).fit(Xd, y)
    assert _rel(cv.coef_, expected) < 1e-10


@pytest.mark.parametrize("Est", [Ridge, RidgeCV])
@pytest.mark.parametrize(
    "weight, message",
    [(np.inf, "Input sample_weight contains infinity"),
     (np.nan, "Input sample_weight contains NaN"),
     ([1.0, np.inf] + [1.0] * 8, "Input sample_weight contains infinity"),
     ([np.nan] + [1.0] * 9, "Input sample_weight contains NaN")],
)
def test_nonfinite_sample_weight_is_rejected(Est, weight, message):
    # a scalar inf used to be accepted (all-NaN coef_), a scalar NaN was
    # reported as "at least one positive entry"
    X, y, _ = _data(10, 3)
    with pytest.raises(ValueError, match=message):
        Est().fit(X, y, sample_weight=weight)


def _overflowing(case):
    X, y, _ = _data(60, 6)
    if case == "entry 1e308":
        X[0, 0] = 1e308
    elif case == "column x 1e170":
        X[:, 0] *= 1e170
    else:  # float32 whose squares overflow float32
        X = (X * 1e19).astype(np.float32)
    return X, y


@pytest.mark.parametrize("case", ["entry 1e308", "column x 1e170", "float32 1e19"])
@pytest.mark.parametrize(
    "make",
    [lambda: Ridge(), lambda: Ridge(solver="svd"), lambda: RidgeCV(),
     lambda: RidgeCV(gcv_mode="svd"), lambda: RidgeCV(cv=3)],
    ids=["Ridge", "Ridge-svd", "RidgeCV", "RidgeCV-svd", "RidgeCV-cv"],
)
def test_overflowing_X_is_rejected(case, make):
    # used to return all-NaN (or all-zero) coef_ with only RuntimeWarnings
    X, y = _overflowing(case)
    est = make()
    if case == "float32 1e19" and (
        getattr(est, "solver", None) == "svd" or getattr(est, "cv", 0) is None
    ):
        # float64 SVD / leave-one-out square in float64: no overflow, a
        # finite fit that matches the float64 one
        est.fit(X, y)
        ref = type(est)(**est.get_params()).fit(X.astype(np.float64), y)
        assert _rel(est.coef_, ref.coef_) < 1e-5
        return
    dtype = "float32" if case == "float32 1e19" else "float64"
    with np.errstate(all="ignore"), pytest.raises(
        ValueError, match=f"X has values too large to square in {dtype}"
    ):
        est.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["lsqr", "sparse_cg"])
def test_iterative_solver_overflow_is_rejected(solver):
    X, y = _overflowing("column x 1e170")
    with np.errstate(all="ignore"), pytest.raises(
        ValueError, match="resulted in non-finite parameter values"
    ):
        Ridge(solver=solver).fit(X, y)


def test_ridgecv_training_fold_with_zero_weights_is_rejected():
    # used to fail with r2_score's "Input contains NaN"; LassoCV's message
    from sklearn.model_selection import KFold

    rng = np.random.RandomState(0)
    X = rng.randn(30, 5)
    y = X[:, 0] + rng.randn(30)
    sw = np.r_[np.ones(10), np.zeros(20)]  # fold 0 trains on rows 10..29
    with pytest.raises(
        ValueError, match="A training fold has only zero sample weights"
    ):
        RidgeCV(alphas=[0.1, 1.0], cv=KFold(3)).fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("scoring", [None, "r2"])
def test_ridgecv_alpha_per_target_single_column_score_shape(scoring):
    X, y, _ = _data(30, 4)
    Y = y[:, None]
    est = RidgeCV(alpha_per_target=True, scoring=scoring).fit(X, Y)
    ref = sk.RidgeCV(alpha_per_target=True, scoring=scoring).fit(X, Y)
    assert np.shape(est.best_score_) == np.shape(ref.best_score_) == (1,)
    assert np.allclose(est.best_score_, ref.best_score_, rtol=1e-10)
    assert est.alpha_ == ref.alpha_
    # 1-D y keeps a scalar score, as in scikit-learn
    assert np.ndim(RidgeCV(alpha_per_target=True).fit(X, y).best_score_) == 0


def _ridge_objective(X, y, w, alpha):
    r = y - X @ w
    return r @ r + alpha * w @ w


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
def test_normal_equations_that_lose_directions_fall_back_to_the_svd_of_X(alpha):
    # columns with a mean of 1e8 and a spread of 1, no intercept: X^T X +
    # alpha I is indefinite in rounding; the least-norm solve on it dropped
    # well-determined directions (objective 398 instead of 3.99), scikit-learn
    # falls back to the SVD of X
    rng = np.random.RandomState(0)
    X = rng.randn(200, 10)
    X[:, :3] += 1e8
    y = X[:, 0] - X[:, 1] + 0.1 * rng.randn(200)
    A = np.vstack([X, np.sqrt(alpha) * np.eye(10)])
    exact = np.linalg.lstsq(A, np.r_[y, np.zeros(10)], rcond=None)[0]
    best = _ridge_objective(X, y, exact, alpha)
    for model in (Ridge(alpha=alpha, fit_intercept=False),
                  RidgeCV(alphas=[alpha], fit_intercept=False),
                  RidgeCV(alphas=[alpha], fit_intercept=False, cv=3)):
        w = model.fit(X, y).coef_
        assert _ridge_objective(X, y, w, alpha) == pytest.approx(best, rel=1e-8)


def test_rank_decision_does_not_depend_on_feature_units():
    # alpha = 0 with a duplicated column in 1e4 units: the least-norm
    # fallback cut the eigenvalues of X^T X at a level relative to the
    # largest, which dropped a feature measured in 1e-4 units (objective 182
    # instead of 88)
    rng = np.random.RandomState(0)
    X = rng.randn(100, 3)
    X[:, 1] = X[:, 2]
    X[:, 0] *= 1e-4
    X[:, 1:] *= 1e4
    y = 1e4 * X[:, 0] + rng.randn(100)
    ours = Ridge(alpha=0.0).fit(X, y)
    ref = sk.Ridge(alpha=0.0, solver="svd").fit(X, y)

    def sse(m):
        return np.sum((y - m.predict(X)) ** 2)

    assert sse(ours) <= sse(ref) * (1 + 1e-10)
    assert abs(ours.coef_[0]) > 1e3


def test_ridgecv_scorer_never_sees_infinite_leave_one_out_predictions():
    # 1 - H_ii rounding to 0 at a tiny alpha (p >> n, column scales 1e-6 to
    # 1e6) made scikit-learn's scorers raise "Input contains infinity"
    rng = np.random.RandomState(0)
    alphas = [1e-6, 1.0, 100.0]
    for _ in range(20):
        X = rng.randn(8, 60) * 10.0 ** rng.uniform(-6, 6, size=60)
        y = rng.randn(8)
        ours = RidgeCV(alphas=alphas, scoring="neg_mean_squared_error").fit(X, y)
        plain = RidgeCV(alphas=alphas).fit(X, y)
        assert np.isfinite(ours.best_score_)
        assert ours.alpha_ == plain.alpha_


def test_ridgecv_kfold_scores_with_widely_spread_column_scales():
    # column scales 2e-5 to 9e5: each fold's X^T X lost directions at its
    # rounding level, so a small alpha was scored wrongly (R^2 -0.334
    # against -0.276 by refitting); the fold then uses the SVD of X
    rng = np.random.RandomState(3)
    X = rng.randn(30, 10) * np.logspace(-4.7, 5.95, 10)
    Y = X @ (rng.randn(10, 3) / np.logspace(-4.7, 5.95, 10)[:, None]) \
        + rng.randn(30, 3)
    for alpha in (4e-7, 6e3):
        ours = RidgeCV(alphas=[alpha], cv=5).fit(X, Y).best_score_
        refits = []
        for train, test in KFold(5).split(X):
            model = Ridge(alpha=alpha, solver="svd").fit(X[train], Y[train])
            refits.append(model.score(X[test], Y[test]))
        assert ours == pytest.approx(np.mean(refits), rel=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridgecv_leave_one_out_at_tiny_alpha_when_p_exceeds_n(fit_intercept):
    # 1 - H_ii was formed by subtraction: at alpha=1e-12 on 5 x 10 data the
    # leave-one-out errors were off by up to 33 % (1.69650 instead of
    # 1.69688 on average); the kernel's eigenbasis gives it without one
    rng = np.random.RandomState(0)
    X = rng.randn(5, 10)
    y = rng.randn(5)
    alpha = 1e-12
    model = RidgeCV(alphas=[alpha], fit_intercept=fit_intercept,
                    store_cv_results=True).fit(X, y)
    brute = []
    for i in range(5):
        keep = np.arange(5) != i
        Xk, yk = X[keep], y[keep]
        xm = Xk.mean(axis=0) if fit_intercept else np.zeros(10)
        ym = yk.mean() if fit_intercept else 0.0
        A = np.vstack([Xk - xm, np.sqrt(alpha) * np.eye(10)])
        w = np.linalg.lstsq(A, np.r_[yk - ym, np.zeros(10)], rcond=None)[0]
        brute.append((y[i] - (X[i] - xm) @ w - ym) ** 2)
    np.testing.assert_allclose(model.cv_results_[:, 0], brute, rtol=1e-6)


def test_sparse_wide_ridge_at_a_tiny_alpha_matches_the_svd_solution():
    # p > n sparse X at alpha=1e-10: the kernel K + alpha I is singular in
    # rounding; its Cholesky must not be trusted (objective 8e8 where
    # predicting the mean gives 166): the small sparse X falls back to the SVD
    rng = np.random.RandomState(5)
    X = sp.random(15, 60, density=0.3, format="csc", random_state=rng)
    y = rng.randn(15) * 3.0
    ours = Ridge(alpha=1e-10).fit(X, y)
    ref = Ridge(alpha=1e-10, solver="svd").fit(X.toarray(), y)

    def objective(m):
        r = y - X @ m.coef_ - m.intercept_
        return r @ r + 1e-10 * m.coef_ @ m.coef_

    assert objective(ours) <= objective(ref) * (1 + 1e-6) + 1e-12


def test_ridgecv_leave_one_out_with_a_rank_deficient_X():
    # rank-20 X of 40 x 60: the intercept's null direction mixes with the
    # others in the kernel's eigenbasis; the LOO errors must still be exact
    rng = np.random.RandomState(2)
    X = rng.randn(40, 20) @ rng.randn(20, 60)
    y = rng.randn(40)
    model = RidgeCV(alphas=[1.0], store_cv_results=True).fit(X, y)
    brute = []
    for i in range(40):
        keep = np.arange(40) != i
        fit = Ridge(alpha=1.0, solver="svd").fit(X[keep], y[keep])
        brute.append((y[i] - fit.predict(X[i:i + 1])[0]) ** 2)
    np.testing.assert_allclose(model.cv_results_[:, 0], brute, rtol=1e-6)
