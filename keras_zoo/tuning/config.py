"""Search configurations for ``keras-zoo tune CONFIG.yaml`` (YAML or JSON, loaded safely).

Example ``search.yaml``::

    model: ann
    dataset: breast_cancer          # or {name: wine, seed: 1}, or {csv: data.csv, target: label}
    strategy: grid
    objective: val_accuracy
    epochs: 30
    space:
      activation: [relu, elu, tanh]
      hidden_units: [[64, 32], [32]]  # lists inside a choice are tuples
      learning_rate: {min: 0.0001, max: 0.01, step: 10, sampling: log}
      batch_size: [32, 64]
    fixed:
      dropout: 0.2
    directory: runs/ann-grid
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Mapping
from typing import Any

import keras
import yaml

from keras_zoo.base import closest
from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.tuning.trial.devices import check_devices

_REQUIRED = ("model", "dataset", "space")


def _search_keys() -> list[str]:
    from keras_zoo.tuning.engine import search

    params = inspect.signature(search).parameters
    return [n for n, p in params.items() if p.kind == p.KEYWORD_ONLY]


def load_config(path: str) -> dict[str, Any]:
    """Read and validate a YAML or JSON search configuration.

    Returns the keyword arguments of :func:`keras_zoo.tuning.search` (``model``, ``data``,
    ``space`` and the options), with ``fixed`` spread into factory keywords.

    Raises:
        InputFileError: No such file (a ``FileNotFoundError``).
        InputValueError: Unparseable file (the message names the file and line), or a key that
            is missing, unknown (with the closest valid one) or of the wrong type; the message
            names the key. (A ``ValueError``.)
        InputTypeError: ``devices`` that is not a name or a list of names.
    """
    if not os.path.exists(path):
        raise InputFileError("No such configuration file; give the path of a YAML or JSON "
                             f"search configuration. Received: {path!r}")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        config = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as err:
        raise _parse_error(path, text, err) from err
    if not isinstance(config, Mapping):
        raise InputValueError(f"{path}: the configuration must be a mapping of keys to values. "
                              f"Received: {type(config).__name__}")
    return validate_config(config, source=path)


def _parse_error(path: str, text: str, err: Exception) -> InputValueError:
    """``search.yaml, line 3, column 9: not valid YAML: <what the parser says>``."""
    kind = "JSON" if path.endswith(".json") else "YAML"
    if isinstance(err, json.JSONDecodeError):
        line, column, problem = err.lineno, err.colno, err.msg
    else:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        problem = ": ".join(str(p) for p in (getattr(err, "context", None),
                                             getattr(err, "problem", None)) if p) or str(err)
    where = f"{path}, line {line}, column {column}" if line is not None else path
    lines = text.splitlines() or [""]
    received = lines[min(line, len(lines)) - 1] if line is not None else text[:80]
    return InputValueError(f"{where}: not valid {kind}: {problem}. A configuration is a "
                           f"{kind} mapping of keys to values. Received: {received!r}")


def validate_config(config: Mapping[str, Any], source: str = "config") -> dict[str, Any]:
    """Check a configuration mapping; see :func:`load_config`."""
    allowed = [*_REQUIRED, "fixed", *_search_keys()]
    for key in config:
        if key not in allowed:
            hint = closest(str(key), allowed)
            raise InputValueError(f"{source}: unknown key {key!r}."
                                  + (f" Did you mean {hint!r}?" if hint else "")
                                  + f" Keys: {', '.join(allowed)}. Received: {key!r}")
    for key in _REQUIRED:
        if key not in config:
            raise InputValueError(f"{source}: missing key {key!r} (required: "
                                  f"{', '.join(_REQUIRED)}). Received keys: {', '.join(map(str, config))}")
    if "devices" in config:  # checked here, before the search claims its directory
        check_devices(config["devices"])
    if not isinstance(config["space"], Mapping) or not config["space"]:
        raise InputValueError(f"{source}: 'space' must be a non-empty mapping of keyword -> "
                              f"values. Received: space={config['space']!r}")
    fixed = config.get("fixed") or {}
    if not isinstance(fixed, Mapping):
        raise InputValueError(f"{source}: 'fixed' must be a mapping of factory keyword -> value. "
                              f"Received: fixed={fixed!r}")
    kwargs: dict[str, Any] = {k: v for k, v in config.items()
                              if k not in ("model", "dataset", "space", "fixed")}
    if "objective" in kwargs and isinstance(kwargs["objective"], list):
        kwargs["objective"] = tuple(kwargs["objective"])
    kwargs["model"] = config["model"]
    kwargs["data"] = _data(config["dataset"], source, kwargs.get("seed", 0))
    kwargs["space"] = dict(config["space"])
    for key, value in fixed.items():
        kwargs[str(key)] = keras.tree.lists_to_tuples(value)  # YAML and JSON have no tuples
    return kwargs


def _data(spec: Any, source: str, seed: Any) -> Any:
    from keras_zoo import datasets

    if isinstance(spec, str):
        return spec
    if isinstance(spec, Mapping):
        spec = dict(spec)
        if "csv" in spec:
            path = spec.pop("csv")
            if "target" not in spec:
                raise InputValueError(f"{source}: dataset.csv needs dataset.target (the label "
                                      f"column). Received: dataset={ {'csv': path, **spec}!r}")
            spec.setdefault("seed", seed)
            return datasets.from_csv(path, **spec)
        if "name" in spec:
            name = spec.pop("name")
            spec.setdefault("seed", seed)
            return datasets.load(name, **spec)
    raise InputValueError(f"{source}: 'dataset' must be a name, {{name: ..., <loader options>}} "
                          f"or {{csv: path, target: column}}. Received: {spec!r}")
