"""
===========================================
Choosing alpha: cross-validation and 1-SE
===========================================

Cross-validation estimates the prediction error of every alpha on a grid;
the obvious choice is the alpha with the smallest mean error (``"min"``). But
that minimum is itself a noisy estimate: the curve is often flat around it,
and several alphas are statistically indistinguishable. The
*one-standard-error rule* (``"1se"``) picks the most regularized alpha whose
mean error is within one standard error of the minimum — a simpler, sparser
model with, in expectation, the same error. skreg's
:class:`~skreg.LassoCV` and :class:`~skreg.ElasticNetCV` compute both and let
``selection_rule`` decide which one the final model uses.
"""

# %%
# A problem with a few real signals
# ---------------------------------
# 300 samples (200 to train, 100 to test), 60 features, of which 8 carry
# signal; the rest only invite overfitting.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold, train_test_split

from skreg import ElasticNetCV, LassoCV
from skreg.plotting import RegularizationPathDisplay

X, y, true_coef = make_regression(
    n_samples=300, n_features=60, n_informative=8, noise=20.0, coef=True,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=100, random_state=0
)
cv = KFold(5, shuffle=True, random_state=0)

# %%
# Cross-validated error along the path
# ------------------------------------
# ``mse_path_`` holds the test-fold error of every alpha on every fold; its
# mean and standard error give the curve below. The red line is the minimum,
# the green one the 1-SE choice, to its right (stronger penalty).
lasso = LassoCV(cv=cv, selection_rule="1se").fit(X_train, y_train)
mean = lasso.mse_path_.mean(axis=1)
se = lasso.mse_path_.std(axis=1, ddof=1) / np.sqrt(lasso.mse_path_.shape[1])

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(lasso.alphas_, lasso.mse_path_, color="lightgrey", linewidth=0.8)
ax.errorbar(lasso.alphas_, mean, yerr=se, color="black", linewidth=1.2,
            elinewidth=0.6, label="mean CV error ± 1 SE")
ax.axhline(mean.min() + se[np.argmin(mean)], color="grey", linestyle="--",
           linewidth=0.8, label="min + 1 SE")
ax.axvline(lasso.alpha_min_, color="tab:red", linestyle=":", label="alpha_min_")
ax.axvline(lasso.alpha_1se_, color="tab:green", linestyle=":", label="alpha_1se_")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("alpha")
ax.set_ylabel("mean squared error")
ax.legend(fontsize="small")
ax.set_title("5-fold CV error of the Lasso")

# %%
# The same two choices on the regularization path
# -----------------------------------------------
# :class:`~skreg.plotting.RegularizationPathDisplay` marks ``alpha_min_`` and
# ``alpha_1se_`` of a fitted CV estimator on its own grid. Between the two
# marks, the coefficients that leave zero are mostly noise features: tiny,
# and they hardly lower the error.
disp = RegularizationPathDisplay.from_estimator(lasso, X_train, y_train)
disp.ax_.set_title("Lasso path with the CV choices")

# %%
# Min versus 1-SE on held-out data
# --------------------------------
# Refit with each rule and compare on the 100 test samples. The 1-SE model
# keeps far fewer features, nearly all of them true signals, for a test error
# that is at most a little higher. Which trade is right depends on the use:
# interpretation and cheap predictions favour 1-SE, raw accuracy the minimum.
true_support = set(np.flatnonzero(true_coef))
print(f"{'rule':<6}{'alpha':>9}{'features':>10}{'true found':>12}{'test MSE':>10}")
for rule in ("min", "1se"):
    model = LassoCV(cv=cv, selection_rule=rule).fit(X_train, y_train)
    support = set(np.flatnonzero(model.coef_))
    mse = np.mean((model.predict(X_test) - y_test) ** 2)
    print(f"{rule:<6}{model.alpha_:>9.3g}{len(support):>10}"
          f"{len(support & true_support):>9}/{len(true_support)}{mse:>10.1f}")

# %%
# Elastic net: choosing alpha and the L1 share together
# ------------------------------------------------------
# :class:`~skreg.ElasticNetCV` searches a grid of ``l1_ratio`` values, each
# with its own alpha grid, and applies the same rule over all of them.
enet = ElasticNetCV(l1_ratio=[0.1, 0.5, 0.9, 1.0], cv=cv, selection_rule="1se")
enet.fit(X_train, y_train)
print(f"ElasticNetCV (1se): l1_ratio={enet.l1_ratio_}, alpha={enet.alpha_:.3g}, "
      f"{np.count_nonzero(enet.coef_)} features, "
      f"test MSE {np.mean((enet.predict(X_test) - y_test) ** 2):.1f}")

# %%
# Every fitted Lasso or elastic net (CV or not) also reports how well it was
# solved (so do the logistic models; Ridge reports a KKT violation only):
# ``dual_gap_`` is the duality gap of the returned solution, an upper bound
# on the distance between its objective and the true minimum of
# ``1/(2n) ||y - Xw - b||^2 + alpha ||w||_1``.
residual = y_train - lasso.predict(X_train)
objective = 0.5 * np.mean(residual**2) + lasso.alpha_ * np.abs(lasso.coef_).sum()
print(f"objective {objective:.2f}, duality gap {lasso.dual_gap_:.2e} "
      f"(relative {lasso.dual_gap_ / objective:.1e})")
plt.show()
