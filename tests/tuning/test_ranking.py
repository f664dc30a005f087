"""Ties on the objective are broken by a second metric, the same way everywhere (issue 23 item
3): the best trial, the model kept, the leaderboard's order, the CLI table and a trial's own
best epoch."""

from __future__ import annotations

import json
import os

import keras
import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import tuning
from keras_zoo.cli import main
from keras_zoo.tuning.ranking import Ranking, resolve_tie_breaker
from keras_zoo.tuning.results import SearchResult
from keras_zoo.zoo.callbacks import TieBreakingEarlyStopping, early_stopping_callback


def _search_dir(tmp_path, trials, **spec):
    """A search directory written by hand: ``trials`` = (id, score, val_loss, kept)."""
    (tmp_path / "search.json").write_text(json.dumps(
        {"objective": "val_accuracy", "direction": "max", "axes": {"units": [1, 2, 3, 4]},
         "state": "finished", "project_name": "trials", **spec}))
    for trial_id, score, val_loss, kept in trials:
        folder = tmp_path / "trials" / f"trial_{trial_id}"
        folder.mkdir(parents=True)
        metrics = {"val_accuracy": score} if val_loss is None else {"val_accuracy": score,
                                                                     "val_loss": val_loss}
        (folder / "result.json").write_text(json.dumps(
            {"trial_id": trial_id, "params": {"units": int(trial_id) + 1},
             "status": "completed" if score is not None else "failed", "score": score,
             "metrics": metrics}))
        if kept:
            (folder / "model.keras").write_bytes(b"a kept model")
    return str(tmp_path)


def test_the_validation_loss_breaks_a_tie_and_orders_the_leaderboard(tmp_path):
    directory = _search_dir(tmp_path, [("0", 1.0, 0.116, False), ("1", 0.9, 0.05, False),
                                       ("2", 1.0, 0.013, True), ("3", None, None, False)],
                            tie_breaker=["val_loss", "min"])
    result = SearchResult.load(directory)
    assert result.best_trial == "2" and result.best_params == {"units": 3}
    assert list(result.leaderboard["trial"]) == ["2", "0", "1", "3"]  # best first, failed last
    assert list(result.completed()["trial"]) == ["2", "0", "1"]
    assert list(result.by_trial()["trial"]) == ["0", "1", "2", "3"]
    assert "best: trial 2" in result.summary()


def test_a_search_written_before_tie_breakers_keeps_its_rule_and_its_best_model(tmp_path):
    """Such a search kept the first tied trial's model: that trial stays the best."""
    directory = _search_dir(tmp_path, [("0", 1.0, 0.5, True), ("1", 1.0, 0.1, False)])
    result = SearchResult.load(directory)
    assert result.best_trial == "0" and result.best_model_path.endswith("model.keras")
    other = tmp_path / "with"
    other.mkdir()
    directory = _search_dir(other, [("0", 1.0, 0.5, False), ("1", 1.0, 0.1, True)],
                            tie_breaker=["val_loss", "min"])
    assert SearchResult.load(directory).best_trial == "1"


def test_resolving_the_tie_breaker():
    assert resolve_tie_breaker("auto", "val_accuracy") == ("val_loss", "min")
    assert resolve_tie_breaker("auto", "val_loss") is None  # the objective is the loss
    assert resolve_tie_breaker("val_auc", "val_accuracy") == ("val_auc", "max")
    assert resolve_tie_breaker(["val_mse", "min"], "val_r2") == ("val_mse", "min")
    with pytest.raises(ValueError, match="another metric than the objective"):
        resolve_tie_breaker("val_accuracy", "val_accuracy")
    with pytest.raises(ValueError, match=r"tie_breaker=\('val_zork', 'max'\)"):
        resolve_tie_breaker("val_zork", "val_accuracy")
    with pytest.raises(TypeError, match="Received: tie_breaker=3"):
        resolve_tie_breaker(3, "val_accuracy")
    ranking = Ranking("max", ("val_loss", "min"))
    assert ranking.better((1.0, 0.01), (1.0, 0.1)) and not ranking.better((1.0, 0.1), (1.0, 0.1))
    assert ranking.better((1.0, None), (0.9, 0.0))  # the objective first
    assert not ranking.better((float("nan"), 0.0), None)


