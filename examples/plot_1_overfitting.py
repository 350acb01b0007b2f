"""
==================================
Overfitting and generalization
==================================

A model generalizes when its error on data it has never seen is close to its
error on the data it was trained on. This example makes the three classic
regimes visible on a one-dimensional problem: a polynomial of low degree
*underfits* (both errors are high), a moderate degree fits well, and a high
degree *overfits* (the training error keeps falling while the validation error
rises). It ends by keeping the high-degree model and taming it with an L2
penalty instead of cutting its degree — the idea behind every estimator in
skreg.
"""

# %%
# Noisy samples of a smooth function
# ----------------------------------
# Twenty-four points of a sine wave with Gaussian noise: few enough that a flexible
# model can memorize the noise.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import ShuffleSplit, ValidationCurveDisplay
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from skreg import Ridge

rng = np.random.default_rng(0)
n_samples = 24
# Evenly spread inputs: the picture is about interpolation, not extrapolation.
X = np.linspace(0, 1, n_samples)[:, None]
y = np.sin(2 * np.pi * X.ravel()) + rng.normal(scale=0.3, size=n_samples)
X_grid = np.linspace(0, 1, 300)[:, None]
# Many random 75/25 splits: with so few points a single K-fold split is noisy.
cv = ShuffleSplit(n_splits=15, test_size=0.25, random_state=0)


def polynomial_model(degree, regressor=None):
    return make_pipeline(
        PolynomialFeatures(degree, include_bias=False),
        StandardScaler(),
        regressor if regressor is not None else LinearRegression(),
    )


# %%
# Underfit, good fit, overfit
# ---------------------------
# Degree 1 cannot bend; degree 4 follows the sine; degree 15 bends towards
# individual noisy points (see the wiggles on the right). On all 24 points
# the damage looks small, but the cross-validation below, where each model
# sees only 18 points and is judged on the other 6, tells another story.
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), sharey=True)
for ax, degree in zip(axes, [1, 4, 15], strict=True):
    model = polynomial_model(degree).fit(X, y)
    ax.scatter(X, y, s=12, color="black", label="training samples")
    ax.plot(X_grid, np.sin(2 * np.pi * X_grid), color="tab:green", label="truth")
    ax.plot(X_grid, model.predict(X_grid), color="tab:blue", label="model")
    ax.set_ylim(-2, 2)
    ax.set_title(f"degree {degree}")
axes[0].legend(loc="lower left", fontsize="small")
fig.tight_layout()

# %%
# The validation curve tells the regimes apart
# --------------------------------------------
# Train and cross-validated error against the degree. Both are high on the
# left (underfitting); on the right the training error keeps falling while the
# validation error climbs by two orders of magnitude: the gap between the two
# curves *is* the overfitting. (15 random 75/25 splits; the mean is drawn.)
degrees = np.arange(1, 16)
disp = ValidationCurveDisplay.from_estimator(
    polynomial_model(1), X, y,
    param_name="polynomialfeatures__degree", param_range=degrees,
    cv=cv, scoring="neg_mean_squared_error", negate_score=True,
    score_name="mean squared error", std_display_style=None,
)
disp.ax_.set_yscale("log")
disp.ax_.set_title("Error against model capacity")
# The display keeps the raw scores (negative MSE): negate them back.
degree_mse = -disp.test_scores.mean(axis=1)
best_degree = degrees[np.argmin(degree_mse)]
print(f"best degree: {best_degree}, validation MSE {degree_mse.min():.3f}")
print(f"degree 15 without penalty: validation MSE {degree_mse[-1]:.3g}")

# %%
# Keep the capacity, add a penalty
# --------------------------------
# Instead of choosing the degree, keep degree 15 and let an L2 penalty
# (:class:`skreg.Ridge`) shrink the coefficients. A tiny alpha reproduces the
# overfitted polynomial, a huge alpha flattens it (underfitting again), and in
# between the validation error falls from 18.8 (the unpenalized degree-15
# fit above) to 0.235 at the best alpha of this grid, 0.01: about 80 times
# lower. It does not come down to the best low degree, though (degree 5,
# 0.095; a finer grid of alphas gets the penalized model to about 0.18). The
# regularization strength has become a continuous capacity knob that rescues
# the flexible model from its overfitting, but on this problem cutting the
# degree still fits better.
alphas = np.logspace(-8, 2, 11)
disp = ValidationCurveDisplay.from_estimator(
    polynomial_model(15, Ridge()), X, y,
    param_name="ridge__alpha", param_range=alphas,
    cv=cv, scoring="neg_mean_squared_error", negate_score=True,
    score_name="mean squared error", std_display_style=None,
)
disp.ax_.set_xscale("log")
disp.ax_.set_yscale("log")
disp.ax_.set_title("Degree 15, error against the L2 penalty")
ridge_mse = -disp.test_scores.mean(axis=1)
best_alpha = alphas[np.argmin(ridge_mse)]
print(f"degree 15, best alpha {best_alpha:.1g}: validation MSE {ridge_mse.min():.3f}")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(X, y, s=12, color="black", label="training samples")
ax.plot(X_grid, np.sin(2 * np.pi * X_grid), color="tab:green", label="truth")
for alpha, color in [(1e-8, "tab:red"), (best_alpha, "tab:blue")]:
    model = polynomial_model(15, Ridge(alpha=alpha)).fit(X, y)
    ax.plot(X_grid, model.predict(X_grid), color=color, label=f"alpha={alpha:.1g}")
ax.set_ylim(-2, 2)
ax.legend(fontsize="small")
ax.set_title("Degree 15 with and without the penalty")

# %%
# What to remember: capacity (degree, number of features, network size) and
# regularization strength pull in opposite directions. skreg makes the
# second knob available for every model — L1/L2/elastic-net penalties for
# linear models and neural networks, plus dropout, batch normalization, early
# stopping and data augmentation for the networks — and its displays show
# where each setting lands on this curve.
plt.show()
