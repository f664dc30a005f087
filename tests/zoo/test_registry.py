"""The registry, and one check over every registered model (later families join automatically)."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from keras_zoo import zoo
from keras_zoo.base.errors import InputValueError
from keras_zoo.zoo.registry import model_info, register_model


def test_list_models_wildcards_and_family():
    assert "ann" in zoo.list_models()
    assert zoo.list_models("an*") == ["ann"]
    assert zoo.list_models(family="ann") == ["ann"]
    assert zoo.list_models("*nothing-matches*") == []


def test_aliases_and_spellings():
    assert model_info("DNN").name == "ann"
    assert model_info("sequential-ann").name == "ann"


def test_unknown_model_name_suggests_the_closest():
    with pytest.raises(ValueError, match="Did you mean 'ann'"):
        zoo.create_model("anm")


def test_unknown_keyword_raises_instead_of_being_ignored():
    with pytest.raises(TypeError, match="unexpected keyword argument 'hiden_units'.*"
                                        "Did you mean 'hidden_units'"):
        zoo.create_model("ann", input_dim=3, task="binary", hiden_units=(4,))


def test_register_model_refuses_a_taken_name():
    with pytest.raises(ValueError, match="already registered"):
        @register_model(name="ann")
        def another(input_dim=None):  # pragma: no cover - never called
            return None


def test_create_model_is_the_factory():
    model = zoo.create_model("ann", input_dim=3, task="regression", hidden_units=(4,))
    assert model.output_shape == (None, 1)


def _example_data(info, model):
    """Small random inputs and targets matching a model's declared input kind and outputs.

    ``pairs`` models (seq2seq) train on their own example pairs: texts in, texts out.
    """
    rng = np.random.default_rng(0)
    n = 8
    if info.input_kind == "pairs":
        sources = list(info.example_kwargs["sources"])
        targets = list(info.example_kwargs["targets"])
        reps = -(-n // len(sources))
        return (np.array((sources * reps)[:n], dtype=object),
                np.array((targets * reps)[:n], dtype=object))
    shape = model.input_shape if not isinstance(model.input_shape, list) else model.input_shape[0]
    if info.input_kind == "text":
        x = np.array([f"word{i} word{i + 1} sample" for i in range(n)], dtype=object)
    elif info.input_kind == "sequence":
        x = rng.integers(1, 20, size=(n, *[d or 5 for d in shape[1:]]))
    else:
        x = rng.normal(size=(n, *shape[1:])).astype("float32") * 10
    out = model.output_shape
    # A variable number of output steps (many-to-many) follows the input's steps.
    steps = [d if d is not None else (x.shape[1] if x.ndim > 1 else 5) for d in out[1:-1]]
    units = out[-1]
    loss = model.loss
    if isinstance(loss, keras.losses.SparseCategoricalCrossentropy) or "sparse" in getattr(
            loss, "name", ""):
        y = rng.integers(0, units, size=(n, *steps))
    else:
        y = rng.integers(0, 2, size=(n, *steps, units)).astype("float32")
    return x, y


@pytest.mark.every_backend
@pytest.mark.parametrize("name", zoo.list_models())
def test_every_registered_model_fits_saves_and_reloads(name, tmp_path):
    """build -> fit a step -> save -> reload (safe mode) -> same predictions."""
    info = model_info(name)
    if info.input_kind == "text" and keras.backend.backend() != "tensorflow":
        # No string tensors on JAX/PyTorch: refused with the alternative, which is tested here.
        with pytest.raises(InputValueError, match="needs the TensorFlow backend.*token ids"):
            zoo.create_model(name, **info.example_kwargs)
        kwargs = {k: v for k, v in info.example_kwargs.items() if k != "texts"}
        info = dataclasses.replace(info, input_kind="sequence",
                                   example_kwargs={**kwargs, "vocab_size": 20})
    model = zoo.create_model(name, **info.example_kwargs)
    x, y = _example_data(info, model)
    # Eagerly: one step does not need a traced graph, which for the keras.applications backbones
    # costs ~10 s each (the graph mode paths are tested per family).
    model.run_eagerly = True
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    reloaded.run_eagerly = True
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
