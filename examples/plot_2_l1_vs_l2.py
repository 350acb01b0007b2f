"""
=======================================
L1 sparsity versus L2 shrinkage
=======================================

Ten clinical measurements predict the progression of diabetes one year later.
Which of them does a model need? An L1 penalty (Lasso) answers by setting
some coefficients to exactly zero; an L2 penalty (Ridge) keeps every feature
and shrinks all coefficients together; the elastic net mixes both. This
example draws the three regularization paths and validation curves side by
side and lists the features each model keeps at its best penalty.
"""

# %%
# Standardize the features
# ------------------------
# Penalties compare coefficient sizes, so the features must be on a common
# scale first.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from skreg import ElasticNet, Lasso, Ridge
from skreg.plotting import PenaltyComparisonDisplay, RegularizationPathDisplay

data = load_diabetes()
X = StandardScaler().fit_transform(data.data)
y = data.target
names = list(data.feature_names)

# %%
# One path, feature by feature
# ----------------------------
# :class:`~skreg.plotting.RegularizationPathDisplay` refits the Lasso along a
# grid of alphas, from ``alpha_max`` (the smallest alpha whose solution is all
# zeros) down by a factor 1000. Read it from right to left: as the penalty
# weakens, the features enter the model one after another; the dashed step
# line (right axis) counts them.
disp = RegularizationPathDisplay.from_estimator(
    Lasso(), X, y, feature_names=names
)
disp.ax_.set_title("Lasso path on the diabetes data")

# %%
# Three penalties side by side
# ----------------------------
# :class:`~skreg.plotting.PenaltyComparisonDisplay` draws, for L1, L2 and the
# elastic net, the path (top) and scikit-learn's
# :class:`~sklearn.model_selection.ValidationCurveDisplay` (bottom: training
# and 5-fold cross-validated R^2 against the same alpha). The L1 path is a
# set of kinks with exact zeros; the L2 path is smooth and never touches
# zero. Note the different alpha ranges: Ridge's objective is a sum of
# squares, the Lasso's a mean, so only shapes and best scores compare. The
# Lasso and elastic-net grids run from the alpha at which all coefficients are
# zero down by a factor of a million (``eps=1e-6``): on these data the
# elastic net's cross-validated score keeps improving down to about 0.001,
# and a shorter grid would put its best alpha at the grid's edge.
comparison = PenaltyComparisonDisplay.from_estimators(
    X, y,
    {"L1 (Lasso)": Lasso(), "L2 (Ridge)": Ridge(),
     "Elastic net (l1_ratio=0.5)": ElasticNet(l1_ratio=0.5)},
    n_alphas=30, n_validation=12, cv=5, eps=1e-6, feature_names=names,
)

# %%
# Which features survive?
# -----------------------
# Refit each model at the alpha with the best cross-validated score and
# compare the coefficients with those of unpenalized least squares (``LS``).
# With 442 patients and only ten features there is little to overfit: the
# three best cross-validated R^2 agree to within 0.0002 (0.4825 for the
# Lasso, 0.4823 for the other two), and two of the three best models are
# close to least squares. Ridge's best alpha, 0.23, is small next to the
# scale of its sum-of-squares objective (:math:`\|X\|_F^2 = 4420` here): it
# leaves age, sex, bmi, bp and s6 as least squares has them (to the printed
# precision) and shrinks the correlated serum measurements ``s1``-``s5`` by
# 0.2 to 2.1 (``s1`` from -37.7 to -35.6, the largest change); at this
# strength it does not visibly spread weight across the group. The
# elastic net's best alpha, 0.001, gives an L1 part (0.0005) that is
# negligible next to the Lasso's 0.092, and an L2 part equal to a Ridge alpha
# of :math:`442 \times 0.001 \times 0.5 \approx 0.22`, so its coefficients
# match Ridge's to within 0.1 rather than lying between L1 and L2. Only the
# Lasso changes the model: it drops ``s3`` and shrinks the correlated pair
# ``s1`` and ``s2`` by 29 % and 38 % relative to least squares, for the same
# cross-validated score.
# The next example shows how the one-standard-error rule buys a much sparser
# Lasso for almost the same error.
models = {"L1": Lasso(), "L2": Ridge(), "EN": ElasticNet(l1_ratio=0.5)}
table = {}
for (short, model), long_name, curve in zip(
    models.items(), comparison.names, comparison.validation_displays, strict=True
):
    alpha = comparison.best_strengths_[long_name]
    best_r2 = curve.test_scores.mean(axis=1).max()
    print(f"{long_name}: best alpha = {alpha:.3g}, CV R^2 = {best_r2:.4f}")
    table[short] = model.set_params(alpha=alpha).fit(X, y).coef_
# Unpenalized least squares, for reference.
table["LS"] = LinearRegression().fit(X, y).coef_
table = pd.DataFrame(table, index=names).round(1)
print(table)
print("non-zero coefficients:", (table != 0).sum().to_dict())

# %%
# The same table as a picture: bars of zero height are features the model
# does not use at all.
ax = table.plot.barh(figsize=(6, 5))
ax.axvline(0, color="black", linewidth=0.5)
ax.set_xlabel("coefficient at the best alpha")
ax.legend(fontsize="small")
plt.tight_layout()
plt.show()
