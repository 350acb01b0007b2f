"""Training loops: minibatch epochs (sgd, adam, adamw) and full-batch L-BFGS.

The stochastic loop shuffles sample indices, gathers each minibatch into a
reusable buffer, applies augmentations, runs forward/backward and one
optimizer step. After each epoch it records the history (training loss,
validation loss and score, training score), updates the learning-rate
schedule and applies the stopping rule:

- without early stopping (scikit-learn's rule): stop when the training loss
  has not decreased by ``tol`` for more than ``n_iter_no_change`` epochs;
- with early stopping: the same on the monitored validation quantity
  (``val_score``, higher is better, or ``val_loss``, lower is better),
  counted from epoch ``start_from_epoch`` on; the parameters of the best
  epoch are kept and restored at the end when ``restore_best_weights``.
"""

import time
import warnings

import numba
import numpy as np
import scipy.optimize
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning


@numba.njit(cache=True)
def _gather_batch(X, Y, sample_weight, idx, Xb, Yb, swb):
    """Rows ``idx`` of X, Y and sample_weight into the minibatch buffers
    (one compiled pass instead of three fancy-indexing calls); returns the
    minibatch's weight sum."""
    total = 0.0
    for r in range(idx.size):
        i = idx[r]
        for j in range(X.shape[1]):
            Xb[r, j] = X[i, j]
        for j in range(Y.shape[1]):
            Yb[r, j] = Y[i, j]
        w = sample_weight[i]
        swb[r] = w
        total += w
    return total


class TrainingState:
    """What must survive between ``partial_fit`` / ``warm_start`` calls.

    Plain arrays and numbers only (it is pickled with the estimator).
    """

    def __init__(self):
        self.loss_curve = []
        self.validation_loss_curve = []
        self.validation_scores = []
        self.train_score_curve = []
        self.no_improvement_count = 0
        self.best_loss = np.inf
        self.best_monitored = None
        self.best_epoch = None
        self.best_params = None
        self.best_running = None
        self.optimizer_state = None
        self.learning_rate = None
        self.t = 0


class ValidationSet:
    """Validation data with targets encoded like the training targets."""

    def __init__(self, X, Y, sample_weight):
        self.X = X
        self.Y = Y
        self.sample_weight = sample_weight

    def evaluate(self, net, loss):
        """Mean validation loss (no penalty) and score (accuracy or R^2)."""
        Z = net.predict_raw(self.X)
        D = np.empty_like(Z)
        sw = self.sample_weight
        total = loss.value_and_delta(Z, self.Y, sw, 1.0, D)
        acc = loss.new_score_stats(Z.shape[1])
        loss.score_stats(Z, self.Y, sw, acc)
        return total / sw.sum(), loss.score_from_stats(acc)


def _snapshot(net, state):
    if state.best_params is None or state.best_params.shape != net.params.shape:
        state.best_params = net.params.copy()
    else:
        np.copyto(state.best_params, net.params)
    state.best_running = [
        (bn.running_mean.copy(), bn.running_var.copy()) for bn in net.batch_norms
    ]


def _restore(net, state):
    np.copyto(net.params, state.best_params)
    for bn, (mean, var) in zip(net.batch_norms, state.best_running, strict=False):
        bn.running_mean[:] = mean
        bn.running_var[:] = var


def _improved(value, best, monitor, tol):
    """(strictly better, better by more than tol) for the monitored value."""
    if best is None:
        return True, True
    if monitor == "val_loss":
        return value < best, value < best - tol
    return value > best, value > best + tol


