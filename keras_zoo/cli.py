"""The ``keras-zoo`` command.

    keras-zoo models [PATTERN] [--family F]        registered models
    keras-zoo datasets [PATTERN]                   datasets ``load`` knows
    keras-zoo components [KIND] [PATTERN]          activations, losses, optimizers, initializers
    keras-zoo train MODEL --dataset NAME [...]     train one model, print a metrics table

Every command has ``--help``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parse_value(text: str) -> Any:
    """A command-line value: YAML scalars and lists (``0.1``, ``true``, ``[64, 32]``, ``relu``)."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if value is None and text.strip().lower() not in ("null", "none", "~") else value


def parse_assignments(items: Sequence[str], *, option: str = "--set") -> dict[str, str]:
    """``["a=1", "b=x,y"]`` -> ``{"a": "1", "b": "x,y"}`` (values still text)."""
    out: dict[str, str] = {}
    for item in items or ():
        if "=" not in item:
            raise SystemExit(f"error: {option} takes KEY=VALUE; got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip().replace("-", "_")
        if not key:
            raise SystemExit(f"error: {option} has an empty key in {item!r}")
        out[key] = value.strip()
    return out


def _train_value(text: str) -> Any:
    """A fixed training value: ``64,32`` is the tuple ``(64, 32)``; lists become tuples."""
    value = parse_value(text)
    if isinstance(value, str) and "," in value:
        value = [parse_value(part.strip()) for part in value.split(",")]
    return tuple(value) if isinstance(value, list) else value


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.4f}"
        return "" if v is None else str(v)

    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c)
              for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join([line, sep, *body])


# === Commands ===

def cmd_models(args: argparse.Namespace) -> int:
    from keras_zoo import zoo

    names = zoo.list_models(args.pattern, family=args.family)
    if args.json:
        print(json.dumps([{"name": n, "family": zoo.model_info(n).family,
                           "description": zoo.model_info(n).description} for n in names], indent=2))
        return 0
    rows = [{"model": n, "family": zoo.model_info(n).family,
             "description": zoo.model_info(n).description} for n in names]
    print(_table(rows, ["model", "family", "description"]) if rows else "no models match")
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from keras_zoo import datasets

    rows = [{"dataset": n, "description": d} for n, d in datasets.list_datasets(args.pattern).items()]
    print(_table(rows, ["dataset", "description"]) if rows else "no datasets match")
    return 0


def cmd_components(args: argparse.Namespace) -> int:
    from keras_zoo.zoo import catalog

    tables = {"activations": catalog.list_activations, "losses": catalog.list_losses,
              "optimizers": catalog.list_optimizers, "initializers": catalog.list_initializers}
    kinds = [args.kind] if args.kind else list(tables)
    for i, kind in enumerate(kinds):
        if i:
            print()
        print(f"# {kind}")
        rows = [{"name": n, "description": d} for n, d in tables[kind](args.pattern).items()]
        print(_table(rows, ["name", "description"]))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_zoo import datasets, zoo
    from keras_zoo.zoo.training import EpochProgress

    info = zoo.model_info(args.model)
    data = datasets.load(args.dataset, seed=args.seed)
    kwargs = data.model_kwargs(info.factory)
    kwargs.update({k: _train_value(v) for k, v in parse_assignments(args.set).items()})
    if "seed" in info.parameters:
        kwargs.setdefault("seed", args.seed)
    model = zoo.create_model(info.name, **kwargs)  # bad arguments fail before any output
    print(data.summary(), file=sys.stderr)
    start = time.perf_counter()
    history = zoo.fit(model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                      epochs=args.epochs, batch_size=args.batch_size,
                      early_stopping=args.patience if args.patience else False,
                      callbacks=[EpochProgress(args.epochs)] if not args.quiet else None,
                      seed=args.seed)
    elapsed = time.perf_counter() - start
    rows = []
    for split in ("train", "val", "test"):
        x, y = data.split(split)
        if len(y):
            metrics = model.evaluate(x, y, verbose=0, return_dict=True, batch_size=1024)
            rows.append({"split": split, **{k: float(v) for k, v in metrics.items()}})
    columns = ["split"] + sorted({k for r in rows for k in r if k != "split"})
    epochs_run = len(history.history.get("loss", []))
    print(f"\n{info.name} on {data.name}: {epochs_run} epochs in {elapsed:.1f}s")
    print(_table(rows, columns))
    if args.output:
        directory = os.path.dirname(os.path.abspath(args.output))
        os.makedirs(directory, exist_ok=True)
        model.save(args.output)
        reloaded = __import__("keras").saving.load_model(args.output)
        same = np.allclose(zoo.predict(model, data.x_test[:32]),
                           zoo.predict(reloaded, data.x_test[:32]), atol=1e-5)
        print(f"saved {args.output}" + ("" if same else " (WARNING: reload predicts differently)"))
    return 0


# === Parser ===

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-zoo",
        description="A Keras 3 model zoo with hyperparameter search over Keras Tuner.",
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics (INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    p.add_argument("kind", nargs="?", choices=["activations", "losses", "optimizers",
                                               "initializers"], default=None)
    p.add_argument("pattern", nargs="?", default=None)
    p.set_defaults(func=cmd_components)

    p = sub.add_parser("train", help="train one model on a dataset and print its metrics",
                       description="Train a registered model on a named dataset: a progress line "
                                   "per epoch, then train/val/test metrics.")
    p.add_argument("model", help="a registered model name (see `keras-zoo models`)")
    p.add_argument("--dataset", required=True, help="a dataset name (see `keras-zoo datasets`)")
    p.add_argument("--epochs", type=int, default=100, help="maximum epochs (default 100)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="default: what the optimizer implies (gd: all, sgd: 1), else 32")
    p.add_argument("--patience", type=int, default=10,
                   help="early-stopping patience on val_loss; 0 turns it off (default 10)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a factory argument, e.g. --set activation=elu --set hidden_units=64,32")
    p.add_argument("--seed", type=int, default=0, help="seed for the split and training")
    p.add_argument("--output", default=None, help="save the trained model (.keras)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_train)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("keras-zoo")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
