"""Name normalisation, "did you mean" and wildcard listing shared by every table and registry."""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable
from typing import Any

from keras_zoo.base.errors import InputTypeError, InputValueError


def normalize_name(name: str) -> str:
    """Lower-case a component name and unify separators.

    ``"LeakyReLU"``, ``"leaky-relu"``, ``"leaky relu"`` and ``"leaky_relu"`` all become
    ``"leaky_relu"``; CamelCase boundaries become underscores.
    """
    if not isinstance(name, str):
        raise InputTypeError(f"Expected a name (str). Received: {name!r}")
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
    return InputValueError(
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
