"""The zoo's recurrent and seq2seq models against the same models hand-written in Keras.

Two tasks, each contender run interleaved in one process (the machine's noise hits all alike):

dates (seq2seq)   9,000 generated "human-readable date -> ISO 8601" pairs for training, 1,000
                  held out; character level, 128 units, embeddings of 64, batch 64, no early
                  stopping. Quality: exact match of the greedy translation on the held-out pairs.
  keras_seq2seq_attention   the tutorial model, --keras-epochs (10, the reference setting):
                            Embedding -> LSTM encoder (states) -> LSTM decoder ->
                            keras.layers.AdditiveAttention over the encoder outputs -> Concatenate
                            -> Dense softmax; data tokenized in Python beforehand; model.fit on
                            ([source ids, decoder inputs], decoder targets).
  zoo_seq2seq_bahdanau      kz.zoo.seq2seq(attention="bahdanau") with its defaults + kz.zoo.fit on
                            the raw texts, --zoo-epochs (6).
  zoo_seq2seq_luong         the same with attention="luong".
  zoo_seq2seq_no_attention  the same with attention=None, trained for as long (wall clock) as
                            zoo_seq2seq_bahdanau was in the same repeat: equal training time.

word_order (text classification)  4 classes only word order tells apart; 3,500 training texts,
                  1,000 test texts; 64 units, embeddings of 64, batch 32, --clf-epochs (6).
  keras_lstm / keras_bilstm  TextVectorization -> Embedding(mask_zero) -> [Bi]LSTM(64) -> Dense,
                             model.fit on the raw texts.
  zoo_lstm / zoo_bilstm      kz.zoo.lstm / kz.zoo.bilstm(**data.model_kwargs(...)) + kz.zoo.fit.

Printed as JSON: median training seconds, training samples/s (samples x epochs / seconds) and
its ratio to the hand-written model of the same task (>= 1: the zoo trains at least as fast), the
training time relative to the hand-written model's, and the quality (mean and minimum).

Run:  python benchmarks/bench_text.py [--repeats 3] [--keras-epochs 10] [--zoo-epochs 6]
      [--clf-epochs 6] [--only dates|word_order] [--n-dates 10000] [--n-word-order 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import keras_zoo as kz

# === dates: seq2seq ===


def _char_ids(texts, vocab, length=None):
    index = {c: i + 1 for i, c in enumerate(vocab)}
    length = length or max(len(t) for t in texts)
    out = np.zeros((len(texts), length), dtype="int32")
    for row, text in enumerate(texts):
        ids = [index.get(c, 0) for c in text][:length]
        out[row, :len(ids)] = ids
    return out


def keras_seq2seq_attention(data, epochs, seed):
    """The hand-written reference: returns (train seconds, exact match)."""
    keras.utils.set_random_seed(seed)
    src_vocab = sorted({c for t in data.x_train for c in t})
    tgt_vocab = sorted({c for t in data.y_train for c in t})
    start, end = len(tgt_vocab) + 1, len(tgt_vocab) + 2
    steps = max(len(t) for t in data.y_train) + 1
    enc = _char_ids(data.x_train, src_vocab)
    tgt = _char_ids(data.y_train, tgt_vocab, steps - 1)
    dec_in = np.concatenate([np.full((len(tgt), 1), start), tgt], axis=1).astype("int32")
    lengths = (tgt > 0).sum(axis=1)
    dec_out = np.concatenate([tgt, np.zeros((len(tgt), 1), "int32")], axis=1)
    dec_out[np.arange(len(tgt)), lengths] = end

    enc_inputs = keras.Input((None,), dtype="int32")
    dec_inputs = keras.Input((None,), dtype="int32")
    e = keras.layers.Embedding(len(src_vocab) + 1, 64, mask_zero=True)(enc_inputs)
    enc_seq, h, c = keras.layers.LSTM(128, return_sequences=True, return_state=True)(e)
    d = keras.layers.Embedding(len(tgt_vocab) + 3, 64)(dec_inputs)
    dec_seq = keras.layers.LSTM(128, return_sequences=True)(d, initial_state=[h, c])
    context = keras.layers.AdditiveAttention()([dec_seq, enc_seq])
    x = keras.layers.Concatenate()([dec_seq, context])
    outputs = keras.layers.Dense(len(tgt_vocab) + 3, activation="softmax")(x)
    model = keras.Model([enc_inputs, dec_inputs], outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    began = time.perf_counter()
    model.fit([enc, dec_in], dec_out, batch_size=64, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - began

    # Greedy decoding with the training model: feed the prefix, take the next token.
    test_enc = _char_ids(data.x_test, src_vocab)
    prefix = np.full((len(test_enc), 1), start, dtype="int32")
    for _ in range(steps):
        probs = model.predict_on_batch([test_enc, prefix])
        prefix = np.concatenate([prefix, probs[:, -1].argmax(-1)[:, None].astype("int32")], 1)
    decoded = []
    for row in prefix[:, 1:]:
        chars = []
        for i in row:
            if i == end or i == 0:
                break
            chars.append(tgt_vocab[i - 1] if i <= len(tgt_vocab) else "?")
        decoded.append("".join(chars))
    return seconds, float(np.mean([p == t for p, t in zip(decoded, data.y_test)])), epochs


class _TimeBudget(keras.callbacks.Callback):
    """Stop after the first epoch that ends past ``seconds`` of training."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs=None):
        self.began = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if time.perf_counter() - self.began >= self.seconds:
            self.model.stop_training = True


