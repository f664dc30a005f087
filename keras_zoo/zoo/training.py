"""The zoo's training path: one ``fit`` used by the estimators, the CLI and every search trial.

``keras_zoo.zoo.fit(model, x, y, ...)`` is ``model.fit`` with the defaults a small model wants:

* **Batch size from the optimizer**: ``gd`` (full-batch gradient descent) trains on the whole
  training set as one batch, ``sgd`` on one sample per step; any other optimizer uses 32. An
  explicit ``batch_size`` always wins (a warning is logged when it contradicts ``gd``/``sgd``).
* **Early stopping** on ``val_loss`` with patience 10, restoring the best epoch's weights
  (``early_stopping=False`` switches it off; an int sets the patience; a dict is passed to
  ``keras.callbacks.EarlyStopping``).
* **A seeded, shuffled validation split** (stratified for class labels) instead of Keras'
  "last 10% of the rows", which is wrong for sorted data.
* **A fast path for in-memory data** on the TensorFlow backend. ``model.fit`` pays per-epoch fixed
  costs (a tf.data iterator for training and another for validation, callbacks per step) and
  traces the training step twice; small models spend most of their time there, not in
  arithmetic. The fast path keeps the data as tensors, runs a whole epoch as one graph call (a
  loop over ``model.train_step`` on index-gathered batches, traced once), and validates with one
  compiled ``test_step`` call. It calls the same ``train_step``/``test_step`` and the same Keras
  callbacks (``CallbackList``, ``History``, ``EarlyStopping`` ...), so losses, metrics and logs are
  Keras' own. ``benchmarks/bench_ann.py`` measures what it buys; ``fast=False`` uses ``model.fit``.
  It lives in ``keras_zoo.zoo.fast_loop``, with the list of Keras internals it relies on and the
  Keras versions it is known to work with; outside them ``fit`` logs one warning and uses
  ``model.fit``.

* **Texts** (lists or arrays of strings) become NumPy object arrays, the form Keras' data
  adapters and ``tf.constant`` accept; a model with a ``validate_data(x, y)`` method (e.g.
  ``Seq2Seq``: empty texts, targets longer than its decoder) checks the training and validation
  data before anything is traced.

* **TensorBoard** (``tensorboard="logs/run1"``): Keras' own ``keras.callbacks.TensorBoard``,
  written under that directory (``train/`` and ``validation/`` runs, one point per epoch), so
  ``tensorboard --logdir logs`` shows the run; a dict gives the callback's arguments.

Everything else (``callbacks``, ``class_weight``, ``verbose``, tf.data inputs) behaves as in
``model.fit``, and the return value is Keras' ``History``.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import numpy as np
import pandas as pd

from keras_zoo.base import check_fraction, set_seed
from keras_zoo.base.errors import InputValueError
from keras_zoo.base.tasks import infer_task
from keras_zoo.zoo import catalog
from keras_zoo.zoo.callbacks import (  # noqa: F401  re-exported: the CLI and the search use them
    DEFAULT_PATIENCE,
    EpochProgress,
    StopOnInvalidLoss,
    early_stopping_callback,
    progress_for,
    tensorboard_callback,
)
from keras_zoo.zoo.fast_loop import EVAL_CHUNK as _EVAL_CHUNK
from keras_zoo.zoo.fast_loop import (
    build_training_state,  # noqa: F401  re-exported: keras_zoo.tuning.checks uses it from here
    fast_fit,
    fast_path_applies,
    quiet_own_retracing,
    replica_safe,
    traced_functions,
)
from keras_zoo.zoo.input_shapes import as_batch, check_image_input

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 32


def _to_array(a: Any) -> Any:
    if isinstance(a, (pd.DataFrame, pd.Series)):
        return a.to_numpy()
    if isinstance(a, (list, tuple)) and a and not isinstance(a[0], (str, bytes)):
        return np.asarray(a)
    if isinstance(a, (list, tuple)) and a:  # texts: an object array, as Keras' data adapters want
        return np.asarray(a, dtype=object)
    if isinstance(a, np.ndarray) and a.dtype.kind in "US":
        return a.astype(object)
    return a


def model_inputs(model: keras.Model, x: Any, argument: str = "x") -> Any:
    """``x`` as the model's graph takes it: a table model encodes raw rows (DataFrame, dict of
    columns, list of records; ``TableModel.rows_to_inputs``); anything else as it is."""
    encode = getattr(model, "rows_to_inputs", None)
    return encode(x, argument) if callable(encode) else x


def align_targets(model: keras.Model, y: Any) -> Any:
    """Per-step targets ``(samples, steps)`` for a model whose output is ``(samples, steps, 1)``
    (a binary or regression ``many_to_many`` head) get their trailing axis.

    Keras squeezes the output to the targets' rank before the loss, which then reduces the step
    axis away and no longer lines up with the mask of padded steps ("Incompatible shapes"); with
    ``(samples, steps, 1)`` targets the loss stays per step and the mask applies. Anything else is
    returned unchanged.
    """
    if not isinstance(y, np.ndarray) or y.ndim != 2:
        return y
    try:
        shape = model.output_shape
    except (AttributeError, ValueError):
        return y
    if isinstance(shape, tuple) and len(shape) == 3 and shape[-1] == 1 and \
            shape[1] in (None, y.shape[1]):
        return y[..., None]
    return y


def _is_in_memory(x: Any) -> bool:
    leaves = x if isinstance(x, (list, tuple)) else (x.values() if isinstance(x, Mapping) else [x])
    return all(isinstance(v, np.ndarray) for v in leaves)


def _n_samples(x: Any) -> int:
    if isinstance(x, Mapping):
        return len(next(iter(x.values())))
    if isinstance(x, (list, tuple)):
        return len(x[0])
    return len(x)


def _take(x: Any, idx: np.ndarray) -> Any:
    if isinstance(x, Mapping):
        return {k: v[idx] for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(v[idx] for v in x)
    return x[idx]


def _class_like(y: np.ndarray) -> bool:
    return y.ndim == 1 and infer_task(y) in ("binary", "multiclass")


def validation_indices(y: np.ndarray, fraction: float, seed: int | None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (train, validation) row indices, stratified for class labels when possible."""
    from sklearn.model_selection import train_test_split

    check_fraction("validation_split", fraction, low=0.0, high=1.0)
    n = len(y)
    stratify = None
    if _class_like(y):
        _, counts = np.unique(y, return_counts=True)
        n_val = math.ceil(n * fraction)
        if counts.min() >= 2 and n_val >= len(counts) and n - n_val >= len(counts):
            stratify = y
    try:
        tr, va = train_test_split(np.arange(n), test_size=fraction, random_state=seed,
                                  stratify=stratify)
    except ValueError as err:  # too few samples for the fraction
        raise InputValueError(f"validation_split={fraction} cannot split {n} samples: {err}") from err
    if len(tr) == 0 or len(va) == 0:
        raise InputValueError(
            f"validation_split={fraction} leaves an empty split with {n} samples; "
            "use more data, a different fraction, or validation_data=."
        )
    return tr, va


