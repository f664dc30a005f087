"""The trial record (``result.json``): one reader, one writer, the format of earlier versions."""

import json
import os

import pytest

from keras_zoo.base import atomic_write_json
from keras_zoo.tuning import SearchResult
from keras_zoo.tuning.oracles import recovery
from keras_zoo.tuning.schema import (
    RESULT_FILE,
    SPEC_FILE,
    TrialRecord,
    final_result,
    read_record,
    write_record,
)

COMPLETED = {  # as TrialJob.run writes it (keys in its order; a null model_file: not kept)
    "trial_id": "0", "params": {"learning_rate": 0.01, "hidden_units": [8, 4]},
    "objective": "val_accuracy", "direction": "max", "device": "/CPU:0", "worker": "tuner0",
    "status": "completed", "search_id": "6885c0f2bab0c274", "score": 0.6666666865348816,
    "metrics": {"loss": 0.9745427370071411, "val_accuracy": 0.6666666865348816},
    "epochs": 2, "best_epoch": 2, "executions": 1,
    "history": {"val_accuracy": [0.5333333611488342, 0.6666666865348816]},
    "diagnostics": {"grad_ratio": 0.605, "dead_fraction": 0.0, "saturated_fraction": None,
                    "findings": ""},
    "model_file": None, "seconds": 1.129,
}
PRUNED = {**COMPLETED, "status": "pruned", "pruned_at_epoch": 1, "search_id": None}
FAILED_BY_A_REMOTE_WORKER = {  # its own order: device, worker and search_id last
    "trial_id": "3", "params": {"learning_rate": 0.1}, "objective": "val_accuracy",
    "direction": "max", "status": "failed", "error": "the weights of trial 1 are not on the chief",
    "device": "/GPU:0", "worker": "host-a/0", "search_id": "6885c0f2bab0c274",
}
FROM_A_NEWER_VERSION = {**COMPLETED, "energy_joules": 12.5, "notes": {"a": [1, None]}}


@pytest.mark.parametrize("written", [COMPLETED, PRUNED, FAILED_BY_A_REMOTE_WORKER,
                                     FROM_A_NEWER_VERSION])
def test_a_record_read_and_written_again_is_the_same_file(tmp_path, written):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    atomic_write_json(old, written)  # how every version before the typed record wrote it
    record = read_record(str(old))
    write_record(str(new), record)
    assert new.read_bytes() == old.read_bytes()
    assert record.to_json() == written and list(record.to_json()) == list(written)
    assert TrialRecord.from_json(json.loads(new.read_text())) == record


def test_fields_are_typed_and_unknown_keys_are_kept_aside():
    record = TrialRecord.from_json(FROM_A_NEWER_VERSION)
    assert record.score == COMPLETED["score"] and record.best_epoch == 2
    assert record.history["val_accuracy"][-1] == record.score
    assert record.other == {"energy_joules": 12.5, "notes": {"a": [1, None]}}
    assert record.scored and record.is_final() and final_result(record)
    assert record.has("model_file") and record.model_file is None  # null, not missing
    assert not record.has("pruned_at_epoch") and not record.has("error")


def test_an_old_record_with_missing_optional_keys_reads(tmp_path):
    # An early result: no search_id, worker, executions, history, diagnostics or model_file.
    old = {"trial_id": "0", "params": {"units": 8}, "objective": "val_accuracy",
           "direction": "max", "device": "/CPU:0", "status": "completed", "score": 0.9,
           "metrics": {"val_accuracy": 0.9}, "epochs": 3, "best_epoch": 3, "seconds": 0.5}
    folder = tmp_path / "trials" / "trial_0"
    folder.mkdir(parents=True)
    atomic_write_json(folder / RESULT_FILE, old)
    record = read_record(str(folder / RESULT_FILE))
    assert record.is_final() and record.score == 0.9
    assert (record.search_id, record.worker, record.history, record.diagnostics) == (
        None, None, None, None)
    assert record.to_json() == old
    assert recovery.scan_trials(str(tmp_path / "trials"))["0"].done
    atomic_write_json(tmp_path / SPEC_FILE, {"objective": "val_accuracy", "direction": "max",
                                             "axes": {"units": [8, 16]}, "state": "done"})
    result = SearchResult.load(str(tmp_path))
    assert result.best_trial == "0" and result.best_score == 0.9
    assert result.best_params == {"units": 8}
    assert result.leaderboard["worker"].tolist() == [None]
    assert "grad_ratio" not in result.leaderboard  # no diagnostics recorded, none asked for


def test_records_that_do_not_count(tmp_path):
    assert read_record(str(tmp_path / "missing.json")) is None
    for text in ("", "{", "[1, 2]", "{}"):
        (tmp_path / RESULT_FILE).write_text(text)
        assert read_record(str(tmp_path / RESULT_FILE)) is None, text
    assert not final_result(None) and not final_result({"status": "completed", "score": 1.0})
    no_score = TrialRecord.from_json({"params": {}, "status": "completed", "score": None})
    assert not no_score.is_final()
    assert not TrialRecord(params={}, status="pruned", score=float("nan")).is_final()
    assert TrialRecord(params={}, status="failed").is_final()
    assert not TrialRecord(params={}, status="running").is_final()


def test_keys_are_written_once_set_in_the_order_set(tmp_path):
    record = TrialRecord(trial_id="2", params={"units": 8}, status="running", search_id=None)
    record.status, record.score = "completed", 0.5  # status keeps its place
    record.model_file = None
    assert list(record.to_json()) == ["trial_id", "params", "status", "search_id", "score",
                                      "model_file"]
    assert record.to_json()["search_id"] is None
    copy = record.replaced(trial_id="7")
    assert copy.trial_id == "7" and record.trial_id == "2" and list(copy.to_json()) == list(
        record.to_json())
    with pytest.raises(TypeError, match="no field 'scroe'"):
        TrialRecord(scroe=0.5)
    path = tmp_path / "trial_2" / RESULT_FILE
    os.makedirs(path.parent)
    write_record(str(path), record)
    assert json.loads(path.read_text()) == record.to_json()
    assert sorted(os.listdir(path.parent)) == [RESULT_FILE]  # atomic: no temporary file left
