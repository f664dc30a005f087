"""The Keras cache: where Keras' datasets are downloaded to, and how their files are read safely.

One downloader and one reader for every Keras dataset (``mnist``, ``fashion_mnist``, ``cifar10``,
``cifar100``, ``imdb``, ``reuters``):

* :func:`fetch_file` finds a file in the Keras cache (``$KERAS_HOME/datasets``, default
  ``~/.keras/datasets``) and, when it is missing, downloads it with ``keras.utils.get_file``:
  the downloader behind ``keras.datasets``, with the same URLs, file names, cache layout and
  SHA-256 hashes. A file already in the cache is used as it is. Offline, the error
  (:class:`~keras_zoo.datasets.DatasetDownloadError`) names the URL and the path to put the
  file at by hand.
* Pickles are never loaded with plain ``pickle.load``. The CIFAR batches are Python pickles and
  the IMDB/Reuters ``.npz`` files hold pickled object arrays, so a file planted in the cache
  could run code when unpickled. :class:`RestrictedUnpickler` rebuilds NumPy arrays and nothing
  else: it resolves exactly the four names NumPy array reconstruction needs (``numpy.ndarray``,
  ``numpy.dtype`` and ``multiarray._reconstruct`` under its NumPy 1 and NumPy 2 module
  names: the rule of Keras' own dataset loaders). The CIFAR batches need no other name: their
  dicts, lists, byte strings and ints are plain pickle opcodes. Any other name (``os.system``,
  ``builtins.eval`` ...) is refused before it is called, and the loader raises a
  ``ValueError`` saying to delete the file.

``keras.datasets.<name>.load_data()`` is not called directly: it reads the cache folder Keras
fixed at import (so ``cache_dir=`` and a ``KERAS_HOME`` set later are ignored), re-downloads any
cached file whose hash differs, and for IMDB/Reuters shuffles and drops long sequences, which
would change the splits these loaders have always returned.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import zipfile
from typing import Any

import numpy as np

from keras_zoo.base import keras_home
from keras_zoo.base.errors import InputValueError
from keras_zoo.datasets.core import DatasetDownloadError

__all__ = ["KERAS_ORIGIN", "RestrictedUnpickler", "extract_tar", "fetch_file",
           "keras_cache_dir", "read_npz", "unpickle"]


KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
"""Where Keras keeps its dataset files (CIFAR comes from the University of Toronto)."""


def keras_cache_dir() -> str:
    """Where Keras caches dataset downloads: ``$KERAS_HOME/datasets``, default
    ``~/.keras/datasets``."""
    return os.path.join(keras_home(), "datasets")


def fetch_file(name: str, filename: str, url: str, sha256: str | None = None, *,
                     subdir: str = "datasets", cache_dir: str | None = None) -> str:
    """The cached path of one dataset file, downloaded once by ``keras.utils.get_file``.

    Args:
        name: The dataset's name (for the message).
        filename, url, sha256: The file as ``keras.datasets`` names, fetches and checks it.
        subdir: Folder under ``cache_dir`` the file goes to.
        cache_dir: Keras' cache folder; ``None`` is ``$KERAS_HOME`` or ``~/.keras``.

    Raises:
        DatasetDownloadError: The download failed; the message names the URL and the file path
            to put the file at by hand.
    """
    import keras

    cache_dir = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    path = os.path.join(cache_dir, subdir, filename)
    if os.path.exists(path):
        return path
    try:  # Keras shows a progress bar while the user waits for the download
        return keras.utils.get_file(filename, origin=url, file_hash=sha256, cache_dir=cache_dir,
                                    cache_subdir=subdir)
    except Exception as err:  # Keras raises a bare Exception on network failures
        raise DatasetDownloadError(
            f"Could not download the {name!r} dataset from {url} ({err}). Is this machine "
            f"offline? Download that file elsewhere and put it at {path} (the Keras cache; set "
            f"KERAS_HOME to use another folder), then load({name!r}) again."
        ) from err


class RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds NumPy arrays and plain containers; refuses every other global (see above)."""

    ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                         ("numpy.core.multiarray", "_reconstruct"),
                         ("numpy._core.multiarray", "_reconstruct")})

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to load {module}.{name} from a dataset file.")


_UNREADABLE = (pickle.UnpicklingError, ValueError, EOFError, KeyError, TypeError,
               AttributeError, IndexError, zipfile.BadZipFile)


def _unreadable(path: str, err: Exception) -> InputValueError:
    return InputValueError(f"Cannot read {path!r} ({err}). Delete it to download it again.")


def unpickle(path: str) -> dict[str, Any]:
    """A CIFAR batch (a pickled dict, Python 2 byte-string keys decoded) read with
    :class:`RestrictedUnpickler`."""
    try:
        with open(path, "rb") as handle:
            batch = RestrictedUnpickler(handle, encoding="bytes").load()
        return {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    except _UNREADABLE as err:
        raise _unreadable(path, err) from err


def _read_npy(buffer: io.BytesIO) -> np.ndarray:
    try:  # numeric arrays: no unpickling at all
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # object arrays of token lists
        buffer.seek(0)
        version = np.lib.format.read_magic(buffer)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(buffer)
        else:
            np.lib.format.read_array_header_2_0(buffer)
        return RestrictedUnpickler(buffer).load()


def read_npz(path: str) -> dict[str, np.ndarray]:
    """An ``.npz`` of (possibly ragged object) arrays, unpickling nothing but NumPy arrays."""
    out = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                with archive.open(member) as raw:
                    out[member.removesuffix(".npy")] = _read_npy(io.BytesIO(raw.read()))
    except _UNREADABLE as err:
        raise _unreadable(path, err) from err
    return out


def extract_tar(archive_path: str, target: str) -> None:
    """Extract a tar archive, refusing entries that would land outside ``target``."""
    with tarfile.open(archive_path) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(target, filter="data")
            return
        root = os.path.realpath(target)  # Pythons without extraction filters: check the paths
        for member in archive.getmembers():
            dest = os.path.realpath(os.path.join(target, member.name))
            if not (dest == root or dest.startswith(root + os.sep)) or member.issym() \
                    or member.islnk():
                raise InputValueError(f"{archive_path} holds an unsafe entry {member.name!r}.")
        archive.extractall(target)
