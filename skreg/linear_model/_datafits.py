r"""Datafits: the smooth, sample-dependent part of a linear model's objective.

Quadratic
---------
The least-squares datafit with (normalised) sample weights :math:`s_i`,
:math:`\sum_i s_i = n`:

.. math::

    F(w, b) = \frac{1}{2n} \sum_i s_i (y_i - x_i^\top w - b)^2 .

The solvers work in the *n-scaled* units of scikit-learn's ``cd_fast``
(objective multiplied by ``n``), with the intercept profiled out by implicit
weighted centering: :math:`\tilde X = D^{1/2}(X - 1\bar x^\top)`,
:math:`\tilde y = D^{1/2}(y - \bar y)`, :math:`D = \mathrm{diag}(s)`. X is never
centered in memory. The compiled kernels keep the *raw* residual
:math:`R = (y - \bar y) - X w` and the scalar :math:`S = \sum_i s_i R_i`; the
centered residual is :math:`r = R - S / n`, the correlation of feature j with
it is :math:`g_j = \sum_i s_i X_{ij} R_i - \bar x_j S`.

For the elastic-net penalty with per-feature strengths
:math:`\lambda_{1j}, \lambda_{2j}` (n-scaled) the Fenchel dual is, for
:math:`\theta \in \mathbb{R}^n`,

.. math::

    D(\theta) = \tilde y^\top \theta - \tfrac12 \|\theta\|^2
      - \sum_j P_j^*(\tilde X_j^\top \theta), \qquad
    P_j^*(c) = \frac{(|c| - \lambda_{1j})_+^2}{2 \lambda_{2j}}

(``c`` instead of ``|c|`` with ``positive``; for :math:`\lambda_{2j} = 0` the
conjugate is the constraint :math:`|c| \le \lambda_{1j}`). The dual point is the
rescaled residual :math:`\theta = s\, r`, with :math:`s \le 1` the largest
scale keeping the pure-L1 constraints feasible. Unpenalized features must be
exactly orthogonal to :math:`\theta`; the solver guarantees this by an exact
block update on them before a certificate is computed.
"""

import numpy as np
from numba import njit

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
    multinomial_entropy_sum,
    multinomial_hess_diag,
    multinomial_loss,
    multinomial_loss_along,
    recenter_rows,
)


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def quadratic_column_norms(X, data, indices, indptr, is_sparse, xbar, sw, weighted):
    r"""Weighted squared norms of the implicitly centered columns.

    :math:`\sum_i s_i (X_{ij} - \bar x_j)^2`; X is dense (Fortran) or given by
    its CSC arrays (``is_sparse``); ``xbar`` is zero without intercept.
    """
    n_features = xbar.shape[0]
    out = np.zeros(n_features)
    n_samples = sw.shape[0]
    for j in range(n_features):
        m = xbar[j]
        acc = 0.0
        if is_sparse:
            w_nz = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                s = sw[indices[k]] if weighted else 1.0
                d = data[k] - m
                acc += s * d * d
                w_nz += s
            # the implicit zeros contribute s_i * m^2 each
            total = 0.0
            if weighted:
                for i in range(n_samples):
                    total += sw[i]
            else:
                total = n_samples
            acc += (total - w_nz) * m * m
        else:
            for i in range(n_samples):
                d = X[i, j] - m
                s = sw[i] if weighted else 1.0
                acc += s * d * d
        out[j] = acc
    return out


# "every feature" for the optional mask of quadratic_enet_gap
_ALL_FEATURES = np.empty(0, dtype=np.bool_)


