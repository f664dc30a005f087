"""Text loaders: generated tasks, text classification sources, parallel corpora, IMDB/Reuters
from the Keras cache (with a fake file: this machine is offline), and their errors."""

from __future__ import annotations

import datetime as dt
import os

import keras
import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo.datasets import text

# === Generated tasks ===

def test_dates_are_seeded_iso_and_cover_every_format():
    data = kz.load("dates", n=600, seed=3)
    again = kz.load("dates", n=600, seed=3)
    other = kz.load("dates", n=600, seed=4)
    assert list(data.x_train) == list(again.x_train)
    assert list(data.x_train) != list(other.x_train)
    assert data.task == "seq2seq" and sum(data.sizes().values()) == 600
    assert data.sizes()["test"] == 60 and data.sizes()["val"] in (60, 61)
    sources = np.concatenate([data.x_train, data.x_val, data.x_test])
    targets = np.concatenate([data.y_train, data.y_val, data.y_test])
    assert len(set(sources)) == len(sources)  # no (date, format) pair twice
    for source, target in zip(sources, targets):
        date = dt.date.fromisoformat(target)
        assert dt.date(1950, 1, 1) <= date <= dt.date(2049, 12, 31)
        assert str(date.year) in source
    formats = text.DATE_FORMAT_EXAMPLES
    assert len(formats) == 12 and "Tuesday, March 3, 1998" in formats
    assert data.metadata["formats"] == formats
    assert any("/" in s and s[:4].isdigit() for s in sources)  # "1998/03/03"
    assert any(s.startswith("the ") for s in sources)           # "the 3rd of March 1998"
    kwargs = data.model_kwargs(kz.zoo.seq2seq)
    assert kwargs["max_target_length"] == 10 and kwargs["tokenize"] == "character"
    assert list(kwargs["sources"]) == list(data.x_train)


def test_reversal_pairs():
    data = kz.load("reversal", n=150, min_length=2, max_length=5, alphabet="xyz", seed=0)
    for source, target in zip(data.x_train, data.y_train):
        assert target == source[::-1] and 2 <= len(source) <= 5 and set(source) <= set("xyz")
    everything = [*data.x_train, *data.x_val, *data.x_test]
    assert len(set(everything)) == 150
    with pytest.raises(ValueError, match="distinct strings"):
        kz.load("reversal", n=100, min_length=1, max_length=2, alphabet="ab")


@pytest.mark.every_backend
def test_word_order_needs_the_order_a_bag_of_words_stays_at_chance():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    data = kz.load("word_order", n=2000, seed=0)
    assert data.task == "multiclass" and data.num_classes == 4
    assert data.class_names == text.WORD_ORDER_CLASSES
    counts = np.bincount(data.y_train, minlength=4)
    assert counts.min() > 0.2 * len(data.y_train)  # balanced
    for sentence, label in zip(data.x_train[:50], data.y_train[:50]):
        words = sentence.split()
        cat_first = words.index("cat") < words.index("dog")
        red_first = words.index("red") < words.index("blue")
        assert label == 2 * cat_first + red_first
    vectorizer = CountVectorizer().fit(data.x_train)
    bow = LogisticRegression(max_iter=500).fit(vectorizer.transform(data.x_train), data.y_train)
    assert bow.score(vectorizer.transform(data.x_test), data.y_test) < 0.35


# === Text classification ===

REVIEWS = ["a great film", "truly great acting", "awful plot", "an awful, boring film",
           "great fun", "boring and awful"] * 4
LABELS = ["pos", "pos", "neg", "neg", "pos", "neg"] * 4


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("raw-text models hold string tensors (refused elsewhere: test_registry)")
def test_from_texts_model_kwargs_build_a_fitting_text_model():
    data = text.from_texts(REVIEWS, LABELS, seed=0)
    assert data.task == "binary" and data.class_names == ["neg", "pos"]
    assert data.x_train.dtype == object and isinstance(data.x_train[0], str)
    kwargs = data.model_kwargs(kz.zoo.lstm)
    assert kwargs["sequence_length"] == 4  # "an awful boring film": punctuation stripped
    assert kwargs["vocab_size"] == 11 + 2  # 11 words + padding + [UNK]
    assert kwargs["input_shape"] is None and "texts" in kwargs
    model = kz.zoo.lstm(**kwargs, units=4)
    assert model.output_shape == (None, 1)
    assert model.predict_on_batch(data.x_test).shape == (len(data.x_test), 1)
    ds = data.pipeline("train", batch_size=4)  # tf.data from object arrays of text
    x, _ = next(iter(ds))
    assert x.dtype.name == "string" and x.shape[0] == 4


