"""``keras-zoo train MODEL --dataset NAME`` (or ``--csv FILE --target COLUMN``): train one model,
print a metrics table, save it with ``--output``; and what ``train`` and ``diagnose`` share: every
argument checked, then the dataset loaded (a named one, or a CSV file's rows through
``kz.datasets.from_csv``) and the model built (:func:`model_for_dataset`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from typing import Any

from keras_zoo.base.checks import positive_int
from keras_zoo.base.errors import InputValueError
from keras_zoo.cli.values import _train_value, parse_assignments


def check_run_args(args: argparse.Namespace) -> None:
    """Refuse a bad ``--epochs``, ``--batch-size`` or ``--patience`` of ``train`` or
    ``diagnose`` before anything loads (the library would, after loading the dataset)."""
    positive_int("--epochs", args.epochs)
    if args.batch_size is not None:
        positive_int("--batch-size", args.batch_size)
    patience = getattr(args, "patience", 0)
    if patience < 0:
        raise InputValueError(f"`--patience` must be an integer >= 0 (0 turns early stopping "
                              f"off). Received: --patience={patience}")


def check_data_source(args: argparse.Namespace) -> None:
    """Refuse a data source ``train`` or ``diagnose`` cannot load, before anything loads:
    ``--dataset`` naming a CSV file (the hint names the CSV flag and the file's columns),
    a CSV without ``--target``, ``--target`` or ``--drop`` without a CSV."""
    from keras_zoo.datasets.registry import columns_note, names_a_file

    flag = getattr(args, "csv_flag", "--csv")
    csv = getattr(args, "data_csv", None)
    if csv is None:
        if args.dataset is not None and names_a_file(args.dataset):
            raise InputValueError(
                f"--dataset takes a registered dataset name (see `keras-zoo datasets`); for a "
                f"CSV file use {flag} {args.dataset} --target COLUMN"
                f"{columns_note(args.dataset)}. Received: --dataset {args.dataset}")
        given = {f: v for f, v in (("--target", getattr(args, "target", None)),
                                   ("--drop", " --drop ".join(getattr(args, "drop", None) or [])))
                 if v}
        if given:
            flags = " and ".join(given)
            raise InputValueError(
                f"{flags} {'apply' if len(given) > 1 else 'applies'} to a CSV file ({flag} FILE "
                f"--target COLUMN); a named dataset has its target. Received: --dataset "
                f"{args.dataset} " + " ".join(f"{f} {v}" for f, v in given.items()))
        return
    if not args.target:
        raise InputValueError(
            f"{flag} FILE needs --target COLUMN, the column to predict{columns_note(csv)}. "
            f"Received: {flag} {csv} without --target")


def _load_data(args: argparse.Namespace) -> Any:
    """The named dataset, or the CSV file's rows (``kz.datasets.from_csv``), split with
    ``args.seed``."""
    from keras_zoo import datasets

    csv = getattr(args, "data_csv", None)
    if csv is None:
        return datasets.load(args.dataset, seed=args.seed)
    return datasets.from_csv(csv, target=args.target, drop=list(args.drop), seed=args.seed)


def model_for_dataset(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """``(info, data, model)``: ``args.model`` built for ``args.dataset`` or the CSV file
    ``args.data_csv`` (``--target``, ``--drop``; loaded with ``args.seed``) with the ``--set``
    keywords (``train`` and ``diagnose``).

    The flags, the data source, the model's name, the ``--set`` texts and their keys are
    checked before the data loads; the values the factory refuses, before the dataset's
    summary prints.
    """
    from keras_zoo import zoo
    from keras_zoo.zoo.registry import check_kwargs

    check_run_args(args)
    check_data_source(args)
    info = zoo.model_info(args.model)
    settings = {k: _train_value(v, k) for k, v in parse_assignments(args.set).items()}
    check_kwargs(info.factory, settings, info.name)
    data = _load_data(args)
    weights = getattr(args, "class_weight", None)  # train's
    if weights and data.task not in ("binary", "multiclass"):
        raise InputValueError(
            f"--class-weight {weights} weighs the classes of a classifier (binary or "
            f"multiclass); {data.name} is a {data.task} task. Received: --class-weight {weights}")
    kwargs = data.model_kwargs(info.factory)
    kwargs.update(settings)
    if "seed" in info.parameters:
        kwargs.setdefault("seed", args.seed)
    model = zoo.create_model(info.name, **kwargs)
    print(data.summary(), file=sys.stderr)
    return info, data, model


def check_model_path(path: str, flag: str) -> None:
    """A model file's name: it must end in ``.keras`` (the format ``keras.saving`` reloads in
    safe mode)."""
    if not str(path).endswith(".keras"):
        raise InputValueError(f"{flag} must name a .keras file (the format keras.saving reloads "
                              f"in safe mode), e.g. model.keras. Received: {flag} {path}")


def save_model(model: Any, path: str) -> None:
    """``model.save(path)`` whole or not at all: written to a temporary ``.keras`` file beside
    ``path``, then renamed over it (a crash or Ctrl-C leaves the old file, or none)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".tmp-{os.getpid()}-{os.path.basename(path)}")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cmd_train(args: argparse.Namespace) -> int:
    import keras
    import numpy as np

    from keras_zoo import zoo
    from keras_zoo.cli.table import table
    from keras_zoo.zoo.training import EpochProgress, align_targets

    if args.output:
        check_model_path(args.output, "--output")
    info, data, model = model_for_dataset(args)
    start = time.perf_counter()
    history = zoo.fit(model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                      epochs=args.epochs, batch_size=args.batch_size,
                      early_stopping=args.patience if args.patience else False,
                      callbacks=[EpochProgress(args.epochs)] if not args.quiet else None,
                      class_weight=args.class_weight, seed=args.seed,
                      tensorboard=args.tensorboard, verbose=0)
    elapsed = time.perf_counter() - start
    rows = []
    for split in ("train", "val", "test"):
        x, y = data.split(split)
        if len(y):
            metrics = model.evaluate(x, align_targets(model, y), verbose=0, return_dict=True,
                                     batch_size=1024)
            rows.append({"split": split, **{k: float(v) for k, v in metrics.items()}})
    columns = ["split"] + sorted({k for r in rows for k in r if k != "split"})
    epochs_run = len(history.history.get("loss", []))
    print(f"\n{info.name} on {data.name}: {epochs_run} epochs in {elapsed:.1f}s")
    print(table(rows, columns))
    if args.output:
        save_model(model, args.output)
        reloaded = keras.saving.load_model(args.output, safe_mode=True)
        same = np.allclose(zoo.predict(model, data.x_test[:32]),
                           zoo.predict(reloaded, data.x_test[:32]), atol=1e-5)
        print(f"saved {args.output}" + ("" if same else " (WARNING: reload predicts differently)"))
    if args.tensorboard:
        print(f"TensorBoard logs in {args.tensorboard} (view: tensorboard --logdir "
              f"{args.tensorboard})")
    return 0
