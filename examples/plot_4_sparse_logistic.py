"""
==================================================
Sparse logistic regression on many features
==================================================

With more features than the data can support, an unpenalized (or weakly
penalized) classifier fits the noise. An L1 penalty on logistic regression
selects a small subset of features; its strength ``C`` (the *inverse* of the
penalty: small C = strong penalty) sets how many. This example follows the
L1 path of :func:`skreg.logistic_path` and plots held-out accuracy against
the number of selected features, then lets
:class:`~skreg.LogisticRegressionCV` pick ``C`` with the min and 1-SE rules.
"""

# %%
# 400 training samples, 1000 features, 10 informative
# ---------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from skreg import LogisticRegression, LogisticRegressionCV, logistic_path
from skreg.plotting import RegularizationPathDisplay

X, y = make_classification(
    n_samples=600, n_features=1000, n_informative=10, n_redundant=0,
    class_sep=2.0, flip_y=0.02, shuffle=False, random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=200, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# The L1 path
# -----------
# ``logistic_path`` starts at the critical C, where every coefficient is
# zero, and relaxes the penalty over four decades, warm-starting each fit
# from the previous one. With ``shuffle=False`` the informative features are
# the first 10 columns; the path draws all 1000 coefficients.
Cs, coefs, intercepts = logistic_path(X_train, y_train, Cs=30, l1_ratio=1.0)
disp = RegularizationPathDisplay.from_path(Cs, coefs, x_axis="C")
disp.ax_.set_title("L1 logistic path (1000 features)")

# %%
# Held-out accuracy against the number of selected features
# ---------------------------------------------------------
# Every point of the path is a model; score each on the test set. Accuracy
# climbs while the informative features enter, peaks, then slowly decays as
# hundreds of noise features join in: that decay is overfitting.
scores = X_test @ coefs[0] + intercepts[0]  # (n_test, n_Cs) decision values
accuracy = np.mean((scores > 0) == (y_test[:, None] == 1), axis=0)
n_selected = np.count_nonzero(coefs[0], axis=0)
n_true = np.count_nonzero(coefs[0, :10], axis=0)

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(n_selected, accuracy, marker="o", markersize=3)
ax.set_xscale("symlog", linthresh=10)
ax.set_xlabel("number of selected features")
ax.set_ylabel("test accuracy")
best = int(np.argmax(accuracy))
ax.annotate(f"best: {n_selected[best]} features\n({n_true[best]} of 10 informative)",
            (n_selected[best], accuracy[best]), xytext=(20, -40),
            textcoords="offset points", arrowprops={"arrowstyle": "->"})
ax.set_title("Sparsity against accuracy")

l2 = LogisticRegression(l1_ratio=0.0, C=1.0, max_iter=1000).fit(X_train, y_train)
print("L2 logistic, C=1, all 1000 features: "
      f"test accuracy {l2.score(X_test, y_test):.3f}")
print(f"best point of the L1 path: {n_selected[best]} features, "
      f"test accuracy {accuracy[best]:.3f}")

# %%
# Choosing C by cross-validation
# ------------------------------
# :class:`~skreg.LogisticRegressionCV` fits the same warm-started path on
# every fold. The 1-SE rule takes the smallest C (the strongest penalty)
# whose mean CV accuracy is within one standard error of the best: a sparser
# model for an accuracy that cross-validation cannot tell apart.
cv = StratifiedKFold(5, shuffle=True, random_state=0)
for rule in ("min", "1se"):
    clf = LogisticRegressionCV(
        Cs=Cs, l1_ratios=[1.0], cv=cv, selection_rule=rule,
        use_legacy_attributes=False,
    ).fit(X_train, y_train)
    print(f"{rule:>4}: C={clf.C_:.3g}, {np.count_nonzero(clf.coef_)} features, "
          f"test accuracy {clf.score(X_test, y_test):.3f}")

disp = RegularizationPathDisplay.from_estimator(clf, X_train, y_train)
disp.ax_.set_title("Path on the CV grid, 1-SE choice marked")
plt.show()
