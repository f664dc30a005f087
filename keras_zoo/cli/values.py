"""Reading the command line's ``KEY=VALUE`` settings (``--set``) into Python values.

One grammar for ``train``, ``diagnose`` and ``tune`` (:data:`SET_GRAMMAR`, shown in their
``--help``): commas separate the values of a choice, brackets make a tuple, ``min:max[:step]
[:log]`` is a range, anything else is one value. ``tune`` searches choices and ranges; ``train``
and ``diagnose`` take one value per key and refuse a choice or a range (``hidden_units=64,32``
names ``hidden_units=[64,32]``, the tuple). Every malformed setting raises
:class:`~keras_zoo.base.errors.InputValueError` naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from keras_zoo.base.errors import InputValueError
from keras_zoo_cli.parser import SET_GRAMMAR  # noqa: F401  (its home: the parser)


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


def _train_value(text: str, key: str = "KEY") -> Any:
    """A ``--set`` value for ``train`` and ``diagnose``: one value, read as ``tune`` reads a
    fixed one (:data:`SET_GRAMMAR`); lists are tuples.

    Raises:
        InputValueError: A choice (``64,32``: commas separate the values ``tune`` chooses
            from; the tuple is ``[64,32]``) or a range (``1e-4:1e-2``), which only ``tune``
            searches; a malformed range (:func:`_space_value`).
    """
    kind, value = _read(text, key)
    if kind == "choice":
        raise InputValueError(
            f"--set {key}={text} gives {len(value)} values, but train and diagnose take one value "
            f"per key (commas separate the choices of `keras-zoo tune`); write a tuple in "
            f"brackets: --set {key}=[{text}]. Received: --set {key}={text}")
    if kind == "range":
        low = text.split(":")[0].strip()
        raise InputValueError(
            f"--set {key}={text} is a range (min:max[:step][:log]), which only `keras-zoo tune` "
            f"searches; train and diagnose take one value per key, e.g. --set {key}={low}. "
            f"Received: --set {key}={text}")
    return value


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: ``"[64,32],[32]"`` -> two parts,
    ``'"a,b",c'`` -> two parts."""
    parts, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and not current.strip():  # a quote opens a value only
            quote = char
        elif char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
        if char == "," and depth == 0 and not quote:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts]


def _range(text: str, key: str) -> dict[str, Any] | None:
    """``min:max[:step][:log]`` as a search range, or ``None`` for text that is no range
    (``a:b``, ``[1:2]``).

    Raises:
        InputValueError: Text that looks like a range (a number before or after a ``:``) but
            is not one (``1e-4:``, ``1:x``).
    """
    if ":" not in text or text.strip().startswith(("[", "(", "{", "'", '"')):
        return None
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
    return None


def _read(text: str, key: str) -> tuple[str, Any]:
    """``("choice", [values])``, ``("range", spec)`` or ``("value", value)``: what a ``--set``
    text is in :data:`SET_GRAMMAR`, the one grammar of ``train``, ``diagnose`` and ``tune``."""
    parts = _split_top_level(text)
    if len(parts) > 1:
        if not all(parts):
            raise InputValueError(f"--set {key}={text}: a choice lists values separated by "
                                  f"commas, none of them empty. Received: --set {key}={text}")
        return "choice", [_as_tuple(parse_value(p)) for p in parts]
    spec = _range(text, key)
    if spec is not None:
        return "range", spec
    return "value", _as_tuple(parse_value(text))


def _space_value(text: str, key: str = "KEY") -> Any:
    """A ``--set`` value for ``tune`` (:data:`SET_GRAMMAR`).

    ``a,b,c`` is a choice (a list); ``min:max[:step][:log]`` a range (a dict); anything else
    one fixed value. Lists (``[64,32]``) are tuples: ``--set hidden_units=[64,32],[32]``
    searches two.

    Raises:
        InputValueError: A choice with an empty value (``a,,b``), or a value that looks like a
            range (a number before or after a ``:``) but is not one (``1e-4:``, ``1:x``).
    """
    return _read(text, key)[1]


def _as_tuple(value: Any) -> Any:
    """Lists (``[64,32]``) are tuples, at any depth: Python factories take tuples."""
    import keras

    return keras.tree.lists_to_tuples(value)
