"""Keras Tuner's internals (keras_zoo.tuning.oracles.kt_adapter), each exercised on real Keras Tuner
objects: a Keras Tuner release that renames one fails here, with its version in the message."""

from __future__ import annotations

import json
import logging
import os
import pathlib
import re

import keras_tuner as kt
import pytest
from keras_tuner.engine.base_tuner import BaseTuner
from keras_tuner.engine.trial import Trial, TrialStatus

from keras_zoo.tuning.oracles import kt_adapter
from keras_zoo.tuning.oracles.strategies import make_oracle
from keras_zoo.tuning.space import Space

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = f"keras-tuner {kt.__version__}"


def _hp() -> kt.HyperParameters:
    hp = kt.HyperParameters()
    hp.Float("rate", 0.0, 1.0)
    return hp


def _random(tmp_path, cls=kt.oracles.RandomSearchOracle, **kwargs) -> kt.Oracle:
    oracle = cls(objective=kt.Objective("val_loss", "min"), hyperparameters=_hp(), seed=1,
                 **{"max_trials": 10, **kwargs})
    kt_adapter.set_project_dir(oracle, str(tmp_path), "trials")
    oracle.verbose = 0
    return oracle


def _grid(tmp_path) -> kt.Oracle:
    space = Space.parse({"units": [1, 2, 3]}, "grid")
    oracle = make_oracle("grid", space, kt.Objective("val_loss", "min"), max_trials=None,
                         seed=0, max_epochs=1, max_consecutive_failures=3)
    kt_adapter.set_project_dir(oracle, str(tmp_path), "trials")
    return oracle


@pytest.fixture(autouse=True)
def _no_chief(monkeypatch):
    for name in (kt_adapter.ORACLE_IP_ENV, kt_adapter.ORACLE_PORT_ENV, kt_adapter.TUNER_ID_ENV):
        monkeypatch.delenv(name, raising=False)


# === The installed Keras Tuner ===

def test_every_internal_used_is_there():
    missing = kt_adapter.missing_hooks()
    assert not missing, (f"{VERSION} lacks the Keras Tuner internals keras-zoo uses: {missing}; "
                         "update keras_zoo/tuning/oracles/kt_adapter.py, or install "
                         f"keras-tuner{kt_adapter.KNOWN_VERSIONS}")


def test_the_known_versions_are_the_declared_ones_and_include_the_installed_one(caplog):
    declared = re.findall(r'"keras-tuner([<>=!~][^"]*)"', (ROOT / "pyproject.toml").read_text())
    assert declared == [kt_adapter.KNOWN_VERSIONS]
    assert kt_adapter.known_version(), (
        f"{VERSION} is outside the known range {kt_adapter.KNOWN_VERSIONS}: run this test file, "
        "then widen KNOWN_VERSIONS and pyproject.toml")
    for version in ("1.4.7", "1.4.8", "1.4.9.dev0"):
        assert kt_adapter.known_version(version)
    with caplog.at_level(logging.WARNING, logger=kt_adapter.__name__):
        for version in ("1.5.0", "1.4.6", "2.0", "unknown"):
            assert not kt_adapter.known_version(version)
    assert all(v in caplog.text for v in ("keras-tuner 1.5.0 is installed", "1.4.6", "unknown"))


def test_no_other_module_reaches_keras_tuner_internals():
    names = kt_adapter.ORACLE_PRIVATE + kt_adapter.HYPERBAND_PRIVATE + kt_adapter.TUNER_PRIVATE
    names += kt_adapter.ORACLE_STATE + ("_try_run_and_update_trial", "_run_and_update_trial")
    pattern = re.compile(r"(?<!kt_adapter)\.(" + "|".join(map(re.escape, names)) + r")\b"
                         r"|keras_tuner\.src")
    # Being moved to kt_adapter.ongoing(oracle) in the modules another change edits.
    pending: set[tuple[str, str]] = set()
    found = []
    for path in sorted((ROOT / "keras_zoo").rglob("*.py")):
        if path.name == "kt_adapter.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            for match in pattern.finditer(code):
                if (path.name, match.group(1)) not in pending and "``" not in code:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "Keras Tuner internals outside kt_adapter.py:\n" + "\n".join(found)


