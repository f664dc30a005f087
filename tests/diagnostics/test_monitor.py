"""The Monitor as an instrument: it changes nothing, works under both training paths and on
every kind of zoo model, records what it says, and refuses what it cannot do."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo.diagnostics.report import COLUMNS


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype("float32")


def _weights_after(train, monitor):
    keras.utils.set_random_seed(0)
    model = train(monitor)
    return [np.array(w) for w in model.get_weights()]


def test_a_recurrent_model_trains_bit_for_bit_the_same_with_a_monitor():
    ids = np.random.default_rng(0).integers(1, 9, size=(48, 7)).astype("int32")
    labels = (ids[:, 0] > 4).astype("float32")

    def train(monitor):
        model = kz.zoo.gru(vocab_size=10, sequence_length=7, task="binary", units=4,
                           embedding_dim=3, dropout=0.2, seed=0)
        kz.zoo.fit(model, ids, labels, epochs=2, seed=0,
                   callbacks=[monitor] if monitor else None)
        return model

    for a, b in zip(_weights_after(train, None),
                    _weights_after(train, kz.diagnostics.Monitor(every="end"))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("path", ["kz.zoo.fit", "kz.zoo.fit(fast=False)", "model.fit"])
def test_training_is_bit_for_bit_the_same_with_a_monitor(table, path):
    x, y = table

    def train(monitor):
        model = kz.zoo.ann(6, task="binary", hidden_units=(16, 8), dropout=0.2,
                           batch_norm=True, seed=0)
        callbacks = [monitor] if monitor else []
        if path == "model.fit":
            model.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0,
                      callbacks=callbacks)
        else:
            kz.zoo.fit(model, x, y, epochs=3, seed=0, validation_split=0.2,
                       callbacks=callbacks, fast=path == "kz.zoo.fit")
        return model

    data = (x, y) if path == "model.fit" else None
    without = _weights_after(train, None)
    with_monitor = _weights_after(train, kz.diagnostics.Monitor(data=data))
    assert len(without) == len(with_monitor)
    for a, b in zip(without, with_monitor):
        np.testing.assert_array_equal(a, b)


def test_the_table_has_one_row_per_epoch_and_layer_and_saves_to_csv(table, tmp_path):
    x, y = table
    model = kz.zoo.ann(6, task="binary", hidden_units=(16, 8), batch_norm=True, seed=0)
    monitor = kz.diagnostics.Monitor(every=2, sample=50, seed=1)
    kz.zoo.fit(model, x, y, epochs=5, seed=0, early_stopping=False, callbacks=[monitor])
    report = monitor.report()
    assert list(report.layers.columns) == list(COLUMNS)
    # every 2 epochs, plus the final state (epoch 5)
    assert sorted(report.layers["epoch"].unique()) == [2, 4, 5]
    first = report.layers[report.layers["epoch"] == 2]
    assert list(first["layer"]) == ["hidden_1", "hidden_1_bn", "hidden_2", "hidden_2_bn",
                                    "output"]
    # batch normalization sits between a Dense and its Activation layer: the Dense row reads
    # the activation's output
    assert list(first["activation"]) == ["relu", "linear", "relu", "linear", "sigmoid"]
    assert first["dead_fraction"].notna().tolist() == [True, False, True, False, False]
    assert (report.layers["grad_norm"] > 0).all()
    assert report.layers.query("epoch < 5")["update_ratio"].notna().all()
    assert report.layers.query("epoch == 5")["update_ratio"].isna().all()  # no snapshot for it
    assert len(report.losses) == 5
    written = report.to_csv(tmp_path / "diag" / "layers.csv")
    assert written == [tmp_path / "diag" / "layers.csv"]
    back = pd.read_csv(written[0])
    pd.testing.assert_frame_equal(back, report.layers, check_dtype=False)


def test_the_probe_is_drawn_once_from_the_training_part(table):
    x, y = table
    monitor = kz.diagnostics.Monitor(sample=40, seed=3)
    kz.zoo.fit(kz.zoo.ann(6, task="binary", seed=0), x, y, epochs=1, seed=0,
               validation_split=0.25, callbacks=[monitor])
    probe_x = monitor._data[0]
    assert probe_x.shape == (40, 6)
    _, held_out = kz.zoo.training.validation_indices(y, 0.25, 0)
    def rows_in(rows, block):
        return [bool((np.abs(block - row).sum(axis=1) == 0).any()) for row in rows]
    assert all(rows_in(probe_x, x)) and not any(rows_in(probe_x, x[held_out]))


def test_a_functional_recurrent_model_gets_time_gradients_and_a_dense_one_does_not(table):
    x, y = table
    ids = np.random.default_rng(0).integers(1, 10, size=(64, 12)).astype("int32")
    ids[:8, 9:] = 0  # padded rows: distances count from each row's last real token
    labels = (ids[:, 0] > 5).astype("float32")
    rnn = kz.zoo.gru(vocab_size=10, sequence_length=12, task="binary", units=8, embedding_dim=4,
                     seed=0)
    report = kz.diagnostics.diagnose(rnn, ids, labels, epochs=1, seed=0)
    time = report.time_gradients
    assert list(time["distance"]) == list(range(12))
    assert time.set_index("distance")["samples"].loc[0] == 64
    assert time.set_index("distance")["samples"].loc[11] == 56  # the 8 padded rows are shorter
    assert (time["grad_norm"] > 0).all()
    dense = kz.diagnostics.diagnose(kz.zoo.ann(6, task="binary", seed=0), x, y, epochs=1)
    assert dense.time_gradients is None


def test_a_cnn_counts_dead_channels():
    from sklearn.datasets import load_digits

    d = load_digits()
    images, labels = d.images[..., None].astype("float32")[:300], d.target[:300]
    model = kz.zoo.cnn((8, 8, 1), task="multiclass", num_classes=10, filters=(8,),
                       dense_units=(16,), pixel_max=16.0, seed=0)
    report = kz.diagnostics.diagnose(model, images, labels, epochs=1, seed=0)
    conv = report.last_epoch().set_index("layer").loc["block1_conv1"]
    assert conv["kind"] == "Conv2D" and conv["units"] == 8
    assert 0.0 <= conv["dead_fraction"] <= 1.0 and conv["activation_std"] > 0


def test_seq2seq_gets_gradients_and_says_what_it_cannot_measure():
    sources = ["a b c", "b c d", "c d e", "d e f"] * 8
    targets = ["x y", "y z", "z x", "x x"] * 8
    model = kz.zoo.seq2seq(sources, targets, units=8, embedding_dim=4, seed=0)
    monitor = kz.diagnostics.Monitor()
    kz.zoo.fit(model, sources, targets, epochs=1, seed=0, callbacks=[monitor])
    report = monitor.report()
    last = report.last_epoch()
    assert {"encoder", "decoder", "classifier"} <= set(last["layer"])
    assert (last["grad_norm"] > 0).sum() >= 5
    assert last["dead_fraction"].isna().all() and last["activation_mean"].isna().all()
    assert any("subclassed" in note for note in report.notes)
    assert "subclassed" in report.summary()


def test_raw_text_models_are_probed_on_their_strings():
    texts = ["good film", "bad film", "great acting", "awful plot"] * 16
    labels = np.array([1, 0, 1, 0] * 16, dtype="float32")
    model = kz.zoo.lstm(texts=texts, task="binary", units=8, embedding_dim=4, seed=0)
    report = kz.diagnostics.diagnose(model, texts, labels, epochs=1, seed=0)
    assert report.time_gradients is not None
    assert "lstm_1" in set(report.layers["layer"])


def test_summary_plot_and_scores(table, tmp_path):
    x, y = table
    model = kz.zoo.ann(6, task="binary", hidden_units=(8, 8), initializer="zeros", seed=0)
    report = kz.diagnostics.diagnose(model, x, y, epochs=2, seed=0)
    lines = report.summary().splitlines()
    assert len([line for line in lines if line.startswith(("warning", "error"))]) == \
        len(report.findings)
    assert "symmetric_units" in report.summary() and "cure:" in report.summary()
    figure = report.plot(tmp_path / "diag.png")
    assert (tmp_path / "diag.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(figure.axes) == 2
    scores = report.scores()
    assert set(scores) == {"grad_ratio", "dead_fraction", "saturated_fraction", "findings"}
    assert "symmetric_units" in scores["findings"].split(",")
    assert scores["dead_fraction"] == 1.0  # ReLU on all-zero weights: every unit outputs 0
    assert "symmetric_units" in repr(report)


def test_every_end_records_once_on_the_trained_model(table):
    x, y = table
    monitor = kz.diagnostics.Monitor(every="end")
    kz.zoo.fit(kz.zoo.ann(6, task="binary", seed=0), x, y, epochs=3, seed=0,
               early_stopping=False, callbacks=[monitor])
    report = monitor.report()
    assert report.layers["epoch"].unique().tolist() == [3]
    assert report.layers["update_ratio"].isna().all()
    assert any("end of training" in note for note in report.notes)


@pytest.mark.parametrize("kwargs, message", [
    ({"every": 0}, "every must be a positive number of epochs or 'end'"),
    ({"every": "often"}, "every must be"),
    ({"sample": 0}, "sample must be a positive number of rows"),
    ({"data": [1]}, "data must be (x, y) or (x, y, sample_weight)"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises((ValueError, TypeError)) as raised:
        kz.diagnostics.Monitor(**kwargs)
    assert message in str(raised.value)


def test_model_fit_without_data_says_how_to_give_it(table):
    x, y = table
    model = kz.zoo.ann(6, task="binary", seed=0)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"Monitor\(data=\(x, y\)\)"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[kz.diagnostics.Monitor()])
    for a, b in zip(before, model.get_weights()):  # refused before the first step
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="recorded nothing"):
        kz.diagnostics.Monitor().report()


def test_a_model_under_a_distribution_strategy_is_refused(table):
    import tensorflow as tf

    x, y = table
    with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
        model = kz.zoo.ann(6, task="binary", seed=0)
        with pytest.raises(ValueError, match="tf.distribute strategy"):
            kz.zoo.fit(model, x, y, epochs=1, callbacks=[kz.diagnostics.Monitor()])



def test_a_search_with_diagnostics_refuses_mirrored_trials(tmp_path):
    with pytest.raises(ValueError, match="multi_device='workers'"):
        kz.search("ann", "iris", {"hidden_units": [[4]]}, epochs=1, diagnostics=True,
                  multi_device="mirrored", devices=["/cpu:0", "/cpu:1"],
                  directory=str(tmp_path / "s"), verbose=0)


def test_raw_texts_under_model_fit_with_data():
    texts = ["good film", "bad film", "great acting", "awful plot"] * 16
    labels = np.array([1, 0, 1, 0] * 16, dtype="float32")
    model = kz.zoo.lstm(texts=texts, task="binary", units=8, embedding_dim=4, seed=0)
    monitor = kz.diagnostics.Monitor(data=(texts, labels), sample=20)
    model.fit(np.asarray(texts, dtype=object), labels, epochs=1, verbose=0, callbacks=[monitor])
    assert monitor._data[0].shape == (20,)
    assert monitor.report().time_gradients is not None


def test_token_zero_is_a_real_token_when_nothing_masks_it():
    ids = np.random.default_rng(0).integers(0, 10, size=(64, 12)).astype("int32")
    labels = (ids[:, 0] > 5).astype("float32")
    model = kz.zoo.gru(vocab_size=10, sequence_length=12, task="binary", units=8,
                       embedding_dim=4, mask=False, seed=0)
    time = kz.diagnostics.diagnose(model, ids, labels, epochs=1, seed=0).time_gradients
    assert (time["samples"] == 64).all() and list(time["distance"]) == list(range(12))


def test_normalization_scales_are_not_symmetric_units(table):
    x, y = table
    model = kz.zoo.ann(6, task="binary", hidden_units=(16, 8), batch_norm=True,
                       optimizer="gd", seed=0)
    monitor = kz.diagnostics.Monitor(every="end")
    kz.zoo.fit(model, x, y, epochs=1, seed=0, callbacks=[monitor])
    report = monitor.report()
    assert "symmetric_units" not in report.codes
    bn = report.layers.query("kind == 'BatchNormalization'")
    assert len(bn) == 2 and not bn["has_kernel"].any()


def test_class_weights_reach_the_probe_and_given_data_stays(table):
    x, y = table
    monitor = kz.diagnostics.Monitor(sample=30)
    kz.zoo.fit(kz.zoo.ann(6, task="binary", seed=0), x, y, epochs=1, seed=0,
               class_weight={0: 1.0, 1: 3.0}, callbacks=[monitor])
    weights, labels = monitor._data[2], monitor._data[1]
    np.testing.assert_array_equal(weights, np.where(labels == 1, 3.0, 1.0))
    given = kz.diagnostics.Monitor(data=(x[:10], y[:10]))
    kz.zoo.fit(kz.zoo.ann(6, task="binary", seed=0), x, y, epochs=1, callbacks=[given])
    assert len(given._data[0]) == 10


class _PutBack(keras.callbacks.Callback):
    """Restores the first weights at the end, as early stopping restores its best epoch's."""

    def on_train_begin(self, logs=None):
        self.first = self.model.get_weights()

    def on_train_end(self, logs=None):
        self.model.set_weights(self.first)