def split_validation(x: Any, y: np.ndarray, fraction: float, seed: int | None
                     ) -> tuple[Any, np.ndarray, Any, np.ndarray]:
    """A seeded random split (stratified for class labels): (x_train, y_train, x_val, y_val)."""
    tr, va = validation_indices(y, fraction, seed)
    return _take(x, tr), y[tr], _take(x, va), y[va]


def resolve_batch_size(model: keras.Model, batch_size: int | None, n_train: int) -> int:
    """Explicit batch size, else what the optimizer implies (gd: all samples; sgd: 1), else 32."""
    implied = catalog.implied_batch_size(getattr(model, "optimizer", None), n_train)
    if batch_size is None:
        return int(implied or min(DEFAULT_BATCH_SIZE, n_train))
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise InputValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}")
    if implied is not None and implied != batch_size:
        log.warning("The optimizer %r implies batch_size=%s; using the explicit batch_size=%s.",
                    model.optimizer.name, implied, batch_size)
    return int(batch_size)


def fit(model: keras.Model, x: Any, y: Any = None, *, validation_data: Sequence[Any] | None = None,
        validation_split: float = 0.0, epochs: int = 100, batch_size: int | None = None,
        early_stopping: bool | int | Mapping[str, Any] = True, monitor: str | None = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
        class_weight: Mapping[Any, float] | str | None = None, sample_weight: Any = None,
        shuffle: bool = True, verbose: int | str = "auto", seed: int | None = None,
        fast: bool = True, tensorboard: str | os.PathLike | Mapping[str, Any] | None = None
        ) -> keras.callbacks.History:
    """Train a compiled model with the zoo's defaults (see the module docstring).

    Args:
        model: A compiled Keras model (any zoo factory's output, or your own).
        x, y: Inputs and targets: NumPy arrays, pandas objects, or a ``tf.data.Dataset`` (then
            ``y`` is None and the plain ``model.fit`` path is used).
        validation_data: ``(x_val, y_val)``; takes precedence over ``validation_split``.
        validation_split: Fraction held out for validation (seeded, stratified for class labels).
        epochs: Maximum epochs (early stopping usually ends sooner).
        batch_size: Samples per step; ``None`` follows the optimizer (gd: all, sgd: 1) else 32.
        early_stopping: ``True`` (patience 10, restore best weights), ``False``, a patience, or a
            dict of ``EarlyStopping`` arguments. Needs validation data; without it, it is skipped.
        monitor: What early stopping watches; ``val_loss`` by default (``loss`` without
            validation data).
        callbacks: Extra Keras callbacks. They run after the early-stopping callback, so at
            ``on_train_end`` they see the restored best weights.
        class_weight: As in ``model.fit`` (``{class_id: weight}``; class names as keys for a
            model that knows them), or ``"balanced"``: ``n_samples / (n_classes * count)`` per
            class, counted on all of ``y`` (scikit-learn's rule).
        sample_weight: As in ``model.fit``.
        shuffle: Shuffle the training set every epoch.
        verbose: ``"auto"`` (default): a line per epoch (the epoch, the logged metrics, the
            time; rewritten in place on a terminal) when someone is watching (standard output
            is a terminal, or a notebook), silent otherwise (logs, pipes, tests). 0 silent; 1
            and 2 as in ``model.fit`` (on the fast path an epoch is one step of Keras'
            progress bar). The search and the scikit-learn estimators train silently
            (estimators: their own ``verbose=0``).
        seed: Seeds Python, NumPy and Keras, the validation split and the shuffling.
        fast: Use the in-memory fast path when it applies (TensorFlow backend, NumPy data).
        tensorboard: A directory for Keras' TensorBoard logs (``train/`` and ``validation/``
            runs: the loss, the metrics and the learning rate per epoch; the model's summary),
            or a dict of ``keras.callbacks.TensorBoard`` arguments with ``log_dir``. ``None``
            (default): none written. The callback runs after early stopping and before
            ``callbacks``. On the fast path an epoch is one step, so ``update_freq="batch"``
            writes one point per epoch, and no graph is written (the epoch is not Keras'
            ``train_function``); ``fast=False`` gives both.

    Returns:
        The ``keras.callbacks.History`` of the run.

    Example:
        >>> import numpy as np, keras_zoo as kz
        >>> x = np.random.rand(64, 4).astype("float32"); y = (x.sum(1) > 2).astype("int32")
        >>> model = kz.zoo.ann(4, task="binary", hidden_units=(8,))
        >>> history = kz.zoo.fit(model, x, y, validation_split=0.25, epochs=3, seed=0)
        >>> len(history.history["loss"]) <= 3
        True
    """
    _check_fit_arguments(model, epochs)
    board = tensorboard_callback(tensorboard)
    set_seed(seed)
    callbacks = ([board] if board is not None else []) + list(callbacks or [])
    verbose = progress_for(verbose)
    if verbose == "epochs":  # "auto", with someone watching: the zoo's one line per epoch
        callbacks.append(EpochProgress(int(epochs), stream=sys.stdout))
        verbose = 0
    x, y, validation_data = _prepare_data(model, x, y, validation_data)
    weights_hook = getattr(model, "validate_class_weight", None)  # class names -> ids
    if isinstance(class_weight, str):
        _refuse_for_regression(model, class_weight)
        class_weight = balanced_class_weight(class_weight, y)
    elif class_weight is not None and callable(weights_hook):
        class_weight = weights_hook(class_weight)

    in_memory = y is not None and _is_in_memory(x) and isinstance(y, np.ndarray)
    if not in_memory:  # tf.data, generators, PyDataset ...: plain Keras.
        has_val = validation_data is not None or validation_split
        stopper = early_stopping_callback(early_stopping, monitor=monitor or (
            "val_loss" if has_val else "loss")) if early_stopping else None
        with quiet_own_retracing():
            return model.fit(x, y, validation_data=validation_data,
                             validation_split=validation_split, epochs=int(epochs),
                             batch_size=batch_size, class_weight=class_weight,
                             sample_weight=sample_weight, shuffle=shuffle, verbose=verbose,
                             callbacks=([stopper] if stopper else []) + callbacks)

    x, y, sample_weight, validation_data, sw_val = _hold_out_validation(
        x, y, sample_weight, validation_data, validation_split, seed)
    if keras.backend.backend() != "tensorflow" and hasattr(model, "training_arrays"):
        # e.g. Seq2Seq on JAX/PyTorch: texts -> the id arrays a step takes (no string tensors)
        x, y, sample_weight = model.training_arrays(x, y, sample_weight)
        if validation_data is not None:
            validation_data = model.training_arrays(validation_data[0], validation_data[1], sw_val)
            sw_val = validation_data[2]
    for callback in callbacks:  # e.g. kz.diagnostics.Monitor draws its probe from the training part
        if hasattr(callback, "use_training_data"):
            callback.use_training_data(x, y, sample_weight if class_weight is None else
                                       class_weights_to_sample_weights(y, class_weight,
                                                                       sample_weight))
    batch_size = resolve_batch_size(model, batch_size, _n_samples(x))
    stopper = _stopper(early_stopping, monitor, has_val=validation_data is not None)

    if not (fast and fast_path_applies(model, x)):
        with quiet_own_retracing(), replica_safe(model) as replicas:
            if replicas > 1 and validation_data is not None:
                validation_data = _trim_for_replicas(validation_data, replicas)
            return model.fit(x, y, validation_data=validation_data, epochs=int(epochs),
                             batch_size=batch_size, class_weight=class_weight,
                             sample_weight=sample_weight, shuffle=shuffle, verbose=verbose,
                             callbacks=([stopper] if stopper else []) + callbacks)
    if class_weight is not None:
        sample_weight = class_weights_to_sample_weights(y, class_weight, sample_weight)
    return fast_fit(model, x, y, sample_weight, validation_data, sw_val, epochs=int(epochs),
                    batch_size=batch_size, shuffle=shuffle, seed=seed, verbose=verbose,
                    callbacks=([stopper] if stopper else []) + callbacks)


