"""A Keras Tuner worker process: ``python -m keras_zoo.tuning.worker DIRECTORY``.

Started by :func:`keras_zoo.tuning.search` for parallel trials. It reads the pickled trial job
from the search directory and asks the chief (``KERASTUNER_ORACLE_IP``/``_PORT``) for trials
until the search is done. ``KERAS_ZOO_WORKER_DEVICE`` is the device it reports and uses
(``CUDA_VISIBLE_DEVICES`` already narrows a GPU worker to its card);
``KERAS_ZOO_WORKER_THREADS`` caps TensorFlow's CPU threads.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keras_zoo.tuning.worker")
    parser.add_argument("directory")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import tensorflow as tf

    import keras_zoo  # noqa: F401  (quiet TensorFlow start-up, registered layers)

    threads = int(os.environ.get("KERAS_ZOO_WORKER_THREADS", "0") or 0)
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    from keras_zoo.tuning.directory import JOB_FILE, PROJECT, WORKERS_DIR
    from keras_zoo.tuning.tuner import ZooTuner, make_oracle

    with open(os.path.join(args.directory, JOB_FILE), "rb") as handle:
        job = pickle.load(handle)
    reported = os.environ.get("KERAS_ZOO_WORKER_DEVICE", "/CPU:0")
    local = "/GPU:0" if reported.startswith("/GPU") else "/CPU:0"
    if local.startswith("/GPU") and not tf.config.list_physical_devices("GPU"):
        local = "/CPU:0"
    import keras_tuner as kt

    oracle = make_oracle("grid", job.space, kt.Objective(job.objective, job.direction),
                         max_trials=None, seed=job.seed, max_epochs=job.epochs,
                         max_consecutive_failures=3)

    def scope():
        return tf.device(local)

    tuner = ZooTuner(oracle, job, directory=args.directory, project_name=PROJECT,
                     device=reported, scope=scope)
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "worker")
    ready = os.path.join(args.directory, WORKERS_DIR, f"{tuner_id}.ready")
    with open(ready, "w", encoding="utf-8") as handle:  # the chief waits for this
        handle.write(str(os.getpid()))
    with contextlib.suppress(KeyboardInterrupt):
        tuner.search(verbose=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
