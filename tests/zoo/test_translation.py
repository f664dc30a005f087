"""Seq2Seq with attention: learning, decoding, attention weights, saving, bad input; the
attention layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import zoo
from keras_zoo.zoo.layers import BahdanauAttention, LuongAttention
from keras_zoo.zoo.translation import Seq2Seq, SequenceAccuracy
from tests.case import to_numpy

PAIRS = (["abc", "bca", "cab", "abcd", "dcb", "ad"], ["cba", "acb", "bac", "dcba", "bcd", "da"])


def _texts(*texts):
    return np.array(texts, dtype=object)


@pytest.fixture(scope="module")
def reversal():
    return kz.load("reversal", n=1500, min_length=3, max_length=7, alphabet="abcdef", seed=0)


@pytest.fixture(scope="module")
def trained(reversal):
    """A small Bahdanau model trained on the reversal task through the tuning contract:
    ``factory(**data.model_kwargs(factory))`` + ``kz.zoo.fit`` with validation data."""
    keras.backend.clear_session()
    data = reversal
    model = zoo.seq2seq(**data.model_kwargs(zoo.seq2seq), units=24, embedding_dim=16, seed=0)
    history = zoo.fit(model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                      batch_size=32, epochs=12, early_stopping=False, seed=0)
    return model, history


@pytest.mark.every_backend
def test_learns_the_reversal_task(trained, reversal):
    model, history = trained
    assert model.exact_match(reversal.x_test, reversal.y_test) >= 0.9
    assert history.history["val_sequence_accuracy"][-1] >= 0.9
    assert history.history["val_loss"][-1] < history.history["val_loss"][0] / 10
    assert model.translate("abcdef") == "fedcba"  # longer than most training strings


@pytest.mark.every_backend
def test_attention_weights_sum_to_one_over_the_source(trained):
    model, _ = trained
    amap = model.attention("cafe")
    assert amap.source_tokens == list("cafe")
    assert amap.output_tokens == list("efac") + ["[END]"]
    assert amap.translation == "efac"
    assert amap.weights.shape == (5, 4)
    np.testing.assert_allclose(amap.weights.sum(axis=1), 1.0, atol=1e-5)
    # Reversal: the first output letter attends to the last source letter most.
    assert amap.weights[0].argmax() == 3
    ax = amap.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == list("cafe")


@pytest.mark.every_backend
def test_greedy_and_beam_search_agree_at_width_one(trained, reversal):
    model, _ = trained
    sources = list(reversal.x_test[:40])
    greedy = model.translate(sources)
    beam, scores = model.beam_search(sources, beam_width=1)
    assert beam == greedy
    assert scores.shape == (40,) and np.all(scores <= 0)
    wide = model.translate(sources, beam_width=3)
    assert np.mean([w == t for w, t in zip(wide, reversal.y_test[:40])]) >= 0.9


@pytest.mark.every_backend
def test_padding_in_a_batch_does_not_change_a_translation(trained):
    model, _ = trained
    alone = to_numpy(model(_texts("abc")))  # eager greedy decoding
    in_batch = to_numpy(model(_texts("abc", "abcdefabcdef")))[:1]  # padded to 12 characters
    np.testing.assert_allclose(in_batch, alone, rtol=1e-5, atol=1e-6)
    assert model.translate(["abc", "fedcbafedcba"])[0] == model.translate("abc")


@pytest.mark.every_backend
def test_a_translation_cut_at_max_target_length_is_logged(trained, caplog):
    model, _ = trained
    long = "abcdef" * 4  # 24 characters: the decoder stops at max_target_length
    with caplog.at_level("WARNING", logger="keras_zoo.zoo.translation"):
        greedy = model.translate(["abc", long])
        model.translate([long], beam_width=2)
    assert len(greedy[1]) == model.max_target_length + 1  # every decoder step, no [END]
    cut = [r.getMessage() for r in caplog.records if "without [END]" in r.getMessage()]
    assert cut and cut[0].startswith("1 of 2 translation(s)") and len(cut) == 2
    caplog.clear()
    with caplog.at_level("WARNING", logger="keras_zoo.zoo.translation"):
        model.translate(["abc", "fedc"])
    assert not [r for r in caplog.records if "without [END]" in r.getMessage()]


@pytest.mark.every_backend
@pytest.mark.parametrize("zipped", [True, False], ids=["one_file", "one_folder"])
def test_save_and_reload_translate_identically(trained, reversal, tmp_path, zipped):
    model, _ = trained
    path = tmp_path / ("model.keras" if zipped else "model_dir")
    model.save(path, zipped=zipped)
    assert path.is_file() == zipped
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(reloaded, Seq2Seq)
    sources = list(reversal.x_test[:40])  # the batch the greedy/beam test decodes: same shapes
    assert reloaded.translate(sources) == model.translate(sources)
    assert reloaded.translate(sources, beam_width=2) == model.translate(sources, beam_width=2)
    np.testing.assert_allclose(reloaded.attention("fab").weights, model.attention("fab").weights,
                               rtol=1e-5, atol=1e-6)
    if zipped:
        # One batch: the metric is a count of right sequences over all of them, whatever the
        # batching, and on JAX each eager step compiles the recurrent layers' scans again.
        evaluated = reloaded.evaluate(reversal.x_val, reversal.y_val, verbose=0,
                                      batch_size=len(reversal.x_val), return_dict=True)
        assert evaluated["sequence_accuracy"] >= 0.9  # the compiled state came back too


@pytest.mark.every_backend
def test_predict_gives_the_greedy_decoder_probabilities(trained):
    model, _ = trained
    probs = model.predict(np.array(["abc", "fe"], dtype=object), verbose=0)
    assert probs.shape == (2, model.max_target_length + 1, model.target_size)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)
    teacher = to_numpy(model((_texts("abc"), _texts("cba"))))  # (sources, targets) -> teacher forcing
    assert teacher.shape == (1, model.max_target_length + 1, model.target_size)


def test_unknown_characters_are_unk_or_an_error(trained):
    model, _ = trained
    assert isinstance(model.translate("abz"), str)  # "z" reads as [UNK]
    with pytest.raises(ValueError, match=r"outside the source vocabulary: \['z'\]"):
        model.translate(["abc", "abz"], unknown="error")


def test_targets_longer_than_the_decoder_are_refused_before_training(trained):
    model, _ = trained
    limit = model.max_target_length
    long = "a" * (limit + 3)
    before = [w.copy() for w in model.get_weights()]
    for call in (lambda: zoo.fit(model, ["abc", long], ["cba", long], epochs=1),
                 lambda: model.fit(np.array(["abc", long], dtype=object),
                                   np.array(["cba", long], dtype=object), verbose=0),
                 lambda: model.evaluate(["abc", long], ["cba", long], verbose=0),
                 lambda: zoo.fit(model, ["abc"], ["cba"],
                                 validation_data=(["abc", "ab"], ["cba", long]))):
        with pytest.raises(ValueError, match=f"max_target_length={limit} tokens"):
            call()
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


@pytest.mark.parametrize("call,needle", [
    (lambda m: m.translate(["abc", ""]), r"1 empty or blank text\(s\) \(positions \[1\]\)"),
    (lambda m: m.translate([]), "`texts` is empty"),
    (lambda m: m.translate([3]), "must hold strings"),
    (lambda m: zoo.fit(m, ["abc", "ab"], ["cba"]), "2 sources but 1 targets"),
    (lambda m: zoo.fit(m, ["abc", "ab"], ["cba", " "]), "`targets` has 1 empty"),
    (lambda m: m.translate("abc", beam_width=0), "`beam_width` must be a positive integer"),
    (lambda m: m.beam_search(["abc"], beam_width=10_000), "cannot exceed"),
    (lambda m: m.translate("abc", unknown="skip"), "`unknown` must be one of"),
    (lambda m: m.fit(["abc"]), "pass the target texts as y"),
])
def test_bad_input_fails_clearly(trained, call, needle):
    model, _ = trained
    with pytest.raises(ValueError, match=needle):
        call(model)


@pytest.mark.parametrize("kwargs,needle", [
    ({"attention": "cosine"}, "`attention` must be one of"),
    ({"cell": "simple"}, "cell='lstm' or 'gru'"),
    ({"cell": "tcn"}, "`cell` must be one of"),
    ({"tokenize": "bytes"}, "`tokenize` must be 'word' or 'character'"),
    ({"standardize": "upper"}, "`standardize` must be one of"),
    ({"units": 0}, "`units` must be a positive integer"),
    ({"dropout": 1.5}, "dropout"),
    ({"max_target_length": 2}, "longer than the decoder allows"),
])
def test_bad_arguments_fail_clearly(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        zoo.seq2seq(*PAIRS, **kwargs)


def test_needs_texts_or_vocabularies():
    with pytest.raises(ValueError, match="Give the training `sources`"):
        zoo.seq2seq(targets=PAIRS[1])
    with pytest.raises(ValueError, match="Give the training `targets`.*`target_vocabulary`"):
        zoo.seq2seq(sources=PAIRS[0])
    with pytest.raises(ValueError, match="Give `max_target_length`"):
        zoo.seq2seq(source_vocabulary=list("abcd"), target_vocabulary=list("abcd"))
    model = zoo.seq2seq(source_vocabulary=list("abcd"), target_vocabulary=list("abcd"),
                        max_target_length=5, units=4)
    assert model.max_target_length == 5 and model.target_size == 8
    trimmed = zoo.seq2seq(source_vocabulary=list("abcd"), target_vocabulary=list("abcd"),
                          source_vocab_size=2, max_target_length=5, units=4)
    assert trimmed.source_vocabulary == ["a", "b"] and trimmed.target_vocabulary == list("abcd")


def test_attention_none_has_no_map():
    model = zoo.seq2seq(*PAIRS, attention=None, units=4)
    with pytest.raises(ValueError, match="no attention"):
        model.attention("abc")


@pytest.mark.every_backend
@pytest.mark.parametrize("attention", ["bahdanau", "luong", "luong_dot", None])
@pytest.mark.parametrize("cell,bidirectional", [("lstm", False), ("gru", True)])
def test_variants_build_and_have_the_right_shapes(attention, cell, bidirectional):
    model = zoo.seq2seq(*PAIRS, attention=attention, cell=cell, bidirectional=bidirectional,
                        units=6, embedding_dim=4, dropout=0.1, seed=0)
    assert model.decoder.units == (12 if bidirectional else 6)
    assert type(model.decoder).__name__ == cell.upper()
    expected = {"bahdanau": BahdanauAttention, "luong": LuongAttention,
                "luong_dot": LuongAttention, None: type(None)}[attention]
    assert isinstance(model.attention_layer, expected)
    pairs = (_texts(*PAIRS[0]), _texts(*PAIRS[1]))
    probs = to_numpy(model(pairs))
    assert probs.shape == (6, model.max_target_length + 1, model.target_size)
    x, y, w = model._teacher_forcing_batch((pairs[0][:2], pairs[1][:2]))
    loss = model.compute_loss(x, y, model(x, training=True), w)
    assert np.isfinite(float(loss))
    rebuilt = Seq2Seq.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(to_numpy(rebuilt(pairs)), probs, rtol=1e-5, atol=1e-6)


@pytest.mark.every_backend
def test_word_level_and_standardization():
    sources = ["Hello there, friend", "good morning", "hello friend"]
    targets = ["Salut l'ami", "bonjour", "salut l'ami"]
    model = zoo.seq2seq(sources, targets, tokenize="word", standardize="lower", units=4)
    assert model.max_target_length == 2
    assert "salut" in model.target_vocabulary and "Salut" not in model.target_vocabulary
    assert "there," in model.source_vocabulary
    out = model.translate("hello friend")
    assert isinstance(out, str) and all(t in model.target_vocabulary for t in out.split())


def test_defaults_clip_gradients_and_use_adam_at_3e_3():
    model = zoo.seq2seq(*PAIRS, units=4)
    assert model.optimizer.global_clipnorm == 1.0
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-3)
    sgd = zoo.seq2seq(*PAIRS, units=4, optimizer="momentum", clipnorm=2.0).optimizer
    assert float(sgd.learning_rate) == pytest.approx(0.01) and sgd.global_clipnorm is None


@pytest.mark.every_backend
def test_sequence_accuracy_counts_whole_sequences_and_skips_padding():
    metric = SequenceAccuracy()
    y_true = np.array([[1, 2, 0], [1, 2, 3]])
    y_pred = np.eye(4)[[[1, 2, 3], [1, 2, 1]]]  # row 0 wrong only at a padded step
    metric.update_state(y_true, y_pred, sample_weight=(y_true != 0).astype("float32"))
    assert float(metric.result()) == pytest.approx(0.5)


# === Attention layers ===

@pytest.mark.every_backend
@pytest.mark.parametrize("layer", [BahdanauAttention(5), LuongAttention("general"),
                                   LuongAttention("dot", scale=True)])
def test_attention_layers_mask_and_normalise(layer):
    rng = np.random.default_rng(0)
    query = rng.normal(size=(2, 3, 4)).astype("float32")
    values = rng.normal(size=(2, 6, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=bool)
    context, weights = layer(query, values, values_mask=mask)
    weights = to_numpy(weights)
    assert context.shape == (2, 3, 4) and weights.shape == (2, 3, 6)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)
    assert np.all(weights[0, :, 4:] == 0.0)
    # What sits at masked positions cannot change the context.
    changed = values.copy()
    changed[0, 4:] = 100.0
    np.testing.assert_allclose(to_numpy(layer(query, changed, values_mask=mask)[0])[0],
                               to_numpy(context)[0], rtol=1e-5, atol=1e-5)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_attention_layer_errors():
    with pytest.raises(ValueError, match="same size"):
        LuongAttention("dot")(np.ones((1, 2, 3), "float32"), np.ones((1, 4, 5), "float32"))
    with pytest.raises(ValueError, match="`score` must be one of"):
        LuongAttention("cosine")
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        BahdanauAttention(0)
