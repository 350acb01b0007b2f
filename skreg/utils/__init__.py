"""Validation helpers and estimator discovery."""

from .discovery import all_estimators
from .validation import check_class_weight, check_penalty_factor, check_sample_weight

__all__ = [
    "all_estimators",
    "check_class_weight",
    "check_penalty_factor",
    "check_sample_weight",
]
