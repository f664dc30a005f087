"""Keras' downloadable text sets: ``imdb`` (binary sentiment) and ``reuters`` (46 topics).

The files are Keras' own ``imdb.npz`` and ``reuters.npz`` (same URL, file name and SHA-256 as
``keras.datasets``), fetched once into the Keras cache by ``keras.utils.get_file``; a file
already there is used as it is. They hold ragged object arrays, which are unpickled by
:class:`~keras_zoo.datasets.keras_cache.RestrictedUnpickler` (NumPy arrays only, Keras' rule),
never by ``np.load(allow_pickle=True)``. Reviews are encoded as ``keras.datasets`` encodes them
and padded by ``keras.utils.pad_sequences``.
"""

from __future__ import annotations

import numpy as np

from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import Dataset, make_splits
from keras_zoo.datasets.keras_cache import KERAS_ORIGIN, fetch_file, keras_cache_dir, read_npz

__all__ = ["KERAS_TEXT_SETS", "fetch_keras_file", "keras_cache_dir", "load_imdb", "load_reuters"]

KERAS_TEXT_SETS = {
    # name: (file, sha256 of Keras' file)
    "imdb": ("imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "reuters": ("reuters.npz", "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
}


def fetch_keras_file(name: str) -> str:
    """The cached path of ``imdb``/``reuters``, downloading it with ``keras.utils.get_file`` (the
    same URL, file name and SHA-256 as ``keras.datasets``) when it is not cached yet.

    A file already in the cache is used as it is.

    Raises:
        DatasetDownloadError: The download failed; the message names the URL and the file path
            to put the file at by hand.
    """
    fname, sha256 = KERAS_TEXT_SETS[name]
    return fetch_file(name, fname, KERAS_ORIGIN + fname, sha256)


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
                   metadata={"source": KERAS_ORIGIN + KERAS_TEXT_SETS[name][0],
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
    f = read_npz(fetch_keras_file("imdb"))
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

    f = read_npz(fetch_keras_file("reuters"))
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
