"""Layers of a multi-layer perceptron: dense, activation, dropout, batch norm.

Each layer has ``forward(X, training)`` and ``backward(dY)``. Parameters and
their gradients are views into two flat vectors owned by :class:`Network`, so
an optimizer updates every parameter with one fused kernel and L-BFGS sees
the flat vector directly. Layers own no optimizer.

Training-time outputs are written into buffers allocated once for the
largest minibatch and reused (the last, smaller minibatch uses leading-row
views), so an epoch allocates almost nothing.
"""

import itertools

import numba
import numpy as np
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")

# Let LLVM reassociate sums (vectorized column reductions) but keep IEEE
# semantics for NaN and infinity.
_FAST = {"reassoc", "contract", "arcp", "nsz"}


# --------------------------------------------------------------------------
# Compiled elementwise kernels (one pass over a C-ordered (m, h) block)
# --------------------------------------------------------------------------
@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _activate(z, kind, one):
    """f(z) for kind 0 identity, 1 logistic, 2 tanh, 3 relu."""
    if kind == 3:
        return max(z, z * 0)
    if kind == 2:
        return np.tanh(z)
    if kind == 1:
        return one / (one + np.exp(-z))
    return z


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _derivative(a, kind, one):
    """f'(z) written with the output a = f(z).

    ``one`` is 1 in the data's dtype: a literal 1 would promote float32 loops
    to float64 (half the SIMD width).
    """
    if kind == 3:
        return one if a > 0 else a * 0
    if kind == 2:
        return one - a * a
    if kind == 1:
        return a * (one - a)
    return one


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _bias_activation(Z, b, kind):
    """Z <- f(Z + b) in place: the dense layer's bias and activation in one
    pass."""
    m, h = Z.shape
    # ReLU gets its own loop: a branch on `kind` inside the loop would stop
    # LLVM from vectorizing it (the same in the kernels below).
    zero = Z.dtype.type(0.0)
    one = Z.dtype.type(1.0)
    if kind == 3:
        for i in range(m):
            for j in range(h):
                Z[i, j] = max(Z[i, j] + b[j], zero)
        return
    for i in range(m):
        for j in range(h):
            Z[i, j] = _activate(Z[i, j] + b[j], kind, one)


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _activation_backward(A, dA, kind, colsum):
    """dA <- dA * f'(z) (from the output A), in place; colsum <- its column
    sums (the bias gradient) in the same pass.

    Column sums are accumulated in the data's dtype over blocks of 32 rows
    (full SIMD width, no conversions in the inner loop) and the block sums
    in float64.
    """
    m, h = A.shape
    zero = A.dtype.type(0.0)
    one = A.dtype.type(1.0)
    acc = np.zeros(h)
    part = np.empty(h, dtype=A.dtype)
    for i0 in range(0, m, 32):
        part[:] = zero
        if kind == 3:
            for i in range(i0, min(m, i0 + 32)):
                for j in range(h):
                    d = dA[i, j] if A[i, j] > zero else zero
                    dA[i, j] = d
                    part[j] += d
        else:
            for i in range(i0, min(m, i0 + 32)):
                for j in range(h):
                    d = dA[i, j] * _derivative(A[i, j], kind, one)
                    dA[i, j] = d
                    part[j] += d
        for j in range(h):
            acc[j] += part[j]
    for j in range(h):
        colsum[j] = acc[j]


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _single_output_forward(X, W, b, kind, Z):
    """Z <- f(X @ W + b) for a layer with one output column (m, 1)."""
    m, h = X.shape
    zero = Z.dtype.type(0.0)
    one = Z.dtype.type(1.0)
    for i in range(m):
        s = zero
        for j in range(h):
            s += X[i, j] * W[j, 0]
        Z[i, 0] = _activate(s + b[0], kind, one)


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _single_output_weight_grad(X, dZ, gW):
    """gW <- X.T @ dZ for one output column: axpys along the rows of X (they
    vectorize), four rows per pass over gW."""
    m, h = X.shape
    g = gW.reshape(h)
    g[:] = gW.dtype.type(0.0)
    i = 0
    while i + 4 <= m:
        d0 = dZ[i, 0]
        d1 = dZ[i + 1, 0]
        d2 = dZ[i + 2, 0]
        d3 = dZ[i + 3, 0]
        for j in range(h):
            g[j] += (X[i, j] * d0 + X[i + 1, j] * d1
                     + X[i + 2, j] * d2 + X[i + 3, j] * d3)
        i += 4
    for r in range(i, m):
        d = dZ[r, 0]
        for j in range(h):
            g[j] += X[r, j] * d


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _outer(d, W, out):
    """out <- d @ W.T for one column d (m, 1) and one column W (h, 1)."""
    m, h = out.shape
    for i in range(m):
        di = d[i, 0]
        for j in range(h):
            out[i, j] = di * W[j, 0]


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _dropout_forward(A, seed, keep, mask, out):
    """Inverted dropout: out = A * mask, mask in {0, 1 / keep}.

    The uniform draw of entry (i, j) is a SplitMix64 hash of
    ``seed + flat index``: counter-based, so the loop vectorizes and needs no
    generator state, and a given seed always gives the same mask. Writes to
    ``out`` rather than in place: A is the activation's output, which its
    backward pass still needs.
    """
    m, h = A.shape
    scale = A.dtype.type(1.0 / keep)
    zero = A.dtype.type(0.0)
    threshold = np.uint64(keep * 4294967296.0)  # keep * 2**32
    golden = np.uint64(0x9E3779B97F4A7C15)
    c1 = np.uint64(0xBF58476D1CE4E5B9)
    c2 = np.uint64(0x94D049BB133111EB)
    s30 = np.uint64(30)
    s27 = np.uint64(27)
    s31 = np.uint64(31)
    s32 = np.uint64(32)
    base = np.uint64(seed)
    for i in range(m):
        for j in range(h):
            z = base + np.uint64(i * h + j) * golden
            z = (z ^ (z >> s30)) * c1
            z = (z ^ (z >> s27)) * c2
            z = z ^ (z >> s31)
            if (z >> s32) < threshold:
                mask[i, j] = scale
                out[i, j] = A[i, j] * scale
            else:
                mask[i, j] = zero
                out[i, j] = zero


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _batchnorm_forward_train(Z, gamma, beta, eps, xhat, mean, var, kind):
    """Normalize Z (m, h) with its batch statistics, in place.

    Z <- f(gamma * xhat + beta) with f the activation ``kind``. Stores xhat,
    the batch mean and the biased batch variance. Accumulates in float64.
    """
    m, h = Z.shape
    s = np.zeros(h)
    s2 = np.zeros(h)
    for i in range(m):
        for j in range(h):
            s[j] += Z[i, j]
    for j in range(h):
        s[j] /= m
    for i in range(m):
        for j in range(h):
            d = Z[i, j] - s[j]
            s2[j] += d * d
    inv_std = np.empty(h, dtype=Z.dtype)  # data dtype: full SIMD width
    for j in range(h):
        mean[j] = s[j]
        var[j] = s2[j] / m
        inv_std[j] = 1.0 / np.sqrt(s2[j] / m + eps)
    for i in range(m):
        for j in range(h):
            x = (Z[i, j] - mean[j]) * inv_std[j]
            xhat[i, j] = x
            Z[i, j] = gamma[j] * x + beta[j]
    zero = Z.dtype.type(0.0)
    one = Z.dtype.type(1.0)
    if kind == 3:
        for i in range(m):
            for j in range(h):
                Z[i, j] = max(Z[i, j], zero)
    elif kind != 0:
        for i in range(m):
            for j in range(h):
                Z[i, j] = _activate(Z[i, j], kind, one)


