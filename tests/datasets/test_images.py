"""Image datasets: digits as images, Keras' sets from a (fake) cache, folders, arrays, bad input."""

from __future__ import annotations

import gzip
import os
import pickle
import socket
import tarfile

import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import datasets
from keras_zoo.datasets import images

RNG = np.random.default_rng(0)


# === Digits ===

def test_digits_as_images_keep_the_tabular_splits():
    table = kz.load("digits", seed=3)
    data = kz.load("digits", as_images=True, seed=3)
    assert table.input_dim == 64 and table.input_shape == (64,)  # the default stays tabular
    assert data.input_shape == (8, 8, 1) and data.num_classes == 10
    assert data.x_train.max() == 16.0 and data.metadata["pixel_max"] == 16.0
    np.testing.assert_array_equal(data.y_test, table.y_test)
    np.testing.assert_array_equal(data.x_test.reshape(len(data.x_test), -1), table.x_test)
    same = kz.load("digits_images", seed=3)
    np.testing.assert_array_equal(same.x_train, data.x_train)
    kwargs = data.model_kwargs(kz.zoo.cnn)
    assert kwargs == {"task": "multiclass", "input_shape": (8, 8, 1), "num_classes": 10,
                      "pixel_max": 16.0}
    assert "digits_images" in datasets.list_datasets(kind="image")


# === Keras' datasets, from a temporary cache ===

@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path


def _offline(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)


def test_mnist_from_the_cache(keras_home):
    x_train = RNG.integers(0, 256, size=(60, 28, 28), dtype=np.uint8)
    x_test = RNG.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    np.savez(keras_home / "datasets" / "mnist.npz", x_train=x_train, y_train=np.arange(60) % 10,
             x_test=x_test, y_test=np.arange(20) % 10)
    data = kz.load("mnist", val_size=0.2, seed=0)
    assert data.input_shape == (28, 28, 1) and data.x_train.dtype == np.uint8
    assert data.sizes() == {"train": 48, "val": 12, "test": 20}
    np.testing.assert_array_equal(data.x_test[..., 0], x_test)  # the official test set
    assert sorted(set(data.y_val.tolist())) == list(range(10))  # stratified: all classes
    assert data.class_names == [str(i) for i in range(10)]
    assert data.model_kwargs(kz.zoo.cnn)["pixel_max"] == 255.0
    model = kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn), filters=(4,), dense_units=())
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)


def test_fashion_mnist_from_the_cache(keras_home):
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir()

    def write(name, array, header):
        with gzip.open(folder / name, "wb") as handle:
            handle.write(b"\0" * header + array.astype(np.uint8).tobytes())

    write("train-labels-idx1-ubyte.gz", np.arange(30) % 10, 8)
    write("train-images-idx3-ubyte.gz", RNG.integers(0, 256, (30, 28, 28)), 16)
    write("t10k-labels-idx1-ubyte.gz", np.arange(10), 8)
    write("t10k-images-idx3-ubyte.gz", RNG.integers(0, 256, (10, 28, 28)), 16)
    data = kz.load("fashion_mnist", val_size=0.34)
    assert data.input_shape == (28, 28, 1) and data.sizes() == {"train": 19, "val": 11,
                                                                "test": 10}
    assert data.class_names[9] == "Ankle boot"


def _cifar_folder(folder, members):
    folder.mkdir(parents=True)
    for name, content in members.items():
        with open(folder / name, "wb") as handle:
            # Protocol 4 rebuilds NumPy arrays through multiarray._reconstruct, as in the real
            # CIFAR batches (protocol 5 would use numpy's _frombuffer, which they never hold).
            pickle.dump(content, handle, protocol=4)


def _cifar_tar(path, folder, members):
    source = path.parent / f"src-{folder}"
    _cifar_folder(source / folder, members)
    with tarfile.open(path, "w:gz") as archive:
        archive.add(source / folder, arcname=folder)


def _batch(n, key=b"labels", classes=10):
    return {b"data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8),
            key: [i % classes for i in range(n)]}