def fit_stochastic(
    net, loss, optimizer, schedule, penalty, state, X, Y, sample_weight, *,
    batch_size, shuffle, max_iter, tol, n_iter_no_change, early_stopping,
    monitor, restore_best_weights, start_from_epoch, validation, augmenters,
    rng, generator, incremental, verbose, track_train_score=True,
):
    """Run minibatch epochs; returns the number of epochs run.

    ``state`` (a :class:`TrainingState`) is updated in place: history,
    stopping counters, optimizer state and the best parameters.
    """
    n_samples = X.shape[0]
    dtype = net.dtype
    is_sparse = sparse.issparse(X)
    n_outputs = Y.shape[1]
    net.set_rng(generator)
    if state.optimizer_state is None:
        state.optimizer_state = optimizer.init_state(net.params.size, dtype)
    if state.learning_rate is not None:
        schedule.learning_rate = state.learning_rate

    sample_idx = np.arange(n_samples)
    x_buf = None if is_sparse else np.empty((batch_size, X.shape[1]), dtype=dtype)
    y_buf = np.empty((batch_size, n_outputs), dtype=dtype)
    sw_buf = np.empty(batch_size, dtype=sample_weight.dtype)
    d_buf = np.empty((batch_size, n_outputs), dtype=dtype)
    copy_needed = bool(augmenters)
    use_val = validation is not None
    early = early_stopping and use_val

    n_epochs = 0
    try:
        for _ in range(max_iter):
            tic = time.perf_counter()
            if shuffle:
                rng.shuffle(sample_idx)
            loss_sum = 0.0
            weight_sum = 0.0
            score_acc = loss.new_score_stats(n_outputs) if track_train_score else None
            for start in range(0, n_samples, batch_size):
                stop = min(start + batch_size, n_samples)
                m = stop - start
                if m < 2 and net.batch_norms:
                    # Batch statistics of one sample are degenerate (zero
                    # variance): skip such a trailing minibatch.
                    continue
                if shuffle and not is_sparse:
                    Xb, Yb, swb = x_buf[:m], y_buf[:m], sw_buf[:m]
                    sw_batch = _gather_batch(
                        X, Y, sample_weight, sample_idx[start:stop], Xb, Yb, swb
                    )
                else:
                    if shuffle:
                        idx = sample_idx[start:stop]
                        Xb = X[idx]
                        Yb = np.take(Y, idx, axis=0, out=y_buf[:m])
                        swb = sample_weight[idx]
                    else:
                        Xb = X[start:stop]
                        if copy_needed and not is_sparse:
                            np.copyto(x_buf[:m], Xb)
                            Xb = x_buf[:m]
                        Yb = y_buf[:m]
                        np.copyto(Yb, Y[start:stop])
                        swb = sample_weight[start:stop]
                    sw_batch = float(swb.sum(dtype=np.float64))
                if sw_batch <= 0:
                    continue
                for augment in augmenters:
                    Xb, Yb = augment(Xb, Yb, generator)
                Z = net.forward(Xb, training=True)
                D = d_buf[:m]
                loss_sum += loss.value_and_delta(Z, Yb, swb, 1.0 / sw_batch, D)
                weight_sum += sw_batch
                if score_acc is not None:
                    loss.score_stats(Z, Yb, swb, score_acc)
                net.backward(D)
                optimizer.step(
                    state.optimizer_state, net.params, net.grads,
                    schedule.learning_rate, penalty,
                )
            n_epochs += 1
            epoch_loss = loss_sum / max(weight_sum, np.finfo(float).tiny)
            epoch_loss += penalty.value(net.params)
            state.loss_curve.append(float(epoch_loss))
            if score_acc is not None:
                state.train_score_curve.append(loss.score_from_stats(score_acc))
            epoch_index = len(state.loss_curve) - 1

            line = f"Iteration {epoch_index + 1}, loss = {epoch_loss:.8f}"
            if use_val:
                val_loss, val_score = validation.evaluate(net, loss)
                state.validation_loss_curve.append(float(val_loss))
                state.validation_scores.append(float(val_score))
                line += f", val_loss = {val_loss:.8f}, val_score = {val_score:.6f}"

            # Stopping rule and best weights.
            if early:
                if epoch_index >= start_from_epoch:
                    value = val_loss if monitor == "val_loss" else val_score
                    better, better_by_tol = _improved(
                        value, state.best_monitored, monitor, tol
                    )
                    if not np.isfinite(value):
                        better = better_by_tol = False
                    state.no_improvement_count = (
                        0 if better_by_tol else state.no_improvement_count + 1
                    )
                    if better:
                        state.best_monitored = float(value)
                        state.best_epoch = epoch_index
                        if restore_best_weights:
                            _snapshot(net, state)
            else:
                if epoch_loss > state.best_loss - tol:
                    state.no_improvement_count += 1
                else:
                    state.no_improvement_count = 0
                if epoch_loss < state.best_loss:
                    state.best_loss = float(epoch_loss)

            state.t += n_samples
            schedule.epoch_end(epoch_index + 1 if incremental else n_epochs, state.t)
            if verbose:
                line += f", time = {time.perf_counter() - tic:.3f}s"
                print(line, flush=True)

            if state.no_improvement_count > n_iter_no_change:
                what = "Validation " + ("loss" if monitor == "val_loss" else "score")
                if not early:
                    what = "Training loss"
                if schedule.on_plateau():
                    if verbose:
                        print(
                            f"{what} did not improve more than tol={tol} for "
                            f"{n_iter_no_change} consecutive epochs. Stopping."
                        )
                    break
                state.no_improvement_count = 0
                if verbose:
                    print(f"Setting learning rate to {schedule.learning_rate:f}")
            if incremental:
                break
            if n_epochs == max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                )
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")

    state.learning_rate = schedule.learning_rate
    if early and restore_best_weights and state.best_params is not None:
        _restore(net, state)
    return n_epochs