def test_from_texts_character_and_fixed_length():
    data = text.from_texts(REVIEWS, LABELS, tokenize="character", sequence_length=7)
    assert data.model_kwargs()["sequence_length"] == 7
    assert data.model_kwargs()["tokenize"] == "character"


@pytest.mark.parametrize("texts,labels,needle", [
    ([], [], "`texts` is empty"),
    (["good", "", "bad"], [1, 0, 0], r"1 empty or blank text\(s\) \(positions \[1\]\)"),
    (["good", None, "bad"], [1, 0, 0], "must hold strings"),
    (["good", "bad"], [1, 0, 0], "2 texts but 3 labels"),
    (["good", "bad", "fine"], [1, 1, 1], "single class"),
])
def test_from_texts_errors(texts, labels, needle):
    with pytest.raises(ValueError, match=needle):
        text.from_texts(texts, labels)
    with pytest.raises(TypeError, match="not one string"):
        text.from_texts("just one string", [1])


def test_text_from_dataframe_and_csv(tmp_path):
    df = pd.DataFrame({"review": REVIEWS, "sentiment": LABELS})
    data = text.text_from_dataframe(df, text="review", target="sentiment")
    assert data.sizes()["train"] + data.sizes()["val"] + data.sizes()["test"] == len(df)
    with pytest.raises(ValueError, match="no column 'reviews'. Did you mean 'review'"):
        text.text_from_dataframe(df, text="reviews", target="sentiment")
    with pytest.raises(ValueError, match=r"column 'review' has 1 missing value\(s\)"):
        text.text_from_dataframe(df.assign(review=[None] + REVIEWS[1:]), text="review",
                                 target="sentiment")
    path = tmp_path / "reviews.csv"
    df.to_csv(path, index=False)
    from_csv = text.text_from_csv(path, text="review", target="sentiment")
    assert from_csv.name == "reviews" and list(from_csv.x_train) == list(data.x_train)
    with pytest.raises(FileNotFoundError):
        text.text_from_csv(tmp_path / "missing.csv")


def test_text_from_folder(tmp_path):
    for cls, samples in (("neg", ["awful", "boring plot", "bad"]),
                         ("pos", ["great", "lovely film", "fun"])):
        (tmp_path / cls).mkdir()
        for i, content in enumerate(samples):
            (tmp_path / cls / f"{i}.txt").write_text(content)
    (tmp_path / "pos" / "notes.md").write_text("ignored: not a .txt file")
    data = text.text_from_folder(tmp_path, test_size=0.0, val_size=0.0)
    assert data.class_names == ["neg", "pos"] and data.task == "binary"
    by_text = dict(zip(data.x_train, data.y_train))
    assert by_text["lovely film"] == 1 and by_text["boring plot"] == 0 and len(by_text) == 6
    (tmp_path / "pos" / "empty.txt").write_text("  \n")
    with pytest.raises(ValueError, match=r"1 empty text file\(s\).*empty.txt"):
        text.text_from_folder(tmp_path)
    lonely = tmp_path / "lonely"
    (lonely / "only").mkdir(parents=True)
    with pytest.raises(ValueError, match="at least two"):
        text.text_from_folder(lonely)


# === Parallel corpora ===