# reassociated sums (rounding-level changes only): with 50,000 masked features
# one call took 0.44 ms, 0.23 ms with them (it runs every outer iteration)
@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def quadratic_enet_gap(corr, coef, lam1, lam2, positive, r_norm2, y_dot_r,
                       active=_ALL_FEATURES):
    r"""Duality gap of the n-scaled quadratic + elastic-net problem.

    Parameters
    ----------
    corr : 1-D array
        :math:`g_j = \tilde X_j^\top r` for the features of the (sub)problem.
    coef, lam1, lam2 : 1-D arrays, same length as ``corr``
        Coefficients and n-scaled L1 / L2 strengths of those features.
    positive : bool
    r_norm2 : float
        :math:`\|r\|^2` (weighted, centered residual).
    y_dot_r : float
        :math:`\tilde y^\top r`.
    active : 1-D bool array, optional
        Features of the problem (the others, screened out, are skipped);
        empty (the default) means all.

    Returns
    -------
    gap : float
        The larger of two valid gaps (both bound the suboptimality):
        the exact Fenchel dual above at :math:`s\,r`, and -- when every
        penalized feature has an L1 part -- scikit-learn's "formulation A"
        (L2 part moved into an augmented design, dual point
        :math:`s'(r, -\sqrt{\lambda_2} w)`). Taking the larger keeps
        scikit-learn's stopping rule at least as strict. Unpenalized features
        (``lam1 == lam2 == 0``) are assumed orthogonal to ``r`` except, with
        ``positive``, at a zero coefficient where ``g_j > 0`` makes the point
        infeasible (then the scale is 0).
    """
    primal = 0.5 * r_norm2
    scale = 1.0
    scale_a = 1.0
    l2_norm2 = 0.0
    use_a = True
    masked = active.shape[0] > 0
    for k in range(corr.shape[0]):
        if masked and not active[k]:
            continue
        b = coef[k]
        primal += lam1[k] * abs(b) + 0.5 * lam2[k] * b * b
        l2_norm2 += lam2[k] * b * b
        c = corr[k] if positive else abs(corr[k])
        h = corr[k] - lam2[k] * b
        h = h if positive else abs(h)
        if lam1[k] > 0.0:
            if h * scale_a > lam1[k]:
                scale_a = lam1[k] / h
            if lam2[k] == 0.0 and c * scale > lam1[k]:
                scale = lam1[k] / c
        elif lam2[k] > 0.0:
            use_a = False  # pure L2 coordinate: formulation A is infeasible
        elif positive and b == 0.0 and c > 0.0:
            scale = 0.0
            scale_a = 0.0
    dual = scale * y_dot_r - 0.5 * scale * scale * r_norm2
    for k in range(corr.shape[0]):
        if masked and not active[k]:
            continue
        if lam2[k] > 0.0:
            c = scale * corr[k]
            if not positive:
                c = abs(c)
            excess = c - lam1[k]
            if excess > 0.0:
                dual -= excess * excess / (2.0 * lam2[k])
    gap = primal - dual
    if use_a:
        dual_a = scale_a * y_dot_r - 0.5 * scale_a * scale_a * (r_norm2 + l2_norm2)
        gap = max(gap, primal - dual_a)
    return gap


# ---------------------------------------------------------------------------
# Logistic and Multinomial (used by the prox-Newton solver, _prox_newton.py)
#
# Both are weighted *means* of per-sample losses (weights ``sw`` summing to
# one) of the scores ``Z`` (n_rows, n_samples): ``BinaryLogistic`` (n_rows=1,
# labels -1/+1, sum_i s_i log(1 + exp(-y_i z_i))) and ``Multinomial``
# (n_rows=K, labels 0..K-1, sum_i s_i (logsumexp(Z[:, i]) - Z[y_i, i])).
# ``prepare(Z)`` computes the per-sample first derivatives (returned, shape
# (n_rows, n)) and keeps the curvature used by ``hess_diag``,
# ``intercept_hess`` and ``cd_epochs`` until the next call. They are small
# Python objects holding arrays, never stored on estimators; the arithmetic
# is in _glm_kernels.py.


