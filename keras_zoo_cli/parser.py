"""The ``keras-zoo`` command line: every command's arguments, parsed once by argparse.

Building the parser imports nothing but the standard library, so ``--help``, ``--version`` and
the listings answer without Keras (:mod:`keras_zoo_cli`). Each command's ``func`` default names
the function that runs it (``"module:function"``), imported only when it runs.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from typing import Any

STRATEGIES = ("grid", "random", "bayesian", "hyperband")
"""``--strategy``'s choices: the built-in strategies (``keras_zoo.tuning.oracles.strategies.STRATEGIES``,
which ``tests/test_cli.py`` checks this against)."""

KINDS = ("activations", "losses", "optimizers", "initializers")
"""The component tables, in the order ``keras-zoo components`` prints them."""

SET_GRAMMAR = """\
--set KEY=VALUE reads the same in train, diagnose and tune:
  64  0.01  1e-4  relu  true  null   one value
  [64,32]                            one tuple (lists, at any depth, are tuples)
  relu,elu,tanh                      a choice: tune searches it; train and diagnose refuse it
  [64,32],[32]                       a choice of tuples (tune)
  1e-4:1e-2:10:log  0:0.5:0.1        a range min:max[:step][:log] (tune)
  "a,b"                              one text that holds a comma or a colon
