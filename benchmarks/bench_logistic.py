"""Benchmark: skreg LogisticRegression against scikit-learn, skglm, celer.

Cases (issue 3, "Benchmarks"):

1. ``l1_dense``        L1 binary, dense 5000 x 1000 (AR(1) rho = 0.5), labels
                       from a logistic model with 7 % non-zero coefficients,
                       alpha = alpha_max / 5 (about 7 % non-zeros in the
                       solution), no intercept (celer cannot fit one).
2. ``l1_sparse``       L1 binary, tf-idf-like sparse CSC 20000 x 50000,
                       density 0.001, alpha = alpha_max / 20, no intercept.
3. ``multinomial_l1``  L1 multinomial (softmax), 10 classes, dense 20000 x 500,
   ``multinomial_en``  and elastic net l1_ratio = 0.5, alpha = alpha_max / 10,
                       with intercept.
4. ``l2_dense``        L2 binary, dense 20000 x 1000, C = 0.1, with intercept.
5. ``cv``              LogisticRegressionCV, 20 Cs (C_crit .. 50 C_crit), 5 folds,
                       L1, on case 1's data, scoring = neg_log_loss.

Scaling. scikit-learn (and celer, and skreg) minimise
``C sum_i loss_i + l1_ratio ||w||_1 + (1 - l1_ratio)/2 ||w||^2``; skglm
minimises ``mean_i loss_i + alpha * penalty``. Dividing the former by ``C n``
gives the latter with ``alpha = 1 / (C n)``; objectives and suboptimalities
below are on that mean-loss scale (relative suboptimality does not depend on
it). Every solver is timed at the tol where its relative suboptimality is
<= 1e-8 (see suite.py).

Run (from the repository root, benchmark venv):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /work/benchvenv/bin/python benchmarks/bench_logistic.py [--quick] [--cases ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets
import suite
from suite import Case, Solver, Target, has_attr

BIG_ITER = 10_000
TOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14)
SLOW_TOLS = (1e-4, 1e-6, 1e-8, 1e-10)  # saga / sag: fewer, larger steps
TIGHT = 1e-12  # skreg's reference fit (the reference is the min of all fits)


def sizes(quick):
    if quick:
        return {
            "l1_dense": (500, 100),
            "l1_sparse": (2000, 5000, 0.002),
            "multinomial": (2000, 50),
            "l2_dense": (2000, 100),
        }
    return {
        "l1_dense": (5000, 1000),
        "l1_sparse": (20000, 50000, 0.001),
        "multinomial": (20000, 500),
        "l2_dense": (20000, 1000),
    }


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def l1_dense_data(quick):
    n, p = sizes(quick)["l1_dense"]
    return datasets.cached("logistic_binary", n=n, p=p, kind="dense", seed=0)


def l1_sparse_data(quick):
    n, p, dens = sizes(quick)["l1_sparse"]
    return datasets.cached(
        "logistic_binary", n=n, p=p, kind="sparse", density=dens, seed=0
    )


def multinomial_data(quick):
    n, p = sizes(quick)["multinomial"]
    return datasets.cached("logistic_multinomial", n=n, p=p, n_classes=10, seed=0)


def l2_dense_data(quick):
    n, p = sizes(quick)["l2_dense"]
    return datasets.cached("logistic_binary", n=n, p=p, kind="dense", seed=1)


def binary_alpha_max(X, y):
    """Smallest alpha (mean-loss scale) with w = 0, no intercept."""
    return float(np.max(np.abs(X.T @ (2 * y - 1))) / (2 * len(y)))


def multinomial_alpha_max(X, y, l1_ratio):
    """Smallest alpha with W = 0, intercept fitted (class frequencies)."""
    n = len(y)
    k = y.astype(int)
    Y = np.zeros((n, k.max() + 1))
    Y[np.arange(n), k] = 1.0
    G = X.T @ (Y - Y.mean(axis=0)) / n
    return float(np.max(np.abs(G)) / l1_ratio)


# --------------------------------------------------------------------------
# objectives (mean-loss scale, alpha = 1 / (C n)) and certificates
# --------------------------------------------------------------------------
def _penalty(W, alpha, l1_ratio):
    return alpha * (
        l1_ratio * float(np.abs(W).sum()) + 0.5 * (1 - l1_ratio) * float((W * W).sum())
    )


def binary_eval(C, l1_ratio, gap):
    """Binary objective; relative duality gap for L1 without intercept."""

    def evaluate(d, out):
        X, y = d["X"], d["y"]
        w, b = out
        n = len(y)
        alpha = 1.0 / (C * n)
        ypm = 2 * y - 1
        z = X @ w + b
        obj = float(np.logaddexp(0.0, -ypm * z).mean()) + _penalty(w, alpha, l1_ratio)
        res = {"obj": obj, "gap": None}
        if gap:
            # dual point: u = sigmoid(-y z) rescaled into the dual feasible set
            u = 0.5 * (1.0 - np.tanh(0.5 * ypm * z))
            dual_norm = float(np.max(np.abs(X.T @ (ypm * u)))) / n
            v = u * min(1.0, alpha / dual_norm) if dual_norm > 0 else u
            with np.errstate(divide="ignore", invalid="ignore"):
                ent = -(
                    np.where(v > 0, v * np.log(v), 0.0)
                    + np.where(v < 1, (1 - v) * np.log1p(-v), 0.0)
                )
            res["gap"] = (obj - float(ent.mean())) / obj
        return res

    return evaluate


def multinomial_eval(C, l1_ratio):
    def evaluate(d, out):
        X, y = d["X"], d["y"]
        W, b = out  # W: (K, p), b: (K,)
        n = len(y)
        Z = X @ W.T + b
        zmax = Z.max(axis=1, keepdims=True)
        lse = (zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True))).ravel()
        loss = float((lse - Z[np.arange(n), y.astype(int)]).mean())
        return {"obj": loss + _penalty(W, 1.0 / (C * n), l1_ratio), "gap": None}

    return evaluate


def nnz(d, out):
    W = np.asarray(out[0])
    return f"nnz={int(np.count_nonzero(W))}/{W.size}"


# --------------------------------------------------------------------------
# solvers
# --------------------------------------------------------------------------
def _binary_out(est):
    b = np.ravel(getattr(est, "intercept_", 0.0))
    return np.ravel(est.coef_).astype(float), float(b[0]) if b.size else 0.0


def _multi_out(est):
    return np.asarray(est.coef_, dtype=float), np.ravel(est.intercept_).astype(float)


def logreg_solvers(C, l1_ratio, fit_intercept, n_samples, multinomial=False):
    """skreg, scikit-learn's applicable solvers, skglm and celer for one fit."""
    out = _multi_out if multinomial else _binary_out
    l1 = l1_ratio == 1.0
    l2 = l1_ratio == 0.0

    def skreg_fit(d, tol):
        import skreg

        est = skreg.LogisticRegression(
            C=C,
            l1_ratio=l1_ratio,
            fit_intercept=fit_intercept,
            tol=tol,
            max_iter=BIG_ITER,
        )
        return out(est.fit(d["X"], d["y"]))

    def sklearn_fit(solver, max_iter=BIG_ITER):
        def fit(d, tol):
            from sklearn.linear_model import LogisticRegression

            est = LogisticRegression(
                C=C,
                l1_ratio=l1_ratio,
                solver=solver,
                fit_intercept=fit_intercept,
                tol=tol,
                max_iter=max_iter,
            )
            return out(est.fit(d["X"], d["y"]))

        return fit

    def skglm_l1_fit(d, tol):
        from skglm import SparseLogisticRegression

        est = SparseLogisticRegression(
            alpha=1.0 / (C * n_samples),
            tol=tol,
            max_iter=1000,
            fit_intercept=fit_intercept,
        )
        return out(est.fit(d["X"], d["y"]))

    def skglm_l2_fit(d, tol):
        from skglm import GeneralizedLinearEstimator
        from skglm.datafits import Logistic
        from skglm.penalties import L1_plus_L2
        from skglm.solvers import ProxNewton

        # skglm's L2 has no prox; L1_plus_L2 with l1_ratio=0 is alpha/2 ||w||^2
        est = GeneralizedLinearEstimator(
            Logistic(),
            L1_plus_L2(1.0 / (C * n_samples), 0.0),
            ProxNewton(tol=tol, max_iter=1000, fit_intercept=fit_intercept),
        )
        return out(est.fit(d["X"], d["y"]))

    def celer_fit(d, tol):
        from celer import LogisticRegression

        est = LogisticRegression(C=C, tol=tol, max_iter=1000)
        return out(est.fit(d["X"], d["y"]))

    def unsupported(why):
        return lambda: why

    slow_iter = 1000 if not multinomial else 200
    solvers = [
        Solver(
            "skreg LogisticRegression",
            "skreg",
            skreg_fit,
            ["skreg"],
            TOLS,
            TIGHT,
            has_attr("skreg", "LogisticRegression"),
        ),
    ]
    if l1 and not multinomial:
        solvers.append(
            Solver(
                "sklearn liblinear",
                "sklearn",
                sklearn_fit("liblinear"),
                ["sklearn"],
                TOLS,
            )
        )
    if l2:
        solvers += [
            Solver(
                "sklearn lbfgs",
                "sklearn",
                sklearn_fit("lbfgs"),
                ["sklearn"],
                TOLS,
                TIGHT,
            ),
            Solver(
                "sklearn newton-cg",
                "sklearn",
                sklearn_fit("newton-cg"),
                ["sklearn"],
                TOLS,
            ),
            Solver(
                "sklearn newton-cholesky",
                "sklearn",
                sklearn_fit("newton-cholesky"),
                ["sklearn"],
                TOLS,
            ),
            Solver(
                "sklearn liblinear",
                "sklearn",
                None,
                ["sklearn"],
                requires=unsupported(
                    "excluded: liblinear penalizes the intercept (different objective)"
                ),
            ),
            Solver(
                "sklearn sag",
                "sklearn",
                sklearn_fit("sag", slow_iter),
                ["sklearn"],
                SLOW_TOLS,
                slow=True,
                tune_budget=150,
                note=f"max_iter={slow_iter}",
            ),
        ]
    solvers.append(
        Solver(
            "sklearn saga",
            "sklearn",
            sklearn_fit("saga", slow_iter),
            ["sklearn"],
            SLOW_TOLS,
            slow=True,
            tune_budget=150,
            note=f"max_iter={slow_iter}",
        )
    )
    if multinomial:
        why = unsupported("not applicable: one-vs-rest only (different objective)")
        solvers += [
            Solver("skglm", "rival", None, ["skglm"], requires=why),
            Solver("celer", "rival", None, ["celer"], requires=why),
        ]
    elif l1:
        solvers += [
            Solver(
                "skglm SparseLogisticRegression", "rival", skglm_l1_fit, ["skglm"], TOLS
            ),
            Solver(
                "celer LogisticRegression (PN)", "rival", celer_fit, ["celer"], TOLS
            ),
        ]
    else:
        solvers += [
            Solver(
                "skglm Logistic+L2 (ProxNewton)", "rival", skglm_l2_fit, ["skglm"], TOLS
            ),
            Solver(
                "celer",
                "rival",
                None,
                ["celer"],
                requires=unsupported("not applicable: L1 only, no intercept"),
            ),
        ]
    return solvers


