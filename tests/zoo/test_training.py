"""The zoo's fit path: batch sizes from the optimizer, early stopping, validation, fast path."""

from __future__ import annotations

import logging
import re

import keras
import numpy as np
import pytest

from keras_zoo import zoo
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import fast_loop, training
from keras_zoo.zoo.training import split_validation


def _model(optimizer="adam", **kwargs):
    return zoo.ann(6, task="binary", hidden_units=(8,), optimizer=optimizer, seed=0, **kwargs)


@pytest.mark.every_backend
def test_gd_trains_one_full_batch_per_epoch(tiny_binary):
    x, y = tiny_binary
    model = _model("gd", learning_rate=0.1)
    zoo.fit(model, x, y, epochs=5, early_stopping=False)
    assert int(model.optimizer.iterations) == 5  # 5 epochs x 1 step


@pytest.mark.every_backend
def test_sgd_trains_one_sample_per_step(tiny_binary):
    x, y = tiny_binary
    model = _model("sgd")
    zoo.fit(model, x, y, epochs=2, early_stopping=False)
    assert int(model.optimizer.iterations) == 2 * len(x)


@pytest.mark.every_backend
def test_minibatch_default_is_32_and_explicit_batch_size_wins(tiny_binary):
    x, y = tiny_binary
    model = _model("minibatch_sgd")
    zoo.fit(model, x, y, epochs=1, early_stopping=False)
    assert int(model.optimizer.iterations) == 2  # 64 / 32
    model = _model("gd")
    zoo.fit(model, x, y, epochs=1, batch_size=8, early_stopping=False)
    assert int(model.optimizer.iterations) == 8


@pytest.mark.every_backend
def test_fast_validation_logs_match_evaluate(breast_cancer):
    d = breast_cancer
    model = zoo.ann(**d.model_kwargs(zoo.ann), hidden_units=(8,), seed=0)
    history = zoo.fit(model, d.x_train, d.y_train, validation_data=(d.x_val, d.y_val), epochs=3,
                      early_stopping=False)
    evaluated = model.evaluate(d.x_val, d.y_val, verbose=0, return_dict=True, batch_size=1024)
    assert history.history["val_loss"][-1] == pytest.approx(evaluated["loss"], rel=1e-4)
    assert history.history["val_accuracy"][-1] == pytest.approx(evaluated["accuracy"], abs=1e-6)


@pytest.mark.every_backend
def test_fast_and_plain_paths_learn_the_same_amount(breast_cancer):
    d = breast_cancer
    scores = []
    for fast in (True, False):
        keras.backend.clear_session()
        model = zoo.ann(**d.model_kwargs(zoo.ann), hidden_units=(16,), seed=0)
        zoo.fit(model, d.x_train, d.y_train, validation_data=(d.x_val, d.y_val), epochs=15,
                early_stopping=False, seed=0, fast=fast)
        scores.append(model.evaluate(d.x_test, d.y_test, verbose=0, return_dict=True)["accuracy"])
    assert min(scores) > 0.9
    assert abs(scores[0] - scores[1]) < 0.05


