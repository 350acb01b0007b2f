"""Benchmark: skreg's MLPs against scikit-learn, a plain PyTorch loop and skorch.

Cases (issue 4, "Benchmarks"); every library trains the same network
(ReLU, hidden (256, 256)), float32, Adam (lr 1e-3, betas (0.9, 0.999),
eps 1e-8, no weight decay / ``alpha=0``), minibatches of 256 reshuffled every
epoch, 5 epochs, 2 threads:

1. ``clf``     classifier, ``make_classification`` 50000 x 100, 10 classes.
2. ``reg``     regressor, ``make_friedman1`` 50000 x 50 (5 informative
               features, noise 1), target standardized.
3. ``clf_reg`` case 1 with dropout 0.2 and batch normalization
               (Dense -> BatchNorm -> ReLU -> Dropout per hidden layer);
               skreg, PyTorch and skorch only (scikit-learn has neither).

The training sets have 50000 rows; a held-out set of 10000 rows from the same
generator gives the test accuracy / R^2. Features are standardized with the
training statistics.

Method
------
* Each (case, repeat) runs in a fresh process
  (``harness.run_in_subprocess``) that builds every library's model and
  interleaves their epochs: epoch e of every library runs before epoch e + 1
  of any, in an order rotated with e and the seed. A burst of load on the
  shared machine thus hits all libraries alike, and the ratio of two
  libraries' epoch times in the same process ("paired") is less noisy than
  the ratio of their medians. Repeat r uses model seed r (data are fixed).
* Seconds per epoch: wall time of one epoch. scikit-learn / skreg: one
  ``partial_fit`` call (one epoch over the reshuffled data, optimizer state
  kept); PyTorch: one pass of the loop; skorch: one ``partial_fit`` with
  ``max_epochs=1``. The first epoch of each process is reported separately
  (cold: lazy initialization, numba loading cached kernels); the main figure
  is the median over all later epochs of all repeats. The process CPU time
  of the same epochs (both threads) is shown too: on a loaded machine it is
  a steadier measure of the work done. For the scikit-learn-API estimators
  one ``fit(max_iter=5)`` is also timed (repeat 0), to show that
  ``partial_fit`` epochs are representative of ``fit``.
* Peak memory: the increase of the resident set during 2 training epochs
  (every epoch allocates the same buffers; the first allocates the state)
  (kernel high-water mark ``VmHWM`` reset just before training, minus the RSS
  before it: data, interpreter and imported libraries excluded), in one
  fresh process per library (the cases in turn), after one throw-away epoch on
  512 rows (one-time library costs: numba loading its kernels, torch's lazy
  init), with glibc's mmap threshold fixed at 64 KiB (``harness.MEMORY_ENV``)
  so that freed memory is not silently reused. That setting slows small
  allocations, which is why timings are taken in other processes.
* GFLOP/s: matmul FLOPs per epoch (forward ``2 n d_in d_out`` per dense layer,
  backward the same for the weight gradient of every layer and for the input
  gradient of every layer but the first) divided by the median epoch time,
  compared with the float32 matmul rate of this machine measured in the same
  run (numpy ``sgemm`` 4096 x 4096 x 4096 on 2 threads, best of 5; also shown:
  the rate of a batch-shaped 256 x 256 x 256 product).
* Accuracy "within noise": ``|mean_a - mean_b| <= 2 sqrt(s_a^2 + s_b^2)``,
  where ``s`` is the standard deviation of a library's test score over the
  seeds, floored by the bootstrap standard error of one test score (so three
  seeds that happen to agree do not make the criterion arbitrarily strict).

Threads: ``threadpoolctl.threadpool_limits(2)`` for numpy's BLAS (and any
OpenMP pool), ``torch.set_num_threads(2)``, and OMP/OPENBLAS/MKL/NUMBA
thread variables set to 2 in the child processes.

Run (from the repository root, benchmark venv)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /work/benchvenv/bin/python benchmarks/bench_mlp.py [--quick] [--cases ...]

The PyTorch loop follows common practice for CPU tabular training: an
``nn.Sequential`` (initialized like scikit-learn's MLP: Glorot uniform),
``torch.optim.Adam(foreach=True)`` (the multi-tensor implementation,
which CPU tensors do not get by default), a fresh
``randperm`` each epoch, one gather of the shuffled data per epoch and
contiguous slices as minibatches (no DataLoader), ``zero_grad(set_to_none=True)``.
skorch (when installed) trains the same module through its DataLoader-based
loop; it is shown for reference and has no target.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.util
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as H

# 2 threads as the issue asks; --threads changes it (children read the variable)
N_THREADS = int(os.environ.get("SKREG_BENCH_MLP_THREADS", "2"))
BATCH = 256
EPOCHS = 5
HIDDEN = (256, 256)
MEMORY_EPOCHS = 2  # epochs of the peak-memory runs
LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8

CASES = {
    "clf": {
        "title": "classifier, make_classification 50000 x 100, 10 classes",
        "kind": "classification",
        "n_features": 100,
        "dropout": 0.0,
        "batch_norm": False,
        "libs": ("skreg", "sklearn", "torch", "skorch"),
    },
    "reg": {
        "title": "regressor, make_friedman1 50000 x 50",
        "kind": "regression",
        "n_features": 50,
        "dropout": 0.0,
        "batch_norm": False,
        "libs": ("skreg", "sklearn", "torch", "skorch"),
    },
    "clf_reg": {
        "title": "classifier as clf, dropout 0.2 + batch norm",
        "kind": "classification",
        "n_features": 100,
        "dropout": 0.2,
        "batch_norm": True,
        "libs": ("skreg", "torch", "skorch"),
    },
}

# (case, baseline library, maximal epoch-time ratio skreg / baseline)
SPEED_TARGETS = (
    ("clf", "sklearn", 0.5),
    ("clf", "torch", 0.7),
    ("reg", "sklearn", 0.5),
    ("reg", "torch", 0.7),
    ("clf_reg", "torch", 0.8),
)
ACCURACY_TARGETS = (
    ("clf", "sklearn"),
    ("clf", "torch"),
    ("reg", "sklearn"),
    ("reg", "torch"),
    ("clf_reg", "torch"),
)


def _child_env(n_threads):
    names = ("OMP", "OPENBLAS", "MKL", "NUMBA")
    env = {f"{name}_NUM_THREADS": str(n_threads) for name in names}
    return {**env, "SKREG_BENCH_MLP_THREADS": str(n_threads)}


CHILD_ENV = _child_env(N_THREADS)
PARTIAL = H.BENCH_DIR / "results" / "bench_mlp.partial.tmp"
MEMORY_ENV = getattr(
    H,
    "MEMORY_ENV",
    {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "65536"},
)


# --------------------------------------------------------------------------
# data and FLOPs
# --------------------------------------------------------------------------
def sizes(quick):
    return (4000, 2000) if quick else (50000, 10000)


def make_data(case_key, quick):
    """Float32 train/test split; y int64 (classes) or float32 (standardized)."""
    from sklearn.datasets import make_classification, make_friedman1

    case = CASES[case_key]
    n_train, n_test = sizes(quick)
    n = n_train + n_test
    if case["kind"] == "classification":
        X, y = make_classification(
            n_samples=n,
            n_features=case["n_features"],
            n_informative=30,
            n_redundant=20,
            n_classes=10,
            n_clusters_per_class=2,
            flip_y=0.01,
            random_state=0,
        )
        y = y.astype(np.int64)
    else:
        X, y = make_friedman1(
            n_samples=n, n_features=case["n_features"], noise=1.0, random_state=0
        )
        y = ((y - y[:n_train].mean()) / y[:n_train].std()).astype(np.float32)
    X = (X - X[:n_train].mean(axis=0)) / X[:n_train].std(axis=0)
    X = np.ascontiguousarray(X, dtype=np.float32)
    return X[:n_train].copy(), X[n_train:].copy(), y[:n_train].copy(), y[n_train:]


def n_outputs(case_key):
    return 10 if CASES[case_key]["kind"] == "classification" else 1


def matmul_flops_per_epoch(n, n_in, hidden, n_out):
    """Forward + backward matmul FLOPs of one epoch over n rows."""
    dims = [n_in, *hidden, n_out]
    pairs = list(itertools.pairwise(dims))
    fwd = sum(2 * n * a * b for a, b in pairs)
    weight_grad = fwd
    input_grad = fwd - 2 * n * pairs[0][0] * pairs[0][1]
    return fwd + weight_grad + input_grad


def sgemm_rate(n=4096, repeat=5):
    """Best float32 matmul rate (GFLOP/s) of numpy on N_THREADS threads."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    with threadpool_limits(N_THREADS):
        a @ b
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t0)
    return 2 * n**3 / min(times) / 1e9


