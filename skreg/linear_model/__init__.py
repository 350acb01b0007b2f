"""Regularized linear models: Lasso, ElasticNet, Ridge and logistic regression."""

from ._path import enet_path, lasso_path

__all__ = ["enet_path", "lasso_path"]
