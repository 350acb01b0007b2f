"""Grid searches on a dask cluster give the local answer, with cached kernels.

Needs the ``distributed`` extra; a LocalCluster with several worker processes
stands in for a real cluster.
"""

import json
import sys

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")
joblib = pytest.importorskip("joblib")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skreg import LassoCV, MLPClassifier  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_lasso_cv_on_dask_matches_local(client):
    X, y = make_regression(200, 40, n_informative=8, noise=5.0, random_state=0)
    # Workers run BLAS on one thread, so the last bits of X^T r differ from a
    # local run and a solver stops at a slightly different iterate: the runs
    # agree to the solver's tolerance, which is set tight here.
    local = LassoCV(cv=4, n_jobs=1, tol=1e-12).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = LassoCV(cv=4, n_jobs=-1, tol=1e-12).fit(X, y)
    assert remote.alpha_ == local.alpha_
    np.testing.assert_allclose(remote.mse_path_, local.mse_path_, rtol=1e-8)
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=1e-8, atol=1e-10)


def test_mlp_grid_search_on_dask_matches_local(client):
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    search = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0),
        {"alpha": [1e-4, 1e-1], "dropout": [0.0, 0.2]}, cv=3,
    )
    local = clone(search).set_params(n_jobs=1).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = clone(search).set_params(n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.cv_results_["mean_test_score"],
                                  local.cv_results_["mean_test_score"])


def _skreg_kernel_compilations():
    """(cache hits, compilations) of every numba kernel loaded in this process."""
    from numba.core.registry import CPUDispatcher

    hits = misses = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("skreg."):
            continue
        for obj in vars(module).values():
            if isinstance(obj, CPUDispatcher):
                hits += sum(obj.stats.cache_hits.values())
                misses += sum(obj.stats.cache_misses.values())
    return hits, misses


def test_workers_load_compiled_kernels_from_cache(client):
    # The fits above ran on the workers; their kernels must come from numba's
    # on-disk cache (hits) and never be compiled there (no misses), however
    # many tasks each worker ran.
    X, y = make_regression(100, 20, random_state=1)
    LassoCV(cv=3).fit(X, y)  # make sure the parent has written the cache
    with joblib.parallel_backend("dask"):
        LassoCV(cv=3, n_jobs=-1).fit(X, y)
    per_worker = client.run(_skreg_kernel_compilations)
    assert len(per_worker) == 2
    assert [misses for _, misses in per_worker.values()] == [0, 0]
    assert sum(hits for hits, _ in per_worker.values()) > 0


def test_cli_on_local_dask_cluster_matches_local_run(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from skreg.cli import main

    args = ["study", "--quiet", "--models", "lasso,ridge", "--cv", "3"]
    assert main([*args, "--out", str(tmp_path / "local")]) == 0
    assert main([*args, "--dask", "local", "--out", str(tmp_path / "dask")]) == 0
    capsys.readouterr()
    local = json.loads((tmp_path / "local" / "results.json").read_text())
    remote = json.loads((tmp_path / "dask" / "results.json").read_text())
    for a, b in zip(local["models"], remote["models"], strict=True):
        assert a["best_params"] == pytest.approx(b["best_params"], rel=1e-6)
        # equal up to the solvers' default tolerance (BLAS threads differ)
        assert a["cv_score_mean"] == pytest.approx(b["cv_score_mean"], rel=1e-4)
