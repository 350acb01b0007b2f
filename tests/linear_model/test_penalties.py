"""The elastic-net prox and KKT distance against their definitions."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from skreg.linear_model._penalties import (
    enet_alpha_max,
    enet_prox,
    enet_subdiff_distance,
)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("z", [-2.0, -0.1, 0.0, 0.05, 1.5])
def test_prox_is_the_argmin(z, l1_ratio, positive):
    step, alpha_j = 0.7, 0.9

    def objective(w):
        if positive and w < 0:
            return np.inf
        return (w - z) ** 2 / (2 * step) + alpha_j * (
            l1_ratio * abs(w) + 0.5 * (1 - l1_ratio) * w * w
        )

    bounds = (0.0, 10.0) if positive else (-10.0, 10.0)
    ref = minimize_scalar(objective, bounds=bounds, method="bounded",
                          options={"xatol": 1e-12}).x
    assert enet_prox(z, step, alpha_j, l1_ratio, positive) == pytest.approx(
        ref, abs=1e-7
    )


def test_prox_fixed_point_has_zero_kkt_distance():
    # w = prox(w - step * g) <=> 0 in g + dP(w): the two functions must agree.
    rng = np.random.default_rng(0)
    for _ in range(200):
        g, w0 = rng.normal(size=2)
        alpha_j, l1_ratio = rng.uniform(0.1, 2.0), rng.uniform()
        positive = bool(rng.integers(2))
        w = enet_prox(w0 - g, 1.0, alpha_j, l1_ratio, positive)
        # w minimizes (v - w0)^2 / 2 + g v + P(v); its gradient at w is w - w0 + g
        dist = enet_subdiff_distance(w, w - w0 + g, alpha_j, l1_ratio, positive)
        assert dist == pytest.approx(0.0, abs=1e-12)


def test_subdiff_distance_at_zero():
    assert enet_subdiff_distance(0.0, 0.5, 1.0, 1.0, False) == 0.0
    assert enet_subdiff_distance(0.0, 1.5, 1.0, 1.0, False) == pytest.approx(0.5)
    # positive: a positive gradient at 0 is always fine
    assert enet_subdiff_distance(0.0, 5.0, 1.0, 1.0, True) == 0.0
    assert enet_subdiff_distance(0.0, -1.5, 1.0, 1.0, True) == pytest.approx(0.5)


def test_alpha_max():
    grad = np.array([0.5, -2.0, 1.0])
    pf = np.array([1.0, 2.0, 0.0])
    assert enet_alpha_max(grad, 1.0, pf) == pytest.approx(1.0)
    assert enet_alpha_max(grad, 0.5, pf) == pytest.approx(2.0)
    assert enet_alpha_max(grad, 1.0, pf, positive=True) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="l1_ratio=0"):
        enet_alpha_max(grad, 0.0, pf)
