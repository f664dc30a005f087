"""The component catalog: every name builds and trains; entries resolve through Keras' lookups;
aliases; errors. keras_zoo's losses themselves are tested in tests/zoo/test_layers_losses.py."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from keras_zoo import zoo
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo import catalog
from keras_zoo.zoo.layers import PseudoHuber, SparseCategoricalCrossentropyWithSmoothing
from tests.case import to_numpy

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


@pytest.mark.every_backend
@pytest.mark.parametrize("name", catalog.ACTIVATIONS.names())
def test_every_activation_builds_and_trains_a_step(name):
    model = zoo.ann(4, task="binary", hidden_units=(5,), activation=name, seed=0)
    assert _one_step_changes_weights(model, X, Y_BIN)


@pytest.mark.every_backend
@pytest.mark.parametrize("name", catalog.OPTIMIZERS.names())
def test_every_optimizer_builds_and_trains_a_step(name):
    model = zoo.ann(4, task="binary", hidden_units=(5,), optimizer=name, learning_rate=0.05,
                    clipnorm=1.0, seed=0)
    assert model.optimizer.name == name
    assert model.optimizer.clipnorm == 1.0
    assert _one_step_changes_weights(model, X, Y_BIN)


@pytest.mark.every_backend
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


@pytest.mark.every_backend
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
    out = to_numpy(leaky[0](np.array([[-1.0, 2.0]], dtype="float32")))
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


@pytest.mark.every_backend
def test_clipvalue_clips_every_gradient():
    opt = catalog.get_optimizer("minibatch_sgd", learning_rate=1.0, clipvalue=0.1)
    var = keras.Variable(np.zeros(3, dtype="float32"))
    opt.apply([keras.ops.convert_to_tensor(np.array([5.0, -5.0, 0.05], dtype="float32"))], [var])
    np.testing.assert_allclose(var.numpy(), [-0.1, 0.1, -0.05], rtol=1e-6)


@pytest.mark.every_backend
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


def test_sparse_label_smoothing_picks_keras_zoo_loss_only_when_smoothing():
    loss = catalog.get_loss("sparse_categorical_crossentropy", label_smoothing=0.1)
    assert isinstance(loss, SparseCategoricalCrossentropyWithSmoothing)
    assert loss.label_smoothing == pytest.approx(0.1) and not loss.from_logits
    plain = catalog.get_loss({"name": "scce", "from_logits": True})
    assert type(plain) is keras.losses.SparseCategoricalCrossentropy and plain.from_logits
    pseudo = catalog.get_loss({"name": "charbonnier", "delta": 2.0})
    assert isinstance(pseudo, PseudoHuber) and pseudo.delta == 2.0


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


# === Resolution through Keras' own lookups ===

_KERAS_GET = {"loss": keras.losses.get, "optimizer": keras.optimizers.get,
              "initializer": keras.initializers.get}


@pytest.mark.parametrize("table", [catalog.LOSSES, catalog.OPTIMIZERS, catalog.INITIALIZERS],
                         ids=lambda t: t.kind)
def test_entries_build_what_keras_builds_for_their_class_and_defaults(table):
    build = {"loss": catalog.get_loss, "optimizer": catalog.get_optimizer,
             "initializer": catalog.get_initializer}[table.kind]
    for name, entry in table.entries.items():
        expected = _KERAS_GET[table.kind]({"class_name": entry.keras_name,
                                          "config": dict(entry.defaults)})
        built = build(name)
        assert type(built) is type(expected), name
        assert built.get_config() == expected.get_config(), name
        assert build(name) is not built  # a fresh object every call


def test_activations_are_keras_activations_or_keras_layers():
    for name, entry in catalog.ACTIVATIONS.entries.items():
        layer = catalog.activation_layer(name)
        if entry.extra["needs_layer"]:
            assert type(layer).__name__ == entry.keras_name
            assert catalog.activation_function(name) is None
        else:
            assert layer.activation is keras.activations.get(entry.keras_name), name
            assert catalog.activation_function(name) == entry.keras_name == name


def test_sgd_family_are_sgd_with_their_settings_and_names():
    expected = {"gd": (0.0, False), "sgd": (0.0, False), "minibatch_sgd": (0.0, False),
                "momentum": (0.9, False), "nesterov": (0.9, True)}
    for name, (momentum, nesterov) in expected.items():
        opt = catalog.get_optimizer(name)
        assert isinstance(opt, keras.optimizers.SGD) and opt.name == name  # torch: a subclass
        assert (opt.momentum, opt.nesterov) == (pytest.approx(momentum), nesterov)
        assert float(opt.learning_rate) == pytest.approx(0.01)
        assert catalog.canonical_optimizer(opt) == name


@pytest.mark.parametrize("build,spec", [
    (catalog.activation_layer, {"name": "prelu", "slope": 1}),
    (catalog.activation_layer, {"name": "relu", "alpha": 1}),
    (catalog.get_loss, {"name": "mse", "delta": 1}),
    (catalog.get_optimizer, {"name": "adam", "momentum": 0.9}),
    (catalog.get_optimizer, {"name": "momentum", "momentum": -1.0}),
    (catalog.get_initializer, {"name": "he_normal", "stddev": 1}),
])
def test_settings_keras_refuses_name_the_component(build, spec):
    with pytest.raises(InputValueError, match=rf"Invalid settings for .* '{spec['name']}': .*"
                                              r"Received: \{"):
        build(spec)


def test_keras_zoo_checks_pass_through_unchanged():
    with pytest.raises(InputValueError, match=r"^`delta` must be positive\. Received: delta=0"):
        catalog.get_loss({"name": "pseudo_huber", "delta": 0})


def test_every_public_name_is_importable_from_the_package():
    for name in catalog.__all__:
        assert hasattr(catalog, name), name
