"""Regularized linear models: Lasso, ElasticNet, Ridge and logistic regression."""

from ._logistic import LogisticRegression, LogisticRegressionCV, logistic_path
from ._path import enet_path, lasso_path
from ._ridge import Ridge, RidgeCV

__all__ = [
    "LogisticRegression",
    "LogisticRegressionCV",
    "Ridge",
    "RidgeCV",
    "enet_path",
    "lasso_path",
    "logistic_path",
]
