"""MLPClassifier and MLPRegressor: scikit-learn's MLPs plus every classic
remedy for overfitting as a flat constructor parameter.

The estimators only validate input, build the pieces (network, loss,
penalty, optimizer, schedule, augmentations) and call a training loop from
``_training``; all numerics live in the other private modules.
"""

import numbers
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..utils._sklearn_private import Interval, Options, StrOptions, _fit_context
from ..utils.validation import check_class_weight, check_sample_weight
from ._augment import GaussianNoise, Mixup
from ._layers import Network
from ._losses import Loss
from ._optimizers import SGD, Adam, ElasticNetPenalty
from ._schedules import LearningRateSchedule
from ._training import TrainingState, ValidationSet, fit_lbfgs, fit_stochastic

_STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw")

_COMMON_PARAMETERS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation of the hidden layers: ``x``, ``1 / (1 + exp(-x))``,
        ``tanh(x)`` or ``max(0, x)``.

    solver : {'lbfgs', 'sgd', 'adam', 'adamw'}, default='adam'
        'lbfgs' is scipy's L-BFGS-B on the full-batch objective (with an L1
        part, weights are split into positive and negative parts so that
        bounds give exact zeros); 'sgd' is stochastic gradient descent with
        (Nesterov) momentum; 'adam' is Adam; 'adamw' is Adam with decoupled
        ``weight_decay``. The default, as scikit-learn, is 'adam'.

    alpha : float, default=0.0001
        Strength of the weight penalty, divided by the (weighted) number of
        training samples ``S`` and added to the mean loss (see the objective
        above). Unlike scikit-learn, whose stochastic solvers divide it by the
        minibatch size (so that the same ``alpha`` regularizes ``n /
        batch_size`` times more with 'adam' than with 'lbfgs'), skreg always
        divides by ``S``: the same ``alpha`` means the same objective for
        every solver and batch size. Biases are never penalized. In
        ``partial_fit``, ``S`` is the weight of the samples passed to the call.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is
        ``min(200, n_samples)``. Ignored by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
