"""``keras-zoo train MODEL --dataset NAME``: train one model, print a metrics table; and what
``train`` and ``diagnose`` share: every argument checked, then the dataset loaded and the model
built (:func:`model_for_dataset`)."""

from __future__ import annotations

import argparse
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


def model_for_dataset(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """``(info, data, model)``: ``args.model`` built for ``args.dataset`` (loaded with
    ``args.seed``) with the ``--set`` keywords (``train`` and ``diagnose``).

    The flags, the model's name, the ``--set`` texts and their keys are checked before the
    dataset loads; the values the factory refuses, before the dataset's summary prints.
    """
    from keras_zoo import datasets, zoo
    from keras_zoo.zoo.registry import check_kwargs

    check_run_args(args)
    info = zoo.model_info(args.model)
    settings = {k: _train_value(v, k) for k, v in parse_assignments(args.set).items()}
    check_kwargs(info.factory, settings, info.name)
    data = datasets.load(args.dataset, seed=args.seed)
    kwargs = data.model_kwargs(info.factory)
    kwargs.update(settings)
    if "seed" in info.parameters:
        kwargs.setdefault("seed", args.seed)
    model = zoo.create_model(info.name, **kwargs)
    print(data.summary(), file=sys.stderr)
    return info, data, model


def cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_zoo import zoo
    from keras_zoo.cli.table import table
    from keras_zoo.zoo.training import EpochProgress, align_targets

    info, data, model = model_for_dataset(args)
    start = time.perf_counter()
    history = zoo.fit(model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                      epochs=args.epochs, batch_size=args.batch_size,
                      early_stopping=args.patience if args.patience else False,
                      callbacks=[EpochProgress(args.epochs)] if not args.quiet else None,
                      seed=args.seed, tensorboard=args.tensorboard, verbose=0)
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
        directory = os.path.dirname(os.path.abspath(args.output))
        os.makedirs(directory, exist_ok=True)
        model.save(args.output)
        reloaded = __import__("keras").saving.load_model(args.output)
        same = np.allclose(zoo.predict(model, data.x_test[:32]),
                           zoo.predict(reloaded, data.x_test[:32]), atol=1e-5)
        print(f"saved {args.output}" + ("" if same else " (WARNING: reload predicts differently)"))
    if args.tensorboard:
        print(f"TensorBoard logs in {args.tensorboard} (view: tensorboard --logdir "
              f"{args.tensorboard})")
    return 0