def test_cifar10_from_a_dropped_archive_and_from_keras_own_layout(keras_home):
    members = {f"data_batch_{i}": _batch(10) for i in range(1, 6)}
    members["test_batch"] = _batch(10)
    members["batches.meta"] = {b"label_names": [f"c{i}".encode() for i in range(10)]}
    _cifar_tar(keras_home / "datasets" / "cifar-10-python.tar.gz", "cifar-10-batches-py",
               members)
    data = kz.load("cifar10", val_size=0.2)
    assert data.input_shape == (32, 32, 3) and data.sizes() == {"train": 40, "val": 10,
                                                                "test": 10}
    assert data.class_names[:2] == ["c0", "c1"]
    expected = members["test_batch"][b"data"].reshape(10, 3, 32, 32).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(data.x_test, expected)  # channels-last, pixel for pixel
    # The archive was extracted where keras.datasets extracts it; that folder alone suffices.
    os.remove(keras_home / "datasets" / "cifar-10-python.tar.gz")
    assert (keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py").is_dir()
    assert kz.load("cifar10", val_size=0.2).sizes()["train"] == 40


def test_cifar100_fine_and_coarse_labels(keras_home):
    train = {**_batch(40, b"fine_labels", 100), b"coarse_labels": [i % 20 for i in range(40)]}
    test = {**_batch(20, b"fine_labels", 100), b"coarse_labels": [i % 20 for i in range(20)]}
    _cifar_tar(keras_home / "datasets" / "cifar-100-python.tar.gz", "cifar-100-python",
               {"train": train, "test": test})
    fine = kz.load("cifar100", val_size=0.25)
    coarse = kz.load("cifar100", val_size=0.25, label_mode="coarse")
    assert fine.num_classes == 100 and coarse.num_classes == 20
    assert coarse.y_test.tolist() == [i % 20 for i in range(20)]
    with pytest.raises(ValueError, match=r"`label_mode` must be one of 'fine', 'coarse'"):
        kz.load("cifar100", label_mode="medium")


class _Planted:
    """Unpickling this would create the folder ``path``: a stand-in for running any code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path,))


@pytest.mark.parametrize("batch", ["data_batch_1", "batches.meta"])
def test_a_malicious_cifar_pickle_is_refused_and_not_run(keras_home, tmp_path, batch):
    marker = tmp_path / "code-ran"
    members = {f"data_batch_{i}": _batch(10) for i in range(1, 6)}
    members["test_batch"] = _batch(10)
    members["batches.meta"] = {b"label_names": [f"c{i}".encode() for i in range(10)]}
    members[batch] = {b"data": _Planted(marker), b"labels": [0] * 10,
                      b"label_names": _Planted(marker)}
    # Keras' own layout: the extracted folder alone, no archive.
    _cifar_folder(keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py",
                  members)
    with pytest.raises(ValueError, match=rf"Cannot read .*{batch}.*Refusing to load "
                                         r"(posix|os|nt)\.mkdir.*Delete it") as info:
        kz.load("cifar10")
    assert isinstance(info.value, kz.InputValueError)
    assert not marker.exists()  # refused before anything ran
    # The restricted unpickler still reads the honest batches.
    members[batch] = _batch(10) if batch != "batches.meta" else {b"label_names": [b"x"] * 10}
    with open(keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
              / batch, "wb") as handle:
        pickle.dump(members[batch], handle, protocol=4)
    assert kz.load("cifar10", val_size=0.2).sizes() == {"train": 40, "val": 10, "test": 10}


def test_offline_download_names_the_url_and_the_cache_path(keras_home, monkeypatch):
    _offline(monkeypatch)
    with pytest.raises(kz.datasets.DatasetDownloadError) as info:  # the text sets' error too
        kz.load("mnist")
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert str(keras_home / "datasets" / "mnist.npz") in message
    assert not (keras_home / "datasets" / "mnist.npz").exists()  # nothing half-written
    with pytest.raises(FileNotFoundError, match=r"cifar-10-python\.tar\.gz.*"
                                                r"put it at .*datasets/cifar-10-python\.tar\.gz"):
        kz.load("cifar10")


def test_a_broken_cached_file_says_what_to_do(keras_home):
    np.savez(keras_home / "datasets" / "mnist.npz", x_train=np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match=r"is not an MNIST file: it lacks \['y_train', "
                                         r"'x_test', 'y_test'\]\. Delete it"):
        kz.load("mnist")


# === Arrays of images ===

def test_from_images_adds_the_channel_axis_and_keeps_uint8():
    x = RNG.integers(0, 256, size=(40, 6, 5), dtype=np.uint8)
    data = datasets.from_images(x, np.array(["cat", "dog"] * 20), seed=0)
    assert data.input_shape == (6, 5, 1) and data.x_train.dtype == np.uint8
    assert data.class_names == ["cat", "dog"] and data.task == "binary"
    assert data.metadata["model_kwargs"]["pixel_max"] == 255.0
    floats = datasets.from_images(RNG.uniform(0, 4.0, size=(20, 4, 4, 3)), np.arange(20) % 2)
    assert 3.9 < floats.metadata["pixel_max"] <= 4.0  # the data's own maximum
    rows = sorted(np.concatenate([data.x_train, data.x_val, data.x_test]).reshape(40, -1)
                  .tolist())
    assert rows == sorted(x.reshape(40, -1).tolist())  # every image in exactly one split


@pytest.mark.parametrize("x,needle", [
    (np.zeros((10, 64)), r"shape \(samples, height, width, channels\).*x\.shape=\(10, 64\)"),
    (np.zeros((10, 2, 4, 4, 1)), r"Received: x\.shape=\(10, 2, 4, 4, 1\)"),
    (np.zeros((10, 3, 8, 8)), (r"these have 8\. They look channels-first: use "
                              r"x\.transpose\(0, 2, 3, 1\)")),
    (np.full((10, 4, 4, 1), np.nan), r"The pixels hold missing or infinite values"),
])
def test_from_images_bad_input(x, needle):
    with pytest.raises(ValueError, match=needle):
        datasets.from_images(x, np.arange(10) % 2)


# === Image folders ===

def _png(path, pixels):
    import tensorflow as tf

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(pixels).numpy())


def _folder(root, classes=("cat", "dog", "owl"), per_class=5, size=(6, 7)):
    for k, cls in enumerate(classes):
        for i in range(per_class):
            pixels = np.full((*size, 3), 100 * k + i, np.uint8)
            _png(root / cls / f"{i}.png", pixels)
    return root


def test_from_folder_reads_classes_and_splits(tmp_path):
    root = _folder(tmp_path / "pets")
    (root / ".DS_Store").write_text("ignored")
    (root / "cat" / ".hidden.txt").write_text("ignored")
    data = datasets.from_folder(root, image_size=(6, 7), test_size=0.2, val_size=0.2, seed=0)
    assert data.name == "pets" and data.class_names == ["cat", "dog", "owl"]
    assert data.input_shape == (6, 7, 3) and data.x_train.dtype == np.uint8
    assert data.sizes() == {"train": 9, "val": 3, "test": 3}
    assert np.bincount(data.y_test).tolist() == [1, 1, 1]  # stratified
    for x, y in zip(data.x_train, data.y_train):  # labels follow the folders
        assert 100 * y <= x[0, 0, 0] < 100 * y + 8
    gray = datasets.from_folder(root, image_size=(3, 3), color_mode="grayscale")
    assert gray.input_shape == (3, 3, 1)
    again = datasets.from_folder(root, image_size=(6, 7), test_size=0.2, val_size=0.2, seed=0)
    np.testing.assert_array_equal(again.x_test, data.x_test)


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such image folder"):
        datasets.from_folder(tmp_path / "nope")
    (tmp_path / "flat").mkdir()
    _png(tmp_path / "flat" / "a.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="has no class subfolders"):
        datasets.from_folder(tmp_path / "flat")
    root = _folder(tmp_path / "one", classes=("cat",))
    with pytest.raises(ValueError, match=r"a single class folder \('cat'\)"):
        datasets.from_folder(root)
    root = _folder(tmp_path / "empty")
    (root / "emu").mkdir()
    with pytest.raises(ValueError, match=r"the class folder\(s\) 'emu' hold no images"):
        datasets.from_folder(root)
    root = _folder(tmp_path / "mixed")
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / "owl" / "table.csv").write_text("a,b")
    with pytest.raises(ValueError, match=r"2 file\(s\) are not images \(\.bmp, .*\): "
                                         r"'dog/notes\.txt', 'owl/table\.csv'"):
        datasets.from_folder(root)
    root = _folder(tmp_path / "broken")
    (root / "dog" / "9.png").write_bytes(b"this is not a png")
    with pytest.raises(ValueError, match=r"1 image file\(s\) cannot be decoded: 'dog/9\.png'"):
        datasets.from_folder(root, image_size=(4, 4))
    with pytest.raises(ValueError, match=r"`color_mode` must be one of"):
        datasets.from_folder(_folder(tmp_path / "ok"), color_mode="cmyk")


@pytest.mark.every_backend
def test_a_folder_dataset_trains_a_cnn(tmp_path):
    data = datasets.from_folder(_folder(tmp_path / "pets", per_class=8), image_size=(6, 7),
                                seed=0)
    model = kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn), filters=(4,), dense_units=(), seed=0,
                       learning_rate=0.05)
    history = kz.zoo.fit(model, data.x_train, data.y_train, epochs=60, early_stopping=False)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(data.x_train, data.y_train, verbose=0, return_dict=True)[
        "accuracy"] == 1.0  # three flat colours are separable


def test_registry_lists_the_image_sets():
    listing = datasets.list_datasets(kind="image")
    assert {"digits_images", "mnist", "fashion_mnist", "cifar10", "cifar100"} <= set(listing)
    assert "as_images=True" in datasets.list_datasets()["digits"]
    assert images.IMAGE_EXTENSIONS == (".bmp", ".gif", ".jpeg", ".jpg", ".png")
