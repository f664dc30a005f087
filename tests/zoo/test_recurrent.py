"""The recurrent family: cells x directions x the four shapes, masking, text input, learning,
clipping, the catalog, errors."""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import zoo
from keras_zoo.zoo import catalog
from keras_zoo.zoo.recurrent import cell_activation
from tests.case import to_numpy

RNG = np.random.default_rng(0)


def _inputs_and_labels(shape, n=8, steps=6, vocab=12, features=5, out_steps=4, classes=3):
    """Token sequences (with post-padding) or vectors, and per-sample or per-step labels."""
    if shape in ("one_to_many", "one_to_one"):
        x = RNG.normal(size=(n, features)).astype("float32")
    else:
        x = RNG.integers(1, vocab, size=(n, steps)).astype("int32")
        x[::2, -2:] = 0  # padded samples
    if shape == "many_to_many":
        y = RNG.integers(0, classes, size=(n, steps))
    elif shape == "one_to_many":
        y = RNG.integers(0, classes, size=(n, out_steps))
    else:
        y = RNG.integers(0, classes, size=(n,))
    return x, y


def _build(shape, cell, bidirectional, **kwargs):
    kwargs = {"task": "multiclass", "num_classes": 3, "units": 4, "embedding_dim": 4, "seed": 0,
              **kwargs}
    if shape in ("one_to_many", "one_to_one"):
        kwargs.update(input_dim=5, output_length=4 if shape == "one_to_many" else None)
    else:
        kwargs.update(vocab_size=12)
    return zoo.rnn(shape=shape, cell=cell, bidirectional=bidirectional, **kwargs)


def _eager(model, x):
    """One eager forward pass (no graph tracing for a handful of inputs)."""
    return to_numpy(model(x, training=False))


EXPECTED_SHAPES = {"many_to_one": (None, 3), "many_to_many": (None, None, 3),
                   "one_to_many": (None, 4, 3), "one_to_one": (None, 3)}


@pytest.mark.every_backend
@pytest.mark.parametrize("shape", list(EXPECTED_SHAPES))
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_each_cell_direction_and_shape_builds_trains_and_has_the_right_output(cell, bidirectional,
                                                                              shape):
    model = _build(shape, cell, bidirectional)
    assert model.output_shape == EXPECTED_SHAPES[shape]
    recurrent = [layer for layer in model.layers
                 if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))]
    assert len(recurrent) == 1
    inner = recurrent[0].forward_layer if bidirectional else recurrent[0]
    assert type(inner).__name__ == {"simple": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[cell]
    x, y = _inputs_and_labels(shape)
    model.run_eagerly = True  # one eager step: no graph tracing for 24 tiny models
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, y, return_dict=True)["loss"]
    assert np.isfinite(loss)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    out = _eager(model, x)
    assert out.shape == (len(x), *[d or x.shape[1] for d in EXPECTED_SHAPES[shape][1:]])
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)  # softmax head per sample/step


@pytest.mark.every_backend
@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_padding_does_not_change_a_prediction(cell):
    model = zoo.rnn(vocab_size=20, cell=cell, bidirectional=True, units=(6, 4), task="binary",
                    seed=0)
    tokens = np.array([[3, 7, 5, 9]], dtype="int32")
    post = np.array([[3, 7, 5, 9, 0, 0, 0]], dtype="int32")
    pre = np.array([[0, 0, 3, 7, 5, 9]], dtype="int32")
    ref = _eager(model, tokens)
    np.testing.assert_allclose(_eager(model, post), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_eager(model, pre), ref, rtol=1e-5, atol=1e-6)
    unmasked = zoo.rnn(vocab_size=20, cell=cell, bidirectional=True, units=(6, 4), task="binary",
                       mask=False, seed=0)
    assert not np.allclose(_eager(unmasked, post), _eager(unmasked, tokens))