# === Where an oracle keeps its files ===

def test_the_state_files_are_where_keras_tuner_writes_them(tmp_path):
    oracle = _random(tmp_path)
    assert kt_adapter.project_dir(oracle) == os.path.join(str(tmp_path), "trials")
    assert kt_adapter.oracle_file(oracle) == os.path.join(str(tmp_path), "trials", "oracle.json")
    kt.oracles.RandomSearchOracle.save(oracle)  # Keras Tuner's own save
    assert os.path.exists(kt_adapter.oracle_file(oracle)), VERSION
    folder = kt_adapter.trial_dir(oracle, "03")
    assert folder == os.path.join(str(tmp_path), "trials", "trial_03") and os.path.isdir(folder)


def test_save_trial_writes_trial_json(tmp_path):
    for oracle in (_random(tmp_path / "kt"), _grid(tmp_path / "zoo")):
        trial = oracle.create_trial("t0")
        trial.message = "written"
        kt_adapter.save_trial(oracle, trial)
        path = os.path.join(kt_adapter.trial_dir(oracle, trial.trial_id), "trial.json")
        loaded = Trial.load(path)
        assert (loaded.trial_id, loaded.message) == (trial.trial_id, "written"), VERSION


def test_keras_tuner_calls_the_overridden_private_methods(tmp_path):
    calls = []

    class Hooked(kt_adapter.OracleHooks, kt.oracles.RandomSearchOracle):
        def write_trial(self, trial):
            calls.append(("write", trial.trial_id))
            super().write_trial(trial)

        def check_consecutive_failures(self):
            calls.append(("check", None))
            super().check_consecutive_failures()

    oracle = _random(tmp_path, cls=Hooked)
    trial = oracle.create_trial("t0")
    oracle.update_trial(trial.trial_id, {"val_loss": 0.5}, step=0)
    trial.status = TrialStatus.COMPLETED
    oracle.end_trial(trial)
    assert calls == [("write", trial.trial_id)] * 2 + [("check", None), ("write", trial.trial_id)], (
        f"{VERSION} no longer calls Oracle._save_trial/_check_consecutive_failures as 1.4.8 does")
    assert os.path.exists(os.path.join(kt_adapter.trial_dir(oracle, trial.trial_id), "trial.json"))


# === Who runs which trial, and what runs again ===

def test_the_restated_create_trial_keeps_keras_tuners_bookkeeping(tmp_path):
    oracle = _random(tmp_path, max_trials=1)
    trial = kt_adapter.create_trial(oracle, "t0", lambda: "7")
    assert (trial.trial_id, trial.status) == ("7", TrialStatus.RUNNING)
    assert kt_adapter.ongoing(oracle) == {"t0": trial} and "t0" in kt_adapter.tuner_ids(oracle)
    assert kt_adapter.start_order(oracle) == ["7"] and oracle.trials == {"7": trial}
    assert kt_adapter.is_duplicate(oracle, trial.hyperparameters.values)
    assert os.path.exists(os.path.join(kt_adapter.trial_dir(oracle, "7"), "trial.json"))
    assert json.loads(pathlib.Path(kt_adapter.oracle_file(oracle)).read_text())["start_order"] == ["7"]
    assert kt_adapter.create_trial(oracle, "t0", lambda: "8") is trial  # the same tuner asks again
    stopped = kt_adapter.create_trial(oracle, "t1", lambda: "8")  # max_trials reached
    assert stopped.status == TrialStatus.STOPPED and "t1" not in kt_adapter.tuner_ids(oracle)


