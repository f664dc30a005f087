"""The fast training loop for in-memory data, and every Keras internal the training path uses.

``keras_zoo.zoo.fit`` (``training.py``) decides *what* to train; this module holds the parts that
lean on Keras beyond its documented public API, so that a new Keras release is re-checked here and
nowhere else:

* :func:`fast_fit` re-implements ``model.fit``'s epoch loop for NumPy data: the data stay
  tensors on the device, and on TensorFlow a whole epoch is one graph call (a ``tf.while_loop``
  over ``model.train_step`` on index-gathered batches, traced once) and validation one compiled
  ``test_step`` pass; on JAX one jitted ``lax.scan`` over Keras' stateless ``train_step``, on
  PyTorch ``train_step`` called on device tensors (``fast_loop_backends``). Losses, metrics,
  logs and callbacks are Keras' own on every backend.
* :func:`build_training_state` creates optimizer, loss and metric variables eagerly, so the traced
  epoch never creates variables (also used by the tuning engine).
* :func:`replica_safe` works around multi-replica ``tf.distribute`` failures of the plain path.
* :func:`quiet_own_retracing` drops TensorFlow's retracing warning for the per-model step
  functions, only while the zoo's own training or prediction call runs (installed on entry,
  removed on exit, also on error; reference-counted, so nested and threaded uses are safe).

Keras and TensorFlow attributes used here that are **not** in Keras' documented public API (or are
documented only as override points, not as something to call from outside ``fit``), all checked
with Keras 3.12.0, 3.13.2, 3.14.1 and 3.15.1 on TensorFlow 2.21 (``tests/zoo/test_training.py`` and
``tests/zoo/test_fast_loop.py`` pass on each):

* ``model.train_step(data)`` and ``model.test_step(data)``, called directly with ``(x, y[, sw])``
  tuples (documented only as methods to override).
* ``model.get_metrics_result()``: the epoch's ``{name: value}`` logs.
* ``model.compute_loss(x=, y=, y_pred=, sample_weight=, training=)`` and
  ``model.compute_metrics(x, y, y_pred, sample_weight=)``: eager warm-up of loss/metric state.
* ``model.reset_metrics()``, per epoch and per validation pass.
* ``model.optimizer.built`` and ``model.optimizer.build(variables)``: eager optimizer variables.
* ``model.optimizer.finalize_variable_values(variables)`` at the end of training, as ``fit`` does
  (it swaps in the EMA weights when ``use_ema=True``).
* ``keras.callbacks.CallbackList(callbacks, add_history=, add_progbar=, model=, verbose=,
  epochs=, steps=)``: the container ``fit`` uses, its ``params``, and the ``model.history`` its
  ``History`` callback sets.
* ``model.stop_training`` (reset before and read after each epoch) and ``model.jit_compile``
  (read: compile the step with XLA or not).
* ``model.steps_per_execution``, ``model.train_function``, ``model.test_function``: set by
  :func:`replica_safe` (one step per execution, cached step functions cleared).
* ``model.compiled``: read by ``training.fit`` ("is the model compiled?"), the one use outside
  this module.
* ``model._compile_loss`` and ``model._compile_metrics``: only their identity is read (with
  ``model.optimizer``'s), so that a model compiled again is traced again
  (:func:`_compiled_with`).
* TensorFlow: the logger named ``"tensorflow"``, the wording ``"triggered tf.function
  retracing"`` of its warning, and ``TensorFlowTrainer.`` in the names of Keras' step functions
  (:class:`_OwnRetracingFilter` matches them; a change only lets the warning show again).

Known to work with Keras ``>=3.12,<3.16`` (:data:`KERAS_KNOWN_GOOD`; 3.12 is also the oldest Keras
TensorFlow 2.21 accepts). The range is declared again in ``pyproject.toml`` under
``[tool.keras-zoo] keras-known-good``; ``tests/zoo/test_fast_loop.py`` fails while the installed
Keras is outside it, or while the two declarations differ.

**Runtime rule**: with a Keras outside that range, :func:`fast_path_applies` says no, ``fit``
falls back to plain ``model.fit`` (the path ``fast=False`` takes: same arguments, same
``History``, only slower), and one warning per Keras version is logged on the
``keras_zoo.zoo.fast_loop`` logger. Nothing is patched or guessed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import threading
from typing import Any

import keras
import numpy as np
from packaging.specifiers import SpecifierSet  # packaging: a dependency of Keras itself
from packaging.version import InvalidVersion, Version

log = logging.getLogger(__name__)

KERAS_KNOWN_GOOD = ">=3.12,<3.16"
FAST_PATH_MAX_BYTES = 2 * 1024**3
EVAL_CHUNK = 8192

_warned_versions: set[str] = set()


def keras_is_known_good(version: str | None = None) -> bool:
    """Whether ``version`` (default: the installed Keras) is inside :data:`KERAS_KNOWN_GOOD`."""
    version = keras.__version__ if version is None else version
    try:
        return Version(version) in SpecifierSet(KERAS_KNOWN_GOOD, prereleases=True)
    except InvalidVersion:
        return False


def _fits_in_memory(x: Any) -> bool:
    return sum(getattr(a, "nbytes", 0) for a in keras.tree.flatten(x)) < FAST_PATH_MAX_BYTES


def _distributed() -> bool:
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.distribute.has_strategy()
    if keras.backend.backend() == "jax":
        return keras.distribution.distribution() is not None
    return False


def fast_path_applies(model: keras.Model, x: Any) -> bool:
    """In-memory data under 2 GiB, no distribution (strategy or ``keras.distribution``), not
    ``run_eagerly``, not ``jit_compile=True`` on PyTorch (``torch.compile``, which
    ``model.fit`` applies; on JAX the fast path always jits, ``jit_compile=False`` included,
    which the zoo's recurrent models set for TensorFlow's sake), a backend with a fast loop
    (TensorFlow, JAX, PyTorch) and a Keras inside
    :data:`KERAS_KNOWN_GOOD` (else one warning, see above)."""
    if keras.backend.backend() not in ("tensorflow", "jax", "torch") or not _fits_in_memory(x):
        return False
    if _distributed() or getattr(model, "run_eagerly", False):
        return False
    if keras.backend.backend() == "torch" and model.jit_compile is True:
        return False  # torch.compile, which model.fit applies: as asked
    if keras_is_known_good():
        return True
    if keras.__version__ not in _warned_versions:
        _warned_versions.add(keras.__version__)
        log.warning("keras-zoo's fast training loop is known to work with Keras %s, not %s; "
                    "training with plain model.fit instead (same results, slower).",
                    KERAS_KNOWN_GOOD, keras.__version__)
    return False


class _OwnRetracingFilter(logging.Filter):
    """TensorFlow warns when more than five tf.functions of one Python function were traced
    recently. Every new model traces its own train/test/predict functions, and the fast path
    builds one epoch function per ``fit`` call, by design: a search, a notebook comparing
    activations or a ``GridSearchCV`` builds a new model each time. For those functions (the fast
    path's and Keras' own ``TensorFlowTrainer`` step functions) the warning is a false alarm whose
    advice does not apply, so it is dropped; retracing warnings about any other function show.
    """

    def __init__(self):
        super().__init__()
        self._per_model = ["_epoch_function.<locals>", "_compiled_validation.<locals>",
                           "TensorFlowTrainer."]

    def add(self, qualname: str) -> None:
        """Treat functions whose qualified name contains ``qualname`` as per-model too (e.g.
        ``kz.diagnostics``' probe, traced once per monitored training)."""
        if qualname not in self._per_model:
            self._per_model.append(qualname)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message
                    and any(name in message for name in self._per_model))