# --------------------------------------------------------------------------
# the libraries (run in the child processes)
# --------------------------------------------------------------------------
def _sklearn_api_estimator(lib, case_key, seed, max_iter):
    case = CASES[case_key]
    if lib == "skreg":
        from skreg.neural_network import MLPClassifier, MLPRegressor
    else:
        from sklearn.neural_network import MLPClassifier, MLPRegressor
    cls = MLPClassifier if case["kind"] == "classification" else MLPRegressor
    params = {
        "hidden_layer_sizes": HIDDEN,
        "activation": "relu",
        "solver": "adam",
        "alpha": 0.0,
        "batch_size": BATCH,
        "learning_rate_init": LR,
        "beta_1": BETAS[0],
        "beta_2": BETAS[1],
        "epsilon": EPS,
        "shuffle": True,
        "max_iter": max_iter,
        "n_iter_no_change": max_iter + 10,
        "random_state": seed,
    }
    if case["dropout"] or case["batch_norm"]:
        params["dropout"] = case["dropout"]
        params["batch_norm"] = case["batch_norm"]
    return cls(**params)


class SklearnAPITrainer:
    """scikit-learn / skreg: one ``partial_fit`` call is one epoch."""

    def __init__(self, lib, case_key, seed, epochs, X, y):
        self.est = _sklearn_api_estimator(lib, case_key, seed, max_iter=epochs)
        clf = CASES[case_key]["kind"] == "classification"
        self.kw = {"classes": np.unique(y)} if clf else {}
        self.X, self.y = X, y

    def epoch(self):
        self.est.partial_fit(self.X, self.y, **self.kw)

    def predict(self, X_test):
        return self.est.predict(X_test)

    def train_dtype(self):
        return str(self.est.coefs_[0].dtype)


