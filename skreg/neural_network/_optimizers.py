"""Optimizers and the weight penalty, acting on one flat parameter vector.

The parameter vector (see :class:`~skreg.neural_network._layers.Network`)
starts with the ``n_w`` penalized weights; biases and batch-norm parameters
follow and are never penalized nor decayed.

The elastic-net penalty of the weights ``W`` is

    P(W) = l1 * ||W||_1 + l2 / 2 * ||W||_2^2,
    l1 = alpha * l1_ratio / S,  l2 = alpha * (1 - l1_ratio) / S,

with ``S`` the (weighted) number of training samples, so that ``l1_ratio=0``
is scikit-learn's ``alpha / (2 n) ||W||^2`` added to the mean loss.

Every optimizer step is one fused compiled pass, built from small
transforms applied in this order:

1. coupled L2: ``g <- g + l2 * w`` (weights only);
2. decoupled weight decay (AdamW): ``w <- w * (1 - lr * weight_decay)``;
3. the SGD (momentum, Nesterov) or Adam update;
4. L1 proximal step: soft-thresholding of each weight by ``l1`` times the
   step size it just received (``lr / (1 - momentum)`` for SGD, its
   steady-state step with momentum; ``lr_t / (sqrt(v) + eps)`` for Adam: the
   proximal step in Adam's diagonal metric), which sets weights to exactly
   zero.
"""

import math

import numba
import numpy as np

# fastmath without "nnan"/"ninf": a diverged step must keep its NaN/inf so
# that the fit stops with an error (with them, soft-thresholding turned a NaN
# weight into 0 and the network silently restarted from zero weights)
_FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(inline="always", fastmath=_FAST, error_model="numpy")
def _soft_threshold(x, tau, zero):
    """sign(x) * max(|x| - tau, 0), written with copysign: the loops then
    vectorize fully (a min/max form costs Adam's pass ~70 % more).
    ``zero`` has x's dtype; a NaN ``x`` stays NaN."""
    s = abs(x) - tau
    return np.copysign(zero if s <= zero else s, x)


@numba.njit(inline="always", fastmath=_FAST, error_model="numpy")
def _sgd_range(p, g, vel, start, stop, lr, mu, nesterov, l2, tau):
    zero = p.dtype.type(0.0)
    for i in range(start, stop):
        gi = g[i] + l2 * p[i]
        v = mu * vel[i] - lr * gi
        vel[i] = v
        if nesterov:
            pi = p[i] + mu * v - lr * gi
        else:
            pi = p[i] + v
        p[i] = _soft_threshold(pi, tau, zero)


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _sgd_step(p, g, vel, lr, momentum, nesterov, n_w, l2, l1):
    t = p.dtype.type
    zero = t(0.0)
    # Momentum makes the gradient step lr / (1 - momentum) at steady state;
    # the L1 threshold follows it, so that the fixed point is the optimum of
    # the stated penalty (with lr * l1 it solved for (1 - momentum) * l1).
    tau = lr * l1 / (1.0 - momentum) if momentum < 1.0 else lr * l1
    # Penalized weights, then biases and batch-norm parameters.
    _sgd_range(p, g, vel, 0, n_w, t(lr), t(momentum), nesterov, t(l2), t(tau))
    _sgd_range(p, g, vel, n_w, p.size, t(lr), t(momentum), nesterov, zero, zero)


@numba.njit(inline="always", fastmath=_FAST, error_model="numpy")
def _adam_range(p, g, m, v, start, stop, lr_t, b1, b2, c1, c2, eps, l2, l1,
                shrink):
    """Adam update of p[start:stop] with the penalty terms (0 = off).

    Every scalar has p's dtype (an int or float64 constant would promote a
    float32 loop to float64 and halve its SIMD width).
    """
    zero = p.dtype.type(0.0)
    for i in range(start, stop):
        gi = g[i] + l2 * p[i]
        mi = b1 * m[i] + c1 * gi
        vi = b2 * v[i] + c2 * gi * gi
        m[i] = mi
        v[i] = vi
        step = lr_t / (np.sqrt(vi) + eps)
        # Soft-thresholding by 0 is the identity (l1 = 0: plain Adam).
        p[i] = _soft_threshold(p[i] * shrink - step * mi, step * l1, zero)