_LAST = {}  # zoo_seq2seq_bahdanau's time in the current repeat: the no-attention budget


def _zoo_seq2seq(data, epochs, seed, attention, budget=None):
    model = kz.zoo.seq2seq(**data.model_kwargs(kz.zoo.seq2seq), units=128, embedding_dim=64,
                           attention=attention, seed=seed)
    began = time.perf_counter()
    history = kz.zoo.fit(model, data.x_train, data.y_train, batch_size=64,
                         epochs=epochs if budget is None else 1000, early_stopping=False,
                         seed=seed, callbacks=[_TimeBudget(budget)] if budget else None,
                         verbose=0)
    seconds = time.perf_counter() - began
    return seconds, model.exact_match(data.x_test, data.y_test), len(history.history["loss"])


def zoo_seq2seq_bahdanau(data, epochs, seed):
    result = _zoo_seq2seq(data, epochs, seed, "bahdanau")
    _LAST["bahdanau"] = result[0]
    return result


def zoo_seq2seq_luong(data, epochs, seed):
    return _zoo_seq2seq(data, epochs, seed, "luong")


def zoo_seq2seq_no_attention(data, epochs, seed):
    return _zoo_seq2seq(data, epochs, seed, None, budget=_LAST.get("bahdanau"))


# === word_order: text classification ===

def _keras_classifier(data, epochs, seed, bidirectional):
    keras.utils.set_random_seed(seed)
    vectorizer = keras.layers.TextVectorization(output_sequence_length=data.model_kwargs()[
        "sequence_length"])
    vectorizer.adapt(data.x_train)
    inputs = keras.Input(shape=(), dtype="string")
    x = keras.layers.Embedding(vectorizer.vocabulary_size(), 64, mask_zero=True)(
        vectorizer(inputs))
    layer = keras.layers.LSTM(64)
    x = (keras.layers.Bidirectional(layer) if bidirectional else layer)(x)
    outputs = keras.layers.Dense(data.num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    began = time.perf_counter()
    model.fit(data.x_train, data.y_train, batch_size=32, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - began
    return seconds, model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)[
        "accuracy"], epochs


def keras_lstm(data, epochs, seed):
    return _keras_classifier(data, epochs, seed, False)


def keras_bilstm(data, epochs, seed):
    return _keras_classifier(data, epochs, seed, True)


def _zoo_classifier(data, epochs, seed, factory):
    model = factory(**data.model_kwargs(factory), units=64, embedding_dim=64, seed=seed)
    began = time.perf_counter()
    kz.zoo.fit(model, data.x_train, data.y_train, batch_size=32, epochs=epochs,
               early_stopping=False, seed=seed, verbose=0)
    seconds = time.perf_counter() - began
    return seconds, model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)[
        "accuracy"], epochs


