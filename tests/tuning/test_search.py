"""search(): the grid once, random with a seed, failures, resume, results, workers."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo import tuning
from keras_zoo.tuning import SearchError
from keras_zoo.tuning.ranking import infer_direction


@pytest.fixture(scope="module")
def data():
    return kz.load("iris", seed=0)


def _params(result, keys):
    return [tuple(row[k] for k in keys) for _, row in result.leaderboard.iterrows()]


@pytest.mark.every_backend
def test_grid_covers_the_product_exactly_once(data, tmp_path):
    space = {"activation": ["relu", "tanh"], "hidden_units": [(8,), (8, 4)],
             "learning_rate": [0.01, 0.05]}
    result = tuning.search("ann", data, space, epochs=2, directory=str(tmp_path / "s"),
                           verbose=0)
    board = result.leaderboard
    assert len(board) == 8 and (board["status"] == "completed").all()
    expected = set(itertools.product(*space.values()))
    assert set(_params(result, list(space))) == expected
    columns = {"trial", "status", "activation", "hidden_units", "learning_rate", "val_accuracy",
               "val_loss", "accuracy", "loss", "epochs_run", "best_epoch", "seconds", "device",
               "worker", "error"}
    assert columns <= set(board.columns)
    assert board["device"].eq("/CPU:0").all()
    assert os.path.exists(tmp_path / "s" / "leaderboard.csv")
    again = pd.read_csv(result.to_csv())
    assert len(again) == 8


@pytest.mark.every_backend
def test_a_searched_loss_keeps_its_column_next_to_the_training_loss(tmp_path):
    data = kz.load("diabetes", seed=0)
    result = tuning.search("ann", data, {"loss": ["mse", {"name": "huber", "delta": 50.0}]},
                           epochs=2, directory=str(tmp_path / "l"), verbose=0)
    board = result.by_trial()  # the leaderboard is best first
    assert board["loss"].tolist() == ["mse", {"name": "huber", "delta": 50.0}]
    assert board["train_loss"].map(np.isfinite).all()
    assert result.objective == "val_loss" and "val_loss" in board


@pytest.mark.every_backend
def test_random_search_is_reproducible_under_a_seed(data, tmp_path):
    space = {"learning_rate": {"min": 1e-3, "max": 1e-1, "sampling": "log"},
             "hidden_units": [(4,), (8,), (16,)]}
    runs = [tuning.search("ann", data, space, strategy="random", max_trials=2, epochs=1,
                          seed=seed, directory=str(tmp_path / f"r{i}"), verbose=0)
            for i, seed in enumerate([7, 7, 8])]
    a, b, c = (_params(r, ["learning_rate", "hidden_units"]) for r in runs)
    assert a == b
    assert a != c
    assert len(set(a)) == 2


@pytest.mark.every_backend
def test_tuples_and_fit_keywords_are_tuned(data, tmp_path):
    result = tuning.search("ann", data, {"hidden_units": [(4,), (6, 3)], "batch_size": [16, 64],
                                         "epochs": [2, 3]},
                           early_stopping=False, directory=str(tmp_path / "t"), verbose=0)
    board = result.leaderboard
    assert len(board) == 8
    assert set(board["hidden_units"]) == {(4,), (6, 3)}
    # The `epochs` axis reached training (no early stopping: every trial ran its epochs).
    assert (board["epochs_run"] == board["epochs"]).all()
    assert set(board["epochs"]) == {2, 3}
    assert result.best_params["hidden_units"] in {(4,), (6, 3)}


@pytest.mark.every_backend
def test_best_model_reloads_and_reproduces_the_best_score(data, tmp_path):
    result = tuning.search("ann", data, {"learning_rate": [0.003, 0.03]}, epochs=8,
                           directory=str(tmp_path / "b"), verbose=0)
    model = result.best_model
    score = model.evaluate(data.x_val, data.y_val, verbose=0, return_dict=True)["accuracy"]
    assert score == pytest.approx(result.best_score, abs=1e-6)
    kept = [f for _, _, files in os.walk(tmp_path / "b") for f in files if f == "model.keras"]
    assert len(kept) == 1  # keep_models="best": disk use does not grow with trials


@pytest.mark.every_backend
def test_regression_objective_and_directions():
    assert infer_direction("val_accuracy") == "max"
    assert infer_direction("val_loss") == "min"
    assert infer_direction("val_f1_score") == "max"  # Keras Tuner infers "min" here
    assert infer_direction("val_r2_score") == "max"
    assert infer_direction("val_r2") == "max"
    assert infer_direction("val_mean_absolute_error") == "min"
    with pytest.raises(ValueError, match="maximise or minimise"):
        infer_direction("val_zork")


@pytest.mark.every_backend
def test_regression_search_minimises_val_loss(tmp_path):
    data = kz.load("diabetes", seed=0)
    result = tuning.search("ann", data, {"learning_rate": [1e-4, 1e-2, 1e-1]}, epochs=3,
                           directory=str(tmp_path / "reg"), verbose=0)
    # A regression's default objective is val_loss, minimised.
    assert result.objective == "val_loss" and result.direction == "min"
    assert result.spec["direction"] == "min"
    board = result.leaderboard
    assert (board["status"] == "completed").all() and board["val_loss"].nunique() == 3
    lowest = board.loc[board["val_loss"].idxmin()]
    assert result.best_trial == lowest["trial"]
    assert result.best_score == board["val_loss"].min()
    assert result.best_params == {"learning_rate": lowest["learning_rate"]}
    assert result.completed()["trial"].iloc[0] == lowest["trial"]  # best first: lowest first


def bad_loss(y_true, y_pred):
    raise RuntimeError("deliberate failure in the loss")


def flaky_ann(input_dim=None, *, task=None, num_classes=None, normalization=None, mode="ok",
              learning_rate=None, seed=None):
    """ann, but mode="fail..." compiles a loss that raises when training starts."""
    model = kz.zoo.ann(input_dim, task=task, num_classes=num_classes, normalization=normalization,
                       hidden_units=(4,), learning_rate=learning_rate, seed=seed)
    if mode.startswith("fail"):
        model.compile(optimizer="adam", loss=bad_loss, metrics=["accuracy"])
    return model


@pytest.mark.every_backend
def test_failed_trials_are_recorded_and_the_search_goes_on(data, tmp_path):
    result = tuning.search(flaky_ann, data, {"mode": ["ok", "fail", "ok again"]}, epochs=2,
                           directory=str(tmp_path / "f"), verbose=0, max_consecutive_failures=3)
    board = result.leaderboard.set_index("mode")
    assert board.loc["fail", "status"] == "failed"
    assert "deliberate failure in the loss" in board.loc["fail", "error"]
    assert (result.leaderboard["status"] == "completed").sum() == 2


@pytest.mark.every_backend
def test_consecutive_failures_stop_with_a_clear_message(data, tmp_path):
    with pytest.raises(SearchError, match=r"3 trial\(s\) failed in a row.*deliberate failure"):
        tuning.search(flaky_ann, data, {"mode": ["ok", "fail1", "fail2", "fail3", "fail4"]},
                      epochs=1,
                      directory=str(tmp_path / "c"), verbose=0)
    kept = tuning.SearchResult.load(str(tmp_path / "c"))
    assert (kept.leaderboard["status"] == "completed").sum() == 1  # nothing lost


@pytest.mark.every_backend
def test_nan_loss_fails_the_trial(data, tmp_path):
    # 1e30 overflows the weights on every backend (at 1e12 PyTorch's clipped crossentropy stays
    # finite on a saturated softmax while TensorFlow's goes NaN).
    result = tuning.search("ann", data, {"learning_rate": [0.01, 1e30]}, optimizer="minibatch_sgd",
                           epochs=3, directory=str(tmp_path / "n"), verbose=0)
    board = result.leaderboard.set_index("learning_rate")
    assert board.loc[1e30, "status"] == "failed"
    assert "NaN" in board.loc[1e30, "error"]
    assert board.loc[0.01, "status"] == "completed"


@pytest.mark.every_backend
@pytest.mark.parametrize("space,kwargs,needle", [
    ({"hiden_units": [(4,)]}, {}, "Did you mean 'hidden_units'"),
    ({"activation": []}, {}, "empty list"),
    ({"dropout": {"min": 0.4, "max": 0.1, "step": 0.1}}, {}, "min > max"),
    ({"activation": ["relu", "rellu"]}, {}, r"space\['activation'\] = 'rellu' is rejected.*"
                                             "Did you mean 'relu'"),
    ({"batch_size": [32, 0]}, {}, "positive integers"),
    ({"activation": ["relu"]}, {"objective": "val_f1"}, "not a metric this model logs"),
    ({"activation": ["relu"]}, {"strategy": "grud"}, "Did you mean 'grid'"),
    ({"activation": ["relu"]}, {"dropout": 3.0}, "cannot be built"),
    ({"activation": ["relu"]}, {"max_consecutive_failures": 0},
     r"`max_consecutive_failures` must be an integer >= 1\. Received: max_consecutive_failures=0"),
    ({"activation": ["relu"]}, {"max_trials": 2.5}, r"`max_trials` must be a positive integer"),
    ({"activation": ["relu"]}, {"trials_per_process": 0}, "`trials_per_process` must be"),
])
def test_bad_specs_fail_before_the_first_trial(data, tmp_path, space, kwargs, needle):
    directory = tmp_path / "bad"
    with pytest.raises(ValueError, match=needle):
        tuning.search("ann", data, space, directory=str(directory), verbose=0, **kwargs)
    assert not (directory / "trials").exists()


@pytest.mark.every_backend
def test_settings_of_the_wrong_type_are_refused_before_anything_runs(data, tmp_path):
    directory = tmp_path / "bad"
    for kwargs, needle in [({"retry_failed": "yes"}, "`retry_failed` must be True or False"),
                           ({"directory": 3}, "`directory` must be a path"),
                           ({"strategy": tuning.GridStrategy}, "not the class")]:
        with pytest.raises(TypeError, match=needle):
            tuning.search("ann", data, {"activation": ["relu"]}, verbose=0,
                          **{"directory": str(directory), **kwargs})
    assert not directory.exists()


def test_a_directory_holding_another_search_is_refused(data, tmp_path):
    directory = str(tmp_path / "d")
    tuning.search("ann", data, {"activation": ["relu"]}, epochs=1, directory=directory, verbose=0)
    with pytest.raises(ValueError, match="holds a different search"):
        tuning.search("ann", data, {"activation": ["tanh"]}, epochs=1, directory=directory,
                      verbose=0)
    with pytest.raises(ValueError, match="already holds this search"):
        tuning.search("ann", data, {"activation": ["relu"]}, epochs=1, directory=directory,
                      resume=False, verbose=0)
    result = tuning.search("ann", data, {"activation": ["tanh"]}, epochs=1, directory=directory,
                           overwrite=True, verbose=0)
    assert list(result.leaderboard["activation"]) == ["tanh"]


@pytest.mark.every_backend
def test_resume_with_a_larger_max_trials_runs_the_extra_trials(data, tmp_path):
    directory = str(tmp_path / "m")
    space = {"learning_rate": {"min": 1e-3, "max": 1e-1, "sampling": "log"}}
    first = tuning.search("ann", data, space, strategy="random", max_trials=2, epochs=1,
                          directory=directory, verbose=0)
    second = tuning.search("ann", data, space, strategy="random", max_trials=4, epochs=1,
                           directory=directory, verbose=0)
    assert len(first.leaderboard) == 2 and len(second.leaderboard) == 4
    assert list(second.by_trial()["learning_rate"][:2]) == list(first.by_trial()["learning_rate"])


@pytest.mark.every_backend
def test_half_started_trial_is_dropped_on_resume(data, tmp_path):
    """A kill between writing a new trial and the oracle's state leaves an orphan trial file."""
    directory = tmp_path / "h"
    space = {"learning_rate": [0.01, 0.02, 0.03]}
    tuning.search("ann", data, space, epochs=1, directory=str(directory), max_trials=1, verbose=0)
    orphan = directory / "trials" / "trial_1"
    orphan.mkdir()
    state = json.loads((directory / "trials" / "trial_0" / "trial.json").read_text())
    state.update({"trial_id": "1", "status": "RUNNING", "score": None})
    (orphan / "trial.json").write_text(json.dumps(state))
    result = tuning.search("ann", data, space, epochs=1, directory=str(directory), verbose=0)
    assert len(result.leaderboard) == 3
    assert sorted(result.leaderboard["learning_rate"]) == [0.01, 0.02, 0.03]
    assert (result.leaderboard["status"] == "completed").all()


