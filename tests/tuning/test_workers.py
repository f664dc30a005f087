"""Worker processes: a killed worker's trial runs again, orphans exit, workers are recycled.

The kills are real (SIGKILL/SIGTERM on real processes); worker process ids come from the
``worker <pid> started`` line each process writes to its log (``workers/<worker>.log``).
"""

from __future__ import annotations

import errno
import glob
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import types

import pytest

import keras_zoo as kz
from keras_zoo import cli, tuning
from keras_zoo.tuning.runtime import launcher, worker

pytestmark = pytest.mark.large


@pytest.fixture(scope="module")
def data():
    return kz.load("iris", seed=0)


@pytest.fixture
def importable(monkeypatch):
    """Worker processes unpickle this module's factories: put it on their path."""
    # by its file's folder, or as tests.tuning.<module> once a test imported `tests` (pytest's
    # importlib mode then names it so): both on the path
    here = os.path.dirname(os.path.abspath(__file__))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [here, os.path.dirname(os.path.dirname(here)), os.environ.get("PYTHONPATH", "")]))


def crashing_ann(input_dim=None, *, task=None, num_classes=None, normalization=None,
                 mode="ok", learning_rate=None, seed=None):
    """ann, but mode="crash" kills the worker process building it (as an out-of-memory kill
    would); the search's own pre-flight build, in the test process, is spared."""
    if mode == "crash" and os.environ.get("KERAS_ZOO_PARENT_PID"):
        os._exit(9)
    return kz.zoo.ann(input_dim, task=task, num_classes=num_classes, normalization=normalization,
                      hidden_units=(4,), learning_rate=learning_rate, seed=seed)


def _started(directory) -> list[int]:
    """Worker process ids, in the order they started taking trials."""
    pids = []
    for path in sorted(glob.glob(os.path.join(directory, "workers", "*.log"))):
        with open(path, errors="replace") as handle:
            text = handle.read()
        pids += [int(p) for p in re.findall(r"^worker (\d+) started", text, re.MULTILINE)]
    return pids


def _log_text(directory) -> str:
    text = ""
    for path in glob.glob(os.path.join(directory, "workers", "*.log")):
        with open(path, errors="replace") as handle:
            text += handle.read()
    return text


def _running_trials(directory) -> list[str]:
    """Trial folders Keras Tuner created whose result is not written yet."""
    return [d for d in glob.glob(os.path.join(directory, "trials", "trial_*"))
            if not os.path.exists(os.path.join(d, "result.json"))]


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return "\nState:\tZ" in handle.read()  # a zombie nobody reaped: it has exited
    except FileNotFoundError:
        return True


def test_a_killed_workers_trial_runs_again_in_the_same_search(data, tmp_path):
    """Issue 10 item 3: kill -9 the worker mid-trial; the search reruns that trial before it
    finishes (it used to finish with the trial missing)."""
    directory = str(tmp_path / "k")
    killed: list[int] = []

    def killer():
        deadline = time.monotonic() + 180
        while not killed and time.monotonic() < deadline:
            pids = _started(directory)
            done = glob.glob(os.path.join(directory, "trials", "trial_*", "result.json"))
            if pids and done and _running_trials(directory):
                os.kill(pids[-1], signal.SIGKILL)
                killed.append(pids[-1])
            time.sleep(0.02)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    space = {"learning_rate": [0.01, 0.02, 0.03, 0.04]}
    result = tuning.search("ann", data, space, epochs=40, batch_size=4, early_stopping=False,
                           trials_per_process=3, directory=directory, verbose=0)
    thread.join(timeout=5)
    assert killed, "no worker was killed mid-trial"
    board = result.leaderboard
    assert sorted(board["learning_rate"]) == [0.01, 0.02, 0.03, 0.04]  # each exactly once
    assert (board["status"] == "completed").all()
    with open(os.path.join(directory, "search.json")) as handle:
        assert json.load(handle)["state"] == "finished"
    assert len(set(_started(directory))) >= 2  # a new process took over


