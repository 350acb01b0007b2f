"""One optimizer step equals its closed form; schedules follow their formulas."""

import math

import numpy as np
import pytest

from skreg.neural_network._optimizers import SGD, Adam, ElasticNetPenalty
from skreg.neural_network._schedules import LearningRateSchedule

N_PARAMS, N_W = 10, 6  # the first 6 entries are penalized weights


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    return rng.standard_normal(N_PARAMS), rng.standard_normal(N_PARAMS)


def _soft(x, tau):
    return np.sign(x) * np.maximum(np.abs(x) - tau, 0)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_two_steps_closed_form(problem, nesterov):
    p0, g = problem
    lr, mu, l2 = 0.1, 0.9, 0.05
    opt = SGD(momentum=mu, nesterov=nesterov)
    state = opt.init_state(N_PARAMS, np.float64)
    pen = ElasticNetPenalty(N_W, l1=0.0, l2=l2)
    p = p0.copy()
    expected = p0.copy()
    vel = np.zeros(N_PARAMS)
    for _ in range(2):
        g_full = g.copy()
        g_full[:N_W] += l2 * expected[:N_W]
        vel = mu * vel - lr * g_full
        expected = expected + (mu * vel - lr * g_full if nesterov else vel)
        opt.step(state, p, g, lr, pen)
    np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_sgd_l1_proximal_step(problem):
    p0, g = problem
    lr, l1 = 0.5, 0.8
    opt = SGD(momentum=0.0, nesterov=False)
    p = p0.copy()
    opt.step(opt.init_state(N_PARAMS, np.float64), p, g, lr,
             ElasticNetPenalty(N_W, l1=l1))
    expected = p0 - lr * g
    expected[:N_W] = _soft(expected[:N_W], lr * l1)
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert np.any(p[:N_W] == 0.0)  # exact zeros


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_l1_threshold_follows_the_momentum_step(problem, nesterov):
    # with momentum mu the steady-state gradient step is lr / (1 - mu): the
    # L1 threshold is lr * l1 / (1 - mu), so that a fixed point is optimal
    p0, g = problem
    lr, mu, l1 = 0.5, 0.9, 0.08
    opt = SGD(momentum=mu, nesterov=nesterov)
    p = p0.copy()
    opt.step(opt.init_state(N_PARAMS, np.float64), p, g, lr,
             ElasticNetPenalty(N_W, l1=l1))
    v = -lr * g
    expected = p0 + (mu * v - lr * g if nesterov else v)
    expected[:N_W] = _soft(expected[:N_W], lr * l1 / (1 - mu))
    np.testing.assert_allclose(p, expected, rtol=1e-12)


@pytest.mark.parametrize("make_optimizer", [lambda: SGD(0.9, True),
                                            lambda: Adam(0.9, 0.999, 1e-8)])
@pytest.mark.parametrize("l1", [0.0, 0.3])
def test_non_finite_steps_stay_non_finite(problem, make_optimizer, l1):
    # a diverged gradient must not be soft-thresholded back to 0: the fit
    # then stops with "non-finite parameter weights" instead of restarting
    # from zero weights
    p0, g = problem
    g = g.copy()
    g[0], g[1], g[N_W] = np.nan, np.inf, np.nan
    opt = make_optimizer()
    p = p0.copy()
    opt.step(opt.init_state(N_PARAMS, np.float64), p, g, 0.1,
             ElasticNetPenalty(N_W, l1=l1, l2=0.01))
    assert np.isnan(p[0]) and not np.isfinite(p[1]) and np.isnan(p[N_W])
    assert np.all(np.isfinite(p[2:N_W]))


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("l1", [0.0, 0.3])
def test_adam_and_adamw_step_closed_form(problem, weight_decay, l1):
    p0, g = problem
    lr, b1, b2, eps, l2 = 0.01, 0.9, 0.999, 1e-8, 0.02
    opt = Adam(b1, b2, eps, weight_decay=weight_decay)
    state = opt.init_state(N_PARAMS, np.float64)
    p = p0.copy()
    opt.step(state, p, g, lr, ElasticNetPenalty(N_W, l1=l1, l2=l2))

    g_full = g.copy()
    g_full[:N_W] += l2 * p0[:N_W]
    m = (1 - b1) * g_full
    v = (1 - b2) * g_full**2
    lr_t = lr * math.sqrt(1 - b2) / (1 - b1)
    step = lr_t / (np.sqrt(v) + eps)
    decayed = p0.copy()
    decayed[:N_W] *= 1 - lr * weight_decay  # decoupled: weights only
    expected = decayed - step * m
    expected[:N_W] = _soft(expected[:N_W], step[:N_W] * l1)
    np.testing.assert_allclose(p, expected, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(state["m"], m, rtol=1e-6)
    np.testing.assert_allclose(state["v"], v, rtol=1e-6)


def test_adamw_decay_leaves_biases_alone():
    p = np.ones(N_PARAMS)
    opt = Adam(weight_decay=0.5)
    opt.step(opt.init_state(N_PARAMS, np.float64), p, np.zeros(N_PARAMS), 0.1,
             ElasticNetPenalty(N_W))
    np.testing.assert_allclose(p[:N_W], 0.95)
    np.testing.assert_allclose(p[N_W:], 1.0)


def test_adam_float32_state_stays_float32(problem):
    p0, g = problem
    p = p0.astype(np.float32)
    opt = Adam()
    state = opt.init_state(N_PARAMS, np.float32)
    opt.step(state, p, g.astype(np.float32), 1e-3, ElasticNetPenalty(N_W, l2=0.1))
    assert p.dtype == state["m"].dtype == np.float32


def test_schedules():
    const = LearningRateSchedule("constant", 0.1)
    const.epoch_end(5, 1000)
    assert const.learning_rate == 0.1
    inv = LearningRateSchedule("invscaling", 0.1, power_t=0.5)
    inv.epoch_end(1, 99)
    assert inv.learning_rate == pytest.approx(0.01)
    cos = LearningRateSchedule("cosine", 0.1, max_iter=10)
    cos.epoch_end(5, 0)
    assert cos.learning_rate == pytest.approx(0.05)
    cos.epoch_end(10, 0)
    assert cos.learning_rate == pytest.approx(0.0, abs=1e-15)
    ada = LearningRateSchedule("adaptive", 0.1)
    assert ada.on_plateau() is False and ada.learning_rate == pytest.approx(0.02)
    assert const.on_plateau() is True