default='constant'
        Learning-rate schedule, updated at each epoch end, for every
        stochastic solver (scikit-learn applies it to 'sgd' only):
        'constant' keeps ``learning_rate_init``; 'invscaling' uses
        ``learning_rate_init / (t + 1) ** power_t`` with ``t`` the number of
        samples seen; 'adaptive' divides the rate by 5 each time the stopping
        criterion fires instead of stopping (until it is below 1e-6);
        'cosine' decays it as ``learning_rate_init * (1 + cos(pi * epoch /
        max_iter)) / 2``.

    learning_rate_init : float, default=0.001
        Initial learning rate of the stochastic solvers.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or of iterations
        ('lbfgs').

    shuffle : bool, default=True
        Whether to shuffle samples at each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization (Glorot-uniform, as scikit-learn), the
        validation split, shuffling, dropout masks and augmentation. An int
        gives bit-identical fits.

    tol : float, default=1e-4
        Improvement threshold of the stopping rule (loss or validation
        quantity) for the stochastic solvers; gradient tolerance ('gtol') of
        'lbfgs'.

    verbose : bool, default=False
        Print one line per epoch: training loss, validation loss and score
        when a validation set exists, and the epoch time.

    warm_start : bool, default=False
        Reuse the previous solution (and history) as initialization of
        ``fit``.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Nesterov momentum for 'sgd'.

    early_stopping : bool, default=False
        Stop when the monitored validation quantity stops improving. The
        validation set is ``X_val, y_val`` passed to ``fit`` or else a
        ``validation_fraction`` split of the training data (stratified for
        single-output classification). Stochastic solvers only.

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping when no
        ``X_val`` is given.

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate.

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant (added to ``sqrt(v)``).

    n_iter_no_change : int, default=10
        Patience: training stops (or, with 'adaptive', lowers the learning
        rate) once more than ``n_iter_no_change`` consecutive epochs brought
        no improvement by ``tol``, i.e. ``n_iter_no_change + 1`` epochs after
        the last one that did, as in scikit-learn.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    l1_ratio : float in [0, 1], default=0.0
        Elastic-net mixing of the weight penalty, as in
        :class:`~sklearn.linear_model.ElasticNet`: 0 is scikit-learn's pure L2,
        1 pure L1. The L1 part is applied by a proximal (soft-thresholding)
        step after every update (by ``learning_rate * l1 / (1 - momentum)``
        with 'sgd', the step momentum settles to), so weights become exactly
        zero; 'lbfgs' splits each weight into positive and negative parts
        under bounds instead. An input whose outgoing weights all become
        zero is ignored by the network, but L1 does not necessarily prune
        inputs: it zeros individual weights (example 5 keeps all 22 inputs,
        noise ones included, with 91 % of the first layer's weights at 0).

    weight_decay : float, default=0.0
        Decoupled weight decay of ``solver='adamw'`` (each step multiplies
        the weights, not biases nor batch-norm parameters, by
        ``1 - learning_rate * weight_decay``). Must be 0 for other solvers.

    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Dropout rate in ``[0, 1)`` after every hidden layer, or one rate per
        hidden layer. Inverted dropout: kept units are scaled by ``1 / (1 -
        rate)`` in training; no dropout at prediction. Stochastic solvers
        only.

    batch_norm : bool, default=False
        Batch normalization after each hidden dense layer, before its
        activation: minibatch statistics in training, running statistics at
        prediction. A trailing minibatch of a single sample is skipped (its
        statistics are degenerate). Stochastic solvers only.

    batch_norm_momentum : float in (0, 1], default=0.1
        PyTorch's convention: ``running = (1 - momentum) * running + momentum
        * batch_statistic`` (Keras' ``momentum=0.99`` corresponds to 0.01
        here). The running variance uses the unbiased batch variance; the
        normalization uses ``eps=1e-5``.

    monitor : {'val_score', 'val_loss'}, default='val_score'
        Quantity watched by early stopping: the validation score (accuracy or
        R², higher is better; scikit-learn's choice) or the validation loss
        (lower is better).

    restore_best_weights : bool, default=True
        With early stopping, end with the parameters of the best epoch (as
        scikit-learn does); False keeps the last epoch's.

    start_from_epoch : int, default=0
        Early stopping ignores the first ``start_from_epoch`` epochs (no
        patience counting, no best-epoch candidate).

    noise_std : float, default=0.0
        Gaussian input noise added to every training minibatch, in units of
        each feature's standard deviation on the training set. Dense input,
        stochastic solvers only.

    mixup_alpha : float, default=0.0
        Mixup: each training minibatch is mixed with a permutation of itself
        with ``lambda ~ Beta(mixup_alpha, mixup_alpha)``; 0 switches it off.
        Dense input, stochastic solvers only.
"""

_COMMON_ATTRIBUTES_DOC = """
    loss_ : float
        Objective (mean loss plus penalty) at the last epoch or iteration.

    best_loss_ : float or None
        Minimum of ``loss_curve_`` (None with early stopping, as
        scikit-learn).

    loss_curve_ : list of float
        Objective at each epoch (each L-BFGS iteration for 'lbfgs').

    validation_scores_ : list of float or None
        Validation score at each epoch, when a validation set exists.

    validation_loss_curve_ : list of float or None
        Validation loss (mean loss, no penalty) at each epoch, when a
        validation set exists.

    train_score_curve_ : list of float or None
        Training score at each epoch, accumulated over the minibatches while
        training (weights changing, dropout and augmentation active, as Keras
        reports it); None for 'lbfgs'.

    best_validation_score_ : float or None
        Best validation score, when a validation set exists.

    best_epoch_ : int
        0-based index into ``loss_curve_`` of the epoch whose parameters the
        model holds (the best epoch with early stopping and
        ``restore_best_weights``; otherwise the last one).

    t_ : int
        Number of training samples seen by the stochastic solver.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        Weight matrices.

    intercepts_ : list of ndarray of shape (n_fan_out,)
        Bias vectors.

    batch_norm_gammas_, batch_norm_betas_ : list of ndarray
        Batch-norm scale and shift of each hidden layer (empty lists without
        batch norm).

    batch_norm_running_means_, batch_norm_running_vars_ : list of ndarray
        Running statistics used by batch norm at prediction.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    n_iter_ : int
        Number of epochs (iterations for 'lbfgs') run by the last call.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Output activation.
"""

_OBJECTIVE_DOC = """
    The training objective, for weights ``W`` (not biases), sample weights
    ``s_i`` with ``S = sum_i s_i`` and per-sample loss ``l``, is::

        sum_i s_i l(y_i, f(x_i)) / S
            + (alpha / S) * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||_2^2)

    With ``l1_ratio=0`` and unit weights the penalty is scikit-learn's
    ``alpha / (2 n) ||W||^2``.
"""


def _check_finite_params(arrays):
    if not all(np.isfinite(a).all() for a in arrays):
        raise ValueError(
            "Solver produced non-finite parameter weights. The input data may "
            "contain large values and need to be preprocessed, or the learning "
            "rate may be too large."
        )


def _store_init_params(estimator, params):
    """``__init__`` body: store every constructor argument unchanged."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class _BaseMLP(BaseEstimator, metaclass=ABCMeta):
    """Shared machinery of MLPClassifier and MLPRegressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam", "adamw"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "batch_norm": ["boolean"],
        "batch_norm_momentum": [Interval(Real, 0, 1, closed="right")],
        "monitor": [StrOptions({"val_score", "val_loss"})],
        "restore_best_weights": ["boolean"],
        "start_from_epoch": [Interval(Integral, 0, None, closed="left")],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "mixup_alpha": [Interval(Real, 0, None, closed="left")],
    }

    # -- checks -------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for h in sizes:
            if not isinstance(h, numbers.Integral) or isinstance(h, bool) or h <= 0:
                raise ValueError(
                    f"hidden_layer_sizes must be positive integers, got {sizes}."
                )
        return [int(h) for h in sizes]

    def _dropout_rates(self, n_hidden):
        rates = self.dropout
        if isinstance(rates, numbers.Real):
            rates = [float(rates)] * n_hidden
        else:
            rates = np.asarray(rates, dtype=float).ravel().tolist()
            if len(rates) != n_hidden:
                raise ValueError(
                    f"dropout has {len(rates)} rates but there are {n_hidden} "
                    "hidden layers; give one rate or one per hidden layer."
                )
        for r in rates:
            if not (0.0 <= r < 1.0):
                raise ValueError(f"dropout rates must be in [0, 1), got {rates}.")
        return rates

    def _check_combinations(self, rates, is_sparse, incremental):
        stochastic_only = {
            "dropout": any(r > 0 for r in rates),
            "batch_norm": self.batch_norm,
            "noise_std": self.noise_std > 0,
            "mixup_alpha": self.mixup_alpha > 0,
        }
        if self.solver == "lbfgs":
            used = [name for name, on in stochastic_only.items() if on]
            if used:
                raise ValueError(
                    f"solver='lbfgs' does not support {', '.join(used)}: these "
                    "regularizers act on minibatches. Use solver='adam', "
                    "'adamw' or 'sgd'."
                )
        if self.weight_decay > 0 and self.solver != "adamw":
            raise ValueError(
                f"weight_decay={self.weight_decay} requires solver='adamw' "
                f"(got solver={self.solver!r}); use alpha for a coupled L2 "
                "penalty with the other solvers."
            )
        if is_sparse and (self.noise_std > 0 or self.mixup_alpha > 0):
            raise ValueError(
                "noise_std and mixup_alpha need dense X; got a sparse matrix."
            )
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    # -- building blocks ---------------------------------------------------
    @abstractmethod
    def _loss_name(self):
        """Name of the training loss in :mod:`._losses`."""

    def _network(self, layer_units, rates, dtype):
        net = Network(
            layer_units, self.activation, rates, self.batch_norm, dtype,
            batch_norm_momentum=self.batch_norm_momentum,
        )
        return net

    def _initialize(self, net, random_state):
        """Glorot-uniform weights and biases, drawn as scikit-learn does."""
        factor = 2.0 if self.activation == "logistic" else 6.0
        for W, b in zip(net.coefs, net.intercepts, strict=False):
            bound = np.sqrt(factor / (W.shape[0] + W.shape[1]))
            W[...] = random_state.uniform(-bound, bound, W.shape)
            b[...] = random_state.uniform(-bound, bound, b.shape)

    def _load(self, net):
        """Copy fitted parameters into ``net``."""
        for W, coef in zip(net.coefs, self.coefs_, strict=False):
            W[...] = coef
        for b, intercept in zip(net.intercepts, self.intercepts_, strict=False):
            b[...] = intercept
        for i, bn in enumerate(net.batch_norms):
            bn.gamma[...] = self.batch_norm_gammas_[i]
            bn.beta[...] = self.batch_norm_betas_[i]
            bn.running_mean[...] = self.batch_norm_running_means_[i]
            bn.running_var[...] = self.batch_norm_running_vars_[i]

    def _store(self, net):
        self.coefs_ = [W.copy() for W in net.coefs]
        self.intercepts_ = [b.copy() for b in net.intercepts]
        self.batch_norm_gammas_ = [bn.gamma.copy() for bn in net.batch_norms]
        self.batch_norm_betas_ = [bn.beta.copy() for bn in net.batch_norms]
        self.batch_norm_running_means_ = [
            bn.running_mean.copy() for bn in net.batch_norms
        ]
        self.batch_norm_running_vars_ = [
            bn.running_var.copy() for bn in net.batch_norms
        ]

    def _fitted_network(self, dtype=None):
        layer_units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        dtype = self.coefs_[0].dtype if dtype is None else dtype
        net = Network(
            layer_units, self.activation, [0.0] * (len(layer_units) - 2),
            len(self.batch_norm_gammas_) > 0, dtype,
        )
        self._load(net)
        return net

    def _raw_output(self, X):
        """Predictions (inverse link applied), shape (n_samples, n_outputs)."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32),
            reset=False,
        )
        dtype = self.coefs_[0].dtype
        if X.dtype != dtype:
            X = X.astype(dtype)
        net = self._fitted_network()
        Z = net.predict_raw(X)
        return Loss(self._loss_name()).inverse_link(Z)

    # -- fitting ----------------------------------------------------------
    @abstractmethod
    def _encode_val(self, X_val, y_val, dtype):
        """Validate and encode a user-supplied validation set like the training one."""

    def _fit(self, X, y, sample_weight=None, incremental=False, X_val=None,
             y_val=None, sample_weight_val=None):
        hidden = self._hidden_sizes()
        rates = self._dropout_rates(len(hidden))
        if (X_val is None) != (y_val is None):
            raise ValueError(
                "X_val and y_val must be given together; got "
                f"X_val={'None' if X_val is None else 'an array'} and "
                f"y_val={'None' if y_val is None else 'an array'}."
            )
        if sample_weight_val is not None and X_val is None:
            raise ValueError("sample_weight_val requires X_val and y_val.")
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y, y_orig = self._validate_input(X, y, incremental, reset=first_pass)
        self._check_combinations(rates, sparse.issparse(X), incremental)
        if sparse.issparse(X):
            X = X.tocsr()  # minibatches gather rows
        dtype = X.dtype
        sample_weight = check_sample_weight(sample_weight, X, dtype=dtype)
        sample_weight = self._apply_class_weight(sample_weight, y_orig, incremental)
        n_features = X.shape[1]
        layer_units = [n_features, *hidden, Y.shape[1]]

        self._random_state = check_random_state(self.random_state)
        net = self._network(layer_units, rates, dtype)
        if first_pass:
            self._initialize(net, self._random_state)
            self._training_state = TrainingState()
            self.n_outputs_ = Y.shape[1]
            self.n_layers_ = len(layer_units)
            self.out_activation_ = Loss(self._loss_name()).out_activation
        else:
            expected = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
            if expected != layer_units or (
                len(self.batch_norm_gammas_) > 0
            ) != bool(self.batch_norm):
                raise ValueError(
                    "warm_start/partial_fit needs the same architecture as the "
                    f"previous fit: it had layer sizes {expected} and "
                    f"batch_norm={len(self.batch_norm_gammas_) > 0}; now "
                    f"{layer_units} and batch_norm={bool(self.batch_norm)}."
                )
            self._load(net)
            if self.coefs_[0].dtype != dtype:
                self._training_state.optimizer_state = None
        state = self._training_state
        if not incremental:
            state.optimizer_state = None
            state.learning_rate = None

        loss = Loss(self._loss_name())
        validation = None
        if X_val is not None:
            Xv, Yv = self._encode_val(X_val, y_val, dtype)
            swv = check_sample_weight(sample_weight_val, Xv, dtype=dtype)
            validation = ValidationSet(Xv, Yv, swv)
        elif self.early_stopping and self.solver in _STOCHASTIC_SOLVERS:
            X, Y, sample_weight, validation = self._split_validation(
                X, Y, y_orig, sample_weight
            )

        if self.batch_norm and X.shape[0] < 2:
            raise ValueError(
                "batch_norm needs at least 2 training samples; got "
                f"{X.shape[0]}."
            )
        S = float(sample_weight.sum())
        penalty = ElasticNetPenalty(
            net.n_weights,
            l1=self.alpha * self.l1_ratio / S,
            l2=self.alpha * (1.0 - self.l1_ratio) / S,
        )

        if self.solver == "lbfgs":
            n_iter, final_loss, history = fit_lbfgs(
                net, loss, penalty, X, Y, sample_weight, max_iter=self.max_iter,
                max_fun=self.max_fun, tol=self.tol, validation=validation,
                verbose=self.verbose,
            )
            self.n_iter_ = n_iter
            self.t_ = 0
            self.loss_ = final_loss
            self.loss_curve_ = history["loss"] or [final_loss]
            self.best_loss_ = min(self.loss_curve_)
            self.best_epoch_ = len(self.loss_curve_) - 1
            self.train_score_curve_ = None
            has_val = validation is not None and len(history["val_loss"]) > 0
            self.validation_loss_curve_ = history["val_loss"] if has_val else None
            self.validation_scores_ = history["val_score"] if has_val else None
            self.best_validation_score_ = (
                max(history["val_score"]) if has_val else None
            )
        else:
            self._fit_stochastic(net, loss, penalty, state, X, Y, sample_weight,
                                 validation, incremental, rates)
        self._store(net)
        _check_finite_params(self.coefs_ + self.intercepts_)
        return self

    def _fit_stochastic(self, net, loss, penalty, state, X, Y, sample_weight,
                        validation, incremental, rates):
        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"batch_size={self.batch_size} is larger than the number of "
                    f"training samples ({n_samples}); it is clipped to {n_samples}."
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        if batch_size < 2 and self.batch_norm:
            # every minibatch would be skipped: one sample has no batch variance
            raise ValueError(
                "batch_norm=True needs minibatches of at least 2 samples (the "
                "batch statistics of one sample are degenerate); got "
                f"batch_size={batch_size}."
            )
        if self.solver == "sgd":
            optimizer = SGD(self.momentum, self.nesterovs_momentum)
        else:
            optimizer = Adam(
                self.beta_1, self.beta_2, self.epsilon,
                self.weight_decay if self.solver == "adamw" else 0.0,
            )
        schedule = LearningRateSchedule(
            self.learning_rate, self.learning_rate_init, self.power_t, self.max_iter
        )
        augmenters = []
        if self.noise_std > 0:
            feature_std = np.sqrt(
                np.average((X - np.average(X, 0, sample_weight)) ** 2, 0,
                           sample_weight)
            ).astype(X.dtype)
            augmenters.append(GaussianNoise(self.noise_std, feature_std))
        if self.mixup_alpha > 0:
            augmenters.append(Mixup(self.mixup_alpha))
        # Drawn after initialization and split, so that switching dropout or
        # augmentation on does not change the initial weights. Mixing in the
        # number of epochs already run gives each partial_fit call its own
        # shuffle, dropout masks and augmentation (scikit-learn reshuffles in
        # the same order at every partial_fit with an int random_state).
        generator = np.random.default_rng(
            [self._random_state.randint(2**31 - 1), len(state.loss_curve)]
        )

        self.n_iter_ = fit_stochastic(
            net, loss, optimizer, schedule, penalty, state, X, Y, sample_weight,
            batch_size=batch_size, shuffle=self.shuffle, max_iter=self.max_iter,
            tol=self.tol, n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping, monitor=self.monitor,
            restore_best_weights=self.restore_best_weights,
            start_from_epoch=self.start_from_epoch, validation=validation,
            augmenters=augmenters, rng=generator, generator=generator,
            incremental=incremental, verbose=self.verbose,
        )
        early = self.early_stopping and validation is not None
        self.t_ = state.t
        self.loss_curve_ = state.loss_curve
        self.loss_ = state.loss_curve[-1] if state.loss_curve else np.nan
        self.train_score_curve_ = state.train_score_curve
        has_val = len(state.validation_scores) > 0
        self.validation_scores_ = state.validation_scores if has_val else None
        self.validation_loss_curve_ = state.validation_loss_curve if has_val else None
        self.best_validation_score_ = max(state.validation_scores) if has_val else None
        self.best_loss_ = None if early else state.best_loss
        if early and self.restore_best_weights and state.best_epoch is not None:
            self.best_epoch_ = state.best_epoch
        else:
            self.best_epoch_ = len(state.loss_curve) - 1

    def _split_validation(self, X, Y, y_orig, sample_weight):
        stratify = None
        if self._is_single_output_classifier():
            stratify = y_orig
        X_tr, X_v, Y_tr, Y_v, sw_tr, sw_v = train_test_split(
            X, Y, sample_weight, random_state=self._random_state,
            test_size=self.validation_fraction, stratify=stratify,
        )
        if X_v.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X_tr, Y_tr, sw_tr, ValidationSet(X_v, Y_v, sw_v)

    def _is_single_output_classifier(self):
        return False

    def _apply_class_weight(self, sample_weight, y, incremental):
        return sample_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _val_array(est, X_val, dtype):
    X_val = check_array(
        X_val, accept_sparse=["csr", "csc"], dtype=dtype, input_name="X_val"
    )
    if X_val.shape[1] != est.n_features_in_:
        raise ValueError(
            f"X_val has {X_val.shape[1]} features, but {type(est).__name__} is "
            f"expecting {est.n_features_in_} features as input."
        )
    return X_val


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier with L1/L2/elastic-net penalties,
    dropout, batch normalization, early stopping and data augmentation.

    A drop-in superset of :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, defaults, methods and fitted attributes, plus
    regularizers that default to off. It minimizes the log-loss (softmax
    output for multiclass, logistic outputs for binary and multilabel
    targets).
