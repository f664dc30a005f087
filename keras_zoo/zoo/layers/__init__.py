"""Custom serializable layers and losses shared by the zoo's families.

Everything here is written with ``keras.ops`` only, so it runs on any Keras 3 backend, and is
registered under the ``keras_zoo`` package so that a saved ``.keras`` file reloads with
``keras.saving.load_model`` in safe mode once ``keras_zoo`` is imported.

* :mod:`~keras_zoo.zoo.layers.losses`: :class:`PseudoHuber`,
  :class:`SparseCategoricalCrossentropyWithSmoothing`.
* :mod:`~keras_zoo.zoo.layers.padding`: :class:`Padding2D`, :func:`pad_images`,
  :func:`canonical_pad_mode`.
* :mod:`~keras_zoo.zoo.layers.image`: :class:`MinPooling2D`, :class:`PaddedRandomCrop`,
  :class:`RandomGaussianNoise`, :class:`ImagenetPreprocessing`.
* :mod:`~keras_zoo.zoo.layers.attention`: :class:`BahdanauAttention`, :class:`LuongAttention`.
* :mod:`~keras_zoo.zoo.layers.table`: :class:`TablePreprocessing` (raw table rows, encoded).

Every class keeps its registered name (``keras_zoo>ClassName``), so ``.keras`` files saved before
the split into modules load unchanged.
"""

from keras_zoo.zoo.layers._package import PACKAGE
from keras_zoo.zoo.layers.attention import BahdanauAttention, LuongAttention
from keras_zoo.zoo.layers.image import (
    ImagenetPreprocessing,
    MinPooling2D,
    PaddedRandomCrop,
    RandomGaussianNoise,
)
from keras_zoo.zoo.layers.losses import PseudoHuber, SparseCategoricalCrossentropyWithSmoothing
from keras_zoo.zoo.layers.padding import Padding2D, canonical_pad_mode, pad_images
from keras_zoo.zoo.layers.table import TablePreprocessing

__all__ = [
    "PACKAGE",
    "BahdanauAttention",
    "ImagenetPreprocessing",
    "LuongAttention",
    "MinPooling2D",
    "PaddedRandomCrop",
    "Padding2D",
    "PseudoHuber",
    "RandomGaussianNoise",
    "SparseCategoricalCrossentropyWithSmoothing",
    "TablePreprocessing",
    "canonical_pad_mode",
    "pad_images",
]
