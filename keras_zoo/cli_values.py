"""Reading the command line's ``KEY=VALUE`` settings (``--set``) into Python values.

``train`` takes one value per key (``64,32`` is a tuple); ``tune`` takes a search axis
(``a,b,c`` a choice, ``min:max[:step][:log]`` a range, ``[64,32],[32]`` a choice of tuples) or a
fixed value. Every malformed setting raises :class:`~keras_zoo.base.errors.InputValueError`
naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keras_zoo.base.errors import InputValueError


def parse_value(text: str) -> Any:
    """A command-line value: YAML scalars and lists (``0.1``, ``true``, ``[64, 32]``, ``relu``)."""
    import yaml

    for number in (int, float):  # YAML 1.1 reads "1e-3" as a string
        try:
            return number(text)
        except ValueError:
            pass
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if value is None and text.strip().lower() not in ("null", "none", "~") else value


def parse_assignments(items: Sequence[str], *, option: str = "--set") -> dict[str, str]:
    """``["a=1", "b=x,y"]`` -> ``{"a": "1", "b": "x,y"}`` (values still text).

    Raises:
        InputValueError: An item without ``=``, with an empty key or an empty value, or a key
            given twice (the message names it).
    """
    out: dict[str, str] = {}
    given: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            raise InputValueError(f"{option} {item} has no '=': {option} takes KEY=VALUE (e.g. "
                                  f"{option} activation=relu). Received: {option} {item}")
        key, value = item.split("=", 1)
        key, value = key.strip().replace("-", "_"), value.strip()
        if not key:
            raise InputValueError(f"{option} takes KEY=VALUE with a non-empty KEY (e.g. "
                                  f"{option} activation=relu). Received: {option} {item}")
        if not value:
            raise InputValueError(f"{option} {key}= has an empty value: give one after the '=' "
                                  f"(e.g. {option} {key}=VALUE; null for None). "
                                  f"Received: {option} {item}")
        if key in out:
            raise InputValueError(
                f"{option} {key} is given twice ({given[key]} and {item}); give each key once "
                f"(several values are one choice: {option} {key}=A,B). "
                f"Received: {option} {given[key]} {option} {item}")
        out[key], given[key] = value, item
    return out


def _train_value(text: str) -> Any:
    """A fixed training value: ``64,32`` is the tuple ``(64, 32)``; lists become tuples."""
    value = parse_value(text)
    if isinstance(value, str) and "," in value:
        value = [parse_value(part.strip()) for part in value.split(",")]
    return _as_tuple(value)


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets: ``"[64,32],[32]"`` -> two parts."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts]


def _space_value(text: str, key: str = "KEY") -> Any:
    """A ``--set`` value for ``tune``.

    ``a,b,c`` is a choice; ``min:max[:step][:log]`` a range; anything else one fixed value.
    Lists (``[64,32]``) are tuples: ``--set hidden_units=[64,32],[32]`` searches two.

    Raises:
        InputValueError: A choice with an empty value (``a,,b``), or a value that looks like a
            range (a number before or after a ``:``) but is not one (``1e-4:``, ``1:x``).
    """
    parts = _split_top_level(text)
    if len(parts) > 1:
        if not all(parts):
            raise InputValueError(f"--set {key}={text}: a choice lists values separated by "
                                  f"commas, none of them empty. Received: --set {key}={text}")
        return [_as_tuple(parse_value(p)) for p in parts]
    if ":" in text and not text.strip().startswith(("[", "(", "{")):
        pieces = [p.strip() for p in text.split(":")]
        sampling = "log" if pieces[-1].lower() == "log" else "linear"
        numbers = [parse_value(p) for p in (pieces[:-1] if sampling == "log" else pieces)]
        numeric = [isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers]
        if 2 <= len(numbers) <= 3 and all(numeric):
            spec = {"min": numbers[0], "max": numbers[1], "sampling": sampling}
            if len(numbers) == 3:
                spec["step"] = numbers[2]
            return spec
        if any(numeric):  # meant as a range; a string such as "a:b" stays one fixed value
            raise InputValueError(
                f"--set {key}={text} is not a range: a range is min:max[:step][:log] with "
                f"numbers (e.g. --set {key}=1e-4:1e-2:10:log or {key}=0:0.5:0.1). "
                f"Received: --set {key}={text}")
    return _as_tuple(parse_value(text))


def _as_tuple(value: Any) -> Any:
    """Lists (``[64,32]``) are tuples, at any depth: Python factories take tuples."""
    import keras

    return keras.tree.lists_to_tuples(value)