@pytest.mark.every_backend
def test_many_to_many_padding_changes_neither_outputs_nor_loss():
    model = zoo.rnn(vocab_size=20, shape="many_to_many", task="multiclass", num_classes=4,
                    bidirectional=True, units=6, seed=0)
    x = np.array([[3, 7, 5, 0, 0], [4, 4, 8, 9, 2]], dtype="int32")
    y = np.array([[1, 2, 3, 0, 0], [0, 1, 2, 3, 1]])
    out = _eager(model, x)
    np.testing.assert_allclose(out[0, :3], _eager(model, x[:1, :3])[0], rtol=1e-5,
                               atol=1e-6)
    garbage = y.copy()
    garbage[0, 3:] = 3  # labels at padded steps must not count
    loss = model.evaluate(x, y, verbose=0, return_dict=True)
    loss_garbage = model.evaluate(x, garbage, verbose=0, return_dict=True)
    assert loss["loss"] == pytest.approx(loss_garbage["loss"], rel=1e-6)
    assert loss["accuracy"] == pytest.approx(loss_garbage["accuracy"], rel=1e-6)


@pytest.mark.every_backend
@pytest.mark.parametrize("task,loss", [("binary", None), ("regression", None),
                                       ("regression", "pseudo_huber")])
def test_per_step_binary_and_regression_train_on_steps_targets_with_the_mask(task, loss):
    """Targets (samples, steps) for a (samples, steps, 1) head: zoo.fit adds the last axis (plain
    Keras would reduce the step axis before the mask and fail), the model learns a per-step rule,
    and targets at padded steps still do not count."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, size=(256, 6)).astype("int32")
    x[::3, -2:] = 0
    y = (x >= 5).astype("int32") if task == "binary" else x.astype("float32") / 3.0
    model = zoo.gru(vocab_size=10, shape="many_to_many", task=task, loss=loss, units=8, seed=0,
                    learning_rate=0.02)
    history = zoo.fit(model, x, y, validation_data=(x[:32], y[:32]), epochs=40,
                      early_stopping=False, seed=0)
    metric = "accuracy" if task == "binary" else "mae"
    final = history.history[f"val_{metric}"][-1]
    assert final > 0.95 if task == "binary" else final < 0.3, final
    garbage = y[:32].copy()
    # Wrong targets at the padded steps (in range: PyTorch's cross-entropy refuses others).
    garbage[::3, -2:] = 1 - garbage[::3, -2:] if task == "binary" else 7
    clean = model.evaluate(x[:32], y[:32, :, None], verbose=0, return_dict=True)
    dirty = model.evaluate(x[:32], garbage[:, :, None], verbose=0, return_dict=True)
    assert clean["loss"] == pytest.approx(dirty["loss"], rel=1e-5)


@pytest.mark.every_backend
def test_float_sequences_mask_all_zero_steps():
    model = zoo.rnn(input_shape=(None, 3), task="regression", units=5, seed=0)
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    padded = np.concatenate([x, np.zeros((2, 3, 3), "float32")], axis=1)
    np.testing.assert_allclose(_eager(model, padded), _eager(model, x),
                               rtol=1e-5, atol=1e-6)
    assert model.layers[1].name == "masking"


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_raw_text_in_vocabulary_oov_and_sequence_length():
    texts = ["the cat sat", "the dog ran", "a cat ran far", "the dog sat down"]
    model = zoo.lstm(texts=texts, task="binary", units=4, sequence_length=6, seed=0)
    vectorize = model.get_layer("vectorize")
    vocab = vectorize.get_vocabulary()
    assert vocab[:2] == ["", "[UNK]"] and "cat" in vocab
    ids = np.asarray(vectorize(np.array(["The CAT, zebra!"], dtype=object)))
    assert ids.shape == (1, 6)
    assert ids[0, 2] == 1  # "zebra" is outside the vocabulary: [UNK]
    assert ids[0, 0] == vocab.index("the") and ids[0, 1] == vocab.index("cat")
    assert model.get_layer("embedding").input_dim == len(vocab)
    capped = zoo.lstm(texts=texts, task="binary", units=4, vocab_size=4)
    assert len(capped.get_layer("vectorize").get_vocabulary()) == 4
    given = zoo.gru(vocabulary=["cat", "dog"], task="binary", units=4)
    assert given.get_layer("vectorize").get_vocabulary() == ["", "[UNK]", "cat", "dog"]
    chars = zoo.gru(texts=texts, tokenize="character", task="binary", units=4)
    assert "c" in chars.get_layer("vectorize").get_vocabulary()


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_text_model_from_a_text_dataset_learns_word_order_and_reloads(tmp_path):
    data = kz.load("word_order", n=1200, min_fillers=2, max_fillers=5, seed=0)
    model = zoo.bilstm(**data.model_kwargs(zoo.bilstm), units=16, embedding_dim=16, seed=0)
    assert model.input.dtype == "string"
    zoo.fit(model, list(data.x_train), data.y_train, validation_data=(data.x_val, data.y_val),
            epochs=12, batch_size=32, early_stopping=False, seed=0)
    accuracy = model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)["accuracy"]
    assert accuracy >= 0.9  # a bag of words stays at chance (25 %): see tests/datasets/test_text
    path = tmp_path / "bilstm.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(reloaded.predict_on_batch(data.x_test[:16]),
                               model.predict_on_batch(data.x_test[:16]), rtol=1e-5, atol=1e-6)


def test_structure_stacked_dense_dropout_and_merge_mode():
    model = zoo.rnn(vocab_size=30, cell="gru", units=(8, 4), bidirectional=True, merge_mode="sum",
                    dropout=[0.1, 0.2], recurrent_dropout=0.1, dense_units=(6,), dense_dropout=0.3,
                    task="multiclass", num_classes=3, embedding_dim=5)
    recurrent = [layer for layer in model.layers if isinstance(layer, keras.layers.Bidirectional)]
    assert [r.forward_layer.units for r in recurrent] == [8, 4]
    assert [r.forward_layer.return_sequences for r in recurrent] == [True, False]
    assert [r.merge_mode for r in recurrent] == ["sum", "sum"]
    assert [r.forward_layer.dropout for r in recurrent] == [0.1, 0.2]
    assert recurrent[0].forward_layer.recurrent_dropout == 0.1
    assert model.get_layer("dense_1").units == 6
    assert model.get_layer("embedding").output_dim == 5
    assert model.output_shape == (None, 3)
    assert zoo.rnn(vocab_size=30, units=4, num_layers=3, task="binary").count_params() > \
        zoo.rnn(vocab_size=30, units=4, num_layers=1, task="binary").count_params()


def test_shortcuts_fix_the_cell_and_keep_every_other_keyword():
    params = inspect.signature(zoo.bilstm).parameters
    assert "cell" not in params and params["bidirectional"].default is True
    assert set(params) == set(inspect.signature(zoo.rnn).parameters) - {"cell"}
    assert zoo.model_info("bilstm").parameters == list(params)
    assert zoo.lstm(vocab_size=10, task="binary").name == "lstm"
    bigru = zoo.bigru(vocab_size=10, task="binary", units=3)
    assert isinstance(bigru.layers[2], keras.layers.Bidirectional)
    assert type(bigru.layers[2].forward_layer).__name__ == "GRU"
    assert type(zoo.simple_rnn(vocab_size=10, task="binary").layers[2]).__name__ == "SimpleRNN"
    with pytest.raises(TypeError, match="unexpected keyword argument 'cell'"):
        zoo.create_model("bilstm", vocab_size=10, task="binary", cell="gru")
    assert zoo.list_models("*lstm*") == ["bilstm", "lstm"]


@pytest.mark.every_backend
def test_gradients_are_clipped_by_default_and_overridable():
    assert zoo.lstm(vocab_size=10, task="binary").optimizer.global_clipnorm == 1.0
    per_variable = zoo.lstm(vocab_size=10, task="binary", clipnorm=0.5).optimizer
    assert per_variable.clipnorm == 0.5 and per_variable.global_clipnorm is None
    assert zoo.lstm(vocab_size=10, task="binary", clipvalue=2.0).optimizer.clipvalue == 2.0
    off = zoo.lstm(vocab_size=10, task="binary", global_clipnorm=None).optimizer
    assert off.global_clipnorm is None and off.clipnorm is None and off.clipvalue is None
    mine = keras.optimizers.RMSprop(0.01)
    assert zoo.gru(vocab_size=10, task="binary", optimizer=mine).optimizer is mine


@pytest.mark.every_backend
def test_every_catalog_component_is_accepted_where_it_applies():
    for name in catalog.ACTIVATIONS.names():
        if name in ("prelu", "leaky_relu"):
            with pytest.raises(ValueError, match="needs its own layer"):
                cell_activation(name)
        else:
            model = zoo.simple_rnn(vocab_size=10, task="binary", units=2, activation=name,
                                   compile=False)
            assert model.layers[2].cell.activation is not None
    for name in catalog.OPTIMIZERS.names():
        model = zoo.gru(vocab_size=10, task="binary", units=2, optimizer=name)
        assert catalog.canonical_optimizer(model.optimizer) == name
    for name in catalog.INITIALIZERS.names():
        zoo.lstm(vocab_size=10, task="binary", units=2, initializer=name, compile=False)
    for name in ("mse", "mae", "huber", "pseudo_huber", "log_cosh"):
        assert zoo.lstm(vocab_size=10, task="regression", units=2, loss=name).output_shape == \
            (None, 1)
    for name in ("binary_crossentropy", "hinge", "squared_hinge"):
        zoo.lstm(vocab_size=10, task="binary", units=2, loss=name)
    model = zoo.lstm(vocab_size=10, task="multiclass", num_classes=3, units=2,
                     loss="categorical_crossentropy", label_format="onehot", label_smoothing=0.1)
    assert model.loss.get_config()["label_smoothing"] == 0.1


def test_initializer_follows_the_activation():
    tanh = zoo.lstm(vocab_size=10, task="binary", units=2).layers[2].cell
    relu = zoo.simple_rnn(vocab_size=10, task="binary", units=2, activation="relu").layers[2].cell
    assert type(tanh.kernel_initializer).__name__ == "GlorotUniform"
    assert type(tanh.recurrent_initializer).__name__ == "Orthogonal"
    assert type(relu.kernel_initializer).__name__ == "HeNormal"


@pytest.mark.every_backend
def test_same_seed_same_weights():
    a = zoo.gru(vocab_size=10, task="binary", units=3, seed=5).get_weights()
    b = zoo.gru(vocab_size=10, task="binary", units=3, seed=5).get_weights()
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kwargs,needle", [
    ({"vocab_size": 10, "task": "binary", "cell": "transformer"}, "`cell` must be one of"),
    ({"vocab_size": 10, "task": "binary", "shape": "many_to_few"}, "`shape` must be one of"),
    ({"task": "binary"}, "Tell the model what goes in"),
    ({"vocab_size": 10, "task": "binary", "activation": "prelu"}, "needs its own layer"),
    ({"texts": [], "task": "binary"}, "`texts` is empty"),
    ({"texts": ["fine", "  "], "task": "binary"}, "empty or blank"),
    ({"texts": ["a b"], "task": "binary", "shape": "many_to_many"}, "fixed `sequence_length`"),
    ({"vocab_size": 10, "task": "binary", "units": 0}, "positive integers"),
    ({"vocab_size": 10, "task": "binary", "units": (4, 4), "num_layers": 3}, "num_layers=3"),
    ({"texts": ["a b"], "task": "binary", "vocab_size": 2}, "must be >= 3"),
    ({"input_dim": 3, "task": "binary", "shape": "one_to_many"}, "`output_length`"),
    ({"vocab_size": 10, "task": "binary", "shape": "one_to_one"}, "takes a vector"),
    ({"vocab_size": 10, "task": "binary", "input_shape": (5, 2)}, "`input_shape` must be"),
    ({"input_shape": (5,), "task": "binary"}, "timesteps, features"),
    ({"vocab_size": 10, "task": "binary", "merge_mode": "max", "bidirectional": True},
     "`merge_mode` must be one of"),
    ({"vocab_size": 10, "task": "binary", "dropout": 1.0}, "dropout"),
    ({"vocab_size": 10, "task": "binary", "tokenize": "sentence", "texts": ["a"]}, "`tokenize`"),
    ({"vocab_size": 10}, "Cannot tell the task"),
])
def test_bad_arguments_fail_clearly(kwargs, needle):
    if keras.backend.backend() != "tensorflow" and "texts" in kwargs:
        needle = "needs the TensorFlow backend"  # raw text is refused first there
    with pytest.raises(ValueError, match=needle):
        zoo.rnn(**kwargs)
