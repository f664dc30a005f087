"""Model factories and the building blocks they share.

Every factory returns a compiled ``keras.Model`` (unless ``compile=False``) and is registered,
so ``create_model(name, **kwargs)`` and ``keras_zoo.tuning`` build it by name.
"""

from keras_zoo.zoo import catalog, heads, layers
from keras_zoo.zoo.ann import ann, dense_block
from keras_zoo.zoo.catalog import (
    list_activations,
    list_initializers,
    list_losses,
    list_optimizers,
)
from keras_zoo.zoo.heads import infer_task, resolve_head
from keras_zoo.zoo.registry import create_model, list_models, model_info, register_model
from keras_zoo.zoo.sklearn import (
    ANNClassifier,
    ANNRegressor,
    ann_classifier,
    ann_pipeline,
    ann_regressor,
)
from keras_zoo.zoo.training import fit, predict

# Families: each module defines __all__ and registers its factories on import.
from keras_zoo.zoo import cnn, rnn, seq2seq  # noqa: E402
from keras_zoo.zoo.cnn import *  # noqa: E402,F401,F403
from keras_zoo.zoo.rnn import *  # noqa: E402,F401,F403
from keras_zoo.zoo.seq2seq import *  # noqa: E402,F401,F403

__all__ = [
    "catalog", "heads", "layers",
    "ann", "dense_block",
    "ANNClassifier", "ANNRegressor", "ann_classifier", "ann_regressor", "ann_pipeline",
    "fit", "predict",
    "create_model", "list_models", "model_info", "register_model",
    "list_activations", "list_initializers", "list_losses", "list_optimizers",
    "infer_task", "resolve_head",
    *cnn.__all__, *rnn.__all__, *seq2seq.__all__,
]