def _fit_seconds(lib, case_key, seed, epochs, X, y):
    """Wall time of one ``fit(max_iter=epochs)``."""
    est = _sklearn_api_estimator(lib, case_key, seed, max_iter=epochs)
    t0 = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - t0


def _torch_module(case_key, n_in):
    from torch import nn

    case = CASES[case_key]
    layers, prev = [], n_in
    for width in HIDDEN:
        layers.append(nn.Linear(prev, width))
        if case["batch_norm"]:
            layers.append(nn.BatchNorm1d(width))  # momentum 0.1 as skreg's
        layers.append(nn.ReLU())
        if case["dropout"]:
            layers.append(nn.Dropout(case["dropout"]))
        prev = width
    layers.append(nn.Linear(prev, n_outputs(case_key)))
    # Same initialization as scikit-learn and skreg (Glorot uniform for weights
    # and biases, bound sqrt(6 / (fan_in + fan_out))) instead of torch's
    # default U(+-1/sqrt(fan_in)): after 5 epochs the test scores then compare
    # implementations, not initializations.
    for layer in layers:
        if isinstance(layer, nn.Linear):
            bound = (6.0 / (layer.in_features + layer.out_features)) ** 0.5
            nn.init.uniform_(layer.weight, -bound, bound)
            nn.init.uniform_(layer.bias, -bound, bound)
    return nn.Sequential(*layers)


class TorchTrainer:
    """The plain PyTorch loop: randperm, one gather per epoch, slices."""

    def __init__(self, case_key, seed, epochs, X, y):
        import torch
        from torch import nn

        self.torch = torch
        torch.manual_seed(seed)
        self.model = _torch_module(case_key, X.shape[1])
        self.clf = CASES[case_key]["kind"] == "classification"
        self.loss_fn = nn.CrossEntropyLoss() if self.clf else nn.MSELoss()
        self.opt = torch.optim.Adam(
            self.model.parameters(),
            lr=LR,
            betas=BETAS,
            eps=EPS,
            weight_decay=0.0,
            foreach=True,
        )
        self.X = torch.from_numpy(X)
        self.y = torch.from_numpy(y if self.clf else y.reshape(-1, 1))
        self.gen = torch.Generator().manual_seed(seed)

    def epoch(self):
        model, opt, loss_fn = self.model, self.opt, self.loss_fn
        model.train()
        n = self.X.shape[0]
        perm = self.torch.randperm(n, generator=self.gen)
        Xs, ys = self.X[perm], self.y[perm]
        for start in range(0, n, BATCH):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xs[start : start + BATCH]), ys[start : start + BATCH])
            loss.backward()
            opt.step()

    def predict(self, X_test):
        self.model.eval()
        with self.torch.inference_mode():
            out = self.model(self.torch.from_numpy(X_test)).numpy()
        return out.argmax(axis=1) if self.clf else out.ravel()

    def train_dtype(self):
        return str(next(self.model.parameters()).dtype).replace("torch.", "")


