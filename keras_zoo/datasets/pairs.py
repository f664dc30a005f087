"""Parallel corpora: ``x`` = source texts, ``y`` = target texts, ``task="seq2seq"``.

``model_kwargs()`` holds what :func:`keras_zoo.zoo.seq2seq` needs: ``sources``, ``targets``
(training split), ``max_target_length`` (the longest target of *all* splits, so validation and
test targets fit the decoder), ``tokenize`` and ``standardize``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from keras_zoo.base import text as _text
from keras_zoo.base.errors import InputFileError, InputValueError
from keras_zoo.datasets.core import Dataset, make_splits, read_text_file

__all__ = ["pairs_from_lists", "pairs_from_tsv"]


def pairs_from_lists(sources: Sequence[str], targets: Sequence[str], *, name: str = "pairs",
                     tokenize: str = "character", standardize: str | None = None,
                     test_size: float = 0.1, val_size: float = 0.1, seed: int | None = 0,
                     metadata: dict[str, Any] | None = None) -> Dataset:
    """A parallel corpus: ``x`` = source texts, ``y`` = target texts, ``task="seq2seq"``.

    Args:
        sources, targets: One target per source.
        name: Dataset name.
        tokenize: ``"character"`` (default) or ``"word"``: how the model will read both sides.
        standardize: Keras' text standardization for both sides (``None``: as they are).
        test_size, val_size: Fractions of all pairs.
        seed: Split seed.
        metadata: Extra metadata.

    Raises:
        ValueError: No pairs, values that are not strings, empty texts (with their positions), or
            different numbers of sources and targets.

    Example:
        >>> data = pairs_from_lists(["abc", "ab", "ba", "cab"] * 5, ["cba", "ba", "ab", "bac"] * 5)
        >>> data.task, data.model_kwargs()["max_target_length"]
        ('seq2seq', 3)
    """
    x = _text.as_texts(sources, "sources")
    y = _text.as_texts(targets, "targets")
    if len(x) != len(y):
        raise InputValueError(f"{name}: there are {len(x)} sources but {len(y)} targets; give one "
                              f"target per source. Received: len(targets)={len(y)}")
    split = _text.resolve_split(tokenize)
    _text.check_standardize(standardize)
    parts = make_splits(x, y, task="seq2seq", test_size=test_size, val_size=val_size, seed=seed,
                        name=name)
    target_lengths = _text.token_lengths(y, split=split, standardize=standardize)
    source_lengths = _text.token_lengths(x, split=split, standardize=standardize)
    meta = {"source": name, "tokenize": tokenize, "standardize": standardize,
            "source_length_max": int(source_lengths.max()),
            "target_length_max": int(target_lengths.max()), **dict(metadata or {})}
    meta["model_kwargs"] = {"sources": parts[0], "targets": parts[1],
                            "max_target_length": int(target_lengths.max()), "tokenize": tokenize,
                            "standardize": standardize, "input_shape": None, "input_dim": None}
    return Dataset(name=name, task="seq2seq", x_train=parts[0], y_train=parts[1],
                   x_val=parts[2], y_val=parts[3], x_test=parts[4], y_test=parts[5],
                   metadata=meta)


def pairs_from_tsv(path: str | os.PathLike[str], *, encoding: str = "utf-8",
                   columns: tuple[int, int] = (0, 1), **kwargs: Any) -> Dataset:
    """A parallel corpus from a tab-separated file, one ``source<TAB>target`` pair per line.

    Blank lines are skipped and columns beyond ``columns`` ignored (the Tatoeba/Anki files carry
    an attribution column). Other keyword arguments are those of :func:`pairs_from_lists`.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: A line with too few tab-separated columns (its number is given), an empty
            side, or no pairs at all.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise InputFileError(f"No such file: {path!r}")
    sources, targets = [], []
    need = max(columns) + 1
    lines = read_text_file(path, encoding).split("\n")  # newlines as iterating the file
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < need:
            raise InputValueError(f"{path}:{number}: expected 'source<TAB>target' ({need} "
                                  f"tab-separated columns), found {len(fields)}. Received: "
                                  f"{line[:60]!r}")
        source, target = fields[columns[0]], fields[columns[1]]
        if not source.strip() or not target.strip():
            raise InputValueError(f"{path}:{number}: the {'source' if not source.strip() else 'target'}"
                                  f" is empty. Received: {line[:60]!r}")
        sources.append(source)
        targets.append(target)
    if not sources:
        raise InputValueError(f"{path!r} holds no pairs.")
    kwargs.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    return pairs_from_lists(sources, targets, **kwargs)