def _check_fit_arguments(model: keras.Model, epochs: Any) -> None:
    if not getattr(model, "compiled", False) and getattr(model, "optimizer", None) is None:
        raise InputValueError("The model is not compiled: build it with compile=True or call "
                         "model.compile(...) first.")
    if not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise InputValueError(f"`epochs` must be a positive integer. Received: epochs={epochs!r}")


def _prepare_data(model: keras.Model, x: Any, y: Any, validation_data: Sequence[Any] | None
                  ) -> tuple[Any, Any, Sequence[Any] | None]:
    """Arrays from pandas/lists, targets aligned to the output, the model's own data checks
    (``validate_data``) and the image-shape check, for the training and validation data."""
    x = _to_array(model_inputs(model, x))
    y = align_targets(model, _to_array(y))
    has_val_pair = validation_data is not None and len(validation_data) >= 2
    if has_val_pair:
        validation_data = (model_inputs(model, validation_data[0], "validation_data[0]"),
                           align_targets(model, _to_array(validation_data[1])),
                           *validation_data[2:])
    validate = getattr(model, "validate_data", None)  # e.g. Seq2Seq: text pairs, target lengths
    if callable(validate) and y is not None and _is_in_memory(x):
        x, y = validate(x, y)
        if has_val_pair:
            validation_data = (*validate(_to_array(validation_data[0]),
                                         _to_array(validation_data[1])), *validation_data[2:])
    check_image_input(model, x, "x")
    if has_val_pair:
        check_image_input(model, _to_array(validation_data[0]), "validation_data[0]")
    return x, y, validation_data