class _FilterScope:
    """Keeps one filter on a logger while at least one user is inside the scope."""

    def __init__(self, logger_name: str, log_filter: logging.Filter):
        self.logger_name = logger_name
        self.filter = log_filter
        self._users = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self):
        logger = logging.getLogger(self.logger_name)
        with self._lock:
            self._users += 1
            if self._users == 1:
                logger.addFilter(self.filter)
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    logger.removeFilter(self.filter)


quiet_own_retracing = _FilterScope("tensorflow", _OwnRetracingFilter())
quiet_own_retracing.__doc__ = ("Context manager: TensorFlow's retracing warning for per-model "
                               "step functions is dropped inside it (see the module docstring).")


@contextlib.contextmanager
def replica_safe(model: keras.Model):
    """Under a multi-replica ``tf.distribute`` strategy (MirroredStrategy), Keras 3.15 on
    TensorFlow 2.21 fails with ``steps_per_execution > 1`` (an unfed placeholder) and when an
    evaluation batch does not split evenly across replicas (AddN of [8, 4] and [7, 4]). Train
    with one step per execution there; restored afterwards. Yields the number of replicas."""
    replicas = 1
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        if tf.distribute.has_strategy():
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if replicas <= 1:
        yield replicas
        return
    saved = model.steps_per_execution
    model.steps_per_execution = 1
    model.train_function = model.test_function = None
    try:
        yield replicas
    finally:
        model.steps_per_execution = saved
        model.train_function = model.test_function = None


