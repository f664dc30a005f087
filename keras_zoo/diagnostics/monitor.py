"""``Monitor``: the Keras callback that records a model's training health while it trains."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_zoo.base.backend import require_tensorflow
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.diagnostics.layers import Row, rows
from keras_zoo.diagnostics.probe import STATS, Probe

END = "end"


def _as_arrays(x: Any) -> Any:
    """Texts and pandas objects as NumPy arrays (a list of strings is one input, not many)."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)) and x and all(isinstance(t, (str, bytes)) for t in x):
        return np.asarray(x, dtype=object)

    def one(a):
        a = a.to_numpy() if hasattr(a, "to_numpy") else np.asarray(a)
        return a.astype(object) if a.dtype.kind in "US" else a
    return keras.tree.map_structure(one, x)


def _take(x: Any, idx: np.ndarray) -> Any:
    return None if x is None else keras.tree.map_structure(lambda a: a[idx], x)


def _distributed(model: keras.Model) -> bool:
    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    # Keras keeps the strategy a model was built under (None outside any)
    return tf.distribute.has_strategy() or getattr(model, "_distribute_strategy", None) is not None


def _length(x: Any) -> int:
    return len(keras.tree.flatten(x)[0])


class Monitor(keras.callbacks.Callback):
    """Record gradients, weights and activations per layer while a model trains.

    Every ``every`` epochs the Monitor runs one extra forward and backward pass over a fixed
    *probe sample* of the training data (``sample`` rows drawn once, with ``seed``) and records,
    for each layer with trainable weights: the gradient norm of its kernel and of its bias, the
    kernel's norm, the update ratio (norm of the kernel's change over the epoch divided by its
    norm), and, from the layer's activations on the probe, the fraction of dead units (ReLU
    family: zero on every probe sample), the fraction of saturated units (sigmoid and tanh:
    within 1% of an asymptote on most probe samples) and the activations' mean and standard
    deviation. For a recurrent model with an embedding it also records the gradient of the loss
    with respect to each time step's input, by distance from the last real token.

    The pass runs in inference mode (dropout off, batch normalization on its moving statistics)
    and touches no weight, optimizer, metric or random state: a model trains to the same weights
    with and without a Monitor.

    The data: ``kz.zoo.fit`` hands the Monitor its training data (after the validation split);
    under plain ``model.fit``, which does not show callbacks the data, pass ``data=(x, y)``.

    Activations need a layer graph (Sequential and functional models). A subclassed model, such
    as ``kz.zoo.Seq2Seq``, gets gradients and weights only; its activation columns are NaN and
    the report says so.

    Args:
        every: Record every this many epochs (a positive int), or ``"end"`` to record once, on
            the trained model when training ends (what a search's trials use; the update ratio
            is then not measured).
        sample: Number of training rows in the probe sample (all of them if fewer).
        seed: Seed of the probe draw (``None``: 0, so the probe is the same every run).
        data: ``(x, y)`` or ``(x, y, sample_weight)`` to draw the probe from; needed under
            ``model.fit``.

    Example:
        >>> import numpy as np, keras_zoo as kz
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> y = (x[:, 0] > 0).astype("float32")
        >>> model = kz.zoo.ann(4, task="binary", hidden_units=(8,), seed=0)
        >>> monitor = kz.diagnostics.Monitor()
        >>> _ = kz.zoo.fit(model, x, y, epochs=2, callbacks=[monitor], seed=0, verbose=0)
        >>> monitor.report().layers[["epoch", "layer"]].values.tolist()
        [[1, 'hidden_1'], [1, 'output'], [2, 'hidden_1'], [2, 'output']]
    """

    def __init__(self, every: int | str = 1, sample: int = 256, seed: int | None = None, *,
                 data: tuple | None = None):
        super().__init__()
        # The probe's gradients per layer and per time step are one traced TensorFlow function.
        require_tensorflow("kz.diagnostics (Monitor, diagnose)", "On JAX and PyTorch, watch "
                           "training with Keras' own callbacks (History, TensorBoard).")
        if not (every == END or (isinstance(every, int) and not isinstance(every, bool)
                                 and every >= 1)):
            raise InputValueError(f"every must be a positive number of epochs or 'end'. "
                                  f"Received: every={every!r}")
        if isinstance(sample, bool) or not isinstance(sample, int) or sample < 1:
            raise InputValueError(f"sample must be a positive number of rows. "
                                  f"Received: sample={sample!r}")
        self.every, self.sample, self.seed = every, sample, seed
        self._data: tuple | None = None
        self._given = data is not None
        if data is not None:
            if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
                raise InputTypeError("data must be (x, y) or (x, y, sample_weight). "
                                     f"Received: {type(data).__name__}")
            self._draw(*data)
        self.restored = False
        self.records: list[dict[str, Any]] = []
        self.losses: list[float] = []
        self.rows: list[Row] = []
        self._probe: Probe | None = None
        self._snapshot_epoch: int | None = None

    def use_training_data(self, x: Any, y: Any, sample_weight: Any = None) -> None:
        """Draw the probe sample from this training data (``kz.zoo.fit`` calls it, with any
        class weights folded into ``sample_weight``); data given as ``Monitor(data=...)``
        stays."""
        if not self._given:
            self._draw(x, y, sample_weight)

    def _draw(self, x: Any, y: Any, sample_weight: Any = None) -> None:
        if y is None:
            raise InputValueError("The Monitor needs targets to take gradients: pass y. "
                                  "Received: y=None")
        x, y, sample_weight = _as_arrays(x), _as_arrays(y), _as_arrays(sample_weight)
        n = _length(x)
        rng = np.random.default_rng(0 if self.seed is None else self.seed)
        idx = np.sort(rng.choice(n, size=min(self.sample, n), replace=False))
        self._data = (_take(x, idx), _take(y, idx), _take(sample_weight, idx))

    # === Keras callback hooks ===

    def on_train_begin(self, logs=None):
        if self._data is None:
            raise InputValueError(
                "The Monitor has no training data to probe: model.fit does not show callbacks "
                "the data, and kz.zoo.fit hands over in-memory arrays only (not a tf.data "
                "dataset or a generator). Pass it: Monitor(data=(x, y)).")
        if _distributed(self.model):
            raise InputValueError(
                "The Monitor cannot instrument a model trained under a tf.distribute strategy "
                "(its variables live on several devices); train it on one device, e.g. "
                "kz.search(..., multi_device='workers').")
        self.rows = rows(self.model)
        if not self.rows:
            raise InputValueError(f"Model {self.model.name!r} has no layer with trainable "
                                  "weights: there is nothing to monitor.")
        self.records, self.losses, self._snapshot_epoch, self.restored = [], [], None, False
        self._probe = Probe(self.model, self.rows, *self._data)

    def _records_epoch(self, epoch: int) -> bool:
        return self.every != END and (epoch + 1) % self.every == 0

    def on_epoch_begin(self, epoch, logs=None):
        if self._records_epoch(epoch) and self._snapshot_epoch != epoch:
            self._probe.snapshot()
            self._snapshot_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(float((logs or {}).get("loss", np.nan)))
        if self._records_epoch(epoch):
            self._record(epoch + 1, measured_update=self._snapshot_epoch == epoch)
            self._snapshot_epoch = epoch + 1  # a record also snapshots the weights

    def on_train_end(self, logs=None):
        epochs = len(self.losses)
        if self._probe is None or not epochs:
            return
        if not self.records or self.records[-1]["epoch"] != epochs:
            self._record(epochs, measured_update=False)  # the trained model, as it stands
        elif self._probe.changed_since_record():  # early stopping put back an earlier epoch
            self.restored = True
            self.records.pop()
            self._record(epochs, measured_update=False)

    def _record(self, epoch: int, *, measured_update: bool) -> None:
        out = self._probe()
        table = out["table"]
        if not measured_update:
            table[:, STATS.index("update_ratio")] = np.nan
        self.records.append({"epoch": epoch, "table": table, "loss": float(out["loss"]),
                             "projections": out["projections"], "time": out.get("time"),
                             "ids": out.get("ids"), "mask_zero": self._probe.mask_zero,
                             "steps": (self.params or {}).get("steps")})

    # === Results ===

    def report(self):
        """The recorded epochs as a :class:`~keras_zoo.diagnostics.Diagnosis`, with findings."""
        from keras_zoo.diagnostics.report import Diagnosis

        if not self.records:
            raise InputValueError("The Monitor has recorded nothing yet: train a model with it "
                                  "(model.fit or kz.zoo.fit, callbacks=[monitor]) first.")
        return Diagnosis.from_monitor(self)
