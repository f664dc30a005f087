"""The ``keras-zoo`` command once the package is imported: ``tune`` and ``devices``, and the
exit statuses of every command (:func:`run`). The command line was parsed before
(:mod:`keras_zoo_cli.parser`, which holds every command's arguments).

    keras-zoo models [PATTERN] [--family F]        registered models
    keras-zoo datasets [PATTERN]                   datasets ``load`` knows
    keras-zoo components [KIND] [PATTERN]          activations, losses, optimizers, initializers
    keras-zoo train MODEL --dataset NAME [...]     train one model, print a metrics table
    keras-zoo train MODEL --csv FILE --target COL  the same on a CSV file's rows
    keras-zoo predict MODEL.keras INPUT.csv        a saved model's predictions, as CSV
    keras-zoo evaluate MODEL.keras INPUT.csv --target COL   its metrics on labelled rows
    keras-zoo diagnose MODEL --dataset NAME [...]  train a few epochs, report training health
    keras-zoo tune CONFIG.yaml | MODEL --dataset NAME --set KEY=VALUES ...   search
    keras-zoo worker HOST:PORT [--token-file F]    join a search served with tune --serve
    keras-zoo devices                              what a search would run on

Every command has ``--help``.

Exit status: 0 done; 2 bad input (the library's :class:`~keras_zoo.base.errors.InputError`,
reported as ``error: ...``; argparse's own usage errors too); 1 a search that stopped
(:class:`~keras_zoo.tuning.SearchError`, ``error: ...``) or a crash (anything else: a bug, an
error inside Keras), with its traceback; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); a
search records either as interrupted; 141 (128 + SIGPIPE), silently, when the reader of its
output closed the pipe (``keras-zoo models | head -3``: :mod:`keras_zoo_cli.pipe`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from keras_zoo.base.errors import InputError, InputValueError
from keras_zoo.base.signals import Terminated, stop_signals
from keras_zoo.cli.diagnose import tune_rows
from keras_zoo.cli.table import table
from keras_zoo.cli.values import _space_value, parse_assignments
from keras_zoo.cli.worker import serve_options
from keras_zoo_cli import prestart
from keras_zoo_cli.pipe import quiet_on_closed_pipe

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


# === Commands (models, datasets and components: keras_zoo.cli.listing) ===

def cmd_tune(args: argparse.Namespace) -> int:
    from keras_zoo import tuning
    from keras_zoo.tuning.config import load_config
    from keras_zoo.tuning.results import DIAGNOSTIC_COLUMNS

    if args.top < 1:
        raise InputValueError(f"--top (leaderboard rows to print) must be an integer >= 1. "
                              f"Received: --top {args.top}")
    target = args.target
    if target.endswith((".yaml", ".yml", ".json")) or os.path.isfile(target):
        kwargs = load_config(target)
    else:
        kwargs = {"model": target, "data": _tune_data(args, target), "space": {}}
    for key, value in parse_assignments(args.set).items():
        kwargs["space"][key] = _space_value(value, key)
    if not kwargs["space"]:
        raise InputValueError("Nothing to search: give --set KEY=V1,V2 (or a config with a "
                              "space). Received: no --set")
    kwargs.update(_tune_options(args))
    if isinstance(kwargs["data"], tuple):  # --csv FILE --target COLUMN [--drop ...]
        from keras_zoo import datasets

        path, column, drop = kwargs["data"]
        kwargs["data"] = datasets.from_csv(path, target=column, drop=drop,
                                           seed=kwargs.get("seed", 0))
    if isinstance(kwargs["data"], str) and "seed" in kwargs:
        from keras_zoo import datasets

        kwargs["data"] = datasets.load(kwargs["data"], seed=kwargs["seed"])
    model = kwargs.pop("model")
    data = kwargs.pop("data")
    space = kwargs.pop("space")
    prestart.hand_over()  # the worker processes this command started before importing Keras
    result = tuning.search(model, data, space, verbose=0 if args.quiet else 1, **kwargs)
    board = result.completed()
    shown = board.head(args.top)
    pruned = ["pruned_at_epoch"] if (shown["status"] == "pruned").any() else []
    tie = [result.ranking.tie_breaker[0]] if result.ranking.tie_breaker else []
    columns = [c for c in ["trial", *result.spec.get("axes", []), result.objective, *tie,
                           "epochs_run", *pruned, "seconds", "device", *DIAGNOSTIC_COLUMNS]
               if c in shown.columns]
    print(f"\n{result.summary()}")
    print(table(tune_rows(shown, columns), columns))
    failed = result.leaderboard[result.leaderboard["status"] == "failed"]
    for _, row in failed.iterrows():
        print(f"trial {row['trial']} failed: {row['error']}")
    print(f"\nleaderboard: {result.to_csv()}")
    print(f"plot:        {result.plot()}")
    with contextlib.suppress(InputError):  # no completed trial, or its model not kept
        print(f"best model:  {result.best_model_path}")
    if result.spec.get("tensorboard"):
        print(f"tensorboard: tensorboard --logdir {result.directory}")
    return 0


def _tune_data(args: argparse.Namespace, model: str) -> Any:
    """``tune MODEL``'s data: a dataset name, or ``(csv, target, drop)`` for ``--csv`` (loaded
    once the seed is known)."""
    csv, column = getattr(args, "data_csv", None), getattr(args, "target_column", None)
    if csv is None:
        if column or args.drop:
            raise InputValueError("--target and --drop apply to a CSV file (--csv FILE --target "
                                  f"COLUMN). Received: tune {model} --target {column}")
        if not args.dataset:
            raise InputValueError("`tune MODEL` needs --dataset NAME or --csv FILE --target "
                                  "COLUMN (or give a CONFIG.yaml instead of a model name). "
                                  f"Received: tune {model} without --dataset")
        return args.dataset
    if not column:
        from keras_zoo.datasets.registry import columns_note

        raise InputValueError(f"--csv FILE needs --target COLUMN, the column to predict"
                              f"{columns_note(csv)}. Received: --csv {csv} without --target")
    return csv, column, list(args.drop)


_UNSET = object()


def _tune_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``search()`` keywords ``tune``'s flags give (they override a config's)."""
    options = {}
    for option in ("strategy", "objective", "tie_breaker", "max_trials", "epochs", "batch_size", "patience",
                   "executions_per_trial", "directory", "seed", "workers", "multi_device",
                   "keep_models", "process_memory_mb", "pruner", "diagnostics", "tensorboard"):
        value = getattr(args, option, None)
        if value is not None:
            options[option] = value
    tie = options.get("tie_breaker")
    if tie is not None and tie.lower() == "none":  # --tie-breaker none
        options["tie_breaker"] = None
    elif tie is not None and ":" in tie:  # --tie-breaker METRIC:max|min
        options["tie_breaker"] = tuple(tie.rsplit(":", 1))
    if getattr(args, "trials_per_process", _UNSET) is not _UNSET:
        options["trials_per_process"] = args.trials_per_process
    if args.devices:
        options["devices"] = args.devices if len(args.devices) > 1 else args.devices[0]
    if args.overwrite:
        options["overwrite"] = True
    if args.no_resume:
        options["resume"] = False
    if args.retry_failed:
        options["retry_failed"] = True
    options.update(serve_options(args))
    return options


