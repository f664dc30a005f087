"""Our search against plain Keras Tuner and a plain loop of `fit` calls, on the same space.

The space is a 12-trial grid on breast_cancer (activation x learning rate x batch size, Dense
32-16, 20 epochs a trial, no early stopping so every contender does the same work). Each
contender runs in its own process (so peak memory is its own), repeated `--repeats` times in that
process (so growth from one repetition to the next shows), and the contenders take turns.

Contenders:
  plain_loop      for each configuration: build, compile, model.fit(...) — what a user writes
  keras_tuner     keras_tuner.GridSearch with a HyperModel, as its documentation shows
  zoo_search      keras_zoo.tuning.search(..., strategy="grid")
  zoo_workers2    the same search with workers=2 (two trials at a time; two processes)

Prints JSON: per contender the median wall time per repetition, its ratio to the plain loop,
peak RSS, the RSS after each repetition, and the best validation accuracy found.

``--long`` instead measures memory over a long search (issue 10): a 120-trial grid (the space
above times four hidden layouts and five learning rates), once with every trial in one process
(``trials_per_process=None``, how every search ran before) and once with the default recycled
worker processes. A sampler thread reads the resident memory of the search process and of every
worker process four times a second, next to the number of finished trials; the report gives, for
the search process and for the worker processes, the memory after the first 10 trials and the
peak over the whole search, and the wall time of each.

``--pruning`` measures pruning (issue 11): a 24-trial random search on digits (``ann``: learning
rate 1e-5..1e-1 log-uniform, hidden layout, activation, batch size), up to 100 epochs a trial
with the search's default early stopping (patience 10), run with ``pruner=None``, ``"median"``
and ``"asha"`` for each of 3 seeds (the seed draws the same 24 configurations for the three
runs). Each search runs in its own process, the three pruners taking turns seed by seed. The
report gives each run's wall time, best validation accuracy and number of pruned trials, and per
pruner the speed-up over the unpruned search (total time, and each seed's) and the gap of its
best score to the unpruned best (target: >= 2x faster, best within 0.005).

``--cli`` measures what a user of the command waits for (issue 11): the wall time of the whole
``keras-zoo tune`` command on the grid above (its TensorFlow import, the checks, the trials, the
leaderboard and the plot), with ``--workers 1`` (the trials in the command's process) and
``--workers 2`` (two worker processes, started before the command imports TensorFlow), taking
turns ``--repeats`` times.

Run:  python benchmarks/bench_tuning.py [--repeats 2] [--rounds 1] [--epochs 20]
      python benchmarks/bench_tuning.py --cli [--repeats 3] [--epochs 20]
      python benchmarks/bench_tuning.py --long [--epochs 20]
      python benchmarks/bench_tuning.py --pruning [--seeds 3] [--trials 24] [--epochs 100]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SPACE = {"activation": ["relu", "tanh", "elu"], "learning_rate": [1e-3, 1e-2],
         "batch_size": [32, 64]}
CONTENDERS = ["plain_loop", "keras_tuner", "zoo_search", "zoo_workers2"]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _configs():
    import itertools

    keys = list(SPACE)
    return [dict(zip(keys, values)) for values in itertools.product(*SPACE.values())]


def _keras_model(keras, input_dim, normalizer, activation, learning_rate):
    model = keras.Sequential([
        keras.Input((input_dim,)), normalizer,
        keras.layers.Dense(32, activation=activation),
        keras.layers.Dense(16, activation=activation),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def run_plain_loop(data, epochs, directory):
    import keras

    best = 0.0
    for config in _configs():
        norm = keras.layers.Normalization(mean=data.x_train.mean(0), variance=data.x_train.var(0))
        model = _keras_model(keras, data.input_dim, norm, config["activation"],
                             config["learning_rate"])
        history = model.fit(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                            epochs=epochs, batch_size=config["batch_size"], verbose=0)
        best = max(best, max(history.history["val_accuracy"]))
    return best


def run_keras_tuner(data, epochs, directory):
    import keras
    import keras_tuner as kt

    class HyperMLP(kt.HyperModel):
        def build(self, hp):
            norm = keras.layers.Normalization(mean=data.x_train.mean(0),
                                              variance=data.x_train.var(0))
            return _keras_model(keras, data.input_dim, norm,
                                hp.Choice("activation", SPACE["activation"]),
                                hp.Choice("learning_rate", SPACE["learning_rate"]))

        def fit(self, hp, model, *args, **kwargs):
            return model.fit(*args, batch_size=hp.Choice("batch_size", SPACE["batch_size"]),
                             **kwargs)

    tuner = kt.GridSearch(HyperMLP(), objective="val_accuracy", directory=directory,
                          project_name="kt", overwrite=True)
    tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
                 epochs=epochs, verbose=0)
    return tuner.oracle.get_best_trials(1)[0].score


def _zoo(data, epochs, directory, workers):
    import keras_zoo as kz

    result = kz.tuning.search("ann", data, SPACE, strategy="grid", hidden_units=(32, 16),
                              epochs=epochs, early_stopping=False, directory=directory,
                              overwrite=True, workers=workers, verbose=0)
    return result.best_score


def run_zoo_search(data, epochs, directory):
    return _zoo(data, epochs, directory, 1)


def run_zoo_workers2(data, epochs, directory):
    return _zoo(data, epochs, directory, 2)


LONG_SPACE = {"activation": ["relu", "tanh", "elu"],
              "learning_rate": [1e-3, 3e-3, 1e-2, 3e-2, 1e-4], "batch_size": [32, 64],
              "hidden_units": [[32, 16], [16], [32], [64]]}
LONG_CONTENDERS = {"long_in_process": None, "long_recycled": 25}


def _proc_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(name))
            except (OSError, IndexError, ValueError):
                continue
    return kids


def long_child(contender: str, epochs: int) -> None:
    """One long search, its processes' memory sampled next to the count of finished trials."""
    import glob
    import threading

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras_zoo as kz

    data = kz.load("breast_cancer", seed=0)
    samples: list[tuple[int, str, float]] = []  # (finished trials, "search"|"worker", MB)
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        directory = os.path.join(tmp, contender)

        def sample() -> None:
            me = os.getpid()
            while not stop.is_set():
                done = len(glob.glob(os.path.join(directory, "trials", "*", "result.json")))
                samples.append((done, "search", _proc_rss_mb(me) or 0.0))
                for kid in _children(me):
                    rss = _proc_rss_mb(kid)
                    if rss:
                        samples.append((done, "worker", rss))
                stop.wait(0.25)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        start = time.perf_counter()
        result = kz.tuning.search("ann", data, LONG_SPACE, strategy="grid", epochs=epochs,
                                  early_stopping=False, directory=directory, overwrite=True,
                                  trials_per_process=LONG_CONTENDERS[contender], verbose=0)
        seconds = time.perf_counter() - start
        stop.set()
        thread.join()
        trials = len(result.leaderboard)
    report = {"seconds": round(seconds, 1), "trials": trials,
              "best_val_accuracy": result.best_score}
    for kind in ("search", "worker"):
        values = [(d, mb) for d, k, mb in samples if k == kind]
        if values:
            at10 = max((mb for d, mb in values if d <= 10), default=None)
            peak = max(mb for _, mb in values)
            report[kind] = {"mb_after_10_trials": round(at10, 1) if at10 else None,
                            "peak_mb": round(peak, 1),
                            "growth_after_10_trials_mb": round(peak - at10, 1) if at10 else None}
    print(json.dumps(report))