def _hold_out_validation(x: Any, y: np.ndarray, sample_weight: Any,
                         validation_data: Sequence[Any] | None, validation_split: float,
                         seed: int | None) -> tuple[Any, np.ndarray, Any, tuple | None, Any]:
    """In-memory data: checks the sizes and splits off the validation rows (and their sample
    weights) when ``validation_split`` is given without ``validation_data``.

    Returns ``(x, y, sample_weight, validation_data, validation_sample_weight)``.
    """
    n = _n_samples(x)
    if n == 0:
        raise InputValueError("The training data is empty.")
    if len(y) != n:
        raise InputValueError(f"x has {n} samples but y has {len(y)}; they must match.")
    sw_val = None
    if validation_data is None and validation_split:
        tr, va = validation_indices(y, validation_split, seed)
        validation_data = (_take(x, va), y[va])
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)
            sample_weight, sw_val = sample_weight[tr], sample_weight[va]
        x, y = _take(x, tr), y[tr]
    if validation_data is not None:
        if len(validation_data) not in (2, 3):
            raise InputValueError("`validation_data` must be (x_val, y_val) or (x_val, y_val, weights).")
        validation_data = tuple(_to_array(v) for v in validation_data)
        if len(validation_data) == 3:
            sw_val = validation_data[2]
        if _n_samples(validation_data[0]) == 0:
            raise InputValueError("The validation data is empty.")
    return x, y, sample_weight, validation_data, sw_val


