"""Regularized linear models: Lasso, ElasticNet, Ridge and logistic regression."""

from ._coordinate_descent import ElasticNet, Lasso
from ._coordinate_descent_cv import ElasticNetCV, LassoCV
from ._logistic import LogisticRegression, LogisticRegressionCV, logistic_path
from ._path import enet_path, lasso_path
from ._ridge import Ridge
from ._ridge_cv import RidgeCV

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Ridge",
    "RidgeCV",
    "enet_path",
    "lasso_path",
    "logistic_path",
]