@numba.njit(cache=True, error_model="numpy", fastmath=_FAST)
def _batchnorm_backward(dY, A, kind, xhat, gamma, var, eps, dgamma, dbeta):
    """Backward of f(batch norm) in training mode (A = the output), dY
    overwritten by the gradient with respect to the normalized input."""
    m, h = dY.shape
    one = dY.dtype.type(1.0)
    sdy = np.zeros(h)
    sdyx = np.zeros(h)
    if kind == 3:
        for i in range(m):
            for j in range(h):
                if A[i, j] <= 0:
                    dY[i, j] = 0
    elif kind != 0:
        for i in range(m):
            for j in range(h):
                dY[i, j] *= _derivative(A[i, j], kind, one)
    for i in range(m):
        for j in range(h):
            d = dY[i, j]
            sdy[j] += d
            sdyx[j] += d * xhat[i, j]
    # Per-column constants in the data's dtype: the last pass then runs at
    # full SIMD width for float32.
    c = np.empty(h, dtype=dY.dtype)
    mean_dy = np.empty(h, dtype=dY.dtype)
    mean_dyx = np.empty(h, dtype=dY.dtype)
    for j in range(h):
        dbeta[j] = sdy[j]
        dgamma[j] = sdyx[j]
        c[j] = gamma[j] / np.sqrt(var[j] + eps)
        mean_dy[j] = sdy[j] / m
        mean_dyx[j] = sdyx[j] / m
    for i in range(m):
        for j in range(h):
            dY[i, j] = c[j] * (dY[i, j] - mean_dy[j] - xhat[i, j] * mean_dyx[j])


