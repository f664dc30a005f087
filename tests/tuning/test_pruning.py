"""Pruning (issue 11): the median and ASHA rules, and searches that stop bad trials early."""

from __future__ import annotations

import glob
import json
import os

import pytest

import keras_zoo as kz
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning import AshaPruner, HyperbandStrategy, MedianPruner, SearchResult
from keras_zoo.tuning.oracles import recovery
from keras_zoo.tuning.oracles.pruning import make_pruner

# --- the rules, on hand-made curves -------------------------------------------------------------


@pytest.mark.every_backend
def test_median_waits_for_its_warmup_epochs_and_trials():
    rule = MedianPruner(warmup_epochs=3, warmup_trials=2)
    others = [[0.8, 0.85, 0.9, 0.9], [0.7, 0.8, 0.88, 0.9]]
    bad = [0.1, 0.1, 0.1]
    assert not rule.should_stop(bad[:2], others, "max")  # epoch 2 < warm-up of 3 epochs
    assert rule.should_stop(bad, others, "max")  # epoch 3: below the median 0.89
    assert not rule.should_stop(bad, others[:1], "max")  # only one other trial at epoch 3
    assert not rule.should_stop(bad, [[0.9, 0.9], [0.9, 0.9]], "max")  # none reached epoch 3


@pytest.mark.every_backend
def test_median_compares_scores_so_far_at_the_same_epoch():
    rule = MedianPruner(warmup_epochs=1, warmup_trials=3)
    others = [[0.5, 0.6, 0.9], [0.5, 0.7, 0.9], [0.5, 0.8, 0.9]]
    assert not rule.should_stop([0.4, 0.7], others, "max")  # median at epoch 2 is 0.7: not worse
    assert rule.should_stop([0.4, 0.69], others, "max")
    # the best value so far counts (early stopping keeps the best epoch's weights) ...
    assert not rule.should_stop([0.75, 0.1], others, "max")
    # ... or the last one, without early stopping
    rule.running_best = False
    assert rule.should_stop([0.75, 0.1], others, "max")


@pytest.mark.every_backend
def test_median_minimises_losses():
    rule = MedianPruner(warmup_epochs=1, warmup_trials=2)
    others = [[1.0, 0.5], [1.2, 0.6]]
    assert rule.should_stop([2.0, 0.9], others, "min")
    assert not rule.should_stop([2.0, 0.4], others, "min")


@pytest.mark.every_backend
def test_asha_rungs_keep_the_best_fraction():
    rule = AshaPruner(min_epochs=2, reduction_factor=3)
    assert [e for e in range(1, 30) if rule.is_rung(e)] == [2, 6, 18]
    others = [[0.1, 0.9], [0.1, 0.8], [0.1, 0.7], [0.1, 0.6], [0.1, 0.5]]
    # 6 trials at rung 2 (with this one): the best 6 // 3 = 2 continue
    assert not rule.should_stop([0.1, 0.85], others, "max")
    assert rule.should_stop([0.1, 0.75], others, "max")
    assert not rule.should_stop([0.1, 0.1, 0.1], others, "max")  # epoch 3 is no rung
    # asynchronous: with fewer than reduction_factor trials at a rung only the best goes on
    assert not rule.should_stop([0.1, 0.3], [], "max")  # the first trial there
    assert rule.should_stop([0.1, 0.3], [[0.1, 0.4]], "max")
    assert not rule.should_stop([0.1, 0.3], [[0.1, 0.2]], "max")
    assert rule.should_stop([5.0, 5.0], [[1.0, 1.0]], "min")


@pytest.mark.every_backend
def test_bad_pruner_names_and_settings_are_refused():
    with pytest.raises(InputValueError, match=r"`pruner` must be one of 'median', 'asha' or None"
                                              r"\. Received: pruner='mediam'"):
        make_pruner("mediam")
    with pytest.raises(InputValueError, match="Hyperband already stops trials early"):
        HyperbandStrategy().check_pruner(make_pruner("asha"))
    with pytest.raises(InputValueError, match="reduction_factor"):
        AshaPruner(reduction_factor=1)
    with pytest.raises(InputValueError, match="warmup_trials"):
        MedianPruner(warmup_trials=0)
    assert make_pruner(None) is None and make_pruner("none") is None
    assert make_pruner("median").describe() == {"name": "median", "warmup_epochs": 5,
                                                "warmup_trials": 5}


@pytest.mark.every_backend
def test_search_refuses_a_bad_pruner_before_writing_anything(tmp_path, iris):
    with pytest.raises(InputValueError, match="Received: pruner='fast'"):
        kz.tuning.search("ann", iris, {"learning_rate": [1e-2]}, pruner="fast",
                         directory=str(tmp_path / "s"), verbose=0)
    with pytest.raises(InputValueError, match="hyperband"):
        kz.tuning.search("ann", iris, {"learning_rate": [1e-2]}, strategy="hyperband",
                         pruner="median", directory=str(tmp_path / "s"), verbose=0)
    assert not (tmp_path / "s").exists()


