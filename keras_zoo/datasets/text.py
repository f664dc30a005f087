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

One module per job, every name importable from here: ``text_classification`` (texts you
hold), ``pairs`` (parallel corpora), ``text_generated`` (the generated tasks) and ``text_keras``
(IMDB, Reuters; downloads through ``keras_cache``).

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

from keras_zoo.datasets.core import DatasetDownloadError
from keras_zoo.datasets.pairs import pairs_from_lists, pairs_from_tsv
from keras_zoo.datasets.text_classification import (
    DEFAULT_MAX_TOKENS,
    MAX_AUTO_SEQUENCE_LENGTH,
    from_texts,
    text_from_csv,
    text_from_dataframe,
    text_from_folder,
)
from keras_zoo.datasets.text_generated import (
    DATE_FORMAT_EXAMPLES,
    WORD_ORDER_CLASSES,
    WORD_ORDER_FILLERS,
    load_dates,
    load_reversal,
    load_word_order,
)
from keras_zoo.datasets.text_keras import (
    KERAS_TEXT_SETS,
    fetch_keras_file,
    keras_cache_dir,
    load_imdb,
    load_reuters,
)

__all__ = [
    "DATE_FORMAT_EXAMPLES", "DEFAULT_MAX_TOKENS", "KERAS_TEXT_SETS", "MAX_AUTO_SEQUENCE_LENGTH",
    "WORD_ORDER_CLASSES", "WORD_ORDER_FILLERS", "DatasetDownloadError", "fetch_keras_file",
    "from_texts", "keras_cache_dir", "load_dates", "load_imdb", "load_reuters", "load_reversal",
    "load_word_order", "pairs_from_lists", "pairs_from_tsv", "text_from_csv",
    "text_from_dataframe", "text_from_folder",
]


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