def _n_samples(x: Any) -> int:
    return len(keras.tree.flatten(x)[0])


def build_training_state(model: keras.Model, data: tuple) -> None:
    """Create the optimizer, loss and metric state eagerly (on two samples), so the traced
    epoch function never creates variables."""
    x, y, sw = data
    x2 = keras.tree.map_structure(lambda a: a[:2], x)
    y2 = y[:2]
    y_pred = model(x2, training=False)
    sw2 = sw[:2] if sw is not None else None
    model.compute_loss(x=x2, y=y2, y_pred=y_pred, sample_weight=sw2, training=False)
    model.compute_metrics(x2, y2, y_pred, sample_weight=sw2)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.reset_metrics()


def fast_fit(model: keras.Model, x: Any, y: np.ndarray, sample_weight: Any,
             validation_data: tuple | None, sw_val: Any, *, epochs: int, batch_size: int,
             shuffle: bool, seed: int | None, verbose: int | str,
             callbacks: list[keras.callbacks.Callback]) -> keras.callbacks.History:
    """``model.fit`` for in-memory data, one graph call per epoch (see the module docstring).

    ``sample_weight`` already includes any class weights; ``callbacks`` run in the given order.
    """
    with quiet_own_retracing():
        return _fast_fit(model, x, y, sample_weight, validation_data, sw_val, epochs=epochs,
                         batch_size=batch_size, shuffle=shuffle, seed=seed, verbose=verbose,
                         callbacks=callbacks)


def _epoch_function(model: keras.Model, xt: Any, yt: Any, swt: Any, n: int, batch_size: int):
    """A traced function running one epoch of ``train_step`` over the rows in ``order``."""
    import tensorflow as tf

    bs = tf.constant(batch_size, dtype=tf.int32)
    n_t = tf.constant(n, dtype=tf.int32)
    steps_t = tf.constant(math.ceil(n / batch_size), dtype=tf.int32)
    # With XLA, compile the training step, not the whole epoch loop (as Keras' own trainer does):
    # an XLA-compiled while loop around a convolution ran >100x slower on CPU (~96 s vs ~0.35 s
    # per digits epoch, benchmarks/bench_cnn.py); the step compiled alone is on par with model.fit.
    step = tf.function(model.train_step, jit_compile=True, autograph=False) \
        if model.jit_compile is True else model.train_step

    def run_epoch(order):
        def body(i):
            idx = order[i * bs:tf.minimum((i + 1) * bs, n_t)]
            batch = (keras.tree.map_structure(lambda a: tf.gather(a, idx), xt), tf.gather(yt, idx))
            if swt is not None:
                batch += (tf.gather(swt, idx),)
            step(batch)
            return (i + 1,)

        tf.while_loop(lambda i: i < steps_t, body, (tf.constant(0),))
        return tf.constant(0)

    return tf.function(run_epoch, autograph=False)


