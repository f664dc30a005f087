"""What a search prints and writes (issue 10, item 14's details): integers print as integers and
missing values as ``-``, state files get the permissions ``open()`` gives, and a NaN loss stops a
trial without Keras' "Invalid loss" line on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import cli
from keras_zoo.base import atomic_write_bytes, atomic_write_json
from keras_zoo.cli import table as cli_table
from keras_zoo.tuning import SearchResult


@pytest.fixture
def umask():
    """Set the process umask for a test, and restore it."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def mode(path) -> int:
    return os.stat(path).st_mode & 0o777


def test_atomic_writes_honour_the_umask_like_open(tmp_path, umask):
    umask(0o022)
    atomic_write_json(tmp_path / "state.json", {"a": 1})
    with open(tmp_path / "plain.csv", "w") as handle:
        handle.write("a\n")
    assert mode(tmp_path / "state.json") == mode(tmp_path / "plain.csv") == 0o644
    umask(0o077)
    atomic_write_bytes(tmp_path / "private.bin", b"x")
    assert mode(tmp_path / "private.bin") == 0o600
    # Rewriting a file keeps its own permissions, as open("w") does; no temporary file is left.
    os.chmod(tmp_path / "state.json", 0o640)
    umask(0o022)
    atomic_write_json(tmp_path / "state.json", {"a": 2})
    assert mode(tmp_path / "state.json") == 0o640
    assert sorted(os.listdir(tmp_path)) == ["plain.csv", "private.bin", "state.json"]
    assert (tmp_path / "state.json").read_text().replace(" ", "").replace("\n", "") == '{"a":2}'


def test_the_leaderboard_keeps_integers_beside_missing_values(tmp_path):
    spec = {"objective": "val_accuracy", "direction": "max", "axes": {"units": [8, 16, 32]}}
    records = [
        {"trial_id": "0", "status": "completed", "score": 0.9, "params": {"units": 8},
         "metrics": {"loss": 0.3}, "epochs": 20, "best_epoch": 17, "seconds": 1.5,
         "device": "/CPU:0"},
        {"trial_id": "1", "status": "failed", "params": {"units": 16}, "error": "boom",
         "seconds": 0.2},
        {"trial_id": "2", "status": "interrupted"},  # no params, no epochs
    ]
    result = SearchResult(str(tmp_path), spec, records, str(tmp_path / "trials"))
    board = result.leaderboard
    assert str(board["epochs_run"].dtype) == "Int64" and str(board["units"].dtype) == "Int64"
    assert board["epochs_run"].tolist()[0] == 20 and board["epochs_run"].isna().tolist() == [
        False, True, True]
    columns = ["trial", "units", "val_accuracy", "epochs_run", "best_epoch", "seconds", "device"]
    table = cli_table.table(board[columns].to_dict("records"), columns).splitlines()
    assert table[2].split() == ["0", "8", "0.9", "20", "17", "1.5", "/CPU:0"]
    assert table[3].split() == ["1", "16", "-", "-", "-", "0.2", "-"]
    assert table[4].split() == ["2", "-", "-", "-", "-", "-", "-"]
    assert "nan" not in "\n".join(table) and ".0000 " not in table[2]
    csv = (tmp_path / "board.csv")
    result.to_csv(str(csv))
    assert csv.read_text().splitlines()[1].split(",")[:2] == ["0", "completed"]
    assert ",20,17," in csv.read_text()  # not 20.0, 17.0


def test_a_nan_loss_stops_training_silently(capsys):
    from keras_zoo.zoo.training import StopOnInvalidLoss

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = kz.zoo.ann(input_dim=4, task="binary", hidden_units=(8,), learning_rate=1e30,
                       seed=0)
    stop = StopOnInvalidLoss()
    history = kz.zoo.fit(model, x, y, validation_data=(x, y), epochs=20, early_stopping=False,
                         callbacks=[stop], seed=0)
    losses = history.history["loss"]
    assert len(losses) < 20 and not np.isfinite(losses[-1])  # stopped where the loss broke
    assert stop.stopped_at is not None and stop.stopped_at[0] == len(losses) - 1
    assert capsys.readouterr().out == ""


def test_a_failed_trial_prints_no_keras_line_and_integer_epochs(capsys, tmp_path):
    code = cli.main(["tune", "ann", "--dataset", "iris", "--set", "learning_rate=0.01,1e30",
                     "--strategy", "grid", "--epochs", "3", "--patience", "5", "--directory",
                     str(tmp_path / "d")])
    out = capsys.readouterr().out
    assert code == 0
    assert "Invalid loss" not in out and "terminating training" not in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("trial "))
    row = lines[header + 2].split()
    assert row[lines[header].split().index("epochs_run")] == "3"  # not 3.0000
    board = SearchResult.load(str(tmp_path / "d")).leaderboard
    assert board["status"].tolist() == ["completed", "failed"]
    assert "the loss became NaN/inf at epoch 1" in board["error"][1]
    assert mode(tmp_path / "d" / "search.json") == mode(tmp_path / "d" / "leaderboard.csv")


def test_a_failed_trial_is_one_line_on_stderr_and_its_traceback_comes_with_v(capsys, tmp_path):
    """Issue 10 item 14: Keras Tuner printed three chained tracebacks per failed trial."""
    args = ["tune", "ann", "--dataset", "iris", "--set", "learning_rate=1e30", "--strategy",
            "grid", "--epochs", "2", "--max-trials", "1"]
    assert cli.main([*args, "--directory", str(tmp_path / "q")]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if "failed:" in line]) == 1
    verbose = subprocess.run([sys.executable, "-m", "keras_zoo.cli", "-v", *args,
                              "--directory", str(tmp_path / "v")],
                             capture_output=True, text=True, timeout=300, check=True)
    assert "Traceback (most recent call last)" in verbose.stderr
    record = json.loads(next((tmp_path / "q" / "trials").glob("*/result.json")).read_text())
    assert "Traceback" in record["traceback"]


def test_among_tied_best_scores_the_trial_whose_model_was_kept_is_best(tmp_path):
    """Parallel workers finish out of order: of two trials with the best score, the first to
    finish kept its model (the other did not beat it); that one is the best trial."""
    from keras_zoo.tuning.results import SearchResult

    (tmp_path / "search.json").write_text(json.dumps(
        {"objective": "val_accuracy", "direction": "max", "axes": {"units": [1, 2, 3]},
         "state": "finished", "project_name": "trials"}))
    for trial_id, score, kept in (("0", 0.9, False), ("1", 0.95, False), ("2", 0.95, True)):
        folder = tmp_path / "trials" / f"trial_{trial_id}"
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(
            {"trial_id": trial_id, "params": {"units": int(trial_id) + 1}, "status": "completed",
             "score": score, "metrics": {"val_accuracy": score}}))
        if kept:
            (folder / "model.keras").write_bytes(b"a kept model")
    result = SearchResult.load(str(tmp_path))
    assert result.best_trial == "2" and result.best_score == 0.95
    assert result.best_model_path.endswith(os.path.join("trial_2", "model.keras"))
