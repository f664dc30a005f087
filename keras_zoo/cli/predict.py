"""``keras-zoo predict MODEL.keras INPUT.csv`` and ``keras-zoo evaluate MODEL.keras INPUT.csv
--target COLUMN``: a saved model on a CSV file's rows.

The model is loaded in safe mode (``keras.saving.load_model(path, safe_mode=True)``, after
``import keras_zoo`` registered its layers). What it takes from the file:

* a table model (``keras-zoo train --csv``, ``kz.zoo.ann(table=...)``): the columns it was
  trained on, by name and in any order, missing values and unseen categories included; a
  column it needs and the file lacks is refused by name. Other columns (ids, the target) are
  not given to the model, and ``predict`` writes them back unchanged;
* any other model on a matrix of numbers (input shape ``(None, d)``): the file's columns, in
  the file's order (less the ``--target`` column), ``d`` of them, all numbers, none missing.

``predict`` writes the input rows followed by the predictions (:func:`prediction_columns`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from typing import Any

from keras_zoo.base.errors import InputFileError, InputValueError

_SHOWN = 30  # columns named in a message before "..."


def _listed(names: list[str]) -> str:
    more = f", ... ({len(names)} in all)" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


# === Loading ===

def load_saved_model(path: str) -> Any:
    """The model saved at ``path`` (a ``.keras`` file), loaded in safe mode.

    Raises:
        InputValueError: A name that does not end in ``.keras``, a file that is no ``.keras``
            archive, or one Keras cannot load (a Python lambda refused in safe mode, a layer
            no imported package registers ...), with Keras' reason.
        InputFileError: No such file.
    """
    import keras  # keras_zoo, imported with this module, registered its layers and models

    from keras_zoo.cli.train import check_model_path

    check_model_path(path, "MODEL")
    if not os.path.isfile(path):
        raise InputFileError(f"No such model file: {path!r}. Received: MODEL={path}")
    if not zipfile.is_zipfile(path):
        raise InputValueError(f"{path!r} is not a .keras model file (the zip archive model.save "
                              f"and keras-zoo train --output write). Received: MODEL={path}")
    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (ValueError, TypeError, KeyError) as err:  # Keras' refusals of a file it cannot load
        reason = " ".join(str(err).split())
        raise InputValueError(f"Cannot load the model {path!r} (in safe mode): {reason}") from None


def read_rows(path: str) -> Any:
    """The CSV file's rows as a DataFrame (a missing, empty or unreadable file refused by name)."""
    from keras_zoo.datasets.core import read_csv_table

    return read_csv_table(path)


def _table(model: Any) -> Any:
    from keras_zoo.base.table import TableSpec

    table = getattr(model, "table", None)
    return table if isinstance(table, TableSpec) else None


def model_inputs(model: Any, frame: Any, path: str, target: str | None = None) -> Any:
    """What ``model`` takes from the file's rows (see the module docstring): the table model's
    columns as a DataFrame, or a float32 matrix for a model on numbers.

    Raises:
        InputValueError: A column the model needs is missing; for a model on numbers, a column
            count other than its input width, a column that holds text, a missing value, or a
            model whose input is not a matrix of numbers.
    """
    table = _table(model)
    columns = [str(c) for c in frame.columns]
    if table is not None:
        missing = [n for n in table.names if n not in columns]
        if missing:
            raise InputValueError(
                f"{path}: no column(s) {_listed(missing)}, which the model takes. The model "
                f"takes: {_listed(table.names)}. Received: columns {_listed(columns)}")
        return frame[table.names]
    width = _input_width(model)
    features = frame.drop(columns=[target]) if target is not None else frame
    names = [str(c) for c in features.columns]
    if len(names) != width:
        raise InputValueError(
            f"{path}: the model takes {width} number column(s) (it is not a table model, so it "
            f"reads the columns in the file's order{', less the target' if target else ''}); "
            f"the file has {len(names)}"
            + ("; drop the columns it does not take (an id, the target)" if len(names) > width
               else "") + f". Received: columns {_listed(names)}")
    text = [n for n, c in zip(names, features.columns)
            if not (features[c].dtype.kind in "biuf")]
    if text:
        raise InputValueError(
            f"{path}: column(s) {_listed(text)} hold text; this model (not a table model) takes "
            "numbers only. Encode them as in training, or train a table model (keras-zoo train "
            "--csv), which takes text columns.")
    gaps = [n for n, c in zip(names, features.columns) if features[c].isna().any()]
    if gaps:
        raise InputValueError(
            f"{path}: column(s) {_listed(gaps)} have missing values; this model (not a table "
            "model) takes complete rows. Fill or drop them, or train a table model (keras-zoo "
            "train --csv), which imputes them.")
    return features.to_numpy(dtype="float32")


