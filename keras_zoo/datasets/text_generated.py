"""Generated text tasks, seeded, no download: ``dates``, ``reversal`` and ``word_order``.

``dates`` and ``reversal`` are character-level parallel corpora for :func:`keras_zoo.zoo.seq2seq`;
``word_order`` is a 4-class text classification that only word order decides.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset
from keras_zoo.datasets.pairs import pairs_from_lists
from keras_zoo.datasets.text_classification import from_texts

__all__ = ["DATE_FORMAT_EXAMPLES", "WORD_ORDER_CLASSES", "WORD_ORDER_FILLERS", "load_dates",
           "load_reversal", "load_word_order"]

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