def test_the_retry_queue_round_trip(tmp_path):
    oracle = _random(tmp_path)
    trial = oracle.create_trial("a")
    kt_adapter.ongoing(oracle).pop("a")  # its worker died
    kt_adapter.queue_retry(oracle, trial.trial_id)
    assert kt_adapter.retry_queue(oracle) == [trial.trial_id]
    again = oracle.create_trial("b")  # Keras Tuner's own create_trial reads the same queue
    assert (again.trial_id, again.status) == (trial.trial_id, TrialStatus.RUNNING), VERSION
    assert kt_adapter.retry_queue(oracle) == [] and kt_adapter.ongoing(oracle) == {"b": again}
    assert not kt_adapter.unqueue(oracle, trial.trial_id)
    kt_adapter.queue_retry(oracle, trial.trial_id)
    assert kt_adapter.unqueue(oracle, trial.trial_id) and kt_adapter.retry_queue(oracle) == []


def test_duplicates_and_recorded_values(tmp_path):
    oracle = _grid(tmp_path)
    assert not kt_adapter.is_duplicate(oracle, {"units": "1"})
    first = oracle.create_trial("t0")
    assert kt_adapter.is_duplicate(oracle, first.hyperparameters.values)
    assert oracle.create_trial("t1").hyperparameters.values != first.hyperparameters.values
    kt_adapter.reset_bookkeeping(oracle, started=[], ended=[], rerun=[])
    assert not kt_adapter.is_duplicate(oracle, first.hyperparameters.values)
    kt_adapter.record_values(oracle, first)
    assert kt_adapter.is_duplicate(oracle, first.hyperparameters.values), VERSION


def test_end_order_and_the_consecutive_failure_stop(tmp_path):
    oracle = _random(tmp_path, max_consecutive_failed_trials=1)  # Keras Tuner's own stop
    trial = oracle.create_trial("t0")
    trial.status, trial.message = TrialStatus.FAILED, "boom"
    with pytest.raises(RuntimeError, match="consecutive failures"):
        oracle.end_trial(trial)
    assert kt_adapter.end_order(oracle) == [trial.trial_id], VERSION
    kt_adapter.record_ended(oracle, trial.trial_id)
    assert kt_adapter.end_order(oracle) == [trial.trial_id]
    with pytest.raises(RuntimeError, match="boom"):
        kt_adapter.check_consecutive_failures(oracle)
    kt_adapter.check_consecutive_failures(oracle, skip=[trial.trial_id])


def test_display_begin_prints_keras_tuners_trial_header(tmp_path, capsys):
    oracle = _random(tmp_path)
    trial = oracle.create_trial("t0")
    capsys.readouterr()
    oracle.verbose = 1
    kt_adapter.display_begin(oracle, trial)
    assert "Trial" in capsys.readouterr().out, VERSION
    oracle.verbose = 0
    kt_adapter.display_begin(oracle, trial)
    assert capsys.readouterr().out == ""


# === An oracle rebuilt from its files ===

def test_apply_state_and_its_orders(tmp_path):
    before = _random(tmp_path / "a")
    first = before.create_trial("t0")
    before.update_trial(first.trial_id, {"val_loss": 0.5})
    first.status = TrialStatus.COMPLETED
    before.end_trial(first)
    before.create_trial("t1")
    state = json.loads(pathlib.Path(kt_adapter.oracle_file(before)).read_text())
    ids = kt_adapter.start_order(before)
    assert len(ids) == 2 and kt_adapter.state_orders(state) == (ids, [first.trial_id])
    after = _random(tmp_path / "b")
    kt_adapter.apply_state(after, state)
    assert kt_adapter.start_order(after) == ids
    assert kt_adapter.end_order(after) == [first.trial_id]
    assert kt_adapter.ongoing(after) == {}, VERSION  # none running: each reruns or is done
    fresh = _random(tmp_path / "c")
    draws = fresh.populate_space("0")["values"]
    broken = _random(tmp_path / "d")
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        kt_adapter.apply_state(broken, {"not": "an oracle"})
    assert broken.populate_space("0")["values"] == draws  # left as it was


