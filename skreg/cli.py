"""The ``skreg`` command line: a whole regularization study in one command.

``skreg study [DATA] --target COLUMN`` grid-searches the regularization of
each model family (Lasso, Ridge, elastic net, logistic regression, MLP) with
cross-validation, prints a table of the best settings with their validation
score, train score and generalization gap, and writes figures, JSON, CSV and a
self-contained HTML report. Without a data file it studies a dataset that
ships with scikit-learn (diabetes; breast cancer with ``--task
classification``).

Bad input ends with one ``error:`` line and exit code 2, never a traceback.
"""

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path

from ._study.data import StudyError, builtin_table, prepare, read_table
from ._study.families import DEFAULT_MODELS, FAMILIES

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skreg",
        description="Regularized estimators for scikit-learn: regularization studies.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    study = sub.add_parser(
        "study",
        help="how much regularization does this data need, and which kind?",
        # the module docstring's paragraph, without its reST literals
        description=__doc__.split("\n\n")[1].replace("``", ""),
    )
    study.add_argument("data", nargs="?", default=None,
                       help="CSV or Parquet file (default: a built-in dataset)")
    study.add_argument("--target", help="name of the target column")
    study.add_argument("--task", choices=("auto", "regression", "classification"),
                       default="auto",
                       help="auto: classification for non-numeric or few-valued "
                            "integer targets (default: %(default)s)")
    study.add_argument(
        "--models", type=_family_list,
        default=None,
        help="comma-separated families among " + ",".join(FAMILIES)
             + f" (default: {','.join(DEFAULT_MODELS['regression'])} for regression, "
             f"{','.join(DEFAULT_MODELS['classification'])} for classification)")
    study.add_argument("--cv", type=int, default=5,
                       help="number of cross-validation folds (default: %(default)s)")
    study.add_argument("--scoring", default=None,
                       help="a scikit-learn scorer name (default: r2 or accuracy)")
    study.add_argument("--selection-rule", choices=("min", "1se"), default="min",
                       help="best validation score, or the one-standard-error rule "
                            "(default: %(default)s)")
    study.add_argument("--n-jobs", type=int, default=None,
                       help="parallel jobs for the cross-validation")
    study.add_argument("--out", default="skreg-study",
                       help="output directory (default: %(default)s)")
    study.add_argument("--seed", type=int, default=0,
                       help="random seed for folds and models (default: %(default)s)")
    study.add_argument("--dask", metavar="SCHEDULER", default=None,
                       help="run the searches on a dask cluster: a scheduler "
                            "address, or 'local' to start a LocalCluster")
    study.add_argument("--quiet", action="store_true", help="no progress bar")
    study.add_argument("--debug", action="store_true",
                       help="show tracebacks of unexpected errors")
    return parser


def _family_list(text):
    """``--models``: comma-separated names; an empty list is an error."""
    names = [m.strip() for m in text.split(",") if m.strip()]
    if not names:
        raise argparse.ArgumentTypeError(
            f"no model family in {text!r}; choose among " + ",".join(FAMILIES))
    return names


@contextlib.contextmanager
def dask_backend(address, n_jobs):
    """Route joblib (and so every search's folds) to a dask cluster."""
    if address is None:
        yield
        return
    try:
        import joblib
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise StudyError(
            "--dask needs dask.distributed: pip install 'skreg[distributed]'"
        ) from exc
    cluster = None
    try:
        if address == "local":
            # joblib's convention: -1 is every core, -2 all but one, ...
            cpus = os.cpu_count() or 1
            workers = 2 if n_jobs is None else (
                n_jobs if n_jobs > 0 else max(1, cpus + 1 + n_jobs))
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(address, timeout="10s")
    except (OSError, ValueError) as exc:
        # OSError: unreachable; ValueError: a malformed address ("no port")
        raise StudyError(f"cannot reach the dask scheduler {address!r}: {exc}") from exc
    try:
        with joblib.parallel_backend("dask"):
            yield
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def make_output_dir(out):
    """Create the output directory, or raise :class:`StudyError` saying why not."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise StudyError(f"--out {out} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StudyError(f"cannot create the output directory {out}: "
                         f"{exc.strerror or exc}") from exc


def run(args, stdout=None, stderr=None):
    """Carry out ``skreg study`` for parsed ``args``; return the JSON payload."""
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    from ._study.progress import Progress
    from ._study.report import format_table, write_outputs
    from ._study.runner import resolve_settings, run_study

    if args.data is None:
        frame, target, source = builtin_table(args.task)
        if args.target is not None and args.target != target:
            raise StudyError(
                f"the built-in dataset's target is {target!r}; --target "
                f"{args.target!r} needs a data file"
            )
    else:
        frame, target, source = read_table(args.data), args.target, args.data
    data = prepare(frame, target, args.task, cv=args.cv, source=source)
    make_output_dir(args.out)  # now, not after a study that took minutes
    n_jobs = -1 if args.dask is not None and args.n_jobs is None else args.n_jobs
    settings = resolve_settings(data, args.models, args.cv, args.scoring, n_jobs,
                                args.seed, args.selection_rule)
    for message in data.warnings:
        print(f"warning: {message}", file=stderr)
    # Two steps a family (selection, validation curve), plus the report.
    progress = Progress(2 * len(settings.models) + 1, stream=stderr,
                        enabled=not args.quiet)
    with dask_backend(args.dask, args.n_jobs), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results, notes = run_study(data, settings, progress)
    progress.step("writing figures and report")
    payload = write_outputs(args.out, data, settings, results, notes)
    progress.close()
    for message in notes:
        print(f"note: {message}", file=stderr)
    print(f"\n{data.task} on {source} (target {data.target!r}, "
          f"{data.X.shape[0]} rows, {settings.cv}-fold CV)\n", file=stdout)
    print(format_table(results, settings.scoring), file=stdout)
    print(f"\nbest: {payload['best_model']}; results, figures and report.html "
          f"in {args.out}/", file=stdout)
    return payload


def main(argv=None):
    """Entry point of the ``skreg`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        run(args)
    except StudyError as exc:
        print(f"skreg: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("skreg: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        # first line only: some messages (GridSearchCV's) embed tracebacks
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"skreg: internal error: {type(exc).__name__}: {first} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    return 0