def cv_solvers(Cs, cv=5):
    Cs = [float(c) for c in Cs]
    common = {"Cs": Cs, "cv": cv, "fit_intercept": False, "scoring": "neg_log_loss"}

    def cv_out(est):
        w, b = _binary_out(est)
        return w, b, float(np.ravel(est.C_)[0])

    def skreg_fit(d, tol):
        import skreg

        try:
            est = skreg.LogisticRegressionCV(
                l1_ratios=[1.0], tol=tol, max_iter=BIG_ITER, **common
            )
        except TypeError:  # older penalty= style only
            est = skreg.LogisticRegressionCV(
                penalty="l1", tol=tol, max_iter=BIG_ITER, **common
            )
        return cv_out(est.fit(d["X"], d["y"]))

    def sklearn_fit(solver):
        def fit(d, tol):
            from sklearn.linear_model import LogisticRegressionCV

            est = LogisticRegressionCV(
                l1_ratios=[1.0], solver=solver, tol=tol, max_iter=BIG_ITER, **common
            )
            return cv_out(est.fit(d["X"], d["y"]))

        return fit

    return [
        Solver(
            "skreg LogisticRegressionCV",
            "skreg",
            skreg_fit,
            ["skreg"],
            TOLS[2:],
            requires=has_attr("skreg", "LogisticRegressionCV"),
        ),
        Solver(
            "sklearn LogisticRegressionCV (liblinear)",
            "sklearn",
            sklearn_fit("liblinear"),
            ["sklearn"],
            (1e-4, 1e-6, 1e-8, 1e-10),
            slow=True,
            note="timed once (100 fits per run)",
        ),
        Solver(
            "sklearn LogisticRegressionCV (saga)",
            "sklearn",
            None,
            ["sklearn"],
            requires=lambda: (
                "skipped: 100 saga fits to 1e-8 exceed the run's "
                "time budget (saga is slower than liblinear on case l1_dense)"
            ),
        ),
    ]