class SkorchTrainer:
    """skorch on the same module; ``partial_fit`` with ``max_epochs=1``."""

    def __init__(self, case_key, seed, epochs, X, y):
        import torch
        from skorch import NeuralNetClassifier, NeuralNetRegressor
        from torch import nn

        self.clf = CASES[case_key]["kind"] == "classification"
        torch.manual_seed(seed)
        net_cls = NeuralNetClassifier if self.clf else NeuralNetRegressor
        self.net = net_cls(
            module=_torch_module(case_key, X.shape[1]),
            criterion=nn.CrossEntropyLoss if self.clf else nn.MSELoss,
            optimizer=torch.optim.Adam,
            lr=LR,
            optimizer__betas=BETAS,
            optimizer__eps=EPS,
            optimizer__foreach=True,
            max_epochs=1,
            batch_size=BATCH,
            train_split=None,
            iterator_train__shuffle=True,
            device="cpu",
            verbose=0,
        )
        self.X, self.y = X, (y if self.clf else y.reshape(-1, 1))

    def epoch(self):
        self.net.partial_fit(self.X, self.y)

    def predict(self, X_test):
        return np.asarray(self.net.predict(X_test)).ravel()

    def train_dtype(self):
        return str(next(self.net.module_.parameters()).dtype).replace("torch.", "")


def make_trainer(lib, case_key, seed, epochs, X, y):
    if lib == "torch":
        return TorchTrainer(case_key, seed, epochs, X, y)
    if lib == "skorch":
        return SkorchTrainer(case_key, seed, epochs, X, y)
    return SklearnAPITrainer(lib, case_key, seed, epochs, X, y)


def _score(case_key, y_true, y_pred):
    """Test accuracy or R^2 and its bootstrap standard error (200 resamples)."""
    clf = CASES[case_key]["kind"] == "classification"
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)

    def score(idx):
        t, p = y_true[idx], y_pred[idx]
        if clf:
            return float(np.mean(t == p))
        return float(1.0 - np.sum((t - p) ** 2) / np.sum((t - t.mean()) ** 2))

    rng = np.random.default_rng(0)
    n = len(y_true)
    boot = [score(rng.integers(0, n, n)) for _ in range(200)]
    return score(np.arange(n)), float(np.std(boot))


def _child_setup(libs):
    import warnings

    warnings.filterwarnings("ignore")  # ConvergenceWarning after 5 epochs is expected
    if any(lib in ("torch", "skorch") for lib in libs):
        import torch

        torch.set_num_threads(N_THREADS)


def run_round(case, libs, seed, epochs, quick, fit_check=False):
    """Child-process entry: train every library, their epochs interleaved.

    Epoch e of every library runs before epoch e + 1 of any (in an order
    rotated with e and the seed), so load changes on the shared machine hit
    all libraries alike. Returns per library: wall and CPU seconds of each
    epoch, test score and its bootstrap s.e., the dtype it trained in, and
    (``fit_check``) the wall time of one ``fit(max_iter=epochs)``.
    """
    from threadpoolctl import threadpool_limits

    _child_setup(libs)
    X, X_test, y, y_test = make_data(case, quick)
    out = {lib: {"wall": [], "cpu": [], "load": [os.getloadavg()[0]]} for lib in libs}
    with threadpool_limits(N_THREADS):
        trainers = {lib: make_trainer(lib, case, seed, epochs, X, y) for lib in libs}
        for e in range(epochs):
            k = (e + seed) % len(libs)
            for lib in libs[k:] + libs[:k]:
                w0, c0 = time.perf_counter(), time.process_time()
                trainers[lib].epoch()
                out[lib]["wall"].append(time.perf_counter() - w0)
                out[lib]["cpu"].append(time.process_time() - c0)
        for lib, tr in trainers.items():
            score, se = _score(case, y_test, tr.predict(X_test))
            out[lib].update(score=score, score_se=se, train_dtype=tr.train_dtype())
            out[lib]["load"].append(os.getloadavg()[0])
        if fit_check:
            for lib in libs:
                if lib in ("skreg", "sklearn"):
                    out[lib]["fit_seconds"] = _fit_seconds(
                        lib, case, seed, epochs, X, y
                    )
    return out