def _tf_functions(model: keras.Model, x: Any, y: np.ndarray, sample_weight: Any,
                  validation_data: tuple | None, sw_val: Any, batch_size: int):
    """TensorFlow: (run one epoch on an order of rows, validation logs or None)."""
    import tensorflow as tf

    n = _n_samples(x)
    xt = keras.tree.map_structure(tf.constant, x)
    yt = tf.constant(y)
    swt = tf.constant(np.asarray(sample_weight, dtype="float32")) if sample_weight is not None \
        else None
    build_training_state(model, (xt, yt, swt))
    traced = traced_functions(model)  # a model trained again on the same data: no retrace
    key = ("epoch", _compiled_with(model), n, batch_size, _digest(x), _digest(y),
           _digest(sample_weight))
    if key not in traced:
        traced[key] = _epoch_function(model, xt, yt, swt, n, batch_size)
    epoch_fn = traced[key]
    validate = None
    if validation_data:
        vkey = ("val", _compiled_with(model), _digest(validation_data[0]),
                _digest(validation_data[1]), _digest(sw_val))
        if vkey not in traced:
            traced[vkey] = _compiled_validation(model, validation_data, sw_val)
        validate = traced[vkey]
    return (lambda order: epoch_fn(tf.constant(order, dtype=tf.int32))), validate


def _backend_functions(model: keras.Model, x: Any, y: np.ndarray, sample_weight: Any,
                       validation_data: tuple | None, sw_val: Any, batch_size: int):
    """JAX or PyTorch (``fast_loop_backends``): the same pair as :func:`_tf_functions`."""
    from keras_zoo.zoo.fast_loop_backends import make_runner

    build_training_state(model, (x, y, sample_weight))
    traced = traced_functions(model)
    key = ("runner", _compiled_with(model), _n_samples(x), batch_size, _digest(x), _digest(y),
           _digest(sample_weight))
    if key not in traced:
        traced[key] = make_runner(model, x, y, sample_weight, batch_size)
    runner = traced[key]
    validate = None
    if validation_data:
        vkey = ("val", _compiled_with(model), _digest(validation_data[0]),
                _digest(validation_data[1]), _digest(sw_val))
        if vkey not in traced:
            traced[vkey] = runner.validation(validation_data[0], validation_data[1], sw_val,
                                             EVAL_CHUNK)
        check = traced[vkey]

        def validate() -> dict[str, float]:
            check()
            return _metric_logs(model, "val_")
    return runner.epoch, validate


def _fast_fit(model: keras.Model, x: Any, y: np.ndarray, sample_weight: Any,
              validation_data: tuple | None, sw_val: Any, *, epochs: int, batch_size: int,
              shuffle: bool, seed: int | None, verbose: int | str,
              callbacks: list[keras.callbacks.Callback]) -> keras.callbacks.History:
    n = _n_samples(x)
    steps = math.ceil(n / batch_size)
    functions = _tf_functions if keras.backend.backend() == "tensorflow" else _backend_functions
    run_epoch, validate = functions(model, x, y, sample_weight, validation_data, sw_val,
                                    batch_size)

    cbs = keras.callbacks.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                       verbose=verbose, epochs=epochs, steps=steps, model=model)
    rng = np.random.default_rng(seed)
    model.stop_training = False
    cbs.on_train_begin()
    epoch_logs: dict[str, float] = {}
    for epoch in range(epochs):
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        cbs.on_train_batch_begin(0)
        run_epoch(rng.permutation(n) if shuffle else np.arange(n))
        epoch_logs = _metric_logs(model)
        cbs.on_train_batch_end(steps - 1, dict(epoch_logs))
        if validate is not None:
            epoch_logs.update(validate())
        cbs.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    model.optimizer.finalize_variable_values(model.trainable_weights)
    cbs.on_train_end(logs=epoch_logs)
    return model.history


