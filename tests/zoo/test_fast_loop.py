"""keras_zoo.zoo.fast_loop: the Keras versions it is known to work with, the fallback outside
them, and the retracing filter that is installed only while the zoo's calls run."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import keras
import numpy as np
import pytest
from packaging.specifiers import SpecifierSet

from keras_zoo import zoo
from keras_zoo.zoo import fast_loop, training

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _declared_range() -> str:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    return tomllib.loads(PYPROJECT.read_text())["tool"]["keras-zoo"]["keras-known-good"]


@pytest.mark.every_backend
def test_the_declared_keras_range_is_the_one_the_module_enforces():
    assert fast_loop.KERAS_KNOWN_GOOD == _declared_range(), (
        "pyproject.toml [tool.keras-zoo] keras-known-good and "
        "keras_zoo.zoo.fast_loop.KERAS_KNOWN_GOOD must declare the same range.")


@pytest.mark.every_backend
def test_installed_keras_is_inside_the_known_good_range():
    declared = _declared_range()
    if keras.__version__ not in SpecifierSet(declared, prereleases=True):
        pytest.fail(
            f"The installed Keras {keras.__version__} is outside keras-known-good {declared!r} "
            "(pyproject.toml, [tool.keras-zoo]). Re-check keras_zoo/zoo/fast_loop.py: every "
            "Keras internal listed in its docstring, then run tests/zoo/test_training.py and "
            "tests/zoo/test_fast_loop.py, and widen the range in pyproject.toml and "
            "fast_loop.KERAS_KNOWN_GOOD. Until then `fit` falls back to plain model.fit.",
            pytrace=False)


@pytest.mark.every_backend
@pytest.mark.parametrize("version,good", [
    ("3.11.3", False), ("3.12.0", True), ("3.15.1", True), ("3.16.0", False), ("4.0.0", False),
    ("not-a-version", False),
])
def test_keras_is_known_good(version, good):
    assert fast_loop.keras_is_known_good(version) is good


@pytest.mark.every_backend
def test_outside_the_range_fit_warns_once_and_uses_model_fit(tiny_binary, monkeypatch, caplog):
    x, y = tiny_binary
    monkeypatch.setattr(keras, "__version__", "3.99.0")
    monkeypatch.setattr(fast_loop, "_warned_versions", set())
    fast_calls = []
    monkeypatch.setattr(training, "fast_fit", lambda *a, **k: fast_calls.append(1))
    with caplog.at_level(logging.WARNING, logger="keras_zoo.zoo.fast_loop"):
        for _ in range(2):
            model = zoo.ann(6, task="binary", hidden_units=(8,), optimizer="gd", seed=0)
            history = zoo.fit(model, x, y, validation_split=0.25, epochs=3, early_stopping=False,
                              seed=0)
            assert isinstance(history, keras.callbacks.History)
            assert len(history.history["val_loss"]) == 3
            assert int(model.optimizer.iterations) == 3  # gd: one full batch per epoch
    assert not fast_calls
    warnings = [r for r in caplog.records if r.name == "keras_zoo.zoo.fast_loop"]
    assert len(warnings) == 1
    assert "3.99.0" in warnings[0].getMessage()
    assert fast_loop.KERAS_KNOWN_GOOD in warnings[0].getMessage()


@pytest.mark.every_backend
def test_inside_the_range_fit_takes_the_fast_path(tiny_binary, monkeypatch):
    x, y = tiny_binary
    monkeypatch.setattr(keras, "__version__", "3.12.0")
    calls = []
    monkeypatch.setattr(training, "fast_fit",
                        lambda *a, **k: calls.append(1) or fast_loop.fast_fit(*a, **k))
    zoo.fit(zoo.ann(6, task="binary", hidden_units=(8,), seed=0), x, y, epochs=1)
    assert calls == [1]


def _has_filter() -> bool:
    return fast_loop.quiet_own_retracing.filter in logging.getLogger("tensorflow").filters


@pytest.mark.every_backend
def test_retracing_filter_is_installed_only_inside_the_scope_and_removed_on_error():
    assert not _has_filter()  # importing keras_zoo does not touch TensorFlow's logger
    with fast_loop.quiet_own_retracing():
        assert _has_filter()
        with fast_loop.quiet_own_retracing():  # nested (or another thread): one filter
            assert logging.getLogger("tensorflow").filters.count(
                fast_loop.quiet_own_retracing.filter) == 1
        assert _has_filter()  # still inside the outer scope
    assert not _has_filter()
    with pytest.raises(RuntimeError), fast_loop.quiet_own_retracing():
        raise RuntimeError("boom")
    assert not _has_filter()


@pytest.mark.every_backend
def test_fast_fit_removes_the_filter_when_training_fails(tiny_binary):
    x, y = tiny_binary
    model = zoo.ann(6, task="binary", hidden_units=(8,), seed=0)

    class Boom(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            assert _has_filter()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        zoo.fit(model, x, y, epochs=2, early_stopping=False, callbacks=[Boom()])
    assert not _has_filter()


@pytest.mark.every_backend
@pytest.mark.parametrize("message,dropped", [
    ("<function _epoch_function.<locals>.run_epoch at 0x0>", True),
    ("<function _compiled_validation.<locals>.<lambda> at 0x0>", True),
    ("<function TensorFlowTrainer.make_train_function.<locals>.one_step_on_iterator at 0x0>",
     True),
    ("<function my_step at 0x0>", False),
])
def test_the_filter_drops_retracing_warnings_of_per_model_functions_only(message, dropped):
    record = logging.LogRecord("tensorflow", logging.WARNING, __file__, 1,
                               f"6 out of the last 6 calls to {message} triggered tf.function "
                               "retracing.", None, None)
    assert fast_loop.quiet_own_retracing.filter.filter(record) is not dropped


@pytest.mark.every_backend
def test_build_training_state_creates_the_variables_eagerly():
    x = np.zeros((4, 3), dtype="float32")
    y = np.zeros((4,), dtype="float32")
    model = zoo.ann(3, task="binary", hidden_units=(4,), seed=0)
    assert not model.optimizer.built
    fast_loop.build_training_state(model, (x, y, None))
    assert model.optimizer.built
    assert all(float(np.asarray(v)) == 0.0 for v in model.get_metrics_result().values())


@pytest.mark.every_backend
def test_a_trained_model_is_freed_with_its_traced_functions(tiny_binary):
    # The traced epoch/validation functions refer to the model; kept on the model, not in a
    # module table, they must not keep it alive (a search trains hundreds of models).
    import gc
    import weakref

    x, y = tiny_binary
    model = zoo.ann(input_dim=6, task="binary", hidden_units=(8,), seed=0)
    zoo.fit(model, x, y, validation_data=(x, y), epochs=2, early_stopping=False, seed=0)
    assert fast_loop.traced_functions(model), "the fast path traced nothing"
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None, "a trained model stayed alive after its last reference was dropped"


jax_only = pytest.mark.skipif(keras.backend.backend() != "jax",
                              reason="the executable cache is JAX's (TensorFlow traces per "
                                     "model, PyTorch compiles nothing)")


def _trained(x, y, hidden=(8,), seed=0):
    model = zoo.ann(input_dim=6, task="binary", hidden_units=hidden, seed=seed)
    history = zoo.fit(model, x, y, validation_data=(x[:20], y[:20]), epochs=3, batch_size=16,
                      early_stopping=False, seed=seed)
    return model, history.history


@pytest.mark.every_backend
@jax_only
def test_jax_models_of_one_architecture_share_executables_and_train_the_same(tiny_binary):
    from keras_zoo.zoo import fast_loop_backends as backends

    x, y = tiny_binary
    backends.clear_compiled()
    stats = backends._COMPILED_STATS
    before = dict(stats)
    alone, alone_history = _trained(x, y)
    compiled = stats["compiled"] - before["compiled"]
    assert compiled >= 2, "the first model compiled neither its epoch nor its validation"
    reused_before = stats["reused"]
    again, again_history = _trained(x, y)
    # The second model of the same architecture compiles nothing and reuses every executable.
    assert stats["compiled"] - before["compiled"] == compiled
    assert stats["reused"] - reused_before == compiled
    assert again_history == alone_history  # the same XLA program on the same inputs
    np.testing.assert_array_equal(zoo.predict(again, x), zoo.predict(alone, x))
    # Another architecture is another program.
    _trained(x, y, hidden=(9,))
    assert stats["compiled"] - before["compiled"] > compiled


@pytest.mark.every_backend
@jax_only
def test_jax_predict_matches_keras_predict_and_keeps_batchnorm_state(tiny_binary):
    x, y = tiny_binary
    model = zoo.ann(input_dim=6, task="binary", hidden_units=(8,), batch_norm=True, seed=0)
    zoo.fit(model, x, y, epochs=2, early_stopping=False, seed=0)
    moving = [np.asarray(v) for v in model.non_trainable_variables]
    np.testing.assert_allclose(training.predict(model, x, batch_size=24),
                               model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    for before, after in zip(moving, model.non_trainable_variables):
        np.testing.assert_array_equal(before, np.asarray(after))


def _stepped_cnn():
    """Images and a small CNN, which JAX on the CPU trains one jitted call per batch."""
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(96, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 3, size=96)
    return x, y, zoo.cnn(input_shape=(8, 8, 1), num_classes=3, filters=(4,), dense_units=(8,),
                         seed=0)


@pytest.mark.every_backend
@jax_only
def test_jax_interrupted_mid_epoch_keeps_the_last_steps_weights(monkeypatch):
    # A conv model on the CPU steps batch by batch, each step donating the previous state: an
    # interrupt (Ctrl-C) after a few steps must leave the model on the last completed step's
    # weights, usable, not on deleted buffers.
    from keras_zoo.zoo import fast_loop_backends as backends

    x, y, model = _stepped_cnn()
    initial = [np.asarray(w) for w in model.trainable_weights]
    calls = {"n": 0}
    real_call = backends.SharedJit.__call__

    def interrupted(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_call(self, *args)

    monkeypatch.setattr(backends.SharedJit, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        zoo.fit(model, x, y, epochs=1, batch_size=32, early_stopping=False, seed=0)
    monkeypatch.setattr(backends.SharedJit, "__call__", real_call)
    assert calls["n"] == 3
    after = [np.asarray(w) for w in model.trainable_weights]  # raises on deleted buffers
    assert any(not np.array_equal(a, b) for a, b in zip(initial, after)), "no step was kept"
    assert np.isfinite(zoo.predict(model, x)).all()
    zoo.fit(model, x, y, epochs=1, batch_size=32, early_stopping=False, seed=0)  # trains on


@pytest.mark.every_backend
@jax_only
def test_jax_ctrl_c_during_a_step_is_delivered_after_the_model_holds_that_step(tmp_path):
    # SIGINT arriving while a step runs (here: right after the executable returned, before
    # its result is assigned, where Python raises it) must neither lose that step's state nor
    # leave the model on donated buffers: the loop stops after the step, the model holds it,
    # then KeyboardInterrupt is raised. In a fresh interpreter: signal delivery is process
    # state that other tests' libraries may change.
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "ctrl_c.py"
    script.write_text(textwrap.dedent("""
        import os, signal
        # Ctrl-C as an interactive Python has it: a suite started in the background (nohup,
        # `cmd &` in a script) hands its processes SIGINT ignored, and an ignored Ctrl-C stays
        # ignored (the fit then has nothing to deliver).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        import numpy as np
        from keras_zoo import zoo
        from keras_zoo.zoo import fast_loop_backends as backends
        rng = np.random.default_rng(0)
        x = rng.uniform(size=(96, 8, 8, 1)).astype("float32")
        y = rng.integers(0, 3, size=96)
        model = zoo.cnn(input_shape=(8, 8, 1), num_classes=3, filters=(4,), dense_units=(8,),
                        seed=0)
        calls, results = [], []
        real_call = backends.SharedJit.__call__
        def signalled(self, *args):
            out = real_call(self, *args)
            calls.append(1)
            results.append(out)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGINT)
            return out
        backends.SharedJit.__call__ = signalled
        try:
            zoo.fit(model, x, y, epochs=3, batch_size=32, early_stopping=False, seed=0)
            print("NO INTERRUPT")
        except KeyboardInterrupt:
            print("INTERRUPTED")
        backends.SharedJit.__call__ = real_call
        kept = [np.asarray(w) for w in model.trainable_variables]
        same = all(np.array_equal(a, np.asarray(b)) for a, b in zip(kept, results[1][0]))
        print("CALLS", len(calls), "SAME", same,
              "HANDLER", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False,
                          timeout=300, env={**os.environ, "KERAS_BACKEND": "jax"})
    assert "INTERRUPTED" in done.stdout, done.stdout + done.stderr[-3000:]
    assert "CALLS 2 SAME True HANDLER True" in done.stdout, done.stdout + done.stderr[-3000:]


