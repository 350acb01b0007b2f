"""skreg: regularized estimators for scikit-learn.

Every classic remedy for overfitting -- L1, L2 and elastic-net penalties,
dropout, batch normalization, early stopping, data augmentation -- as a plain,
grid-searchable constructor parameter.
"""

__version__ = "0.1.0.dev0"

from .linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LogisticRegression,
    LogisticRegressionCV,
    Ridge,
    RidgeCV,
    enet_path,
    lasso_path,
    logistic_path,
)
from .neural_network import MLPClassifier, MLPRegressor

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "MLPClassifier",
    "MLPRegressor",
    "Ridge",
    "RidgeCV",
    "__version__",
    "enet_path",
    "lasso_path",
    "logistic_path",
]