def _stopper(early_stopping: bool | int | Mapping[str, Any], monitor: str | None, *,
             has_val: bool) -> keras.callbacks.EarlyStopping | None:
    monitor = monitor or ("val_loss" if has_val else "loss")
    stopper = early_stopping_callback(early_stopping, monitor=monitor)
    if stopper is not None and monitor.startswith("val_") and not has_val:
        log.info("Early stopping on %s needs validation data; it is off for this run.", monitor)
        stopper = None
    return stopper


def _trim_for_replicas(validation_data: tuple, replicas: int) -> tuple:
    n = _n_samples(validation_data[0])
    keep = n - n % replicas
    if keep == n:
        return validation_data
    if keep == 0:
        raise InputValueError(f"{n} validation samples cannot be split across {replicas} replicas.")
    log.warning("Validation uses %d of %d samples so that batches split evenly across %d "
                "replicas.", keep, n, replicas)
    return tuple(_take(v, np.arange(keep)) if v is not None else None for v in validation_data)


_REGRESSION_LOSSES = ("squared", "absolute", "huber", "log_cosh", "logcosh", "poisson", "mse",
                      "mae", "mape", "msle")


def _refuse_for_regression(model: keras.Model, class_weight: Any) -> None:
    """``class_weight="balanced"`` on a model compiled with a regression loss (whole-number
    regression targets would otherwise be counted as classes); a loss of one's own passes."""
    losses = getattr(model, "loss", None)
    losses = losses if isinstance(losses, (list, tuple)) else [losses]
    names = [str(getattr(loss, "name", None) or getattr(loss, "__name__", None) or loss).lower()
             for loss in losses if loss is not None]
    if names and all(any(marker in name for marker in _REGRESSION_LOSSES) for name in names):
        raise InputValueError(
            f"class_weight={class_weight!r} weighs the classes of a classifier; this model is "
            f"compiled with a regression loss ({', '.join(names)}), not a classification loss. "
            f"Pass sample_weight= to weigh its rows. Received: class_weight={class_weight!r}")