@pytest.mark.every_backend
def test_a_model_compiled_again_trains_with_its_new_optimizer(tiny_binary):
    # The traced epoch captured the first optimizer; after compile() with another one, fit
    # must use the new one: SGD at learning rate 0 leaves every weight as it is.
    x, y = tiny_binary
    model = zoo.ann(input_dim=6, task="binary", hidden_units=(8,), seed=0)
    zoo.fit(model, x, y, validation_data=(x, y), epochs=2, early_stopping=False, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    before = [np.asarray(w) for w in model.trainable_weights]
    history = zoo.fit(model, x, y, validation_data=(x, y), epochs=2, early_stopping=False,
                      seed=0)
    for a, b in zip(before, model.trainable_weights):
        np.testing.assert_array_equal(a, np.asarray(b))
    assert history.history["loss"][0] == pytest.approx(history.history["loss"][1])


@pytest.mark.every_backend
def test_the_fast_path_honours_the_backends_jit_compile_choice(tiny_binary):
    x, _ = tiny_binary
    model = zoo.ann(input_dim=6, task="binary", hidden_units=(8,), seed=0)
    backend = keras.backend.backend()
    for jit_compile in (False, True):
        model.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=jit_compile)
        expected = not (backend == "torch" and jit_compile is True)
        assert fast_loop.fast_path_applies(model, x) is expected, (backend, jit_compile)


@pytest.mark.every_backend
def test_predict_returns_every_output_of_a_multi_output_model():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, {"a": keras.layers.Dense(2)(inputs),
                                 "b": keras.layers.Dense(1)(inputs)})
    x = np.random.default_rng(0).normal(size=(10, 3)).astype("float32")
    expected = model.predict(x, verbose=0)
    for batch_size in (4, 64):  # several chunks, one chunk
        got = training.predict(model, x, batch_size=batch_size)
        assert set(got) == {"a", "b"}
        for name in ("a", "b"):
            np.testing.assert_allclose(got[name], expected[name], rtol=1e-5, atol=1e-6)
