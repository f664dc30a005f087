"""Model factories and the building blocks they share.

Every factory returns a compiled ``keras.Model`` (unless ``compile=False``) and is registered,
so ``create_model(name, **kwargs)`` and ``keras_zoo.tuning`` build it by name. Families live in
modules named for what they hold (``tabular``, ``convolutional``, ``recurrent``, ``translation``);
the head and compile keywords every factory shares are defined once in ``factory``.
"""

from keras_zoo.base.tasks import infer_task
from keras_zoo.zoo import catalog, heads, layers
from keras_zoo.zoo.blocks import dense_block
from keras_zoo.zoo.catalog import (
    list_activations,
    list_initializers,
    list_losses,
    list_optimizers,
)
from keras_zoo.zoo.convolutional import (
    augmentation,
    cnn,
    conv_output_size,
    conv_plan,
    efficientnet_b0,
    lenet5,
    mobilenet_v2,
    resnet50,
    vgg_small,
)
from keras_zoo.zoo.heads import resolve_head
from keras_zoo.zoo.recurrent import bigru, bilstm, gru, lstm, recurrent_layer, rnn, simple_rnn
from keras_zoo.zoo.registry import create_model, list_models, model_info, register_model
from keras_zoo.zoo.sklearn import (
    ANNClassifier,
    ANNRegressor,
    ann_classifier,
    ann_pipeline,
    ann_regressor,
)
from keras_zoo.zoo.tabular import ann
from keras_zoo.zoo.training import fit, predict
from keras_zoo.zoo.translation import AttentionMap, Seq2Seq, SequenceAccuracy, seq2seq

__all__ = [
    "ANNClassifier",
    "ANNRegressor",
    "AttentionMap",
    "Seq2Seq",
    "SequenceAccuracy",
    "ann",
    "ann_classifier",
    "ann_pipeline",
    "ann_regressor",
    "augmentation",
    "bigru",
    "bilstm",
    "catalog",
    "cnn",
    "conv_output_size",
    "conv_plan",
    "create_model",
    "dense_block",
    "efficientnet_b0",
    "fit",
    "gru",
    "heads",
    "infer_task",
    "layers",
    "lenet5",
    "list_activations",
    "list_initializers",
    "list_losses",
    "list_models",
    "list_optimizers",
    "lstm",
    "mobilenet_v2",
    "model_info",
    "predict",
    "recurrent_layer",
    "register_model",
    "resnet50",
    "resolve_head",
    "rnn",
    "seq2seq",
    "simple_rnn",
    "vgg_small",
]