def test_pairs_from_tsv(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_text("Go.\tVa !\tCC-BY 2.0 (France)\n\nHi.\tSalut !\tCC-BY\nRun!\tCours !\n"
                    "Wow!\tÇa alors !\n" * 3, encoding="utf-8")
    data = text.pairs_from_tsv(path, test_size=0.0, val_size=0.0)
    pairs = dict(zip(data.x_train, data.y_train))
    assert pairs["Go."] == "Va !" and pairs["Wow!"] == "Ça alors !"
    assert data.model_kwargs(kz.zoo.seq2seq)["max_target_length"] == len("Ça alors !")
    bad = tmp_path / "bad.txt"
    bad.write_text("Go.\tVa !\nHi. Salut !\n")
    with pytest.raises(ValueError, match=r"bad.txt:2: expected 'source<TAB>target'"):
        text.pairs_from_tsv(bad)
    empty_side = tmp_path / "empty_side.txt"
    empty_side.write_text("Go.\t \n")
    with pytest.raises(ValueError, match="the target is empty"):
        text.pairs_from_tsv(empty_side)


def test_pairs_errors():
    with pytest.raises(ValueError, match="2 sources but 1 targets"):
        text.pairs_from_lists(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="`targets` has 1 empty"):
        text.pairs_from_lists(["a", "b"], ["c", ""])


# === IMDB and Reuters from the Keras cache ===

def _ragged(rows):
    arr = np.empty(len(rows), dtype=object)
    arr[:] = [[int(v) for v in r] for r in rows]  # Python ints, as in Keras' files
    return arr


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def test_imdb_from_a_cached_file(keras_home):
    rng = np.random.default_rng(0)
    rows = [rng.integers(1, 30, size=int(n)) for n in rng.integers(3, 12, size=40)]
    labels = np.array([0, 1] * 20)
    np.savez(keras_home / "imdb.npz", x_train=_ragged(rows[:30]), y_train=labels[:30],
             x_test=_ragged(rows[30:]), y_test=labels[30:])
    data = kz.load("imdb", num_words=20, maxlen=8, val_size=0.2, seed=0)
    assert data.task == "binary" and data.class_names == ["negative", "positive"]
    assert data.sizes() == {"train": 24, "val": 6, "test": 10}
    assert data.x_train.shape == (24, 8) and data.x_train.dtype == np.int32
    assert data.x_train.max() < 20  # words past num_words read as 2 (out of vocabulary)
    first = rows[30]  # Keras' encoding: 1 = start, word ids + 3, then padding after the text
    expected = [1] + [w + 3 if w + 3 < 20 else 2 for w in first]
    expected = expected[-8:] + [0] * (8 - len(expected[-8:]))
    assert data.x_test[0].tolist() == expected
    kwargs = data.model_kwargs(kz.zoo.bilstm)
    assert kwargs["vocab_size"] == 20 and kwargs["sequence_length"] == 8
    model = kz.zoo.bilstm(**kwargs, units=4, embedding_dim=4)
    assert model.predict_on_batch(data.x_test).shape == (10, 1)


def test_reuters_from_a_cached_file(keras_home):
    rng = np.random.default_rng(1)
    rows = [rng.integers(1, 50, size=int(n)) for n in rng.integers(3, 12, size=50)]
    np.savez(keras_home / "reuters.npz", x=_ragged(rows), y=np.arange(50) % 5)
    data = kz.load("reuters", num_words=30, maxlen=10, test_size=0.2, val_size=0.1, seed=0)
    assert data.task == "multiclass" and data.num_classes == 5
    assert data.sizes() == {"train": 35, "val": 5, "test": 10}
    assert data.class_names == list(keras.datasets.reuters.get_label_names())[:5]


def test_offline_download_names_the_url_and_the_cache_path(keras_home, monkeypatch):
    reason = ("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3] "
              "Temporary failure in name resolution")

    def offline(*args, **kwargs):  # keras.utils.get_file raises a bare Exception offline
        raise Exception(reason)  # noqa: TRY002

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(text.DatasetDownloadError) as info:
        kz.load("imdb")
    message = str(info.value)
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz" in message
    assert os.path.join(str(keras_home), "imdb.npz") in message
    assert isinstance(info.value, FileNotFoundError)
    assert not (keras_home / "imdb.npz").exists()


def test_a_corrupted_cache_file_says_delete_it(keras_home):
    (keras_home / "reuters.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="Delete it to download it again"):
        kz.load("reuters")


class _Planted:
    """Unpickling this would create the folder ``path``: a stand-in for running any code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def test_a_malicious_npz_is_refused_and_not_run(keras_home, tmp_path):
    marker = tmp_path / "code-ran"
    planted = np.empty(2, dtype=object)
    planted[:] = [[1, 2], _Planted(marker)]
    np.savez(keras_home / "reuters.npz", x=planted, y=np.arange(2))
    with pytest.raises(ValueError, match=r"Refusing to load (posix|os|nt)\.mkdir.*Delete it"):
        kz.load("reuters")
    assert not marker.exists()


def test_text_loaders_are_registered():
    assert set(kz.datasets.list_datasets(kind="pairs")) >= {"dates", "reversal"}
    assert set(kz.datasets.list_datasets(kind="text")) >= {"word_order", "imdb", "reuters"}
