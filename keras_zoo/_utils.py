"""Small helpers shared by every subpackage: name normalisation, "did you mean", seeding."""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import os
import random
import re
from collections.abc import Iterable
from typing import Any

import numpy as np


def normalize_name(name: str) -> str:
    """Lower-case a component name and unify separators.

    ``"LeakyReLU"``, ``"leaky-relu"``, ``"leaky relu"`` and ``"leaky_relu"`` all become
    ``"leaky_relu"``; CamelCase boundaries become underscores.
    """
    if not isinstance(name, str):
        raise TypeError(f"Expected a name (str). Received: {name!r}")
    text = name.strip()
    # CamelCase -> snake_case, keeping acronyms together: "LeakyReLU" -> "Leaky_ReLU".
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    text = re.sub(r"[\s\-\.]+", "_", text).lower()
    return re.sub(r"_+", "_", text).strip("_")


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``name``, or ``None`` when nothing is close."""
    choices = list(choices)
    matches = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # Substring fallback: "crossentropy" -> "binary_crossentropy" is more helpful than nothing.
    hits = [c for c in choices if name and (name in c or c in name)]
    return min(hits, key=len) if hits else None


def unknown_name_error(kind: str, received: Any, choices: Iterable[str], argument: str | None = None
                       ) -> ValueError:
    """A ``ValueError`` that names the valid choices and the closest match."""
    choices = sorted(set(choices))
    key = normalize_name(received) if isinstance(received, str) else str(received)
    hint = closest(key, choices)
    did_you_mean = f" Did you mean {hint!r}?" if hint else ""
    arg = f"`{argument}`" if argument else kind
    return ValueError(
        f"Unknown {kind} {received!r}.{did_you_mean} {arg} must be one of: "
        f"{', '.join(choices)}. Received: {argument or kind}={received!r}"
    )


def natural_key(text: str) -> list[Any]:
    """Sort key that orders ``vgg11 < vgg16`` and ``b2 < b10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def wildcard_filter(names: Iterable[str], pattern: str | Iterable[str] | None) -> list[str]:
    """Filter ``names`` with shell wildcards (one pattern or several), sorted naturally."""
    names = list(names)
    if pattern:
        patterns = [pattern] if isinstance(pattern, str) else list(pattern)
        names = [n for n in names if any(fnmatch.fnmatchcase(n, p.lower()) for p in patterns)]
    return sorted(set(names), key=natural_key)


def set_seed(seed: int | None) -> None:
    """Seed Python, NumPy and Keras (TensorFlow included) from one integer; ``None`` does nothing."""
    if seed is None:
        return
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer or None. Received: seed={seed!r}")
    import keras

    os.environ.setdefault("PYTHONHASHSEED", str(int(seed)))
    random.seed(int(seed))
    np.random.seed(int(seed))
    keras.utils.set_random_seed(int(seed))


def check_choice(argument: str, value: Any, choices: Iterable[Any]) -> Any:
    """Raise the project's standard error when ``value`` is not one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"`{argument}` must be one of {options}. Received: {argument}={value!r}")
    return value


def check_fraction(argument: str, value: float, *, low: float = 0.0, high: float = 1.0,
                   include_high: bool = False) -> float:
    """Check ``low <= value < high`` (or ``<= high``) and return it as a float."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    ok = ok and low <= value and (value <= high if include_high else value < high)
    if not ok:
        bracket = "]" if include_high else ")"
        raise ValueError(
            f"`{argument}` must be a number in [{low}, {high}{bracket}. Received: {argument}={value!r}"
        )
    return float(value)


def per_layer(argument: str, value: Any, n_layers: int, *, what: str = "hidden layers",
              each: str = "layer") -> list[Any]:
    """Broadcast a single value to ``n_layers``, or check a per-layer sequence has that length.

    ``what``/``each`` name the layers in the message (``"conv blocks"``/``"block"``).
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(
                f"`{argument}` has {len(value)} values but there are {n_layers} {what}; "
                f"give one value or one per {each}. Received: {argument}={value!r}"
            )
        return list(value)
    return [value] * n_layers


def positive_int(argument: str, value: Any, *, allow_none: bool = False) -> int | None:
    """Check ``value`` is an integer >= 1 (not a bool) and return it as ``int``."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{argument}` must be a positive integer{' or None' if allow_none else ''}."
                         f" Received: {argument}={value!r}")
    return int(value)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never half of it.

    The data goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path`` (``os.replace`` is atomic on POSIX and Windows).
    """
    import tempfile

    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """:func:`atomic_write_bytes` of ``obj`` as indented JSON."""
    import json

    atomic_write_bytes(path, json.dumps(obj, indent=2, default=str).encode("utf-8"))


def keras_home() -> str:
    """Where Keras caches downloads: ``$KERAS_HOME`` or ``~/.keras`` (Keras' own rule)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
