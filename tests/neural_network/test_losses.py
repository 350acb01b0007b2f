"""Loss values against their closed forms, loss gradients and penalty
gradients against central finite differences (float64)."""

import numpy as np
import pytest
from scipy.special import expit, softmax, xlogy

from skreg.neural_network._losses import Loss, r2_from_stats
from skreg.neural_network._optimizers import ElasticNetPenalty

from .test_layers import numerical_grad


def _targets(name, rng, m, k):
    if name == "log_loss":
        Y = rng.random((m, k))  # soft labels (mixup) are allowed
        return Y / Y.sum(1, keepdims=True)
    if name == "binary_log_loss":
        return (rng.random((m, k)) < 0.5).astype(float)
    if name == "poisson":
        return rng.poisson(2.0, (m, k)).astype(float)
    return rng.standard_normal((m, k))


def _closed_form(name, Z, Y):
    """Per-sample losses written with probabilities, as scikit-learn does."""
    if name == "squared_error":
        return 0.5 * ((Z - Y) ** 2).sum(1)
    if name == "poisson":
        mu = np.exp(Z)
        return (xlogy(Y, Y / mu) - Y + mu).sum(1)
    if name == "binary_log_loss":
        p = expit(Z)
        return -(xlogy(Y, p) + xlogy(1 - Y, 1 - p)).sum(1)
    return -(xlogy(Y, softmax(Z, axis=1))).sum(1)


@pytest.mark.parametrize(
    "name", ["squared_error", "poisson", "binary_log_loss", "log_loss"]
)
def test_loss_value_prediction_and_gradient(name):
    rng = np.random.default_rng(1)
    m, k = 6, 3
    Z = rng.standard_normal((m, k))
    Y = _targets(name, rng, m, k)
    sw = rng.random(m) + 0.1
    loss = Loss(name)

    expected = np.sum(sw * _closed_form(name, Z, Y)) / sw.sum()
    P = Z.copy()
    D = np.empty_like(Z)
    total = loss.value_and_delta(P, Y, sw, 1.0 / sw.sum(), D)
    np.testing.assert_allclose(total / sw.sum(), expected, rtol=1e-12)
    np.testing.assert_allclose(P, loss.inverse_link(Z.copy()), rtol=1e-12)

    def f():
        return loss.mean_value(Z.copy(), Y, sw)

    np.testing.assert_allclose(D, numerical_grad(f, Z), rtol=1e-6, atol=1e-9)


def test_log_loss_is_finite_for_extreme_outputs():
    loss = Loss("log_loss")
    Z = np.array([[1000.0, -1000.0, 0.0]])
    Y = np.array([[0.0, 1.0, 0.0]])
    value = loss.mean_value(Z, Y, np.ones(1))
    assert np.isfinite(value) and value == pytest.approx(2000.0)


def test_train_score_stats_match_sklearn_metrics():
    from sklearn.metrics import accuracy_score, r2_score

    rng = np.random.default_rng(0)
    P = rng.standard_normal((20, 2))
    Y = rng.standard_normal((20, 2))
    sw = rng.random(20)
    reg = Loss("squared_error")
    acc = reg.new_score_stats(2)
    reg.score_stats(P[:7], Y[:7], sw[:7], acc)  # two minibatches
    reg.score_stats(P[7:], Y[7:], sw[7:], acc)
    assert r2_from_stats(acc) == pytest.approx(r2_score(Y, P, sample_weight=sw))

    clf = Loss("log_loss")
    labels = rng.integers(0, 3, 20)
    Yc = np.eye(3)[labels]
    Pc = softmax(rng.standard_normal((20, 3)), axis=1)
    acc = clf.new_score_stats(3)
    clf.score_stats(Pc, Yc, sw, acc)
    assert clf.score_from_stats(acc) == pytest.approx(
        accuracy_score(labels, Pc.argmax(1), sample_weight=sw)
    )


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e8])
def test_r2_stats_do_not_cancel_for_a_large_target_offset(offset):
    # sum w y^2 - (sum w y)^2 / sum w cancelled: R^2 0 instead of 0.90 at 1e8
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(1)
    Y = offset + rng.standard_normal((50, 1))
    P = Y + 0.3 * rng.standard_normal((50, 1))
    reg = Loss("squared_error")
    acc = reg.new_score_stats(1)
    reg.score_stats(P[:20], Y[:20], np.ones(20), acc)
    reg.score_stats(P[20:], Y[20:], np.ones(30), acc)
    assert reg.score_from_stats(acc) == pytest.approx(r2_score(Y, P), rel=1e-9)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5, 1.0])
def test_penalty_value_and_smooth_gradient(l1_ratio):
    rng = np.random.default_rng(2)
    params = rng.standard_normal(12)
    alpha, S, n_w = 0.3, 7.0, 9
    pen = ElasticNetPenalty(
        n_w, l1=alpha * l1_ratio / S, l2=alpha * (1 - l1_ratio) / S
    )
    w = params[:n_w]
    expected = (alpha / S) * (
        l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w
    )
    assert pen.value(params) == pytest.approx(expected, rel=1e-12)

    # Smooth (L2) part: gradient against finite differences; biases untouched.
    l2_only = ElasticNetPenalty(n_w, l1=0.0, l2=pen.l2)
    grads = np.zeros_like(params)
    l2_only.add_smooth_gradient(params, grads)
    numeric = numerical_grad(lambda: l2_only.value(params), params)
    np.testing.assert_allclose(grads, numeric, rtol=1e-6, atol=1e-10)
    assert np.all(grads[n_w:] == 0)

    # L1 part: away from 0 its gradient is l1 * sign(w).
    l1_only = ElasticNetPenalty(n_w, l1=pen.l1, l2=0.0)
    numeric = numerical_grad(lambda: l1_only.value(params), params)
    np.testing.assert_allclose(numeric[:n_w], pen.l1 * np.sign(w), atol=1e-8)
    np.testing.assert_allclose(numeric[n_w:], 0.0, atol=1e-10)
