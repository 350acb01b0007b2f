"""Equal-accuracy benchmark runner shared by bench_linear.py and bench_logistic.py.

A *case* is a data set plus an objective (``evaluate``) and a list of
*solvers* (skreg, scikit-learn solvers, skglm/celer). For every case:

1. a reference objective is computed from the solvers that declare a tight
   tolerance (``tight_tol``); the reference is then kept as the element-wise
   minimum of every objective value seen during the run (all are upper bounds
   of the optimum), so no solver can be better than it;
2. each solver's ``tol`` is searched from loose to tight (``harness.tune_tol``)
   until its relative suboptimality ``(P - P*) / |P*|`` is <= target (1e-8);
   for a path the worst alpha counts;
3. at that tol it is timed (median of several fits after one warm-up), its
   traced peak memory is measured, and two fresh processes measure the first
   fit (cold start, numba cache warm) and the peak RSS increase of a fit;
4. suboptimalities are recomputed against the final reference, ratios to the
   fastest scikit-learn solver and to the fastest of skglm/celer are formed,
   and the case's targets are checked.

A bench module exposes ``make_cases(quick) -> list[Case]`` and
``cold_run = suite.cold_run_for(make_cases)`` so that fresh processes can
rebuild a case by name.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import harness as H
import numpy as np

TARGET_SUBOPT = 1e-8
# fresh processes per cold-start figure of skreg and the first sklearn solver
COLD_RUNS = 3


@dataclass
class Solver:
    name: str
    group: str  # "skreg", "sklearn" or "rival" (skglm / celer)
    fit: Callable[[dict, float], Any]  # (data, tol) -> output for evaluate
    imports: Sequence[str] = ()  # modules the solver needs (import time, availability)
    tols: Sequence[float] = H.DEFAULT_TOLS
    tight_tol: float | None = None  # when set, used for the reference objective
    requires: Callable[[], str | None] | None = None  # extra availability check
    note: str = ""
    # slow solvers (e.g. saga to 1e-8): one timed fit after the tuning fits (which
    # serve as warm-up), no fresh-process or memory runs, to keep the run short
    slow: bool = False
    tune_budget: float | None = None  # seconds; overrides the runner's budget

    def missing(self) -> str | None:
        for mod in self.imports:
            try:
                importlib.import_module(mod)
            except Exception as exc:  # ImportError, or a broken package
                return f"{mod} not available ({type(exc).__name__})"
        if self.requires is not None:
            return self.requires()
        return None


@dataclass
class Target:
    kind: str  # "sklearn", "rival", "cold", "memory"
    limit: float
    label: str
    layouts: Sequence[str] = ()  # memory targets: X layouts to measure
    solver: str | None = None  # ratio targets: compare with this solver, not the
    # fastest of the group


@dataclass
class Case:
    key: str
    title: str
    load: Callable[[], dict]
    evaluate: Callable[[dict, Any], dict]  # -> {"obj": float|array, "gap": float|None}
    solvers: list[Solver]
    targets: list[Target] = field(default_factory=list)
    small: Callable[[dict], dict] | None = None  # warm-up data for memory runs
    x_bytes: Callable[[dict], int] = lambda d: H.nbytes(d["X"])
    describe: Callable[[dict, Any], str] | None = None  # e.g. "nnz=123"


def has_attr(module: str, *names: str) -> Callable[[], str | None]:
    """Availability check: ``module`` exposes all ``names`` (e.g. skreg.Lasso)."""

    def check():
        mod = importlib.import_module(module)
        absent = [n for n in names if not hasattr(mod, n)]
        return f"{module}.{', '.join(absent)} not available" if absent else None

    return check


def _worst(sub) -> float:
    return float(np.max(sub))


def _rel(obj, ref):
    obj = np.asarray(obj, dtype=float)
    ref = np.asarray(ref, dtype=float)
    return (obj - ref) / np.maximum(np.abs(ref), 1e-300)


# --------------------------------------------------------------------------
# fresh-process entry point
# --------------------------------------------------------------------------
def cold_run_for(make_cases: Callable[[bool], list[Case]]):
    """Build the ``cold_run`` function a bench module exposes to subprocesses."""

    def cold_run(case, solver, tol, quick, mode, layout="F"):
        cases = {c.key: c for c in make_cases(quick)}
        spec = next(s for s in cases[case].solvers if s.name == solver)
        t0 = time.perf_counter()
        for mod in spec.imports:
            importlib.import_module(mod)
        import_time = time.perf_counter() - t0
        data = cases[case].load()
        if layout == "C" and not hasattr(data["X"], "tocsc"):
            data = {**data, "X": np.ascontiguousarray(data["X"])}
        warnings.simplefilter("ignore")
        if mode == "cold":
            res = H.first_call(lambda: spec.fit(data, tol))
            res["import_time"] = import_time
            return res
        # memory: warm up (JIT, caches) on a small slice, then measure a fit
        small = cases[case].small
        spec.fit(small(data) if small else data, tol)
        _, peak, method = H.rss_peak(lambda: spec.fit(data, tol))
        return {"rss_peak": peak, "rss_method": method}

    return cold_run


# --------------------------------------------------------------------------
# the runner
# --------------------------------------------------------------------------
def run_case(
    case: Case,
    module: str,
    quick: bool,
    n_repeat: int = 5,
    target: float = TARGET_SUBOPT,
    tune_budget: float = 300.0,
    time_budget: float = 60.0,
    log=None,
) -> dict:
    """Run one case; return a JSON-ready dict with one entry per solver."""
    warnings.simplefilter("ignore")
    log = log or (lambda *a: print(*a, flush=True))
    log(f"\n== {case.title}")
    t_case = time.perf_counter()
    data = case.load()
    x_bytes = case.x_bytes(data)
    seen: list[np.ndarray] = []

    def ref():
        return np.minimum.reduce(seen)

    def evaluate(out):
        ev = case.evaluate(data, out)
        seen.append(np.atleast_1d(np.asarray(ev["obj"], dtype=float)))
        return ev

    results: dict[str, dict] = {}
    for s in case.solvers:
        why = s.missing()
        results[s.name] = {"name": s.name, "group": s.group, "note": s.note}
        if why:
            results[s.name]["missing"] = why
            log(f"   {s.name}: skipped, {why}")

    available = [s for s in case.solvers if "missing" not in results[s.name]]
    first_sklearn = next(
        (s for s in available if s.group == "sklearn" and not s.slow), None
    )

    # 1. reference objective
    for s in available:
        if s.tight_tol is None:
            continue
        try:
            t0 = time.perf_counter()
            evaluate(s.fit(data, s.tight_tol))
            log(
                f"   reference from {s.name} (tol={s.tight_tol:g}) "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        except Exception as exc:
            log(f"   reference from {s.name} failed: {exc!r}")

    # 2. per solver: the loosest tolerance that reaches the target
    tuned_tols: dict[str, float] = {}
    for s in available:
        r = results[s.name]
        try:
            def subopt_at(tol, s=s):
                ev = evaluate(s.fit(data, tol))
                return _worst(_rel(ev["obj"], ref()))

            if not s.slow:  # warm-up (JIT compilation, caches) outside the budget
                evaluate(s.fit(data, s.tols[0]))
            budget = s.tune_budget if s.tune_budget is not None else tune_budget
            tuned = H.tune_tol(
                subopt_at,
                target,
                s.tols,
                max_seconds=budget,
                patience=1 if s.slow else 2,
            )
            r["tol"] = tuned_tols[s.name] = tuned["tol"]
            r["trials"] = tuned["trials"]
            r["tuned_subopt"] = tuned["subopt"]
        except Exception as exc:
            r["error"] = f"{type(exc).__name__}: {exc}"
            log(f"   {s.name}: ERROR {r['error']}")
            traceback.print_exc(file=sys.stderr)

    # 3. timings, one call of each solver per round (the ratios then share
    # the machine's drift), then first calls and memory in fresh processes
    timed = [s for s in available if s.name in tuned_tols]
    timings = H.time_interleaved(
        {s.name: (lambda s=s: s.fit(data, tuned_tols[s.name])) for s in timed},
        n_repeat=n_repeat,
        max_total=time_budget,
        repeats={s.name: 1 for s in timed if s.slow},
    )
    for s in timed:
        r = results[s.name]
        tol = tuned_tols[s.name]
        try:
            timing = timings[s.name]
            r["timing"] = timing.as_dict()
            ev = evaluate(timing.result)
            r["obj"] = np.atleast_1d(ev["obj"]).tolist()
            r["gap"] = ev.get("gap")
            if case.describe is not None:
                r["describe"] = case.describe(data, timing.result)
            r["cold"] = {"error": "skipped (slow solver)"}
            r["memory"] = {"F": {"error": "skipped (slow solver)"}}
            if not s.slow:
                _, r["traced_peak"] = H.traced_peak(
                    lambda s=s, tol=tol: s.fit(data, tol)
                )
                kw = {"case": case.key, "solver": s.name, "tol": tol, "quick": quick}
                # fresh processes cost an import (and skglm a JIT compilation)
                # each: cold start for skreg, the first (default) sklearn solver
                # and skglm/celer; RSS for skreg and that sklearn solver.
                primary = s.group == "skreg" or s is first_sklearn
                if primary or s.group == "rival":
                    # a single fresh process is noisy (0.25-0.41 s apart for
                    # the same skreg fit): the targets take the median of 3
                    r["cold"] = H.median_of_runs(
                        lambda kw=kw: H.run_in_subprocess(
                            module, "cold_run", {**kw, "mode": "cold"}
                        ),
                        key="first_call",
                        n_runs=COLD_RUNS if primary else 1,
                    )
                else:
                    r["cold"] = {"error": "not measured (secondary solver)"}
                layouts = ["F"] if primary else []
                if s.group == "skreg":
                    for tg in case.targets:
                        layouts += [lay for lay in tg.layouts if lay not in layouts]
                if not primary:
                    r["memory"] = {"F": {"error": "not measured (see traced peak)"}}
                for lay in layouts:
                    r["memory"][lay] = H.run_in_subprocess(
                        module,
                        "cold_run",
                        {**kw, "mode": "memory", "layout": lay},
                        env=H.MEMORY_ENV,
                    )
            log(
                f"   {s.name}: tol={tol:g} median {H.fmt_time(timing.median)} "
                f"(n={len(timing.times)}), subopt {r['tuned_subopt']:.1e}, "
                f"cold {r['cold']}"
            )
        except Exception as exc:
            r["error"] = f"{type(exc).__name__}: {exc}"
            log(f"   {s.name}: ERROR {r['error']}")
            traceback.print_exc(file=sys.stderr)

    # 4. final suboptimalities against the final reference
    final_ref = ref() if seen else None
    for r in results.values():
        if "obj" in r:
            r["subopt"] = _worst(_rel(r["obj"], final_ref))
            r["reached"] = r["subopt"] <= target
    summary = summarize(case, results, x_bytes)
    summary["seconds"] = time.perf_counter() - t_case
    return summary


def _median(r):
    return r["timing"]["median"] if "timing" in r else None


def _best(results, group):
    """Fastest solver of a group among those that reached the target.

    If none reached it, the fastest of the group anyway (flagged).
    """
    rs = [r for r in results.values() if r["group"] == group and "timing" in r]
    if not rs:
        return None, False
    ok = [r for r in rs if r.get("reached")]
    pool = ok or rs
    return min(pool, key=_median), bool(ok)


def summarize(case: Case, results: dict, x_bytes: int) -> dict:
    sk, sk_ok = _best(results, "sklearn")
    rv, rv_ok = _best(results, "rival")
    for r in results.values():
        t = _median(r)
        r["vs_sklearn"] = t / _median(sk) if t is not None and sk else None
        r["vs_rival"] = t / _median(rv) if t is not None and rv else None
    checks = []
    me = next((r for r in results.values() if r["group"] == "skreg"), None)
    for tg in case.targets:
        checks.append(_check(tg, me, sk, sk_ok, rv, rv_ok, results, x_bytes))
    return {
        "key": case.key,
        "title": case.title,
        "x_bytes": x_bytes,
        "solvers": list(results.values()),
        "targets": checks,
        "best_sklearn": sk["name"] if sk else None,
        "best_rival": rv["name"] if rv else None,
    }


def _check(tg, me, sk, sk_ok, rv, rv_ok, results, x_bytes):
    out = {"case": None, "target": tg.label, "measured": "n/a", "status": "n/a"}
    if me is None or "timing" not in me:
        why = (me or {}).get("missing") or (me or {}).get("error") or "skreg missing"
        out["measured"] = f"skreg not measured ({why})"
        return out
    acc = (
        "" if me.get("reached") else f" (skreg subopt {me.get('subopt', 0):.1e} > 1e-8)"
    )
    if tg.kind in ("sklearn", "rival"):
        other, other_ok = (sk, sk_ok) if tg.kind == "sklearn" else (rv, rv_ok)
        if tg.solver is not None:
            other = results.get(tg.solver)
            other = other if other and "timing" in other else None
            other_ok = bool(other and other.get("reached"))
        if other is None:
            out["measured"] = "no competitor available"
            return out
        ratio = _median(me) / _median(other)
        note = "" if other_ok else f"; {other['name']} did not reach 1e-8"
        out["measured"] = f"{ratio:.2f}x {other['name']}{note}{acc}"
        out["status"] = "PASS" if ratio <= tg.limit and me.get("reached") else "FAIL"
    elif tg.kind == "cold":
        ref = next(
            (
                r
                for r in results.values()
                if r["group"] == "sklearn" and "first_call" in r.get("cold", {})
            ),
            None,
        )
        mine = me.get("cold", {}).get("first_call")
        if ref is None or mine is None:
            out["measured"] = f"cold start not measured ({me.get('cold')})"
            return out
        diff = mine - ref["cold"]["first_call"]
        out["measured"] = (
            f"{H.fmt_time(mine)} vs {H.fmt_time(ref['cold']['first_call'])}"
            f" ({ref['name']}): {diff:+.2f} s"
        )
        out["status"] = "PASS" if diff <= tg.limit else "FAIL"
    elif tg.kind == "memory":
        parts, ok = [], True
        for lay in tg.layouts:
            m = me.get("memory", {}).get(lay, {})
            if "rss_peak" not in m:
                parts.append(f"{lay}: not measured")
                ok = False
                continue
            copies = m["rss_peak"] / x_bytes
            limit = tg.limit + (1.0 if lay == "C" else 0.0)
            ok &= copies <= limit
            parts.append(
                f"{lay}-ordered X: {H.fmt_bytes(m['rss_peak'])} = {copies:.2f}x X"
            )
        out["measured"] = "; ".join(parts)
        out["status"] = "PASS" if ok else "FAIL"
    return out


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------
COLUMNS = [
    "case",
    "solver",
    "tol",
    "time (median)",
    "x fastest sklearn",
    "x fastest skglm/celer",
    "rel. subopt",
    "rel. gap",
    "first fit, new process",
    "import",
    "peak RSS increase",
    "traced peak",
    "notes",
]


def table_rows(summary: dict) -> list[dict]:
    rows = []
    for r in summary["solvers"]:
        row = {"case": summary["key"], "solver": r["name"]}
        if "missing" in r:
            row["time (median)"] = "not available"
            row["notes"] = r["missing"]
            rows.append(row)
            continue
        if "error" in r:
            row["time (median)"] = "error"
            row["notes"] = r["error"][:120]
            rows.append(row)
            continue
        t = r["timing"]
        sub = r.get("subopt")
        row["tol"] = f"{r['tol']:g}"
        row["time (median)"] = f"{H.fmt_time(t['median'])} (n={len(t['times'])})"
        row["x fastest sklearn"] = H.fmt_ratio(r.get("vs_sklearn"))
        row["x fastest skglm/celer"] = H.fmt_ratio(r.get("vs_rival"))
        row["rel. subopt"] = (
            "<1e-16" if sub is not None and sub < 1e-16 else H.fmt_sci(sub)
        )
        if sub is not None and not r.get("reached"):
            row["rel. subopt"] += " (not reached)"
        row["rel. gap"] = H.fmt_sci(r.get("gap"))
        cold = r.get("cold", {})
        row["first fit, new process"] = (
            H.fmt_time(cold["first_call"])
            if "first_call" in cold
            else cold.get("error", "n/a")
        )
        row["import"] = H.fmt_time(cold.get("import_time"))
        mem = r.get("memory", {}).get("F", {})
        if "rss_peak" in mem:
            row["peak RSS increase"] = (
                f"{H.fmt_bytes(mem['rss_peak'])} "
                f"({mem['rss_peak'] / summary['x_bytes']:.2f}x X)"
            )
        else:
            row["peak RSS increase"] = mem.get("error", "n/a")[:80]
        row["traced peak"] = H.fmt_bytes(r.get("traced_peak"))
        notes = [n for n in (r.get("note"), r.get("describe")) if n]
        row["notes"] = "; ".join(notes)
        rows.append(row)
    return rows


def render(summaries: Sequence[dict], env: dict, title: str, argv: str) -> str:
    rows = [row for s in summaries for row in table_rows(s)]
    checks = []
    for s in summaries:
        for c in s["targets"]:
            checks.append({**c, "case": s["key"]})
    parts = [
        f"## {title}",
        "",
        f"Command: `{argv}`",
        "",
        H.environment_markdown(env),
        "",
        "Cases:",
        "",
        *[f"- `{s['key']}`: {s['title']} ({s['seconds']:.0f} s)" for s in summaries],
        "",
        H.markdown_table(rows, COLUMNS),
        "",
        "Targets:",
        "",
        H.markdown_table(checks, ["case", "target", "measured", "status"]),
        "",
    ]
    return "\n".join(parts)


def main(make_cases, module: str, title: str, argv: Sequence[str] | None = None):
    """Command-line entry point shared by the bench scripts."""
    import argparse
    import json  # noqa: F401  (kept for symmetry with save_json)
    from pathlib import Path

    p = argparse.ArgumentParser(description=title)
    p.add_argument("--quick", action="store_true", help="small data, smoke test")
    p.add_argument("--cases", nargs="*", help="case keys to run (default: all)")
    p.add_argument("--repeat", type=int, default=None, help="timed repeats")
    p.add_argument("--out", default=None, help="markdown output file")
    p.add_argument("--json", default=None, help="JSON output file")
    p.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads (here and in the fresh processes); "
        "1 gives steadier timings on a loaded machine",
    )
    args = p.parse_args(argv)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        n = str(args.blas_threads)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            H.os.environ[var] = n  # inherited by the fresh processes
        threadpool_limits(args.blas_threads)  # stays in force (not a context)
    n_repeat = args.repeat or (3 if args.quick else 5)
    env = H.environment(["skglm", "celer", "psutil"])
    cases = make_cases(args.quick)
    if args.cases:
        unknown = set(args.cases) - {c.key for c in cases}
        if unknown:
            p.error(
                f"unknown case(s) {sorted(unknown)}; "
                f"choose from {[c.key for c in cases]}"
            )
        cases = [c for c in cases if c.key in args.cases]
    stem = module + ("_quick" if args.quick else "")
    out = Path(args.out) if args.out else H.BENCH_DIR / "results" / f"{stem}.md"
    js = Path(args.json) if args.json else out.with_suffix(".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = " ".join(["python", f"benchmarks/{module}.py", *(argv or sys.argv[1:])])
    full_title = title + (" (--quick)" if args.quick else "")
    summaries = []
    for i, case in enumerate(cases):
        summaries.append(
            run_case(
                case,
                module,
                args.quick,
                n_repeat=n_repeat,
                tune_budget=60 if args.quick else 300,
                time_budget=20 if args.quick else 60,
            )
        )
        # write after every case, so an interrupted run keeps what it measured
        env["load_avg_end"] = H.os.getloadavg()
        done = "" if i == len(cases) - 1 else f" (partial: {i + 1}/{len(cases)} cases)"
        md = render(summaries, env, full_title + done, cmd)
        out.write_text(md)
        H.save_json({"env": env, "cases": summaries}, js)
    print("\n" + md)
    print(f"\nwrote {out} and {js}")
