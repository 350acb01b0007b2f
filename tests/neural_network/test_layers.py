"""Gradients of every layer and of a whole network against central finite
differences (float64)."""

import numpy as np
import pytest

from skreg.neural_network._layers import (
    Activation,
    BatchNorm,
    Dense,
    Dropout,
    Network,
)
from skreg.neural_network._losses import Loss


def numerical_grad(f, x, eps=1e-6):
    """Central differences of the scalar function f with respect to x (in place)."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("m, k", [(5, 3), (37, 1)])
def test_dense_gradients(rng, activation, m, k):
    """Dense layer with its fused activation: f = sum(R * layer(X)).

    (37, 1): more rows than one block of the bias-gradient sum, and the
    single-output layer whose input gradient is an outer product.
    """
    X = rng.standard_normal((m, 4))
    R = rng.standard_normal((m, k))
    layer = Dense(4, k, activation=activation)
    layer.W = rng.standard_normal((4, k))
    layer.b = rng.standard_normal(k)
    layer.gW = np.zeros((4, k))
    layer.gb = np.zeros(k)

    def f():
        return float(np.sum(R * layer.forward(X, training=True)))

    out = layer.forward(X, training=True).copy()
    np.testing.assert_allclose(
        out, Activation(activation).forward(X @ layer.W + layer.b, False)
    )
    dX = layer.backward(R.copy())
    tol = dict(rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(layer.gW, numerical_grad(f, layer.W), **tol)
    np.testing.assert_allclose(layer.gb, numerical_grad(f, layer.b), **tol)
    np.testing.assert_allclose(dX, numerical_grad(f, X), **tol)


@pytest.mark.parametrize("name", ["identity", "logistic", "tanh", "relu"])
def test_activation_gradients(rng, name):
    Z = rng.standard_normal((6, 5))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from relu's kink
    R = rng.standard_normal((6, 5))
    layer = Activation(name)

    def f():
        return float(np.sum(R * layer.forward(Z.copy(), training=False)))

    layer.forward(Z.copy(), training=True)
    dZ = layer.backward(R.copy())
    np.testing.assert_allclose(dZ, numerical_grad(f, Z), rtol=1e-5, atol=1e-8)


def test_dropout_gradient_with_fixed_mask(rng):
    A = rng.standard_normal((6, 5))
    R = rng.standard_normal((6, 5))
    layer = Dropout(0.4)
    keep = rng.random((6, 5)) < 0.6
    layer.fixed_mask = keep / 0.6

    def f():
        return float(np.sum(R * layer.forward(A.copy(), training=True)))

    out = layer.forward(A.copy(), training=True)
    np.testing.assert_allclose(out, A * keep / 0.6)
    dA = layer.backward(R.copy())
    np.testing.assert_allclose(dA, numerical_grad(f, A), rtol=1e-6, atol=1e-9)


def test_batchnorm_training_gradients(rng):
    m, h = 7, 4
    Z = rng.standard_normal((m, h)) * 3 + 1
    R = rng.standard_normal((m, h))
    layer = BatchNorm(h)
    layer.gamma = rng.standard_normal(h)
    layer.beta = rng.standard_normal(h)
    layer.ggamma = np.zeros(h)
    layer.gbeta = np.zeros(h)
    layer.running_mean = np.zeros(h)
    layer.running_var = np.ones(h)
    layer.update_running = False

    def f():
        return float(np.sum(R * layer.forward(Z.copy(), training=True)))

    out = layer.forward(Z.copy(), training=True)
    expected = (Z - Z.mean(0)) / np.sqrt(Z.var(0) + layer.eps)
    np.testing.assert_allclose(out, expected * layer.gamma + layer.beta, rtol=1e-10)
    dZ = layer.backward(R.copy())
    np.testing.assert_allclose(dZ, numerical_grad(f, Z), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(
        layer.ggamma, numerical_grad(f, layer.gamma), rtol=1e-6
    )
    np.testing.assert_allclose(layer.gbeta, numerical_grad(f, layer.beta), rtol=1e-6)


def test_batchnorm_running_statistics_convention(rng):
    layer = BatchNorm(3, momentum=0.25)
    layer.gamma, layer.beta = np.ones(3), np.zeros(3)
    layer.running_mean, layer.running_var = np.zeros(3), np.ones(3)
    Z = rng.standard_normal((10, 3)) + 2
    layer.forward(Z.copy(), training=True)
    np.testing.assert_allclose(layer.running_mean, 0.25 * Z.mean(0))
    np.testing.assert_allclose(layer.running_var, 0.75 + 0.25 * Z.var(0, ddof=1))


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "relu", "logistic"])
def test_network_gradient(rng, batch_norm, activation):
    """Backpropagation through dense + batch norm + activation + dropout."""
    units = [4, 5, 3, 2]
    net = Network(units, activation, [0.3, 0.0], batch_norm, np.float64)
    net.params[:] = rng.standard_normal(net.params.size) * 0.7
    X = rng.standard_normal((8, 4))
    Y = np.eye(2)[rng.integers(0, 2, 8)]
    sw = rng.random(8) + 0.5
    for layer in net.dropouts:
        layer.fixed_mask = (rng.random((8, 5)) < 0.7) / 0.7
    for bn in net.batch_norms:
        bn.update_running = False
    loss = Loss("log_loss")

    def f():
        Z = net.forward(X, training=True).copy()
        return loss.value_and_delta(Z, Y, sw, 1.0 / sw.sum(), np.empty_like(Z)) / (
            sw.sum()
        )

    Z = net.forward(X, training=True)
    D = np.empty_like(Z)
    loss.value_and_delta(Z, Y, sw, 1.0 / sw.sum(), D)
    net.backward(D)
    analytic = net.grads.copy()
    numeric = numerical_grad(f, net.params)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
