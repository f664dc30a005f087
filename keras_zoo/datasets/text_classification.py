"""Text classification from texts you hold: lists, DataFrames, CSV files, folders of ``.txt``.

Every loader returns a :class:`~keras_zoo.datasets.Dataset` whose ``x`` splits are raw texts (a
NumPy object array) and whose ``model_kwargs()`` holds what :func:`keras_zoo.zoo.rnn` and its
shortcuts need: ``texts`` (the training texts the model's ``TextVectorization`` adapts on),
``vocab_size``, ``sequence_length``, ``tokenize`` and ``standardize``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base import closest
from keras_zoo.base import text as _text
from keras_zoo.base.errors import InputFileError, InputTypeError, InputValueError
from keras_zoo.datasets.core import Dataset, from_arrays, read_csv_table, read_text_file

__all__ = ["DEFAULT_MAX_TOKENS", "MAX_AUTO_SEQUENCE_LENGTH", "from_texts", "text_from_csv",
           "text_from_dataframe", "text_from_folder"]

DEFAULT_MAX_TOKENS = _text.DEFAULT_MAX_TOKENS
MAX_AUTO_SEQUENCE_LENGTH = 512


def _text_model_kwargs(data: Dataset, *, max_tokens: int | None, sequence_length: Any,
                       tokenize: str, standardize: str | None) -> Dataset:
    split = _text.resolve_split(tokenize)
    lengths = _text.token_lengths(data.x_train, split=split, standardize=standardize)
    if sequence_length == "auto":
        sequence_length = int(min(max(int(lengths.max()), 1), MAX_AUTO_SEQUENCE_LENGTH))
    elif sequence_length is not None and (not isinstance(sequence_length, (int, np.integer))
                                          or sequence_length < 1):
        raise InputValueError("`sequence_length` must be 'auto', a positive integer or None. "
                              f"Received: sequence_length={sequence_length!r}")
    vocab = _text.build_vocabulary(data.x_train, split=split, standardize=standardize)
    vocab_size = len(vocab) + 2
    if max_tokens is not None:
        vocab_size = min(vocab_size, int(max_tokens))
    data.metadata.update({"tokenize": tokenize, "standardize": standardize,
                          "token_lengths": {"mean": float(lengths.mean()),
                                            "max": int(lengths.max())}})
    data.metadata.setdefault("model_kwargs", {}).update({
        "texts": data.x_train, "vocab_size": int(vocab_size), "sequence_length": sequence_length,
        "tokenize": tokenize, "standardize": standardize, "input_shape": None, "input_dim": None,
    })
    return data


def from_texts(texts: Sequence[str], labels: Any, *, task: str | None = None,
               name: str = "texts", class_names: Sequence[str] | None = None,
               max_tokens: int | None = DEFAULT_MAX_TOKENS, sequence_length: int | str | None = "auto",
               tokenize: str = "word", standardize: str | None = "lower_and_strip_punctuation",
               test_size: float = 0.2, val_size: float = 0.1, seed: int | None = 0,
               metadata: dict[str, Any] | None = None) -> Dataset:
    """A text-classification :class:`Dataset` from texts and labels, split with a seed.

    Args:
        texts: One text per sample.
        labels: One label per text (strings or integers; classes are encoded ``0..K-1``), or
            continuous targets with ``task="regression"``.
        task: ``binary``, ``multiclass``, ``multilabel`` or ``regression``; inferred otherwise.
        name: Dataset name.
        class_names: Names of the classes, index = label.
        max_tokens: Largest vocabulary the model keeps (``vocab_size`` in ``model_kwargs``).
        sequence_length: Tokens per text the model reads: ``"auto"`` (the longest training
            text, at most 512), an int, or ``None`` (each batch padded to its longest text).
        tokenize: ``"word"`` or ``"character"``.
        standardize: Keras' text standardization (``"lower_and_strip_punctuation"`` ...).
        test_size, val_size: Fractions of all samples; splits are stratified for classes.
        seed: Split seed.
        metadata: Extra metadata.

    Raises:
        ValueError: No texts, values that are not strings, empty or blank texts (with their
            positions), a number of labels that differs from the number of texts, a single class.

    Example:
        >>> data = from_texts(["good", "great film", "bad", "awful film"] * 5, [1, 1, 0, 0] * 5)
        >>> data.task, data.model_kwargs()["sequence_length"]
        ('binary', 2)
    """
    x = _text.as_texts(texts, "texts")
    y = labels.to_numpy() if isinstance(labels, (pd.Series, pd.DataFrame)) else np.asarray(labels)
    if len(y) != len(x):
        raise InputValueError(f"{name}: there are {len(x)} texts but {len(y)} labels; give one label "
                              f"per text. Received: len(labels)={len(y)}")
    _text.resolve_split(tokenize)
    _text.check_standardize(standardize)
    data = from_arrays(x, y, name=name, task=task, class_names=class_names, test_size=test_size,
                       val_size=val_size, seed=seed, metadata=dict(metadata or {}))
    return _text_model_kwargs(data, max_tokens=max_tokens, sequence_length=sequence_length,
                              tokenize=tokenize, standardize=standardize)


def text_from_dataframe(df: pd.DataFrame, text: str = "text", target: str = "label", *,
                        name: str = "dataframe", **kwargs: Any) -> Dataset:
    """A text-classification :class:`Dataset` from a text column and a label column.

    Other keyword arguments are those of :func:`from_texts`.

    Raises:
        ValueError: A missing column (with the closest name and the list of columns), missing
            texts or labels, or any error of :func:`from_texts`.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(f"Expected a pandas DataFrame. Received: {type(df).__name__}")
    columns = [str(c) for c in df.columns]
    for argument, col in (("text", text), ("target", target)):
        if col not in df.columns:
            hint = closest(str(col), columns)
            raise InputValueError(f"{name}: no column {col!r}." + (f" Did you mean {hint!r}?" if hint
                                                               else "")
                             + f" Columns: {', '.join(columns)}. Received: {argument}={col!r}")
    for col in (text, target):
        missing = int(df[col].isna().sum())
        if missing:
            rows = df.index[df[col].isna()][:5].tolist()
            raise InputValueError(f"{name}: column {col!r} has {missing} missing value(s) (rows "
                                  f"{rows}); drop or fill them first.")
    return from_texts(df[text].astype(str).to_numpy(dtype=object), df[target], name=name,
                      metadata={"text_column": text, "target": target, "source": name}, **kwargs)