RESUME_SCRIPT = textwrap.dedent("""
    import sys
    import keras_zoo as kz
    kz.tuning.search("ann", "iris", {"learning_rate": [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]},
                     hidden_units=(16,), epochs=25, early_stopping=False, directory=sys.argv[1],
                     verbose=0)
""")


def _completed(directory) -> int:
    n = 0
    trials = os.path.join(directory, "trials")
    for name in os.listdir(trials) if os.path.isdir(trials) else []:
        path = os.path.join(trials, name, "result.json")
        if os.path.exists(path):
            with open(path) as handle:
                n += json.load(handle).get("status") == "completed"
    return n


@pytest.mark.large
@pytest.mark.every_backend
def test_a_killed_search_resumes_without_losing_or_repeating_trials(tmp_path):
    directory = str(tmp_path / "k")
    script = tmp_path / "run.py"
    script.write_text(RESUME_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), directory])
    deadline = time.monotonic() + 240
    while _completed(directory) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the search finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)  # kill -9, mid-search
    proc.wait()
    done_before = _completed(directory)
    assert 2 <= done_before < 6
    subprocess.run([sys.executable, str(script), directory], check=True, timeout=300)
    result = tuning.SearchResult.load(directory)
    board = result.leaderboard
    assert len(board) == 6
    assert (board["status"] == "completed").all()
    assert sorted(board["learning_rate"]) == [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]


