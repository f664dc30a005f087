"""Trials of one structure reuse one model (issue 11): fewer builds and traces, same scores."""

from __future__ import annotations

import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo import tuning
from keras_zoo.tuning.trial import reuse

BUILDS = []


def counted_ann(input_dim=None, *, task=None, num_classes=None, normalization=None,
                hidden_units=(8,), dropout=0.0, learning_rate=0.01, seed=None):
    """ann, counting its builds."""
    BUILDS.append(learning_rate)
    return kz.zoo.ann(input_dim, task=task, num_classes=num_classes,
                      normalization=normalization, hidden_units=hidden_units, dropout=dropout,
                      learning_rate=learning_rate, seed=seed)


@pytest.fixture(scope="module")
def data():
    return kz.load("iris", seed=0)


def _search(data, tmp_path, name, space, **fixed):
    BUILDS.clear()
    result = tuning.search(counted_ann, data, space, epochs=6, early_stopping=False,
                           directory=str(tmp_path / name), verbose=0, **fixed)
    board = result.leaderboard.sort_values("trial")
    return board, len(BUILDS)


def test_a_reused_model_scores_as_a_freshly_built_one(data, tmp_path, monkeypatch):
    space = {"learning_rate": [0.05, 0.01, 0.002]}
    reuse.clear()
    reused, builds = _search(data, tmp_path, "reused", space, dropout=0.2)  # dropout: seeded
    monkeypatch.setattr(reuse, "ENABLED", False)
    fresh, fresh_builds = _search(data, tmp_path, "fresh", space, dropout=0.2)
    assert fresh_builds - builds == 2  # one model for the three trials, not three
    np.testing.assert_allclose(reused["val_accuracy"], fresh["val_accuracy"], atol=1e-6)
    np.testing.assert_allclose(reused["val_loss"], fresh["val_loss"], rtol=1e-5)


def test_another_structure_gets_its_own_model(data, tmp_path, monkeypatch):
    space = {"hidden_units": [(4,), (8,)], "learning_rate": [0.05, 0.01]}
    reuse.clear()
    board, builds = _search(data, tmp_path, "two", space)
    assert len(board) == 4 and (board["status"] == "completed").all()
    monkeypatch.setattr(reuse, "ENABLED", False)
    _, fresh_builds = _search(data, tmp_path, "two-fresh", space)
    assert fresh_builds - builds == 2  # one model per layout (2), not per trial (4)


def test_what_is_never_reused():
    import keras

    def build():
        return kz.zoo.ann(4, task="binary", learning_rate=0.01, seed=0)

    reuse.clear()
    first = reuse.model_for(counted_ann, {"learning_rate": 0.01, "seed": 0}, build)
    again = reuse.model_for(counted_ann, {"learning_rate": 0.02, "seed": 0}, build)
    assert again is first
    assert float(keras.ops.convert_to_numpy(again.optimizer.learning_rate)) == pytest.approx(0.02)
    other_seed = reuse.model_for(counted_ann, {"learning_rate": 0.02, "seed": 1}, build)
    no_seed = reuse.model_for(counted_ann, {"learning_rate": 0.02}, build)
    bad_rate = reuse.model_for(counted_ann, {"learning_rate": -1.0, "seed": 0}, build)
    assert len({id(first), id(other_seed), id(no_seed), id(bad_rate)}) == 4
    reuse.clear()
