"""Image data: digits as images, image folders, and Keras' downloadable image sets.

Every loader returns a :class:`~keras_zoo.datasets.Dataset` whose ``x_*`` arrays are
``(samples, height, width, channels)`` images of raw pixels, and whose ``model_kwargs()`` holds
``input_shape``, ``task``, ``num_classes`` and ``pixel_max`` (the largest raw pixel value), so
``kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn))`` builds a model that scales the pixels itself.

* ``load("digits", as_images=True)`` (or ``load("digits_images")``): scikit-learn's 1,797 8x8
  digits as ``(8, 8, 1)`` images with values 0-16 (``pixel_max=16``). Plain ``load("digits")``
  stays the 64-feature table scikit-learn users know; both use the same seeded splits.
* ``load("mnist" | "fashion_mnist" | "cifar10" | "cifar100")``: Keras' image sets, downloaded
  once by ``keras.utils.get_file`` (the downloader behind ``keras.datasets``: same URLs, same
  cache layout, same file hashes) into ``$KERAS_HOME/datasets`` (``~/.keras/datasets``). A file
  already there is used as it is; offline, the error names the URL to fetch and the path to put
  the file at. The official test set is kept; the validation split is carved from the training
  set (seeded, stratified). Pixels stay ``uint8`` (a quarter of the memory of float32); the
  models' ``Rescaling`` layer scales them.
* :func:`from_folder`: one subfolder per class, read with Keras' directory loader
  (``keras.utils.image_dataset_from_directory``), split with a seed (stratified).
* :func:`from_images`: arrays of images you already have.

One module per job, every name importable from here: ``image_arrays`` (:func:`from_images`),
``images_keras`` (Keras' sets; downloads and safe unpickling through ``keras_cache``) and
``image_folders`` (:func:`from_folder`).
"""

from __future__ import annotations

# The image loaders live in one module per job; every name stays importable from here.
from keras_zoo.datasets.core import Dataset
from keras_zoo.datasets.image_arrays import from_images
from keras_zoo.datasets.image_folders import IMAGE_EXTENSIONS, from_folder
from keras_zoo.datasets.images_keras import KERAS_IMAGE_DATASETS, KerasImageSet, load_keras_dataset
from keras_zoo.datasets.registry import register_dataset
from keras_zoo.datasets.tabular import SKLEARN_DATASETS, load_sklearn

__all__ = ["IMAGE_EXTENSIONS", "KERAS_IMAGE_DATASETS", "KerasImageSet", "from_folder",
           "from_images", "load_digits", "load_digits_images", "load_keras_dataset"]


# === scikit-learn digits ===

def load_digits_images(*, seed: int | None = 0, test_size: float = 0.2,
                       val_size: float = 0.1) -> Dataset:
    """scikit-learn's digits as ``(8, 8, 1)`` images with values 0-16 (``pixel_max=16``).

    The splits are those of ``load("digits")`` with the same seed (the same samples land in
    the same split), so tabular and convolutional models compare on the same test set.

    Example:
        >>> data = load_digits_images(seed=0)
        >>> data.input_shape, data.num_classes, data.model_kwargs()["pixel_max"]
        ((8, 8, 1), 10, 16.0)
    """
    import sklearn.datasets as skd

    bunch = skd.load_digits()
    return from_images(bunch.images.astype("float32"), bunch.target, name="digits_images",
                       class_names=[str(c) for c in bunch.target_names], pixel_max=16.0,
                       test_size=test_size, val_size=val_size, seed=seed,
                       metadata={"source": "sklearn.datasets.load_digits",
                                 "description": _DIGITS_IMAGES})


def load_digits(*, as_images: bool = False, seed: int | None = 0, test_size: float = 0.2,
                val_size: float = 0.1) -> Dataset:
    """scikit-learn's digits: 64 pixel features (default) or, with ``as_images=True``,
    ``(8, 8, 1)`` images for convolutional models (see :func:`load_digits_images`)."""
    if as_images:
        return load_digits_images(seed=seed, test_size=test_size, val_size=val_size)
    return load_sklearn("digits", seed=seed, test_size=test_size, val_size=val_size)


_DIGITS_IMAGES = ("Digits as images: 1,797 8x8x1 handwritten digits, pixel values 0-16, 10 "
                  "classes (multiclass); the splits of 'digits'.")


# === Registration ===

def _register() -> None:
    register_dataset("digits", load_digits,
                     SKLEARN_DATASETS["digits"][1] + " as_images=True gives 8x8x1 images.")
    register_dataset("digits_images", load_digits_images, _DIGITS_IMAGES, kind="image")
    for spec in KERAS_IMAGE_DATASETS.values():
        register_dataset(spec.name, lambda _n=spec.name, **kw: load_keras_dataset(_n, **kw),
                         spec.description, kind="image")


_register()
