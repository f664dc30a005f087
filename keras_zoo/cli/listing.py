"""The listing commands of ``keras-zoo``: ``models``, ``datasets`` and ``components``.

They answer without Keras. A registry this process has imported answers itself (it also holds
what a program registered since); otherwise the snapshot :mod:`keras_zoo.cli.catalog` answers.
The ``keras-zoo`` command imports neither Keras nor TensorFlow for these commands, ``--help``
and ``--version`` (:func:`keras_zoo.cli.prestart.light_command`), so they take a fraction of a
second instead of the seconds TensorFlow's import costs. ``tests/test_cli_fast.py`` keeps the
snapshot equal to the registries; ``python -m keras_zoo.cli.listing`` rewrites it from them.

Descriptions print as plain text: :func:`plain` removes the reStructuredText markup of the
docstrings they come from (````keras.Sequential````, ``:class:`Seq2Seq```).
"""

from __future__ import annotations

import argparse
import json
import pprint
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from keras_zoo.base.names import unknown_name_error, wildcard_filter
from keras_zoo.cli import catalog as generated

__all__ = ["KINDS", "add_listing_parsers", "components", "datasets", "live_catalog", "models",
           "plain", "render_catalog", "stored_catalog", "text_table"]

KINDS = ("activations", "losses", "optimizers", "initializers")
"""The component tables, in the order ``keras-zoo components`` prints them."""

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

def models(pattern: str | None = None, family: str | None = None) -> list[tuple[str, str, str]]:
    """``(name, family, description)`` of the models matching, naturally sorted.

    Raises:
        InputValueError: ``family`` is no registered model's family (a pattern that matches
            no model is no error: the list is empty).
    """
    zoo = sys.modules.get("keras_zoo.zoo")
    families = ({zoo.model_info(n).family for n in zoo.list_models()} if zoo is not None
                else {f for f, _ in generated.MODELS.values()})
    if family is not None and family not in families:
        raise unknown_name_error("model family", family, families, argument="--family")
    if zoo is not None:
        return [(n, zoo.model_info(n).family, zoo.model_info(n).description)
                for n in zoo.list_models(pattern, family=family)]
    stored = generated.MODELS
    names = [n for n, (f, _) in stored.items() if family is None or f == family]
    return [(n, *stored[n]) for n in wildcard_filter(names, pattern)]


def datasets(pattern: str | None = None) -> dict[str, str]:
    """The datasets ``keras_zoo.datasets.load`` knows, with their descriptions."""
    registry = sys.modules.get("keras_zoo.datasets")
    if registry is not None:
        return registry.list_datasets(pattern)
    stored = generated.DATASETS
    return {n: stored[n] for n in wildcard_filter(stored, pattern)}


def components(kind: str, pattern: str | None = None) -> dict[str, str]:
    """One component table's names with their descriptions (and aliases), in table order."""
    catalog = sys.modules.get("keras_zoo.zoo.catalog")
    if catalog is not None:
        return getattr(catalog, f"list_{kind}")(pattern)
    stored = generated.COMPONENTS[kind]
    keep = set(wildcard_filter(stored, pattern))
    return {n: d for n, d in stored.items() if n in keep}


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


def add_listing_parsers(sub: Any) -> None:
    """The ``models``, ``datasets`` and ``components`` subcommands."""
    p = sub.add_parser("models", help="list registered models",
                       description="List registered models (shell wildcards filter names).")
    p.add_argument("pattern", nargs="?", default=None, help='e.g. "*lstm*"')
    p.add_argument("--family", default=None, help="ann, cnn, rnn, seq2seq ...")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("datasets", help="list datasets `load` knows",
                       description="List the named datasets keras_zoo.datasets.load knows.")
    p.add_argument("pattern", nargs="?", default=None)
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("components", help="list activations, losses, optimizers, initializers",
                       description="List the component catalog with one-line descriptions.")
    p.add_argument("kind", nargs="?", choices=list(KINDS), default=None)
    p.add_argument("pattern", nargs="?", default=None)
    p.set_defaults(func=cmd_components)


# === The snapshot ===

def live_catalog() -> dict[str, dict[str, Any]]:
    """The registries' listings, as :mod:`keras_zoo.cli.catalog` holds them (imports Keras)."""
    from keras_zoo import datasets as registry
    from keras_zoo import zoo
    from keras_zoo.zoo import catalog

    return {
        "MODELS": {n: (zoo.model_info(n).family, zoo.model_info(n).description)
                   for n in zoo.list_models()},
        "DATASETS": registry.list_datasets(),
        "COMPONENTS": {kind: getattr(catalog, f"list_{kind}")() for kind in KINDS},
    }


def stored_catalog() -> dict[str, dict[str, Any]]:
    """What :mod:`keras_zoo.cli.catalog` holds, shaped as :func:`live_catalog`."""
    return {"MODELS": generated.MODELS, "DATASETS": generated.DATASETS,
            "COMPONENTS": generated.COMPONENTS}


_HEADER = '''"""What ``keras-zoo models``, ``datasets`` and ``components`` list, without importing Keras.

Generated from the registries by ``python -m keras_zoo.cli.listing``: do not edit by hand
(``tests/test_cli_fast.py`` fails when this differs from the registries).
"""

'''
_TYPES = {"MODELS": "dict[str, tuple[str, str]]", "DATASETS": "dict[str, str]",
          "COMPONENTS": "dict[str, dict[str, str]]"}


def _entry(key: str, value: Any, pad: str) -> str:
    """One ``key: value,`` line of a dict literal (wrapped to 100 columns)."""
    if isinstance(value, dict):
        return "\n".join([f"{pad}{key!r}: {{", *(_entry(k, v, pad + "    ") for k, v in
                                                value.items()), f"{pad}}},"])
    line = f"{pad}{key!r}: {value!r},"
    if len(line) <= 100:
        return line
    body = pprint.pformat(value, width=100 - len(pad) - 5).splitlines()
    return "\n".join([f"{pad}{key!r}:", *(f"{pad}    {b}" for b in body[:-1]),
                      f"{pad}    {body[-1]},"])


def render_catalog(snapshot: dict[str, dict[str, Any]]) -> str:
    """The text of :mod:`keras_zoo.cli.catalog` holding ``snapshot``."""
    parts = [f"{name}: {_TYPES[name]} = {{\n"
             + "".join(_entry(k, v, "    ") + "\n" for k, v in table.items()) + "}\n"
             for name, table in snapshot.items()]
    return _HEADER + "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover - `python -m keras_zoo.cli.listing`
    target = Path(generated.__file__)
    target.write_text(render_catalog(live_catalog()))
    print(f"wrote {target}")
