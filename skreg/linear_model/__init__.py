"""Regularized linear models: Lasso, ElasticNet, Ridge and logistic regression."""

from ._path import enet_path, lasso_path
from ._ridge import Ridge, RidgeCV

__all__ = ["Ridge", "RidgeCV", "enet_path", "lasso_path"]
