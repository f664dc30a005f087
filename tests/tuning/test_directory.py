"""The search directory (tuning/directory.py): one owner at a time, --overwrite that deletes only
searches (issue 10, items 1 and 2)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import keras_zoo as kz
from keras_zoo import tuning
from keras_zoo.cli import main
from keras_zoo.tuning.directory import LOCK_FILE, DirectoryInUseError, claim

# A process that owns a directory the way a search does (flock on the lock file, owner JSON),
# without importing TensorFlow, so the test does not wait for it.
HOLDER = textwrap.dedent("""
    import fcntl, json, os, sys, time
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    fd = os.open(os.path.join(d, {lock!r}), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, json.dumps({{"host": "hostA", "pid": os.getpid(), "started": "now",
                              "command": "keras-zoo tune ann --dataset digits"}}).encode())
    print("owned", flush=True)
    time.sleep(60)
""").format(lock=LOCK_FILE)


@pytest.fixture
def owner(tmp_path):
    """A live process owning tmp_path/"d"; killed (-9) at the end."""
    directory = tmp_path / "d"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(directory)],
                            stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    assert proc.stdout.readline().strip() == "owned" and time.monotonic() < deadline
    yield directory, proc
    proc.kill()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def data():
    return kz.load("iris", seed=0)


def _search(data, directory, **kwargs):
    return tuning.search("ann", data, {"activation": ["relu"]}, epochs=1,
                         directory=str(directory), verbose=0, **kwargs)


def test_a_second_search_on_an_owned_directory_is_refused_and_deletes_nothing(owner, data):
    directory, proc = owner
    (directory / "search.json").write_text('{"model": "ann"}')
    (directory / "trials").mkdir()
    for overwrite in (False, True):
        with pytest.raises(DirectoryInUseError, match=f"pid {proc.pid} on hostA.*keras-zoo tune"):
            _search(data, directory, overwrite=overwrite)
    assert sorted(os.listdir(directory)) == sorted([LOCK_FILE, "search.json", "trials"])
    assert (directory / "search.json").read_text() == '{"model": "ann"}'


def test_the_cli_names_the_running_search_and_exits_2(owner, capsys):
    directory, proc = owner
    code = main(["tune", "ann", "--dataset", "iris", "--set", "activation=relu", "--epochs", "1",
                 "--directory", str(directory), "--overwrite"])
    err = capsys.readouterr().err
    assert code == 2 and f"pid {proc.pid}" in err and "Traceback" not in err


def test_a_killed_owner_releases_the_directory(owner, data):
    directory, proc = owner
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    result = _search(data, directory)  # the OS dropped the dead process's lock
    assert len(result.leaderboard) == 1
    owner_record = json.loads((directory / LOCK_FILE).read_text())
    assert owner_record["pid"] == os.getpid()


def test_claim_is_exclusive_within_one_process_and_released_after(tmp_path):
    directory = tmp_path / "c"
    in_use = pytest.raises(DirectoryInUseError, match=f"pid {os.getpid()}")
    with claim(str(directory)), in_use, claim(str(directory)):
        pass
    with claim(str(directory)):  # released when the block ended
        pass


def test_overwrite_refuses_a_folder_that_is_not_a_search(data, tmp_path):
    directory = tmp_path / "thesis"
    (directory / "sub").mkdir(parents=True)
    (directory / "thesis.txt").write_text("x")
    with pytest.raises(ValueError, match=r"not a keras-zoo search.*It holds: sub/, thesis.txt"):
        _search(data, directory, overwrite=True)
    assert (directory / "thesis.txt").read_text() == "x" and (directory / "sub").is_dir()


def test_overwrite_replaces_a_search_and_nothing_else_survives(data, tmp_path):
    directory = tmp_path / "s"
    _search(data, directory)
    (directory / "notes.txt").write_text("mine, inside a search folder")
    result = tuning.search("ann", data, {"activation": ["tanh"]}, epochs=1,
                           directory=str(directory), overwrite=True, verbose=0)
    assert list(result.leaderboard["activation"]) == ["tanh"]
    assert not (directory / "notes.txt").exists()


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_a_directory_that_is_or_lies_under_a_file_is_refused(data, tmp_path, where):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    directory = blocker if where == "file" else blocker / "runs"
    with pytest.raises(ValueError, match="is a file" if where == "file" else "lies under the file"):
        _search(data, directory)
    assert blocker.read_text() == "x"


def test_ctrl_c_is_recorded_as_interrupted_and_the_cli_says_how_to_resume(data, tmp_path,
                                                                          monkeypatch, capsys):
    from keras_zoo.tuning.runtime import launcher

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(launcher, "run_single", interrupted)
    directory = tmp_path / "i"
    with pytest.raises(KeyboardInterrupt):
        _search(data, directory)
    assert json.loads((directory / "search.json").read_text())["state"] == "interrupted"
    code = main(["tune", "ann", "--dataset", "iris", "--set", "activation=relu", "--epochs", "1",
                 "--directory", str(tmp_path / "j")])
    assert code == 130 and "run the same command again to resume" in capsys.readouterr().err
    assert json.loads((tmp_path / "j" / "search.json").read_text())["state"] == "interrupted"


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_a_bad_batch_size_is_refused_before_any_trial(data, tmp_path, batch_size):
    directory = tmp_path / "b"
    with pytest.raises(ValueError, match=r"`batch_size` must be a positive integer"):
        _search(data, directory, batch_size=batch_size)
    assert not directory.exists()
