"""Find skreg's public estimators by walking the package.

Tests and documentation use :func:`all_estimators` so that no list of
estimators is kept by hand.
"""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

# Modules that are not estimators and must not be imported for discovery
# (they pull in optional dependencies such as matplotlib).
_SKIP_PREFIXES = ("skreg.plotting", "skreg.cli", "skreg.__main__")


def all_estimators(type_filter=None):
    """Return ``[(name, class), ...]`` for every public skreg estimator.

    Parameters
    ----------
    type_filter : {"classifier", "regressor"} or None, default=None
        Keep only classifiers or only regressors; None keeps all.

    Returns
    -------
    estimators : list of (str, type)
        Sorted by name. A class counts when it subclasses
        :class:`sklearn.base.BaseEstimator`, its name does not start with an
        underscore, and it is defined inside skreg.
    """
    import skreg

    found = {}
    for module_info in pkgutil.walk_packages(skreg.__path__, prefix="skreg."):
        name = module_info.name
        if name.startswith(_SKIP_PREFIXES) or any(
            part.startswith("_") for part in name.split(".")[1:]
        ):
            continue
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and not cls_name.startswith("_")
                and cls.__module__.startswith("skreg.")
                and not inspect.isabstract(cls)
            ):
                found[cls_name] = cls
    estimators = sorted(found.items())
    if type_filter is not None:
        if type_filter not in ("classifier", "regressor"):
            raise ValueError(
                "type_filter must be 'classifier', 'regressor' or None; "
                f"got {type_filter!r}."
            )
        from sklearn.base import is_classifier, is_regressor

        check = is_classifier if type_filter == "classifier" else is_regressor
        estimators = [(n, c) for n, c in estimators if check(c())]
    return estimators
