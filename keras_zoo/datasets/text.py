"""Text data: text classification, parallel corpora, generated sequence tasks, IMDB and Reuters.

Every loader returns a :class:`~keras_zoo.datasets.Dataset` whose ``metadata["model_kwargs"]``
holds what the text models need, so ``factory(**data.model_kwargs(factory))`` builds a model that
fits the data:

* **text classification** (``x`` = raw texts, a NumPy object array): ``texts`` (the training
  texts the model's ``TextVectorization`` adapts on), ``vocab_size``, ``sequence_length``,
  ``tokenize`` and ``standardize`` for :func:`keras_zoo.zoo.rnn` and its shortcuts.
* **integer sequences** (``imdb``, ``reuters``: ``x`` = padded token ids): ``vocab_size`` and
  ``sequence_length``.
* **pairs** (``x`` = source texts, ``y`` = target texts, ``task="seq2seq"``): ``sources``,
  ``targets`` (training split), ``max_target_length`` (the longest target of *all* splits, so
  validation and test targets fit the decoder), ``tokenize`` and ``standardize`` for
  :func:`keras_zoo.zoo.seq2seq`.

Loaders:

=====================  =====================================================================
``from_texts``          texts + labels (lists, arrays, Series)
``text_from_dataframe`` a text column and a label column of a DataFrame
``text_from_csv``       the same from a CSV file
``text_from_folder``    one sub-folder per class, one ``.txt`` file per sample
``pairs_from_lists``    parallel corpus from two lists
``pairs_from_tsv``      parallel corpus from ``source<TAB>target`` lines (extra columns ignored,
                        as in the Tatoeba/Anki files)
``load("dates")``       generated: human-readable dates in 12 formats -> ISO 8601
``load("reversal")``    generated: random letter strings -> the same reversed
``load("word_order")``  generated: 4 classes that only word order tells apart
``load("imdb")``        Keras' IMDB reviews (binary sentiment), downloaded once
``load("reuters")``     Keras' Reuters newswires (46 topics), downloaded once
=====================  =====================================================================

The generated tasks are seeded and need no download. ``imdb`` and ``reuters`` download from
Keras' storage into the Keras cache (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``)
the first time; offline, the error names the URL and the file to put there by hand.

Example:
    >>> import keras_zoo as kz
    >>> data = kz.load("word_order", n=400, seed=0)
    >>> kwargs = data.model_kwargs(kz.zoo.lstm)
    >>> data.task, data.num_classes, kwargs["vocab_size"], len(kwargs["texts"]) == len(data.x_train)
    ('multiclass', 4, 36, True)
    >>> model = kz.zoo.lstm(**kwargs)  # raw text in: the model vectorizes it itself
"""

from __future__ import annotations

import datetime as _dt
import io
import logging
import os
import pickle
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base import closest, keras_home
from keras_zoo.base import text as _text
from keras_zoo.base.errors import InputFileError, InputTypeError, InputValueError
from keras_zoo.datasets.core import Dataset, DatasetDownloadError, from_arrays, make_splits