def balanced_class_weight(name: str, y: Any) -> dict[int, float]:
    """``class_weight="balanced"``: ``n_samples / (n_classes * count)`` per class id, as
    scikit-learn's ``compute_class_weight("balanced", ...)``, from in-memory class labels
    (ids, 0/1, or one-hot rows).

    Raises:
        InputValueError: Another string, or targets that are not single-label classes (in
            memory).
    """
    from sklearn.utils.class_weight import compute_class_weight

    if name != "balanced":
        raise InputValueError("`class_weight` must be 'balanced', a dict {class: weight} or None. "
                              f"Received: class_weight={name!r}")
    if not isinstance(y, np.ndarray) or y.dtype.kind not in "biuf":
        raise InputValueError(
            "class_weight='balanced' counts the classes of in-memory labels (a NumPy array, a "
            "list or a pandas Series); with a tf.data pipeline or a generator, pass a dict "
            f"{{class_id: weight}}. Received: y of type {type(y).__name__}")
    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)
    if labels.ndim > 1 and labels.shape[1] != 1:
        raise InputValueError(f"class_weight='balanced' needs one class per sample; y has shape "
                              f"{y.shape}. Received: class_weight='balanced'")
    labels = labels.reshape(-1)
    if not np.all(np.equal(np.mod(labels, 1), 0)):
        raise InputValueError("class_weight='balanced' applies to class labels; y holds values "
                              "that are not class ids (a regression target?). "
                              "Received: class_weight='balanced'")
    classes = np.unique(labels.astype("int64"))
    weights = compute_class_weight("balanced", classes=classes, y=labels.astype("int64"))
    return {int(c): float(w) for c, w in zip(classes, weights)}


def class_weights_to_sample_weights(y: np.ndarray, class_weight: Mapping[int, float],
                                    sample_weight: Any = None) -> np.ndarray:
    """Per-sample weights (float32) from ``class_weight``, as ``model.fit`` applies them: the
    class of a sample is its label, or the argmax of a one-hot row; times ``sample_weight``."""
    from sklearn.utils.class_weight import compute_sample_weight

    labels = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = labels.astype("int64")
    try:
        weights_by_class = {int(k): v for k, v in class_weight.items()}
    except (TypeError, ValueError):
        raise InputValueError(
            "`class_weight` maps class ids (0, 1, ...) to weights; class names are keys only "
            "for a model that knows them (a raw-text classifier). "
            f"Received: class_weight={dict(class_weight)!r}") from None
    missing = sorted(set(np.unique(labels).tolist()) - set(weights_by_class))
    if missing:
        raise InputValueError(f"`class_weight` has no weight for classes {missing}. "
                         f"Received: class_weight={dict(class_weight)!r}")
    weights = compute_sample_weight(weights_by_class, labels).astype("float32")
    if sample_weight is not None:
        weights = weights * np.asarray(sample_weight, dtype="float32")
    return weights


def predict(model: keras.Model, x: Any, *, batch_size: int = _EVAL_CHUNK) -> np.ndarray:
    """``model.predict`` without its per-call set-up cost for in-memory data.

    Runs ``predict_on_batch`` over chunks of ``batch_size`` rows; about 100x faster than
    ``model.predict`` on a small table (no iterator, no callbacks), same numbers. On JAX the
    compiled prediction step is shared with every model of the same architecture (the fast
    path's executable cache, ``fast_loop_backends.SharedJit``), so a new model of a known
    architecture predicts without compiling again. A model with several outputs gives their
    list or dict of arrays, as ``predict_on_batch`` does.

    One sample (an image ``(H, W, C)``, one table row) is taken as a batch of one: the result
    has a batch axis of length 1. An array of another rank is refused with the shape expected.
    """
    x = as_batch(model, _to_array(model_inputs(model, x)))
    with quiet_own_retracing():
        if not _is_in_memory(x):
            return model.predict(x, verbose=0)
        n = _n_samples(x)
        chunks = [x] if n <= batch_size else [_take(x, slice(i, i + batch_size))
                                              for i in range(0, n, batch_size)]
        if keras.backend.backend() == "jax" and fast_path_applies(model, x):
            from keras_zoo.zoo.fast_loop_backends import jax_predict, jax_predict_applies

            if jax_predict_applies(model):
                return _joined(jax_predict(model, chunks, traced_functions(model)))
        return _joined([keras.tree.map_structure(np.asarray, model.predict_on_batch(chunk))
                        for chunk in chunks])


def _joined(parts: list) -> Any:
    """The chunks' outputs as one: an array, or for a model with several outputs their
    structure (list or dict) of arrays, as ``predict_on_batch`` gives it."""
    if len(parts) == 1:
        return parts[0]
    return keras.tree.map_structure(lambda *chunks: np.concatenate(chunks, axis=0), *parts)