def test_the_last_record_describes_restored_weights(table):
    x, y = table
    model = kz.zoo.ann(6, task="binary", hidden_units=(8,), seed=0)
    monitor = kz.diagnostics.Monitor()
    kz.zoo.fit(model, x, y, epochs=3, seed=0, early_stopping=False,
               callbacks=[_PutBack(), monitor])
    report = monitor.report()
    assert monitor.restored and any("restored" in note for note in report.notes)
    last = report.last_epoch().set_index("layer")
    kernel = model.get_layer("hidden_1").kernel
    assert last.loc["hidden_1", "weight_norm"] == pytest.approx(float(np.linalg.norm(kernel)))
    assert sorted(report.layers["epoch"].unique()) == [1, 2, 3]


def test_nested_models_and_both_directions_are_recorded():
    inputs = keras.Input((5,))
    block = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7, "relu", name="a"),
                              keras.layers.Dense(6, "relu", name="b")], name="block")
    outputs = keras.layers.Dense(1, activation="sigmoid", name="head")(block(inputs))
    model = keras.Model(inputs, outputs)
    model.compile("adam", "binary_crossentropy")
    x = np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    report = kz.diagnostics.diagnose(model, x, y, epochs=1, seed=0)
    last = report.last_epoch().set_index("layer")
    assert list(last.index) == ["block/a", "block/b", "head"]
    assert (last["grad_norm"] > 0).all()
    # inside a nested model the outer graph does not expose outputs: no activation figures
    assert last.loc[["block/a", "block/b"], "activation_mean"].isna().all()

    ids = np.random.default_rng(0).integers(1, 9, size=(32, 6)).astype("int32")
    labels = (ids[:, 0] > 4).astype("float32")
    bi = kz.zoo.bilstm(vocab_size=10, sequence_length=6, task="binary", units=4,
                       embedding_dim=3, seed=0)
    row = kz.diagnostics.diagnose(bi, ids, labels, epochs=1, seed=0).last_epoch()
    row = row[row["kind"] == "Bidirectional"].iloc[0]
    layer = next(la for la in bi.layers if type(la).__name__ == "Bidirectional")
    both = [layer.forward_layer.cell.kernel, layer.backward_layer.cell.kernel]
    assert row["weight_norm"] == pytest.approx(
        float(np.sqrt(sum(np.sum(np.square(k)) for k in both))), rel=1e-5)
