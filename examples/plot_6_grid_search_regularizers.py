"""
==============================================
Grid search over several regularizers at once
==============================================

Every skreg regularizer is a plain constructor parameter, so the choice of
*which* regularizer to use can be searched like any hyper-parameter. Here a
single :class:`~sklearn.model_selection.GridSearchCV` compares no penalty,
L1, L2 and elastic net on a pipeline with many interaction features, then
:class:`~sklearn.model_selection.ValidationCurveDisplay` shows the winner's
validation curve.
"""

# %%
# A pipeline with room to overfit
# -------------------------------
# Pairwise products of the ten diabetes features give 65 features for 442
# patients; most of the products are noise. The last step of the pipeline,
# ``model``, is itself a hyper-parameter.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold, ValidationCurveDisplay
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skreg import ElasticNet, Lasso, Ridge

X, y = load_diabetes(return_X_y=True)
pipe = Pipeline([
    ("poly", PolynomialFeatures(degree=2, include_bias=False)),
    ("scale", StandardScaler()),
    ("model", LinearRegression()),
])
cv = KFold(5, shuffle=True, random_state=0)

# %%
# One grid, four families
# -----------------------
# A list of dictionaries gives each family its own sub-grid. The strengths are
# on each model's own scale (Ridge's objective is a sum, not a mean, so its
# alphas are larger).
param_grid = [
    {"model": [LinearRegression()]},
    {"model": [Lasso(max_iter=5000)], "model__alpha": np.logspace(-2, 1, 10)},
    {"model": [Ridge()], "model__alpha": np.logspace(-1, 3, 10)},
    {"model": [ElasticNet(max_iter=5000)], "model__alpha": np.logspace(-2, 1, 10),
     "model__l1_ratio": [0.5, 0.8]},
]
search = GridSearchCV(pipe, param_grid, cv=cv, scoring="r2").fit(X, y)

results = pd.DataFrame(search.cv_results_)
results["family"] = results["param_model"].map(lambda m: type(m).__name__)
columns = ["family", "param_model__alpha", "param_model__l1_ratio",
           "mean_test_score", "std_test_score"]
best_per_family = (
    results.sort_values("mean_test_score", ascending=False)
    .groupby("family", sort=False)
    .head(1)[columns]
)
print(best_per_family.to_string(index=False))
print("best:", search.best_params_)

# %%
# Without a penalty the 65-feature model overfits (lowest mean score, largest
# spread across folds); every penalty improves on it and the three end close
# to each other, the L1-based ones slightly ahead because most interaction
# terms are useless. How many features does the best model keep?
best_model = search.best_estimator_[-1]
print(f"{type(best_model).__name__} keeps "
      f"{np.count_nonzero(best_model.coef_)} of {best_model.coef_.size} features")

# %%
# The winner's validation curve
# -----------------------------
# The best family's strength, swept with everything else fixed. Left: weak
# penalty, the training score is high and the validation score low
# (overfitting); right: strong penalty, both fall (underfitting).
best_pipe = search.best_estimator_
alphas = np.logspace(-2, 2, 13)
if isinstance(best_model, Ridge):
    alphas = alphas * 100
disp = ValidationCurveDisplay.from_estimator(
    best_pipe, X, y, param_name="model__alpha", param_range=alphas, cv=cv,
    scoring="r2", score_name="R^2",
)
disp.ax_.set_xscale("log")
disp.ax_.set_ylim(0, 1)
disp.ax_.axvline(best_model.alpha, color="tab:red", linestyle=":",
                 label="chosen alpha")
disp.ax_.legend(fontsize="small")
disp.ax_.set_title(f"{type(best_model).__name__}: R^2 against alpha")
plt.show()
