"""Name -> Keras object tables for activations, losses, optimizers and initializers.

Every table accepts its canonical names, aliases (``xavier_uniform`` for ``glorot_uniform``,
``kaiming_normal`` for ``he_normal``, ``bce`` for ``binary_crossentropy`` ...) and any spelling that
differs only in case, dashes, spaces or CamelCase (``"LeakyReLU"``, ``"leaky-relu"``, ``"leaky_relu"``).
A component can be given as

* a name: ``"adam"``;
* a dict with a ``"name"`` and that component's settings: ``{"name": "leaky_relu", "negative_slope": 0.1}``;
* a Keras object (or any callable), used as it is.

An unknown name raises ``ValueError`` listing the valid names and the closest one.

Names resolve through Keras' own lookups (``keras.activations.get``, ``keras.losses.get``,
``keras.optimizers.get``, ``keras.initializers.get``): an entry names the Keras identifier or
class name and its default settings; the catalog adds the aliases, the descriptions, the facts
of ``entries[name].extra`` and keras_zoo's own losses. One module per table
(:mod:`~keras_zoo.zoo.catalog.activations`, :mod:`~keras_zoo.zoo.catalog.losses`,
:mod:`~keras_zoo.zoo.catalog.optimizers`, :mod:`~keras_zoo.zoo.catalog.initializers`) on top of
the shared machinery (:mod:`~keras_zoo.zoo.catalog.table`).

Example:
    >>> from keras_zoo.zoo import catalog
    >>> catalog.get_optimizer("momentum", learning_rate=0.05).momentum
    0.9
    >>> catalog.canonical_activation("Leaky-ReLU")
    'leaky_relu'
"""

from keras_zoo.zoo.catalog.activations import (
    ACTIVATIONS,
    activation_function,
    activation_layer,
    canonical_activation,
    get_activation,
    list_activations,
)
from keras_zoo.zoo.catalog.initializers import (
    INITIALIZERS,
    canonical_initializer,
    default_initializer,
    get_initializer,
    list_initializers,
)
from keras_zoo.zoo.catalog.losses import LOSSES, canonical_loss, get_loss, list_losses
from keras_zoo.zoo.catalog.optimizers import (
    OPTIMIZERS,
    canonical_optimizer,
    get_optimizer,
    implied_batch_size,
    list_optimizers,
)
from keras_zoo.zoo.catalog.table import ComponentInfo, ComponentTable

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "OPTIMIZERS",
    "ComponentInfo",
    "ComponentTable",
    "activation_function",
    "activation_layer",
    "canonical_activation",
    "canonical_initializer",
    "canonical_loss",
    "canonical_optimizer",
    "default_initializer",
    "get_activation",
    "get_initializer",
    "get_loss",
    "get_optimizer",
    "implied_batch_size",
    "list_activations",
    "list_initializers",
    "list_losses",
    "list_optimizers",
]
