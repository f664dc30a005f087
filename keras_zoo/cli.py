"""The ``keras-zoo`` command.

    keras-zoo models [PATTERN] [--family F]        registered models
    keras-zoo datasets [PATTERN]                   datasets ``load`` knows
    keras-zoo components [KIND] [PATTERN]          activations, losses, optimizers, initializers
    keras-zoo train MODEL --dataset NAME [...]     train one model, print a metrics table
    keras-zoo diagnose MODEL --dataset NAME [...]  train a few epochs, report training health
    keras-zoo tune CONFIG.yaml | MODEL --dataset NAME --set KEY=VALUES ...   search
    keras-zoo worker HOST:PORT [--token-file F]    join a search served with tune --serve
    keras-zoo devices                              what a search would run on

Every command has ``--help``.

Exit status: 0 done; 2 bad input (the library's :class:`~keras_zoo.base.errors.InputError`,
reported as ``error: ...``; argparse's own usage errors too); 1 a search that stopped
(:class:`~keras_zoo.tuning.SearchError`, ``error: ...``) or a crash (anything else: a bug, an
error inside Keras), with its traceback; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); a
search records either as interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from typing import Any

from keras_zoo import __version__
from keras_zoo.base.errors import InputError, InputValueError
from keras_zoo.cli_diagnose import add_diagnose_parser, tune_rows
from keras_zoo.cli_listing import add_listing_parsers, text_table
from keras_zoo.cli_values import (  # noqa: F401 - parse_value is re-exported
    _space_value,
    _train_value,
    parse_assignments,
    parse_value,
)
from keras_zoo.cli_worker import add_serve_flags, add_worker_parser, serve_options

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _cell(value: Any) -> str:
    """A table cell: floats to 4 decimals, integers as integers, a missing value (``None``,
    NaN, pandas' ``NA``) as ``-``."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA:
        return "-"
    if isinstance(value, (float, np.floating)):
        return "-" if np.isnan(value) else f"{value:.4f}"
    return str(value)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    return text_table(rows, columns, _cell)


# === Commands (models, datasets and components: keras_zoo.cli_listing) ===

def model_for_dataset(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """``(info, data, model)``: ``args.model`` built for ``args.dataset`` (loaded with
    ``args.seed``) with the ``--set`` keywords; bad names and keys fail before any output
    (``train`` and ``diagnose``)."""
    from keras_zoo import datasets, zoo

    info = zoo.model_info(args.model)
    data = datasets.load(args.dataset, seed=args.seed)
    kwargs = data.model_kwargs(info.factory)
    kwargs.update({k: _train_value(v) for k, v in parse_assignments(args.set).items()})
    if "seed" in info.parameters:
        kwargs.setdefault("seed", args.seed)
    model = zoo.create_model(info.name, **kwargs)
    print(data.summary(), file=sys.stderr)
    return info, data, model


def cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_zoo import zoo
    from keras_zoo.zoo.training import EpochProgress, align_targets

    info, data, model = model_for_dataset(args)
    start = time.perf_counter()
    history = zoo.fit(model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                      epochs=args.epochs, batch_size=args.batch_size,
                      early_stopping=args.patience if args.patience else False,
                      callbacks=[EpochProgress(args.epochs)] if not args.quiet else None,
                      seed=args.seed, tensorboard=args.tensorboard)
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
    print(_table(rows, columns))
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
        if not args.dataset:
            raise InputValueError("`tune MODEL` needs --dataset NAME (or give a CONFIG.yaml "
                                  f"instead of a model name). Received: tune {target} without "
                                  "--dataset")
        kwargs = {"model": target, "data": args.dataset, "space": {}}
    for key, value in parse_assignments(args.set).items():
        kwargs["space"][key] = _space_value(value, key)
    if not kwargs["space"]:
        raise InputValueError("Nothing to search: give --set KEY=V1,V2 (or a config with a "
                              "space). Received: no --set")
    kwargs.update(_tune_options(args))
    if isinstance(kwargs["data"], str) and "seed" in kwargs:
        from keras_zoo import datasets

        kwargs["data"] = datasets.load(kwargs["data"], seed=kwargs["seed"])
    model = kwargs.pop("model")
    data = kwargs.pop("data")
    space = kwargs.pop("space")
    result = tuning.search(model, data, space, verbose=0 if args.quiet else 1, **kwargs)
    board = result.completed()
    shown = board.head(args.top)
    pruned = ["pruned_at_epoch"] if (shown["status"] == "pruned").any() else []
    columns = [c for c in ["trial", *result.spec.get("axes", []), result.objective, "epochs_run",
                           *pruned, "seconds", "device", *DIAGNOSTIC_COLUMNS]
               if c in shown.columns]
    print(f"\n{result.summary()}")
    print(_table(tune_rows(shown, columns), columns))
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


_UNSET = object()


def _count_or_none(text: str) -> int | None:
    """``--trials-per-process``: a positive integer, or ``none``."""
    if text.strip().lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'none', got {text!r}")
    return value


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so a search records it and stops its workers."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def _tune_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``search()`` keywords ``tune``'s flags give (they override a config's)."""
    options = {}
    for option in ("strategy", "objective", "max_trials", "epochs", "batch_size", "patience",
                   "executions_per_trial", "directory", "seed", "workers", "multi_device",
                   "keep_models", "process_memory_mb", "pruner", "diagnostics", "tensorboard"):
        value = getattr(args, option, None)
        if value is not None:
            options[option] = value
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


# === Parser ===

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-zoo",
        description="A Keras 3 model zoo with hyperparameter search over Keras Tuner.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics (INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_listing_parsers(sub)

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
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="write Keras' TensorBoard logs to DIR (train/ and validation/ runs)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_train)
    add_diagnose_parser(sub)

    p = sub.add_parser(
        "tune", help="search hyperparameters (grid, random, bayesian, hyperband)",
        description="Search hyperparameters of a registered model: from a YAML/JSON config "
                    "(keras-zoo tune search.yaml) or from flags (keras-zoo tune ann --dataset "
                    "breast_cancer --set activation=relu,elu --set learning_rate=1e-4:1e-2:10:log). "
                    "Prints a line per trial, then the leaderboard; writes leaderboard.csv, "
                    "search.png and the best model in the search directory. Rerunning the same "
                    "command resumes an interrupted search.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="--set values: a,b,c is a choice; min:max[:step][:log] a range; [64,32] one tuple; "
               "[64,32],[32] a choice of tuples; anything else a fixed value.")
    p.add_argument("target", help="CONFIG.yaml / CONFIG.json, or a registered model name")
    p.add_argument("--dataset", help="dataset name (with a model name)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUES",
                   help="a searched or fixed argument (repeatable; overrides the config's space)")
    p.add_argument("--strategy", choices=["grid", "random", "bayesian", "hyperband"])
    p.add_argument("--objective", help="metric to optimise, e.g. val_accuracy, val_loss, val_r2")
    p.add_argument("--pruner", choices=["median", "asha", "none"],
                   help="stop unpromising trials early: median (worse than the median of the "
                        "other trials at the same epoch) or asha (successive halving)")
    p.add_argument("--diagnostics", action="store_true", default=None,
                   help="record each trial's training health (kz.diagnostics.Monitor, once at "
                        "the end): the leaderboard gains grad_ratio, dead_fraction, "
                        "saturated_fraction and findings")
    p.add_argument("--tensorboard", action="store_true", default=None,
                   help="write one TensorBoard run per trial with its hyperparameters (HParams) "
                        "under DIRECTORY/tensorboard: tensorboard --logdir DIRECTORY")
    p.add_argument("--max-trials", type=int, dest="max_trials")
    p.add_argument("--epochs", type=int, help="epochs per trial (default 20)")
    p.add_argument("--batch-size", type=int, dest="batch_size")
    p.add_argument("--patience", type=int, help="early-stopping patience per trial (default 10)")
    p.add_argument("--executions-per-trial", type=int, dest="executions_per_trial")
    p.add_argument("--directory", help="search directory (default runs/<model>-<data>-<strategy>)")
    p.add_argument("--seed", type=int)
    p.add_argument("--devices", nargs="+", help="auto (default), cpu, gpu, or names like /GPU:0")
    p.add_argument("--multi-device", choices=["workers", "mirrored"], dest="multi_device")
    p.add_argument("--workers", type=int, help="parallel trials (worker processes)")
    p.add_argument("--trials-per-process", type=_count_or_none, dest="trials_per_process",
                   metavar="N|none",
                   help="trials a worker process runs before a fresh one replaces it, so memory "
                        "stays flat (default 25; a one-worker search of at most N trials runs "
                        "in this process; none: never replaced, all in this process)")
    p.add_argument("--process-memory-mb", type=float, dest="process_memory_mb", metavar="MB",
                   help="replace a worker process whose memory grew by more than MB since its "
                        "first trial (default 200)")
    p.add_argument("--keep-models", choices=["best", "all", "none"], dest="keep_models")
    p.add_argument("--no-resume", action="store_true", dest="no_resume",
                   help="refuse to continue an existing search")
    p.add_argument("--overwrite", action="store_true", help="delete the directory and start over")
    p.add_argument("--retry-failed", action="store_true", dest="retry_failed",
                   help="run trials that failed in an earlier run of this search again (failed "
                        "trials are otherwise final)")
    p.add_argument("--top", type=int, default=10, help="leaderboard rows to print (default 10)")
    p.add_argument("--quiet", action="store_true", help="no per-trial progress lines")
    add_serve_flags(p)
    p.set_defaults(func=cmd_tune)
    add_worker_parser(sub)

    p = sub.add_parser("devices", help="show the devices a search would use",
                       description="Show the Keras backend's devices and how a search would place "
                                   "trials on them (GPUs with memory growth, else the CPU).")
    p.add_argument("--devices", nargs="+", help="as for tune: auto, cpu, gpu, or device names")
    p.add_argument("--multi-device", choices=["workers", "mirrored"], default="workers",
                   dest="multi_device")
    p.add_argument("--split-cpu", type=int, default=0, dest="split_cpu",
                   help="split the CPU into N logical devices first (to try placement)")
    p.set_defaults(func=cmd_devices)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if on_main else None  # `kill PID`
    try:
        return _run(args)
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    """Run the command; errors become the exit statuses the module docstring lists."""
    try:
        return int(args.func(args) or 0)
    except InputError as err:  # input the library refused: the message says what and why
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        print("interrupted: completed trials are kept; run the same command again to resume",
              file=sys.stderr)
        return 143 if isinstance(err, _Terminated) else 130
    except Exception as err:  # noqa: BLE001 - reported below: the traceback, then exit 1
        if _is_search_error(err):  # a search that stopped: completed trials are kept
            print(f"error: {err}", file=sys.stderr)
            return 1
        traceback.print_exc()  # a crash (a bug, an error inside Keras): show where
        print(f"keras-zoo {args.command} crashed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


def _is_search_error(err: BaseException) -> bool:
    tuning = sys.modules.get("keras_zoo.tuning.errors")  # only loaded by commands that search
    remote = sys.modules.get("keras_zoo.tuning.remote")
    return ((tuning is not None and isinstance(err, tuning.SearchError))
            or (remote is not None and isinstance(err, remote.WorkerError)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
