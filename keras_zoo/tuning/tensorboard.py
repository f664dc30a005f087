"""A search as TensorBoard shows one: a run per trial, with its hyperparameters (HParams).

``search(..., tensorboard=True)`` (``keras-zoo tune --tensorboard``) writes, under the search
directory::

    tensorboard/                      the experiment: every searched keyword and its domain,
                                      and the metrics (HParams' "hparams_config")
    tensorboard/trial_<id>/execution<k>/
        train/ validation/            Keras' TensorBoard callback: loss, metrics, learning rate
                                      per epoch
        (the session)                 the trial's values of the searched keywords, its id, and
                                      its end (HParams' session start and end)

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


def _as_text(axis: Axis) -> bool:
    """Whether the axis' values are shown as text: HParams holds one type per keyword, of
    bool, int, float or str (ints and floats together are floats)."""
    if axis.kind == "range":
        return False
    kinds = {type(v) for v in axis.values}
    if not kinds <= set(_HPARAM_TYPES):
        return True
    return len(kinds) > 1 and not kinds <= {int, float}


def hparam_value(axis: Axis, value: Any) -> bool | int | float | str:
    """A trial's value of ``axis`` in the type its HParams domain holds."""
    if _as_text(axis):
        return str(value)
    if axis.kind == "choice" and {type(v) for v in axis.values} == {int, float}:
        return float(value)
    return value


def _domain(hp: Any, axis: Axis) -> Any:
    if axis.kind == "range":
        if axis.integer:
            return hp.IntInterval(int(axis.low), int(axis.high))
        return hp.RealInterval(float(axis.low), float(axis.high))
    return hp.Discrete(sorted({hparam_value(axis, v) for v in axis.values},
                              key=lambda v: (isinstance(v, str), v)))


def _metric_tags(objective: str) -> list[tuple[str, str | None, str]]:
    """``(tag, run group, display name)`` of the metrics the HParams table shows: the
    objective first, then the training and validation loss."""
    name, group = ((objective[4:], "validation") if objective.startswith("val_")
                   else (objective, "train"))
    metrics = [(f"epoch_{name}", group, objective)]
    for tag, grp, shown in (("epoch_loss", "validation", "val_loss"),
                            ("epoch_loss", "train", "loss")):
        if (tag, grp) != (metrics[0][0], metrics[0][1]):
            metrics.append((tag, grp, shown))
    return metrics


def write_experiment(directory: str, space: Space, objective: str) -> str:
    """Write the search's HParams experiment (its keywords, their domains and the metrics)
    under ``directory/tensorboard``; returns that folder. Written again on resume (TensorBoard
    reads the latest)."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    root = search_log_dir(directory)
    os.makedirs(root, exist_ok=True)
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
    """Records one training of a trial as an HParams session: its values at the start, its
    end (success, or failure when the loss became NaN/inf) when training ends.

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
        self._failed = False

    def on_train_begin(self, logs=None):
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp

        self._failed = False
        self._writer = tf.summary.create_file_writer(self.log_dir)
        with self._writer.as_default():
            hp.hparams(self.hparams, trial_id=self.trial_id)
        self._writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self._failed = True

    def on_train_end(self, logs=None):
        if self._writer is None:
            return
        import tensorflow as tf
        from tensorboard.plugins.hparams import api_pb2
        from tensorboard.plugins.hparams import summary as hp_summary

        status = api_pb2.STATUS_FAILURE if self._failed else api_pb2.STATUS_SUCCESS
        try:
            with self._writer.as_default():
                tf.summary.experimental.write_raw_pb(
                    hp_summary.session_end_pb(status).SerializeToString(), step=0)
            self._writer.flush()
        finally:
            self._writer.close()
            self._writer = None


class TrialBoard:
    """The TensorBoard callbacks of one trial's executions (see the module docstring).

    Creating it removes logs an earlier run of the same trial left.
    """

    def __init__(self, trial_dir: str, trial_id: str, space: Space, values: Mapping[str, Any]):
        self.root = trial_log_dir(trial_dir, trial_id)
        self.trial_id = str(trial_id)
        shutil.rmtree(self.root, ignore_errors=True)
        params = space.decode(values)
        self.hparams = {name: hparam_value(axis, params[name])
                        for name, axis in space.axes.items() if name in params}

    def callbacks(self, execution: int) -> list[keras.callbacks.Callback]:
        log_dir = os.path.join(self.root, f"execution{execution}")
        return [keras.callbacks.TensorBoard(log_dir=log_dir, write_graph=False),
                HParamsSession(log_dir, self.hparams, self.trial_id)]