def run_memory(cases, lib, epochs, quick):
    """Child-process entry: peak RSS increase over the training of each case.

    Run with ``harness.MEMORY_ENV`` (freed buffers go back to the OS, so a
    case cannot reuse memory freed by the previous one unnoticed).
    """
    from threadpoolctl import threadpool_limits

    _child_setup([lib])
    # Every epoch allocates the same buffers: the peak is reached in the
    # first (optimizer state, layer buffers) and repeated by the second.
    epochs = min(epochs, MEMORY_EPOCHS)
    out = {}
    for case in cases:
        X, _, y, _ = make_data(case, quick)
        with threadpool_limits(N_THREADS):
            # One-time library costs (numba loading its cached kernels,
            # torch's lazy initialization) are paid on a throw-away model
            # first, so the figure is the memory that training itself needs.
            make_trainer(lib, case, 1, 1, X[: 2 * BATCH], y[: 2 * BATCH]).epoch()
            gc.collect()
            tr = make_trainer(lib, case, 0, epochs, X, y)

            def train(tr=tr):
                for _ in range(epochs):
                    tr.epoch()

            _, peak, method = H.rss_peak(train)
        out[case] = {"rss_peak": peak, "rss_method": method}
        del X, y, tr
        gc.collect()
    return out


# --------------------------------------------------------------------------
# the parent: availability, rounds, summary, markdown
# --------------------------------------------------------------------------
def availability():
    """{library: None if usable else the reason it is skipped}."""
    missing = {}
    try:
        mod = importlib.import_module("skreg.neural_network")
        ok = all(hasattr(mod, n) for n in ("MLPClassifier", "MLPRegressor"))
        missing["skreg"] = None if ok else "skreg.neural_network has no MLPs yet"
    except Exception as exc:  # a broken skreg must not stop the baselines
        missing["skreg"] = f"skreg import failed: {exc!r}"
    missing["sklearn"] = None
    for name in ("torch", "skorch"):
        ok = importlib.util.find_spec(name) is not None
        missing[name] = None if ok else f"{name} not installed"
    if missing["torch"] is not None and missing["skorch"] is None:
        missing["skorch"] = "torch not installed"
    return missing


@contextlib.contextmanager
def _environ(extra):
    old = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _child(function, kwargs, memory=False):
    extra = {**CHILD_ENV, **(MEMORY_ENV if memory else {})}
    with _environ(extra):
        return H.run_in_subprocess("bench_mlp", function, kwargs)


def collect(
    case_keys,
    libs_ok,
    repeats,
    epochs,
    quick,
    fit_check=True,
    deadline=None,
    log=print,
):
    """Interleaved timing rounds, then one memory run per library.

    ``deadline`` (a ``time.perf_counter()`` value): no new repeat starts after
    it (the first always runs), so a run on a loaded machine still finishes.
    """
    runs = {(c, lib): [] for c in case_keys for lib in CASES[c]["libs"]}
    errors = {}
    for r in range(repeats):
        if r > 0 and deadline is not None and time.perf_counter() > deadline:
            log(f"  time budget used up: stopping after {r} repeat(s)")
            break
        for c in case_keys:
            libs = [lib for lib in CASES[c]["libs"] if libs_ok[lib] is None]
            kw = {
                "case": c,
                "libs": libs,
                "seed": r,
                "epochs": epochs,
                "quick": quick,
                "fit_check": fit_check and r == 0,
            }
            res = _child("run_round", kw)
            if "error" in res:
                errors[(c, f"seed {r}")] = res["error"]
                log(f"  {c:8s} seed {r}: ERROR {res['error']}")
                continue
            for lib in libs:
                runs[(c, lib)].append(res[lib])
                ep = ", ".join(f"{t:.2f}" for t in res[lib]["wall"])
                log(
                    f"  {c:8s} {lib:8s} seed {r}: epochs [{ep}] s, "
                    f"score {res[lib]['score']:.4f}, load {res[lib]['load'][-1]:.1f}",
                    flush=True,
                )
            # raw results so far, in case the parent is interrupted
            partial = {f"{k[0]}/{k[1]}": v for k, v in runs.items()}
            H.save_json(partial, PARTIAL)
    return runs, errors


