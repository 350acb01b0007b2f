"""
=========================================
MLP regularizers one by one
=========================================

A neural network with two hidden layers of 64 units has thousands of weights;
trained on 200 noisy samples it memorizes them. This example switches on
skreg's regularizers for :class:`~skreg.MLPClassifier` one at a time — L2,
L1, dropout, batch normalization, early stopping, input noise and mixup —
and shows for each its training history
(:class:`~skreg.plotting.TrainingHistoryDisplay`: where the validation loss
parts from the training loss, the network starts to overfit) and a
validation curve over its strength
(:class:`~sklearn.model_selection.ValidationCurveDisplay`).
"""

# %%
# Two noisy moons hidden among twenty useless features
# -----------------------------------------------------
# Two informative features, twenty pure-noise ones, and label noise from the
# overlapping moons: an easy target to overfit. 200 samples train, 200
# validate (the histories and curves), 200 test.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import ValidationCurveDisplay

from skreg import MLPClassifier
from skreg.plotting import TrainingHistoryDisplay

warnings.filterwarnings("ignore", category=ConvergenceWarning)
rng = np.random.default_rng(0)
X, y = make_moons(n_samples=600, noise=0.3, random_state=0)
X = np.hstack([X, rng.normal(size=(600, 20))])
X_train, y_train = X[:200], y[:200]
X_val, y_val = X[200:400], y[200:400]
X_test, y_test = X[400:], y[400:]
# One fixed train/validation split for the validation curves (cheaper than
# K folds, and the same data as the histories).
X_trval, y_trval = X[:400], y[:400]
split = [(np.arange(200), np.arange(200, 400))]

# No regularization at all; ``n_iter_no_change`` larger than ``max_iter``
# keeps the training running for the full 80 epochs.
base = dict(hidden_layer_sizes=(64, 64), alpha=0.0, max_iter=80,
            learning_rate_init=3e-3, batch_size=32, n_iter_no_change=1000,
            random_state=0)
test_accuracy = {}


def study(name, params, param_name=None, param_range=None):
    """Fit with ``params``; draw its history and a validation curve."""
    model = MLPClassifier(**{**base, **params})
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    test_accuracy[name] = model.score(X_test, y_test)
    ncols = 1 if param_name is None else 2
    fig, axes = plt.subplots(1, ncols, figsize=(5.5 * ncols, 3.6), squeeze=False)
    history = TrainingHistoryDisplay.from_estimator(model, ax=axes[0, 0])
    history.ax_.set_title(f"{name}: history (test acc. {test_accuracy[name]:.2f})")
    if param_name is not None:
        curve = ValidationCurveDisplay.from_estimator(
            MLPClassifier(**{**base, **params}), X_trval, y_trval,
            param_name=param_name, param_range=param_range, cv=split,
            score_name="accuracy", std_display_style=None, ax=axes[0, 1],
        )
        curve.ax_.set_title(f"{name}: accuracy against {param_name}")
    fig.tight_layout()
    return model


# %%
# The baseline overfits
# ---------------------
# Training loss goes to zero and training accuracy to 1, while the validation
# loss reaches its minimum within the first epochs and then climbs: every
# later epoch fits noise.
study("no regularization", {})

# %%
# L2 weight penalty (``alpha``)
# -----------------------------
# ``alpha`` adds :math:`\frac{\alpha}{2S}\|W\|_2^2` to the mean loss
# (:math:`S` training samples; unlike scikit-learn, the same for every solver
# and batch size). It pulls all weights towards zero and flattens the
# decision function. The history shows a higher training loss and a
# validation loss that no longer runs away.
study("L2", {"alpha": 3.0}, "alpha", [0.1, 1.0, 3.0, 10.0])

# %%
# L1 weight penalty (``l1_ratio=1``)
# ----------------------------------
# The same penalty with an L1 norm, applied by a soft-thresholding step after
# each update, so that weights become exactly zero, not just small. At
# ``alpha=1`` most weights of every layer are exactly zero (the first line
# printed below). It does not remove input features here, though: an input
# would be ignored only if all its outgoing weights were zero, and each of the
# 22 inputs keeps a few non-zero ones. What the penalty does to the inputs is
# weaken the noise: the summed absolute weight leaving the two moon
# coordinates (1.61 and 4.08) is 5 and 12 times that of an average noise
# input (0.35). No alpha we tried prunes the noise inputs alone on this
# problem: at 0.5, 1, 1.5 and 1.75 all 22 inputs keep non-zero weights, and
# at 2 every weight is zero and the network predicts a constant (the right
# end of the validation curve).
l1_model = study("L1", {"alpha": 1.0, "l1_ratio": 1.0}, "alpha", [0.3, 1.0, 2.0, 3.0])
zero_share = [float(np.mean(W == 0)) for W in l1_model.coefs_]
input_weight = np.abs(l1_model.coefs_[0]).sum(axis=1)
used = np.flatnonzero(input_weight)
print("share of exactly-zero weights per layer:", np.round(zero_share, 2).tolist())
print(f"input features still used: {used.size} of {X.shape[1]}")
print("summed |weight| leaving each moon input:",
      np.round(input_weight[:2], 2).tolist(),
      f"- mean over the 20 noise inputs: {input_weight[2:].mean():.2f}")