def fit_lbfgs(
    net, loss, penalty, X, Y, sample_weight, *, max_iter, max_fun, tol,
    validation, verbose,
):
    """Minimize the full-batch objective with scipy's L-BFGS-B.

    With an L1 part the weights are split as ``W = P - N`` with ``P, N >= 0``
    and L-BFGS-B minimizes the smooth ``l1 * sum(P + N)`` in place of
    ``l1 * ||W||_1`` (equal wherever ``min(P, N) = 0``, which holds at the
    optimum); its bounds then give exact zeros. The value handed to L-BFGS-B
    must be that of the split problem, whose gradient it receives: with
    ``||W||_1`` instead it stopped early with weights whose P and N were
    both positive. The returned loss and history use ``||W||_1``.
    Returns ``(n_iter, loss, history)``.
    """
    n_w = net.n_weights
    split = penalty.l1 > 0
    sw_sum = float(sample_weight.sum())
    D = np.empty((X.shape[0], Y.shape[1]), dtype=net.dtype)
    params = net.params

    def set_params(x):
        if split:
            np.subtract(x[:n_w], x[n_w:2 * n_w], out=params[:n_w], casting="unsafe")
            params[n_w:] = x[2 * n_w:]
        else:
            params[:] = x

    def split_excess(x):
        """``l1 * (sum(P + N) - ||P - N||_1)``: the split penalty's surplus."""
        if not split:
            return 0.0
        both = np.minimum(x[:n_w], x[n_w:2 * n_w])
        return 2.0 * penalty.l1 * float(both.sum())

    def fun(x):
        set_params(x)
        Z = net.forward(X, training=True)
        value = loss.value_and_delta(Z, Y, sample_weight, 1.0 / sw_sum, D) / sw_sum
        value += penalty.value(params) + split_excess(x)
        net.backward(D)
        g = net.grads.astype(np.float64)
        if penalty.l2:
            g[:n_w] += penalty.l2 * params[:n_w]
        if split:
            gw = g[:n_w]
            g = np.concatenate([gw + penalty.l1, penalty.l1 - gw, g[n_w:]])
        return value, g

    if split:
        w = params[:n_w].astype(np.float64)
        x0 = np.concatenate([np.maximum(w, 0), np.maximum(-w, 0), params[n_w:]])
        bounds = [(0, None)] * (2 * n_w) + [(None, None)] * (params.size - n_w)
    else:
        x0 = params.astype(np.float64)
        bounds = None

    history = {"loss": [], "val_loss": [], "val_score": []}

    def callback(intermediate_result):
        value = float(intermediate_result.fun) - split_excess(intermediate_result.x)
        history["loss"].append(value)
        line = f"Iteration {len(history['loss'])}, loss = {value:.8f}"
        if validation is not None:
            set_params(intermediate_result.x)
            val_loss, val_score = validation.evaluate(net, loss)
            history["val_loss"].append(float(val_loss))
            history["val_score"].append(float(val_score))
            line += f", val_loss = {val_loss:.8f}, val_score = {val_score:.6f}"
        if verbose:
            print(line, flush=True)

    res = scipy.optimize.minimize(
        fun, x0, method="L-BFGS-B", jac=True, bounds=bounds, callback=callback,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    set_params(res.x)
    if res.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {res.nit} iteration(s) "
            f"(status={res.status}): {res.message}. Increase the number of "
            "iterations (max_iter) or the function-evaluation budget (max_fun), "
            "or scale the data.",
            ConvergenceWarning,
        )
    return int(res.nit), float(res.fun) - split_excess(res.x), history