def collect_memory(case_keys, runs, epochs, quick, errors, log=print):
    """One fresh process per library measures the peak RSS of every case."""
    memory = {}
    for lib in dict.fromkeys(lib for (_, lib), rs in runs.items() if rs):
        cases = [c for c in case_keys if runs.get((c, lib))]
        kw = {"cases": cases, "lib": lib, "epochs": epochs, "quick": quick}
        res = _child("run_memory", kw, memory=True)
        if "error" in res:
            errors[(lib, "memory")] = res["error"]
            continue
        for c, r in res.items():
            memory[(c, lib)] = r["rss_peak"]
            log(
                f"  {c:8s} {lib:8s} peak RSS +{r['rss_peak'] / 2**20:.1f} MiB",
                flush=True,
            )
    return memory


def _median(x):
    return statistics.median(x) if x else float("nan")


def summarize(runs, memory, flops):
    table = {}
    for (c, lib), rs in runs.items():
        if not rs:
            continue
        later = [t for r in rs for t in r["wall"][1:]]
        later_cpu = [t for r in rs for t in r["cpu"][1:]]
        scores = [r["score"] for r in rs]
        std = statistics.stdev(scores) if len(scores) > 1 else 0.0
        med = _median(later)
        fit_s = [r["fit_seconds"] for r in rs if "fit_seconds" in r]
        table[(c, lib)] = {
            "epoch_median": med,
            "epoch_best": min(later) if later else float("nan"),
            "epoch_cpu_median": _median(later_cpu),
            "first_epoch": _median([r["wall"][0] for r in rs]),
            "fit_per_epoch": fit_s[0] / len(rs[0]["wall"]) if fit_s else None,
            "score_mean": float(np.mean(scores)),
            "score_std": std,
            "score_noise": max(std, _median([r["score_se"] for r in rs])),
            "scores": scores,
            "rss_peak": memory.get((c, lib)),
            "gflops": flops[c] / med / 1e9,
            "train_dtype": rs[0]["train_dtype"],
            "n_epochs_timed": len(later),
            "load": [x for r in rs for x in r["load"]],
        }
    return table


def paired_ratio(runs, c, lib_a, lib_b):
    """Median over (seed, epoch > 0) of the ratio of epoch times a / b."""
    ratios = [
        ta / tb
        for ra, rb in zip(
            runs.get((c, lib_a), []), runs.get((c, lib_b), []), strict=False
        )
        for ta, tb in zip(ra["wall"][1:], rb["wall"][1:], strict=False)
    ]
    return _median(ratios)


def _skip(c, name, libs_ok, base):
    why = libs_ok.get("skreg") or libs_ok.get(base) or "run failed"
    return {"case": c, "target": name, "measured": "n/a", "status": f"SKIP ({why})"}


def check_targets(table, runs, case_keys, libs_ok):
    """PASS/FAIL rows; the speed verdict uses the ratio of median epoch times."""
    checks = []
    for c, base, limit in SPEED_TARGETS:
        if c not in case_keys:
            continue
        name = f"epoch time skreg / {base} <= {limit}"
        me, other = table.get((c, "skreg")), table.get((c, base))
        if me is None or other is None:
            checks.append(_skip(c, name, libs_ok, base))
            continue
        ratio = me["epoch_median"] / other["epoch_median"]
        paired = paired_ratio(runs, c, "skreg", base)
        best = me["epoch_best"] / other["epoch_best"]
        cpu = me["epoch_cpu_median"] / other["epoch_cpu_median"]
        measured = (
            f"{ratio:.2f}x (paired {paired:.2f}x, best {best:.2f}x, CPU {cpu:.2f}x)"
        )
        checks.append(
            {
                "case": c,
                "target": name,
                "measured": measured,
                "status": "PASS" if ratio <= limit else "FAIL",
            }
        )
    for c, base in ACCURACY_TARGETS:
        if c not in case_keys:
            continue
        metric = "accuracy" if CASES[c]["kind"] == "classification" else "R²"
        name = f"test {metric} within noise of {base}"
        me, other = table.get((c, "skreg")), table.get((c, base))
        if me is None or other is None:
            checks.append(_skip(c, name, libs_ok, base))
            continue
        diff = me["score_mean"] - other["score_mean"]
        tol = 2 * float(np.hypot(me["score_noise"], other["score_noise"]))
        measured = (
            f"{me['score_mean']:.4f} vs {other['score_mean']:.4f} "
            f"(diff {diff:+.4f}, bound {tol:.4f})"
        )
        checks.append(
            {
                "case": c,
                "target": name,
                "measured": measured,
                "status": "PASS" if abs(diff) <= tol else "FAIL",
            }
        )
    return checks


