"""Seeded synthetic data sets for the benchmarks, cached on disk.

Every generator is deterministic given its arguments (numpy ``default_rng``
seeded). ``cached`` stores the arrays once under ``$SKREG_BENCH_CACHE``
(default ``/tmp/skreg_bench_cache``) so that the parent process and the fresh
processes used for cold-start and memory measurements load the very same
arrays with a single allocation each (no generation temporaries).

Generators
----------
``correlated_regression``  dense Gaussian X with AR(1)/Toeplitz correlation
    ``corr(x_j, x_k) = rho**|j-k|``, Fortran-ordered float64; y = X w* + noise
    with a sparse w*.
``text_like_regression``   sparse CSC tf-idf-like X (Zipf column frequencies,
    l2-normalised rows), y = X w* + noise.
``logistic_binary``        labels in {0, 1} drawn from a sparse logistic model
    on dense correlated or text-like sparse X.
``logistic_multinomial``   K-class labels from a softmax model with a
    row-sparse coefficient matrix.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

CACHE_DIR = Path(os.environ.get("SKREG_BENCH_CACHE", "/tmp/skreg_bench_cache"))
GENERATOR_VERSION = 1  # bump when a generator changes, to invalidate the cache


def _ar1_dense(n, p, rho, rng):
    """Gaussian rows with Toeplitz covariance rho**|j-k|, built column by column."""
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    scale = np.sqrt(1.0 - rho**2)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + scale * rng.standard_normal(n)
    return X


def _sparse_coef(p, n_nonzero, rng):
    w = np.zeros(p)
    support = rng.choice(p, size=n_nonzero, replace=False)
    w[support] = rng.choice([-1.0, 1.0], n_nonzero) * rng.uniform(0.5, 1.5, n_nonzero)
    return w


def _text_like_csc(n, p, density, rng):
    """tf-idf-like sparse matrix with exactly round(n*p*density) non-zeros.

    Column (term) frequencies follow a Zipf law ``1/(rank+10)**1.1`` (a few
    very common terms, a long tail of rare ones), term counts are geometric,
    values are ``(1 + log count) * idf`` and rows are l2-normalised.
    """
    nnz = round(n * p * density)
    prob = 1.0 / (np.arange(p) + 10.0) ** 1.1
    prob /= prob.sum()
    prob = prob[rng.permutation(p)]  # popular terms anywhere, not first
    lin = np.empty(0, dtype=np.int64)
    draw = int(nnz * 1.3) + 1000
    while lin.size < nnz:
        cols = rng.choice(p, size=draw, p=prob)
        rows = rng.integers(0, n, size=draw)
        lin = np.unique(np.concatenate([lin, rows.astype(np.int64) * p + cols]))
    lin = lin[np.sort(rng.choice(lin.size, size=nnz, replace=False))]
    rows, cols = np.divmod(lin, p)
    counts = rng.geometric(0.6, size=nnz)
    vals = 1.0 + np.log(counts)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(n, p))
    df = np.bincount(cols, minlength=p)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    X = X @ sp.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    X = sp.diags(1.0 / norms) @ X
    X = sp.csc_matrix(X)
    X.sort_indices()
    return X


def correlated_regression(n, p, rho=0.6, frac_nonzero=0.1, snr=3.0, seed=0):
    rng = np.random.default_rng(seed)
    X = _ar1_dense(n, p, rho, rng)
    w = _sparse_coef(p, max(1, int(frac_nonzero * p)), rng)
    signal = X @ w
    y = signal + signal.std() / snr * rng.standard_normal(n)
    return {"X": X, "y": y}


def text_like_regression(n, p, density=0.001, n_nonzero=500, snr=3.0, seed=0):
    rng = np.random.default_rng(seed)
    X = _text_like_csc(n, p, density, rng)
    w = _sparse_coef(p, min(p, n_nonzero), rng)
    signal = X @ w
    y = signal + signal.std() / snr * rng.standard_normal(n)
    return {"X": X, "y": y}


def logistic_binary(
    n, p, kind="dense", rho=0.5, density=0.001, frac_nonzero=0.07, logit_std=3.0, seed=0
):
    """Binary labels in {0, 1}; about balanced (no intercept in the model)."""
    rng = np.random.default_rng(seed)
    if kind == "dense":
        X = _ar1_dense(n, p, rho, rng)
    else:
        X = _text_like_csc(n, p, density, rng)
    w = _sparse_coef(p, max(1, int(frac_nonzero * p)), rng)
    z = X @ w
    z *= logit_std / max(z.std(), 1e-12)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.float64)
    return {"X": X, "y": y}


def logistic_multinomial(
    n, p, n_classes=10, rho=0.5, frac_nonzero=0.1, logit_std=2.0, seed=0
):
    """Labels 0..K-1 from a softmax model whose coefficient rows are sparse."""
    rng = np.random.default_rng(seed)
    X = _ar1_dense(n, p, rho, rng)
    W = np.zeros((p, n_classes))
    support = rng.choice(p, size=max(1, int(frac_nonzero * p)), replace=False)
    W[support] = rng.standard_normal((support.size, n_classes))
    Z = X @ W
    Z *= logit_std / max(Z.std(), 1e-12)
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    u = rng.random((n, 1))
    y = (P.cumsum(axis=1) < u).sum(axis=1).clip(0, n_classes - 1)
    return {"X": X, "y": y.astype(np.float64)}


def head_rows(d, m=None):
    """First rows of the data, for warm-up calls in memory measurements."""
    m = m or max(50, d["X"].shape[0] // 20)
    X = d["X"][:m]
    if not hasattr(X, "tocsc"):
        X = np.asarray(X, order="F") if d["X"].flags.f_contiguous else X
    return {**d, "X": X, "y": d["y"][:m]}


GENERATORS = {
    "correlated_regression": correlated_regression,
    "text_like_regression": text_like_regression,
    "logistic_binary": logistic_binary,
    "logistic_multinomial": logistic_multinomial,
}


def _key(name, kwargs):
    blob = json.dumps([name, GENERATOR_VERSION, kwargs], sort_keys=True)
    return f"{name}-{hashlib.sha1(blob.encode()).hexdigest()[:12]}"


def cached(name: str, **kwargs) -> dict:
    """Generate ``GENERATORS[name](**kwargs)`` once, then load it from disk."""
    folder = CACHE_DIR / _key(name, kwargs)
    done = folder / "done"
    if not done.exists():
        data = GENERATORS[name](**kwargs)
        folder.mkdir(parents=True, exist_ok=True)
        for key, arr in data.items():
            if sp.issparse(arr):
                sp.save_npz(folder / f"{key}.npz", arr, compressed=False)
            else:
                np.save(folder / f"{key}.npy", arr)
        done.write_text(json.dumps(kwargs))
    out = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".npy":
            out[path.stem] = np.load(path)
        elif path.suffix == ".npz":
            X = sp.load_npz(path)
            out[path.stem] = sp.csc_matrix(X) if X.format != "csc" else X
    return out
