"""keras_zoo's losses: PseudoHuber and sparse cross-entropy with label smoothing, against their
formulas, through the config round trip (tests/case.py) and in a saved model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_zoo.zoo.layers import PseudoHuber, SparseCategoricalCrossentropyWithSmoothing
from tests.case import run_model_saving_test, run_serialization_test

RNG = np.random.default_rng(0)


def _loss(loss, data):
    return loss(*data)


# === PseudoHuber ===

@pytest.mark.every_backend
def test_pseudo_huber_matches_numpy_and_is_between_mse_and_mae_shapes():
    y_true = np.zeros((1, 4), dtype="float32")
    y_pred = np.array([[0.1, -0.5, 2.0, -10.0]], dtype="float32")
    delta = 1.5
    expected = np.mean(delta**2 * (np.sqrt(1 + (y_pred / delta) ** 2) - 1))
    assert float(PseudoHuber(delta)(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match=r"`delta` must be positive\. Received: delta=0\.0"):
        PseudoHuber(0.0)


@pytest.mark.every_backend
def test_pseudo_huber_takes_rank_one_targets_like_keras_losses():
    """Targets (n,) against outputs (n, 1) pair element by element, never broadcast to (n, n)."""
    y_true = np.array([0.0, 10.0, -4.0], dtype="float32")
    y_pred = np.array([[1.0], [7.0], [-4.5]], dtype="float32")
    loss = PseudoHuber(2.0)
    expected = float(loss(y_true[:, None], y_pred))
    assert float(loss(y_true, y_pred)) == pytest.approx(expected, rel=1e-6)
    assert float(loss(y_pred, y_true)) == pytest.approx(expected, rel=1e-6)
    huber = keras.losses.Huber(2.0)  # the same pairing Keras' Huber uses
    assert float(huber(y_true, y_pred)) == pytest.approx(float(huber(y_true[:, None], y_pred)))


@pytest.mark.every_backend
def test_pseudo_huber_round_trips():
    data = (RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=(4, 3)).astype("float32"))
    copy = run_serialization_test(PseudoHuber(2.5, reduction="sum", name="ph"), data, call=_loss)
    assert (copy.delta, copy.reduction, copy.name) == (2.5, "sum", "ph")


# === SparseCategoricalCrossentropyWithSmoothing ===

@pytest.mark.every_backend
def test_sparse_label_smoothing_equals_categorical_on_one_hot():
    y = np.array([0, 2, 1])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]], dtype="float32")
    sparse = SparseCategoricalCrossentropyWithSmoothing(label_smoothing=0.1)(y, probs)
    dense = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(np.eye(3)[y], probs)
    assert float(sparse) == pytest.approx(float(dense), rel=1e-6)
    column = SparseCategoricalCrossentropyWithSmoothing(label_smoothing=0.1)(y[:, None], probs)
    assert float(column) == pytest.approx(float(dense), rel=1e-6)  # labels (n, 1) as well


@pytest.mark.every_backend
def test_sparse_label_smoothing_from_logits_and_errors():
    y = np.array([1, 0])
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]], dtype="float32")
    smoothed = SparseCategoricalCrossentropyWithSmoothing(0.2, from_logits=True)(y, logits)
    dense = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2)(
        np.eye(3)[y], logits)
    assert float(smoothed) == pytest.approx(float(dense), rel=1e-6)
    with pytest.raises(ValueError, match=r"in \[0, 1\)\. Received: label_smoothing=1\.0"):
        SparseCategoricalCrossentropyWithSmoothing(1.0)


@pytest.mark.every_backend
def test_sparse_label_smoothing_round_trips():
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(RNG.normal(size=(5, 4)).astype("float32")))
    data = (np.array([0, 3, 1, 2, 2]), probs)
    copy = run_serialization_test(SparseCategoricalCrossentropyWithSmoothing(0.15), data,
                                  call=_loss)
    assert (copy.label_smoothing, copy.from_logits) == (0.15, False)


# === Saving ===

@pytest.mark.every_backend
@pytest.mark.parametrize("loss", [PseudoHuber(0.5),
                                  SparseCategoricalCrossentropyWithSmoothing(0.1)])
def test_a_model_compiled_with_each_loss_saves_and_reloads_it(loss, tmp_path):
    units = 1 if isinstance(loss, PseudoHuber) else 3
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=(
        None if units == 1 else "softmax"))], name=f"with_{loss.name}")
    model.compile("sgd", loss)
    reloaded = run_model_saving_test(model, RNG.normal(size=(6, 4)).astype("float32"), tmp_path)
    assert type(reloaded.loss) is type(loss)
    assert reloaded.loss.get_config() == loss.get_config()
