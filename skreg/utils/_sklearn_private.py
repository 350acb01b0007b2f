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


def scorer_accepts_sample_weight(scorer, owner):
    """Whether ``scorer`` takes ``sample_weight``, warning like GridSearchCV if not.

    scikit-learn's scorer objects answer through the private
    ``_accept_sample_weight``; plain callables through their signature.
    """
    import inspect
    import warnings

    if hasattr(scorer, "_accept_sample_weight"):
        accept = scorer._accept_sample_weight()
    else:
        accept = "sample_weight" in inspect.signature(scorer).parameters
    if not accept:
        warnings.warn(
            f"The scoring {scorer} does not support sample_weight, which may "
            f"lead to statistically incorrect results when fitting {owner} "
            "with sample_weight. "
        )
    return accept


__all__ = [
    "Hidden",
    "Interval",
    "Options",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_raise_for_params",
    "_routing_enabled",
    "scorer_accepts_sample_weight",
    "validate_params",
]