class _Buffered:
    """Mixin: one reusable (rows, width) buffer per name, grown on demand."""

    def _buffer(self, name, m, width, dtype):
        buffers = self.__dict__.get("_buffers")
        if buffers is None:
            buffers = self._buffers = {}
        buf = buffers.get(name)
        if buf is None or buf.shape[0] < m or buf.dtype != dtype:
            buf = np.empty((m, width), dtype=dtype)
            buffers[name] = buf
        # Leading m rows (a contiguous view) for the last, smaller minibatch.
        return buf if buf.shape[0] == m else buf[:m]


class Dense(_Buffered):
    """Affine layer with an optional activation, ``A = f(X @ W + b)``
    (Keras' ``Dense(activation=...)``: bias and activation are one compiled
    pass, and so are the activation's derivative and the bias gradient).

    ``W`` (fan_in, fan_out) and ``b`` (fan_out,) and their gradients are
    views set by :class:`Network`. ``input_grad=False`` (first layer) skips
    the gradient with respect to the input, which nobody needs.
    """

    def __init__(self, fan_in, fan_out, input_grad=True, activation="identity"):
        self.fan_in = fan_in
        self.fan_out = fan_out
        self.input_grad = input_grad
        self.activation = Activation(activation)
        self.W = self.b = self.gW = self.gb = None

    def forward(self, X, training):
        if not training:
            Z = safe_sparse_dot(X, self.W)
            Z += self.b
            return self.activation.forward(Z, training=False)
        self._X = X
        m = X.shape[0]
        Z = self._buffer("Z", m, self.fan_out, self.W.dtype)
        # isinstance on ndarray, not sparse.issparse: an ABC check per call
        # is measurable on a minibatch.
        if isinstance(X, np.ndarray):
            if self.fan_out == 1:
                # A matrix-vector product: compiled, so that it does not
                # wait on a BLAS thread (as fast as BLAS at this size).
                _single_output_forward(X, self.W, self.b, self.activation.kind, Z)
                self._A = Z
                return Z
            np.matmul(X, self.W, out=Z)
        else:
            Z[...] = X @ self.W
        # Also for the identity: cheaper than numpy's add on a thin block.
        _bias_activation(Z, self.b, self.activation.kind)
        self._A = Z
        return Z

    def backward(self, dA):
        # dA becomes dZ, the gradient before the activation.
        _activation_backward(self._A, dA, self.activation.kind, self.gb)
        dZ = dA
        X = self._X
        if isinstance(X, np.ndarray):
            if self.fan_out == 1:
                _single_output_weight_grad(X, dZ, self.gW)
            else:
                np.matmul(X.T, dZ, out=self.gW)
        else:
            self.gW[...] = X.T @ dZ
        if not self.input_grad:
            return None
        dX = self._buffer("dX", dZ.shape[0], self.fan_in, dZ.dtype)
        if self.fan_out == 1:
            # An outer product: numpy's matmul does not hand an inner
            # dimension of 1 to BLAS and is ~20x slower than this loop.
            _outer(dZ, self.W, dX)
        else:
            np.matmul(dZ, self.W.T, out=dX)
        return dX


