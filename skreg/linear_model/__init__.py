"""Regularized linear models: Lasso, ElasticNet, Ridge and logistic regression."""

__all__ = []
