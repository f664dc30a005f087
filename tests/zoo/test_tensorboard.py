"""kz.zoo.fit(tensorboard=...) and keras-zoo train --tensorboard: Keras' TensorBoard logs,
read back with TensorBoard's event reader."""

from __future__ import annotations

import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import cli
from keras_zoo.base.errors import InputValueError
from tests.case import read_tensorboard, scalars


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype("int32")


@pytest.mark.every_backend
@pytest.mark.parametrize("fast", [True, False])
def test_fit_writes_the_epoch_curves_keras_logged(tmp_path, fast):
    x, y = _data()
    model = kz.zoo.ann(4, task="binary", hidden_units=(8,), seed=0)
    history = kz.zoo.fit(model, x, y, validation_split=0.25, epochs=4, early_stopping=False,
                         seed=0, fast=fast, tensorboard=tmp_path / "run1")
    runs = read_tensorboard(tmp_path / "run1")
    assert {"train", "validation"} <= set(runs)
    for run, prefix in (("train", ""), ("validation", "val_")):
        for metric in ("loss", "accuracy"):
            points = scalars(runs[run], f"epoch_{metric}")
            assert [step for step, _ in points] == [0, 1, 2, 3]
            np.testing.assert_allclose([v for _, v in points],
                                       history.history[prefix + metric], rtol=1e-6)
    assert [v for _, v in scalars(runs["train"], "epoch_learning_rate")] == pytest.approx(
        [1e-3] * 4)
    assert any(tag == "keras" for tag, *_ in runs["train"])  # the model's summary


@pytest.mark.every_backend
def test_a_dict_passes_the_callbacks_arguments_with_early_stopping(tmp_path):
    x, y = _data()
    model = kz.zoo.ann(4, task="binary", hidden_units=(8,), seed=0)
    history = kz.zoo.fit(model, x, y, validation_split=0.25, epochs=30, early_stopping=2,
                         seed=0, tensorboard={"log_dir": str(tmp_path / "r"),
                                              "histogram_freq": 1, "write_graph": False})
    epochs = len(history.history["loss"])
    runs = read_tensorboard(tmp_path / "r")
    assert len(scalars(runs["validation"], "epoch_loss")) == epochs
    histograms = {tag for tag, _, _, plugin in runs["train"] if plugin == "histograms"}
    assert any("kernel" in tag for tag in histograms), histograms
    assert not any(tag == "keras" for tag, *_ in runs["train"])  # write_graph=False


@pytest.mark.parametrize("bad, words", [
    (3, "must be a log directory"),
    ({"histogram_freq": 1}, "needs a log directory"),
    ({"log_dir": ""}, "needs a log directory"),
    ({"log_dir": "x", "histogram": 1}, "Accepted: the arguments of keras.callbacks.TensorBoard"),
])
def test_bad_tensorboard_arguments_are_refused_before_training(tmp_path, bad, words):
    x, y = _data()
    model = kz.zoo.ann(4, task="binary", hidden_units=(8,), seed=0)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(InputValueError, match=words):
        kz.zoo.fit(model, x, y, epochs=2, tensorboard=bad)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_cli_train_tensorboard(tmp_path, capsys):
    logs = tmp_path / "tb"
    assert cli.main(["train", "ann", "--dataset", "iris", "--epochs", "3", "--patience", "0",
                     "--set", "hidden_units=8", "--quiet", "--tensorboard", str(logs)]) == 0
    assert f"tensorboard --logdir {logs}" in capsys.readouterr().out
    runs = read_tensorboard(logs)
    assert len(scalars(runs["train"], "epoch_loss")) == 3
    assert len(scalars(runs["validation"], "epoch_accuracy")) == 3
