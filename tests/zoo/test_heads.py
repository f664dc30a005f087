"""Task heads: inference rule, defaults, contradictions."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from keras_zoo.base.tasks import check_labels, infer_task
from keras_zoo.zoo import heads
from keras_zoo.zoo.heads import resolve_head


@pytest.mark.parametrize("y,task", [
    ([0, 1, 1, 0], "binary"),
    (["spam", "ham", "spam"], "binary"),
    ([True, False, True], "binary"),
    ([0.0, 1.0, 1.0], "binary"),
    ([0, 1, 2, 2, 1], "multiclass"),
    (["a", "b", "c"], "multiclass"),
    (pd.Series(["x", "y", "z"], dtype="category"), "multiclass"),
    (np.eye(3)[[0, 2, 1, 1]], "multiclass"),          # one-hot rows
    (np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]]), "multilabel"),
    ([0.5, 1.25, 3.0], "regression"),
    (np.arange(50), "regression"),                      # integers, but too many distinct values
    (np.random.default_rng(0).normal(size=(10, 2)), "regression"),
])
def test_infer_task_rule(y, task):
    assert infer_task(y) == task


def test_infer_task_max_classes_is_the_threshold():
    y = np.arange(20).repeat(2)
    assert infer_task(y) == "multiclass"
    assert infer_task(np.arange(21).repeat(2)) == "regression"
    assert infer_task(np.arange(21).repeat(2), max_classes=30) == "multiclass"


@pytest.mark.parametrize("task,units,activation,loss_cls", [
    ("binary", 1, "sigmoid", keras.losses.BinaryCrossentropy),
    ("multiclass", 4, "softmax", keras.losses.SparseCategoricalCrossentropy),
    ("multilabel", 4, "sigmoid", keras.losses.BinaryCrossentropy),
    ("regression", 1, "linear", keras.losses.MeanSquaredError),
])
def test_defaults_per_task(task, units, activation, loss_cls):
    head = resolve_head(task, num_classes=4 if task in ("multiclass", "multilabel") else None)
    assert head.units == units
    assert head.activation == activation
    assert isinstance(head.loss, loss_cls)


@pytest.mark.parametrize("loss", ["categorical_crossentropy", "categorical_hinge", "kl_divergence"])
def test_a_one_hot_loss_implies_one_hot_labels(loss):
    assert resolve_head("multiclass", num_classes=3, loss=loss).label_format == "onehot"
    with pytest.raises(ValueError, match="expects onehot labels, but label_format='sparse'"):
        resolve_head("multiclass", num_classes=3, loss=loss, label_format="sparse")


@pytest.mark.parametrize("label_format", ["onehot", "one-hot", "categorical"])
def test_one_hot_multiclass_uses_categorical_crossentropy(label_format):
    head = resolve_head("multiclass", num_classes=3, label_format=label_format)
    assert isinstance(head.loss, keras.losses.CategoricalCrossentropy)
    assert head.label_format == "onehot"
    assert resolve_head("multiclass", num_classes=3, label_format="integer").label_format == "sparse"
    with pytest.raises(ValueError, match="must be one of 'sparse', 'onehot'"):
        resolve_head("multiclass", num_classes=3, label_format="dense")


@pytest.mark.parametrize("loss,cls", [("mae", keras.losses.MeanAbsoluteError),
                                      ("huber", keras.losses.Huber)])
def test_regression_losses_selectable(loss, cls):
    assert isinstance(resolve_head("regression", loss=loss).loss, cls)


def test_task_from_num_classes_or_loss():
    assert resolve_head(num_classes=2).task == "binary"
    assert resolve_head(num_classes=5).task == "multiclass"
    assert resolve_head(loss="huber").task == "regression"
    with pytest.raises(ValueError, match="Cannot tell the task"):
        resolve_head()


@pytest.mark.parametrize("kwargs,needle", [
    ({"task": "multiclass", "num_classes": 1}, "num_classes >= 2"),
    ({"task": "binary", "output_activation": "softmax"}, "softmax over one unit"),
    ({"task": "regression", "output_activation": "softmax"}, "softmax over one unit"),
    ({"task": "multiclass", "num_classes": 3, "output_activation": "sigmoid"},
     "sigmoid outputs with categorical cross-entropy"),
    ({"task": "multiclass", "num_classes": 3, "output_activation": "sigmoid",
      "loss": "categorical_crossentropy", "label_format": "onehot"},
     "sigmoid outputs with categorical cross-entropy"),
    ({"task": "multilabel", "num_classes": 3, "output_activation": "softmax"}, "independent sigmoid"),
    ({"task": "regression", "loss": "binary_crossentropy"}, "not task='regression'"),
    ({"task": "binary", "loss": "sparse_categorical_crossentropy"}, "multiclass tasks"),
    ({"task": "multiclass", "num_classes": 3, "loss": "categorical_crossentropy",
      "label_format": "sparse"}, "expects onehot labels"),
    ({"task": "binary", "num_classes": 3}, "task='binary' has 2 classes"),
    ({"task": "ranking"}, "`task` must be one of"),
    ({"task": "binary", "label_smoothing": 1.0}, "label_smoothing"),
])
def test_contradictions_raise(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        resolve_head(**kwargs)


def test_continuous_labels_for_a_classifier_raise():
    with pytest.raises(ValueError, match="labels are continuous"):
        check_labels(np.array([0.1, 0.7, 1.0]), "binary")
    with pytest.raises(ValueError, match="needs numeric targets"):
        check_labels(np.array(["a", "b"]), "regression")
    with pytest.raises(ValueError, match="needs two classes"):
        check_labels(np.array([0, 1, 2]), "binary")


@pytest.mark.every_backend
def test_binary_threshold_follows_output_activation():
    sigmoid = heads.default_metrics("binary", "sigmoid")[0]
    tanh = heads.default_metrics("binary", "tanh")[0]
    assert sigmoid.threshold == 0.5 and tanh.threshold == 0.0


@pytest.mark.every_backend
def test_poisson_regression_uses_exponential_output():
    assert resolve_head("regression", loss="poisson").activation == "exponential"


def test_regression_metrics_are_mae_and_r2():
    names = [m.name for m in heads.default_metrics("regression")]
    assert names == ["mae", "r2"]