@pytest.mark.large
@pytest.mark.every_backend
def test_two_workers_on_localhost_finish_the_grid_exactly_once(data, tmp_path, monkeypatch):
    # The worker process unpickles `flaky_ann` from this module.
    # by its file's folder, or as tests.tuning.<module> once a test imported `tests` (pytest's
    # importlib mode then names it so): both on the path
    here = os.path.dirname(os.path.abspath(__file__))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [here, os.path.dirname(os.path.dirname(here)), os.environ.get("PYTHONPATH", "")]))
    # search() waits for the worker process to be ready (TensorFlow imported) before handing out
    # trials, so both workers take part.
    space = {"learning_rate": [0.01, 0.02, 0.03, 0.04], "mode": ["ok", "fail"]}
    result = tuning.search(flaky_ann, data, space, epochs=20, early_stopping=False, workers=2,
                           batch_size=16, max_consecutive_failures=8,
                           directory=str(tmp_path / "w"), verbose=0)
    board = result.leaderboard
    assert len(board) == 8
    assert set(_params(result, list(space))) == set(itertools.product(*space.values()))
    assert set(board["worker"]) == {"worker0", "worker1"}  # both workers ran trials
    failed = board[board["mode"] == "fail"]
    assert (failed["status"] == "failed").all() and (board["mode"] == "ok").sum() == 4
    # Keras Tuner drops a failed trial's message between worker and chief; ours keeps it.
    assert failed["error"].str.contains("deliberate failure in the loss").all()