COLUMNS = [
    "case",
    "library",
    "s/epoch",
    "best",
    "CPU s/epoch",
    "1st epoch",
    "fit()/5",
    "peak RSS",
    "test score",
    "GFLOP/s",
    "% sgemm",
]


def _row(c, lib, t, sgemm):
    metric = "acc" if CASES[c]["kind"] == "classification" else "R²"
    dtype = "" if t["train_dtype"] == "float32" else f" ({t['train_dtype']}!)"
    fit = t["fit_per_epoch"]
    rss = t["rss_peak"]
    return {
        "case": c,
        "library": lib + dtype,
        "s/epoch": f"{t['epoch_median']:.3f}",
        "best": f"{t['epoch_best']:.3f}",
        "CPU s/epoch": f"{t['epoch_cpu_median']:.3f}",
        "1st epoch": f"{t['first_epoch']:.3f}",
        "fit()/5": "" if fit is None else f"{fit:.3f}",
        "peak RSS": "n/a" if rss is None else "+" + H.fmt_bytes(rss),
        "test score": f"{metric} {t['score_mean']:.4f}"
        + (f" ± {t['score_std']:.4f}" if len(t["scores"]) > 1 else ""),
        "GFLOP/s": f"{t['gflops']:.1f}",
        "% sgemm": f"{100 * t['gflops'] / sgemm:.0f}%",
    }


