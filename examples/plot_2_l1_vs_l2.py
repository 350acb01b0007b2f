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
# squares, the Lasso's a mean, so only shapes and best scores compare.
comparison = PenaltyComparisonDisplay.from_estimators(
    X, y,
    {"L1 (Lasso)": Lasso(), "L2 (Ridge)": Ridge(),
     "Elastic net (l1_ratio=0.5)": ElasticNet(l1_ratio=0.5)},
    n_alphas=40, n_validation=12, cv=5, feature_names=names,
)

# %%
# Which features survive?
# -----------------------
# Refit each model at the alpha with the best cross-validated score and
# compare the coefficients. With 442 patients and only ten features there is
# little to overfit, so the best Lasso drops few features; but the ones it
# drops or shrinks hardest are among the six blood serum measurements
# ``s1``-``s6``, which are strongly correlated: L1 keeps one representative
# of a correlated group, L2 spreads the weight across the group, and the
# elastic net sits in between. The next example shows how the
# one-standard-error rule buys a much sparser Lasso for almost the same error.
models = {"L1": Lasso(), "L2": Ridge(), "EN": ElasticNet(l1_ratio=0.5)}
table = {}
for (short, model), long_name in zip(models.items(), comparison.names, strict=True):
    alpha = comparison.best_strengths_[long_name]
    print(f"{long_name}: best alpha = {alpha:.3g}")
    table[short] = model.set_params(alpha=alpha).fit(X, y).coef_
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
