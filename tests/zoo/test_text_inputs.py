"""Raw-text models through plain Keras methods: texts as a list, a unicode or object array or a
pandas Series, before and after a ``.keras`` round trip (issue 13, part 1)."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz  # noqa: F401  registers TextModel, Seq2Seq and the layers
from keras_zoo import zoo
from keras_zoo.zoo.fast_loop import fast_path_applies
from keras_zoo.zoo.text_model import TextModel
from keras_zoo.zoo.translation import Seq2Seq
from tests.case import to_numpy

TEXTS = ["the cat sat", "a dog ran far", "cat and dog", "the dog sat down", "run far away now",
         "a cat ran", "the cat ran far", "dog and cat sat"]
LABELS = [0, 1, 0, 1, 1, 0, 0, 1]
SOURCES = ["abc", "bca", "cab", "abcd", "dcb", "ad"]
TARGETS = ["cba", "acb", "bac", "dcba", "bcd", "da"]


def _forms(texts):
    """The forms a user passes texts in: list, unicode array, object array, pandas Series."""
    return {"list": list(texts), "unicode": np.array(texts), "object": np.array(texts, dtype=object),
            "series": pd.Series(texts)}


def _assert_same_for_every_form(predict, texts, expected=None):
    outputs = {name: to_numpy(predict(x)) for name, x in _forms(texts).items()}
    expected = outputs["object"] if expected is None else expected
    for name, out in outputs.items():
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6, err_msg=name)
    return expected


def _check_text_model(model, texts, labels):
    """Every Keras method takes every form, and all forms give the same numbers."""
    expected = _assert_same_for_every_form(lambda x: model.predict(x, verbose=0), texts)
    _assert_same_for_every_form(model, texts, expected)
    _assert_same_for_every_form(model.predict_on_batch, texts, expected)
    _assert_same_for_every_form(lambda x: model.evaluate(x, labels, verbose=0), texts)
    _assert_same_for_every_form(lambda x: model.test_on_batch(x, labels), texts)
    return expected


@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
@pytest.mark.parametrize("factory", [zoo.lstm, zoo.gru])
def test_text_model_takes_every_form_and_reloads(factory, tmp_path):
    model = factory(texts=TEXTS, task="binary", units=4, embedding_dim=4, seed=0)
    assert isinstance(model, TextModel)
    labels = np.array(LABELS)
    for name, x in _forms(TEXTS).items():  # the issue: np.array(texts) failed in Keras' adapters
        y = list(LABELS) if name == "list" else pd.Series(LABELS) if name == "series" else labels
        model.fit(x, y, epochs=1, batch_size=4, verbose=0, validation_data=(x, y))
        model.train_on_batch(x, y)
    model.fit(np.array(TEXTS), labels, epochs=1, validation_split=0.25, verbose=0)
    expected = _check_text_model(model, TEXTS, labels)

    path = tmp_path / "text.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)  # safe mode
    assert type(reloaded) is type(model) and isinstance(reloaded, TextModel)
    _assert_same_for_every_form(lambda x: reloaded.predict(x, verbose=0), TEXTS, expected)
    _assert_same_for_every_form(reloaded, TEXTS, expected)
    np.testing.assert_allclose(reloaded.evaluate(pd.Series(TEXTS), LABELS, verbose=0),
                               model.evaluate(TEXTS, labels, verbose=0), rtol=1e-5)
    reloaded.fit(np.array(TEXTS), labels, epochs=1, verbose=0)


@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_zoo_fit_fast_path_and_token_models_are_unchanged():
    model = zoo.bilstm(texts=TEXTS, task="binary", units=4, embedding_dim=4, seed=0)
    assert isinstance(model, TextModel) and fast_path_applies(model, np.array(TEXTS, object))
    history = zoo.fit(model, np.array(TEXTS), np.array(LABELS), epochs=2, early_stopping=False,
                      validation_data=(pd.Series(TEXTS), LABELS), seed=0)
    assert len(history.history["val_loss"]) == 2
    tokens = zoo.lstm(vocab_size=20, task="binary", units=4)
    assert not isinstance(tokens, TextModel)
    assert not isinstance(zoo.simple_rnn(input_shape=(None, 2), task="binary", units=2), TextModel)
    assert isinstance(zoo.simple_rnn(vocabulary=["cat", "dog"], task="binary", units=2), TextModel)


@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
@pytest.mark.parametrize("bad,error,needle", [
    ("the cat", TypeError, "not one string"),
    (["the cat", None], ValueError, r"must hold strings; 1 value\(s\) are not \(positions \[1\]\)"),
    (pd.Series(["the cat", np.nan]), ValueError, "must hold strings"),
])
def test_bad_texts_fail_clearly(bad, error, needle):
    model = zoo.gru(texts=TEXTS, task="binary", units=2, embedding_dim=2)
    for call in (model.predict, model, lambda x: model.fit(x, [0, 1], verbose=0)):
        with pytest.raises(error, match=needle):
            call(bad)


def test_seq2seq_takes_every_form_and_reloads(tmp_path):
    model = zoo.seq2seq(SOURCES, TARGETS, units=8, embedding_dim=4, seed=0)
    for x, y in zip(_forms(SOURCES).values(), _forms(TARGETS).values()):
        model.fit(x, y, epochs=1, batch_size=3, verbose=0, validation_data=(x, y))
        model.train_on_batch(x, y)

    pairs = list(zip(_forms(SOURCES).values(), _forms(TARGETS).values()))
    greedy = _assert_same_for_every_form(lambda x: model.predict(x, verbose=0), SOURCES)
    _assert_same_for_every_form(model, SOURCES, greedy)
    _assert_same_for_every_form(model.predict_on_batch, SOURCES, greedy)
    teacher = [to_numpy(model((x, y))) for x, y in pairs]  # (sources, targets): teacher forcing
    losses = [model.evaluate(x, y, verbose=0) for x, y in pairs]
    for out, loss in zip(teacher[1:], losses[1:]):
        np.testing.assert_allclose(out, teacher[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(loss, losses[0], rtol=1e-5)

    path = tmp_path / "seq2seq.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)  # safe mode
    assert isinstance(reloaded, Seq2Seq)
    _assert_same_for_every_form(lambda x: reloaded.predict(x, verbose=0), SOURCES, greedy)
    _assert_same_for_every_form(reloaded, SOURCES, greedy)
    np.testing.assert_allclose(to_numpy(reloaded((list(SOURCES), pd.Series(TARGETS)))), teacher[0],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reloaded.evaluate(np.array(SOURCES), list(TARGETS), verbose=0),
                               losses[0], rtol=1e-5)
