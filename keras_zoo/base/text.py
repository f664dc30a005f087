"""Tokenization shared by the text models and the text loaders.

The rules are Keras' ``TextVectorization`` rules, written in Python so that vocabularies and
sequence lengths can be computed without TensorFlow and always agree with what the layer inside a
model produces:

* ``standardize``: ``None`` (keep the text as it is), ``"lower"`` (ASCII letters only, as
  ``tf.strings.lower``), ``"strip_punctuation"`` (Keras' punctuation class) or
  ``"lower_and_strip_punctuation"``.
* ``split``: ``"whitespace"`` (runs of ASCII whitespace, as ``tf.strings.split``) or
  ``"character"`` (Unicode code points, as ``tf.strings.unicode_split``).

Index 0 is the padding token ``""`` and index 1 the out-of-vocabulary token ``"[UNK]"``: a token
that is not in the vocabulary is read as ``[UNK]``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from keras_zoo.base import check_choice
from keras_zoo.base.errors import InputTypeError, InputValueError

PAD = ""
OOV = "[UNK]"
DEFAULT_MAX_TOKENS = 20000
"""The largest vocabulary (padding and ``[UNK]`` included) a text model or loader keeps unless
told otherwise."""
STANDARDIZE = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")
SPLITS = ("whitespace", "character")
TOKENIZE = {"word": "whitespace", "words": "whitespace", "whitespace": "whitespace",
            "character": "character", "characters": "character", "char": "character",
            "chars": "character"}

# Keras' TextVectorization strips exactly this character class.
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def resolve_split(tokenize: str) -> str:
    """``"word"`` -> ``"whitespace"``, ``"character"`` -> ``"character"`` (aliases accepted)."""
    if not isinstance(tokenize, str) or tokenize.lower() not in TOKENIZE:
        raise InputValueError("`tokenize` must be 'word' or 'character'. "
                         f"Received: tokenize={tokenize!r}")
    return TOKENIZE[tokenize.lower()]


def check_standardize(standardize: Any) -> Any:
    check_choice("standardize", standardize, STANDARDIZE)
    return standardize


def standardize_text(text: str, standardize: str | None) -> str:
    """Apply one of Keras' standardizations to one text."""
    if standardize in ("lower", "lower_and_strip_punctuation"):
        text = text.translate(_ASCII_LOWER)
    if standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = _PUNCTUATION.sub("", text)
    return text


def tokenize_text(text: str, *, split: str, standardize: str | None) -> list[str]:
    """The tokens ``TextVectorization(split=..., standardize=...)`` makes of one text."""
    text = standardize_text(text, standardize)
    if split == "character":
        return list(text)
    return [t for t in _WHITESPACE.split(text) if t]


def token_lengths(texts: Iterable[str], *, split: str, standardize: str | None) -> np.ndarray:
    """Number of tokens of each text."""
    return np.array([len(tokenize_text(t, split=split, standardize=standardize)) for t in texts],
                    dtype="int64")


def build_vocabulary(texts: Iterable[str], *, split: str, standardize: str | None,
                     max_tokens: int | None = None, exclude: Sequence[str] = ()) -> list[str]:
    """Tokens of ``texts``, most frequent first (ties in code-point order), without ``""`` and
    ``[UNK]``; at most ``max_tokens`` of them."""
    counts = Counter()
    for text in texts:
        counts.update(tokenize_text(text, split=split, standardize=standardize))
    for token in (PAD, OOV, *exclude):
        counts.pop(token, None)
    vocab = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return vocab[:max_tokens] if max_tokens is not None else vocab


def _object_array(texts: Any, argument: str) -> np.ndarray:
    """``texts`` (list, array, Series, tensor) as a 1-D object array; one string is refused."""
    if isinstance(texts, str):
        raise InputTypeError(f"`{argument}` must be a list or array of texts, not one string. "
                             f"Received: {argument}={texts[:40]!r}")
    if isinstance(texts, (pd.Series, pd.DataFrame)):
        texts = texts.to_numpy()
    if hasattr(texts, "numpy") and not isinstance(texts, np.ndarray):  # a tf.Tensor
        texts = texts.numpy()
    arr = np.asarray(list(texts) if not isinstance(texts, np.ndarray) else texts, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InputValueError(f"`{argument}` must be one text per sample (a 1-D collection). "
                              f"Received: {argument} with shape {arr.shape}")
    if len(arr) == 0:
        raise InputValueError(f"`{argument}` is empty: there are no texts. Received: {argument}=[]")
    return arr


def _positions(found: list[int]) -> str:
    return f"{found[:5]}{' ...' if len(found) > 5 else ''}"


def as_texts(texts: Any, argument: str = "texts", *, allow_empty_strings: bool = False
             ) -> np.ndarray:
    """Check a 1-D collection of strings and return it as a NumPy object array.

    Raises:
        TypeError: One string instead of a collection of texts.
        ValueError: Not 1-D, no texts at all, a value that is not a string (``None``/NaN
            included), or, unless allowed, empty or whitespace-only texts (the message gives
            their count and first positions).
    """
    arr = _object_array(texts, argument)
    out = np.empty(len(arr), dtype=object)
    for i, value in enumerate(arr):
        out[i] = value.decode("utf-8") if isinstance(value, bytes) else value
    bad = [i for i, value in enumerate(out) if not isinstance(value, str)]
    if bad:
        raise InputValueError(
            f"`{argument}` must hold strings; {len(bad)} value(s) are not (positions "
            f"{_positions(bad)}). Received: {argument}[{bad[0]}]={arr[bad[0]]!r}"
        )
    if not allow_empty_strings:
        empty = [i for i, t in enumerate(out) if not t.strip()]
        if empty:
            raise InputValueError(
                f"`{argument}` has {len(empty)} empty or blank text(s) (positions "
                f"{_positions(empty)}); drop or fill them first. "
                f"Received: {argument}[{empty[0]}]={out[empty[0]]!r}"
            )
    return out