# --- real searches --------------------------------------------------------------------------

# The good learning rate first (a grid hands configurations out in order), then two that barely
# move in a few epochs.
SPACE = {"learning_rate": [3e-2, 1e-6, 2e-6]}
EPOCHS = 12


@pytest.fixture(scope="module")
def iris():
    return kz.load("iris", seed=0)


def _search(directory, iris, pruner, **kwargs):
    return kz.tuning.search("ann", iris, SPACE, strategy="grid", hidden_units=(8,),
                            epochs=EPOCHS, early_stopping=False, pruner=pruner,
                            directory=str(directory), verbose=0, **kwargs)


@pytest.fixture(scope="module")
def pruned_search(tmp_path_factory, iris):
    directory = tmp_path_factory.mktemp("pruned") / "search"
    rule = MedianPruner(warmup_epochs=3, warmup_trials=1)
    return directory, _search(directory, iris, rule)


@pytest.mark.every_backend
def test_bad_configurations_are_pruned_and_the_good_one_is_best(pruned_search):
    directory, result = pruned_search
    board = result.by_trial().set_index("trial")
    assert list(board["status"]) == ["completed", "pruned", "pruned"]
    assert list(board["pruned_at_epoch"].astype("Int64").astype(object)) == [pd_na(), 3, 3]
    assert list(board["epochs_run"]) == [EPOCHS, 3, 3]
    assert result.best_params == {"learning_rate": 3e-2}
    # a pruned trial has its score at the epoch it stopped (no early stopping: that epoch's)
    record = json.loads((directory / "trials" / "trial_1" / "result.json").read_text())
    assert record["status"] == "pruned" and record["pruned_at_epoch"] == 3
    assert record["score"] == pytest.approx(record["history"]["val_accuracy"][2])
    assert board.loc["1", "val_accuracy"] == pytest.approx(record["score"])
    assert result.spec["pruner"] == {"name": "median", "warmup_epochs": 3, "warmup_trials": 1}
    assert "pruned" in result.summary()
    # Keras Tuner's state: the objective by epoch, and COMPLETED with the pruned score
    state = json.loads((directory / "trials" / "trial_1" / "trial.json").read_text())
    assert state["status"] == "COMPLETED"
    assert state["score"] == pytest.approx(record["score"])
    assert len(state["metrics"]["metrics"]["val_accuracy"]["observations"]) == 3


def pd_na():
    import pandas as pd

    return pd.NA


@pytest.mark.every_backend
def test_a_resumed_pruned_search_does_not_rerun_pruned_trials(pruned_search, iris):
    directory, _ = pruned_search
    project = directory / "trials"
    before = {p: os.stat(p).st_mtime_ns for p in glob.glob(str(project / "*" / "result.json"))}
    assert recovery.completed_count(str(project)) == 3
    # resumed with another pruner (not part of the search's identity): nothing reruns
    result = _search(directory, iris, None)
    after = {p: os.stat(p).st_mtime_ns for p in glob.glob(str(project / "*" / "result.json"))}
    assert after == before
    assert list(result.by_trial()["status"]) == ["completed", "pruned", "pruned"]
    assert SearchResult.load(str(directory)).best_trial == "0"


@pytest.mark.every_backend
def test_the_progress_line_says_pruned(tmp_path, iris, capsys):
    kz.tuning.search("ann", iris, SPACE, strategy="grid", hidden_units=(8,), epochs=6,
                     early_stopping=False, pruner=AshaPruner(min_epochs=2, reduction_factor=2),
                     directory=str(tmp_path / "s"), verbose=1, keep_models="none")
    err = capsys.readouterr().err
    assert "pruned at epoch 2" in err


@pytest.mark.large
@pytest.mark.every_backend
def test_pruning_with_worker_processes(tmp_path, iris):
    """The good trial runs first, alone: in two parallel workers from the start, the poor
    trials could outrun it on a loaded machine (none then had another trial's score at its
    epoch, and none was pruned: seen once in 4 runs under load). The poor ones then run in two
    worker processes and are pruned against it."""
    def search(**kwargs):
        return kz.tuning.search("ann", iris, {"learning_rate": [3e-2, 1e-6, 2e-6, 1e-6 * 3]},
                                strategy="grid", hidden_units=(8,), epochs=EPOCHS,
                                early_stopping=False,
                                pruner=MedianPruner(warmup_epochs=3, warmup_trials=1),
                                directory=str(tmp_path / "w"), verbose=0, **kwargs)

    assert search(max_trials=1).leaderboard["status"].tolist() == ["completed"]
    result = search(workers=2)
    board = result.leaderboard
    assert len(board) == 4 and board["worker"].str.startswith("worker").sum() >= 3
    assert (board["status"] == "pruned").sum() >= 2
    assert result.best_params == {"learning_rate": 3e-2}
    assert set(board["status"]) <= {"completed", "pruned"}