def long_main(epochs: int) -> None:
    report = {"space": LONG_SPACE, "epochs": epochs, "cpus": os.cpu_count(), "results": {}}
    for contender in LONG_CONTENDERS:
        out = subprocess.run([sys.executable, __file__, "--long-contender", contender,
                              "--epochs", str(epochs)], capture_output=True, text=True,
                             check=True)
        report["results"][contender] = json.loads(out.stdout.strip().splitlines()[-1])
    r = report["results"]
    report["recycled_time_ratio"] = round(r["long_recycled"]["seconds"]
                                          / r["long_in_process"]["seconds"], 3)
    print(json.dumps(report, indent=2))


PRUNING_SPACE = {"learning_rate": {"min": 1e-5, "max": 1e-1, "sampling": "log"},
                 "hidden_units": [(32,), (64, 32), (128,)], "activation": ["relu", "tanh"],
                 "batch_size": [32, 128]}
PRUNERS = ("none", "median", "asha")


def pruning_child(pruner: str, seed: int, trials: int, epochs: int) -> None:
    """One random search on digits with ``pruner``; prints its time and best score as JSON."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras_zoo as kz

    data = kz.load("digits", seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = kz.tuning.search("ann", data, PRUNING_SPACE, strategy="random",
                                  max_trials=trials, epochs=epochs, seed=seed,
                                  pruner=None if pruner == "none" else pruner,
                                  directory=os.path.join(tmp, "s"), keep_models="none",
                                  verbose=0)
        seconds = time.perf_counter() - start
        board = result.leaderboard
        print(json.dumps({
            "seconds": round(seconds, 1), "best_val_accuracy": round(result.best_score, 4),
            "trials": len(board), "pruned": int((board["status"] == "pruned").sum()),
            "epochs_trained": int(board["epochs_run"].fillna(0).sum()),
        }))


def pruning_main(seeds: int, trials: int, epochs: int) -> None:
    runs: dict[str, list[dict]] = {p: [] for p in PRUNERS}
    start = time.perf_counter()
    for seed in range(seeds):
        for pruner in PRUNERS:
            out = subprocess.run([sys.executable, __file__, "--pruning-run", pruner, "--seed",
                                  str(seed), "--trials", str(trials), "--epochs", str(epochs)],
                                 capture_output=True, text=True, check=True)
            runs[pruner].append({"seed": seed,
                                 **json.loads(out.stdout.strip().splitlines()[-1])})
    report = {"space": {k: v if not isinstance(v, list) else [list(x) if isinstance(x, tuple)
                                                              else x for x in v]
                        for k, v in PRUNING_SPACE.items()},
              "trials": trials, "epochs": epochs, "seeds": seeds, "cpus": os.cpu_count(),
              "bench_wall_seconds": round(time.perf_counter() - start, 1), "runs": runs,
              "summary": {}}
    base = runs["none"]
    for pruner in PRUNERS[1:]:
        mine = runs[pruner]
        gaps = [round(b["best_val_accuracy"] - m["best_val_accuracy"], 4)
                for b, m in zip(base, mine)]
        report["summary"][pruner] = {
            "speedup_total": round(sum(r["seconds"] for r in base)
                                   / sum(r["seconds"] for r in mine), 2),
            "speedup_by_seed": [round(b["seconds"] / m["seconds"], 2) for b, m in zip(base, mine)],
            "best_gap_by_seed": gaps,
            "epochs_trained_ratio": round(sum(r["epochs_trained"] for r in mine)
                                          / sum(r["epochs_trained"] for r in base), 3),
            "target_met": bool(sum(r["seconds"] for r in base) >= 2 * sum(r["seconds"]
                                                                         for r in mine)
                               and max(gaps) <= 0.005),
        }
    print(json.dumps(report, indent=2))


def child(contender: str, repeats: int, epochs: int) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras_zoo as kz

    data = kz.load("breast_cancer", seed=0)
    fn = globals()[f"run_{contender}"]
    times, rss, best = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(repeats):
            start = time.perf_counter()
            best = fn(data, epochs, os.path.join(tmp, f"{contender}-{rep}"))
            times.append(time.perf_counter() - start)
            rss.append(round(_rss_mb(), 1))
    print(json.dumps({"times": times, "rss_after_each_mb": rss, "peak_mb": round(_peak_mb(), 1),
                      "best_val_accuracy": best}))


def cli_main(repeats: int, epochs: int) -> None:
    """The ``keras-zoo tune`` command, one worker against two, from the shell's point of view."""
    command = os.path.join(os.path.dirname(sys.executable), "keras-zoo")
    sets = [f"activation={','.join(SPACE['activation'])}",
            f"learning_rate={','.join(map(str, SPACE['learning_rate']))}",
            f"batch_size={','.join(map(str, SPACE['batch_size']))}", "hidden_units=[32,16]"]
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(repeats):
            for workers in (1, 2):
                args = [command, "tune", "ann", "--dataset", "breast_cancer", "--epochs",
                        str(epochs), "--patience", str(epochs),  # no early stop: same work
                        "--directory", os.path.join(tmp, f"w{workers}-{rep}"), "--workers",
                        str(workers), "--quiet"]
                for value in sets:
                    args += ["--set", value]
                start = time.perf_counter()
                subprocess.run(args, check=True, capture_output=True)
                times[workers].append(round(time.perf_counter() - start, 2))
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(json.dumps({"epochs": epochs, "trials": 12, "cpus": os.cpu_count(),
                      "seconds_by_repetition": {"workers=1": times[1], "workers=2": times[2]},
                      "median_seconds": {"workers=1": one, "workers=2": two},
                      "workers2_speedup_over_one": round(one / two, 2)}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="repetitions per process")
    parser.add_argument("--rounds", type=int, default=1, help="turns each contender takes")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs a trial (default 20; --pruning: 100)")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, default=CONTENDERS)
    parser.add_argument("--long", action="store_true",
                        help="memory and time of a 120-trial search, recycled or not")
    parser.add_argument("--long-contender", help=argparse.SUPPRESS)
    parser.add_argument("--pruning", action="store_true",
                        help="a 24-trial random search on digits, pruner none/median/asha")
    parser.add_argument("--seeds", type=int, default=3, help="--pruning: seeds")
    parser.add_argument("--trials", type=int, default=24, help="--pruning: trials a search")
    parser.add_argument("--pruning-run", choices=PRUNERS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--cli", action="store_true",
                        help="the keras-zoo tune command's wall time, --workers 1 against 2")
    args = parser.parse_args()
    if args.cli:
        cli_main(args.repeats if args.repeats != 2 else 3, args.epochs or 20)
        return
    if args.pruning_run:
        pruning_child(args.pruning_run, args.seed, args.trials, args.epochs)
        return
    if args.pruning:
        pruning_main(args.seeds, args.trials, args.epochs or 100)
        return
    args.epochs = args.epochs or 20
    if args.long_contender:
        long_child(args.long_contender, args.epochs)
        return
    if args.long:
        long_main(args.epochs)
        return
    if args.contender:
        child(args.contender, args.repeats, args.epochs)
        return
    runs: dict[str, list[dict]] = {c: [] for c in args.only}
    for _ in range(args.rounds):
        for contender in args.only:
            out = subprocess.run([sys.executable, __file__, "--contender", contender, "--repeats",
                                  str(args.repeats), "--epochs", str(args.epochs)],
                                 capture_output=True, text=True, check=True)
            runs[contender].append(json.loads(out.stdout.strip().splitlines()[-1]))
    base = statistics.median(t for r in runs.get("plain_loop", []) for t in r["times"]) \
        if "plain_loop" in runs else None
    report = {"space": SPACE, "trials": len(_configs()), "epochs": args.epochs,
              "repeats": args.repeats, "rounds": args.rounds, "cpus": os.cpu_count(),
              "results": {}}
    for contender, rs in runs.items():
        times = [t for r in rs for t in r["times"]]
        entry = {"median_seconds": round(statistics.median(times), 2),
                 "seconds_by_repetition": [round(t, 2) for r in rs for t in r["times"]],
                 "peak_rss_mb": max(r["peak_mb"] for r in rs),
                 "rss_after_each_repetition_mb": [r["rss_after_each_mb"] for r in rs],
                 "best_val_accuracy": rs[-1]["best_val_accuracy"]}
        if base:
            entry["ratio_to_plain_loop"] = round(statistics.median(times) / base, 2)
        report["results"][contender] = entry
    if "zoo_search" in runs and "zoo_workers2" in runs:
        report["workers2_speedup_over_one"] = round(
            report["results"]["zoo_search"]["median_seconds"]
            / report["results"]["zoo_workers2"]["median_seconds"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
