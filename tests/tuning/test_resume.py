"""Resuming a search: result files decide what is done, failed trials are final, damaged state
is rebuilt or named, unwritable and full disks stop clearly (issue 10, items 5-7, 10, 11, 14)."""

from __future__ import annotations

import collections
import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import keras_zoo as kz
from keras_zoo import tuning
from keras_zoo.base import files
from keras_zoo.cli import main
from keras_zoo.tuning import SearchError
from keras_zoo.tuning.trial.job import TrialJob

GRID = {"activation": ["relu", "tanh"], "hidden_units": [(4,), (8,)]}
CONFIGS = {(a, h) for a in GRID["activation"] for h in GRID["hidden_units"]}


@pytest.fixture(scope="module")
def data():
    return kz.load("iris", seed=0)


def _grid(data, directory, **kwargs):
    return tuning.search("ann", data, GRID, epochs=2, directory=str(directory), verbose=0,
                         **kwargs)


def _mtimes(directory) -> dict[str, int]:
    """Trial id -> mtime (ns) of its result.json: unchanged means not trained again."""
    times = {}
    trials = os.path.join(directory, "trials")
    for name in os.listdir(trials):
        path = os.path.join(trials, name, "result.json")
        if name.startswith("trial_") and os.path.exists(path):
            times[name[len("trial_"):]] = os.stat(path).st_mtime_ns
    return times


def _runs(result) -> collections.Counter:
    """How many completed rows each configuration has."""
    board = result.leaderboard
    done = board[board["status"] == "completed"]
    return collections.Counter(zip(done["activation"], done["hidden_units"]))


def _each_once(result) -> None:
    assert len(result.leaderboard) == len(CONFIGS)
    assert _runs(result) == collections.Counter(CONFIGS)


# === Item 5: a failed trial is final; a search stopped by failures goes on ===

FAILING: set[str] = set()


def bad_loss(y_true, y_pred):
    raise RuntimeError("deliberate failure in the loss")


def flaky_ann(input_dim=None, *, task=None, num_classes=None, normalization=None, mode="ok",
              seed=None):
    """ann, but a mode in FAILING compiles a loss that raises when training starts."""
    model = kz.zoo.ann(input_dim, task=task, num_classes=num_classes, normalization=normalization,
                       hidden_units=(4,), seed=seed)
    if mode in FAILING:
        model.compile(optimizer="adam", loss=bad_loss, metrics=["accuracy"])
    return model


@pytest.fixture
def failing():
    FAILING.clear()
    yield FAILING
    FAILING.clear()


def _flaky(data, directory, modes, **kwargs):
    return tuning.search(flaky_ann, data, {"mode": modes}, epochs=1, directory=str(directory),
                         verbose=0, max_consecutive_failures=3, **kwargs)


def test_a_search_stopped_by_failures_goes_on_and_its_failed_trials_are_final(data, tmp_path,
                                                                            failing):
    """Issue: every rerun retrained the last failed trial (left RUNNING by Keras Tuner's stop)
    and stopped again, so the later configurations never ran."""
    modes = ["ok", "fail1", "fail2", "fail3", "fail4", "ok2"]
    failing.update({"fail1", "fail2", "fail3", "fail4"})
    directory = tmp_path / "f"
    with pytest.raises(SearchError) as stop:
        _flaky(data, directory, modes)
    message = str(stop.value)
    assert "3 trial(s) failed in a row (limit 3)" in message
    for trial_id, mode in [("1", "fail1"), ("2", "fail2"), ("3", "fail3")]:
        assert f"trial {trial_id} (mode='{mode}'): RuntimeError: deliberate failure" in message
    assert "not run again" in message and "retry_failed=True (--retry-failed)" in message
    assert str(directory) in message
    assert list(tuning.SearchResult.load(str(directory)).by_trial()["mode"]) == modes[:4]
    before = _mtimes(directory)
    # The rerun is not stopped by the earlier failures: fail4 fails alone, ok2 runs.
    result = _flaky(data, directory, modes)
    status = result.leaderboard.set_index("mode")["status"].to_dict()
    assert status == {"ok": "completed", "fail1": "failed", "fail2": "failed",
                      "fail3": "failed", "fail4": "failed", "ok2": "completed"}
    after = _mtimes(directory)
    assert {t: after[t] for t in before} == before  # no failed trial was trained again
    assert len(after) == 6


def test_retry_failed_runs_the_failed_trials_again(data, tmp_path, failing):
    modes = ["ok", "fail1", "ok2"]
    failing.add("fail1")
    directory = tmp_path / "r"
    _flaky(data, directory, modes)
    before = _mtimes(directory)
    failing.clear()  # the cause is fixed
    again = _flaky(data, directory, modes)  # without retry_failed: still failed, nothing runs
    assert again.leaderboard.set_index("mode").loc["fail1", "status"] == "failed"
    assert _mtimes(directory) == before
    result = _flaky(data, directory, modes, retry_failed=True)
    assert (result.leaderboard["status"] == "completed").all()
    assert list(result.by_trial()["mode"]) == modes
    after = _mtimes(directory)
    assert after["1"] != before["1"] and after["0"] == before["0"] and after["2"] == before["2"]