def cv_eval(n_samples):
    def evaluate(d, out):
        w, b, C = out
        return binary_eval(C, 1.0, True)(d, (w, b))

    return evaluate


def chosen_C(d, out):
    return f"C_={out[2]:.4g}, nnz={int(np.count_nonzero(out[0]))}"


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------
def make_cases(quick: bool) -> list[Case]:
    rival = Target("rival", 1.0, "<= 1.0x fastest of skglm/celer")
    fifth = Target("sklearn", 0.2, "<= 0.2x fastest sklearn solver")
    lbfgs = Target("sklearn", 1.0, "<= 1.0x sklearn lbfgs", solver="sklearn lbfgs")

    d1 = l1_dense_data(quick)
    n1, p1 = d1["X"].shape
    C1 = 1.0 / (n1 * binary_alpha_max(d1["X"], d1["y"]) / 5)
    C_crit = 1.0 / (n1 * binary_alpha_max(d1["X"], d1["y"]))
    d2 = l1_sparse_data(quick)
    n2, p2 = d2["X"].shape
    C2 = 1.0 / (n2 * binary_alpha_max(d2["X"], d2["y"]) / 20)
    d3 = multinomial_data(quick)
    n3, p3 = d3["X"].shape
    C3_l1 = 1.0 / (n3 * multinomial_alpha_max(d3["X"], d3["y"], 1.0) / 10)
    C3_en = 1.0 / (n3 * multinomial_alpha_max(d3["X"], d3["y"], 0.5) / 10)
    d4 = l2_dense_data(quick)
    n4, p4 = d4["X"].shape
    del d1, d2, d3, d4
    dens = sizes(quick)["l1_sparse"][2]
    Cs = C_crit * np.geomspace(1, 50, 20)

    return [
        Case(
            "l1_dense",
            f"L1 binary, dense {n1} x {p1} (AR(1) rho=0.5), "
            f"alpha = alpha_max/5 (C = {C1:.4g}), no intercept",
            lambda: l1_dense_data(quick),
            binary_eval(C1, 1.0, True),
            logreg_solvers(C1, 1.0, False, n1),
            [rival, fifth],
            small=datasets.head_rows,
            describe=nnz,
        ),
        Case(
            "l1_sparse",
            f"L1 binary, sparse CSC {n2} x {p2} tf-idf-like, density "
            f"{dens}, alpha = alpha_max/20 (C = {C2:.4g}), no intercept",
            lambda: l1_sparse_data(quick),
            binary_eval(C2, 1.0, True),
            logreg_solvers(C2, 1.0, False, n2),
            [rival, fifth],
            small=datasets.head_rows,
            describe=nnz,
        ),
        Case(
            "multinomial_l1",
            f"L1 multinomial, 10 classes, dense {n3} x {p3}, "
            f"alpha = alpha_max/10 (C = {C3_l1:.4g}), intercept",
            lambda: multinomial_data(quick),
            multinomial_eval(C3_l1, 1.0),
            logreg_solvers(C3_l1, 1.0, True, n3, multinomial=True),
            [fifth],
            small=datasets.head_rows,
            describe=nnz,
        ),
        Case(
            "multinomial_en",
            f"Elastic-net (l1_ratio=0.5) multinomial, 10 classes, "
            f"dense {n3} x {p3}, alpha = alpha_max(0.5)/10 (C = {C3_en:.4g}), "
            "intercept",
            lambda: multinomial_data(quick),
            multinomial_eval(C3_en, 0.5),
            logreg_solvers(C3_en, 0.5, True, n3, multinomial=True),
            [fifth],
            small=datasets.head_rows,
            describe=nnz,
        ),
        Case(
            "l2_dense",
            f"L2 binary, dense {n4} x {p4} (AR(1) rho=0.5), C = 0.1, intercept",
            lambda: l2_dense_data(quick),
            binary_eval(0.1, 0.0, False),
            logreg_solvers(0.1, 0.0, True, n4),
            [lbfgs],
            small=datasets.head_rows,
        ),
        Case(
            "cv",
            "LogisticRegressionCV, L1, 20 Cs (C_crit..50 C_crit), 5 folds, "
            "neg_log_loss, case l1_dense data, no intercept",
            lambda: l1_dense_data(quick),
            cv_eval(n1),
            cv_solvers(Cs),
            [fifth],
            small=datasets.head_rows,
            describe=chosen_C,
        ),
    ]


cold_run = suite.cold_run_for(make_cases)

if __name__ == "__main__":
    suite.main(
        make_cases, "bench_logistic", "skreg logistic regression benchmark (issue 3)"
    )