def cmd_devices(args: argparse.Namespace) -> int:
    from keras_zoo import tuning

    if args.split_cpu:
        tuning.split_cpu(args.split_cpu)
    devices = args.devices if args.devices else "auto"
    if isinstance(devices, list) and len(devices) == 1:
        devices = devices[0]
    info = tuning.describe_devices(devices, args.multi_device)
    print(f"backend: {info['backend']} (KERAS_BACKEND)")
    print("physical devices:")
    for line in info["physical"]:
        print(f"  {line}")
    print(f"GPUs: {info['gpus']} (built with CUDA: {info['built_with_cuda']})")
    print(f"a search would use: {', '.join(info['devices'])}")
    print(f"placement: {info['mode']} ({info['workers']} worker(s))")
    if info["gpus"] == 0:
        print("no GPU: trials run on the CPU")
    return 0


# === Running a parsed command ===

def run(args: argparse.Namespace) -> int:
    """Run the parsed command (:mod:`keras_zoo_cli.parser`); return its exit status."""
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    command = quiet_on_closed_pipe(_command(args.func))  # `keras-zoo models | head -3`
    try:
        with stop_signals():  # `kill PID` stops a search, wherever the signal lands
            return _run(args, command)
    except KeyboardInterrupt as err:  # a stop that arrived as the command ended
        return 143 if isinstance(err, Terminated) else 130


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    """The function a parser's ``func`` default names (``"module:function"``)."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def _run(args: argparse.Namespace, command: Callable[[argparse.Namespace], int]) -> int:
    """Run the command; errors become the exit statuses the module docstring lists."""
    try:
        return int(command(args) or 0)
    except InputError as err:  # input the library refused: the message says what and why
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        print("interrupted: completed trials are kept; run the same command again to resume",
              file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    except Exception as err:  # noqa: BLE001 - reported below: the traceback, then exit 1
        if _is_search_error(err):  # a search that stopped: completed trials are kept
            print(f"error: {err}", file=sys.stderr)
            return 1
        traceback.print_exc()  # a crash (a bug, an error inside Keras): show where
        print(f"keras-zoo {args.command} crashed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


def _is_search_error(err: BaseException) -> bool:
    tuning = sys.modules.get("keras_zoo.tuning.errors")  # only loaded by commands that search
    remote = sys.modules.get("keras_zoo.tuning.runtime.remote")
    return ((tuning is not None and isinstance(err, tuning.SearchError))
            or (remote is not None and isinstance(err, remote.WorkerError)))