"""
        + _OBJECTIVE_DOC
        + """
    Parameters
    ----------"""
        + _COMMON_PARAMETERS_DOC
        + """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``:
        ``{label: weight}`` or 'balanced' (``n_samples / (n_classes *
        count(label))``). 'balanced' is not available in ``partial_fit``.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels.
"""
        + _COMMON_ATTRIBUTES_DOC
        + """
    See Also
    --------
    MLPRegressor : The regressor with the same regularizers.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skreg.neural_network import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), dropout=0.2,
    ...                     early_stopping=True, random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.9
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        l1_ratio=0.0,
        weight_decay=0.0,
        dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.1,
        monitor="val_score",
        restore_best_weights=True,
        start_from_epoch=0,
        noise_std=0.0,
        mixup_alpha=0.0,
        class_weight=None,
    ):
        _store_init_params(self, locals())

    def _loss_name(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "log_loss"
        return "binary_log_loss"

    def _is_single_output_classifier(self):
        return self._label_binarizer.y_type_ != "multilabel-indicator"

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
            if self._label_binarizer.y_type_ != "multilabel-indicator" and len(
                self.classes_
            ) < 2:
                raise ValueError(
                    "MLPClassifier needs samples of at least 2 classes in y; got "
                    f"only one class: {self.classes_[0]!r}."
                )
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._encode_targets(y, X.dtype), y

    def _encode_targets(self, y, dtype):
        """``LabelBinarizer.transform(y)`` in ``dtype``; multiclass labels
        (every one in ``classes_``, as the callers check) are one-hot encoded
        directly, without the binarizer's sparse matrix and integer copy (a
        few ms of every ``partial_fit`` epoch on 50000 rows)."""
        if self._label_binarizer.y_type_ == "multiclass" and y.ndim == 1:
            n = y.shape[0]
            Y = np.zeros((n, self.classes_.size), dtype=dtype)
            Y[np.arange(n), np.searchsorted(self.classes_, y)] = 1
            return Y
        return self._label_binarizer.transform(y).astype(dtype)

    def _encode_val(self, X_val, y_val, dtype):
        X_val = _val_array(self, X_val, dtype)
        y_val = np.asarray(y_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val.ravel()
        if y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} samples but y_val has {y_val.shape[0]}."
            )
        unknown = np.setdiff1d(unique_labels(y_val), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y_val has classes not seen in y: {unknown}; classes are "
                f"{self.classes_}."
            )
        return X_val, self._encode_targets(y_val, dtype)

    def _apply_class_weight(self, sample_weight, y, incremental):
        if self.class_weight is None:
            return sample_weight
        if incremental and self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit (class "
                "frequencies of one batch are not those of the data); pass a dict."
            )
        check_class_weight(self.class_weight)
        cw = compute_sample_weight(self.class_weight, y)
        return (sample_weight * cw).astype(sample_weight.dtype)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        """Fit the model to data X and labels y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or a label-indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (multiplied by ``class_weight``).
        X_val, y_val : array-like, default=None
            Validation set (given together). It is evaluated after every
            epoch (``validation_loss_curve_``, ``validation_scores_``) and,
            with ``early_stopping=True``, replaces the
            ``validation_fraction`` split.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MLPClassifier
            The fitted model.
        """
        return self._fit(X, y, sample_weight, incremental=False, X_val=X_val,
                         y_val=y_val, sample_weight_val=sample_weight_val)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Run one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            All classes; required on the first call. Later calls may pass
            them again; different classes raise a ValueError.

        Returns
        -------
        self : MLPClassifier
            The updated model.
        """
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            classes = np.asarray(classes)
            if not first and not np.array_equal(
                np.unique(classes), np.unique(self.classes_)
            ):
                raise ValueError(
                    f"`classes={classes}` is not the same as on the last call to "
                    f"partial_fit, was: {self.classes_}"
                )
        if first:
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict class labels (or label-indicator rows) for X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Predicted labels.
        """
        P = self._raw_output(X)
        if self.n_outputs_ == 1:
            P = P.ravel()
        return self._label_binarizer.inverse_transform(P)

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Predicted probabilities.
        """
        P = self._raw_output(X)
        if self.n_outputs_ == 1:
            p = P.ravel()
            return np.vstack([1 - p, p]).T
        return P

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor with L1/L2/elastic-net penalties,
    dropout, batch normalization, early stopping and data augmentation.

    A drop-in superset of :class:`sklearn.neural_network.MLPRegressor`: the
    same parameters, defaults, methods and fitted attributes, plus
    regularizers that default to off.
"""
        + _OBJECTIVE_DOC
        + """
    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Half squared error summed over outputs (identity output), or half the
        Poisson deviance (exp output, non-negative targets). For several
        outputs, ``loss_`` is the sum over outputs (scikit-learn reports the
        mean but trains with the sum).
"""
        + _COMMON_PARAMETERS_DOC
        + """
    Mixup for regression mixes targets linearly; this is only unbiased where
    the target is linear between the mixed samples, so keep ``mixup_alpha``
    small (e.g. 0.1-0.4) or prefer ``noise_std``.

    Attributes
    ----------"""
        + _COMMON_ATTRIBUTES_DOC
        + """
    See Also
    --------
    MLPClassifier : The classifier with the same regularizers.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skreg.neural_network import MLPRegressor
    >>> X, y = make_friedman1(n_samples=500, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(64, 64), batch_norm=True,
    ...                    max_iter=300, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.8
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        l1_ratio=0.0,
        weight_decay=0.0,
        dropout=0.0,
        batch_norm=False,
        batch_norm_momentum=0.1,
        monitor="val_score",
        restore_best_weights=True,
        start_from_epoch=0,
        noise_std=0.0,
        mixup_alpha=0.0,
    ):
        _store_init_params(self, locals())

    def _loss_name(self):
        return self.loss

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            y_numeric=True, dtype=(np.float64, np.float32), reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._check_target(y, "y")
        Y = np.asarray(y, dtype=X.dtype).reshape(X.shape[0], -1)
        return X, Y, y

    def _check_target(self, y, name):
        if self.loss == "poisson" and np.any(np.asarray(y) < 0):
            raise ValueError(
                f"Some value(s) of {name} are negative which is not allowed for "
                "loss='poisson'."
            )

    def _encode_val(self, X_val, y_val, dtype):
        X_val = _val_array(self, X_val, dtype)
        y_val = check_array(y_val, ensure_2d=False, dtype=dtype, input_name="y_val")
        if y_val.ndim == 1:
            y_val = y_val.reshape(-1, 1)
        if y_val.shape != (X_val.shape[0], self.n_outputs_):
            raise ValueError(
                f"y_val has shape {y_val.shape}; expected ({X_val.shape[0]}, "
                f"{self.n_outputs_}) to match X_val and y."
            )
        self._check_target(y_val, "y_val")
        return X_val, y_val

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        """Fit the model to data X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. float32 input trains in float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        X_val, y_val : array-like, default=None
            Validation set (given together). It is evaluated after every
            epoch (``validation_loss_curve_``, ``validation_scores_``) and,
            with ``early_stopping=True``, replaces the
            ``validation_fraction`` split.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MLPRegressor
            The fitted model.
        """
        return self._fit(X, y, sample_weight, incremental=False, X_val=X_val,
                         y_val=y_val, sample_weight_val=sample_weight_val)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Run one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : MLPRegressor
            The updated model.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict targets for X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        P = self._raw_output(X)
        if P.shape[1] == 1:
            return P.ravel()
        return P
