"""The GPU check, under one backend (``KERAS_BACKEND=jax|torch``): run by ``gpu_check.sh``.

On the GPU (``keras.device`` on the backend's first GPU) and on the CPU, side by side:

1. an ANN (Dense 64-32) on breast_cancer, ``kz.zoo.fit``, 60 epochs;
2. a CNN (Conv 32-64) on 8x8 digits images, ``kz.zoo.fit``, 15 epochs;
3. a 4-trial grid search with ``devices="auto"`` and two worker processes per GPU at least
   (``workers=max(2, GPUs)``: each narrowed to its card by ``CUDA_VISIBLE_DEVICES``), against
   the same search with ``devices="cpu"``.

Prints each trial's device (the leaderboard's ``device`` column), the test accuracy of each run,
and the GPU's speed against the CPU; a JSON summary is the last line. Exits 1 when a model learns
nothing (accuracy under 0.8), a trial failed, or ``--require-gpu`` and no GPU is seen.

Run:  KERAS_BACKEND=jax python benchmarks/gpu_check.py [--require-gpu] [--directory DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras

import keras_zoo as kz
from keras_zoo.base.backend import keras_device_name
from keras_zoo.tuning.trial import devices


def _train(build, data, epochs: int, device: str) -> dict:
    with keras.device(keras_device_name(device)):
        keras.utils.set_random_seed(0)
        model = build(data)
        kz.zoo.fit(model, data.x_train, data.y_train, epochs=1, batch_size=32,
                   early_stopping=False, seed=0, verbose=0)  # compile and warm up: nobody's cost
        model = build(data)
        start = time.perf_counter()
        kz.zoo.fit(model, data.x_train, data.y_train, epochs=epochs, batch_size=32,
                   early_stopping=False, seed=0, verbose=0)
        seconds = time.perf_counter() - start
        pred = kz.zoo.predict(model, data.x_test)
    pred = pred.argmax(axis=1) if pred.shape[-1] > 1 else (pred.ravel() > 0.5)
    weights_on = str(getattr(model.trainable_variables[0].value, "device", "?"))
    if hasattr(model.trainable_variables[0].value, "devices"):  # a JAX array
        weights_on = str(next(iter(model.trainable_variables[0].value.devices())))
    return {"device": device, "weights_on": weights_on, "seconds": round(seconds, 3),
            "test_accuracy": round(float((pred == data.y_test).mean()), 4)}


def _ann(data):
    return kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), hidden_units=(64, 32), seed=0)


def _cnn(data):
    return kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn), filters=(32, 64), dense_units=(64,),
                      seed=0)


def _search(data, where: str, directory: str, workers: int) -> dict:
    start = time.perf_counter()
    result = kz.tuning.search("ann", data, {"learning_rate": [0.001, 0.003, 0.01, 0.03]},
                              strategy="grid", epochs=20, early_stopping=False,
                              devices=where, workers=workers,
                              directory=os.path.join(directory, where), overwrite=True,
                              verbose=0)
    seconds = time.perf_counter() - start
    board = result.leaderboard
    return {"devices": where, "seconds": round(seconds, 2),
            "trials": board[["trial", "worker", "device", "status", result.objective]
                            ].to_dict("records")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require-gpu", action="store_true",
                        help="fail (exit 1) when the backend sees no GPU")
    parser.add_argument("--directory", default=None, help="where the searches write")
    args = parser.parse_args()
    info = devices.describe("auto")
    print(f"backend: {info['backend']}; devices: {'; '.join(info['physical'])}")
    gpus = info["gpus"]
    if not gpus:
        print("no GPU seen by this backend: the GPU runs below run on the CPU")
        if args.require_gpu:
            return 1
    gpu = "/GPU:0" if gpus else "/CPU:0"
    summary, ok = {"backend": info["backend"], "gpus": gpus}, True
    bc, digits = kz.load("breast_cancer", seed=0), kz.load("digits", as_images=True, seed=0)
    for name, build, data, epochs in (("ann", _ann, bc, 60), ("cnn", _cnn, digits, 15)):
        runs = {where: _train(build, data, epochs, where) for where in (gpu, "/CPU:0")}
        speed = runs["/CPU:0"]["seconds"] / runs[gpu]["seconds"]
        summary[name] = {**runs, "gpu_speedup_vs_cpu": round(speed, 2)}
        print(f"{name}: GPU {runs[gpu]['seconds']} s (weights on {runs[gpu]['weights_on']}), "
              f"CPU {runs['/CPU:0']['seconds']} s: {speed:.2f}x; test accuracy "
              f"{runs[gpu]['test_accuracy']} / {runs['/CPU:0']['test_accuracy']}")
        ok &= min(r["test_accuracy"] for r in runs.values()) >= 0.8
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.directory or scratch
        searches = {where: _search(bc, where, directory, max(2, gpus))
                    for where in ("auto", "cpu")}
    for where, run in searches.items():
        print(f"search devices={where!r}: {run['seconds']} s")
        for trial in run["trials"]:
            print(f"  trial {trial['trial']}: {trial['worker']} on {trial['device']} "
                  f"{trial['status']}")
        ok &= all(t["status"] == "completed" for t in run["trials"]) and len(run["trials"]) == 4
    summary["search"] = {**searches, "gpu_speedup_vs_cpu": round(
        searches["cpu"]["seconds"] / searches["auto"]["seconds"], 2)}
    print(f"search: GPU {summary['search']['gpu_speedup_vs_cpu']}x the CPU")
    print(json.dumps(summary, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
