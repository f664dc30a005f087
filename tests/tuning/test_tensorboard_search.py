"""search(tensorboard=True): one TensorBoard run per trial with its hyperparameters in the
HParams plugin's format, read back with TensorBoard's event reader."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest
from tensorboard.plugins.hparams import api_pb2

from keras_zoo import cli, tuning
from keras_zoo.base.errors import InputTypeError
from keras_zoo.tuning.space import Space
from keras_zoo.tuning.trial.tensorboard import TrialBoard, hparam_value
from tests.case import read_tensorboard, scalars

SPACE = {"hidden_units": [(8,), (8, 4)], "learning_rate": [0.01, 0.05]}


def _session(events, kind):
    return [data for _, _, data, plugin in events
            if plugin == "hparams" and data.HasField(kind)]


@pytest.mark.every_backend
def test_every_trial_is_a_run_with_its_hyperparameters(iris, tmp_path):
    directory = tmp_path / "s"
    result = tuning.search("ann", iris, SPACE, epochs=3, tensorboard=True,
                           directory=str(directory), verbose=0)
    assert result.spec["tensorboard"] is True
    runs = read_tensorboard(directory / "tensorboard")

    experiment = _session(runs["."], "experiment")[-1].experiment
    domains = {h.name: h for h in experiment.hparam_infos}
    assert set(domains) == set(SPACE)
    assert [v.string_value for v in domains["hidden_units"].domain_discrete.values] == [
        "(8, 4)", "(8,)"]  # tuples as text
    assert [v.number_value for v in domains["learning_rate"].domain_discrete.values] == [
        0.01, 0.05]
    metrics = [(m.name.group, m.name.tag) for m in experiment.metric_infos]
    assert metrics[:2] == [("", "trial_score"), ("validation", "epoch_accuracy")]

    board = result.leaderboard
    assert len(board) == 4
    for _, row in board.iterrows():
        trial = f"trial_{row['trial']}/execution0"
        start = _session(runs[trial], "session_start_info")[0].session_start_info
        assert start.group_name == str(row["trial"])
        assert start.hparams["hidden_units"].string_value == str(row["hidden_units"])
        assert start.hparams["learning_rate"].number_value == pytest.approx(
            row["learning_rate"])
        end = _session(runs[trial], "session_end_info")[0].session_end_info
        assert end.status == api_pb2.STATUS_SUCCESS
        assert scalars(runs[trial], "trial_score") == [(0, pytest.approx(row["val_accuracy"]))]
        with open(os.path.join(result.project_dir, f"trial_{row['trial']}", "result.json")) as f:
            history = json.load(f)["history"]["val_accuracy"]
        curve = [v for _, v in scalars(runs[f"{trial}/validation"], "epoch_accuracy")]
        np.testing.assert_allclose(curve, history, rtol=1e-6)
        assert len(scalars(runs[f"{trial}/train"], "epoch_loss")) == len(history)

    again = tuning.search("ann", iris, SPACE, epochs=3, tensorboard=True,
                          directory=str(directory), verbose=0)  # resumed: nothing runs again
    assert len(again.leaderboard) == 4
    reread = read_tensorboard(directory / "tensorboard")
    assert {run: events for run, events in reread.items() if run != "."} == {
        run: events for run, events in runs.items() if run != "."}


@pytest.mark.every_backend
def test_a_failed_trial_ends_its_session_as_failed_and_executions_are_sessions(iris, tmp_path):
    directory = tmp_path / "f"
    result = tuning.search("ann", iris, {"learning_rate": [0.01, 1e30]}, hidden_units=(4,),
                           optimizer="sgd", batch_size=16, epochs=2, early_stopping=False,
                           executions_per_trial=2, tensorboard=True, directory=str(directory),
                           verbose=0)
    board = result.leaderboard.set_index("learning_rate")
    assert board.loc[1e30, "status"] == "failed"  # the loss diverged (to NaN on every backend;
    # at 1e12 JAX's clipped cross-entropy stays finite)
    runs = read_tensorboard(directory / "tensorboard")
    for lr, status, executions in ((0.01, api_pb2.STATUS_SUCCESS, 2),
                                   (1e30, api_pb2.STATUS_FAILURE, 1)):
        trial = board.loc[lr, "trial"]
        sessions = [run for run in runs if run.startswith(f"trial_{trial}/execution")
                    and "/" not in run.split("/", 1)[1]]
        assert len(sessions) == executions  # a failed first execution ends the trial
        for run in sessions:
            assert _session(runs[run], "session_start_info")[0].session_start_info.group_name \
                == str(trial)  # both executions in the trial's group
            assert _session(runs[run], "session_end_info")[0].session_end_info.status == status
    scores = [v for run in runs if run.startswith(f"trial_{board.loc[0.01, 'trial']}/execution")
              for _, v in scalars(runs[run], "trial_score")]
    assert np.mean(scores) == pytest.approx(board.loc[0.01, "val_accuracy"])  # the mean of both
    assert not any(scalars(runs[run], "trial_score") for run in runs
                   if run.startswith(f"trial_{board.loc[1e30, 'trial']}/"))


@pytest.mark.every_backend
def test_a_trial_run_again_replaces_its_logs(tmp_path):
    trial_dir = tmp_path / "s" / "trials" / "trial_3"
    stale = tmp_path / "s" / "tensorboard" / "trial_3" / "execution0" / "events.out.tfevents.1"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"from an interrupted run")
    space = Space.parse(SPACE, "grid")
    board = TrialBoard(str(trial_dir), "3", space, {"hidden_units": "(8, 4)",
                                                    "learning_rate": 0.05})
    assert not stale.exists()
    assert board.hparams == {"hidden_units": "(8, 4)", "learning_rate": 0.05}
    names = [type(c).__name__ for c in board.callbacks(1)]
    assert names == ["TensorBoard", "HParamsSession"]
    assert board.callbacks(1)[0].log_dir == str(stale.parent.parent / "execution1")


@pytest.mark.every_backend
def test_values_hparams_cannot_hold_are_text():
    space = Space.parse({"dropout": [None, 0.1], "units": [8, 16], "rate": [1, 0.5],
                         "act": ["relu", "elu"], "flag": [True, False],
                         "lr": {"min": 1e-4, "max": 1e-2, "sampling": "log"}}, "random")
    axes = space.axes
    assert hparam_value(axes["dropout"], None) == "None"
    assert hparam_value(axes["units"], 8) == 8
    assert hparam_value(axes["rate"], 1) == 1.0 and isinstance(hparam_value(axes["rate"], 1), float)
    assert hparam_value(axes["flag"], True) is True
    assert hparam_value(axes["lr"], 0.003) == 0.003
    numpy_choice = Space.parse({"rate": list(np.linspace(0.1, 0.3, 3))}, "grid").axes["rate"]
    assert type(hparam_value(numpy_choice, np.float64(0.2))) is float  # a number, not text


@pytest.mark.every_backend
def test_tensorboard_must_be_a_bool_and_travels_with_the_job(iris, tmp_path):
    with pytest.raises(InputTypeError, match="`tensorboard` must be True or False"):
        tuning.search("ann", iris, SPACE, tensorboard="yes", directory=str(tmp_path), verbose=0)
    from keras_zoo.tuning.runtime import wire
    from keras_zoo.tuning.trial.job import TrialJob

    job = TrialJob("ann", tuning.engine.checks.resolve_factory("ann")[1],
                   Space.parse(SPACE, "grid"), {}, iris, "val_accuracy", "max", tensorboard=True)
    assert pickle.loads(pickle.dumps(job)).tensorboard is True  # worker processes
    header, payload = wire.encode_job(job)
    assert wire.decode_job(header, payload).tensorboard is True  # workers on other machines


@pytest.mark.every_backend
def test_cli_tune_tensorboard(tmp_path, capsys):
    directory = tmp_path / "c"
    assert cli.main(["tune", "ann", "--dataset", "iris", "--set", "learning_rate=0.01,0.05",
                     "--set", "hidden_units=[8]", "--epochs", "2", "--tensorboard", "--quiet",
                     "--directory", str(directory)]) == 0
    assert f"tensorboard --logdir {directory}" in capsys.readouterr().out
    runs = read_tensorboard(directory)
    assert {"tensorboard/trial_0/execution0/validation",
            "tensorboard/trial_1/execution0/validation"} <= set(runs)
