"""The listing commands of ``keras-zoo``: ``models``, ``datasets`` and ``components``.

They answer without Keras. A registry this process has imported answers itself (it also holds
what a program registered since); otherwise the snapshot :mod:`keras_zoo_cli.catalog` answers,
so the ``keras-zoo`` command imports neither Keras nor TensorFlow for them and they take a
fraction of a second instead of the seconds TensorFlow's import costs. ``tests/test_cli_fast.py``
keeps the snapshot equal to the registries; ``python -m keras_zoo.cli.listing`` rewrites it
from them. Descriptions print as plain text: :func:`plain` removes the reStructuredText markup
of the docstrings they come from (````keras.Sequential````, ``:class:`Seq2Seq```).
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import json
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from keras_zoo_cli import catalog as generated
from keras_zoo_cli.parser import KINDS

__all__ = ["COMMANDS", "KINDS", "UnknownFamily", "answers", "components", "datasets", "models", "plain",
           "text_table"]

_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":[\w:.-]+:`(~?)([^`]+)`")
_TITLED = re.compile(r"(.*?)\s*<[^<>]*>")


def plain(text: str) -> str:
    """``text`` without reStructuredText markup: ````x```` and ``:role:`x``` become ``x``,
    ``:role:`~a.b.C``` becomes ``C``, ``:role:`title <target>``` becomes ``title``."""
    def role(match: re.Match[str]) -> str:
        target = match.group(2)
        titled = _TITLED.fullmatch(target)
        if titled:
            return titled.group(1)
        return target.rsplit(".", 1)[-1] if match.group(1) else target

    return _LITERAL.sub(r"\1", _ROLE.sub(role, text))


def text_table(rows: list[dict[str, Any]], columns: list[str],
               cell: Callable[[Any], str] = str) -> str:
    """Rows as aligned columns under a header and a rule; ``cell`` formats each value."""
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
              for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join([line, sep, *body])


# === The listings: the registry when imported, else the snapshot ===

def _matching(names: Iterable[str], pattern: str | None) -> list[str]:
    """The snapshot's names (stored in the registries' order) that match ``pattern``, shell
    wildcards, as the registries match them (``keras_zoo.base.names.wildcard_filter``)."""
    return [n for n in names if not pattern or fnmatch.fnmatchcase(n, pattern.lower())]


class UnknownFamily(ValueError):
    """A ``--family`` the snapshot does not know (bad input: ``error: ...``, status 2)."""


def answers(args: argparse.Namespace) -> bool:
    """Whether this module answers the parsed command without the package: a listing."""
    return args.command in COMMANDS


def _unknown_family(family: str, families: set[str]) -> str:
    """The message of the registry's ``unknown_name_error`` for a family the snapshot does not
    know (``tests/test_cli_fast.py`` checks that both read the same), made without importing
    the package for a mistyped ``--family``."""
    choices = sorted(families)
    key = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", family.strip())  # as normalize_name reads it
    key = re.sub(r"_+", "_", re.sub(r"[\s\-.]+", "_", key).lower()).strip("_")
    hint = difflib.get_close_matches(key, choices, n=1, cutoff=0.6) or sorted(
        (c for c in choices if key and (key in c or c in key)), key=len)[:1]
    did_you_mean = f" Did you mean {hint[0]!r}?" if hint else ""
    return (f"Unknown model family {family!r}.{did_you_mean} `--family` must be one of: "
            f"{', '.join(choices)}. Received: --family={family!r}")


def models(pattern: str | None = None, family: str | None = None) -> list[tuple[str, str, str]]:
    """``(name, family, description)`` of the models matching, naturally sorted.

    Raises:
        InputValueError: ``family`` is no registered model's family (a pattern that matches
            no model is no error: the list is empty); :class:`UnknownFamily` when the
            snapshot answers.
    """
    zoo = sys.modules.get("keras_zoo.zoo")
    if zoo is None:
        stored = generated.MODELS
        families = {f for f, _ in stored.values()}
        if family is not None and family not in families:
            raise UnknownFamily(_unknown_family(family, families))
        names = [n for n, (f, _) in stored.items() if family is None or f == family]
        return [(n, *stored[n]) for n in _matching(names, pattern)]
    families = {zoo.model_info(n).family for n in zoo.list_models()}
    if family is not None and family not in families:
        from keras_zoo.base.names import unknown_name_error

        raise unknown_name_error("model family", family, families, argument="--family")
    return [(n, zoo.model_info(n).family, zoo.model_info(n).description)
            for n in zoo.list_models(pattern, family=family)]


def datasets(pattern: str | None = None) -> dict[str, str]:
    """The datasets ``keras_zoo.datasets.load`` knows, with their descriptions."""
    registry = sys.modules.get("keras_zoo.datasets")
    if registry is not None:
        return registry.list_datasets(pattern)
    stored = generated.DATASETS
    return {n: stored[n] for n in _matching(stored, pattern)}


def components(kind: str, pattern: str | None = None) -> dict[str, str]:
    """One component table's names with their descriptions (and aliases), in table order."""
    catalog = sys.modules.get("keras_zoo.zoo.catalog")
    if catalog is not None:
        return getattr(catalog, f"list_{kind}")(pattern)
    stored = generated.COMPONENTS[kind]
    return {n: stored[n] for n in _matching(stored, pattern)}


# === Commands ===

def cmd_models(args: argparse.Namespace) -> int:
    rows = [{"name": n, "family": f, "description": plain(d)}
            for n, f, d in models(args.pattern, args.family)]
    if args.json:
        print(json.dumps(rows, indent=2))
    elif rows:
        print(text_table([{"model": r["name"], **r} for r in rows],
                         ["model", "family", "description"]))
    else:
        print("no models match")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    rows = [{"dataset": n, "description": plain(d)} for n, d in datasets(args.pattern).items()]
    print(text_table(rows, ["dataset", "description"]) if rows else "no datasets match")
    return 0


def cmd_components(args: argparse.Namespace) -> int:
    for i, kind in enumerate([args.kind] if args.kind else KINDS):
        if i:
            print()
        print(f"# {kind}")
        rows = [{"name": n, "description": plain(d)}
                for n, d in components(kind, args.pattern).items()]
        print(text_table(rows, ["name", "description"]))
    return 0


COMMANDS = {"models": cmd_models, "datasets": cmd_datasets, "components": cmd_components}
"""The listing commands, by name."""
