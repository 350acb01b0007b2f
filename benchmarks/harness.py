"""Shared helpers for the skreg benchmark scripts.

Everything a benchmark needs besides the cases themselves:

* ``time_interleaved``: median wall time of several calls after warm-up
  call(s), for several competitors in round-robin order (so that the
  machine's drift is shared between them).
* ``traced_peak``: peak of the memory traced by :mod:`tracemalloc` during one
  call. NumPy registers every array buffer with tracemalloc, so this counts the
  numpy/scipy arrays a fit allocates (copies of X, Gram matrices, residuals). It
  does NOT see memory allocated by numba's runtime (``np.empty`` inside an
  ``njit`` function), BLAS/LAPACK workspaces or C++ extension code (liblinear).
* ``rss_peak``: peak resident-set-size increase of the current process during
  one call. On Linux the kernel high-water mark ``VmHWM`` is reset through
  ``/proc/self/clear_refs`` just before the call, so the figure is
  ``VmHWM(after) - VmRSS(before)``: every allocation, whatever the allocator.
  It is only meaningful in a fresh process (``run_in_subprocess``), where pages
  freed earlier are not recycled by the allocator. If the reset is not possible
  a 5 ms sampling thread is used instead (documented in the result).
* ``run_in_subprocess``: call ``module:function(**kwargs)`` in a fresh
  ``python -c`` process and return its JSON result; used for cold start (first
  call in a new process, numba cache warm) and for the RSS measurement.
* ``environment``: versions, threadpoolctl info, cores, load average.
* ``markdown_table`` and small formatters.
* ``tune_tol``: search the solver tolerance downwards until the relative
  objective suboptimality reaches the target (equal-accuracy comparisons).

The helpers do not depend on skreg; they are plain functions so that every
benchmark script (linear models, logistic, MLP) uses the same method.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULT_MARK = "@@SKREG_BENCH_RESULT@@"

# Environment variables that change BLAS speed; the scripts must be run without
# the machine-specific OpenBLAS overrides (see benchmarks/README.md).
_BLAS_ENV = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


# --------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------
@dataclass
class Timing:
    """Wall times of repeated calls (seconds) and the last call's result."""

    times: list[float]
    warmup_times: list[float]
    result: Any = field(default=None, repr=False)

    @property
    def median(self) -> float:
        s = sorted(self.times)
        m = len(s) // 2
        return s[m] if len(s) % 2 else 0.5 * (s[m - 1] + s[m])

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the measurement was."""
        return (max(self.times) - min(self.times)) / max(self.median, 1e-12)

    def as_dict(self) -> dict:
        return {
            "median": self.median,
            "best": self.best,
            "times": list(self.times),
            "warmup_times": list(self.warmup_times),
        }


def time_interleaved(
    fns: dict[str, Callable[[], Any]],
    n_repeat: int = 5,
    n_warmup: int = 1,
    max_total: float | None = None,
    repeats: dict[str, int] | None = None,
    settle: float = 0.25,
) -> dict[str, Timing]:
    """Time several callables in rounds: one call of each per round.

    Ratios between competitors are what the benchmarks report, and this
    machine's speed drifts by tens of percent over minutes: timing each
    competitor in its own block lets a slow minute land on one of them only.
    Round-robin calls share the drift. ``repeats`` caps the timed calls of
    some callables (slow solvers: 1, no warm-up); ``max_total`` caps each
    callable's timed seconds (slow competitors are then timed fewer times,
    at least 3, instead of blocking the run for minutes).
    Each timed call starts after ``settle`` idle seconds: BLAS thread pools
    spin-wait for a while after a call, and the previous competitor's
    spinning threads would otherwise slow the next one's start.
    """
    repeats = repeats or {}
    wanted = {k: repeats.get(k, n_repeat) for k in fns}
    timings = {k: Timing(times=[], warmup_times=[]) for k in fns}
    for key, fn in fns.items():
        for _ in range(n_warmup if wanted[key] == n_repeat else 0):
            t0 = time.perf_counter()
            timings[key].result = fn()
            timings[key].warmup_times.append(time.perf_counter() - t0)
    for _ in range(max(wanted.values(), default=0)):
        for key, fn in fns.items():
            tm = timings[key]
            done = len(tm.times)
            if done >= wanted[key] or (
                max_total is not None and done >= min(3, wanted[key])
                and sum(tm.times) > max_total
            ):
                continue
            gc.collect()
            time.sleep(settle)
            t0 = time.perf_counter()
            tm.result = fn()
            tm.times.append(time.perf_counter() - t0)
    return timings

# --------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------
def traced_peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn()`` once under tracemalloc; return (result, peak traced bytes).

    The peak is relative to the traced memory at the start of the call, i.e.
    what the call itself allocated at its worst moment (numpy buffers and
    Python objects; not numba-runtime, BLAS or C++ allocations).
    """
    gc.collect()
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return result, max(0, peak - base)


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _current_rss() -> int:
    rss = _status_kb("VmRSS")
    if rss is not None:
        return rss
    import psutil  # fallback for non-Linux systems

    return psutil.Process().memory_info().rss


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def rss_peak(fn: Callable[[], Any]) -> tuple[Any, int, str]:
    """Run ``fn()`` once; return (result, peak RSS increase in bytes, method).

    Use in a fresh process (see ``run_in_subprocess``). ``method`` is
    ``"VmHWM"`` (exact kernel high-water mark) or ``"sampled"`` (5 ms polling
    thread, may miss short spikes).
    """
    gc.collect()
    base = _current_rss()
    if _reset_hwm() and _status_kb("VmHWM") is not None:
        result = fn()
        peak = _status_kb("VmHWM")
        return result, max(0, peak - base), "VmHWM"

    peak = [base]
    stop = threading.Event()

    def poll():
        while not stop.is_set():
            peak[0] = max(peak[0], _current_rss())
            time.sleep(0.005)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    try:
        result = fn()
    finally:
        stop.set()
        th.join()
    peak[0] = max(peak[0], _current_rss())
    return result, max(0, peak[0] - base), "sampled"