@numba.njit(inline="always", fastmath=_FAST, error_model="numpy")
def _adam_plain(p, g, m, v, lr_t, b1, b2, c1, c2, eps):
    """Adam update of every parameter, no penalty: the loop above without
    the penalty terms, which are not free in a memory-bound pass (half its
    time)."""
    for i in range(p.size):
        gi = g[i]
        mi = b1 * m[i] + c1 * gi
        vi = b2 * v[i] + c2 * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = p[i] - lr_t / (np.sqrt(vi) + eps) * mi


@numba.njit(cache=True, fastmath=_FAST, error_model="numpy")
def _adam_step(p, g, m, v, lr, lr_t, beta_1, beta_2, eps, n_w, l2, l1, decay):
    t = p.dtype.type
    lr_t = t(lr_t)
    b1 = t(beta_1)
    b2 = t(beta_2)
    eps = t(eps)
    zero = t(0.0)
    c1 = t(1.0 - beta_1)
    c2 = t(1.0 - beta_2)
    if l2 == 0 and l1 == 0 and decay == 0:
        _adam_plain(p, g, m, v, lr_t, b1, b2, c1, c2, eps)
        return
    _adam_range(
        p, g, m, v, 0, n_w, lr_t, b1, b2, c1, c2, eps, t(l2), t(l1),
        t(1.0 - lr * decay),
    )
    # Biases and batch-norm parameters: plain Adam.
    _adam_range(
        p, g, m, v, n_w, p.size, lr_t, b1, b2, c1, c2, eps, zero, zero, t(1.0)
    )


class ElasticNetPenalty:
    """``l1 ||W||_1 + l2/2 ||W||^2`` on the first ``n_w`` parameters."""

    def __init__(self, n_w, l1=0.0, l2=0.0):
        self.n_w = int(n_w)
        self.l1 = float(l1)
        self.l2 = float(l2)

    def value(self, params):
        w = params[: self.n_w]
        out = 0.0
        if self.l2:
            out += 0.5 * self.l2 * float(np.dot(w, w))
        if self.l1:
            out += self.l1 * float(np.abs(w).sum(dtype=np.float64))
        return out

    def add_smooth_gradient(self, params, grads):
        """grads += gradient of the L2 part (the L1 part is non-smooth)."""
        if self.l2:
            grads[: self.n_w] += self.l2 * params[: self.n_w]


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum, as scikit-learn:
    ``v <- momentum v - lr g``; ``w <- w + v`` or, with Nesterov,
    ``w <- w + momentum v - lr g``."""

    def __init__(self, momentum=0.9, nesterov=True):
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def init_state(self, n_params, dtype):
        return {"velocity": np.zeros(n_params, dtype=dtype), "t": 0}

    def step(self, state, params, grads, lr, penalty):
        state["t"] += 1
        _sgd_step(
            params, grads, state["velocity"], lr, self.momentum, self.nesterov,
            penalty.n_w, penalty.l2, penalty.l1,
        )


class Adam:
    """Adam (Kingma & Ba) with scikit-learn's placement of epsilon:
    ``w <- w - lr_t m / (sqrt(v) + eps)``,
    ``lr_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)``.

    ``weight_decay > 0`` gives AdamW (Loshchilov & Hutter): before the
    update, weights (not biases nor batch-norm parameters) are multiplied by
    ``1 - lr * weight_decay``, with ``lr`` the scheduled learning rate.
    """

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=0.0):
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.weight_decay = float(weight_decay)

    def init_state(self, n_params, dtype):
        return {
            "m": np.zeros(n_params, dtype=dtype),
            "v": np.zeros(n_params, dtype=dtype),
            "t": 0,
        }

    def step(self, state, params, grads, lr, penalty):
        state["t"] += 1
        t = state["t"]
        lr_t = lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)
        _adam_step(
            params, grads, state["m"], state["v"], lr, lr_t, self.beta_1,
            self.beta_2, self.epsilon, penalty.n_w, penalty.l2, penalty.l1,
            self.weight_decay,
        )
