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

Run:  python benchmarks/bench_tuning.py [--repeats 2] [--rounds 1] [--epochs 20]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="repetitions per process")
    parser.add_argument("--rounds", type=int, default=1, help="turns each contender takes")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", choices=CONTENDERS, default=CONTENDERS)
    args = parser.parse_args()
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