# %%
# Dropout
# -------
# During training each hidden unit is zeroed with probability ``dropout``
# (and the survivors scaled by :math:`1/(1-p)`), so no unit can rely on a
# specific other one; at prediction time every unit is used. The training
# loss is noisier and higher — the network is trained as an ensemble of
# thinned sub-networks.
study("dropout", {"dropout": 0.5}, "dropout", [0.0, 0.25, 0.5, 0.75])

# %%
# Batch normalization
# -------------------
# ``batch_norm=True`` standardizes each hidden layer's pre-activations with
# the statistics of the minibatch (running averages at prediction). Its
# first purpose is faster, more stable optimization; the minibatch noise in
# the statistics adds a mild regularization. Its validation curve is over the
# learning rate, which batch normalization makes less critical.
study("batch norm", {"batch_norm": True}, "learning_rate_init",
      [1e-3, 3e-3, 1e-2, 3e-2])

# %%
# Early stopping
# --------------
# Stop when the validation loss has not improved (by more than ``tol``) for
# more than ``n_iter_no_change`` epochs, i.e. after 11 such epochs with
# ``n_iter_no_change=10``, and restore the weights of the best epoch (red
# line). Training time becomes the capacity knob. Here the validation loss is
# lowest at epoch 4 and training stops 11 epochs later, at epoch 15 (printed
# below). The validation curve on the right shows the unregularized network's
# accuracy against the number of epochs it is allowed to train (``max_iter``,
# no early stopping): training accuracy reaches 1.0 by 20 epochs, validation
# accuracy peaks at 0.765 (10 and 20 epochs) and then falls slowly (0.755
# at 80). Early stopping on the validation *loss* stops before that peak:
# its validation accuracy at epoch 4 is 0.73, and its test accuracy is the
# lowest in the summary below. Because the best weights are restored, the
# patience mostly decides how long training runs, not which model is kept.
early = study("early stopping",
              {"early_stopping": True, "monitor": "val_loss", "n_iter_no_change": 10})
print(f"best epoch: {early.best_epoch_ + 1}, epochs run: {early.n_iter_}, "
      f"validation accuracy at the best epoch: "
      f"{early.validation_scores_[early.best_epoch_]:.3f}")
curve = ValidationCurveDisplay.from_estimator(
    MLPClassifier(**base), X_trval, y_trval, param_name="max_iter",
    param_range=[2, 5, 10, 20, 40, 80], cv=split, score_name="accuracy",
    std_display_style=None,
)
print("validation accuracy after 2, 5, 10, 20, 40, 80 epochs:",
      np.round(curve.test_scores.ravel(), 3).tolist())
curve.ax_.set_title("no regularization: accuracy against epochs")

# %%
# Gaussian input noise (``noise_std``)
# ------------------------------------
# Every minibatch is perturbed by Gaussian noise of ``noise_std`` times each
# feature's standard deviation, so the network never sees the same point
# twice: a data-augmentation scheme for tabular data, equivalent for small
# noise to a penalty on the network's sensitivity to its inputs.
study("input noise", {"noise_std": 0.5}, "noise_std", [0.0, 0.25, 0.5, 1.0])

# %%
# Mixup (``mixup_alpha``)
# -----------------------
# Train on convex combinations of pairs of samples and of their (one-hot)
# labels, with a mixing weight drawn from
# :math:`\mathrm{Beta}(\alpha, \alpha)`. The network is pushed to behave
# linearly between training points, which smooths the decision boundary.
study("mixup", {"mixup_alpha": 0.4}, "mixup_alpha", [0.0, 0.2, 0.4, 1.0])

# %%
# Summary
# -------
# Test accuracy of each single regularizer, at the setting used for its
# history, on the 200 test samples. Against 0.800 without regularization,
# L1 (0.845), L2 (0.830), dropout (0.825) and mixup (0.820) do better, while
# input noise (0.790), batch normalization (0.780) and early stopping
# (0.755) do worse at these settings. The standard error of an accuracy near
# 0.8 on 200 samples is about 2.8 points and the largest difference from
# the baseline is 4.5 points (1.6 standard errors), so this single split
# does not rank the regularizers; each is also shown at a single strength
# (the validation curves above show the effect of the others). Batch
# normalization is mainly an aid to optimization, and early stopping here
# keeps the epoch with the lowest validation *loss*, which is not the one
# with the best validation accuracy.
for name, acc in test_accuracy.items():
    print(f"{name:>18}: {acc:.3f}")
plt.show()