def text_from_csv(path: str | os.PathLike[str], text: str = "text", target: str = "label", *,
                  read_csv_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> Dataset:
    """A text-classification :class:`Dataset` from a CSV file (see :func:`text_from_dataframe`).

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: An empty file, or any error of :func:`text_from_dataframe`.
    """
    path = os.fspath(path)
    df = read_csv_table(path, **(read_csv_kwargs or {}))
    kwargs.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    return text_from_dataframe(df, text, target, **kwargs)


def text_from_folder(directory: str | os.PathLike[str], *, extensions: Sequence[str] = (".txt",),
                     encoding: str = "utf-8", **kwargs: Any) -> Dataset:
    """A text-classification :class:`Dataset` from one sub-folder per class.

    ``directory/<class>/<any name>.txt`` holds one sample each; classes are the sub-folder names,
    sorted (as in ``keras.utils.text_dataset_from_directory``). Other keyword arguments are those
    of :func:`from_texts`.

    Raises:
        FileNotFoundError: The folder does not exist.
        ValueError: Fewer than two class folders, a class folder without text files, or empty
            files (named).
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise InputFileError(f"No such folder: {directory!r}")
    classes = sorted(d for d in os.listdir(directory)
                     if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
    if len(classes) < 2:
        raise InputValueError(f"{directory!r} must hold one sub-folder per class (at least two); "
                              f"found {classes or 'none'}.")
    texts, labels, empty = [], [], []
    for label, cls in enumerate(classes):
        folder = os.path.join(directory, cls)
        files = sorted(f for f in os.listdir(folder) if f.lower().endswith(tuple(extensions)))
        if not files:
            raise InputValueError(f"The class folder {folder!r} holds no {'/'.join(extensions)} files.")
        for fname in files:
            content = read_text_file(os.path.join(folder, fname), encoding)
            if not content.strip():
                empty.append(os.path.join(cls, fname))
            texts.append(content)
            labels.append(label)
    if empty:
        raise InputValueError(f"{len(empty)} empty text file(s) in {directory!r}: "
                              f"{', '.join(empty[:5])}{' ...' if len(empty) > 5 else ''}. Remove them.")
    kwargs.setdefault("name", os.path.basename(os.path.normpath(directory)))
    kwargs.setdefault("class_names", classes)
    kwargs.setdefault("metadata", {"source": directory})
    kwargs.setdefault("task", "binary" if len(classes) == 2 else "multiclass")
    return from_texts(texts, np.array(labels), **kwargs)
