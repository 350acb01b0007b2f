"""Displays for regularization: paths, training histories, penalty comparisons.

matplotlib (the ``plot`` extra) is imported only when something is drawn, and
the displays use only skreg's and scikit-learn's public API. For validation
and learning curves use scikit-learn's
:class:`~sklearn.model_selection.ValidationCurveDisplay` and
:class:`~sklearn.model_selection.LearningCurveDisplay` directly: skreg's
estimators are scikit-learn estimators.
"""

from ._compare import PenaltyComparisonDisplay
from ._regularization_path import RegularizationPathDisplay
from ._training_history import TrainingHistoryDisplay

__all__ = [
    "PenaltyComparisonDisplay",
    "RegularizationPathDisplay",
    "TrainingHistoryDisplay",
]