@pytest.mark.every_backend
@pytest.mark.tensorflow_only("MirroredStrategy is tf.distribute (refused elsewhere: test_devices)")
def test_mirrored_placement_on_logical_cpus(data, tmp_path):
    result = tuning.search("ann", data, {"learning_rate": [0.01, 0.05]}, epochs=2,
                           devices=["/CPU:0", "/CPU:1"], multi_device="mirrored",
                           directory=str(tmp_path / "mir"), verbose=0)
    assert (result.leaderboard["device"] == "/CPU:0+/CPU:1").all()
    assert (result.leaderboard["status"] == "completed").all()


@pytest.mark.every_backend
@pytest.mark.skipif(keras.backend.backend() == "torch", reason="PyTorch has one CPU device")
def test_explicit_device_placement_is_recorded(data, tmp_path):
    result = tuning.search("ann", data, {"learning_rate": [0.01]}, epochs=1, devices=["/CPU:1"],
                           directory=str(tmp_path / "dev"), verbose=0)
    assert result.leaderboard["device"].tolist() == ["/CPU:1"]


@pytest.mark.every_backend
def test_plot_writes_a_png(data, tmp_path):
    result = tuning.search("ann", data, {"activation": ["relu", "tanh"],
                                         "learning_rate": [0.01, 0.1]},
                           epochs=1, directory=str(tmp_path / "p"), verbose=0)
    path = result.plot()
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "best:" in result.summary()


