"""The ``keras-zoo`` command: its parser, ``tune`` and ``devices``, and its exit statuses.

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
search records either as interrupted; 141 (128 + SIGPIPE), silently, when the reader of its
output closed the pipe (``keras-zoo models | head -3``: :mod:`keras_zoo.cli.pipe`).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from keras_zoo import __version__
from keras_zoo.base.errors import InputError, InputValueError
from keras_zoo.base.signals import Terminated, stop_signals
from keras_zoo.cli import prestart
from keras_zoo.cli.diagnose import add_diagnose_parser, tune_rows
from keras_zoo.cli.listing import add_listing_parsers
from keras_zoo.cli.pipe import quiet_on_closed_pipe
from keras_zoo.cli.table import table
from keras_zoo.cli.train import add_train_parser
from keras_zoo.cli.values import SET_GRAMMAR, _space_value, parse_assignments
from keras_zoo.cli.worker import add_serve_flags, add_worker_parser, serve_options

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

    add_train_parser(sub)
    add_diagnose_parser(sub)

    p = sub.add_parser(
        "tune", help="search hyperparameters (grid, random, bayesian, hyperband)",
        description="Search hyperparameters of a registered model: from a YAML/JSON config\n"
                    "(keras-zoo tune search.yaml) or from flags (keras-zoo tune MODEL --dataset\n"
                    "NAME --set ...). Prints a line per trial, then the leaderboard; writes\n"
                    "leaderboard.csv, search.png and the best model in the search directory.\n"
                    "Rerunning the same command resumes an interrupted search.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"{SET_GRAMMAR}\n\ne.g. keras-zoo tune ann --dataset breast_cancer "
               "--set activation=relu,elu\n       --set 'hidden_units=[32],[64,32]' "
               "--set learning_rate=1e-4:1e-2:10:log")
    p.add_argument("target", help="CONFIG.yaml / CONFIG.json, or a registered model name")
    p.add_argument("--dataset", help="dataset name (with a model name)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUES",
                   help="a searched or fixed argument (repeatable; overrides the config's "
                        "space; grammar below)")
    p.add_argument("--strategy", choices=["grid", "random", "bayesian", "hyperband"])
    p.add_argument("--objective", help="metric to optimise, e.g. val_accuracy, val_loss, val_r2")
    p.add_argument("--tie-breaker", dest="tie_breaker", metavar="METRIC",
                   help="decides between trials equal on the objective: a logged metric "
                        "(METRIC:max or METRIC:min when its name does not say), or 'none' "
                        "(default: val_loss, unless the objective is the loss)")
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
    p.add_argument("--directory",
                   help="search directory (default runs/<model>_<dataset>_<strategy>, the "
                        "names lower-cased with '_' for separators: runs/ann_breast_cancer_grid)")
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
    for command in sub.choices.values():  # `keras-zoo models | head -3` ends quietly
        command.set_defaults(func=quiet_on_closed_pipe(command.get_default("func")))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        with stop_signals():  # `kill PID` stops a search, wherever the signal lands
            return _run(args)
    except KeyboardInterrupt as err:  # a stop that arrived as the command ended
        return 143 if isinstance(err, Terminated) else 130


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