def _input_width(model: Any) -> int:
    """The ``d`` of a model on a matrix of numbers ``(None, d)``; any other input is refused."""
    inputs = getattr(model, "inputs", None) or []
    shape = tuple(inputs[0].shape) if len(inputs) == 1 else None
    if shape is None or len(shape) != 2 or shape[1] is None:
        received = [tuple(i.shape) for i in inputs] if inputs else "unknown"
        raise InputValueError(
            "A CSV file's rows go to a table model (keras-zoo train --csv) or a model on a "
            "matrix of numbers, input shape (None, columns); this model's input is not one. "
            f"Received: input shape(s) {received}")
    return int(shape[1])


# === Predictions ===

def _output_activation(model: Any) -> str | None:
    """The name of the model's output activation (``sigmoid``, ``softmax``, ``linear`` ...)."""
    import keras

    layer = model.layers[-1] if getattr(model, "layers", None) else None
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    function = getattr(layer, "activation", None)
    return getattr(function, "__name__", None)


def _from_logits(model: Any) -> bool:
    get_config = getattr(getattr(model, "loss", None), "get_config", None)
    return bool(callable(get_config) and get_config().get("from_logits", False))


def _classifier(model: Any, units: int) -> tuple[str, list[str], float] | None:
    """``(task, class names, binary threshold)`` of a single-label classifier, else ``None``.

    A model with class names (a table or raw-text classifier) says so itself; a plain Keras
    model is taken as one by its output: one sigmoid unit (binary, classes ``0`` and ``1``),
    several softmax units (multiclass, ``0`` .. ``n-1``), or logits under a ``from_logits``
    loss."""
    labels = getattr(model, "class_labels", None)
    if labels is not None:
        names = list(labels.classes) if labels.classes is not None else [
            str(i) for i in range(labels.num_classes)]
        return labels.task, names, labels.threshold
    activation, logits = _output_activation(model), _from_logits(model)
    if units == 1 and (activation == "sigmoid" or (activation == "linear" and logits)):
        return "binary", ["0", "1"], 0.5 if activation == "sigmoid" else 0.0
    if units > 1 and (activation == "softmax" or (activation == "linear" and logits)):
        return "multiclass", [str(i) for i in range(units)], 0.5
    return None


def _probabilities(model: Any, task: str, scores: Any) -> Any:
    """One column per class, or ``None`` when the outputs are not probabilities and not logits
    (a tanh or hinge head: its scores are written instead)."""
    import numpy as np

    activation, logits = _output_activation(model), _from_logits(model)
    if task == "binary":
        p = scores[:, 0].astype("float64")
        if activation != "sigmoid":
            if not (activation == "linear" and logits):
                return None
            p = 1.0 / (1.0 + np.exp(-p))
        return np.stack([1.0 - p, p], axis=1)
    if activation == "softmax":
        return scores.astype("float64")
    if activation == "linear" and logits:
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    return None