def test_a_trial_that_kills_its_worker_twice_is_recorded_as_failed(data, tmp_path, importable):
    space = {"mode": ["ok", "crash", "ok2"], "learning_rate": [0.01]}
    result = tuning.search(crashing_ann, data, space, epochs=2, workers=1,
                           trials_per_process=2, directory=str(tmp_path / "c"), verbose=0)
    board = result.leaderboard.set_index("mode")
    assert board.loc["crash", "status"] == "failed"
    assert "died 2 times" in board.loc["crash", "error"]
    assert (board.loc[["ok", "ok2"], "status"] == "completed").all()


ORPHAN_SCRIPT = """
import sys
import keras_zoo as kz
kz.tuning.search("ann", "iris", {"learning_rate": [0.01, 0.02, 0.03, 0.04]}, epochs=2000,
                 batch_size=2, early_stopping=False, workers=2, directory=sys.argv[1],
                 verbose=0)
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_within_seconds_when_the_search_process_dies(tmp_path, sig):
    """Issue 10 item 4: the workers of a killed search used to run on for over 5 minutes."""
    directory = str(tmp_path / "o")
    script = tmp_path / "run.py"
    script.write_text(ORPHAN_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script), directory])
    try:
        deadline = time.monotonic() + 180
        while (len(_started(directory)) < 2 or not _running_trials(directory)) \
                and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.1)
        pids = _started(directory)
        assert len(pids) == 2 and parent.poll() is None, "the workers did not start"
        os.kill(parent.pid, sig)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 5
        while not all(map(_gone, pids)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(map(_gone, pids)), f"workers {pids} outlived their parent by 5 s"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in _started(directory):
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


def test_worker_processes_are_replaced_after_their_share_of_trials(data, tmp_path):
    """Issue 10 item 9: a worker process retires after `trials_per_process` trials and a fresh
    one goes on, so no process runs the whole search."""
    directory = str(tmp_path / "r")
    space = {"learning_rate": [0.01, 0.02, 0.03, 0.04, 0.05]}
    result = tuning.search("ann", data, space, epochs=2, trials_per_process=2,
                           directory=directory, verbose=0)
    board = result.leaderboard
    assert sorted(board["learning_rate"]) == [0.01, 0.02, 0.03, 0.04, 0.05]
    assert (board["status"] == "completed").all()
    log = _log_text(directory)
    assert log.count("retires after 2 trials") == 2
    assert len(set(_started(directory))) >= 3


def test_a_short_search_runs_in_this_process(data, tmp_path):
    directory = str(tmp_path / "s")
    tuning.search("ann", data, {"learning_rate": [0.01, 0.02]}, epochs=1, trials_per_process=2,
                  directory=directory, verbose=0)
    assert not os.path.exists(os.path.join(directory, "workers"))  # no worker process started


def test_the_retirement_rule_counts_trials_and_memory_growth(monkeypatch):
    readings = iter([700.0, 720.0, 760.0, 800.0])
    monkeypatch.setattr(worker, "rss_mb", lambda: next(readings))
    by_memory = worker.retirement(trials=None, memory_mb=50)
    assert [by_memory() for _ in range(3)] == [False, False, True]  # 760 - 700 > 50
    by_count = worker.retirement(trials=2, memory_mb=None)
    monkeypatch.setattr(worker, "rss_mb", lambda: 700.0)
    assert [by_count(), by_count()] == [False, True]


@pytest.mark.parametrize("kwargs, needle", [
    ({"trials_per_process": 0}, "trials_per_process"),
    ({"trials_per_process": 2.5}, "trials_per_process"),
    ({"process_memory_mb": -1}, "process_memory_mb"),
])
def test_bad_recycling_settings_are_refused(data, tmp_path, kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        tuning.search("ann", data, {"learning_rate": [0.01]}, directory=str(tmp_path / "b"),
                      verbose=0, **kwargs)
    assert not os.path.exists(tmp_path / "b")


def test_the_exit_statuses_agree():
    names = ("EXIT_DONE", "EXIT_RETIRED", "EXIT_ORPHANED", "EXIT_DISK_FULL", "EXIT_INTERRUPTED")
    assert [getattr(worker, n) for n in names] == [getattr(launcher, n) for n in names]
    assert len({getattr(worker, n) for n in names}) == len(names)


def test_workers_that_cannot_start_stop_the_search_with_their_error(data, tmp_path,
                                                                    monkeypatch):
    """The factory lives in a module only this process has: workers cannot unpickle it."""
    module = types.ModuleType("kz_only_in_the_parent")
    module.net = types.FunctionType(main_factory.__code__, main_factory.__globals__, "net",
                                    main_factory.__defaults__)
    module.net.__kwdefaults__ = main_factory.__kwdefaults__
    module.net.__module__, module.net.__qualname__ = module.__name__, "net"
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(tuning.SearchError, match="cannot start.*ModuleNotFoundError"):
        tuning.search(module.net, data, {"learning_rate": [0.01, 0.02]}, epochs=1, workers=2,
                      directory=str(tmp_path / "n"), verbose=0)


def main_factory(input_dim=None, *, task=None, num_classes=None, normalization=None,
                 learning_rate=None, seed=None):
    return kz.zoo.ann(input_dim, task=task, num_classes=num_classes, normalization=normalization,
                      hidden_units=(4,), learning_rate=learning_rate, seed=seed)


def test_a_factory_from_main_runs_in_this_process_or_is_refused_for_workers(data, tmp_path,
                                                                           caplog):
    main_factory.__module__ = "__main__"  # as if defined in a script or a notebook
    try:
        space = {"learning_rate": [0.01, 0.02, 0.03]}
        result = tuning.search(main_factory, data, space, epochs=1, trials_per_process=2,
                               directory=str(tmp_path / "m"), verbose=0)
        assert len(result.leaderboard) == 3
        assert "runs in this process" in caplog.text or "run in this process" in caplog.text
        assert not os.path.exists(tmp_path / "m" / "workers")
        with pytest.raises(ValueError, match="__main__"):
            tuning.search(main_factory, data, space, epochs=1, workers=2,
                          directory=str(tmp_path / "m2"), verbose=0)
    finally:
        main_factory.__module__ = __name__


def disk_full_ann(input_dim=None, *, task=None, num_classes=None, normalization=None,
                  mode="ok", learning_rate=None, seed=None):
    """ann, but mode="full" meets a full disk in a worker process while a flag file exists."""
    flag = os.environ.get("KZ_TEST_DISK_FULL_FLAG", "")
    if mode == "full" and os.environ.get("KERAS_ZOO_PARENT_PID") and os.path.exists(flag):
        raise OSError(errno.ENOSPC, "No space left on device")
    return kz.zoo.ann(input_dim, task=task, num_classes=num_classes, normalization=normalization,
                      hidden_units=(4,), learning_rate=learning_rate, seed=seed)


def test_a_full_disk_in_a_worker_stops_the_search_and_it_resumes(data, tmp_path, importable,
                                                                 monkeypatch):
    flag = tmp_path / "full"
    flag.write_text("")
    monkeypatch.setenv("KZ_TEST_DISK_FULL_FLAG", str(flag))
    directory = str(tmp_path / "d")
    space = {"mode": ["ok", "full", "ok2"], "learning_rate": [0.01]}
    kwargs = {"epochs": 1, "workers": 1, "trials_per_process": 1, "directory": directory,
              "verbose": 0}
    with pytest.raises(tuning.SearchError, match="disk is full"):
        tuning.search(disk_full_ann, data, space, **kwargs)
    board = tuning.SearchResult.load(directory).leaderboard
    assert "failed" not in set(board["status"])  # not the configuration's fault
    flag.unlink()  # space freed
    board = tuning.search(disk_full_ann, data, space, **kwargs).leaderboard
    assert sorted(board["mode"]) == ["full", "ok", "ok2"]
    assert (board["status"] == "completed").all()


def test_sigterm_to_the_cli_interrupts_the_search_like_ctrl_c(tmp_path):
    """`kill PID` on `keras-zoo tune`: exit 143 with the resume hint, the search recorded as
    interrupted, its worker processes stopped, and the same command resumes."""
    directory = str(tmp_path / "t")
    command = [sys.executable, "-m", "keras_zoo.cli", "tune", "ann", "--dataset", "iris",
               "--set", "learning_rate=0.01,0.02,0.03", "--strategy", "grid", "--epochs", "400",
               "--batch-size", "2", "--trials-per-process", "1", "--directory", directory]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while (not _started(directory) or not _running_trials(directory)) \
                and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        pids = _started(directory)
        assert pids and proc.poll() is None, "the worker did not start"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert "run the same command again to resume" in err
    with open(os.path.join(directory, "search.json")) as handle:
        assert json.load(handle)["state"] == "interrupted"
    assert all(map(_gone, pids))


def test_the_consecutive_failure_stop_ends_a_search_in_worker_processes(tmp_path):
    """Issue 10 item 5's command in worker processes: the stop is raised on the oracle's server
    thread there; it must end the search (exit 1, naming the failed trials), not hang."""
    directory = str(tmp_path / "f")
    command = [sys.executable, "-m", "keras_zoo.cli", "tune", "ann", "--dataset", "diabetes",
               "--set", "learning_rate=1000000.0,10000000.0,100000000.0,0.01", "--set",
               "loss=mse", "--strategy", "grid", "--epochs", "3", "--trials-per-process", "2",
               "--directory", directory]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "3 trial(s) failed in a row" in run.stderr
    assert run.stderr.count("learning_rate=") >= 3  # the failed configurations are listed
    board = tuning.SearchResult.load(directory).leaderboard
    assert (board["status"] == "failed").sum() == 3
    with open(os.path.join(directory, "search.json")) as handle:
        assert json.load(handle)["state"] == "stopped"


def test_the_command_line_starts_its_workers_before_importing_tensorflow(tmp_path):
    """``keras-zoo tune --workers 2``: the two worker processes started first (by the entry,
    ``keras_zoo_cli``, before it imports the package) are the ones that run the trials; the
    command hands them over and a search takes them."""
    from keras_zoo.tuning.runtime import launcher
    from keras_zoo_cli import prestart as _prestart
    from keras_zoo_cli.parser import build_parser

    def workers(*argv):  # parsed once, by the command's own parser
        return _prestart.workers_to_start(build_parser().parse_args(list(argv)))

    assert workers("-v", "tune", "ann", "--workers", "2") == 2
    assert workers("tune", "cfg.yaml", "--workers=3") == 3
    assert workers("tune", "ann", "--workers", "1") == 0
    assert workers("train", "ann", "--dataset", "iris") == 0
    assert workers("tune", "ann", "--workers", "2", "--devices", "/GPU:0", "/GPU:1") == 0
    assert workers("tune", "ann", "--workers", "2", "--multi-device", "mirrored") == 0
    assert workers("tune", "ann", "--workers", "2", "--directory", "runs/gpu_free") == 2
    assert workers("tune", "ann", "--workers", "2", "--dev", "/GPU:0") == 0  # abbreviated
    assert workers("tune", "ann", "--workers", "2", "--multi", "mirrored") == 0
    command = ["tune", "ann", "--dataset", "iris", "--set", "activation=relu,tanh,elu",
               "--set", "hidden_units=[4]", "--epochs", "2", "--workers", "2", "--directory",
               str(tmp_path / "s"), "--quiet"]
    _prestart.start(build_parser().parse_args(command))
    early = {p.pid for p in _prestart.PRESTARTED}
    assert len(early) == 2
    assert cli.main(command) == 0  # the command hands them over, and its search takes them
    assert not _prestart.PRESTARTED and not launcher.PRESTARTED
    result = tuning.SearchResult.load(str(tmp_path / "s"))
    assert (result.leaderboard["status"] == "completed").all() and len(result.leaderboard) == 3
    assert set(_started(tmp_path / "s")) == early