def _drive(stopper, epochs):
    """Run ``stopper`` over ``epochs`` = (val_accuracy, val_loss), the model's one weight set
    to the epoch number at each epoch's end."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, (accuracy, loss) in enumerate(epochs):
        model.set_weights([np.full((1, 1), float(epoch))])
        stopper.on_epoch_end(epoch, {"val_accuracy": accuracy, "val_loss": loss})
        if getattr(model, "stop_training", False):
            break
    stopper.on_train_end()
    return int(model.get_weights()[0][0, 0]), epoch


def test_early_stopping_restores_the_tied_epoch_with_the_lower_loss():
    epochs = [(0.9, 0.5), (1.0, 0.3), (1.0, 0.1), (1.0, 0.2), (1.0, 0.25), (1.0, 0.3)]
    settings = {"monitor": "val_accuracy", "mode": "max", "patience": 2,
                "restore_best_weights": True}
    plain = early_stopping_callback(dict(settings), monitor="val_accuracy")
    assert type(plain) is keras.callbacks.EarlyStopping
    assert _drive(plain, epochs) == (1, 3)  # Keras keeps the first epoch at 1.0
    stopper = early_stopping_callback({**settings, "tie_breaker": ("val_loss", "min")},
                                      monitor="val_accuracy")
    assert isinstance(stopper, TieBreakingEarlyStopping)
    restored, last = _drive(stopper, epochs)
    assert restored == 2 and stopper.best_epoch == 2
    assert last == 4  # the patience counted again from epoch 2


@pytest.fixture(scope="module")
def saturated():
    """breast_cancer: on its 57 validation rows most configurations reach val_accuracy 1.0."""
    return kz.load("breast_cancer", seed=0)


def test_a_search_crowns_the_tied_trial_with_the_lowest_validation_loss(saturated, tmp_path,
                                                                         capsys):
    directory = tmp_path / "s"
    space = {"learning_rate": [0.003, 0.01, 0.03, 0.1]}
    result = tuning.search("ann", saturated, space, epochs=30, hidden_units=(16,),
                           directory=str(directory), verbose=0)
    done = result.completed()
    top = done[done["val_accuracy"] == done["val_accuracy"].max()]
    assert len(top) >= 2, done  # the tie this is about
    lowest = top.loc[top["val_loss"].idxmin()]
    assert result.best_trial == lowest["trial"]
    assert result.best_params == {"learning_rate": lowest["learning_rate"]}
    assert list(done["trial"][:len(top)]) == list(top.sort_values("val_loss")["trial"])
    kept = sorted(p.parent.name for p in (directory / "trials").glob("trial_*/model.keras"))
    assert kept == [f"trial_{result.best_trial}"]  # keep_models="best" kept that one
    reloaded = result.best_model
    loss = reloaded.evaluate(saturated.x_val, saturated.y_val, verbose=0, return_dict=True)
    assert loss["loss"] == pytest.approx(lowest["val_loss"], rel=1e-4)
    # The command line prints the same order, with the tie-breaker's column.
    assert main(["tune", "ann", "--dataset", "breast_cancer", "--set",
                 "learning_rate=0.003,0.01,0.03,0.1", "--set", "hidden_units=[16]",
                 "--epochs", "30", "--quiet", "--directory", str(directory)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("trial"))
    assert "val_loss" in header.split()
    rows = [line.split()[0] for line in out.splitlines()[out.splitlines().index(header) + 2:]
            if line.split() and line.split()[0].isdigit()]
    assert rows[:len(done)] == list(done["trial"])
    assert os.path.exists(result.best_model_path)


def test_the_command_line_sets_or_turns_off_the_tie_breaker_and_refuses_a_bad_one(
        saturated, tmp_path, capsys):
    base = ["tune", "ann", "--dataset", "breast_cancer", "--set", "learning_rate=0.01,0.03",
            "--set", "hidden_units=[4]", "--epochs", "2", "--quiet"]
    assert main([*base, "--directory", str(tmp_path / "none"), "--tie-breaker", "none"]) == 0
    assert json.loads((tmp_path / "none" / "search.json").read_text())["tie_breaker"] is None
    assert main([*base, "--directory", str(tmp_path / "auc"), "--tie-breaker", "loss:min"]) == 0
    spec = json.loads((tmp_path / "auc" / "search.json").read_text())
    assert spec["tie_breaker"] == ["loss", "min"]
    header = next(line for line in capsys.readouterr().out.splitlines()[::-1]
                  if line.startswith("trial"))
    assert "loss" in header.split()
    assert main([*base, "--directory", str(tmp_path / "bad"), "--tie-breaker", "val_zork"]) == 2
    err = capsys.readouterr().err
    assert "val_zork:max" in err and "Received: tie_breaker='val_zork'" in err
    with pytest.raises(ValueError, match="tie_breaker 'val_aucc' is not a metric this model "
                                         "logs.*Received: tie_breaker='val_aucc'"):
        tuning.search("ann", saturated, {"learning_rate": [0.01]}, epochs=1,
                      tie_breaker=("val_aucc", "max"), directory=str(tmp_path / "x"), verbose=0)
    assert not (tmp_path / "x").exists() and not (tmp_path / "bad").exists()
