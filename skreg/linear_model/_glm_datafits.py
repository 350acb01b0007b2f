r"""Logistic and multinomial datafits for the prox-Newton solver.

Both are weighted *means* of per-sample losses (the weights ``sw`` sum to
one), as functions of the scores ``Z`` of shape ``(n_rows, n_samples)``:

* :class:`BinaryLogistic`: ``n_rows = 1``, labels in {-1, +1},
  :math:`F(z) = \sum_i s_i \log(1 + e^{-y_i z_i})`;
* :class:`Multinomial`: ``n_rows = K``, labels in {0..K-1},
  :math:`F(Z) = \sum_i s_i (\log \sum_k e^{Z_{ki}} - Z_{y_i i})`.

They are small Python objects holding arrays (never stored on estimators);
the arithmetic happens in :mod:`._glm_kernels`. ``prepare(Z)`` computes the
per-sample first derivatives (returned, ``raw`` of shape (n_rows, n)) and
keeps the curvature needed by ``hess_diag``, ``intercept_hess`` and
``cd_epochs`` until the next call.
"""

import numpy as np

from ._glm_kernels import (
    binary_cd_epochs,
    binary_derivatives,
    binary_entropy_sum,
    binary_fused_loss_grad,
    binary_loss,
    binary_loss_along,
    hess_diag,
    multinomial_cd_epochs,
    multinomial_derivatives,
    multinomial_hess_diag,
    multinomial_loss,
    multinomial_loss_along,
    recenter_rows,
)


def generic_loss_and_gradient(datafit, Xa, W, b):
    """Loss, gradients and scores from a scores pass and a gradient pass."""
    Z = Xa.scores(W, b)
    loss = datafit.loss(Z)
    raw = datafit.prepare(Z)
    return loss, Xa.gradient(raw), raw.sum(axis=1), Z


class BinaryLogistic:
    """Mean logistic loss; ``y`` holds -1/+1, ``sw`` sums to one."""

    n_rows = 1

    def __init__(self, y, sw):
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.sw = np.ascontiguousarray(sw, dtype=np.float64)
        n = self.y.shape[0]
        self._raw = np.empty((1, n))
        self._hess = np.empty(n)

    def loss(self, Z):
        return binary_loss(Z[0], self.y, self.sw)

    def loss_along(self, Z, Q, t):
        return binary_loss_along(Z[0], Q[0], t, self.y, self.sw)

    def prepare(self, Z):
        binary_derivatives(Z[0], self.y, self.sw, self._raw[0], self._hess)
        return self._raw

    def hess_diag(self, kargs, ws):
        out = np.empty((ws.shape[0], 1))
        hess_diag(*kargs, ws, self._hess, out[:, 0])
        return out

    def intercept_hess(self):
        return np.array([self._hess.sum()])

    def cd_epochs(self, kargs, ws, W_ws, G_ws, Hd, alpha_ws, l1_ratio, Q,
                  fit_intercept, grad_b, hess_b, delta_b, max_epochs, tol):
        # 1-D views of the single row; updates land in W_ws / Q / delta_b
        w = np.ascontiguousarray(W_ws[:, 0])
        n_epochs = binary_cd_epochs(*kargs, ws, w, np.ascontiguousarray(G_ws[:, 0]),
                                    np.ascontiguousarray(Hd[:, 0]), alpha_ws,
                                    l1_ratio, self._hess, Q[0], fit_intercept,
                                    float(grad_b[0]), float(hess_b[0]), delta_b,
                                    max_epochs, tol)
        W_ws[:, 0] = w
        return n_epochs

    def canonicalize(self, W_rows, l1_ratio):
        """Nothing to do: the binary loss has no invariant direction."""

    def loss_and_gradient(self, Xa, W, b):
        """``(loss, grad_W (p, 1), grad_b (1,), Z (1, n))`` at ``(W, b)``.

        One pass over a C-ordered dense float64 X (fused kernel), else the
        generic two products.
        """
        X = Xa.matrix
        if (not Xa.is_sparse and X.dtype == np.float64
                and X.flags.c_contiguous):
            Z = np.empty((1, X.shape[0]))
            G = np.empty((X.shape[1], 1))
            loss, gb = binary_fused_loss_grad(
                X, np.ascontiguousarray(W[:, 0]), float(b[0]), self.y, self.sw,
                Z[0], G[:, 0])
            return loss, G, np.array([gb]), Z
        return generic_loss_and_gradient(self, Xa, W, b)

    def null_intercept(self):
        """Optimal intercept of the model with all coefficients at 0."""
        pos = float(self.sw[self.y > 0].sum())
        neg = float(self.sw[self.y < 0].sum())
        return np.array([np.log(pos / neg)])

    def dual_gap(self, Xa, W, b, Z, alpha, l1_ratio, penalty_factor,
                 fit_intercept):
        r"""Fenchel duality gap of the binary problem at ``(W, b)``.

        The dual variable is :math:`\theta_i = \sigma(-y_i z_i) \in [0, 1]`
        (the probability of the wrong class), with
        :math:`D(\theta) = \sum_i s_i H(\theta_i) - \sum_j
        \psi_j^*(X_j^\top (s \odot y \odot \theta))`, where ``H`` is the
        binary entropy and :math:`\psi_j^*` the conjugate of the penalty of
        feature j. ``theta`` is first made dual feasible: the intercept
        constraint :math:`\sum_i s_i y_i \theta_i = 0` by shrinking the larger
        class's side, and for ``l1_ratio == 1`` the box
        :math:`|X_j^\top u| \le \alpha f_j` by a common scaling. Returns NaN
        when the dual is not finite (``alpha == 0`` or a zero penalty
        factor).
        """
        if alpha <= 0.0 or np.any(penalty_factor <= 0.0):
            return np.nan
        pf = penalty_factor
        theta = self.prepare(Z)[0] / (-self.sw * self.y)
        theta = np.where(self.sw > 0, theta, 0.0)
        theta = np.clip(theta, 0.0, 1.0)
        if fit_intercept:
            pos = float(self.sw[self.y > 0] @ theta[self.y > 0])
            neg = float(self.sw[self.y < 0] @ theta[self.y < 0])
            if pos > neg:
                theta = np.where(self.y > 0, theta * (neg / pos), theta)
            elif neg > pos:
                theta = np.where(self.y < 0, theta * (pos / neg), theta)
        u = self.sw * self.y * theta
        v = Xa.gradient(u[None, :])[:, 0]
        a = alpha * pf
        if l1_ratio >= 1.0:
            ratio = np.max(np.abs(v) / a) if v.size else 0.0
            if ratio > 1.0:
                theta = theta / ratio
                v = v / ratio
            conj = 0.0
        else:
            excess = np.maximum(np.abs(v) - a * l1_ratio, 0.0)
            conj = float(np.sum(excess * excess / (2.0 * a * (1.0 - l1_ratio))))
        dual = binary_entropy_sum(theta, self.sw) - conj
        primal = self.loss(Z) + float(
            a @ (l1_ratio * np.abs(W[:, 0]) + 0.5 * (1.0 - l1_ratio) * W[:, 0] ** 2)
        )
        return max(primal - dual, 0.0)