# === Items 6 and 7: the result file is the single source of truth for "done" ===

def _truncate(path):
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:
        handle.write(text[: len(text) // 2])


DAMAGES = {
    "deleted folder": lambda t: shutil.rmtree(t),
    "truncated result": lambda t: _truncate(t / "result.json"),
    "empty result": lambda t: (t / "result.json").write_text(""),
    # trial.json still says COMPLETED: not done without a valid result
    "deleted result": lambda t: (t / "result.json").unlink(),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_missing_or_damaged_trial_is_run_again(data, tmp_path, damage):
    directory = tmp_path / "g"
    _grid(data, directory)
    before = _mtimes(directory)
    del before["2"]
    DAMAGES[damage](directory / "trials" / "trial_2")
    result = _grid(data, directory)
    _each_once(result)
    assert (result.leaderboard["status"] == "completed").all()
    after = _mtimes(directory)
    assert "2" in after and {t: after[t] for t in before} == before  # only trial 2 ran


def test_a_trial_killed_after_its_result_was_written_is_not_trained_again(data, tmp_path):
    """The state a kill leaves between ``result.json`` being written and Keras Tuner recording
    the trial's end, written on disk directly (not killed at that instant): trial.json RUNNING,
    the trial ongoing in oracle.json and missing from its end order."""
    directory = tmp_path / "k"
    _grid(data, directory)
    trials = directory / "trials"
    state = json.loads((trials / "trial_3" / "trial.json").read_text())
    state.update({"status": "RUNNING", "score": None, "best_step": 0,
                  "metrics": {"metrics": {}}})
    (trials / "trial_3" / "trial.json").write_text(json.dumps(state))
    oracle = json.loads((trials / "oracle.json").read_text())
    oracle["end_order"].remove("3")
    oracle["ongoing_trials"] = {"tuner0": "3"}
    (trials / "oracle.json").write_text(json.dumps(oracle))
    before = _mtimes(directory)
    result = _grid(data, directory)
    _each_once(result)
    assert _mtimes(directory) == before  # nothing trained again
    assert json.loads((trials / "trial_3" / "trial.json").read_text())["status"] == "COMPLETED"


# === Item 10: damaged state files are rebuilt, or named ===

ORACLE_DAMAGES = {
    "empty": lambda p: (p / "oracle.json").write_text(""),
    "garbled": lambda p: (p / "oracle.json").write_bytes(b'{"ongoing_trials": {\xff\xfe'),
    "not a state": lambda p: (p / "oracle.json").write_text('{"seed": 3}'),
    "deleted": lambda p: (p / "oracle.json").unlink(),
    "deleted with the tuner file": lambda p: [(p / n).unlink() for n in ("oracle.json",
                                                                          "tuner0.json")],
}


@pytest.mark.parametrize("damage", sorted(ORACLE_DAMAGES))
def test_a_damaged_grid_oracle_is_rebuilt_from_the_results(data, tmp_path, damage):
    directory = tmp_path / "o"
    _grid(data, directory, max_trials=2)
    before = _mtimes(directory)
    ORACLE_DAMAGES[damage](directory / "trials")
    result = _grid(data, directory)  # the whole grid now
    _each_once(result)
    after = _mtimes(directory)
    assert {t: after[t] for t in before} == before and len(after) == 4
    json.loads((directory / "trials" / "oracle.json").read_text())  # valid again


def test_a_garbled_trial_file_is_rebuilt_from_its_result(data, tmp_path):
    directory = tmp_path / "t"
    _grid(data, directory, max_trials=2)
    before = _mtimes(directory)
    trial_json = directory / "trials" / "trial_0" / "trial.json"
    trial_json.write_bytes(b"\xff\xfe\x00garbage")
    result = _grid(data, directory)
    _each_once(result)
    after = _mtimes(directory)
    assert {t: after[t] for t in before} == before
    assert json.loads(trial_json.read_text())["status"] == "COMPLETED"


def test_a_random_search_with_a_damaged_oracle_goes_on_without_repeats(data, tmp_path):
    directory = str(tmp_path / "rnd")
    space = {"learning_rate": {"min": 1e-3, "max": 1e-1, "sampling": "log"}}

    def run(max_trials):
        return tuning.search("ann", data, space, strategy="random", max_trials=max_trials,
                             epochs=1, seed=7, directory=directory, verbose=0)

    first = run(2)
    before = _mtimes(directory)
    (tmp_path / "rnd" / "trials" / "oracle.json").write_text("{")
    second = run(4)
    rates = list(second.by_trial()["learning_rate"])
    assert len(rates) == 4 and len(set(rates)) == 4
    assert rates[:2] == list(first.by_trial()["learning_rate"])
    after = _mtimes(directory)
    assert {t: after[t] for t in before} == before


def _tune(directory, *args):
    return main(["tune", "ann", "--dataset", "iris", "--set", "activation=relu,tanh",
                 "--epochs", "2", "--quiet", "--directory", str(directory), *args])


def test_a_damaged_hyperband_oracle_is_named_and_nothing_is_deleted(tmp_path, capsys):
    directory = tmp_path / "hb"
    assert _tune(directory, "--strategy", "hyperband", "--max-trials", "2") == 0
    before = sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
    (directory / "trials" / "oracle.json").write_text("")
    capsys.readouterr()
    code = _tune(directory, "--strategy", "hyperband", "--max-trials", "2")
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "oracle.json" in err and "is empty" in err and "Hyperband" in err
    assert "overwrite" not in err
    after = sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))
    assert after == before  # nothing deleted, no trial run


def test_a_truncated_search_file_is_named_by_load_and_rebuilt_by_the_same_search(tmp_path,
                                                                                capsys):
    directory = tmp_path / "s"
    assert _tune(directory) == 0
    spec_path = directory / "search.json"
    spec = json.loads(spec_path.read_text())
    before = _mtimes(directory)
    _truncate(spec_path)
    with pytest.raises(ValueError, match=r"search\.json' is not valid JSON") as info:
        tuning.SearchResult.load(str(directory))
    assert "overwrite" not in str(info.value)
    capsys.readouterr()
    assert _tune(directory) == 0  # resumes: the results agree with this search
    assert "overwrite" not in capsys.readouterr().err
    assert _mtimes(directory) == before
    rebuilt = json.loads(spec_path.read_text())
    assert {k: rebuilt[k] for k in spec if k != "state"} == {k: spec[k] for k in spec
                                                             if k != "state"}


def test_a_damaged_search_file_beside_another_searchs_trials_is_refused(data, tmp_path):
    directory = tmp_path / "x"
    _grid(data, directory, max_trials=1)
    (directory / "search.json").write_text("{")
    before = _mtimes(directory)
    other = {"activation": ["elu"], "hidden_units": [(4,), (8,)]}
    with pytest.raises(ValueError, match=r"search\.json' is not valid JSON.*not of this search"
                       ) as info:
        tuning.search("ann", data, other, epochs=2, directory=str(directory), verbose=0)
    assert "overwrite" not in str(info.value)
    assert _mtimes(directory) == before


def test_a_damaged_search_file_is_not_rebuilt_for_a_search_with_other_settings(data, tmp_path):
    """The same space and objective but other epochs: the results say which search wrote them
    (their search_id), so the damaged search.json is not rebuilt for this one."""
    directory = tmp_path / "e"
    _grid(data, directory, max_trials=1)
    (directory / "search.json").write_text("{")
    before = _mtimes(directory)
    with pytest.raises(ValueError, match="not of this search.*other settings"):
        tuning.search("ann", data, GRID, epochs=3, max_trials=1, directory=str(directory),
                      verbose=0)
    assert _mtimes(directory) == before


# === Item 11: a read-only directory, a full disk ===

@contextlib.contextmanager
def _read_only(*paths):
    """Make ``paths`` read-only (0555) for the block."""
    for path in paths:
        os.chmod(path, 0o555)
    try:
        yield
    finally:
        for path in paths:
            os.chmod(path, 0o755)


@contextlib.contextmanager
def _unprivileged():
    """Root is not stopped by permissions, so as root the block runs with the effective user
    ``nobody`` (the kernel then refuses writes exactly as for an ordinary user). ``nobody`` may
    not reach the checkout or its environment (a clone in a 0700 folder, issue 33), so the
    block must import nothing: asserted."""
    as_root = os.geteuid() == 0
    imported = set(sys.modules)
    if as_root:
        os.seteuid(65534)
    try:
        yield
    finally:
        if as_root:
            os.seteuid(0)
    assert set(sys.modules) - imported == set(), "the block imported modules: import them first"


# The refused command runs in a child process that cannot write where a folder's mode forbids
# it. As an ordinary user that is the user itself; as root it is root without CAP_DAC_OVERRIDE
# (util-linux's setpriv): it still reads and traverses every folder (CAP_DAC_READ_SEARCH), so
# where the checkout sits does not matter, while the kernel refuses its writes into a 0555
# folder exactly as for an ordinary user. The child runs keras_zoo from a copy placed in a 0700
# folder (issue 33: `make test` from a `mktemp -d` clone as root) and says which copy it ran.
_CHILD = ("import sys, keras_zoo; print('package:', keras_zoo.__file__, file=sys.stderr); "
          "from keras_zoo.cli import main; sys.exit(main(sys.argv[1:]))")
_NO_OVERRIDE = ["--inh-caps=-dac_override", "--ambient-caps=-dac_override",
                "--bounding-set=-dac_override", "--"]


def _tune_without_write_permission(directory, *args):
    """``_tune`` in a child process that permissions stop (see above): (exit code, stderr)."""
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, ("running the suite as root needs util-linux's setpriv, to run a command "
                         "as root without CAP_DAC_OVERRIDE")
        prefix = [setpriv, *_NO_OVERRIDE]
    private = tempfile.mkdtemp(prefix="kz-private-")  # mode 0700
    try:
        shutil.copytree(os.path.dirname(kz.__file__), os.path.join(private, "keras_zoo"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": private, "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(
            [*prefix, sys.executable, "-c", _CHILD, "tune", "ann", "--dataset", "iris", "--set",
             "activation=relu,tanh", "--epochs", "2", "--quiet", "--directory", str(directory),
             *args], cwd=private, env=env, capture_output=True, text=True, timeout=300,
            check=False)
        package = os.path.join(private, "keras_zoo", "__init__.py")
        assert f"package: {package}\n" in done.stderr, done.stderr
        return done.returncode, done.stderr
    finally:
        shutil.rmtree(private, ignore_errors=True)


@pytest.fixture
def base(tmp_path):
    """A folder any user can reach (pytest's own are private to root when tests run as root)."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = tempfile.mkdtemp(prefix="kz-readonly-")
    os.chmod(folder, 0o755)
    from pathlib import Path

    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_read_only_directory_is_refused_before_any_trial(data, base):
    directory = base / "ro"
    _grid(data, directory, max_trials=1)
    listing = sorted((str(p), p.stat().st_mtime_ns) for p in directory.rglob("*"))
    with _read_only(directory, directory / "trials"):
        with _unprivileged():
            with pytest.raises(PermissionError):  # the mechanism is real
                (directory / "probe").write_text("x")
            with pytest.raises(ValueError, match="cannot be written to.*Permission denied"
                               ) as info:
                _grid(data, directory)
            assert repr(str(directory)) in str(info.value)
            with pytest.raises(ValueError, match="where it would be made"):
                _grid(data, directory / "new")
        code, err = _tune_without_write_permission(directory)
    assert code == 2 and "cannot be written to" in err and "Permission denied" in err
    assert "Traceback" not in err
    assert sorted((str(p), p.stat().st_mtime_ns) for p in directory.rglob("*")) == listing
    _each_once(_grid(data, directory))  # writable again: it resumes


@pytest.mark.parametrize("kind", ["result.json", "trial.json", "oracle.json"])
def test_a_full_disk_stops_clearly_and_the_search_resumes(data, tmp_path, monkeypatch, kind):
    """The disk fills at the third write of ``kind`` and stays full for the rest of the run."""
    real = files.atomic_write_bytes
    writes: collections.Counter = collections.Counter()
    full = []

    def writer(path, content):
        name = os.path.basename(os.fspath(path))
        writes[name] += 1
        if full or (name == kind and writes[name] == 3):
            full.append(path)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(path))
        return real(path, content)

    monkeypatch.setattr(files, "atomic_write_bytes", writer)
    directory = tmp_path / "full"
    with pytest.raises(SearchError, match="the disk is full") as info:
        _grid(data, directory)
    message = str(info.value)
    assert repr(str(directory)) in message and "completed trial(s) are kept" in message
    assert "run the same search again to resume" in message
    monkeypatch.undo()
    before = _mtimes(directory)
    assert before and len(before) < 4
    result = _grid(data, directory)
    _each_once(result)
    after = _mtimes(directory)
    assert {t: after[t] for t in before} == before


# === Item 14: trial ids of one width ===

def test_trial_ids_keep_one_width_when_max_trials_grows(data, tmp_path, monkeypatch):
    directory = tmp_path / "ids"
    space = {"learning_rate": [round(0.01 * i, 2) for i in range(1, 13)]}

    def run(max_trials):
        return tuning.search("ann", data, space, epochs=1, max_trials=max_trials,
                             directory=str(directory), verbose=0)

    run(2)
    real_run = TrialJob.run
    calls = []

    def interrupted_after_one(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(TrialJob, "run", interrupted_after_one)
    with pytest.raises(KeyboardInterrupt):
        run(10)  # Keras Tuner would number the new trials "02", "03"
    names = sorted(p.name for p in (directory / "trials").glob("trial_*"))
    assert names == ["trial_0", "trial_1", "trial_2", "trial_3"]
    monkeypatch.undo()
    board = run(5).by_trial()
    assert list(board["trial"]) == ["0", "1", "2", "3", "4"]
    assert (board["status"] == "completed").all()