__all__ = [
    "DatasetDownloadError", "fetch_keras_file", "from_texts", "keras_cache_dir", "load_dates",
    "load_imdb", "load_reuters", "load_reversal", "load_word_order", "pairs_from_lists",
    "pairs_from_tsv", "text_from_csv", "text_from_dataframe", "text_from_folder",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 20000
MAX_AUTO_SEQUENCE_LENGTH = 512


# === Text classification ===

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
    if not os.path.exists(path):
        raise InputFileError(f"No such CSV file: {path!r}")
    try:
        df = pd.read_csv(path, **(read_csv_kwargs or {}))
    except pd.errors.EmptyDataError as err:
        raise InputValueError(f"The CSV file {path!r} is empty.") from err
    if df.empty:
        raise InputValueError(f"The CSV file {path!r} has a header but no rows.")
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
            with open(os.path.join(folder, fname), encoding=encoding) as handle:
                content = handle.read()
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


# === Parallel corpora ===

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
    parts = make_splits(x, y, task="seq2seq", test_size=test_size, val_size=val_size, seed=seed)
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
    with open(path, encoding=encoding) as handle:
        for number, line in enumerate(handle, start=1):
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


# === Generated tasks ===

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _date_formats() -> list:
    m = (lambda d: _MONTHS[d.month - 1])
    w = (lambda d: _WEEKDAYS[d.weekday()])
    return [
        lambda d: f"{d.day} {m(d)} {d.year}",                                 # 3 March 1998
        lambda d: f"{m(d)} {d.day}, {d.year}",                                # March 3, 1998
        lambda d: f"{w(d)}, {m(d)} {d.day}, {d.year}",                        # Tuesday, March 3, 1998
        lambda d: f"{d.day:02d} {m(d)[:3]} {d.year}",                         # 03 Mar 1998
        lambda d: f"{d.day} {m(d)[:3].upper()} {d.year}",                     # 3 MAR 1998
        lambda d: f"{w(d)[:3]} {d.day} {m(d)[:3]} {d.year}",                  # Tue 3 Mar 1998
        lambda d: f"{d.day}.{d.month}.{d.year}",                              # 3.3.1998
        lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",                      # 03/03/1998 (day first)
        lambda d: f"the {_ordinal(d.day)} of {m(d)} {d.year}",                # the 3rd of March 1998
        lambda d: f"{m(d)} {_ordinal(d.day)}, {d.year}",                      # March 3rd, 1998
        lambda d: f"{m(d)[:3].lower()} {d.day} {d.year}",                     # mar 3 1998
        lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",                      # 1998/03/03
    ]


DATE_FORMAT_EXAMPLES = [f(_dt.date(1998, 3, 3)) for f in _date_formats()]


def _check_n(n: Any, least: int = 10) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < least:
        raise InputValueError(f"`n` must be an integer >= {least}. Received: n={n!r}")
    return int(n)


def load_dates(*, n: int = 10000, start: str = "1950-01-01", end: str = "2049-12-31",
               seed: int | None = 0, test_size: float = 0.1, val_size: float = 0.1) -> Dataset:
    """Generated: human-readable dates -> ISO 8601 (``"Tuesday, March 3, 1998"`` -> ``"1998-03-03"``).

    Dates are drawn uniformly between ``start`` and ``end`` and written in one of 12 formats (all
    unambiguous: slashes and dots are always day first); every (date, format) pair appears at
    most once. Character-level pairs, ready for :func:`keras_zoo.zoo.seq2seq`.

    Example:
        >>> data = load_dates(n=50, seed=0)
        >>> data.y_train[0][4], len(data.y_train[0])
        ('-', 10)
    """
    n = _check_n(n)
    first, last = _dt.date.fromisoformat(start), _dt.date.fromisoformat(end)
    days = (last - first).days + 1
    formats = _date_formats()
    if days < 1 or n > days * len(formats):
        raise InputValueError(f"Cannot draw {n} distinct dates between {start} and {end}. "
                         f"Received: n={n}")
    rng = np.random.default_rng(seed)
    picks = rng.choice(days * len(formats), size=n, replace=False)
    sources, targets = [], []
    for pick in picks:
        date = first + _dt.timedelta(days=int(pick // len(formats)))
        sources.append(formats[int(pick % len(formats))](date))
        targets.append(date.isoformat())
    return pairs_from_lists(sources, targets, name="dates", tokenize="character", standardize=None,
                            test_size=test_size, val_size=val_size, seed=seed,
                            metadata={"formats": DATE_FORMAT_EXAMPLES,
                                      "description": "human-readable dates -> ISO 8601"})


def load_reversal(*, n: int = 3000, min_length: int = 3, max_length: int = 8,
                  alphabet: str = "abcdefgh", seed: int | None = 0, test_size: float = 0.1,
                  val_size: float = 0.1) -> Dataset:
    """Generated: random strings of ``alphabet`` -> the same string reversed (``"abc"`` -> ``"cba"``).

    Lengths are uniform in ``[min_length, max_length]``; sources are distinct.

    Example:
        >>> data = load_reversal(n=20, seed=0)
        >>> data.x_train[0][::-1] == data.y_train[0]
        True
    """
    n = _check_n(n)
    if not isinstance(alphabet, str) or len(set(alphabet)) < 2:
        raise InputValueError(f"`alphabet` needs at least two distinct characters. "
                         f"Received: alphabet={alphabet!r}")
    if not (isinstance(min_length, int) and isinstance(max_length, int)
            and 1 <= min_length <= max_length):
        raise InputValueError("Need 1 <= min_length <= max_length. "
                         f"Received: min_length={min_length!r}, max_length={max_length!r}")
    letters = sorted(set(alphabet))
    possible = sum(len(letters) ** k for k in range(min_length, max_length + 1))
    if n > possible // 2:
        raise InputValueError(f"Only {possible} distinct strings exist; ask for at most half of them. "
                         f"Received: n={n}")
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    sources = []
    while len(sources) < n:
        text = "".join(rng.choice(letters, size=int(rng.integers(min_length, max_length + 1))))
        if text not in seen:
            seen.add(text)
            sources.append(text)
    return pairs_from_lists(sources, [s[::-1] for s in sources], name="reversal",
                            tokenize="character", standardize=None, test_size=test_size,
                            val_size=val_size, seed=seed,
                            metadata={"description": "strings -> reversed strings"})


WORD_ORDER_FILLERS = ("the", "a", "big", "small", "old", "new", "quick", "slow", "green", "happy",
                      "near", "over", "under", "with", "and", "then", "very", "quite", "some",
                      "many", "house", "tree", "river", "road", "hill", "garden", "park", "field",
                      "stone", "cloud")
WORD_ORDER_CLASSES = ["dog before cat, blue before red", "dog before cat, red before blue",
                      "cat before dog, blue before red", "cat before dog, red before blue"]


def load_word_order(*, n: int = 5000, min_fillers: int = 6, max_fillers: int = 12,
                    seed: int | None = 0, test_size: float = 0.2, val_size: float = 0.1
                    ) -> Dataset:
    """Generated: 4 classes that only word order tells apart.

    Every sentence holds ``min_fillers``-``max_fillers`` filler words and, at random places, the
    four words ``cat``, ``dog``, ``red`` and ``blue``. The class says whether ``cat`` comes before
    ``dog`` and whether ``red`` comes before ``blue`` (``WORD_ORDER_CLASSES``). Every sentence has
    the same key words, so a bag-of-words model stays at chance (25 %); a recurrent model must
    read the sequence. The classes are balanced.

    Example:
        >>> data = load_word_order(n=40, seed=0)
        >>> all(w in data.x_train[0].split() for w in ("cat", "dog", "red", "blue"))
        True
    """
    n = _check_n(n)
    if not (isinstance(min_fillers, int) and isinstance(max_fillers, int)
            and 0 <= min_fillers <= max_fillers):
        raise InputValueError("Need 0 <= min_fillers <= max_fillers. "
                         f"Received: min_fillers={min_fillers!r}, max_fillers={max_fillers!r}")
    rng = np.random.default_rng(seed)
    keys = np.array(["cat", "dog", "red", "blue"])
    texts, labels = [], []
    for _ in range(n):
        words = list(rng.choice(WORD_ORDER_FILLERS, size=int(rng.integers(min_fillers,
                                                                          max_fillers + 1))))
        for key in rng.permutation(keys):
            words.insert(int(rng.integers(0, len(words) + 1)), str(key))
        cat_first = words.index("cat") < words.index("dog")
        red_first = words.index("red") < words.index("blue")
        texts.append(" ".join(words))
        labels.append(2 * int(cat_first) + int(red_first))
    return from_texts(texts, np.array(labels), task="multiclass", name="word_order",
                      class_names=WORD_ORDER_CLASSES, test_size=test_size, val_size=val_size,
                      seed=seed, metadata={"description": "word order decides the class"})


# === Keras' downloadable text sets ===

_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
KERAS_TEXT_SETS = {
    # name: (file, sha256 of Keras' file)
    "imdb": ("imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "reuters": ("reuters.npz", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
}


def keras_cache_dir() -> str:
    """Where Keras caches dataset downloads: ``$KERAS_HOME/datasets``, default
    ``~/.keras/datasets``."""
    return os.path.join(keras_home(), "datasets")


def fetch_keras_file(name: str) -> str:
    """The cached path of ``imdb``/``reuters``, downloading it with ``keras.utils.get_file`` (the
    same URL, file name and SHA-256 as ``keras.datasets``) when it is not cached yet.

    A file already in the cache is used as it is.

    Raises:
        DatasetDownloadError: The download failed; the message names the URL and the file path
            to put the file at by hand.
    """
    import keras

    fname, sha256 = KERAS_TEXT_SETS[name]
    cache = keras_cache_dir()
    path = os.path.join(cache, fname)
    if os.path.exists(path):
        return path
    url = _KERAS_ORIGIN + fname
    try:
        return keras.utils.get_file(fname=fname, origin=url, file_hash=sha256,
                                    cache_dir=os.path.dirname(cache), cache_subdir="datasets")
    except Exception as err:  # urllib errors arrive as a bare Exception from get_file
        raise DatasetDownloadError(
            f"Could not download the {name!r} dataset from {url} ({err}). Is this machine "
            f"offline? Download that file elsewhere and put it at {path} (the Keras cache; set "
            f"KERAS_HOME to use another folder), then load({name!r}) again."
        ) from err


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Rebuilds NumPy object arrays of token lists and nothing else (Keras' own rule)."""

    ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                         ("numpy.core.multiarray", "_reconstruct"),
                         ("numpy._core.multiarray", "_reconstruct")})

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load {module}.{name} from a dataset file.")


def _read_npz(path: str) -> dict[str, np.ndarray]:
    """Read an ``.npz`` of ragged object arrays without unpickling anything but NumPy arrays."""
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                with archive.open(member) as raw:
                    buffer = io.BytesIO(raw.read())
                try:
                    array = np.lib.format.read_array(buffer, allow_pickle=False)
                except ValueError:
                    buffer.seek(0)
                    version = np.lib.format.read_magic(buffer)
                    if version[0] == 1:
                        np.lib.format.read_array_header_1_0(buffer)
                    else:
                        np.lib.format.read_array_header_2_0(buffer)
                    array = _NumpyOnlyUnpickler(buffer).load()
                out[member.removesuffix(".npy")] = array
    except (zipfile.BadZipFile, pickle.UnpicklingError, ValueError, EOFError) as err:
        raise InputValueError(f"Cannot read {path!r} ({err}). Delete it to download it again.") from err
    return out


def _encode_sequences(sequences, *, num_words: int, maxlen: int, start_char: int = 1,
                      oov_char: int = 2, index_from: int = 3) -> np.ndarray:
    """Keras' encoding (start token, word ids shifted by ``index_from``, rare words -> OOV),
    then post-padding to ``maxlen`` keeping each sequence's last ``maxlen`` tokens."""
    import keras

    encoded = []
    for seq in sequences:
        ids = [start_char] + [int(w) + index_from for w in seq]
        encoded.append([w if w < num_words else oov_char for w in ids])
    return keras.utils.pad_sequences(encoded, maxlen=maxlen, padding="post", truncating="pre",
                                     dtype="int32")


def _keras_text_dataset(name: str, x_train, y_train, x_test, y_test, *, num_words: int,
                        maxlen: int, val_size: float, seed: int | None,
                        class_names: list[str] | None) -> Dataset:
    if not isinstance(num_words, int) or num_words < 4:
        raise InputValueError(f"`num_words` must be an integer >= 4 (ids 0-2 are padding, start and "
                         f"out-of-vocabulary). Received: num_words={num_words!r}")
    if not isinstance(maxlen, int) or maxlen < 1:
        raise InputValueError(f"`maxlen` must be a positive integer. Received: maxlen={maxlen!r}")
    xtr = _encode_sequences(x_train, num_words=num_words, maxlen=maxlen)
    xte = _encode_sequences(x_test, num_words=num_words, maxlen=maxlen)
    ytr, yte = np.asarray(y_train).astype("int32"), np.asarray(y_test).astype("int32")
    classes = int(max(ytr.max(), yte.max())) + 1
    task = "binary" if classes <= 2 else "multiclass"
    # make_splits' "test" part is our validation split (the test split is Keras' own).
    xtr, ytr, _, _, xva, yva = make_splits(xtr, ytr, task=task, test_size=val_size, val_size=0.0,
                                           seed=seed)
    names = class_names if class_names and len(class_names) >= classes else [
        str(i) for i in range(classes)]
    return Dataset(name=name, task=task, x_train=xtr, y_train=ytr, x_val=xva, y_val=yva,
                   x_test=xte, y_test=yte, num_classes=classes, class_names=names[:classes],
                   metadata={"source": _KERAS_ORIGIN + KERAS_TEXT_SETS[name][0],
                             "num_words": num_words, "maxlen": maxlen,
                             "model_kwargs": {"vocab_size": num_words, "sequence_length": maxlen,
                                              "input_shape": None, "input_dim": None}})


def load_imdb(*, num_words: int = 10000, maxlen: int = 200, val_size: float = 0.1,
              seed: int | None = 0) -> Dataset:
    """IMDB movie reviews (Keras' copy): 25,000 training and 25,000 test reviews, binary sentiment.

    Reviews are word ids as in ``keras.datasets.imdb`` (1 = start, 2 = a word outside the
    ``num_words`` most frequent, real words from 3), padded after the text to ``maxlen`` steps;
    longer reviews keep their last ``maxlen`` words. ``val_size`` of the training reviews are
    held out for validation (stratified); the test split is Keras' test set.

    Raises:
        DatasetDownloadError: The file is not cached and cannot be downloaded (see
            :func:`fetch_keras_file`).
    """
    f = _read_npz(fetch_keras_file("imdb"))
    return _keras_text_dataset("imdb", f["x_train"], f["y_train"], f["x_test"], f["y_test"],
                               num_words=num_words, maxlen=maxlen, val_size=val_size, seed=seed,
                               class_names=["negative", "positive"])


def load_reuters(*, num_words: int = 10000, maxlen: int = 200, test_size: float = 0.2,
                 val_size: float = 0.1, seed: int | None = 0) -> Dataset:
    """Reuters newswires (Keras' copy): 11,228 wires in 46 topics (multiclass).

    Encoded like :func:`load_imdb`. Keras ships one array: ``test_size`` of it (default 20 %, as
    ``keras.datasets.reuters``) is the test split and ``val_size`` of the rest is validation.

    Raises:
        DatasetDownloadError: The file is not cached and cannot be downloaded.
    """
    import keras

    f = _read_npz(fetch_keras_file("reuters"))
    x, y = f["x"], np.asarray(f["y"]).astype("int32")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    cut = int(len(x) * (1 - test_size))
    train, test = order[:cut], order[cut:]
    try:
        names = list(keras.datasets.reuters.get_label_names())
    except AttributeError:  # pragma: no cover - older Keras
        names = None
    return _keras_text_dataset("reuters", x[train], y[train], x[test], y[test],
                               num_words=num_words, maxlen=maxlen,
                               val_size=val_size / (1 - test_size), seed=seed, class_names=names)


def _register() -> None:
    from keras_zoo.datasets.registry import register_dataset

    register_dataset("dates", load_dates, "Generated: human-readable dates in 12 formats -> ISO "
                     "8601 (character pairs, seeded, no download).", kind="pairs")
    register_dataset("reversal", load_reversal, "Generated: random letter strings -> reversed "
                     "(character pairs, seeded, no download).", kind="pairs")
    register_dataset("word_order", load_word_order, "Generated: 4 text classes only word order "
                     "tells apart (bag-of-words stays at chance; seeded, no download).",
                     kind="text")
    register_dataset("imdb", load_imdb, "IMDB reviews: 50,000 word-id sequences, binary "
                     "sentiment (Keras' copy, downloaded once).", kind="text")
    register_dataset("reuters", load_reuters, "Reuters newswires: 11,228 word-id sequences, 46 "
                     "topics (Keras' copy, downloaded once).", kind="text")


_register()
