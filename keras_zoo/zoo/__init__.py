"""Model factories and the building blocks they share.

Every factory returns a compiled ``keras.Model`` (unless ``compile=False``) and is registered,
so ``create_model(name, **kwargs)`` and ``keras_zoo.tuning`` build it by name.
"""

from keras_zoo.base.tasks import infer_task
from keras_zoo.zoo import catalog, heads, layers

# Families: each module defines __all__ and registers its factories on import.
# (A family's factory may share its module's name, e.g. cnn.cnn: keep the modules aside.)
from keras_zoo.zoo import cnn as _cnn_module
from keras_zoo.zoo import rnn as _rnn_module
from keras_zoo.zoo import seq2seq as _seq2seq_module
from keras_zoo.zoo.ann import ann, dense_block
from keras_zoo.zoo.catalog import (
    list_activations,
    list_initializers,
    list_losses,
    list_optimizers,
)
from keras_zoo.zoo.cnn import *
from keras_zoo.zoo.heads import resolve_head
from keras_zoo.zoo.registry import create_model, list_models, model_info, register_model
from keras_zoo.zoo.rnn import *
from keras_zoo.zoo.seq2seq import *
from keras_zoo.zoo.sklearn import (
    ANNClassifier,
    ANNRegressor,
    ann_classifier,
    ann_pipeline,
    ann_regressor,
)
from keras_zoo.zoo.training import fit, predict

__all__ = [
    "catalog", "heads", "layers",
    "ann", "dense_block",
    "ANNClassifier", "ANNRegressor", "ann_classifier", "ann_regressor", "ann_pipeline",
    "fit", "predict",
    "create_model", "list_models", "model_info", "register_model",
    "list_activations", "list_initializers", "list_losses", "list_optimizers",
    "infer_task", "resolve_head",
    *_cnn_module.__all__, *_rnn_module.__all__, *_seq2seq_module.__all__,
]
