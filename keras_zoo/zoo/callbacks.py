"""The callbacks of the zoo's training path (:func:`keras_zoo.zoo.fit`): early stopping with the
zoo's defaults, Keras' TensorBoard from ``tensorboard=``, a silent NaN stop and the CLI's
progress line. ``keras_zoo.zoo.training`` re-exports them."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from keras_zoo.base.errors import InputValueError
from keras_zoo.base.formatting import format_number

DEFAULT_PATIENCE = 10


def early_stopping_callback(early_stopping: bool | int | Mapping[str, Any], *, monitor: str
                            ) -> keras.callbacks.EarlyStopping | None:
    """``True`` -> patience 10 with best-weights restore; an int -> that patience; a dict ->
    kwargs (with ``tie_breaker=(metric, "max"|"min")``: a :class:`TieBreakingEarlyStopping`)."""
    if early_stopping is False or early_stopping is None:
        return None
    settings: dict[str, Any] = {"monitor": monitor, "patience": DEFAULT_PATIENCE,
                                "restore_best_weights": True}
    if isinstance(early_stopping, Mapping):
        settings.update(early_stopping)
    elif early_stopping is not True:
        if not isinstance(early_stopping, (int, np.integer)) or early_stopping < 1:
            raise InputValueError(
                "`early_stopping` must be True/False, a patience (int >= 1) or a dict of "
                f"EarlyStopping settings. Received: early_stopping={early_stopping!r}"
            )
        settings["patience"] = int(early_stopping)
    if settings.get("tie_breaker"):
        return TieBreakingEarlyStopping(**settings)
    settings.pop("tie_breaker", None)
    return keras.callbacks.EarlyStopping(**settings)


class TieBreakingEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' ``EarlyStopping``, where an epoch that equals the best monitored value and has a
    better ``tie_breaker`` metric also counts as the best epoch: its weights are the ones
    restored, and the patience starts again from it.

    A small validation split saturates accuracy (every epoch after the fifth at 1.0): Keras
    keeps the first such epoch, whatever its validation loss; this keeps the one with the lowest
    (``tie_breaker=("val_loss", "min")``). The search trains every trial with it (see
    ``keras_zoo.tuning.ranking``).

    Args:
        tie_breaker: ``(metric, "max"|"min")``: a logged metric and its better direction.
        **kwargs: ``keras.callbacks.EarlyStopping``'s arguments.
    """

    def __init__(self, tie_breaker: tuple[str, str], **kwargs: Any):
        super().__init__(**kwargs)
        if (isinstance(tie_breaker, (str, bytes)) or not isinstance(tie_breaker, (tuple, list))
                or len(tie_breaker) != 2 or tie_breaker[1] not in ("max", "min")):
            raise InputValueError("`tie_breaker` is (metric name, 'max'|'min'), e.g. "
                                  f"('val_loss', 'min'). Received: tie_breaker={tie_breaker!r}")
        self.tie_breaker = (str(tie_breaker[0]), tie_breaker[1])
        self.best_tie: float | None = None

    def on_train_begin(self, logs: Mapping[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        self.best_tie = None

    def _tie_better(self, tie: float | None) -> bool:
        if tie is None or np.isnan(tie):
            return False
        if self.best_tie is None or np.isnan(self.best_tie):  # NaN ranks last, as in Ranking
            return True
        return tie < self.best_tie if self.tie_breaker[1] == "min" else tie > self.best_tie

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        logs = logs or {}
        current = logs.get(self.monitor)
        tie = logs.get(self.tie_breaker[0])
        tie = None if tie is None else float(tie)
        tied = (current is not None and self.best is not None
                and np.isfinite(self.best) and float(current) == float(self.best)
                and epoch >= self.start_from_epoch)
        super().on_epoch_end(epoch, logs)
        if self.best_epoch == epoch:  # Keras took it: a better value (or the first epoch)
            self.best_tie = tie
        elif tied and self._tie_better(tie):  # equal value, better tie-breaker: the best now
            self.best_tie = tie
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.stopped_epoch == epoch:  # its patience ran out at this very epoch
                self.stopped_epoch = 0
                self.model.stop_training = False


def tensorboard_callback(tensorboard: str | os.PathLike | Mapping[str, Any] | None
                         ) -> keras.callbacks.TensorBoard | None:
    """Keras' TensorBoard callback for ``fit(tensorboard=...)``: a log directory, or a dict of
    ``keras.callbacks.TensorBoard`` arguments with ``log_dir``; ``None`` or ``False``: none.

    Raises:
        InputValueError: Anything else, or a dict without ``log_dir`` or with an argument the
            callback does not take.
        ImportError: The ``tensorboard`` package is missing (it comes with TensorFlow).
    """
    if tensorboard is None or tensorboard is False:
        return None
    if isinstance(tensorboard, (str, os.PathLike)):
        settings: dict[str, Any] = {"log_dir": os.fspath(tensorboard)}
    elif isinstance(tensorboard, Mapping):
        settings = dict(tensorboard)
    else:
        raise InputValueError("`tensorboard` must be a log directory (a str or os.PathLike) or "
                              "a dict of keras.callbacks.TensorBoard arguments with 'log_dir'. "
                              f"Received: {type(tensorboard).__name__} {tensorboard!r}")
    if not isinstance(settings.get("log_dir"), (str, os.PathLike)) or not os.fspath(
            settings["log_dir"]):
        raise InputValueError("`tensorboard` needs a log directory: a non-empty 'log_dir'. "
                              f"Received: {tensorboard!r}")
    if importlib.util.find_spec("tensorboard") is None:
        raise ImportError("tensorboard=... needs the `tensorboard` package (it comes with "
                          "TensorFlow): pip install tensorboard")
    try:
        return keras.callbacks.TensorBoard(**settings)
    except TypeError as err:
        raise InputValueError(f"`tensorboard`: {err}. Accepted: the arguments of "
                              "keras.callbacks.TensorBoard (log_dir, histogram_freq, "
                              "write_graph, write_images, write_steps_per_second, update_freq, "
                              "profile_batch, embeddings_freq, embeddings_metadata).") from None


class StopOnInvalidLoss(keras.callbacks.Callback):
    """Stop training when the loss becomes NaN or infinite, as ``keras.callbacks.TerminateOnNaN``
    does (``model.stop_training`` after that batch), but silently: Keras' callback prints
    "Batch 9: Invalid loss, terminating training" to stdout; the caller reports it instead (a
    search records the trial as failed, with the epoch).

    Attributes:
        stopped_at: ``(epoch, batch)`` where the loss became invalid, or ``None``.
    """

    def __init__(self):
        super().__init__()
        self.stopped_at: tuple[int, int] | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.all(np.isfinite(keras.ops.convert_to_numpy(loss).astype(float))):
            self.stopped_at = (self._epoch, batch)
            self.model.stop_training = True


def interactive() -> bool:
    """Whether someone is watching: standard output is a terminal, or the code runs in a
    Jupyter (IPython kernel) notebook. Logs, pipes and test runs are not."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stdout
        return False


def progress_for(verbose: int | str) -> int | str:
    """``fit(verbose=...)`` resolved: ``"auto"`` is ``"epochs"`` (a progress line per epoch)
    when :func:`interactive`, else 0 (silent); anything else is Keras' own value."""
    if isinstance(verbose, str) and verbose == "auto":
        return "epochs" if interactive() else 0
    return verbose


class EpochProgress(keras.callbacks.Callback):
    """One line per epoch, rewritten in place on a terminal: ``epoch 12/50  loss 0.21  val_loss ...``.

    The CLI's ``train`` progress (on stderr), and ``kz.zoo.fit(verbose="auto")``'s when someone
    is watching (on stdout). Numbers as :func:`~keras_zoo.base.formatting.format_number` writes
    them.
    """

    def __init__(self, epochs: int, stream=None):
        super().__init__()
        self.epochs = epochs
        self.stream = stream or sys.stderr
        self._tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._start = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        items = "  ".join(f"{k} {format_number(v)}" for k, v in (logs or {}).items()
                          if isinstance(v, (int, float)))
        line = f"epoch {epoch + 1}/{self.epochs}  {items}  ({time.perf_counter() - self._start:.1f}s)"
        if self._tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def on_train_end(self, logs=None):
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