_TRACED_ATTRIBUTE = "_keras_zoo_traced"


def traced_functions(model: keras.Model) -> dict:
    """The model's traced epoch and validation functions, by the data they were traced on (each
    closes over its data as constants): a model trained again on the same arrays, as the tuning
    engine does when a trial reuses the previous trial's model, is not traced again.

    Kept on the model itself (outside Keras' attribute tracking), not in a module-level table:
    the functions refer to the model, so a table entry would keep every trained model alive;
    on the model they form a cycle the garbage collector frees with it."""
    traced = model.__dict__.get(_TRACED_ATTRIBUTE)
    if traced is None:
        traced = {}
        object.__setattr__(model, _TRACED_ATTRIBUTE, traced)
    return traced


def _compiled_with(model: keras.Model) -> tuple:
    """What the traced functions captured from ``model.compile``: its optimizer, loss and
    metrics objects. Compiling the model again makes new ones, so the next ``fit`` traces
    again instead of training with the previous optimizer (the old objects stay alive in the
    traced functions that refer to them, so their ids are not reused meanwhile)."""
    return tuple(id(getattr(model, name, None))
                 for name in ("optimizer", "_compile_loss", "_compile_metrics"))


def _digest(a: Any) -> Any:
    """What identifies training data for :func:`traced_functions`: shapes, dtypes and a hash of the
    bytes (a dict of inputs: per key)."""
    if a is None:
        return None
    if isinstance(a, dict):
        return tuple((k, _digest(v)) for k, v in sorted(a.items()))
    if isinstance(a, (list, tuple)) and a and not isinstance(a[0], (str, bytes)):
        return tuple(_digest(v) for v in a)
    arr = np.ascontiguousarray(a)
    if arr.dtype.kind == "O":
        return (arr.shape, "O", hashlib.blake2b(repr(arr.tolist()).encode(), digest_size=16)
                .hexdigest())
    return (arr.shape, arr.dtype.str,
            hashlib.blake2b(arr.view(np.uint8).reshape(-1), digest_size=16).hexdigest())


def _metric_logs(model: keras.Model, prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{k}": float(keras.ops.convert_to_numpy(v))
            for k, v in model.get_metrics_result().items()}


def _compiled_validation(model: keras.Model, data: tuple, sw: Any):
    """A function returning ``val_*`` logs: ``test_step`` over in-memory chunks, compiled once."""
    import tensorflow as tf

    x, y = data[0], data[1]
    n = _n_samples(x)
    chunks = []
    for start in range(0, n, EVAL_CHUNK):
        idx = slice(start, start + EVAL_CHUNK)
        chunk = (keras.tree.map_structure(lambda a, idx=idx: tf.constant(a[idx]), x),
                 tf.constant(y[idx]))
        if sw is not None:
            chunk += (tf.constant(np.asarray(sw[idx], dtype="float32")),)
        chunks.append(chunk)
    step = tf.function(lambda batch: model.test_step(batch), reduce_retracing=True,
                       jit_compile=model.jit_compile is True, autograph=False)

    def validate() -> dict[str, float]:
        model.reset_metrics()
        for chunk in chunks:
            step(chunk)
        return _metric_logs(model, "val_")

    return validate


__all__ = ["EVAL_CHUNK", "FAST_PATH_MAX_BYTES", "KERAS_KNOWN_GOOD", "build_training_state",
           "fast_fit", "fast_path_applies", "keras_is_known_good", "quiet_own_retracing",
           "replica_safe"]