class Activation:
    """Elementwise activation applied in place; backward uses the output."""

    _KIND = {"identity": 0, "logistic": 1, "tanh": 2, "relu": 3}

    def __init__(self, name):
        if name not in self._KIND:
            raise ValueError(f"Unknown activation {name!r}; use one of {ACTIVATIONS}.")
        self.name = name
        self.kind = self._KIND[name]

    def forward(self, Z, training):
        if self.kind == 3:
            np.maximum(Z, 0, out=Z)
        elif self.kind == 2:
            np.tanh(Z, out=Z)
        elif self.kind == 1:
            expit(Z, out=Z)
        if training:
            self._A = Z
        return Z

    def backward(self, dA):
        if self.kind != 0:
            colsum = np.empty(dA.shape[1], dtype=dA.dtype)
            _activation_backward(self._A, dA, self.kind, colsum)
        return dA


class Dropout(_Buffered):
    """Inverted dropout: zero each unit with probability ``rate`` in training
    and scale the survivors by ``1 / (1 - rate)``; identity at prediction.

    ``rng`` is a :class:`numpy.random.Generator`, set by the training loop.
    ``fixed_mask`` (tests only) replaces the random draw.
    """

    def __init__(self, rate):
        self.rate = float(rate)
        self.rng = None
        self.fixed_mask = None

    def forward(self, A, training):
        if not training or self.rate == 0.0:
            self._mask = None
            return A
        m, h = A.shape
        out = self._buffer("out", m, h, A.dtype)
        if self.fixed_mask is not None:
            mask = self.fixed_mask
            np.multiply(A, mask, out=out)
        else:
            mask = self._buffer("mask", m, h, A.dtype)
            seed = int(self.rng.integers(0, 2**63))
            _dropout_forward(A, seed, 1.0 - self.rate, mask, out)
        self._mask = mask
        return out

    def backward(self, dA):
        if self._mask is not None:
            dA *= self._mask
        return dA


class BatchNorm(_Buffered):
    """Batch normalization of each unit between a dense layer and its
    activation, with the activation fused in:
    ``f(gamma * (z - mu) / sqrt(var + eps) + beta)``.

    Training uses the minibatch mean and (biased) variance; prediction uses
    running estimates updated with PyTorch's convention
    ``running = (1 - momentum) * running + momentum * batch_stat`` (so
    ``momentum=0.1`` keeps 90 % of the old estimate; the running variance uses
    the unbiased batch variance). ``gamma``/``beta`` and gradients are views
    set by :class:`Network`; running statistics are plain arrays.
    """

    def __init__(self, width, momentum=0.1, eps=1e-5, activation="identity"):
        self.width = width
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.activation = Activation(activation)
        self.gamma = self.beta = self.ggamma = self.gbeta = None
        self.running_mean = self.running_var = None
        self.update_running = True

    def forward(self, Z, training):
        if not training:
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            Z -= self.running_mean
            Z *= scale
            Z += self.beta
            return self.activation.forward(Z, training=False)
        m = Z.shape[0]
        self._xhat = self._buffer("xhat", m, self.width, Z.dtype)
        self._mean = np.empty(self.width, dtype=Z.dtype)
        self._var = np.empty(self.width, dtype=Z.dtype)
        _batchnorm_forward_train(
            Z, self.gamma, self.beta, self.eps, self._xhat, self._mean, self._var,
            self.activation.kind,
        )
        self._A = Z
        if self.update_running:
            mom = self.momentum
            unbiased = self._var * (m / max(m - 1, 1))
            self.running_mean *= 1 - mom
            self.running_mean += mom * self._mean
            self.running_var *= 1 - mom
            self.running_var += mom * unbiased
        return Z

    def backward(self, dY):
        _batchnorm_backward(
            dY, self._A, self.activation.kind, self._xhat, self.gamma, self._var,
            self.eps, self.ggamma, self.gbeta,
        )
        return dY


