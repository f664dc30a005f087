"""The estimators' parameters: which ``ann()`` keywords they take, the training settings, their
defaults, and the signature and ``Args:`` documentation generated from them (so
``inspect.signature``, ``help()`` and IDEs show the real parameters). Used by
:mod:`keras_zoo.zoo.sklearn`."""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import Any

from keras_zoo.zoo.tabular import ann

# ann() keywords an estimator takes from the data, or under scikit-learn's own name.
_FROM_DATA = ("input_dim", "normalization", "target_normalization", "table", "classes",
              "num_classes", "num_outputs", "seed", "compile", "name")
_FIT_PARAMETERS = {"epochs": 100, "batch_size": None, "validation_split": 0.1,
                   "early_stopping": False, "patience": 10, "verbose": 0, "random_state": None,
                   "refit": False, "class_weight": None}
_FIT_TYPES = {"epochs": "int", "batch_size": "int | None", "validation_split": "float",
              "early_stopping": "bool", "patience": "int", "verbose": "int | str",
              "random_state": "int | None", "refit": "bool",
              "class_weight": "dict | str | None"}


# The parameters' order in keras-zoo 0.1.0, kept first so positional calls still mean the same;
# every other ann() keyword follows in ann()'s order.
_FIRST = ("hidden_units", "activation", "initializer", "dropout", "batch_norm", "l1", "l2",
          "output_activation", "loss", "label_smoothing", "optimizer", "learning_rate",
          "clipnorm", "clipvalue", "epochs", "batch_size", "validation_split", "early_stopping",
          "patience", "task", "verbose", "random_state")


# ann() keywords whose default differs in the estimators, chosen by score: an L2 penalty as
# scikit-learn's MLP has (alpha); without it digits scored 0.9738 against the MLP's 0.9768, with
# it 0.9761 (benchmarks/README.md, "Estimator defaults").
_ESTIMATOR_DEFAULTS = {"l2": 1e-4}


def _estimator_signature() -> inspect.Signature:
    """Every keyword of :func:`ann` (but those read off the data), then the training settings."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = {p.name: p.replace(kind=kind) for p in inspect.signature(ann).parameters.values()
              if p.name not in _FROM_DATA}
    params.update((k, params[k].replace(default=v)) for k, v in _ESTIMATOR_DEFAULTS.items())
    params.update((k, inspect.Parameter(k, kind, default=v, annotation=_FIT_TYPES.get(
        k, inspect.Parameter.empty))) for k, v in _FIT_PARAMETERS.items())
    order = [*_FIRST, *(k for k in params if k not in _FIRST)]
    self_param = inspect.Parameter("self", kind)
    return inspect.Signature([self_param, *(params[k] for k in order)])


# What the training settings mean; the estimators' ``Args:`` list them with ann()'s keywords.
_FIT_DOCS = {
    "epochs": "Training epochs (the most, with early stopping).",
    "batch_size": "Samples per step; ``None`` follows the optimizer (``gd``: all samples, "
                  "``sgd``: 1), else 32.",
    "validation_split": "Fraction of the training data held out (seeded, stratified for class "
                        "labels) for early stopping; unused without it.",
    "early_stopping": "Hold out ``validation_split``, stop when its loss stops improving and "
                      "restore the best epoch's weights; ``False`` (the default, as in "
                      "scikit-learn's MLP: it scored higher on small tabular sets) trains all "
                      "``epochs`` on all the data.",
    "patience": "Epochs without improvement of the validation loss before training stops.",
    "verbose": "Keras' progress output, as in ``model.fit``.",
    "random_state": "Seeds Python, NumPy and Keras (weights, validation split, shuffling); "
                    "scikit-learn's name for ``seed``.",
    "refit": "With early stopping: once it has picked the number of epochs (the best "
             "epoch's), train a fresh network (the same seed) on all the data, validation "
             "part included, for that many epochs; ``model_`` is that network. Costs a second "
             "training.",
    "class_weight": "Classifiers: ``\"balanced\"`` (``n_samples / (n_classes * count)`` per "
                    "class, scikit-learn's rule) or a dict ``{label: weight}`` keyed by the "
                    "labels as given to ``fit``; multiplies ``fit``'s ``sample_weight``. "
                    "``None``: every class weighs 1. The regressor takes ``None`` only.",
}
_TASK_DOCS = {
    "ANNClassifier": "``None`` reads the task off the labels; ``\"binary\"``, ``\"multiclass\"`` "
                     "or ``\"multilabel\"`` forces one (labels that do not fit it are refused).",
    "ANNRegressor": "``None`` or ``\"regression\"``, the regressor's only task.",
}


def _ann_arg_docs() -> dict[str, str]:
    """:func:`ann`'s ``Args:`` entries by keyword (the entry ``l1, l2: ...`` documents both)."""
    lines = inspect.getdoc(ann).splitlines()
    docs: dict[str, str] = {}
    names: list[str] = []
    for line in lines[lines.index("Args:") + 1:]:
        if line and not line.startswith(" "):
            break  # the next section
        entry = re.match(r"    (\w+(?:, \w+)*): (.*)", line)
        if entry:
            names = entry.group(1).split(", ")
            docs.update(dict.fromkeys(names, entry.group(2).strip()))
        elif line.strip():
            docs.update((n, f"{docs[n]} {line.strip()}") for n in names)
    return docs


def _args_section(estimator: str) -> str:
    """The ``Args:`` section of ``estimator``'s parameters, in its signature's order."""
    ann_docs = _ann_arg_docs()
    entries = []
    for p in list(_estimator_signature().parameters.values())[1:]:
        text = _TASK_DOCS[estimator] if p.name == "task" else \
            _FIT_DOCS.get(p.name) or ann_docs.get(p.name, "")
        entries.append(textwrap.fill(f"{p.name}: {text} Default: ``{p.default!r}``.", width=92,
                                     initial_indent="    ", subsequent_indent="        "))
    return "Args:\n" + "\n".join(entries)


def _with_args(doc: str | None, args: str) -> str:
    """``doc`` (cleaned) with ``args`` before its ``Attributes:`` or ``Returns:``, else at the end."""
    doc = inspect.cleandoc(doc or "")
    for section in ("Attributes:", "Returns:", "Example:"):
        if f"\n{section}" in doc:
            head, tail = doc.split(f"\n{section}", 1)
            return f"{head.rstrip()}\n\n{args}\n\n{section}{tail}"
    return f"{doc.rstrip()}\n\n{args}\n"


def _keyword_signature(function: Any, leading: tuple[inspect.Parameter, ...] = (),
                       drop: tuple[str, ...] = ()) -> inspect.Signature:
    """``function``'s own ``leading`` parameters, then every estimator parameter as a keyword."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [p.replace(kind=keyword) for p in list(_estimator_signature().parameters.values())[1:]
              if p.name not in drop]
    return inspect.Signature([*leading, *params],
                             return_annotation=inspect.signature(function).return_annotation)