class Multinomial:
    """Mean softmax cross-entropy; ``y`` holds 0..K-1, ``sw`` sums to one."""

    def __init__(self, y, sw, n_classes):
        self.y = np.ascontiguousarray(y, dtype=np.int64)
        self.sw = np.ascontiguousarray(sw, dtype=np.float64)
        self.n_rows = int(n_classes)
        n = self.y.shape[0]
        self._raw = np.empty((self.n_rows, n))
        self._P = np.empty((self.n_rows, n))

    def loss(self, Z):
        return multinomial_loss(Z, self.y, self.sw)

    def loss_along(self, Z, Q, t):
        return multinomial_loss_along(Z, Q, t, self.y, self.sw)

    def prepare(self, Z):
        multinomial_derivatives(Z, self.y, self.sw, self._P, self._raw)
        return self._raw

    def hess_diag(self, kargs, ws):
        out = np.empty((ws.shape[0], self.n_rows))
        multinomial_hess_diag(*kargs, ws, self._P, self.sw, out)
        return out

    def intercept_hess(self):
        return (self.sw[None, :] * self._P * (1.0 - self._P)).sum(axis=1)

    def cd_epochs(self, kargs, ws, W_ws, G_ws, Hd, alpha_ws, l1_ratio, Q,
                  fit_intercept, grad_b, hess_b, delta_b, max_epochs, tol):
        mvec = np.zeros(Q.shape[1])
        return multinomial_cd_epochs(*kargs, ws, W_ws, np.ascontiguousarray(G_ws),
                                     np.ascontiguousarray(Hd), alpha_ws, l1_ratio,
                                     self._P, self.sw, Q, mvec, fit_intercept,
                                     np.ascontiguousarray(grad_b, dtype=np.float64),
                                     hess_b, delta_b, max_epochs, tol)

    def canonicalize(self, W_rows, l1_ratio):
        """Move each feature's row to its penalty-optimal common shift.

        The loss is unchanged (softmax is shift invariant) and the penalty
        can only decrease; without this the nearly flat shift direction
        (curvature ~ alpha) makes coordinate descent crawl at large C.
        """
        recenter_rows(W_rows, l1_ratio)

    def loss_and_gradient(self, Xa, W, b):
        """``(loss, grad_W (p, K), grad_b (K,), Z (K, n))`` at ``(W, b)``."""
        return generic_loss_and_gradient(self, Xa, W, b)

    def null_intercept(self):
        """Optimal (centered) intercepts with all coefficients at 0."""
        mass = np.bincount(self.y, weights=self.sw, minlength=self.n_rows)
        logm = np.log(np.maximum(mass, 1e-300))
        return logm - logm.mean()

    def dual_gap(self, *args, **kwargs):
        """Not computed for the multinomial loss (returns NaN)."""
        return np.nan
