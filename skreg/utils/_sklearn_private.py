"""The one place where skreg touches scikit-learn's private API.

Keep this module tiny. Everything else in skreg imports these names from
here, so a scikit-learn upgrade that moves them is fixed in one file.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Hidden",
    "Interval",
    "Options",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_raise_for_params",
    "_routing_enabled",
    "validate_params",
]