def render(case_keys, table, checks, env, extra, argv, quick):
    rows = []
    for c in case_keys:
        for lib in CASES[c]["libs"]:
            t = table.get((c, lib))
            if t is None:
                why = extra["availability"].get(lib) or "run failed (see errors)"
                rows.append({"case": c, "library": lib, "s/epoch": f"skipped: {why}"})
            else:
                rows.append(_row(c, lib, t, extra["sgemm_gflops"]))
    n_train, n_test = sizes(quick)
    reps = ", ".join(f"`{c}` {n}" for c, n in extra["repeats"].items())
    gf = ", ".join(f"`{c}` {extra['flops_per_epoch'][c] / 1e9:.1f}" for c in case_keys)
    lines = [
        "### MLP results" + (" (--quick)" if quick else ""),
        "",
        f"Command: `{argv}`",
        "",
        H.environment_markdown(env),
        f"- children: {CHILD_ENV}, threadpoolctl limit {N_THREADS}, "
        f"torch.set_num_threads({N_THREADS})",
        f"- float32 sgemm 4096³, {N_THREADS} threads (numpy, best of 5): "
        f"{extra['sgemm_gflops']:.0f} GFLOP/s at start, "
        f"{extra['sgemm_gflops_end']:.0f} at end (% sgemm uses the start "
        f"figure); batch-shaped 256³: {extra['sgemm_small_gflops']:.0f} GFLOP/s",
        f"- load average (1 min) seen by the children: "
        f"{extra['load_min']:.1f} to {extra['load_max']:.1f} on 2 cores",
        f"- repeats (seeds) per case: {reps}; {extra['epochs']} epochs each, "
        f"epochs of all libraries interleaved; {n_train} training rows, "
        f"{n_test} test rows; matmul GFLOP per epoch: {gf}; total "
        f"{extra['seconds']:.0f} s",
        "",
        "Cases: " + "; ".join(f"`{c}`: {CASES[c]['title']}" for c in case_keys),
        "",
        H.markdown_table(rows, COLUMNS),
        "",
        "s/epoch: median wall time over every epoch but each process's first; "
        "best: fastest such epoch; CPU s/epoch: median process CPU time (both "
        "threads); 1st epoch: median over repeats (fresh process); fit()/5: one "
        "`fit(max_iter=5)` / 5 (includes the first epoch); peak RSS: "
        f"resident-set increase during {MEMORY_EPOCHS} training epochs (after "
        "a throw-away warm-up model); test score: mean "
        "± std over seeds (one seed: no std).",
        "",
        "Targets (speed verdict on the ratio of median epoch times; paired = "
        "median of per-epoch ratios within a process; accuracy bound = "
        "2 sqrt(s_a² + s_b²), s = seed std floored by the bootstrap s.e.):",
        "",
        H.markdown_table(checks, ["case", "target", "measured", "status"]),
        "",
    ]
    if extra["errors"]:
        lines += ["Errors:", ""]
        lines += [f"- {k}: {v}" for k, v in extra["errors"].items()]
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    global N_THREADS, CHILD_ENV
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small data, smoke test")
    p.add_argument("--cases", nargs="*", choices=list(CASES), help="default: all")
    p.add_argument(
        "--repeat", type=int, default=None, help="repeats (seeds); default 3, --quick 1"
    )
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument(
        "--threads",
        "--blas-threads",
        type=int,
        default=N_THREADS,
        help="BLAS/torch threads (default 2, the issue's setting)",
    )
    p.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="start no new repeat after this many minutes (loaded machines)",
    )
    p.add_argument(
        "--no-fit-check", action="store_true", help="skip the fit(max_iter=5) timing"
    )
    p.add_argument(
        "--resume",
        default=None,
        metavar="PARTIAL_JSON",
        help="skip the timing rounds: take them from the raw results an "
        f"interrupted run saved ({PARTIAL.name}), then measure memory and report",
    )
    p.add_argument("--out", default=None, help="markdown output file")
    p.add_argument("--json", default=None, help="JSON output file")
    args = p.parse_args(argv)
    N_THREADS, CHILD_ENV = args.threads, _child_env(args.threads)
    case_keys = args.cases or list(CASES)
    repeats = args.repeat or (1 if args.quick else 3)
    t_start = time.perf_counter()

    env = H.environment(["torch", "skorch", "psutil"])
    libs_ok = availability()
    for lib, why in libs_ok.items():
        if why:
            print(f"skipping {lib}: {why}")
    sgemm = sgemm_rate()
    small = sgemm_rate(n=256, repeat=200)
    print(
        f"float32 sgemm: {sgemm:.0f} GFLOP/s (4096³), {small:.0f} GFLOP/s (256³)",
        flush=True,
    )
    n_train, _ = sizes(args.quick)
    flops = {
        c: matmul_flops_per_epoch(n_train, CASES[c]["n_features"], HIDDEN, n_outputs(c))
        for c in case_keys
    }
    deadline = None if args.max_minutes is None else t_start + 60 * args.max_minutes
    if args.resume:
        with open(args.resume) as f:
            runs = {tuple(k.split("/")): v for k, v in json.load(f).items()}
        runs = {k: v for k, v in runs.items() if k[0] in case_keys}
        errors = {}
    else:
        runs, errors = collect(
            case_keys,
            libs_ok,
            repeats,
            args.epochs,
            args.quick,
            fit_check=not args.no_fit_check,
            deadline=deadline,
        )
    memory = collect_memory(case_keys, runs, args.epochs, args.quick, errors)
    sgemm_end = sgemm_rate()
    env["load_avg_end"] = os.getloadavg()
    table = summarize(runs, memory, flops)
    checks = check_targets(table, runs, case_keys, libs_ok)
    loads = [x for t in table.values() for x in t["load"]] or [float("nan")]
    extra = {
        "availability": libs_ok,
        "errors": {"/".join(map(str, k)): v for k, v in errors.items()},
        "sgemm_gflops": sgemm,
        "sgemm_gflops_end": sgemm_end,
        "sgemm_small_gflops": small,
        "load_min": min(loads),
        "load_max": max(loads),
        "repeats": {
            c: max((len(v) for k, v in runs.items() if k[0] == c), default=0)
            for c in case_keys
        },
        "epochs": args.epochs,
        "seconds": time.perf_counter() - t_start,
        "flops_per_epoch": flops,
    }
    cmd = " ".join(["python", "benchmarks/bench_mlp.py", *(argv or sys.argv[1:])])
    md = render(case_keys, table, checks, env, extra, cmd, args.quick)
    print("\n" + md)
    stem = "bench_mlp" + ("_quick" if args.quick else "")
    out = Path(args.out) if args.out else H.BENCH_DIR / "results" / f"{stem}.md"
    js = Path(args.json) if args.json else out.with_suffix(".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    H.save_json(
        {
            "env": env,
            "extra": extra,
            "table": {f"{c}/{lib}": v for (c, lib), v in table.items()},
            "checks": checks,
            "runs": {f"{c}/{lib}": v for (c, lib), v in runs.items()},
        },
        js,
    )
    print(f"\nwrote {out} and {js}")


if __name__ == "__main__":
    main()