def prediction_columns(model: Any, outputs: Any) -> dict[str, Any]:
    """The columns ``predict`` appends, by name (see ``keras-zoo predict --help``).

    A single-label classifier: ``prediction`` (the class: its name, or its id for a model
    without names) and ``probability_<class>`` per class (binary: both), or ``score``/
    ``score_<class>`` when its outputs are neither probabilities nor logits. Anything else:
    ``prediction``, or ``prediction_<i>`` per output when there are several.
    """
    import numpy as np

    if isinstance(outputs, (list, tuple, dict)):
        raise InputValueError(
            "keras-zoo predict writes one output per model; this model has "
            f"{len(outputs)}. Use kz.zoo.predict(model, rows) in Python.")
    scores = np.asarray(outputs)
    scores = scores.reshape(len(scores), -1)
    classifier = _classifier(model, scores.shape[1])
    if classifier is None:
        if scores.shape[1] == 1:
            return {"prediction": scores[:, 0]}
        return {f"prediction_{i}": scores[:, i] for i in range(scores.shape[1])}
    task, names, threshold = classifier
    if task == "binary":
        ids = (scores[:, 0] > threshold).astype("int64")
    else:
        ids = np.argmax(scores, axis=1)
    columns: dict[str, Any] = {"prediction": np.asarray(names, dtype=object)[ids]}
    probabilities = _probabilities(model, task, scores)
    if probabilities is not None:
        columns.update({f"probability_{name}": probabilities[:, i]
                        for i, name in enumerate(names)})
    elif task == "binary":
        columns["score"] = scores[:, 0]
    else:
        columns.update({f"score_{name}": scores[:, i] for i, name in enumerate(names)})
    return columns


def cmd_predict(args: argparse.Namespace) -> int:
    from keras_zoo import zoo
    from keras_zoo.base import atomic_write_bytes

    model = load_saved_model(args.model_file)
    frame = read_rows(args.rows)
    outputs = zoo.predict(model, model_inputs(model, frame, args.rows))
    added = prediction_columns(model, outputs)
    kept = frame.drop(columns=[c for c in frame.columns if str(c) in added])  # a rerun's columns
    result = kept.assign(**added)
    text = result.to_csv(index=False)
    if args.output is None:
        sys.stdout.write(text)
        return 0
    atomic_write_bytes(args.output, text.encode("utf-8"))
    print(f"{len(result)} predictions: {args.output}")
    return 0


# === Evaluation ===

def _targets(model: Any, frame: Any, target: str, path: str) -> Any:
    """The ``--target`` column as the model's ``evaluate`` takes it: text (class names) for a
    model with class names, numbers for any other."""
    import numpy as np

    from keras_zoo.base.names import closest

    columns = [str(c) for c in frame.columns]
    if target not in columns:
        hint = closest(target, columns)
        raise InputValueError(
            f"{path}: no column {target!r} (--target)." + (f" Did you mean {hint!r}?" if hint
                                                           else "")
            + f" Columns: {_listed(columns)}. Received: --target {target}")
    values = frame[target]
    if values.isna().any():
        raise InputValueError(f"{path}: the target column {target!r} has "
                              f"{int(values.isna().sum())} missing value(s); drop those rows.")
    if getattr(model, "classes_", None) is not None:  # the names as training wrote them
        return np.asarray([str(v) for v in values], dtype=object)
    if values.dtype.kind not in "biuf":
        raise InputValueError(
            f"{path}: the target column {target!r} holds text; this model has no class names "
            "and takes numbers (class ids 0..n-1, or the values it regresses). "
            f"Received: {target}[0]={values.iloc[0]!r}")
    return values.to_numpy()


def cmd_evaluate(args: argparse.Namespace) -> int:
    from keras_zoo.cli.table import table
    from keras_zoo.zoo.training import align_targets

    model = load_saved_model(args.model_file)
    frame = read_rows(args.rows)
    y = _targets(model, frame, args.target, args.rows)
    x = model_inputs(model, frame, args.rows, target=args.target)
    metrics = model.evaluate(x, align_targets(model, y), verbose=0, return_dict=True,
                             batch_size=1024)
    metrics = {k: float(v) for k, v in metrics.items()}
    if args.json:
        print(json.dumps({"rows": len(frame), **metrics}))
        return 0
    columns = ["rows", *sorted(metrics)]
    print(f"{model.name} ({args.model_file}) on {args.rows}: {len(frame)} rows")
    print(table([{"rows": len(frame), **metrics}], columns))
    return 0