def zoo_lstm(data, epochs, seed):
    return _zoo_classifier(data, epochs, seed, kz.zoo.lstm)


def zoo_bilstm(data, epochs, seed):
    return _zoo_classifier(data, epochs, seed, kz.zoo.bilstm)


TASKS = {
    "dates": ([keras_seq2seq_attention, zoo_seq2seq_bahdanau, zoo_seq2seq_luong,
               zoo_seq2seq_no_attention], "exact_match"),
    "word_order": ([keras_lstm, zoo_lstm, keras_bilstm, zoo_bilstm], "test_accuracy"),
}
BASELINE = {"keras_seq2seq_attention": "keras_seq2seq_attention",
            "zoo_seq2seq_bahdanau": "keras_seq2seq_attention",
            "zoo_seq2seq_luong": "keras_seq2seq_attention",
            "zoo_seq2seq_no_attention": "keras_seq2seq_attention",
            "keras_lstm": "keras_lstm", "zoo_lstm": "keras_lstm",
            "keras_bilstm": "keras_bilstm", "zoo_bilstm": "keras_bilstm"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keras-epochs", type=int, default=10)
    parser.add_argument("--zoo-epochs", type=int, default=6)
    parser.add_argument("--clf-epochs", type=int, default=6)
    parser.add_argument("--only", choices=list(TASKS), default=None)
    parser.add_argument("--n-dates", type=int, default=10000, help="pairs (10%% held out)")
    parser.add_argument("--n-word-order", type=int, default=5000, help="texts (20%% test)")
    args = parser.parse_args()
    datasets = {
        "dates": lambda: kz.load("dates", n=args.n_dates, test_size=0.1, val_size=0.0, seed=0),
        "word_order": lambda: kz.load("word_order", n=args.n_word_order, seed=0),
    }

    def epochs_of(name):
        if name.startswith("keras_seq2seq"):
            return args.keras_epochs
        return args.zoo_epochs if name.startswith("zoo_seq2seq") else args.clf_epochs

    report = {"keras": keras.__version__, "backend": keras.backend.backend(),
              "repeats": args.repeats, "tasks": {}}
    for task, (contenders, quality) in TASKS.items():
        if args.only and task != args.only:
            continue
        data = datasets[task]()
        for fn in contenders:  # warm-up: TensorFlow's one-off start-up costs are nobody's
            keras.backend.clear_session()
            _LAST.clear()
            fn(data, 1, 0)
        _LAST.clear()
        runs = {fn.__name__: [] for fn in contenders}
        for rep in range(args.repeats):
            for fn in contenders:
                keras.backend.clear_session()
                seconds, score, epochs = fn(data, epochs_of(fn.__name__), rep)
                runs[fn.__name__].append((seconds, score, epochs))
                print(f"# {task} {fn.__name__} repeat {rep}: {epochs} epochs {seconds:.1f}s "
                      f"{quality} {score:.4f}", flush=True)
        results = {}
        for name, rows in runs.items():
            seconds = [r[0] for r in rows]
            rate = statistics.median(len(data.y_train) * r[2] / r[0] for r in rows)
            base = BASELINE[name]
            base_rate = statistics.median(len(data.y_train) * r[2] / r[0] for r in runs[base])
            results[name] = {
                "epochs": [r[2] for r in rows],
                "median_train_seconds": round(statistics.median(seconds), 2),
                "train_seconds_vs_" + base: round(
                    statistics.median(seconds) / statistics.median(r[0] for r in runs[base]), 2),
                "train_samples_per_second": round(rate, 1),
                "samples_per_second_ratio_vs_" + base: round(rate / base_rate, 2),
                f"mean_{quality}": round(statistics.mean(r[1] for r in rows), 4),
                f"min_{quality}": round(min(r[1] for r in rows), 4),
            }
        report["tasks"][task] = {"train_samples": len(data.y_train),
                                 "test_samples": len(data.y_test), "results": results}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
