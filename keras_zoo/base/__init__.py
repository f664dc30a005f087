"""The neutral base layer: what ``zoo``, ``datasets`` and ``tuning`` all need.

Nothing here imports ``keras_zoo.zoo``, ``keras_zoo.datasets`` or ``keras_zoo.tuning`` (see
ARCHITECTURE.md): task inference and label checks (:mod:`~keras_zoo.base.tasks`), text
standardization and vocabulary rules (:mod:`~keras_zoo.base.text`), argument checks and seeding
(:mod:`~keras_zoo.base.checks`), names and "did you mean" (:mod:`~keras_zoo.base.names`), atomic
files (:mod:`~keras_zoo.base.files`), numbers as text (:mod:`~keras_zoo.base.formatting`) and the
error types (:mod:`~keras_zoo.base.errors`).
"""

from keras_zoo.base.checks import (
    check_choice,
    check_fraction,
    check_seed,
    layer_sizes,
    per_layer,
    positive_int,
    set_seed,
)
from keras_zoo.base.errors import InputError, InputFileError, InputTypeError, InputValueError
from keras_zoo.base.files import atomic_write_bytes, atomic_write_json, keras_home
from keras_zoo.base.formatting import format_number, format_value
from keras_zoo.base.names import (
    closest,
    natural_key,
    normalize_name,
    unknown_name_error,
    wildcard_filter,
)

__all__ = [
    "InputError", "InputFileError", "InputTypeError", "InputValueError",
    "atomic_write_bytes", "atomic_write_json", "check_choice", "check_fraction", "check_seed",
    "closest", "format_number", "format_value",
    "keras_home", "layer_sizes", "natural_key", "normalize_name", "per_layer", "positive_int",
    "set_seed",
    "unknown_name_error", "wildcard_filter",
]