class Network:
    """A stack of layers with all trainable parameters in one flat vector.

    Layout of ``params`` (and ``grads``): every dense weight matrix
    (row-major), then every dense bias, then batch-norm gammas, then betas.
    The first ``n_weights`` entries are exactly the penalized weights (L1,
    L2, weight decay); biases and batch-norm parameters are never penalized.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    activation : str
        Hidden activation.
    dropout : sequence of float
        One rate per hidden layer (0 = no dropout layer).
    batch_norm : bool
        Batch normalization after each hidden dense layer.
    dtype : numpy dtype
        float32 or float64; parameters and buffers use it.
    """

    def __init__(self, layer_units, activation, dropout, batch_norm, dtype,
                 batch_norm_momentum=0.1):
        self.layer_units = list(layer_units)
        self.dtype = np.dtype(dtype)
        n_hidden = len(layer_units) - 2
        shapes = list(itertools.pairwise(layer_units))
        self.n_weights = sum(a * b for a, b in shapes)
        n_bias = sum(b for _, b in shapes)
        n_bn = 2 * sum(layer_units[1:-1]) if batch_norm else 0
        self.params = np.zeros(self.n_weights + n_bias + n_bn, dtype=self.dtype)
        self.grads = np.zeros_like(self.params)

        # The hidden activation is fused into the layer that precedes it: the
        # dense layer, or batch norm when there is one.
        dense_act = "identity" if batch_norm else activation
        self.dense = [
            Dense(a, b, input_grad=(i > 0),
                  activation=dense_act if i < n_hidden else "identity")
            for i, (a, b) in enumerate(shapes)
        ]
        offset = 0
        for layer in self.dense:
            size = layer.fan_in * layer.fan_out
            shape = (layer.fan_in, layer.fan_out)
            layer.W = self.params[offset:offset + size].reshape(shape)
            layer.gW = self.grads[offset:offset + size].reshape(shape)
            offset += size
        for layer in self.dense:
            layer.b = self.params[offset:offset + layer.fan_out]
            layer.gb = self.grads[offset:offset + layer.fan_out]
            offset += layer.fan_out

        self.batch_norms = []
        if batch_norm:
            self.batch_norms = [
                BatchNorm(h, momentum=batch_norm_momentum, activation=activation)
                for h in layer_units[1:-1]
            ]
            for attr, gattr in (("gamma", "ggamma"), ("beta", "gbeta")):
                for bn in self.batch_norms:
                    setattr(bn, attr, self.params[offset:offset + bn.width])
                    setattr(bn, gattr, self.grads[offset:offset + bn.width])
                    offset += bn.width
            for bn in self.batch_norms:
                bn.gamma[:] = 1
                bn.running_mean = np.zeros(bn.width, dtype=self.dtype)
                bn.running_var = np.ones(bn.width, dtype=self.dtype)

        self.layers = []
        for i in range(n_hidden):
            self.layers.append(self.dense[i])
            if batch_norm:
                self.layers.append(self.batch_norms[i])
            if dropout[i] > 0:
                self.layers.append(Dropout(dropout[i]))
        self.layers.append(self.dense[-1])
        self.dropouts = [layer for layer in self.layers if isinstance(layer, Dropout)]

    # -- parameter access -------------------------------------------------
    @property
    def coefs(self):
        return [layer.W for layer in self.dense]

    @property
    def intercepts(self):
        return [layer.b for layer in self.dense]

    def set_rng(self, rng):
        for layer in self.dropouts:
            layer.rng = rng

    # -- passes -------------------------------------------------------------
    def forward(self, X, training):
        """Raw output (before the output activation) for X."""
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def backward(self, delta):
        """Fill ``grads`` from the gradient of the loss w.r.t. the raw output.

        ``delta`` may be overwritten.
        """
        d = delta
        for layer in reversed(self.layers):
            d = layer.backward(d)
            if d is None:
                break

    def predict_raw(self, X, chunk=4096):
        """Raw output in evaluation mode, in chunks to bound memory."""
        n = X.shape[0]
        if n <= chunk:
            return self.forward(X, training=False)
        out = np.empty((n, self.layer_units[-1]), dtype=self.dtype)
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            out[start:stop] = self.forward(X[start:stop], training=False)
        return out
