"""What a ``kz.diagnostics.Monitor`` adds to training time.

The same model, data, seed and schedule trained through ``kz.zoo.fit`` without a Monitor, with
``Monitor(every=1)`` and with ``Monitor(every=5)``, side by side and interleaved (the machine's
timing noise hits every contender alike). Prints JSON: per workload and contender, the median
wall time of the training call, its ratio to training without a Monitor (the target: every=1 at
most 1.15), whether the final weights match training without a Monitor, and where the Monitor's
time goes (measured inside its hooks on the same runs).

Workloads:
  ann  kz.zoo.ann on breast_cancer with the factory's defaults (Dense 64-32, ReLU, He, Adam),
       100 epochs, kz.zoo.fit with early_stopping=False (no validation data)
  cnn  kz.zoo.cnn on digits as 8x8x1 images with the factory's defaults (Conv 32 -> pool ->
       Conv 64 -> pool -> Dense 64), 20 epochs, early_stopping=False

Contenders:
  without   kz.zoo.fit alone
  every1    kz.zoo.fit(..., callbacks=[Monitor(every=1)]): a record after every epoch
  every5    kz.zoo.fit(..., callbacks=[Monitor(every=5)])

Where the Monitor's time goes (from the every=1 runs): ``setup`` (on_train_begin: the layer rows,
the probe's graph model and tensors), ``first_record`` (its first call traces the probe's
tf.function) and ``first_snapshot``, the median ``per_record`` and ``per_snapshot`` after that
(the per-epoch cost; a record also keeps the weights for the next update ratio, so snapshots
after the first are no-ops at every=1), ``hooks_total`` (everything inside the hooks, per run),
``added_wall`` (the median wall time every=1 adds) and the part of it spent outside the hooks,
and ``report`` (turning the records into a Diagnosis, after training; not training time).

Run:  python benchmarks/bench_diagnostics.py [--repeats 5] [--ann-epochs 100] [--cnn-epochs 20]
                                             [--only ann,cnn]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np

import keras_zoo as kz


class TimedMonitor(kz.diagnostics.Monitor):
    """A Monitor that clocks its own hooks (the hooks themselves are the Monitor's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock: dict[str, list[float]] = {"setup": [], "record": [], "snapshot": []}

    def _timed(self, name, fn, *args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        self.clock[name].append(time.perf_counter() - start)
        return out

    def on_train_begin(self, logs=None):
        self._timed("setup", super().on_train_begin, logs)

    def on_epoch_begin(self, epoch, logs=None):
        if self._records_epoch(epoch):
            self._timed("snapshot", super().on_epoch_begin, epoch, logs)

    def _record(self, epoch, *, measured_update):
        self._timed("record", super()._record, epoch, measured_update=measured_update)


def ann_workload(seed: int):
    data = kz.load("breast_cancer", seed=0)

    def build():
        return kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), seed=seed)
    return data, build


def cnn_workload(seed: int):
    data = kz.load("digits", as_images=True, seed=0)

    def build():
        return kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn), seed=seed)
    return data, build


WORKLOADS = {"ann": ann_workload, "cnn": cnn_workload}
CONTENDERS = {"without": None, "every1": 1, "every5": 5}


def train(data, build, every, epochs, seed):
    """One training run; returns (seconds of the fit call, final weights, monitor or None)."""
    keras.backend.clear_session(free_memory=False)
    model = build()
    monitor = TimedMonitor(every=every, seed=seed) if every is not None else None
    start = time.perf_counter()
    kz.zoo.fit(model, data.x_train, data.y_train, epochs=epochs, early_stopping=False, seed=seed,
               callbacks=[monitor] if monitor else None, verbose=0)
    seconds = time.perf_counter() - start
    return seconds, model.get_weights(), monitor


def run_workload(name, epochs, repeats, seed=0):
    data, build = WORKLOADS[name](seed)
    for every in CONTENDERS.values():  # warm-up: TensorFlow's one-off start-up costs are nobody's
        train(data, build, every, 1, seed)
    times = {c: [] for c in CONTENDERS}
    same_weights = {c: [] for c in CONTENDERS}
    clocks = []
    report_seconds = []
    for _ in range(repeats):
        reference = None
        for contender, every in CONTENDERS.items():
            seconds, weights, monitor = train(data, build, every, epochs, seed)
            times[contender].append(seconds)
            if reference is None:
                reference = weights
            same_weights[contender].append(max(float(np.max(np.abs(a - b)))
                                               for a, b in zip(weights, reference)))
            if every == 1:
                clocks.append(monitor.clock)
                start = time.perf_counter()
                monitor.report()
                report_seconds.append(time.perf_counter() - start)
    base = statistics.median(times["without"])

    def med(values):
        return round(statistics.median(values), 4)
    where = {
        "setup_s": med([c["setup"][0] for c in clocks]),
        "first_record_s": med([c["record"][0] for c in clocks]),
        "first_snapshot_s": med([c["snapshot"][0] for c in clocks]),
        "per_record_s": med([v for c in clocks for v in c["record"][1:]]),
        "per_snapshot_s": med([v for c in clocks for v in c["snapshot"][1:]]),
        "report_s_after_training": med(report_seconds),
    }
    one_time = where["setup_s"] + where["first_record_s"] + where["first_snapshot_s"]
    per_epoch = where["per_record_s"] + where["per_snapshot_s"]
    where["one_time_s"] = round(one_time, 4)
    where["per_epoch_s"] = round(per_epoch, 4)
    where["monitor_total_s"] = round(one_time + (epochs - 1) * per_epoch, 4)
    # Measured, not composed: all the time spent inside the hooks of each run, and what the wall
    # time added beyond it (Python garbage and caches after tracing, the callback list, noise).
    hooks = med([sum(sum(v) for v in c.values()) for c in clocks])
    where["hooks_total_s"] = hooks
    where["added_wall_s"] = round(statistics.median(times["every1"]) - base, 4)
    where["added_outside_hooks_s"] = round(where["added_wall_s"] - hooks, 4)
    where["training_per_epoch_s_without"] = round(base / epochs, 4)
    return {
        "epochs": epochs, "train_samples": len(data.y_train), "repeats": repeats,
        "results": {c: {"median_seconds": med(t), "runs": [round(v, 3) for v in t],
                        "ratio_vs_without": round(statistics.median(t) / base, 3),
                        "max_weight_difference_vs_without": max(same_weights[c])}
                    for c, t in times.items()},
        "where_the_every1_time_goes": where,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ann-epochs", type=int, default=100)
    parser.add_argument("--cnn-epochs", type=int, default=20)
    parser.add_argument("--only", default="ann,cnn", help="comma-separated: ann, cnn")
    args = parser.parse_args()
    epochs = {"ann": args.ann_epochs, "cnn": args.cnn_epochs}
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"--only: unknown workload(s) {sorted(unknown)}; choose from "
                         f"{sorted(WORKLOADS)}")
    start = time.perf_counter()
    report = {"keras": keras.__version__, "backend": keras.backend.backend(),
              "cpus": os.cpu_count(), "target": "every1 ratio <= 1.15",
              "workloads": {n: run_workload(n, epochs[n], args.repeats) for n in names}}
    report["total_seconds"] = round(time.perf_counter() - start, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