def test_advance_seed_draws_on(tmp_path):
    steady, moved, moved_too = (_random(tmp_path / name) for name in "abc")
    for oracle in (moved, moved_too):
        kt_adapter.advance_seed(oracle, 5)
    draws = [o.populate_space("0")["values"] for o in (steady, moved, moved_too)]
    assert draws[1] == draws[2] != draws[0], VERSION


def test_reset_bookkeeping_reruns_and_ends_the_trials_named(tmp_path):
    oracle = _random(tmp_path)
    done, unfinished = oracle.create_trial("a"), oracle.create_trial("b")
    kt_adapter.reset_bookkeeping(oracle, started=[done.trial_id, unfinished.trial_id],
                                 ended=[done.trial_id], rerun=[unfinished.trial_id])
    assert kt_adapter.ongoing(oracle) == {}
    assert kt_adapter.end_order(oracle) == [done.trial_id]
    assert kt_adapter.is_duplicate(oracle, done.hyperparameters.values)
    assert oracle.create_trial("c").trial_id == unfinished.trial_id, VERSION


def test_hyperband_references(tmp_path):
    oracle = kt.oracles.HyperbandOracle(objective=kt.Objective("val_loss", "min"), max_epochs=3,
                                        hyperparameters=_hp(), seed=0)
    kt_adapter.set_project_dir(oracle, str(tmp_path), "trials")
    trial = oracle.create_trial("t0")
    assert trial.trial_id in kt_adapter.hyperband_references(oracle), VERSION


# === The tuner and the chief/worker protocol ===

def test_the_tuners_file_and_mode(tmp_path, monkeypatch):
    tuner = BaseTuner(_random(tmp_path), directory=str(tmp_path), project_name="trials")
    assert not kt_adapter.is_worker(tuner) and not kt_adapter.has_chief()
    BaseTuner.save(tuner)  # Keras Tuner's own save writes the tuner's file there
    assert kt_adapter.tuner_file(tuner) == os.path.join(str(tmp_path), "trials",
                                                        "tuner0.json"), VERSION
    assert os.path.exists(kt_adapter.tuner_file(tuner))
    for name, value in kt_adapter.chief_environ("127.0.0.1").items():
        monkeypatch.setenv(name, value)
    chief = BaseTuner(_random(tmp_path / "chief"), directory=str(tmp_path / "chief"))
    assert kt_adapter.has_chief() and not kt_adapter.is_worker(chief)
    assert isinstance(chief.oracle, kt.Oracle)  # the chief keeps its oracle


def test_a_worker_calls_the_served_oracle_through_the_channel_given(tmp_path, monkeypatch):
    import grpc

    from keras_zoo.tuning.runtime import wire

    chief = _grid(tmp_path / "chief")
    gate = wire.Gate("right-token", "session-1")
    server, port = kt_adapter.serve(chief, "127.0.0.1", 0, interceptors=(gate.interceptor,))
    try:
        for name, value in kt_adapter.worker_environ("127.0.0.1", port, "worker0").items():
            monkeypatch.setenv(name, value)
        tuner = BaseTuner(_grid(tmp_path / "worker"), directory=str(tmp_path / "worker"))
        assert kt_adapter.is_worker(tuner) and not isinstance(tuner.oracle, kt.Oracle)
        with pytest.raises(grpc.RpcError) as refused:  # Keras Tuner's channel: no token
            tuner.oracle.create_trial("worker0")
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        ids = {"worker": "worker0", "session": "session-1"}
        kt_adapter.use_channel(tuner.oracle, wire.credentials_channel(
            f"127.0.0.1:{port}", "right-token", ids, 10))
        trial = tuner.oracle.create_trial("worker0")
        assert trial.status == TrialStatus.RUNNING, VERSION
        assert kt_adapter.ongoing(chief)["worker0"].trial_id == trial.trial_id
    finally:
        server.stop(0).wait()
