"""The oracle served to worker processes (keras_zoo.tuning.oracles.chief): released trials, late
ends, and errors on the server's thread that must not leave Keras Tuner's lock held."""

from __future__ import annotations

import json
import os
import threading

import keras_tuner as kt
from keras_tuner.engine.trial import TrialStatus

from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.oracles.strategies import make_oracle
from keras_zoo.tuning.space import Space


def _oracle(tmp_path, failures=3):
    space = Space.parse({"learning_rate": [0.01, 0.02, 0.03]}, "grid")
    oracle = make_oracle("grid", space, kt.Objective("val_accuracy", "max"), max_trials=None,
                         seed=0, max_epochs=1, max_consecutive_failures=failures)
    kt_adapter.set_project_dir(oracle, str(tmp_path), "trials")
    oracle.serving = True
    return oracle


def _write_result(tmp_path, trial, **record):
    folder = tmp_path / "trials" / f"trial_{trial.trial_id}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(json.dumps(
        {"trial_id": trial.trial_id, "params": dict(trial.hyperparameters.values), **record}))


def test_a_worker_that_died_after_writing_its_result_is_not_rerun(tmp_path):
    oracle = _oracle(tmp_path)
    trial = oracle.create_trial("worker0")
    _write_result(tmp_path, trial, status="completed", score=0.9)
    assert oracle.release_worker("worker0") == (trial.trial_id, "done")
    assert oracle.queued_trials() == []
    assert oracle.trials[trial.trial_id].status == TrialStatus.COMPLETED
    assert oracle.create_trial("worker1").trial_id != trial.trial_id


def test_a_lost_trial_is_queued_then_failed_when_the_supervisor_gives_up(tmp_path):
    oracle = _oracle(tmp_path)
    trial = oracle.create_trial("worker0")
    assert oracle.release_worker("worker0") == (trial.trial_id, "queued")
    again = oracle.create_trial("worker1")
    assert again.trial_id == trial.trial_id  # the same trial, run again
    assert oracle.release_worker("worker1", lambda t: "took down 2 workers") == (
        trial.trial_id, "failed")
    assert oracle.trials[trial.trial_id].status == TrialStatus.FAILED
    assert oracle.queued_trials() == [] and not kt_adapter.ongoing(oracle)


def test_a_late_end_of_a_queued_trial_takes_it_off_the_queue(tmp_path):
    oracle = _oracle(tmp_path)
    trial = oracle.create_trial("worker0")
    oracle.release_worker("worker0")  # seen dead, but its EndTrial call was still on its way
    trial.status = TrialStatus.COMPLETED
    oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5})
    oracle.end_trial(trial)
    assert oracle.queued_trials() == []
    assert oracle.trials[trial.trial_id].status == TrialStatus.COMPLETED


def test_an_error_on_the_servers_thread_stops_the_search_and_frees_the_lock(tmp_path):
    """Keras Tuner's consecutive-failure stop raised inside end_trial on the gRPC thread used
    to leave its lock held: the supervisor's next call waited forever."""
    oracle = _oracle(tmp_path, failures=1)
    trial = oracle.create_trial("worker0")
    trial.status, trial.message = TrialStatus.FAILED, "boom"

    server_thread = threading.Thread(target=oracle.end_trial, args=(trial,))
    server_thread.start()
    server_thread.join(timeout=10)
    assert isinstance(oracle.stop_error, RuntimeError)
    released = threading.Thread(target=oracle.release_worker, args=("worker1",))
    released.start()
    released.join(timeout=10)
    assert not released.is_alive(), "the oracle's lock is still held"
    assert oracle.create_trial("worker1").status == TrialStatus.STOPPED
    assert os.path.exists(tmp_path / "trials" / "oracle.json")
