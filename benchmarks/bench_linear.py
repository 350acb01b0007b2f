"""Benchmark: skreg Lasso / ElasticNet / Ridge against scikit-learn, skglm, celer.

Cases (issue 2, "Benchmarks"):

1. ``lasso``        Lasso, dense 5000 x 2000, AR(1) correlated features
                    (rho = 0.6), alpha = alpha_max / 20, with intercept.
2. ``lasso_path``   Lasso path on case 1's data (centred, no intercept), 30
                    alphas from alpha_max to alpha_max / 100, warm starts.
3. ``sparse_path``  Lasso path, tf-idf-like sparse CSC 20000 x 50000, density
                    0.001, 30 alphas, no intercept.
4. ``enet``         ElasticNet l1_ratio = 0.5 on case 1's data,
                    alpha = alpha_max(l1_ratio) / 20, with intercept.
5. ``ridge``        Ridge, dense 20000 x 1000 (rho = 0.6), alpha = 100;
   ``ridgecv``      RidgeCV over 30 alphas (leave-one-out / GCV) on that data.

Every solver is timed at the tol where its relative objective suboptimality
is <= 1e-8 (see suite.py). All objectives use scikit-learn's scaling, which
skglm's Quadratic datafit and celer share for these problems:
``1/(2 n) ||y - X w - b||^2 + alpha (l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2)``;
Ridge: ``||y - X w - b||^2 + alpha ||w||^2`` (skglm: Quadratic + L2(alpha / n)).

Run (from the repository root, benchmark venv):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        /work/benchvenv/bin/python benchmarks/bench_linear.py [--quick] [--cases ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets
import suite
from suite import Case, Solver, Target, has_attr

BIG_ITER = 20_000  # bounds the worst case of a tol that cannot be reached
# tolerance ladders, loose to tight (first that reaches 1e-8 is timed)
TOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14)
TIGHT = 1e-12  # reference fits (the reference is the min of all fits)


def sizes(quick):
    if quick:
        return {
            "dense": (500, 200),
            "sparse": (2000, 5000, 0.002),
            "ridge": (2000, 100),
        }
    return {
        "dense": (5000, 2000),
        "sparse": (20000, 50000, 0.001),
        "ridge": (20000, 1000),
    }


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def dense_data(quick):
    n, p = sizes(quick)["dense"]
    return datasets.cached("correlated_regression", n=n, p=p, rho=0.6, seed=0)


def centred_dense_data(quick):
    d = dense_data(quick)
    X = d["X"]
    X -= X.mean(axis=0)  # in place on the freshly loaded copy: stays F-ordered
    return {"X": X, "y": d["y"] - d["y"].mean()}


def sparse_data(quick):
    n, p, dens = sizes(quick)["sparse"]
    return datasets.cached("text_like_regression", n=n, p=p, density=dens, seed=0)


def ridge_data(quick):
    n, p = sizes(quick)["ridge"]
    return datasets.cached("correlated_regression", n=n, p=p, rho=0.6, seed=1)


def alpha_max(X, y, fit_intercept, l1_ratio=1.0):
    r = y - y.mean() if fit_intercept else y
    return float(np.max(np.abs(X.T @ r)) / (len(y) * l1_ratio))


# --------------------------------------------------------------------------
# objectives and certificates (scikit-learn scaling)
# --------------------------------------------------------------------------
def enet_eval(X, y, w, b, alpha, l1_ratio, fit_intercept):
    """Primal objective at (w, b) and relative duality gap of w.

    The gap is the elastic-net gap (Lasso on the augmented design
    [X; sqrt(n alpha (1 - l1_ratio)) I]) at the optimal intercept for w.
    """
    n = len(y)
    r = y - X @ w - b
    l1 = float(np.abs(w).sum())
    l2sq = float(w @ w)
    obj = 0.5 * float(r @ r) / n + alpha * (l1_ratio * l1 + 0.5 * (1 - l1_ratio) * l2sq)
    rc, yc = (r - r.mean(), y - y.mean()) if fit_intercept else (r, y)
    lam, mu = n * alpha * l1_ratio, n * alpha * (1 - l1_ratio)
    grad = X.T @ rc - mu * w
    dual_norm = float(np.max(np.abs(grad))) if grad.size else 0.0
    const = lam / dual_norm if dual_norm > lam else 1.0
    R2 = float(rc @ rc) + mu * l2sq
    primal = 0.5 * R2 + lam * l1
    gap = primal - const * float(rc @ yc) + 0.5 * const**2 * R2
    return obj, gap / max(primal, 1e-300)


def eval_single(alpha, l1_ratio):
    def evaluate(d, out):
        w, b = out
        obj, gap = enet_eval(d["X"], d["y"], w, b, alpha, l1_ratio, True)
        return {"obj": obj, "gap": gap}

    return evaluate


def eval_path(alphas):
    def evaluate(d, coefs):
        objs, gaps = [], []
        for k, a in enumerate(alphas):
            o, g = enet_eval(d["X"], d["y"], coefs[:, k], 0.0, a, 1.0, False)
            objs.append(o)
            gaps.append(g)
        return {"obj": np.array(objs), "gap": float(max(gaps))}

    return evaluate


def _ridge_obj(X, y, w, b, alpha):
    r = y - X @ w - b
    return float(r @ r) + alpha * float(w @ w)


def _ridge_exact(X, y, alpha):
    """Optimal Ridge objective, from a float64 Cholesky solve on centred data."""
    mean = X.mean(axis=0)
    Xc = X - mean
    G = Xc.T @ Xc
    G[np.diag_indices_from(G)] += alpha
    w = np.linalg.solve(G, Xc.T @ (y - y.mean()))
    return _ridge_obj(X, y, w, y.mean() - mean @ w, alpha)


def eval_ridge():
    """Objective at the fitted alpha divided by the exact optimum there.

    The reference is therefore 1, and RidgeCV solvers that select different
    alphas are still each compared with their own exact solution.
    """
    exact = {}

    def evaluate(d, out):
        w, b, a = out
        if a not in exact:
            exact[a] = _ridge_exact(d["X"], d["y"], a)
        return {"obj": _ridge_obj(d["X"], d["y"], w, b, a) / exact[a], "gap": None}

    return evaluate


def nnz_single(d, out):
    return f"nnz={int(np.count_nonzero(out[0]))}"


def nnz_path(d, coefs):
    return f"nnz at smallest alpha={int(np.count_nonzero(coefs[:, -1]))}"


# --------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------
def _coef(est):
    return np.ravel(est.coef_).astype(float), float(
        np.ravel(est.intercept_)[0] if np.ndim(est.intercept_) else est.intercept_
    )


def single_solvers(kind, alpha, l1_ratio):
    """Solvers for one Lasso (kind='Lasso') or ElasticNet fit with intercept."""
    en = kind == "ElasticNet"
    extra = {"l1_ratio": l1_ratio} if en else {}

    def skreg_fit(d, tol):
        import skreg

        est = getattr(skreg, kind)(alpha=alpha, tol=tol, max_iter=BIG_ITER, **extra)
        return _coef(est.fit(d["X"], d["y"]))

    def sklearn_fit(precompute):
        def fit(d, tol):
            from sklearn import linear_model

            est = getattr(linear_model, kind)(
                alpha=alpha, tol=tol, max_iter=BIG_ITER, precompute=precompute, **extra
            )
            return _coef(est.fit(d["X"], d["y"]))

        return fit

    def skglm_fit(d, tol):
        import skglm

        est = getattr(skglm, kind)(
            alpha=alpha, tol=tol, max_iter=1000, fit_intercept=True, **extra
        )
        return _coef(est.fit(d["X"], d["y"]))

    def celer_fit(d, tol):
        import celer

        est = getattr(celer, kind)(
            alpha=alpha, tol=tol, max_iter=1000, fit_intercept=True, **extra
        )
        return _coef(est.fit(d["X"], d["y"]))

    return [
        Solver(
            f"skreg {kind}",
            "skreg",
            skreg_fit,
            ["skreg"],
            TOLS,
            TIGHT,
            has_attr("skreg", kind),
        ),
        Solver(
            f"sklearn {kind} (cd)",
            "sklearn",
            sklearn_fit(False),
            ["sklearn"],
            TOLS,
            TIGHT,
        ),
        Solver(
            f"sklearn {kind} (cd, precompute=True)",
            "sklearn",
            sklearn_fit(True),
            ["sklearn"],
            TOLS,
        ),
        Solver(f"skglm {kind}", "rival", skglm_fit, ["skglm"], TOLS),
        Solver(f"celer {kind}", "rival", celer_fit, ["celer"], TOLS),
    ]


def path_solvers(alphas, gram_option):
    alphas = np.asarray(alphas)

    def skreg_fit(d, tol):
        import skreg

        return skreg.lasso_path(
            d["X"], d["y"], alphas=alphas, tol=tol, max_iter=BIG_ITER
        )[1]

    def sklearn_fit(precompute):
        def fit(d, tol):
            from sklearn.linear_model import lasso_path

            return lasso_path(
                d["X"],
                d["y"],
                alphas=alphas,
                tol=tol,
                max_iter=BIG_ITER,
                precompute=precompute,
            )[1]

        return fit

    def skglm_fit(d, tol):
        from skglm import Lasso

        est = Lasso(tol=tol, max_iter=1000, fit_intercept=False)
        return est.path(d["X"], d["y"], alphas)[1]

    def celer_fit(d, tol):
        from celer import celer_path

        return celer_path(
            d["X"], d["y"], "lasso", alphas=alphas, tol=tol, max_iter=1000
        )[1]

    solvers = [
        Solver(
            "skreg lasso_path",
            "skreg",
            skreg_fit,
            ["skreg"],
            TOLS,
            TIGHT,
            has_attr("skreg", "lasso_path"),
        ),
        Solver(
            "sklearn lasso_path (cd)",
            "sklearn",
            sklearn_fit(False),
            ["sklearn"],
            TOLS,
            TIGHT,
        ),
    ]
    if gram_option:
        solvers.append(
            Solver(
                "sklearn lasso_path (cd, Gram)",
                "sklearn",
                sklearn_fit(True),
                ["sklearn"],
                TOLS,
            )
        )
    solvers += [
        Solver("skglm Lasso.path", "rival", skglm_fit, ["skglm"], TOLS),
        Solver("celer celer_path", "rival", celer_fit, ["celer"], TOLS),
    ]
    return solvers


def ridge_solvers(alpha, n_samples):
    def skreg_fit(d, tol):
        import skreg

        est = skreg.Ridge(alpha=alpha, tol=tol).fit(d["X"], d["y"])
        return (*_coef(est), alpha)

    def sklearn_fit(solver):
        def fit(d, tol):
            from sklearn.linear_model import Ridge

            est = Ridge(alpha=alpha, tol=tol, solver=solver, max_iter=BIG_ITER)
            return (*_coef(est.fit(d["X"], d["y"])), alpha)

        return fit

    def skglm_fit(d, tol):
        from skglm import GeneralizedLinearEstimator
        from skglm.datafits import Quadratic
        from skglm.penalties import L1_plus_L2
        from skglm.solvers import AndersonCD

        # ||r||^2 + alpha ||w||^2  ==  2 n (1/(2n) ||r||^2 + (alpha/n)/2 ||w||^2);
        # skglm's L2 has no prox_1d (AndersonCD needs one): L1_plus_L2 with
        # l1_ratio=0 is the same penalty.
        est = GeneralizedLinearEstimator(
            Quadratic(),
            L1_plus_L2(alpha / n_samples, 0.0),
            AndersonCD(tol=tol, max_iter=1000, fit_intercept=True),
        )
        return (*_coef(est.fit(d["X"], d["y"])), alpha)

    return [
        Solver(
            "skreg Ridge",
            "skreg",
            skreg_fit,
            ["skreg"],
            TOLS[:1],
            requires=has_attr("skreg", "Ridge"),
            note="direct solver: tol not used",
        ),
        Solver(
            "sklearn Ridge (auto=cholesky)",
            "sklearn",
            sklearn_fit("auto"),
            ["sklearn"],
            TOLS[:1],
            1e-12,
        ),
        Solver(
            "sklearn Ridge (svd)", "sklearn", sklearn_fit("svd"), ["sklearn"], TOLS[:1]
        ),
        Solver(
            "sklearn Ridge (lsqr)", "sklearn", sklearn_fit("lsqr"), ["sklearn"], TOLS
        ),
        Solver(
            "sklearn Ridge (sparse_cg)",
            "sklearn",
            sklearn_fit("sparse_cg"),
            ["sklearn"],
            TOLS,
        ),
        Solver("skglm Quadratic+L2 (AndersonCD)", "rival", skglm_fit, ["skglm"], TOLS),
    ]


def ridgecv_solvers(alphas):
    alphas = tuple(float(a) for a in alphas)

    def skreg_fit(d, tol):
        import skreg

        est = skreg.RidgeCV(alphas=alphas).fit(d["X"], d["y"])
        return (*_coef(est), float(est.alpha_))

    def sklearn_fit(d, tol):
        from sklearn.linear_model import RidgeCV

        est = RidgeCV(alphas=alphas).fit(d["X"], d["y"])
        return (*_coef(est), float(est.alpha_))

    return [
        Solver(
            "skreg RidgeCV",
            "skreg",
            skreg_fit,
            ["skreg"],
            TOLS[:1],
            requires=has_attr("skreg", "RidgeCV"),
        ),
        Solver(
            "sklearn RidgeCV (gcv, auto=svd)",
            "sklearn",
            sklearn_fit,
            ["sklearn"],
            TOLS[:1],
            1e-12,
        ),
    ]


def alpha_chosen(d, out):
    return f"alpha_={out[2]:.4g}"


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------
def make_cases(quick: bool) -> list[Case]:
    cold = Target("cold", 0.3, "first fit in a new process <= sklearn's + 0.3 s")
    half = Target("sklearn", 0.5, "<= 0.5x fastest sklearn solver")
    rival = Target("rival", 1.0, "<= 1.0x fastest of skglm/celer")
    mem = Target(
        "memory",
        0.5,
        "RSS increase during fit < 0.5x X (F-ordered float64: no copy) "
        "and < 1.5x X (C-ordered: at most one copy)",
        layouts=("F", "C"),
    )

    d = dense_data(quick)
    a1 = alpha_max(d["X"], d["y"], True) / 20
    a4 = alpha_max(d["X"], d["y"], True, l1_ratio=0.5) / 20
    dc = centred_dense_data(quick)
    alphas2 = alpha_max(dc["X"], dc["y"], False) * np.geomspace(1, 1e-2, 30)
    ds = sparse_data(quick)
    alphas3 = alpha_max(ds["X"], ds["y"], False) * np.geomspace(1, 1e-2, 30)
    dr = ridge_data(quick)
    n_r, p_r = dr["X"].shape
    del d, dc, ds, dr
    n1, p1 = sizes(quick)["dense"]
    ns, ps, dens = sizes(quick)["sparse"]
    ridge_alphas = np.geomspace(1e-2, 1e4, 30)

    return [
        Case(
            "lasso",
            f"Lasso, dense {n1} x {p1} (AR(1) rho=0.6), "
            f"alpha = alpha_max/20 = {a1:.4g}, intercept",
            lambda: dense_data(quick),
            eval_single(a1, 1.0),
            single_solvers("Lasso", a1, 1.0),
            [half, rival, cold, mem],
            small=datasets.head_rows,
            describe=nnz_single,
        ),
        Case(
            "lasso_path",
            f"Lasso path, case 1 data centred, no intercept, 30 alphas "
            f"alpha_max..alpha_max/100 (alpha_max = {alphas2[0]:.4g})",
            lambda: centred_dense_data(quick),
            eval_path(alphas2),
            path_solvers(alphas2, True),
            [half, rival, cold],
            small=datasets.head_rows,
            describe=nnz_path,
        ),
        Case(
            "sparse_path",
            f"Lasso path, sparse CSC {ns} x {ps} tf-idf-like, "
            f"density {dens}, no intercept, 30 alphas alpha_max..alpha_max/100",
            lambda: sparse_data(quick),
            eval_path(alphas3),
            path_solvers(alphas3, False),
            [half, rival, cold],
            small=datasets.head_rows,
            describe=nnz_path,
        ),
        Case(
            "enet",
            f"ElasticNet l1_ratio=0.5, case 1 data, "
            f"alpha = alpha_max(0.5)/20 = {a4:.4g}, intercept",
            lambda: dense_data(quick),
            eval_single(a4, 0.5),
            single_solvers("ElasticNet", a4, 0.5),
            [half, rival, cold],
            small=datasets.head_rows,
            describe=nnz_single,
        ),
        Case(
            "ridge",
            f"Ridge, dense {n_r} x {p_r} (AR(1) rho=0.6), alpha=100, intercept",
            lambda: ridge_data(quick),
            eval_ridge(),
            ridge_solvers(100.0, n_r),
            [half, rival, cold],
            small=datasets.head_rows,
        ),
        Case(
            "ridgecv",
            "RidgeCV, same data, 30 alphas 1e-2..1e4, efficient LOO/GCV",
            lambda: ridge_data(quick),
            eval_ridge(),
            ridgecv_solvers(ridge_alphas),
            [Target("sklearn", 0.1, "<= 0.1x sklearn RidgeCV"), cold],
            small=datasets.head_rows,
            describe=alpha_chosen,
        ),
    ]


cold_run = suite.cold_run_for(make_cases)

if __name__ == "__main__":
    suite.main(
        make_cases, "bench_linear", "skreg linear regression benchmark (issue 2)"
    )
