"""Input checks shared by the estimators.

Every check raises a ``ValueError`` or ``TypeError`` whose message names the
offending argument, so that bad input never reaches a compiled kernel.
"""

import numbers

import numpy as np

from ._sklearn_private import _check_sample_weight


def check_sample_weight(sample_weight, X, dtype=None):
    """Validate ``sample_weight`` against ``X``.

    Returns a 1-D array of ``X.shape[0]`` finite, non-negative weights of the
    given dtype (ones when ``sample_weight`` is None; a scalar is repeated
    for every sample). Raises a ``ValueError`` naming ``sample_weight`` for
    a wrong length, NaN/inf (scalar or not), negative entries or weights
    that are all zero, and a ``TypeError`` for a non-numeric dtype.
    """
    n_samples = X.shape[0]
    if sample_weight is not None:
        sw = np.asarray(sample_weight)
        # A scalar is one weight for every sample: it needs the same
        # dtype and finiteness checks (a scalar inf used to give NaN coef_).
        if not isinstance(sample_weight, numbers.Number) and (
            sw.ndim != 1 or sw.shape[0] != n_samples
        ):
            raise ValueError(
                f"sample_weight has shape {sw.shape}; expected ({n_samples},), "
                "one weight per sample."
            )
        if sw.dtype.kind not in "biuf":
            raise TypeError(
                f"sample_weight must be numeric; got dtype {sw.dtype}."
            )
        if np.any(np.isnan(sw)):
            raise ValueError("Input sample_weight contains NaN.")
        if np.any(np.isinf(sw)):
            raise ValueError("Input sample_weight contains infinity.")
    sw = _check_sample_weight(
        sample_weight, X, dtype=dtype, ensure_non_negative=True
    )
    if sw.shape[0] and not np.any(sw > 0):
        raise ValueError("sample_weight must have at least one positive entry.")
    return sw


def check_penalty_factor(penalty_factor, n_features, dtype=np.float64):
    """Validate per-feature penalty factors (glmnet's ``penalty.factor``).

    ``None`` means 1 for every feature. Factors must be finite and
    non-negative, one per feature; 0 leaves a feature unpenalized. Returns a
    1-D array of the given dtype.
    """
    if penalty_factor is None:
        return np.ones(n_features, dtype=dtype)
    pf = np.asarray(penalty_factor)
    if pf.dtype.kind not in "biuf":
        raise TypeError(f"penalty_factor must be numeric; got dtype {pf.dtype}.")
    pf = pf.astype(dtype, copy=False)
    if pf.ndim != 1 or pf.shape[0] != n_features:
        raise ValueError(
            f"penalty_factor has shape {pf.shape}; expected ({n_features},), "
            "one factor per feature."
        )
    if not np.all(np.isfinite(pf)):
        raise ValueError("penalty_factor contains NaN or infinity.")
    if np.any(pf < 0):
        raise ValueError("penalty_factor must be non-negative.")
    return pf


def check_class_weight(class_weight):
    """Reject a ``class_weight`` dict with a NaN, infinite or negative weight.

    Keys that are not among the fitted classes are ignored, as in
    scikit-learn (a global dict must keep working on a CV fold that lacks a
    rare class). Strings ('balanced') and None pass through.
    """
    if not isinstance(class_weight, dict):
        return
    bad = {}
    for label, weight in class_weight.items():
        try:
            ok = np.isfinite(weight) and weight >= 0
        except TypeError:
            ok = False
        if not ok:
            bad[label] = weight
    if bad:
        raise ValueError(
            "class_weight values must be finite, non-negative numbers; got "
            + ", ".join(f"{label!s}: {weight!s}" for label, weight in bad.items())
            + "."
        )


def take_sample_rows(value, rows, n_samples):
    """Rows ``rows`` of per-sample metadata (length ``n_samples``); other
    metadata (scalars, strings, arrays of another length) unchanged."""
    if hasattr(value, "__len__") and not isinstance(value, str) \
            and len(value) == n_samples:
        return np.asarray(value)[rows]
    return value
