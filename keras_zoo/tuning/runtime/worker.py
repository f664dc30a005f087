"""A worker process: ``python -m keras_zoo.tuning.runtime.worker DIRECTORY``.

Started and supervised by :func:`keras_zoo.tuning.search` (see
:mod:`keras_zoo.tuning.runtime.launcher`).
It imports Keras (on the search's ``KERAS_BACKEND``), waits for the line ``go`` on its standard input (a successor started
ahead of a retirement, or a process started before the search's job was ready, waits there; end
of input means "not needed": it exits), reads the pickled trial job the search process wrote to
its directory (on this machine: workers on other machines get the job as data, see
:mod:`~keras_zoo.tuning.runtime.remote`), and asks the chief (``KERASTUNER_ORACLE_IP``/``_PORT``)
for trials until the oracle has none left (exit 0) or it retires (exit 75: after
``KERAS_ZOO_RECYCLE_TRIALS`` trials, or once its memory grew by ``KERAS_ZOO_RECYCLE_MB`` since
its first trial). It exits (status 70) within about a second when its parent
(``KERAS_ZOO_PARENT_PID``) dies.

Its calls carry the chief's token and session (``KERAS_ZOO_TOKEN``, ``KERAS_ZOO_SESSION``).
``KERAS_ZOO_WORKER_DEVICE`` is the device it reports and uses (``CUDA_VISIBLE_DEVICES`` already
narrows a GPU worker to its card); ``KERAS_ZOO_WORKER_THREADS`` caps the backend's CPU threads
(TensorFlow, PyTorch).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable

# The same as keras_zoo.tuning.runtime.launcher's (not imported: this module imports TensorFlow
# first).
log = logging.getLogger(__name__)

EXIT_DONE, EXIT_RETIRED, EXIT_ORPHANED, EXIT_DISK_FULL, EXIT_INTERRUPTED = 0, 75, 70, 74, 71


def _limit_threads(threads: int) -> None:
    """At most ``threads`` compute threads in this process (0: the backend's default), on
    TensorFlow and PyTorch; JAX's CPU threads are not limited (XLA has no per-process setting
    for it after start-up)."""
    if not threads:
        return
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    elif keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(threads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keras_zoo.tuning.runtime.worker")
    parser.add_argument("directory", nargs="?",
                        help="the search directory (or given on its input by the search)")
    args = parser.parse_args(argv)
    exit_with_parent()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")  # its log
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # keras_zoo itself, imported with this package, quieted TensorFlow's start-up and
    # registered the zoo's layers.
    _limit_threads(int(os.environ.get("KERAS_ZOO_WORKER_THREADS", "0") or 0))
    from keras_zoo.tuning.oracles.strategies import make_oracle
    from keras_zoo.tuning.runtime.tuner import ZooTuner
    from keras_zoo.tuning.schema import JOB_FILE, PROJECT

    directory = _wait_for_start(args.directory)
    if directory is None:
        return EXIT_DONE  # a successor (or a process started early) that is not needed
    with open(os.path.join(directory, JOB_FILE), "rb") as handle:
        job = pickle.load(handle)  # written by the search process on this machine
    reported = os.environ.get("KERAS_ZOO_WORKER_DEVICE", "/CPU:0")
    from keras_zoo.base.backend import keras_device_name
    from keras_zoo.tuning.trial.devices import physical_gpus

    local = "/GPU:0" if reported.startswith("/GPU") and physical_gpus() else "/CPU:0"
    import keras_tuner as kt

    from keras_zoo.tuning.oracles import kt_adapter
    from keras_zoo.tuning.runtime import wire

    # A stand-in: Keras Tuner replaces a worker's oracle by a client of the chief's.
    oracle = make_oracle("random", job.space, kt.Objective(job.objective, job.direction),
                         max_trials=None, seed=job.seed, max_epochs=job.epochs,
                         max_consecutive_failures=3)

    def scope():
        import keras

        return keras.device(keras_device_name(local))

    tuner = ZooTuner(oracle, job, directory=directory, project_name=PROJECT,
                     device=reported, scope=scope)
    address = (f"{os.environ[kt_adapter.ORACLE_IP_ENV]}:"
               f"{os.environ[kt_adapter.ORACLE_PORT_ENV]}")
    ids = {"worker": tuner.tuner_id, "session": os.environ.get("KERAS_ZOO_SESSION", "")}
    kt_adapter.use_channel(tuner.oracle, wire.credentials_channel(
        address, wire.read_token(), ids, timeout=3600.0))  # it exits with its parent anyway
    tuner.should_retire = retirement(_env_number("KERAS_ZOO_RECYCLE_TRIALS"),
                                      _env_number("KERAS_ZOO_RECYCLE_MB"))
    log.info("worker %d started at %s", os.getpid(), time.strftime("%Y-%m-%d %H:%M:%S"))
    from keras_zoo.tuning.trial.job import disk_full

    try:
        tuner.search(verbose=0)
    except KeyboardInterrupt:  # its trial, if any, is not done: the search runs it again
        return EXIT_INTERRUPTED
    except Exception as err:
        if not disk_full(err):
            raise
        log.warning("worker %d stops: the disk is full (%s)", os.getpid(), err)
        return EXIT_DISK_FULL  # the search stops; the trial has no result and runs again
    return EXIT_RETIRED if tuner.retired else EXIT_DONE


def _wait_for_start(directory: str | None) -> str | None:
    """Wait for the line that starts this process: ``go`` (its settings are in its environment
    and arguments), or a JSON object (a process started before the search knew them: its
    directory, its environment and its log file, where its output goes from now on). Returns
    the search directory; ``None`` at end of input (not needed)."""
    line = sys.stdin.readline().strip()
    if line == "go":
        return directory
    if not line.startswith("{"):
        return None
    settings = json.loads(line)
    os.environ.update(settings.get("env") or {})
    if settings.get("log"):
        fd = os.open(settings["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        sys.stdout.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    return settings["directory"]


def retirement(trials: float | None, memory_mb: float | None) -> Callable[[], bool]:
    """Asked after each trial: whether this process has done its share."""
    done = [0]
    first: list[float] = []

    def should_retire() -> bool:
        done[0] += 1
        rss = rss_mb()
        if not first:
            first.append(rss)
        if trials and done[0] >= trials:
            log.info("worker %d retires after %d trials", os.getpid(), done[0])
            return True
        if memory_mb and rss - first[0] > memory_mb:
            log.info("worker %d retires after %d trials: its memory grew %.0f MB since its first "
                     "trial (limit %g)", os.getpid(), done[0], rss - first[0], memory_mb)
            return True
        return False

    return should_retire


def rss_mb() -> float:
    """This process's resident memory in MB (its peak where the current value is unknown)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def _env_number(name: str) -> float | None:
    value = os.environ.get(name, "")
    return float(value) if value else None


def exit_with_parent() -> None:
    """Exit as soon as the parent search process dies, however it dies."""
    parent = int(os.environ.get("KERAS_ZOO_PARENT_PID", "0") or 0)
    if not parent:
        return
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # the kernel kills us when the parent thread dies
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(EXIT_ORPHANED)

    def watch() -> None:  # everywhere else (and if prctl failed): a watch of the parent
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, daemon=True, name="keras-zoo-parent-watch").start()


def run() -> None:
    """Run :func:`main` as this process's command and exit with its status."""
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # not waiting for gRPC's and TensorFlow's threads at interpreter exit


if __name__ == "__main__":
    run()
