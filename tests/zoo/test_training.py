"""The zoo's fit path: batch sizes from the optimizer, early stopping, validation, fast path."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest

from keras_zoo import zoo
from keras_zoo.zoo.training import split_validation


def _model(optimizer="adam", **kwargs):
    return zoo.ann(6, task="binary", hidden_units=(8,), optimizer=optimizer, seed=0, **kwargs)


def test_gd_trains_one_full_batch_per_epoch(tiny_binary):
    x, y = tiny_binary
    model = _model("gd", learning_rate=0.1)
    zoo.fit(model, x, y, epochs=5, early_stopping=False)
    assert int(model.optimizer.iterations) == 5  # 5 epochs x 1 step


def test_sgd_trains_one_sample_per_step(tiny_binary):
    x, y = tiny_binary
    model = _model("sgd")
    zoo.fit(model, x, y, epochs=2, early_stopping=False)
    assert int(model.optimizer.iterations) == 2 * len(x)


def test_minibatch_default_is_32_and_explicit_batch_size_wins(tiny_binary):
    x, y = tiny_binary
    model = _model("minibatch_sgd")
    zoo.fit(model, x, y, epochs=1, early_stopping=False)
    assert int(model.optimizer.iterations) == 2  # 64 / 32
    model = _model("gd")
    zoo.fit(model, x, y, epochs=1, batch_size=8, early_stopping=False)
    assert int(model.optimizer.iterations) == 8


def test_fast_validation_logs_match_evaluate(breast_cancer):
    d = breast_cancer
    model = zoo.ann(**d.model_kwargs(zoo.ann), hidden_units=(8,), seed=0)
    history = zoo.fit(model, d.x_train, d.y_train, validation_data=(d.x_val, d.y_val), epochs=3,
                      early_stopping=False)
    evaluated = model.evaluate(d.x_val, d.y_val, verbose=0, return_dict=True, batch_size=1024)
    assert history.history["val_loss"][-1] == pytest.approx(evaluated["loss"], rel=1e-4)
    assert history.history["val_accuracy"][-1] == pytest.approx(evaluated["accuracy"], abs=1e-6)


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


def test_early_stopping_stops_and_restores_the_best_epoch():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 6)).astype("float32")
    y = rng.integers(0, 2, size=80).astype("int32")  # pure noise: validation loss soon rises
    model = zoo.ann(6, task="binary", hidden_units=(64, 64), learning_rate=0.01, seed=0)
    history = zoo.fit(model, x, y, validation_split=0.25, epochs=200, early_stopping=5, seed=0)
    val = history.history["val_loss"]
    assert len(val) < 200
    best = int(np.argmin(val))
    assert len(val) == best + 6  # stopped after 5 epochs without improvement
    _, _, x_val, y_val = split_validation(x, y, 0.25, seed=0)
    now = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["loss"]
    assert now == pytest.approx(val[best], rel=1e-4)  # the best weights were restored


def test_validation_split_is_seeded_and_stratified():
    x = np.arange(100, dtype="float32").reshape(-1, 1)
    y = np.array([0] * 80 + [1] * 20)  # sorted: Keras' "last 10%" would hold only class 1
    _, _, _, y_val = split_validation(x, y, 0.2, seed=3)
    assert sorted(np.bincount(y_val)) == [4, 16]
    again = split_validation(x, y, 0.2, seed=3)
    np.testing.assert_array_equal(again[3], y_val)


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


def test_predict_matches_model_predict(tiny_binary):
    x, _ = tiny_binary
    model = _model()
    np.testing.assert_allclose(zoo.predict(model, x), model.predict(x, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(zoo.predict(model, x, batch_size=10),
                               model.predict(x, verbose=0), rtol=1e-5)


def test_fit_restores_steps_per_execution(tiny_binary):
    x, y = tiny_binary
    model = _model()
    assert model.steps_per_execution == 32
    zoo.fit(model, x, y, epochs=1)
    assert model.steps_per_execution == 32


def test_retracing_warnings_of_per_model_functions_are_dropped_others_kept(caplog):
    """A loop that builds and evaluates a new model each time does not print TensorFlow's
    retracing warning (each model traces its own functions), and other functions still warn."""
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for _ in range(6):  # TensorFlow warns from the 5th tracing on
            model = zoo.ann(4, task="binary", hidden_units=(4,), seed=0)
            zoo.fit(model, x, y, epochs=1, early_stopping=False)
            model.evaluate(x, y, verbose=0)
            model.predict(x, verbose=0)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]

    record = logging.LogRecord("tensorflow", logging.WARNING, __file__, 1,
                               "6 out of the last 6 calls to <function my_step at 0x0> triggered "
                               "tf.function retracing.", None, None)
    assert all(f.filter(record) for f in logging.getLogger("tensorflow").filters)
    assert tf.get_logger() is logging.getLogger("tensorflow")