@pytest.mark.every_backend
def test_progress_lines(data, tmp_path, capfd):
    tuning.search("ann", data, {"learning_rate": [0.01, 0.1]}, epochs=1,
                  directory=str(tmp_path / "v"), verbose=1)
    err = capfd.readouterr().err
    assert "[1/2] trial " in err and "[2/2] trial " in err and "best" in err
    # The id on each line is the leaderboard's trial id (and the trials/trial_<id> folder).
    ids = set(re.findall(r"\] trial (\S+)", err))
    assert ids == {str(t) for t in tuning.SearchResult.load(str(tmp_path / "v")).leaderboard["trial"]}


@pytest.mark.every_backend
def test_memory_is_released_between_trials(data, tmp_path):
    """No Keras graph state accumulates: the backend session is cleared around every trial."""
    tuning.search("ann", data, {"learning_rate": [0.01, 0.02, 0.03]}, epochs=1,
                  directory=str(tmp_path / "mem"), verbose=0)
    # After a search, the next auto-generated layer name starts from scratch again.
    assert keras.layers.Dense(1).name == "dense"
    assert np.isfinite(0.0)


@pytest.mark.every_backend
@pytest.mark.parametrize("strategy", ["bayesian", "hyperband"])
def test_other_keras_tuner_strategies(data, tmp_path, strategy):
    space = {"learning_rate": {"min": 1e-3, "max": 1e-1, "sampling": "log"},
             "activation": ["relu", "tanh"]}
    # Hyperband's brackets set its trial count (epochs=3, factor 3: 5 trials); max_trials caps it.
    result = tuning.search("ann", data, space, strategy=strategy,
                           max_trials=3 if strategy == "bayesian" else None, epochs=3,
                           directory=str(tmp_path / strategy), verbose=0)
    board = result.leaderboard
    assert len(board) >= 3 and (board["status"] == "completed").all()
    assert board["learning_rate"].between(1e-3, 1e-1).all()
    if strategy == "hyperband":  # later brackets continue earlier trials for more epochs
        assert board["epochs_run"].max() > board["epochs_run"].min()
        capped = tuning.search("ann", data, space, strategy=strategy, max_trials=2, epochs=3,
                               directory=str(tmp_path / "capped"), verbose=0)
        assert len(capped.leaderboard) == 2 < len(board)


@pytest.mark.every_backend
def test_hyperband_on_a_small_space_trains_its_best_configuration_fully(data, tmp_path,
                                                                       caplog):
    """Issue 23 item 7: 4 configurations where Hyperband's first round (epochs=9) wants 9.
    Keras Tuner stopped when the space ran out: every trial, the best too, had 1 epoch."""
    space = {"activation": ["relu", "tanh"], "learning_rate": [0.01, 0.1]}
    directory = tmp_path / "hb"
    with caplog.at_level("WARNING", logger="keras_zoo.tuning.oracles.kt_adapter"):
        result = tuning.search("ann", data, space, strategy="hyperband", epochs=9,
                               early_stopping=False, directory=str(directory), verbose=0)
    budgets = {}  # trial -> (epochs it was trained to, the trial it continued)
    for path in (directory / "trials").glob("trial_*/trial.json"):
        values = json.loads(path.read_text())["hyperparameters"]["values"]
        budgets[path.parent.name[len("trial_"):]] = (values["tuner/epochs"],
                                                     values.get("tuner/trial_id"))
    assert sorted(e for e, _ in budgets.values()) == [1, 1, 1, 1, 3, 3, 9]  # halving: 4, 2, 1
    final = next(t for t, (e, _) in budgets.items() if e == 9)
    assert budgets[budgets[final][1]][0] == 3  # it continued a 3-epoch trial
    board = result.leaderboard.set_index("trial")
    assert board.loc[final, "epochs_run"] == 9 - 3 and (board["status"] == "completed").all()
    assert "strategy='grid'" in caplog.text and "wanted 9 (it has 4)" in caplog.text


