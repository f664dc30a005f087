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


@pytest.mark.every_backend
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


@pytest.mark.every_backend
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


@pytest.mark.every_backend
def test_seq2seq_takes_every_form_and_reloads(tmp_path):
    model = zoo.seq2seq(SOURCES, TARGETS, units=8, embedding_dim=4, seed=0)
    for x, y in zip(_forms(SOURCES).values(), _forms(TARGETS).values()):
        # One batch of all six pairs, the shapes train_on_batch takes: on JAX this model runs
        # eagerly (jit_compile=False) and every recurrent layer call compiles its scan again.
        model.fit(x, y, epochs=1, batch_size=len(SOURCES), verbose=0, validation_data=(x, y))
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


# --- class names as labels (issue 23, item 5) ---------------------------------------------------

_SPAM_WORDS = ["win", "cash", "prize", "free", "offer", "money", "claim", "bonus"]
_HAM_WORDS = ["lunch", "meeting", "noon", "mom", "tomorrow", "call", "dinner", "school"]


def _spam_and_ham(n_each=16, seed=0):
    """Short texts whose words alone decide the class: spam and ham words never mix."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for words, label in ((_SPAM_WORDS, "spam"), (_HAM_WORDS, "ham")):
        texts += [" ".join(rng.choice(words, 3)) for _ in range(n_each)]
        labels += [label] * n_each
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [labels[i] for i in order]


def _one_line_error(error, call, needle):
    """``call()`` raises ``error`` with ``needle`` in one line (not Keras' traceback text)."""
    with pytest.raises(error, match=needle) as info:
        call()
    assert "\n" not in str(info.value), str(info.value)


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_string_labels_train_predict_names_and_reload_in_safe_mode(tmp_path):
    texts, labels = _spam_and_ham()
    model = zoo.lstm(texts=texts, num_classes=2, units=8, embedding_dim=8, learning_rate=0.02,
                     seed=0)
    # The report's call: plain Keras fit on a list of texts and a list of names (it failed with
    # "Cast string to float is not supported"); the classes are learned, sorted.
    model.fit(texts, labels, epochs=5, batch_size=8, verbose=0,
              validation_data=(np.array(texts), pd.Series(labels)))
    assert model.classes_.tolist() == ["ham", "spam"]
    predicted = model.predict_classes(texts)
    assert predicted.shape == (32,) and set(predicted) <= {"ham", "spam"}
    accuracy = np.mean(predicted == np.array(labels))
    assert accuracy >= 0.9, accuracy  # separable by vocabulary: an LSTM gets there in 2 epochs
    np.testing.assert_array_equal(model.classes_from(model.predict(texts, verbose=0)), predicted)
    _, keras_accuracy = model.evaluate(pd.Series(texts), labels, verbose=0)
    assert keras_accuracy == pytest.approx(accuracy)  # names mapped to the ids Keras trained on
    model.train_on_batch(texts[:8], labels[:8])
    predicted = model.predict_classes(texts)

    path = tmp_path / "spam.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(reloaded, TextModel)
    assert reloaded.classes_.tolist() == ["ham", "spam"]
    np.testing.assert_array_equal(reloaded.predict_classes(np.array(texts)), predicted)
    np.testing.assert_allclose(reloaded.evaluate(texts, labels, verbose=0),
                               model.evaluate(texts, labels, verbose=0), rtol=1e-5)
    _one_line_error(ValueError, lambda: reloaded.evaluate(texts[:3], ["ham", "eggs", "spam"],
                                                          verbose=0),
                    r"outside the model's classes: unknown \['eggs'\], known \['ham', 'spam'\]")


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_zoo_fit_takes_names_given_at_build_time_in_their_order():
    texts, labels = _spam_and_ham()
    texts, labels = texts + ["see the doctor", "doctor at noon"], labels + ["other", "other"]
    model = zoo.gru(texts=texts, classes=["spam", "ham", "other"], units=8, embedding_dim=8,
                    learning_rate=0.02, seed=0)  # num_classes and the task follow from classes=
    assert model.output_shape == (None, 3) and model.classes_.tolist() == ["spam", "ham", "other"]
    assert model.get_config()["class_labels"]["classes"] == ["spam", "ham", "other"]
    history = zoo.fit(model, texts, pd.Series(labels), epochs=10, early_stopping=False,
                      validation_data=(texts, labels), seed=0)
    assert history.history["val_accuracy"][-1] >= 0.85  # ids in the given order: spam=0, ham=1
    predicted = model.predict_classes(texts)
    assert np.mean(predicted == np.array(labels)) >= 0.85
    np.testing.assert_array_equal(model.classes_from(zoo.predict(model, texts)), predicted)
    ids = np.array([["spam", "ham", "other"].index(label) for label in labels])
    np.testing.assert_allclose(model.evaluate(texts, ids, verbose=0),  # ids still work
                               model.evaluate(texts, labels, verbose=0), rtol=1e-6)
    _one_line_error(ValueError, lambda: zoo.fit(model, texts[:4], ["spam", "ham", "junk", "x"],
                                                epochs=1),
                    r"2 label\(s\) outside the model's classes: unknown \['junk', 'x'\], "
                    r"known \['spam', 'ham', 'other'\]")


@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_string_labels_a_model_cannot_map_are_refused_in_one_line():
    texts, labels = _spam_and_ham(n_each=4)
    three = zoo.lstm(texts=texts, num_classes=3, units=2, embedding_dim=2)
    _one_line_error(ValueError, lambda: three.evaluate(texts, labels, verbose=0),
                    r"no class names yet: fit it on string labels first, build it with "
                    r"classes=\[...\], or pass integer class ids 0..2")
    _one_line_error(ValueError, lambda: three.fit(texts, labels, verbose=0),
                    r"2 distinct class\(es\) \['ham', 'spam'\] but the model predicts 3")
    assert three.classes_ is None  # none given, and a refused fit learns none
    regression = zoo.gru(texts=texts, task="regression", units=2, embedding_dim=2)
    for call in (lambda: regression.fit(texts, labels, verbose=0),
                 lambda: zoo.fit(regression, texts, np.array(labels), epochs=1)):
        _one_line_error(ValueError, call, r"takes numeric targets, not class names.*pass integer "
                                          r"class ids 0..n-1.*Received: y\[0\]=")
    binary = zoo.lstm(texts=texts, task="binary", units=2, embedding_dim=2)
    _one_line_error(ValueError, lambda: binary.fit(texts, labels[:-1] + [None], verbose=0),
                    r"mixes class names with other values.*Received: y\[7\]=None")
    for kwargs, needle in [
        ({"vocab_size": 20, "classes": ["ham", "spam"]}, "names the labels of a raw-text model"),
        ({"texts": texts, "task": "regression", "classes": ["a", "b"]},
         "applies to single-label classifiers"),
        ({"texts": texts, "num_classes": 3, "classes": ["a", "b"]},
         "names 2 classes but num_classes=3"),
        ({"texts": texts, "classes": ["a", "a"]}, "at least 2 classes, each once"),
        ({"texts": texts, "classes": "ab"}, "must be a list of class names"),
    ]:
        _one_line_error((ValueError, TypeError), lambda kw=kwargs: zoo.lstm(units=2, **kw), needle)


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_class_weight_keys_may_be_class_names():
    texts, labels = _spam_and_ham(n_each=4)
    trained = []
    for class_weight in ({"spam": 3.0, "ham": 0.5}, {1: 3.0, 0: 0.5}):  # sorted: ham=0, spam=1
        model = zoo.lstm(texts=texts, classes=["ham", "spam"], units=2, embedding_dim=2, seed=0)
        model.train_on_batch(texts, labels, class_weight=class_weight)  # Keras alone weighs
        trained.append(model.get_weights())  # a name key 1.0, silently
    for by_name, by_id in zip(*trained):
        np.testing.assert_allclose(by_name, by_id, rtol=1e-6)
    fitted = []  # kz.zoo.fit (its fast path weighs the samples itself) maps names alike
    for class_weight in ({"spam": 3.0, "ham": 0.5}, {1: 3.0, 0: 0.5}):
        model = zoo.lstm(texts=texts, classes=["ham", "spam"], units=2, embedding_dim=2, seed=0)
        zoo.fit(model, texts, labels, epochs=1, early_stopping=False, class_weight=class_weight,
                seed=0, verbose=0)
        fitted.append(model.get_weights())
    for by_name, by_id in zip(*fitted):
        np.testing.assert_allclose(by_name, by_id, rtol=1e-6)
    _one_line_error(ValueError, lambda: model.fit(texts, labels, verbose=0,
                                                  class_weight={"spam": 2.0, "eggs": 1}),
                    r"`class_weight` holds 1 label\(s\) outside the model's classes: "
                    r"unknown \['eggs'\], known \['ham', 'spam'\]")
