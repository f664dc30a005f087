"""Models that take raw table rows through Keras' own methods: :class:`TableModel`.

``kz.zoo.ann(table=...)`` (``table`` from ``Dataset.model_kwargs()`` or
``keras_zoo.base.table.TableSpec.learn(frame)``) returns one. Its graph takes encoded rows (a
float32 matrix, see :mod:`keras_zoo.base.table`) and starts with
:class:`~keras_zoo.zoo.layers.table.TablePreprocessing`; its ``fit``, ``evaluate``, ``predict``,
``*_on_batch`` and ``__call__`` also take raw rows (a pandas DataFrame, a dict of columns, a
list of dict records) and encode them with the spec it holds, on every backend. Encoded rows (a
NumPy matrix, as a ``Dataset`` holds them) pass as they are. A classifier also maps class names
to ids and back (:class:`~keras_zoo.zoo.text_model.ClassNames`): ``model.predict_classes(rows)``
gives the names.

Registered as ``keras_zoo>TableModel``: a ``.keras`` file reloads with
``keras.saving.load_model`` in safe mode once ``keras_zoo`` is imported, spec and class names
included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import pandas as pd

from keras_zoo.base.table import TableSpec
from keras_zoo.zoo.layers._package import PACKAGE
from keras_zoo.zoo.text_model import ClassNames, StringInputs

__all__ = ["TableModel", "is_raw_rows"]


def is_raw_rows(x: Any) -> bool:
    """A DataFrame, a dict of columns, a list of dict records or one pandas Series (one row)."""
    return isinstance(x, (pd.DataFrame, pd.Series, Mapping)) or (
        isinstance(x, (list, tuple)) and bool(x) and all(isinstance(r, Mapping) for r in x))


@keras.saving.register_keras_serializable(package=PACKAGE)
class TableModel(ClassNames, StringInputs, keras.Model):
    """A Functional model whose Keras methods take raw table rows (see the module docstring).

    Example:
        >>> import pandas as pd, keras_zoo as kz
        >>> from keras_zoo.base.table import TableSpec
        >>> rows = pd.DataFrame({"age": [25.0, None, 47.0, 33.0], "plan": ["gold", "basic", None, "gold"]})
        >>> model = kz.zoo.ann(table=TableSpec.learn(rows), task="binary", hidden_units=(4,))
        >>> history = model.fit(rows, ["no", "yes", "yes", "no"], epochs=2, verbose=0)
        >>> model.predict_classes([{"age": 51, "plan": "platinum"}]).shape  # an unseen plan
        (1,)
    """

    def with_table(self, table: TableSpec) -> TableModel:
        """Set the spec the raw rows are encoded with (``ann(table=...)`` calls this)."""
        self._table = TableSpec.from_config(table)
        return self

    @property
    def table(self) -> TableSpec:
        """The columns the model takes (:class:`~keras_zoo.base.table.TableSpec`)."""
        return self._table

    def _as_inputs(self, x: Any, argument: str = "x") -> Any:
        return self.table.encode(x, argument) if is_raw_rows(x) else x

    def rows_to_inputs(self, x: Any, argument: str = "x") -> Any:
        """Raw rows -> encoded rows (``kz.zoo.fit`` and ``kz.zoo.predict`` call this); anything
        else as it is."""
        return self._as_inputs(x, argument)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "table": self.table.get_config()}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> TableModel:
        config = dict(config)
        table = config.pop("table")
        model = super().from_config(config, custom_objects=custom_objects)
        return model.with_table(table)
