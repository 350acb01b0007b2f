"""Training history display: loss (and score) per epoch of an MLP."""

import numpy as np


def _curve(values, name):
    if values is None:
        return None
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        return None
    if np.any(np.isinf(arr)):
        raise ValueError(f"{name} contains infinite values.")
    return arr


class TrainingHistoryDisplay:
    """Train and validation loss per epoch, with the kept epoch marked.

    Where the validation loss stops decreasing while the training loss keeps
    going down is where the network starts to overfit, and where early
    stopping should stop. The left axis shows the losses; scores (accuracy
    or R^2 on the training and validation data, when recorded) go on a
    second axis on the right. A vertical line marks the best epoch, whose
    weights are kept when early stopping restores the best weights.

    Epochs are numbered from 1 on the x axis: the value recorded after the
    first pass over the data is drawn at x = 1, so ``best_epoch`` (a 0-based
    index, like the estimators' ``best_epoch_``) is drawn at
    ``best_epoch + 1``.

    Create it with :meth:`from_estimator` or :meth:`from_history`.

    Parameters
    ----------
    train_loss : array-like of shape (n_epochs,)
        Training loss per epoch (the estimators' ``loss_curve_``).
    validation_loss : array-like of shape (n_epochs,), default=None
        Validation loss per epoch (``validation_loss_curve_``).
    validation_score : array-like of shape (n_epochs,), default=None
        Validation score per epoch (``validation_scores_``).
    train_score : array-like of shape (n_epochs,), default=None
        Training score per epoch (``train_score_curve_``).
    best_epoch : int, default=None
        0-based index of the best epoch (``best_epoch_``); marked if given.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        Drawn curves, keyed by ``"train_loss"``, ``"validation_loss"``,
        ``"train_score"``, ``"validation_score"``.
    best_epoch_line_ : matplotlib Line2D or None
        Vertical line at the best epoch.
    ax_ : matplotlib Axes
        Axes with the losses.
    ax_score_ : matplotlib Axes or None
        Twin axes with the scores (None when no score is drawn).
    figure_ : matplotlib Figure
        Figure containing the axes.

    Examples
    --------
    >>> from skreg.plotting import TrainingHistoryDisplay
    >>> disp = TrainingHistoryDisplay.from_history(
    ...     [1.0, 0.6, 0.4, 0.3], validation_loss=[1.1, 0.8, 0.7, 0.75],
    ...     best_epoch=2)
    >>> disp.best_epoch_line_.get_xdata()[0]
    3
    """

    def __init__(self, train_loss, *, validation_loss=None, validation_score=None,
                 train_score=None, best_epoch=None):
        self.train_loss = train_loss
        self.validation_loss = validation_loss
        self.validation_score = validation_score
        self.train_score = train_score
        self.best_epoch = best_epoch

    def _validated(self):
        curves = {
            "train_loss": _curve(self.train_loss, "train_loss"),
            "validation_loss": _curve(self.validation_loss, "validation_loss"),
            "train_score": _curve(self.train_score, "train_score"),
            "validation_score": _curve(self.validation_score, "validation_score"),
        }
        if curves["train_loss"] is None:
            raise ValueError("train_loss is empty: the model has no training history.")
        n_epochs = curves["train_loss"].size
        for name, arr in curves.items():
            if arr is not None and arr.size != n_epochs:
                raise ValueError(
                    f"{name} has {arr.size} epochs but train_loss has {n_epochs}."
                )
        best = self.best_epoch
        if best is not None:
            if not (isinstance(best, (int, np.integer)) and 0 <= best < n_epochs):
                raise ValueError(
                    f"best_epoch must be an integer in [0, {n_epochs - 1}], "
                    f"got {best!r}."
                )
        return curves, n_epochs

    def plot(self, ax=None, *, show_score=True, loss_name="loss", score_name="score",
             epoch_name="epoch"):
        """Draw the history.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created when None.
        show_score : bool, default=True
            Draw the recorded scores on a second y axis.
        loss_name : str, default="loss"
            Label of the loss axis.
        score_name : str, default="score"
            Label of the score axis.
        epoch_name : str, default="epoch"
            Label of the x axis (what one recorded step is).

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        import matplotlib.pyplot as plt

        curves, n_epochs = self._validated()
        if ax is None:
            _, ax = plt.subplots()
        epochs = np.arange(1, n_epochs + 1)
        styles = {
            "train_loss": {"color": "tab:blue", "label": f"train {loss_name}"},
            "validation_loss": {"color": "tab:orange",
                                "label": f"validation {loss_name}"},
            "train_score": {"color": "tab:blue", "linestyle": "--",
                            "label": f"train {score_name}"},
            "validation_score": {"color": "tab:orange", "linestyle": "--",
                                 "label": f"validation {score_name}"},
        }
        self.lines_ = {}
        for name in ("train_loss", "validation_loss"):
            if curves[name] is not None:
                (self.lines_[name],) = ax.plot(epochs, curves[name], **styles[name])
        ax.set_xlabel(epoch_name)
        ax.set_ylabel(loss_name)

        self.ax_score_ = None
        score_names = ("train_score", "validation_score")
        has_score = any(curves[n] is not None for n in score_names)
        if show_score and has_score:
            self.ax_score_ = ax.twinx()
            for name in ("train_score", "validation_score"):
                if curves[name] is not None:
                    (self.lines_[name],) = self.ax_score_.plot(
                        epochs, curves[name], **styles[name]
                    )
            self.ax_score_.set_ylabel(score_name)

        self.best_epoch_line_ = None
        if self.best_epoch is not None:
            self.best_epoch_line_ = ax.axvline(
                self.best_epoch + 1, color="tab:red", linestyle=":",
                label=f"best {epoch_name} ({self.best_epoch + 1})",
            )
        handles = list(self.lines_.values())
        if self.best_epoch_line_ is not None:
            handles.append(self.best_epoch_line_)
        ax.legend(handles=handles, fontsize="small", loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_history(cls, train_loss, *, validation_loss=None, validation_score=None,
                     train_score=None, best_epoch=None, ax=None, **plot_kw):
        """Plot recorded curves.

        Parameters
        ----------
        train_loss : array-like of shape (n_epochs,)
            Training loss per epoch.
        validation_loss, validation_score, train_score : array-like, default=None
            Other per-epoch curves of the same length.
        best_epoch : int, default=None
            0-based index of the epoch to mark.
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        disp = cls(train_loss, validation_loss=validation_loss,
                   validation_score=validation_score, train_score=train_score,
                   best_epoch=best_epoch)
        return disp.plot(ax=ax, **plot_kw)

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, **plot_kw):
        """Plot the history recorded by a fitted MLP.

        Reads ``loss_curve_``, ``validation_loss_curve_``,
        ``validation_scores_``, ``train_score_curve_`` and ``best_epoch_``
        (skreg's MLPs); attributes that are missing or None are skipped, so
        scikit-learn's MLPs work too. The best epoch is marked only for a
        model trained with ``early_stopping=True``: it is ``best_epoch_``
        (the epoch whose weights the model holds), or, for a model without it
        (scikit-learn, which restores the weights of the best validation
        score), the argmax of ``validation_scores_``. For
        ``solver='lbfgs'`` the steps are L-BFGS iterations, and the x axis is
        labelled so.

        Parameters
        ----------
        estimator : fitted MLPClassifier or MLPRegressor
            A model with a ``loss_curve_`` (scikit-learn's lbfgs records none).
        ax : matplotlib Axes, default=None
            Axes to draw on.
        **plot_kw : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator)
        train_loss = getattr(estimator, "loss_curve_", None)
        if train_loss is None or len(train_loss) == 0:
            hint = ("pass the fitted MLP itself (pipeline[-1])"
                    if hasattr(estimator, "steps") else
                    "scikit-learn's lbfgs solver records none")
            raise ValueError(
                f"{type(estimator).__name__} has no loss_curve_: it recorded no "
                f"training history ({hint})."
            )
        val_score = getattr(estimator, "validation_scores_", None)
        val_loss = getattr(estimator, "validation_loss_curve_", None)
        best = None
        if getattr(estimator, "early_stopping", False):
            best = getattr(estimator, "best_epoch_", None)
            if (best is None and val_score is not None
                    and not np.all(np.isnan(val_score))):
                best = int(np.nanargmax(val_score))
        if getattr(estimator, "solver", None) == "lbfgs":
            plot_kw.setdefault("epoch_name", "L-BFGS iteration")
        disp = cls(
            train_loss,
            validation_loss=val_loss,
            validation_score=val_score,
            train_score=getattr(estimator, "train_score_curve_", None),
            best_epoch=None if best is None else int(best),
        )
        return disp.plot(ax=ax, **plot_kw)