def nbytes(X) -> int:
    """Memory held by a dense array or a scipy sparse matrix (data + indices)."""
    if hasattr(X, "nbytes"):
        return int(X.nbytes)
    total = 0
    for name in ("data", "indices", "indptr"):
        arr = getattr(X, name, None)
        if arr is not None:
            total += arr.nbytes
    return total


# --------------------------------------------------------------------------
# fresh-process runs (cold start, RSS)
# --------------------------------------------------------------------------
def run_in_subprocess(
    module: str,
    function: str,
    kwargs: dict | None = None,
    python: str | None = None,
    timeout: float = 1800,
    extra_path: Sequence[str | os.PathLike] = (),
    env: dict | None = None,
) -> dict:
    """Call ``module.function(**kwargs)`` in a fresh ``python -c`` process.

    ``module`` is imported with ``benchmarks/`` (and ``extra_path``) on
    ``sys.path``, so ``"bench_linear"`` works. ``kwargs`` must be
    JSON-serialisable, and the function must return a JSON-serialisable dict.
    The child inherits the current environment (run the parent under
    ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE``); ``env`` adds or
    overrides variables (e.g. ``MALLOC_MMAP_THRESHOLD_`` for RSS
    measurements, see ``MEMORY_ENV``). Returns the dict, or
    ``{"error": "..."}`` if the child failed.
    """
    paths = [str(BENCH_DIR), *map(str, extra_path)]
    code = (
        "import json, sys\n"
        f"sys.path[:0] = {paths!r}\n"
        f"from {module} import {function} as _f\n"
        f"_r = _f(**json.loads({json.dumps(json.dumps(kwargs or {}))}))\n"
        f"print({RESULT_MARK!r} + json.dumps(_r), flush=True)\n"
    )
    try:
        proc = subprocess.run(
            [python or sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=None if env is None else {**os.environ, **env},
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


# For RSS measurements: a fixed glibc mmap threshold (which also disables its
# dynamic adjustment) makes every allocation above 64 KiB its own mapping,
# returned to the OS when freed. Memory freed by an earlier (warm-up) call can
# then not be silently reused, so the VmHWM increase of the measured call counts
# all of its large buffers.
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "65536"}


def median_of_runs(run: Callable[[], dict], key: str, n_runs: int) -> dict:
    """Call ``run`` ``n_runs`` times; return the result with the median ``key``.

    The returned dict also lists every run's value under ``key + "s"``. A
    failed run (no ``key``) is returned as soon as it happens.
    """
    results = []
    for _ in range(n_runs):
        res = run()
        if key not in res:
            return res
        results.append(res)
    results.sort(key=lambda res: res[key])
    median = dict(results[(len(results) - 1) // 2])
    median[key + "s"] = [res[key] for res in results]
    return median


def first_call(fn: Callable[[], Any]) -> dict:
    """Time and RSS-measure the first call of ``fn`` in this (fresh) process.

    Meant to be called inside ``run_in_subprocess``; returns a JSON-ready dict
    ``{"first_call": s, "rss_peak": bytes, "rss_method": ...}``.
    """
    t0 = time.perf_counter()
    _, peak, method = rss_peak(fn)
    return {
        "first_call": time.perf_counter() - t0,
        "rss_peak": peak,
        "rss_method": method,
    }


# --------------------------------------------------------------------------
# equal accuracy
# --------------------------------------------------------------------------
def rel_subopt(obj: float, ref: float) -> float:
    """Relative objective suboptimality ``(obj - ref) / |ref|`` (>= 0 ideally)."""
    return (obj - ref) / max(abs(ref), 1e-300)


DEFAULT_TOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-14)


def tune_tol(
    subopt_at: Callable[[float], float],
    target: float = 1e-8,
    tols: Sequence[float] = DEFAULT_TOLS,
    max_seconds: float | None = None,
    patience: int = 2,
) -> dict:
    """Largest tol in ``tols`` (tried from loose to tight) that reaches ``target``.

    ``subopt_at(tol)`` fits with that tolerance and returns the achieved
    relative suboptimality (for a path: the worst one over the alphas).
    The search stops at the first tol that reaches the target, after
    ``max_seconds``, or when ``patience`` successively tighter tols did not
    lower the suboptimality (the solver is limited by something else, e.g.
    its ``max_iter``).
    Returns ``{"tol", "subopt", "reached", "trials"}`` where ``trials``
    lists every ``(tol, subopt)`` tried; when no tol reaches the target, the
    tightest one tried is returned with ``reached=False``.
    """
    trials = []
    stalled = 0
    t_start = time.perf_counter()
    for tol in tols:
        sub = float(subopt_at(tol))
        trials.append((tol, sub))
        if sub <= target:
            return {"tol": tol, "subopt": sub, "reached": True, "trials": trials}
        if max_seconds is not None and time.perf_counter() - t_start > max_seconds:
            break
        stalled = stalled + 1 if len(trials) > 1 and sub >= 0.9 * trials[-2][1] else 0
        if stalled >= patience:
            break  # no progress from tighter tols (e.g. max_iter reached)
    tol, sub = trials[-1]
    return {"tol": tol, "subopt": sub, "reached": False, "trials": trials}


# --------------------------------------------------------------------------
# environment
# --------------------------------------------------------------------------
def _version(name: str) -> str:
    try:
        mod = importlib.import_module(name)
    except Exception:
        return "not installed"
    return str(getattr(mod, "__version__", "?"))


def environment(packages: Sequence[str] = ()) -> dict:
    """Versions, BLAS/OpenMP thread pools, cores, load, relevant env vars."""
    env: dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "env": {k: os.environ.get(k) for k in _BLAS_ENV if k in os.environ},
    }
    try:
        env["sched_affinity"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        import psutil

        env["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
        env["cpu_count_physical"] = psutil.cpu_count(logical=False)
    except ImportError:
        pass
    try:  # which skreg code was measured
        env["git_commit"] = (
            subprocess.run(
                ["git", "-C", str(BENCH_DIR), "describe", "--always", "--dirty"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        env["git_commit"] = None
    base = ["numpy", "scipy", "sklearn", "numba", "skreg", "threadpoolctl"]
    env["versions"] = {p: _version(p) for p in dict.fromkeys([*base, *packages])}
    try:
        import numpy  # noqa: F401  (load BLAS so threadpoolctl sees it)
        from threadpoolctl import threadpool_info

        env["threadpools"] = [
            {
                k: info.get(k)
                for k in (
                    "user_api",
                    "internal_api",
                    "version",
                    "num_threads",
                    "architecture",
                )
            }
            for info in threadpool_info()
        ]
    except ImportError:
        env["threadpools"] = "threadpoolctl not installed"
    return env


def environment_markdown(env: dict) -> str:
    """Render ``environment()`` as a short markdown bullet list."""
    lines = [
        f"- date (UTC): {env['date_utc']}",
        f"- machine: {env['platform']}, {env['processor']}, "
        f"{env.get('cpu_count')} logical cores"
        + (f", {env['memory_gib']} GiB RAM" if "memory_gib" in env else ""),
    ]
    if env.get("load_avg") is not None:
        la = ", ".join(f"{x:.2f}" for x in env["load_avg"])
        lines.append(f"- load average at start (1/5/15 min): {la}")
    if env.get("load_avg_end") is not None:
        la = ", ".join(f"{x:.2f}" for x in env["load_avg_end"])
        lines.append(f"- load average at end (1/5/15 min): {la}")
    if env.get("git_commit"):
        lines.append(f"- skreg commit: {env['git_commit']}")
    lines.append(
        "- versions: "
        + ", ".join(f"{k} {v}" for k, v in env["versions"].items())
        + f", python {env['python']}"
    )
    pools = env.get("threadpools")
    if isinstance(pools, list):
        for p in pools:
            lines.append(
                f"- threadpool: {p.get('internal_api')} {p.get('version')} "
                f"({p.get('user_api')}, {p.get('num_threads')} threads, "
                f"{p.get('architecture')})"
            )
    lines.append(f"- BLAS/thread env vars set: {env.get('env') or 'none'}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------
def fmt_time(t: float | None) -> str:
    if t is None:
        return "n/a"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def fmt_bytes(b: float | None) -> str:
    if b is None:
        return "n/a"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= scale:
            return f"{b / scale:.1f} {unit}"
    return f"{b:.0f} B"


def fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}x"


def fmt_sci(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1e}"


def markdown_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """Render ``rows`` (dicts of already formatted cells) as a markdown table.

    Missing cells print as an empty string; ``|`` inside a cell is escaped.
    """

    def cell(v):
        return "" if v is None else str(v).replace("|", "\\|")

    out = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        out.append("| " + " | ".join(cell(row.get(c)) for c in columns) + " |")
    return "\n".join(out)


def save_json(obj: Any, path: str | os.PathLike) -> None:
    """Write results as JSON (numpy scalars converted)."""

    def default(o):
        if hasattr(o, "item"):
            return o.item()
        if hasattr(o, "tolist"):
            return o.tolist()
        return str(o)

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, default=default)
