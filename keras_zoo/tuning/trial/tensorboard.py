"""A search as TensorBoard shows one: a run per trial, with its hyperparameters (HParams).

``search(..., tensorboard=True)`` (``keras-zoo tune --tensorboard``) writes, under the search
directory::

    tensorboard/                      the experiment: every searched keyword and its domain,
                                      and the metrics (HParams' "hparams_config")
    tensorboard/trial_<id>/execution<k>/
        train/ validation/            Keras' TensorBoard callback: loss, metrics, learning rate
                                      per epoch
        (the session)                 the trial's values of the searched keywords, its id, its
                                      score as the leaderboard has it (``trial_score``) and its
                                      end, failed or not (HParams' session start and end)

so ``tensorboard --logdir <search directory>`` shows each trial's curves in "Scalars" and the
table of trials in "HParams", the layout Keras Tuner gives the TensorBoard callbacks its users
pass in (``<logdir>/<trial_id>/execution<k>``). Values HParams cannot hold (tuples, ``None``,
mixed types) are shown as text (``"(64, 32)"``). A trial that runs again (a resumed search
reruns an interrupted trial, ``retry_failed`` a failed one) replaces its logs. A worker on
another machine writes the logs of its trials into its own directory, not the chief's.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from keras_zoo.tuning.space import Axis, Space

LOG_DIR = "tensorboard"
"""The folder of a search directory that holds its TensorBoard runs."""

_HPARAM_TYPES = (bool, int, float, str)


def search_log_dir(directory: str) -> str:
    """Where the TensorBoard runs of the search in ``directory`` are written."""
    return os.path.join(directory, LOG_DIR)


def trial_log_dir(trial_dir: str, trial_id: str) -> str:
    """A trial's TensorBoard folder, from its trial folder ``<search>/trials/trial_<id>``."""
    return os.path.join(search_log_dir(os.path.dirname(os.path.dirname(trial_dir))),
                        f"trial_{trial_id}")


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (``np.float64(0.1)`` -> ``0.1``)."""
    return value.item() if isinstance(value, np.generic) else value


def _as_text(axis: Axis) -> bool:
    """Whether the axis' values are shown as text: HParams holds one type per keyword, of
    bool, int, float or str (ints and floats together are floats)."""
    if axis.kind == "range":
        return False
    kinds = {type(_plain(v)) for v in axis.values}
    if not kinds <= set(_HPARAM_TYPES):
        return True
    return len(kinds) > 1 and not kinds <= {int, float}


def hparam_value(axis: Axis, value: Any) -> bool | int | float | str:
    """A trial's value of ``axis`` in the type its HParams domain holds."""
    if _as_text(axis):
        return str(value)
    value = _plain(value)
    if axis.kind == "choice" and {type(_plain(v)) for v in axis.values} == {int, float}:
        return float(value)
    if axis.kind == "range":
        return int(value) if axis.integer else float(value)
    return value


def _domain(hp: Any, axis: Axis) -> Any:
    if axis.kind == "range":
        if axis.integer:
            return hp.IntInterval(int(axis.low), int(axis.high))
        return hp.RealInterval(float(axis.low), float(axis.high))
    return hp.Discrete(sorted({hparam_value(axis, v) for v in axis.values},
                              key=lambda v: (isinstance(v, str), v)))


SCORE_TAG = "trial_score"
"""The scalar each execution's session writes at its end: the score the leaderboard gives it
(with early stopping, the best epoch's objective, not the last epoch's)."""


def _metric_tags(objective: str) -> list[tuple[str, str | None, str]]:
    """``(tag, run group, display name)`` of the metrics the HParams table shows: the trial's
    score first (as the leaderboard has it), the objective at the last epoch, then the
    training and validation loss."""
    name, group = ((objective[4:], "validation") if objective.startswith("val_")
                   else (objective, "train"))
    metrics = [(SCORE_TAG, None, f"score ({objective})"),
               (f"epoch_{name}", group, f"{objective}, last epoch")]
    for tag, grp, shown in (("epoch_loss", "validation", "val_loss"),
                            ("epoch_loss", "train", "loss")):
        if (tag, grp) != (metrics[1][0], metrics[1][1]):
            metrics.append((tag, grp, shown))
    return metrics