Quote for the shell: --set 'hidden_units=[64,32]' --set 'name="a,b"'."""
"""The ``--set`` grammar, as the ``--help`` of ``train``, ``diagnose`` and ``tune`` shows it."""


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


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked for (a source
    tree that was never installed still parses every other command)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        try:
            version = importlib.metadata.version("keras-zoo")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown (not installed: pip install -e .)"
        sys.stdout.write(f"{version}\n")  # where argparse's own version action prints
        parser.exit()


def _with_set_grammar(sub: Any, name: str, *, help: str, description: str,
                      example: str) -> argparse.ArgumentParser:
    """A command that takes ``--set``: its ``--help`` ends with :data:`SET_GRAMMAR` and an
    example (``example`` follows ``e.g. ``)."""
    return sub.add_parser(name, help=help, description=description,
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          epilog=f"{SET_GRAMMAR}\n\ne.g. {example}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-zoo",
        description="A Keras 3 model zoo with hyperparameter search over Keras Tuner.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log diagnostics (INFO)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_listing_parsers(sub)

    add_train_parser(sub)
    add_diagnose_parser(sub)
    add_predict_parsers(sub)

    p = _with_set_grammar(
        sub, "tune", help="search hyperparameters (grid, random, bayesian, hyperband)",
        description="Search hyperparameters of a registered model: from a YAML/JSON config\n"
                    "(keras-zoo tune search.yaml) or from flags (keras-zoo tune MODEL --dataset\n"
                    "NAME --set ..., or --csv FILE --target COLUMN for a CSV file). Prints a line per trial, then the leaderboard; writes\n"
                    "leaderboard.csv, search.png and the best model in the search directory.\n"
                    "Rerunning the same command resumes an interrupted search.",
        example="keras-zoo tune ann --dataset breast_cancer "
               "--set activation=relu,elu\n       --set 'hidden_units=[32],[64,32]' "
               "--set learning_rate=1e-4:1e-2:10:log")
    p.add_argument("target", help="CONFIG.yaml / CONFIG.json, or a registered model name")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--dataset", help="dataset name (with a model name)")
    source.add_argument("--csv", dest="data_csv", metavar="FILE.csv",
                        help="a CSV file with a header row (with a model name and --target): "
                             "missing values and text columns go into the model")
    p.add_argument("--target", dest="target_column", metavar="COLUMN",
                   help="with --csv: the column to predict")
    p.add_argument("--drop", action="append", default=[], metavar="COLUMN",
                   help="with --csv: a column to leave out (an id, a leak; repeatable)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUES",
                   help="a searched or fixed argument (repeatable; overrides the config's "
                        "space; grammar below)")
    p.add_argument("--strategy", choices=STRATEGIES,
                   help="grid (default), random, bayesian or hyperband")
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
                   default=argparse.SUPPRESS,  # absent unless given: the search's default (25)
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
    p.set_defaults(func="keras_zoo.cli.app:cmd_tune")
    add_worker_parser(sub)

    p = sub.add_parser("devices", help="show the devices a search would use",
                       description="Show the Keras backend's devices and how a search would place "
                                   "trials on them (GPUs with memory growth, else the CPU).")
    p.add_argument("--devices", nargs="+", help="as for tune: auto, cpu, gpu, or device names")
    p.add_argument("--multi-device", choices=["workers", "mirrored"], default="workers",
                   dest="multi_device")
    p.add_argument("--split-cpu", type=int, default=0, dest="split_cpu",
                   help="split the CPU into N logical devices first (to try placement)")
    p.set_defaults(func="keras_zoo.cli.app:cmd_devices")
    return parser


def add_listing_parsers(sub: Any) -> None:
    """The ``models``, ``datasets`` and ``components`` subcommands."""
    p = sub.add_parser("models", help="list registered models",
                       description="List registered models (shell wildcards filter names).")
    p.add_argument("pattern", nargs="?", default=None, help='e.g. "*lstm*"')
    p.add_argument("--family", default=None, help="ann, cnn, rnn, seq2seq ...")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func="keras_zoo_cli.listing:cmd_models")

    p = sub.add_parser("datasets", help="list datasets `load` knows",
                       description="List the named datasets keras_zoo.datasets.load knows.")
    p.add_argument("pattern", nargs="?", default=None)
    p.set_defaults(func="keras_zoo_cli.listing:cmd_datasets")

    p = sub.add_parser("components", help="list activations, losses, optimizers, initializers",
                       description="List the component catalog with one-line descriptions.")
    p.add_argument("kind", nargs="?", choices=list(KINDS), default=None)
    p.add_argument("pattern", nargs="?", default=None)
    p.set_defaults(func="keras_zoo_cli.listing:cmd_components")


def _data_source(p: argparse.ArgumentParser, csv_flags: tuple[str, ...], csv_help: str) -> None:
    """``train``'s and ``diagnose``'s data: ``--dataset NAME`` or a CSV file (``csv_flags``)
    with ``--target`` and ``--drop`` (one of the two sources, not both)."""
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", metavar="NAME",
                        help="a dataset name (see `keras-zoo datasets`)")
    source.add_argument(*csv_flags, dest="data_csv", metavar="FILE.csv", help=csv_help)
    p.add_argument("--target", metavar="COLUMN",
                   help=f"with {csv_flags[0]}: the column to predict (required there)")
    p.add_argument("--drop", action="append", default=[], metavar="COLUMN",
                   help=f"with {csv_flags[0]}: a column to leave out (an id, a leak; repeatable)")
    p.set_defaults(csv_flag=csv_flags[0])


def add_train_parser(sub: Any) -> None:
    p = _with_set_grammar(
        sub, "train", help="train one model on a dataset or a CSV file and print its metrics",
        description="Train a registered model on a named dataset or on a CSV file's rows (missing\n"
                    "values and text columns go into the model): a progress line per epoch,\n"
                    "then train/val/test metrics. --output saves the model for `keras-zoo\n"
                    "predict` and `keras-zoo evaluate`.",
        example="keras-zoo train ann --dataset breast_cancer "
               "--set activation=elu --set 'hidden_units=[64,32]'\n"
               "     keras-zoo train ann --csv customers.csv --target churn --drop id "
               "--output churn.keras")
    p.add_argument("model", help="a registered model name (see `keras-zoo models`)")
    _data_source(p, ("--csv", "--data-csv"),
                 "a CSV file with a header row: train on its rows, split with --seed (needs "
                 "--target)")
    p.add_argument("--epochs", type=int, default=100, help="maximum epochs (default 100)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="default: what the optimizer implies (gd: all, sgd: 1), else 32")
    p.add_argument("--patience", type=int, default=10,
                   help="early-stopping patience on val_loss; 0 turns it off (default 10)")
    p.add_argument("--class-weight", choices=["balanced"], dest="class_weight", default=None,
                   help="balanced: weigh each class by n_samples / (n_classes * its count), so "
                        "a rare class counts as much as a frequent one (classifiers)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a factory argument, one value each (grammar below), e.g. "
                        "--set activation=elu --set hidden_units=[64,32]")
    p.add_argument("--seed", type=int, default=0, help="seed for the split and training")
    p.add_argument("--output", default=None, metavar="MODEL.keras",
                   help="save the trained model (a .keras file, written whole or not at all)")
    p.add_argument("--tensorboard", metavar="DIR", default=None,
                   help="write Keras' TensorBoard logs to DIR (train/ and validation/ runs)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func="keras_zoo.cli.train:cmd_train")


def add_diagnose_parser(sub: Any) -> None:
    p = _with_set_grammar(
        sub, "diagnose", help="train a model a few epochs and report its training health",
        description="Train a registered model on a named dataset (or on a CSV file's rows:\n"
                    "--data-csv FILE --target COLUMN) for a few epochs with\n"
                    "kz.diagnostics.Monitor and print its findings (vanishing or exploding\n"
                    "gradients, dead or saturated units, update ratios ...) with the cure for\n"
                    "each, then the per-layer table of the last epoch. Exits 0 whatever it finds.",
        example="keras-zoo diagnose ann --dataset digits --set "
               "'hidden_units=[32,32,32,32,32,32,32,32]'\n       --set activation=sigmoid "
               "--output diag.png")
    p.add_argument("model", help="a registered model name (see `keras-zoo models`)")
    _data_source(p, ("--data-csv",),
                 "a CSV file with a header row: diagnose on its rows (needs --target; --csv "
                 "here writes the per-layer table)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a factory argument, one value each (grammar below), e.g. "
                        "--set activation=sigmoid --set hidden_units=[64,64,64]")
    p.add_argument("--epochs", type=int, default=5, help="epochs to train and record (default 5)")
    p.add_argument("--batch-size", type=int, default=None, dest="batch_size",
                   help="default: what the optimizer implies (gd: all, sgd: 1), else 32")
    p.add_argument("--seed", type=int, default=0, help="seed for the split, training and probe")
    p.add_argument("--output", default=None, metavar="PNG", help="write the diagnosis plot")
    p.add_argument("--csv", default=None, metavar="CSV",
                   help="write the per-layer table of every recorded epoch")
    p.set_defaults(func="keras_zoo.cli.diagnose:cmd_diagnose")


def add_predict_parsers(sub: Any) -> None:
    """``predict`` and ``evaluate``: a saved model on a CSV file's rows."""
    p = sub.add_parser(
        "predict", help="predict a CSV file's rows with a saved model (.keras)",
        description="Load a saved model (in safe mode) and predict every row of a CSV file.\n"
                    "Writes the input rows plus the predictions: a classifier adds `prediction`\n"
                    "(the class) and one `probability_<class>` column per class; a regressor\n"
                    "adds `prediction` (`prediction_<i>` per output). A table model (train --csv)\n"
                    "takes the columns it was trained on, by name, missing values and unseen\n"
                    "categories included; other columns pass through. Any other model takes a\n"
                    "CSV of numbers, one column per input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="e.g. keras-zoo predict churn.keras customers.csv --output predictions.csv")
    p.add_argument("model_file", metavar="MODEL.keras",
                   help="a saved model (keras-zoo train --output, or model.save)")
    p.add_argument("rows", metavar="INPUT.csv", help="the rows to predict, with a header row")
    p.add_argument("--output", metavar="CSV", default=None,
                   help="write the CSV file here (default: standard output)")
    p.set_defaults(func="keras_zoo.cli.predict:cmd_predict")

    p = sub.add_parser(
        "evaluate", help="score a saved model (.keras) on a CSV file's labelled rows",
        description="Load a saved model (in safe mode) and print its compiled metrics (loss,\n"
                    "accuracy, ...) on the rows of a CSV file, whose --target column holds the\n"
                    "true values (class names for a table classifier).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="e.g. keras-zoo evaluate churn.keras customers_2025.csv --target churn")
    p.add_argument("model_file", metavar="MODEL.keras",
                   help="a saved model (keras-zoo train --output, or model.save)")
    p.add_argument("rows", metavar="INPUT.csv", help="the labelled rows, with a header row")
    p.add_argument("--target", required=True, metavar="COLUMN",
                   help="the column with the true values")
    p.add_argument("--json", action="store_true",
                   help="print the metrics as JSON, unrounded")
    p.set_defaults(func="keras_zoo.cli.predict:cmd_evaluate")


def add_serve_flags(p: argparse.ArgumentParser) -> None:
    """``tune``'s flags for a search other machines join."""
    p.add_argument("--serve", metavar="HOST:PORT",
                   help="serve the search to workers on other machines (keras-zoo worker "
                        "HOST:PORT); 0.0.0.0:PORT listens on every interface and needs a token")
    p.add_argument("--token-file", dest="token_file", metavar="FILE",
                   help="the token workers must present (default: $KERAS_ZOO_TOKEN; on "
                        "127.0.0.1 without one, a random token is written to "
                        "DIRECTORY/.keras-zoo-token)")
    p.add_argument("--no-train", action="store_true", dest="no_train",
                   help="with --serve: only serve; remote workers train every trial")
    p.add_argument("--worker-timeout", type=float, dest="worker_timeout", metavar="S",
                   help="with --serve: seconds without a heartbeat before a remote worker's "
                        "trial goes to another worker (default 30)")
    p.add_argument("--orphan-timeout", type=float, dest="orphan_timeout", metavar="S",
                   help="with --serve --no-train: seconds to wait while trials are left and no "
                        "worker is connected, before the search stops with the command that "
                        "resumes it (default 600)")


def add_worker_parser(sub: Any) -> None:
    p = sub.add_parser(
        "worker", help="join a search served on another machine (tune --serve)",
        description="Join the search a chief serves at HOST:PORT (keras-zoo tune ... --serve "
                    "HOST:PORT): get its job from the chief, train trials until the search is "
                    "done, send every result and model back, then exit 0. Needs only the "
                    "address and the chief's token; no shared filesystem.")
    p.add_argument("address", metavar="HOST:PORT")
    p.add_argument("--token-file", dest="token_file", metavar="FILE",
                   help="the chief's token (default: $KERAS_ZOO_TOKEN)")
    p.add_argument("--devices", nargs="+",
                   help="cpu, or GPUs (/GPU:0 /GPU:1): one worker process per GPU (default: "
                        "one process, the first GPU it sees, else the CPU)")
    p.add_argument("--work-dir", dest="work_dir", metavar="DIR",
                   help="where trials train before their results go to the chief (default: a "
                        "temporary folder, deleted at the end)")
    p.add_argument("--allow-import", action="append", default=[], dest="allow_imports",
                   metavar="MODULE",
                   help="a module or package whose functions the chief may name as the factory "
                        "(repeatable); by default a worker runs registered zoo models only")
    p.add_argument("--reconnect-timeout", type=float, default=60.0, dest="reconnect_timeout",
                   metavar="S", help="seconds to wait for a chief that cannot be reached (not "
                                     "started yet, restarting) before giving up (default 60)")
    p.set_defaults(func="keras_zoo.cli.worker:cmd_worker")
