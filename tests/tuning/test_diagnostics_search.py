"""search(diagnostics=True): every trial's training health in result.json and the leaderboard."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo import tuning
from keras_zoo.tuning.results import DIAGNOSTIC_COLUMNS, SearchResult

SPACE = {"activation": ["sigmoid", "relu"]}
DEEP = (8,) * 8


@pytest.fixture(scope="module")
def digits():
    return kz.load("digits", seed=0)


def _by_activation(board: pd.DataFrame) -> dict[str, pd.Series]:
    return {row["activation"]: row for _, row in board.iterrows()}


def _check_sigmoid_vanishes(board: pd.DataFrame) -> None:
    assert set(DIAGNOSTIC_COLUMNS) <= set(board.columns)
    rows = _by_activation(board)
    assert "vanishing_gradients" in rows["sigmoid"]["findings"].split(",")
    assert "vanishing_gradients" not in rows["relu"]["findings"]
    assert rows["sigmoid"]["grad_ratio"] < rows["relu"]["grad_ratio"] / 100
    assert np.isfinite(rows["relu"]["dead_fraction"])  # relu units can die; sigmoid ones saturate
    assert np.isfinite(rows["sigmoid"]["saturated_fraction"])


def test_diagnostics_columns_survive_resume(digits, tmp_path):
    directory = str(tmp_path / "d")
    first = tuning.search("ann", digits, SPACE, hidden_units=DEEP, epochs=2, max_trials=1,
                          diagnostics=True, directory=directory, verbose=0)
    assert len(first.leaderboard) == 1 and first.spec["diagnostics"] is True
    result = tuning.search("ann", digits, SPACE, hidden_units=DEEP, epochs=2, diagnostics=True,
                           directory=directory, verbose=0)  # resumed: runs the second trial
    board = result.leaderboard
    assert len(board) == 2 and (board["status"] == "completed").all()
    _check_sigmoid_vanishes(board)
    assert list(board.columns).index("grad_ratio") == list(board.columns).index(
        "val_accuracy") + 1
    with open(os.path.join(result.project_dir, "trial_0", "result.json")) as handle:
        record = json.load(handle)
    assert set(record["diagnostics"]) == set(DIAGNOSTIC_COLUMNS)
    _check_sigmoid_vanishes(SearchResult.load(directory).leaderboard)  # read back from disk
    _check_sigmoid_vanishes(pd.read_csv(result.to_csv()).fillna({"findings": ""}))


def test_parallel_workers_record_diagnostics(digits, tmp_path):
    result = tuning.search("ann", digits, SPACE, hidden_units=DEEP, epochs=2, diagnostics=True,
                           workers=2, directory=str(tmp_path / "w"), verbose=0)
    board = result.leaderboard
    assert len(board) == 2 and board["worker"].str.startswith("worker").all()
    _check_sigmoid_vanishes(board)


def test_without_diagnostics_no_columns_and_a_resume_keeps_recorded_ones(iris, tmp_path):
    directory = str(tmp_path / "i")
    space = {"learning_rate": [0.01, 0.02]}
    plain = tuning.search("ann", iris, space, hidden_units=(4,), epochs=1, max_trials=1,
                          directory=str(tmp_path / "plain"), verbose=0)
    assert not set(DIAGNOSTIC_COLUMNS) & set(plain.leaderboard.columns)
    assert plain.spec["diagnostics"] is False
    tuning.search("ann", iris, space, hidden_units=(4,), epochs=1, max_trials=1,
                  diagnostics=True, directory=directory, verbose=0)
    resumed = tuning.search("ann", iris, space, hidden_units=(4,), epochs=1, directory=directory,
                            verbose=0)  # diagnostics off now: the first trial keeps its figures
    board = resumed.by_trial()
    assert len(board) == 2 and set(DIAGNOSTIC_COLUMNS) <= set(board.columns)
    assert np.isfinite(board.loc[0, "grad_ratio"]) and isinstance(board.loc[0, "findings"], str)
    assert np.isnan(board.loc[1, "grad_ratio"]) and pd.isna(board.loc[1, "findings"])


def test_a_diverged_trial_records_why_it_failed(iris, tmp_path):
    result = tuning.search("ann", iris, {"learning_rate": [0.01, 1e12]}, hidden_units=(4,),
                           optimizer="sgd", batch_size=16, epochs=2, diagnostics=True,
                           early_stopping=False, directory=str(tmp_path / "f"), verbose=0)
    board = result.leaderboard.set_index("learning_rate")
    assert board.loc[1e12, "status"] == "failed"  # the loss diverged
    assert "non_finite" in board.loc[1e12, "findings"].split(",")
    assert np.isfinite(board.loc[0.01, "grad_ratio"])


def test_diagnostics_must_be_a_bool_and_travels_with_the_job():
    from keras_zoo.tuning import checks
    from keras_zoo.tuning.runtime import wire

    with pytest.raises(TypeError, match="`diagnostics` must be True or False"):
        tuning.search("ann", "iris", {"learning_rate": [0.01]}, diagnostics="yes", verbose=0)
    job, _ = checks.build_job(
        "ann", "iris", {"learning_rate": [1e-3, 1e-2]}, strategy="grid", objective=None,
        epochs=1, batch_size=None, patience=1, early_stopping=True, executions_per_trial=1,
        seed=0, keep_models="best", fixed={})
    job.diagnostics = True
    header, payload = wire.encode_job(job)
    assert wire.decode_job(json.loads(json.dumps(header)), payload).diagnostics is True