def generic_loss_and_gradient(datafit, Xa, W, b):
    """Loss, gradients and scores from a scores pass and a gradient pass."""
    Z = Xa.scores(W, b)
    raw = datafit.prepare(Z)  # also gives the loss (same exponentials)
    return datafit.prepared_loss, Xa.gradient(raw), raw.sum(axis=1), Z


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
        # the loss at Z comes from the same exponentials (line search's F(0))
        self.prepared_loss = binary_derivatives(Z[0], self.y, self.sw,
                                                self._raw[0], self._hess)
        return self._raw

    def hess_diag(self, kargs, ws):
        out = np.empty((ws.shape[0], 1))
        hess_diag(*kargs, ws, self._hess, out[:, 0])
        return out

    def intercept_hess(self):
        return np.array([self._hess.sum()])

    def cd_epochs(self, kargs, ws, W_ws, G_ws, Hd, alpha_ws, l1_ratio, Q,
                  fit_intercept, grad_b, hess_b, delta_b, max_epochs, tol):
        # 1-D views of the single row; updates land in W_ws / Q / delta_b.
        # Hd None: the kernel computes the curvatures in its first sweep.
        w = np.ascontiguousarray(W_ws[:, 0])
        hd = (np.empty(ws.shape[0]) if Hd is None
              else np.ascontiguousarray(Hd[:, 0]))
        n_epochs = binary_cd_epochs(*kargs, ws, w, np.ascontiguousarray(G_ws[:, 0]),
                                    hd, Hd is not None, alpha_ws,
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
                 fit_intercept, grad=None):
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
        factor). ``grad`` (``X.T @ raw`` at ``Z``, shape (p, 1)), when given
        without an intercept, saves the pass over X: then ``v = -grad``.
        """
        if alpha <= 0.0 or np.any(penalty_factor <= 0.0):
            return np.nan
        pf = penalty_factor
        # rows of zero weight get 0 (no 0/0 warning)
        denominator = -self.sw * self.y
        theta = np.divide(self.prepare(Z)[0], denominator,
                          out=np.zeros_like(denominator), where=self.sw > 0)
        theta = np.clip(theta, 0.0, 1.0)
        if fit_intercept:
            pos = float(self.sw[self.y > 0] @ theta[self.y > 0])
            neg = float(self.sw[self.y < 0] @ theta[self.y < 0])
            if pos > neg:
                theta = np.where(self.y > 0, theta * (neg / pos), theta)
            elif neg > pos:
                theta = np.where(self.y < 0, theta * (pos / neg), theta)
        if grad is not None and not fit_intercept:
            v = -grad[:, 0]  # theta unscaled: u = -raw, X.T @ u = -grad
        else:
            v = Xa.gradient((self.sw * self.y * theta)[None, :])[:, 0]
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
        primal = self.prepared_loss + float(
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
        self.prepared_loss = multinomial_derivatives(Z, self.y, self.sw, self._P,
                                                     self._raw)
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
        if Hd is None:
            Hd = self.hess_diag(kargs, ws)
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

    def dual_gap(self, Xa, W, b, Z, alpha, l1_ratio, penalty_factor,
                 fit_intercept, grad=None):
        r"""Fenchel duality gap of the multinomial problem at ``(W, b)``.

        The dual variable is a probability matrix :math:`\Pi` (K, n), with
        :math:`D(\Pi) = \sum_i s_i H(\pi_i) - \sum_{j,k}
        \psi_j^*((X^\top U)_{jk})`, :math:`U_i = s_i (\pi_i - e_{y_i})`, H
        the Shannon entropy and :math:`\psi_j^*` the conjugate of feature
        j's penalty; at the optimum :math:`\Pi` is the softmax ``P``. ``P``
        is made dual feasible: with an intercept the class masses must match,
        :math:`\sum_i s_i \pi_i = \sum_i s_i e_{y_i}`, obtained by mixing
        every column with one distribution, :math:`(1-\lambda) p_i +
        \lambda q` (smallest such lambda); for ``l1_ratio == 1`` the box
        :math:`|(X^\top U)_{jk}| \le \alpha f_j` by moving every column
        towards its label, :math:`e_{y_i} + t (\pi_i - e_{y_i})`, which keeps
        the masses. Returns NaN when the dual is not finite (``alpha == 0``
        or a zero penalty factor). ``grad`` is accepted for the common
        interface (one pass over X is needed for the feasible point).
        """
        if alpha <= 0.0 or np.any(penalty_factor <= 0.0):
            return np.nan
        self.prepare(Z)
        primal = self.prepared_loss
        Pi = self._P.copy()
        onehot = np.zeros_like(Pi)
        onehot[self.y, np.arange(self.y.shape[0])] = 1.0
        if fit_intercept:
            mass = onehot @ self.sw
            pbar = Pi @ self.sw
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(pbar > 0, mass / pbar, np.inf)
            lam = float(np.clip(1.0 - ratio.min(), 0.0, 1.0))
            if lam > 0.0:
                q = (mass - (1.0 - lam) * pbar) / lam
                Pi = (1.0 - lam) * Pi + lam * np.clip(q, 0.0, None)[:, None]
        U = self.sw * (Pi - onehot)
        V = Xa.gradient(U)  # (p, K)
        a = (alpha * penalty_factor)[:, None]
        if l1_ratio >= 1.0:
            ratio = float(np.max(np.abs(V) / a)) if V.size else 0.0
            if ratio > 1.0:
                t = 1.0 / ratio
                Pi = onehot + t * (Pi - onehot)
            conj = 0.0
        else:
            excess = np.maximum(np.abs(V) - a * l1_ratio, 0.0)
            conj = float(np.sum(excess * excess / (2.0 * a * (1.0 - l1_ratio))))
        dual = multinomial_entropy_sum(np.ascontiguousarray(Pi), self.sw) - conj
        primal += float(np.sum(a * (l1_ratio * np.abs(W)
                                    + 0.5 * (1.0 - l1_ratio) * W * W)))
        return max(primal - dual, 0.0)
