"""The component catalog: every name builds and trains; aliases; errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_zoo import zoo
from keras_zoo.zoo import catalog
from keras_zoo.zoo.layers import PseudoHuber, SparseCategoricalCrossentropyWithSmoothing

X = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
Y_BIN = (X[:, 0] > 0).astype("float32")
Y_CLS = (np.digitize(X[:, 0], [-0.5, 0.5])).astype("int32")
Y_REG = (X @ np.array([1.0, -2.0, 0.5, 0.0], dtype="float32")).astype("float32")


def _one_step_changes_weights(model: keras.Model, x, y, batch_size=16) -> bool:
    model.run_eagerly = True  # one step: skip graph tracing (the suite runs ~100 of these)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    after = model.get_weights()
    return any(not np.allclose(a, b) for a, b in zip(before, after))


@pytest.mark.parametrize("name", catalog.ACTIVATIONS.names())
def test_every_activation_builds_and_trains_a_step(name):
    model = zoo.ann(4, task="binary", hidden_units=(5,), activation=name, seed=0)
    assert _one_step_changes_weights(model, X, Y_BIN)


@pytest.mark.parametrize("name", catalog.OPTIMIZERS.names())
def test_every_optimizer_builds_and_trains_a_step(name):
    model = zoo.ann(4, task="binary", hidden_units=(5,), optimizer=name, learning_rate=0.05,
                    clipnorm=1.0, seed=0)
    assert model.optimizer.name == name
    assert model.optimizer.clipnorm == 1.0
    assert _one_step_changes_weights(model, X, Y_BIN)


@pytest.mark.parametrize("name", catalog.INITIALIZERS.names())
def test_every_initializer_builds_and_trains_a_step(name):
    model = zoo.ann(4, task="regression", hidden_units=(5,), initializer=name, seed=0)
    kernel = model.get_layer("hidden_1").kernel.numpy()
    if name == "zeros":
        assert np.all(kernel == 0)
    elif name == "ones":
        assert np.all(kernel == 1)
    else:
        assert kernel.std() > 0
    assert _one_step_changes_weights(model, X, Y_REG)


def _task_for_loss(name: str) -> tuple[dict, np.ndarray]:
    tasks = catalog.LOSSES.entries[name].extra["tasks"]
    labels = catalog.LOSSES.entries[name].extra["labels"]
    if "regression" in tasks:
        y = np.abs(Y_REG) + 0.1 if name in ("msle", "poisson", "mape") else Y_REG
        return {"task": "regression"}, y
    if "binary" in tasks:
        return {"task": "binary"}, Y_BIN
    if labels == "onehot":
        return ({"task": "multiclass", "num_classes": 3, "label_format": "onehot"},
                np.eye(3, dtype="float32")[Y_CLS])
    return {"task": "multiclass", "num_classes": 3}, Y_CLS


@pytest.mark.parametrize("name", catalog.LOSSES.names())
def test_every_loss_builds_and_trains_a_step(name):
    kwargs, y = _task_for_loss(name)
    model = zoo.ann(4, hidden_units=(5,), loss=name, seed=0, **kwargs)
    assert _one_step_changes_weights(model, X, y)


@pytest.mark.parametrize("spelling", ["LeakyReLU", "leaky-relu", "leaky_relu", "Leaky ReLU",
                                      "LEAKY_RELU", "lrelu"])
def test_activation_spellings_and_aliases(spelling):
    assert catalog.canonical_activation(spelling) == "leaky_relu"


@pytest.mark.parametrize("alias,canonical", [
    ("xavier_uniform", "glorot_uniform"), ("Xavier-Normal", "glorot_normal"),
    ("kaiming_normal", "he_normal"), ("KaimingUniform", "he_uniform"), ("lecun", "lecun_normal"),
])
def test_initializer_aliases(alias, canonical):
    assert catalog.canonical_initializer(alias) == canonical


@pytest.mark.parametrize("alias,canonical", [
    ("bce", "binary_crossentropy"), ("Mean-Squared-Error", "mse"), ("scce", 
     "sparse_categorical_crossentropy"), ("smooth_l1", "huber"), ("logcosh", "log_cosh"),
])
def test_loss_aliases(alias, canonical):
    assert catalog.canonical_loss(alias) == canonical


def test_leaky_relu_slope_is_settable_and_prelu_is_a_layer():
    model = zoo.ann(4, task="binary", hidden_units=(3, 3),
                    activation=[{"name": "leaky_relu", "negative_slope": 0.2}, "prelu"])
    leaky = [l for l in model.layers if isinstance(l, keras.layers.LeakyReLU)]
    prelu = [l for l in model.layers if isinstance(l, keras.layers.PReLU)]
    assert len(leaky) == 1 and leaky[0].negative_slope == pytest.approx(0.2)
    assert len(prelu) == 1 and prelu[0].trainable_weights  # the slope is learned
    out = leaky[0](np.array([[-1.0, 2.0]], dtype="float32")).numpy()
    np.testing.assert_allclose(out, [[-0.2, 2.0]])


def test_default_leaky_relu_slope_is_001():
    layer = catalog.activation_layer("leaky_relu")
    assert layer.negative_slope == pytest.approx(0.01)


@pytest.mark.parametrize("table,getter,bad,hint", [
    ("activation", catalog.get_activation, "rellu", "relu"),
    ("optimizer", catalog.get_optimizer, "adamm", "adam"),
    ("loss", catalog.get_loss, "binary_crossentropi", "binary_crossentropy"),
    ("initializer", catalog.get_initializer, "he_normall", "he_normal"),
])
def test_unknown_names_list_valid_names_and_closest(table, getter, bad, hint):
    with pytest.raises(ValueError) as err:
        getter(bad)
    message = str(err.value)
    assert f"Did you mean {hint!r}" in message
    assert f"Unknown {table}" in message and bad in message
    assert hint in message.split("must be one of:")[1]


def test_unknown_setting_is_an_error_not_ignored():
    with pytest.raises(ValueError, match="Invalid settings for activation 'leaky_relu'"):
        catalog.activation_layer({"name": "leaky_relu", "slope": 0.1})


def test_gd_and_sgd_imply_their_batch_sizes():
    assert catalog.implied_batch_size("gd", 400) == 400
    assert catalog.implied_batch_size("full-batch-gd", 400) == 400
    assert catalog.implied_batch_size("sgd", 400) == 1
    assert catalog.implied_batch_size("minibatch_sgd", 400) is None
    assert catalog.implied_batch_size(catalog.get_optimizer("gd"), 10) == 10


def test_momentum_and_nesterov_settings():
    assert catalog.get_optimizer("momentum").momentum == pytest.approx(0.9)
    nag = catalog.get_optimizer({"name": "nesterov", "momentum": 0.95})
    assert nag.nesterov and nag.momentum == pytest.approx(0.95)


@pytest.mark.parametrize("kwargs,needle", [
    ({"learning_rate": 0}, "learning_rate"),
    ({"clipnorm": -1.0}, "clipnorm"),
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, "at most one"),
])
def test_optimizer_bad_settings(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        catalog.get_optimizer("adam", **kwargs)


def test_clipvalue_clips_every_gradient():
    opt = catalog.get_optimizer("minibatch_sgd", learning_rate=1.0, clipvalue=0.1)
    var = keras.Variable(np.zeros(3, dtype="float32"))
    opt.apply([keras.ops.convert_to_tensor(np.array([5.0, -5.0, 0.05], dtype="float32"))], [var])
    np.testing.assert_allclose(var.numpy(), [-0.1, 0.1, -0.05], rtol=1e-6)


def test_pseudo_huber_matches_numpy_and_is_between_mse_and_mae_shapes():
    y_true = np.zeros((1, 4), dtype="float32")
    y_pred = np.array([[0.1, -0.5, 2.0, -10.0]], dtype="float32")
    delta = 1.5
    expected = np.mean(delta**2 * (np.sqrt(1 + (y_pred / delta) ** 2) - 1))
    assert float(PseudoHuber(delta)(y_true, y_pred)) == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="delta"):
        PseudoHuber(0.0)


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


def test_every_regression_loss_learns_a_line_from_rank_one_targets():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 3)).astype("float32")
    y = (x @ np.array([2.0, -1.0, 0.5]) + 3.0).astype("float32")  # shape (n,)
    for loss in ("mse", "mae", "huber", {"name": "pseudo_huber", "delta": 1.0}, "log_cosh"):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.Adam(0.1), catalog.get_loss(loss))
        zoo.fit(model, x, y, epochs=60, batch_size=64, early_stopping=False)
        r2 = 1 - np.mean((model.predict(x, verbose=0)[:, 0] - y) ** 2) / np.var(y)
        assert r2 > 0.95, (loss, r2)


def test_sparse_label_smoothing_equals_categorical_on_one_hot():
    y = np.array([0, 2, 1])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]], dtype="float32")
    sparse = SparseCategoricalCrossentropyWithSmoothing(label_smoothing=0.1)(y, probs)
    dense = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(np.eye(3)[y], probs)
    assert float(sparse) == pytest.approx(float(dense), rel=1e-6)
    loss = catalog.get_loss("sparse_categorical_crossentropy", label_smoothing=0.1)
    assert isinstance(loss, SparseCategoricalCrossentropyWithSmoothing)


def test_label_smoothing_only_for_cross_entropy():
    assert catalog.get_loss("bce", label_smoothing=0.2).label_smoothing == pytest.approx(0.2)
    with pytest.raises(ValueError, match="Label smoothing applies to cross-entropy"):
        catalog.get_loss("mse", label_smoothing=0.1)


def test_listings_have_descriptions_and_filters():
    acts = zoo.list_activations()
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "softmax",
                 "linear", "gelu", "swish", "softplus", "softsign", "hard_sigmoid", "relu6",
                 "mish", "exponential"):
        assert acts[name]
    assert "silu" in acts["swish"]  # aliases are listed
    assert set(zoo.list_losses("*hinge*")) == {"hinge", "squared_hinge", "categorical_hinge"}
    assert {"gd", "sgd", "minibatch_sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
            "adamw", "nadam", "adamax", "adadelta", "ftrl", "lion"} <= set(zoo.list_optimizers())
    assert "xavier_uniform" in zoo.list_initializers()["glorot_uniform"]


def test_default_initializer_follows_activation():
    assert catalog.default_initializer("relu") == "he_normal"
    assert catalog.default_initializer("leaky_relu") == "he_normal"
    assert catalog.default_initializer("elu") == "he_normal"
    assert catalog.default_initializer("selu") == "lecun_normal"
    assert catalog.default_initializer("tanh") == "glorot_uniform"
    assert catalog.default_initializer("sigmoid") == "glorot_uniform"
