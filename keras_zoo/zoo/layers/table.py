"""The first layer of a table model: encoded rows in, the network's features out.

:class:`TablePreprocessing` takes the encoded rows of :class:`keras_zoo.base.table.TableSpec`
(numbers with ``NaN`` where missing, categories as ids, ``0`` for missing or unseen) and gives
the dense stack what it learns from, with Keras' own layers where they serve:

* numbers: ``keras.layers.Normalization`` with the training mean and variance; a missing number
  becomes the training mean (0 once standardised), and a column that had missing values in
  training adds a 0/1 missing-indicator feature (written with ``keras.ops``: Keras has no
  imputation layer);
* categories with at most ``max_onehot`` ids (the categories plus the missing/unseen bucket):
  ``keras.layers.CategoryEncoding`` (one-hot); more: ``keras.layers.Embedding`` of
  ``embedding_dim`` (default ``min(32, round(1.6 * ids ** 0.56))``, fast.ai's rule).

Everything is ``keras.ops``, so it runs on every backend; the spec is the layer's JSON config,
so a ``.keras`` file reloads in safe mode.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from keras_zoo.base.errors import InputValueError
from keras_zoo.base.table import TableSpec
from keras_zoo.zoo.layers._package import PACKAGE

__all__ = ["MAX_ONEHOT", "TablePreprocessing", "embedding_size"]

MAX_ONEHOT = 16
"""Category columns with at most this many ids (categories + the missing/unseen bucket) are
one-hot encoded; wider ones get an embedding."""


def embedding_size(ids: int) -> int:
    """fast.ai's rule of thumb for an embedding's width, capped at 32."""
    return int(min(32, max(2, round(1.6 * ids ** 0.56))))


@keras.saving.register_keras_serializable(package=PACKAGE)
class TablePreprocessing(keras.layers.Layer):
    """Encoded table rows -> standardised numbers, missing-indicators and encoded categories.

    Args:
        table: A :class:`~keras_zoo.base.table.TableSpec` or its ``get_config()`` dict.
        max_onehot: Widest category column (ids) that is one-hot encoded; wider ones are embedded.
        embedding_dim: The embeddings' width; ``None`` follows :func:`embedding_size`.

    Example:
        >>> import numpy as np, pandas as pd
        >>> from keras_zoo.base.table import TableSpec
        >>> spec = TableSpec.learn(pd.DataFrame({"age": [20.0, None, 40.0], "plan": ["a", "b", "a"]}))
        >>> layer = TablePreprocessing(spec)
        >>> np.round(np.asarray(layer(spec.encode({"age": [30.0, None], "plan": ["b", "z"]}))), 3)
        array([[0., 0., 0., 0., 1.],
               [0., 1., 1., 0., 0.]], dtype=float32)
    """

    def __init__(self, table: Any, max_onehot: int = MAX_ONEHOT,
                 embedding_dim: int | None = None, **kwargs: Any):
        kwargs["autocast"] = False  # the rows keep float32: bfloat16 would move category ids
        super().__init__(**kwargs)
        self.table = TableSpec.from_config(table)
        if not isinstance(max_onehot, (int, np.integer)) or max_onehot < 2:
            raise InputValueError(f"`max_onehot` must be an integer >= 2. Received: {max_onehot!r}")
        if embedding_dim is not None and (not isinstance(embedding_dim, (int, np.integer))
                                          or embedding_dim < 1):
            raise InputValueError("`embedding_dim` must be a positive integer or None. "
                                  f"Received: {embedding_dim!r}")
        self.max_onehot, self.embedding_dim = int(max_onehot), embedding_dim
        # float32 inside (float64 in a float64 model): under a mixed policy, bfloat16 would turn
        # the category id 301 into 300 and float16 a price of 70,000 into inf; the output is
        # cast to the compute dtype
        self._work = "float64" if self.compute_dtype == "float64" else "float32"
        columns = self.table.columns
        self._numbers = [j for j, c in enumerate(columns) if c.kind == "number"]
        # positions among the numbers of those with a missing-indicator
        self._flagged = [i for i, j in enumerate(self._numbers) if columns[j].missing]
        self._normalize = None
        if self._numbers:
            self._normalize = keras.layers.Normalization(
                mean=[columns[j].mean for j in self._numbers],
                variance=[columns[j].variance or 1.0 for j in self._numbers],  # constant: as is
                dtype=self._work, name="standardize")
        self._categories: list[tuple[int, int, keras.layers.Layer]] = []
        for j, column in enumerate(columns):
            if column.kind != "category":
                continue
            ids = len(column.categories) + 1
            if ids <= self.max_onehot:
                encoder = keras.layers.CategoryEncoding(
                    ids, output_mode="one_hot", dtype=self._work, name=f"onehot_{j}")
            else:
                encoder = keras.layers.Embedding(
                    ids, embedding_dim or embedding_size(ids), dtype=self._work,
                    name=f"embed_{j}")
            self._categories.append((j, ids, encoder))
        self._encoders = [encoder for _, _, encoder in self._categories]  # tracked: saved weights

    @property
    def output_width(self) -> int:
        width = len(self._numbers) + len(self._flagged)
        for _, ids, encoder in self._categories:
            width += ids if isinstance(encoder, keras.layers.CategoryEncoding) else \
                encoder.output_dim
        return width

    def build(self, input_shape: Any) -> None:
        if input_shape[-1] is not None and input_shape[-1] != len(self.table):
            raise InputValueError(
                f"TablePreprocessing takes rows of {len(self.table)} encoded columns "
                f"({', '.join(self.table.names[:10])}{' ...' if len(self.table) > 10 else ''}). "
                f"Received: input shape {tuple(input_shape)}")
        if self._normalize is not None:
            self._normalize.build((None, len(self._numbers)))
        for _, _, encoder in self._categories:
            encoder.build((None,))
        self.built = True

    def call(self, rows: Any) -> Any:
        ops = keras.ops
        rows = ops.cast(rows, self._work)
        parts = []
        if self._numbers:
            values = ops.take(rows, self._numbers, axis=1)
            missing = ops.isnan(values)
            standard = self._normalize(values)
            parts.append(ops.where(missing, ops.zeros_like(standard), standard))  # = the mean
            if self._flagged:
                parts.append(ops.cast(ops.take(missing, self._flagged, axis=1), self._work))
        for j, ids, encoder in self._categories:
            column = rows[:, j]
            bad = ops.logical_or(ops.isnan(column), ops.logical_or(column < 0, column >= ids))
            index = ops.cast(ops.where(bad, ops.zeros_like(column), column), "int32")
            parts.append(ops.cast(encoder(index), self._work))
        joined = parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=-1)
        return ops.cast(joined, self.compute_dtype)

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], self.output_width)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "table": self.table.get_config(),
                "max_onehot": self.max_onehot, "embedding_dim": self.embedding_dim}