class _WeightsPerEpoch(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


@pytest.mark.every_backend
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "plain"])
def test_early_stopping_restores_the_best_epochs_weights(fast, monkeypatch):
    """Training targets y = x, validation targets y = x / 2: from w = 0 the one weight climbs
    towards 1, so the validation loss falls until w passes 0.5 and rises after. Training stops
    `patience` epochs later and the weights of the best epoch (not the last) are restored."""
    fast_calls = []
    monkeypatch.setattr(training, "fast_fit",
                        lambda *a, **k: fast_calls.append(1) or fast_loop.fast_fit(*a, **k))
    x = np.linspace(-1, 1, 32, dtype="float32").reshape(-1, 1)
    model = keras.Sequential([keras.Input((1,)),
                              keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    snapshots = _WeightsPerEpoch()
    history = zoo.fit(model, x, x, validation_data=(x, x / 2), epochs=50, batch_size=32,
                      early_stopping=3, callbacks=[snapshots], seed=0, fast=fast)
    assert len(fast_calls) == int(fast)  # the path under test was taken

    val = history.history["val_loss"]
    best = int(np.argmin(val))
    assert 0 < best < len(val) - 1 and val[-1] > val[best]  # it got worse after the best epoch
    assert len(val) == best + 4 < 50  # stopped after 3 epochs without improvement
    final = model.get_weights()
    for got, kept in zip(final, snapshots.weights[best]):
        np.testing.assert_array_equal(got, kept)  # the best epoch's weights ...
    assert not np.array_equal(final[0], snapshots.weights[-1][0])  # ... not the last epoch's
    now = model.evaluate(x, x / 2, verbose=0, return_dict=True)["loss"]
    assert now == pytest.approx(val[best], rel=1e-5)
    assert now < val[-1]


def _reference_class_weights(y, class_weight, sample_weight):
    """The hand-rolled conversion that class_weights_to_sample_weights replaced."""
    one_hot = y.ndim > 1 and y.shape[-1] > 1
    labels = (np.argmax(y, axis=-1) if one_hot else y.reshape(len(y), -1)[:, 0]).astype("int64")
    weights = np.array([class_weight[int(c)] for c in labels], dtype="float32")
    if sample_weight is not None:
        weights = weights * np.asarray(sample_weight, dtype="float32")
    return weights


@pytest.mark.parametrize("y,class_weight", [
    (np.array([0, 1, 2, 1, 0, 2, 2]), {0: 1.0, 1: 2.5, 2: 0.3}),
    (np.array([0, 1, 1, 0]), {0: 0.2, 1: 3.0, 7: 9.0}),  # an extra class is ignored
    (np.array([0.0, 1.0, 1.0, 0.0], dtype="float32"), {np.int64(0): 1.5, np.int64(1): 0.5}),
    (np.array([[1], [0], [1]], dtype="int32"), {0: 1, 1: 4}),  # (samples, 1) labels
    (np.eye(3, dtype="float32")[[2, 0, 1, 2]], {0: 1.0, 1: 1 / 3, 2: 7.0}),  # one-hot rows
])
@pytest.mark.parametrize("with_sample_weight", [False, True])
def test_class_weights_to_sample_weights_is_the_former_conversion(y, class_weight,
                                                                   with_sample_weight):
    sw = np.linspace(0.5, 2.0, len(y)) if with_sample_weight else None
    got = training.class_weights_to_sample_weights(y, class_weight, sw)
    expected = _reference_class_weights(y, class_weight, sw)
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(got, expected)


def test_class_weights_without_a_weight_for_a_class_are_refused():
    with pytest.raises(InputValueError, match=re.escape(
            "`class_weight` has no weight for classes [2]. "
            "Received: class_weight={0: 1.0, 1: 2.0}")):
        training.class_weights_to_sample_weights(np.array([0, 1, 2]), {0: 1.0, 1: 2.0}, None)


@pytest.mark.every_backend
def test_class_weight_weighs_the_fast_path_loss_as_model_fit_does(tiny_binary):
    x, y = tiny_binary
    losses = []
    for fast in (True, False):
        keras.backend.clear_session()
        model = _model("gd")  # one full batch: the loss logged is the loss before the update
        history = zoo.fit(model, x, y, epochs=1, early_stopping=False, fast=fast,
                          class_weight={0: 0.25, 1: 3.0})
        losses.append(history.history["loss"][0])
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


def test_validation_split_is_seeded_and_stratified():
    x = np.arange(100, dtype="float32").reshape(-1, 1)
    y = np.array([0] * 80 + [1] * 20)  # sorted: Keras' "last 10%" would hold only class 1
    _, _, _, y_val = split_validation(x, y, 0.2, seed=3)
    assert sorted(np.bincount(y_val)) == [4, 16]
    again = split_validation(x, y, 0.2, seed=3)
    np.testing.assert_array_equal(again[3], y_val)


@pytest.mark.every_backend
def test_same_seed_same_result(tiny_binary):
    x, y = tiny_binary
    weights = []
    for _ in range(2):
        keras.backend.clear_session()
        model = _model()
        zoo.fit(model, x, y, validation_split=0.25, epochs=3, seed=7)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("kwargs,needle", [
    ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"),
    ({"early_stopping": -3, "validation_split": 0.2}, "early_stopping"),
    ({"validation_split": 1.0}, "validation_split"),
])
def test_bad_arguments(tiny_binary, kwargs, needle):
    x, y = tiny_binary
    with pytest.raises(ValueError, match=needle):
        zoo.fit(_model(), x, y, **kwargs)


def test_mismatched_lengths_and_empty_data(tiny_binary):
    x, y = tiny_binary
    with pytest.raises(ValueError, match="64 samples but y has 10"):
        zoo.fit(_model(), x, y[:10])
    with pytest.raises(ValueError, match="empty"):
        zoo.fit(_model(), x[:0], y[:0])


@pytest.mark.every_backend
def test_predict_matches_model_predict(tiny_binary):
    x, _ = tiny_binary
    model = _model()
    np.testing.assert_allclose(zoo.predict(model, x), model.predict(x, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(zoo.predict(model, x, batch_size=10),
                               model.predict(x, verbose=0), rtol=1e-5)


@pytest.mark.every_backend
def test_fit_restores_steps_per_execution(tiny_binary):
    x, y = tiny_binary
    model = _model()
    expected = 1 if keras.backend.backend() == "torch" else 32  # torch: one step per call
    assert model.steps_per_execution == expected
    zoo.fit(model, x, y, epochs=1)
    assert model.steps_per_execution == expected


def test_retracing_warnings_of_per_model_functions_are_dropped_others_kept(caplog):
    """A loop that builds a new model and trains and predicts with the zoo each time does not
    print TensorFlow's retracing warning (each model traces its own functions); other functions
    still warn, and the filter is on TensorFlow's logger only while the zoo's call runs."""
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for fast in (True, False):
            for _ in range(6):  # TensorFlow warns from the 5th tracing on
                model = zoo.ann(4, task="binary", hidden_units=(4,), seed=0)
                zoo.fit(model, x, y, validation_split=0.25, epochs=1, early_stopping=False,
                        fast=fast)
                zoo.predict(model, x)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
    assert fast_loop.quiet_own_retracing.filter not in logging.getLogger("tensorflow").filters

    record = logging.LogRecord("tensorflow", logging.WARNING, __file__, 1,
                               "6 out of the last 6 calls to <function my_step at 0x0> triggered "
                               "tf.function retracing.", None, None)
    with fast_loop.quiet_own_retracing():
        assert all(f.filter(record) for f in logging.getLogger("tensorflow").filters)
    assert tf.get_logger() is logging.getLogger("tensorflow")


# === Issue 23 items 13-14: progress when someone watches; one sample predicts ===

@pytest.mark.every_backend
def test_fit_is_silent_in_logs_and_tests_and_shows_epochs_to_a_watcher(tiny_binary, capsys,
                                                                       monkeypatch):
    x, y = tiny_binary
    zoo.fit(_model(), x, y, epochs=3, early_stopping=False)
    assert capsys.readouterr().out == ""  # pytest's stdout is no terminal: silent
    from keras_zoo.zoo import callbacks

    monkeypatch.setattr(callbacks, "interactive", lambda: True)
    for fast in (True, False):
        zoo.fit(_model(), x, y, epochs=3, early_stopping=False, fast=fast)
        lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
        assert [line.split()[:2] for line in lines] == [["epoch", f"{i}/3"] for i in (1, 2, 3)]
        assert all("loss" in line for line in lines)
    zoo.fit(_model(), x, y, epochs=3, early_stopping=False, verbose=0)
    assert capsys.readouterr().out == ""


@pytest.mark.every_backend
def test_searches_and_estimators_train_silently_even_when_watched(tiny_binary, capsys,
                                                                  monkeypatch, tmp_path):
    import keras_zoo as kz
    from keras_zoo.zoo import callbacks

    monkeypatch.setattr(callbacks, "interactive", lambda: True)
    x, y = tiny_binary
    kz.zoo.ann_classifier(hidden_units=(4,), epochs=2).fit(x, y)
    data = kz.load("iris", seed=0)
    kz.tuning.search("ann", data, {"learning_rate": [0.01]}, epochs=2,
                     directory=str(tmp_path / "s"), verbose=0)
    captured = capsys.readouterr()
    assert "epoch" not in captured.out and "epoch" not in captured.err


PTY_FIT = r"""
import numpy as np, keras_zoo as kz
x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32"); y = (x[:, 0] > 0).astype("int32")
kz.zoo.fit(kz.zoo.ann(3, task="binary", hidden_units=(4,)), x, y, epochs=2, early_stopping=False)
print("done")
"""


@pytest.mark.every_backend
def test_a_terminal_sees_the_progress_line(tmp_path):
    """The real detection: standard output on a pseudo-terminal."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", PTY_FIT], stdout=follower,
                            stderr=subprocess.DEVNULL, close_fds=True)
    os.close(follower)
    out = b""
    while True:  # until the child closes its end (bounded by the child's timeout below)
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the child exited
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    assert proc.wait(timeout=300) == 0
    text = out.decode(errors="replace")
    assert "epoch 2/2" in text and "\r\x1b[K" in text and "done" in text  # rewritten in place


@pytest.mark.every_backend
def test_predict_takes_one_sample_as_a_batch_of_one():
    cnn = zoo.cnn(input_shape=(8, 8, 1), num_classes=3, filters=(4,), seed=0)
    images = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    batch = zoo.predict(cnn, images)
    one = zoo.predict(cnn, images[2])  # (H, W, C)
    assert one.shape == (1, 3) and np.allclose(one, batch[2:3], atol=1e-6)
    assert np.allclose(zoo.predict(cnn, images[2, :, :, 0]), one, atol=1e-6)  # (H, W) grayscale
    assert np.allclose(zoo.predict(cnn, images[..., 0]), batch, atol=1e-6)  # (n, H, W)
    ann = _model()
    row = np.zeros(6, "float32")
    assert zoo.predict(ann, row).shape == (1, 1)
    with pytest.raises(InputValueError, match=r"shape \(n, 6\), or one sample of shape \(6,\)"
                       r"\. Received: an array of shape \(2, 3, 6\)"):
        zoo.predict(ann, np.zeros((2, 3, 6), "float32"))
    with pytest.raises(InputValueError, match="9 rows instead of 8"):
        zoo.predict(cnn, np.zeros((2, 9, 8, 1), "float32"))