def write_experiment(directory: str, space: Space, objective: str) -> str:
    """Write the search's HParams experiment (its keywords, their domains and the metrics)
    under ``directory/tensorboard``, once (a resumed search has the same space and objective);
    returns that folder."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    root = search_log_dir(directory)
    os.makedirs(root, exist_ok=True)
    if any(name.startswith("events.out.tfevents.") for name in os.listdir(root)):
        return root  # a resumed search: its space and objective are the ones written
    hparams = [hp.HParam(name, _domain(hp, axis)) for name, axis in space.axes.items()]
    metrics = [hp.Metric(tag, group=group, display_name=shown)
               for tag, group, shown in _metric_tags(objective)]
    writer = tf.summary.create_file_writer(root)
    try:
        with writer.as_default():
            hp.hparams_config(hparams=hparams, metrics=metrics)
        writer.flush()
    finally:
        writer.close()
    return root


class HParamsSession(keras.callbacks.Callback):
    """Records one training of a trial as an HParams session: its values when training
    starts; :meth:`end` (called by the trial, whatever happened) writes its score and its end
    status and closes the writer.

    Args:
        log_dir: The session's folder (the Keras TensorBoard callback's ``log_dir``).
        hparams: Keyword -> value (bool, int, float or str).
        trial_id: The group HParams shows the session under (the trial, so its executions are
            averaged).
    """

    def __init__(self, log_dir: str, hparams: Mapping[str, Any], trial_id: str):
        super().__init__()
        self.log_dir, self.hparams, self.trial_id = log_dir, dict(hparams), trial_id
        self._writer: Any = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp

        self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            hp.hparams(self.hparams, trial_id=self.trial_id)
        self._writer.flush()

    def end(self, success: bool, score: float | None = None) -> None:
        """Write ``score`` (when given) and the session's end: success, or failure (training
        raised, the loss became NaN/inf, the objective was not logged); then close."""
        if self._writer is None:  # training never began
            return
        import tensorflow as tf
        from tensorboard.plugins.hparams import api_pb2
        from tensorboard.plugins.hparams import summary as hp_summary

        status = api_pb2.STATUS_SUCCESS if success else api_pb2.STATUS_FAILURE
        try:
            with self._writer.as_default():
                if score is not None and math.isfinite(score):
                    tf.summary.scalar(SCORE_TAG, score, step=0)
                tf.summary.experimental.write_raw_pb(
                    hp_summary.session_end_pb(status).SerializeToString(), step=0)
            self._writer.flush()
        finally:
            self._writer.close()
            self._writer = None


class TrialBoard:
    """The TensorBoard callbacks of one trial's executions (see the module docstring).

    Creating it removes logs an earlier run of the same trial left. The trial calls
    :meth:`end` after each execution, however it went.
    """

    def __init__(self, trial_dir: str, trial_id: str, space: Space, values: Mapping[str, Any]):
        self.root = trial_log_dir(trial_dir, trial_id)
        self.trial_id = str(trial_id)
        shutil.rmtree(self.root, ignore_errors=True)
        params = space.decode(values)
        self.hparams = {name: hparam_value(axis, params[name])
                        for name, axis in space.axes.items() if name in params}
        self._open: dict[int, tuple[keras.callbacks.TensorBoard, HParamsSession]] = {}

    def callbacks(self, execution: int) -> list[keras.callbacks.Callback]:
        log_dir = os.path.join(self.root, f"execution{execution}")
        board = keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False)
        session = HParamsSession(log_dir, self.hparams, self.trial_id)
        self._open[execution] = (board, session)
        return [board, session]

    def end(self, execution: int, success: bool, score: float | None = None) -> None:
        """End the execution's session with its score and status, and close its writers
        (Keras' callback closes its own only when training ends normally)."""
        board, session = self._open.pop(execution, (None, None))
        if session is not None:
            session.end(success, score)
        close = getattr(board, "_close_writers", None)  # Keras internal (3.x), see ARCHITECTURE
        if callable(close):
            close()  # the train/validation writers; closing twice is harmless