@pytest.mark.every_backend
@pytest.mark.parametrize("model,dataset,space", [
    ("cnn", ("digits_images", {}), {"filters": [(8,), (8, 16)], "pooling": ["max", "min"]}),
    pytest.param("lstm", ("word_order", {"n": 300}), {"units": [8, 16]},
                 marks=pytest.mark.tensorflow_only("a raw-text dataset: its model holds "
                                                   "string tensors")),
    ("seq2seq", ("reversal", {"n": 200}), {"attention": ["bahdanau", "luong"]}),
])
def test_every_family_joins_the_search(tmp_path, model, dataset, space):
    """Families search through the same code path: the Dataset's model_kwargs build them."""
    name, options = dataset
    data = kz.load(name, seed=0, **options)
    result = tuning.search(model, data, space, epochs=1, directory=str(tmp_path / model),
                           verbose=0)
    board = result.leaderboard
    assert (board["status"] == "completed").all()
    assert len(board) == int(np.prod([len(v) for v in space.values()]))
    if model == "seq2seq":
        assert result.objective == "val_sequence_accuracy"  # whole sequences, not tokens
    assert result.best_model is not None


@pytest.mark.every_backend
def test_a_table_with_gaps_and_text_is_searched_with_class_weights(tmp_path):
    from tests.zoo.test_table import NEW_ROWS, customers

    path = tmp_path / "customers.csv"
    customers(300).to_csv(path, index=False)
    data = kz.datasets.from_csv(path, target="churn", seed=0)
    weights = [None, "balanced", {"yes": 4.0, "no": 1.0}]  # keys: the dataset's class names
    result = tuning.search("ann", data, {"class_weight": weights}, epochs=3,
                           early_stopping=False, hidden_units=(8,),
                           directory=str(tmp_path / "s"), verbose=0)
    board = result.leaderboard
    assert len(board) == 3
    def canonical(values):  # a dict's key order is not part of its value
        return sorted(json.dumps(v, sort_keys=True) for v in values)

    assert canonical(board["class_weight"]) == canonical(weights)
    # the weights reached training: same seed, same data, three different training losses
    assert board["loss"].nunique() == 3
    model = result.best_model  # a TableModel: raw rows in, class names out, after the reload
    assert type(model).__name__ == "TableModel"
    assert set(model.predict_classes(NEW_ROWS)) <= {"no", "yes"}
    for bad, needle in (("even", "must be 'balanced', a dict"),
                        ({"maybe": 1.0}, "'maybe' is not a class of 'customers'")):
        with pytest.raises(ValueError, match=needle):
            tuning.search("ann", data, {"hidden_units": [(4,)]}, class_weight=bad, epochs=1,
                          directory=str(tmp_path / "bad"), verbose=0)
    with pytest.raises(ValueError, match="applies to single-label classification"):
        tuning.search("ann", "diabetes", {"class_weight": [None, "balanced"]}, epochs=1,
                      directory=str(tmp_path / "reg"), verbose=0)


def test_class_weight_keys_are_ids_when_integers_and_names_when_text():
    from keras_zoo.tuning.trial.job import class_weight_by_name, class_weight_for

    frame = pd.DataFrame({"x": np.arange(40.0), "y": [1, 2] * 20})
    data = kz.datasets.from_dataframe(frame, target="y", seed=0)  # classes "1", "2"
    assert class_weight_for({0: 1.0, 1: 5.0}, data) == {0: 1.0, 1: 5.0}
    assert class_weight_for({"1": 1.0, "2": 5.0}, data) == {0: 1.0, 1: 5.0}
    assert class_weight_by_name({0: 1.0, 1: 5.0}, data) == {"1": 1.0, "2": 5.0}
    with pytest.raises(ValueError, match="two keys name class 0"):
        class_weight_for({0: 1.0, "1": 2.0}, data)
