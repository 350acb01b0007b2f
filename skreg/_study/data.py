"""Load a table, pick the target, and refuse bad input with a clear message."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class StudyError(Exception):
    """Bad input for a study: printed as one line, exit code 2."""


@dataclass
class StudyData:
    """A validated table split into features and target."""

    X: object  # pandas.DataFrame of features
    y: np.ndarray
    task: str  # "regression" or "classification"
    source: str  # file path or built-in dataset name
    target: str
    numeric_columns: list
    categorical_columns: list
    warnings: list = field(default_factory=list)


BUILTIN = {
    "regression": ("diabetes", "load_diabetes"),
    "classification": ("breast_cancer", "load_breast_cancer"),
}

# An integer-valued numeric target with at most this many distinct values is
# taken as class labels when --task is auto.
_MAX_AUTO_CLASSES = 20
# Larger magnitudes overflow when squared and summed (standardization,
# squared errors): sqrt(float64 max / 1e8 rows) is about 1e150.
_MAX_MAGNITUDE = 1e150
# A text column whose values are numbers except for at most this share is
# reported as a probable typo (it would otherwise become one-hot categories).
_MOSTLY_NUMERIC = 0.9


def _pandas():
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise StudyError(
            "skreg study needs pandas to read tables: pip install 'skreg[cli]'"
        ) from exc
    return pandas


def read_table(path):
    """Read a CSV or Parquet file into a DataFrame, or raise :class:`StudyError`."""
    pd = _pandas()
    path = Path(path)
    if not path.exists():
        raise StudyError(f"data file not found: {path}")
    if path.is_dir():
        raise StudyError(f"data path is a directory, not a file: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            try:
                frame = pd.read_parquet(path)
            except ImportError as exc:
                raise StudyError(
                    "reading Parquet needs pyarrow or fastparquet: pip install pyarrow"
                ) from exc
        elif suffix in (".csv", ".txt", ".tsv", ".gz", ".bz2", ".zip", ".xz"):
            frame = pd.read_csv(path, sep=None if suffix == ".tsv" else ",",
                                engine="python" if suffix == ".tsv" else "c")
        else:
            raise StudyError(
                f"unsupported data file type {suffix or '(none)'!r}: give a .csv "
                "or .parquet file"
            )
    except pd.errors.EmptyDataError as exc:
        raise StudyError(f"data file is empty: {path}") from exc
    except pd.errors.ParserError as exc:
        raise StudyError(f"could not parse {path} as CSV: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise StudyError(
            f"{path} is not UTF-8 text ({exc.reason}); save it as UTF-8 "
            "(e.g. from a spreadsheet: CSV UTF-8)") from exc
    if frame.shape[0] == 0:
        raise StudyError(f"data file has a header but no rows: {path}")
    return frame


def builtin_table(task):
    """A dataset that ships with scikit-learn: diabetes, or breast cancer."""
    import sklearn.datasets

    task = "regression" if task == "auto" else task
    name, loader = BUILTIN[task]
    bunch = getattr(sklearn.datasets, loader)(as_frame=True)
    return bunch.frame, "target", name


def _infer_task(y):
    pd = _pandas()
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return "classification"
    values = y.to_numpy(dtype=float)
    few_integers = np.unique(values).size <= _MAX_AUTO_CLASSES
    if few_integers and np.all(values == np.round(values)):
        return "classification"
    return "regression"


def _mostly_numeric_text(X, columns):
    """Warnings for text columns that are numbers but for a few cells."""
    pd = _pandas()
    messages = []
    for column in columns:
        values = X[column].dropna()
        if values.empty or pd.api.types.is_bool_dtype(values):
            continue
        parsed = pd.to_numeric(values.astype(str), errors="coerce")
        bad = values[parsed.isna()]
        if 0 < len(bad) <= (1 - _MOSTLY_NUMERIC) * len(values):
            examples = ", ".join(repr(str(v)) for v in bad.unique()[:3])
            messages.append(
                f"column {str(column)!r} is numeric except for {len(bad)} "
                f"value(s) ({examples}), so it is treated as categorical; fix "
                "or blank those cells to use it as a number"
            )
    return messages


def prepare(frame, target, task="auto", cv=5, source="data"):
    """Validate ``frame`` and split it into features and target.

    Rows with a missing target are dropped, and missing feature values are
    left for the pipeline's imputers; both are reported in ``warnings``.
    """
    pd = _pandas()
    if target is None:
        raise StudyError(
            "--target is required with a data file; columns are: "
            + ", ".join(map(str, frame.columns))
        )
    if target not in frame.columns:
        raise StudyError(
            f"target column {target!r} not found; columns are: "
            + ", ".join(map(str, frame.columns))
        )
    warnings = []
    y = frame[target]
    missing = y.isna().to_numpy()
    if missing.all():
        raise StudyError(f"target column {target!r} has no values")
    if missing.any():
        warnings.append(f"dropped {int(missing.sum())} rows with a missing target")
        frame = frame.loc[~missing]
        y = y.loc[~missing]
    X = frame.drop(columns=[target])
    if X.shape[1] == 0:
        raise StudyError("the data has no feature columns besides the target")

    all_nan = [str(c) for c in X.columns if X[c].isna().all()]
    if all_nan:
        raise StudyError(
            "columns with no values at all (drop them first): " + ", ".join(all_nan)
        )
    n_missing = int(X.isna().to_numpy().sum())
    if n_missing:
        warnings.append(
            f"{n_missing} missing feature values will be imputed (median for "
            "numeric columns, most frequent value for categorical ones)"
        )

    inferred = task == "auto"
    if inferred:
        task = _infer_task(y)
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise StudyError(
                f"target {target!r} is not numeric, so it cannot be regressed; "
                "use --task classification"
            )
        y_values = y.to_numpy(dtype=float)
        if not np.all(np.isfinite(y_values)):
            raise StudyError(f"target {target!r} contains infinite values")
        if np.abs(y_values).max() > _MAX_MAGNITUDE:
            raise StudyError(
                f"target {target!r} has values up to {np.abs(y_values).max():.3g}, "
                "too large to square in float64; rescale it"
            )
    else:
        y_values = y.to_numpy()
        classes, counts = np.unique(y_values.astype(str), return_counts=True)
        numeric_hint = (
            "; or --task regression if it is a quantity"
            if inferred and pd.api.types.is_numeric_dtype(y) else ""
        )
        if classes.size < 2:
            raise StudyError(
                f"target {target!r} has a single class ({str(classes[0])!r}); "
                "classification needs at least two" + numeric_hint
            )
        if counts.min() < cv:
            rare = str(classes[np.argmin(counts)])
            raise StudyError(
                f"class {rare!r} of target {target!r} has only {counts.min()} "
                f"rows; {cv}-fold cross-validation needs at least {cv} per class "
                "(lower --cv" + numeric_hint + ")"
            )
    if X.shape[0] < 2 * cv:
        raise StudyError(
            f"{X.shape[0]} rows are too few for {cv}-fold cross-validation"
        )

    dates = [str(c) for c in X.columns
             if pd.api.types.is_datetime64_any_dtype(X[c])
             or pd.api.types.is_timedelta64_dtype(X[c])]
    if dates:
        raise StudyError(
            "date or time columns are not supported: " + ", ".join(dates)
            + "; convert them to numbers (e.g. days since a reference date) or "
            "drop them"
        )
    numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])
               and not pd.api.types.is_bool_dtype(X[c])]
    categorical = [c for c in X.columns if c not in numeric]
    if categorical:
        # pandas' NA (nullable string/boolean columns, e.g. from Parquet) as
        # NaN: scikit-learn's imputer cannot compare with pd.NA
        X = X.copy()
        for c in categorical:
            column = X[c].astype(object)
            X[c] = column.where(column.notna(), np.nan)
    numeric_values = X[numeric].to_numpy(dtype=float) if numeric else np.zeros((1, 0))
    if np.isinf(numeric_values).any():
        raise StudyError("feature columns contain infinite values")
    magnitudes = np.nanmax(np.abs(numeric_values), axis=0, initial=0.0)
    if np.any(magnitudes > _MAX_MAGNITUDE):
        huge = [str(c) for c, m in zip(numeric, magnitudes, strict=True)
                if m > _MAX_MAGNITUDE]
        raise StudyError(
            "feature values too large to standardize in float64 (above "
            f"{_MAX_MAGNITUDE:.0e}) in: " + ", ".join(huge) + "; rescale them"
        )
    warnings.extend(_mostly_numeric_text(X, categorical))
    return StudyData(
        X=X, y=y_values, task=task, source=source, target=str(target),
        numeric_columns=numeric, categorical_columns=categorical, warnings=warnings,
    )
