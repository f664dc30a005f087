"""The fast training loop's epoch and validation functions on JAX and PyTorch.

:func:`keras_zoo.zoo.fast_loop.fast_fit` runs the epochs (callbacks, logs, early stopping) on
every backend; what one epoch and one validation pass are differs per backend:

* **TensorFlow** (``fast_loop``): one traced ``tf.while_loop`` over ``model.train_step``.
* **JAX** (:class:`JaxRunner`): one ``jax.jit``-compiled function per epoch, a ``lax.scan`` over
  the full batches (index-gathered from the device-resident data) of Keras' own stateless
  ``model.train_step(state, batch)``, then the last, smaller batch (on the CPU, for models with
  convolution, pooling, recurrent or attention layers, one jitted call per batch instead:
  XLA:CPU runs those an order of magnitude slower inside a scan, see :func:`scan_pays`); the state (weights,
  optimizer, metrics) is written back to the model's variables after each epoch, as Keras' own
  JAX ``fit`` does (``jax_state_sync``), so callbacks see the epoch's weights and metrics.
  Validation is one jitted ``test_step`` per chunk.
* **PyTorch** (:class:`TorchRunner`): Keras' ``model.train_step(batch)`` called directly on
  index-gathered slices of tensors already on the device: no data adapter, no per-batch
  callbacks (Keras' PyTorch trainer runs one step per call and compiles nothing by default).

Keras internals used here beyond its public API, checked with Keras 3.15.1 (JAX 0.10, PyTorch
2.13): on JAX ``model.train_step(state, data) -> (logs, state)`` and ``model.test_step``
with ``state = (trainable, non_trainable, optimizer, metrics)`` variable values (``test_step``:
no optimizer), the order of ``model.metrics_variables`` and ``model.optimizer.variables``; on
PyTorch ``model.train_step(data)``/``model.test_step(data)`` and the torch module's
``train()``/``eval()`` modes. JAX internals (``SharedJit``, checked with JAX 0.10.2):
``Lowered._lowering.compile_args["host_callbacks"]`` and ``Lowered._lowering.const_args``, read
to decide whether a program may be shared (when they are missing nothing is shared).
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import threading
from collections import OrderedDict
from typing import Any

import keras
import numpy as np

__all__ = ["JaxRunner", "TorchRunner", "clear_compiled", "jax_predict", "jax_predict_applies",
           "make_runner"]


def _batches(n: int, batch_size: int) -> tuple[int, int]:
    """(full batches, rows in the last smaller batch)."""
    return n // batch_size, n % batch_size


# Layers whose step XLA:CPU runs an order of magnitude slower inside a ``lax.scan`` than as a
# jitted function of its own (measured, Keras 3.15.1, JAX 0.10.2, 2 CPU cores: the digits CNN
# Conv 32-64 at 0.6 s an epoch scanned against 0.06 s stepped; the breast_cancer ANN at 0.2 ms
# against 0.8 ms, where dispatching each step costs more than the step).
_SLOW_IN_CPU_SCAN = ("Conv", "Pooling", "RNN", "LSTM", "GRU", "Attention")


def scan_pays(model: keras.Model, platform: str = "cpu") -> bool:
    """Whether a whole epoch as one ``lax.scan`` beats one jitted call per batch, for data on
    ``platform``: on an accelerator always; on the CPU only for models without convolution,
    pooling, recurrent or attention layers (see ``_SLOW_IN_CPU_SCAN``)."""
    if platform != "cpu":
        return True
    names = {type(layer).__name__ for layer in model._flatten_layers(include_self=False)}
    return not any(part in name for name in names for part in _SLOW_IN_CPU_SCAN)


# JAX: XLA executables shared between models whose programs are the same. jax.jit caches by
# the Python function, and each model's step is a new function, so every new model compiles
# again (0.4 s for the breast_cancer ANN's Adam step on 2 CPU cores, 0.7 s for its scanned
# epoch, against 0.1-0.2 s to trace and lower it). Two models of the same architecture,
# optimizer, loss and metrics lower to the same StableHLO text (weights, optimizer slots, metric
# totals and seeds are arguments, layer names are not in it): refitting a model, the folds of a
# cross-validation, a search's trials over the learning rate or the seed, reuse one executable.
_COMPILED: OrderedDict = OrderedDict()
_COMPILED_MAX = 64  # executables kept (least recently used evicted)
_COMPILED_LOCK = threading.Lock()
_COMPILED_STATS = {"compiled": 0, "reused": 0}


def clear_compiled() -> None:
    """Forget the XLA executables shared between models on JAX (see :class:`SharedJit`)."""
    with _COMPILED_LOCK:
        _COMPILED.clear()


def _devices(args: tuple) -> tuple:
    import jax

    return tuple(sorted({(d.platform, d.id) for leaf in jax.tree_util.tree_leaves(args)
                         if isinstance(leaf, jax.Array) for d in leaf.devices()}))


def _shareable(lowered) -> bool:
    """Whether the StableHLO text is all the executable depends on. Two things are not in it:
    host callbacks (``jax.pure_callback``, ``jax.debug.print``: the text holds an index, the
    Python callable is kept beside it) and constants hoisted out of the program as extra
    arguments (which ``Compiled`` passes from its own lowering at every call). A lowering with
    either, or one this JAX does not let us inspect, is compiled for its own model only."""
    lowering = getattr(lowered, "_lowering", None)
    compile_args = getattr(lowering, "compile_args", None)
    if not isinstance(compile_args, dict) or "host_callbacks" not in compile_args \
            or not hasattr(lowering, "const_args"):
        return False
    return not compile_args["host_callbacks"] and not lowering.const_args


def _shared_executable(jitted, args: tuple):
    """``jitted`` compiled for ``args``: the executable of an earlier identical program (same
    StableHLO text, argument and result structure, devices) when there is one."""
    lowered = jitted.lower(*args)
    if not _shareable(lowered):
        _COMPILED_STATS["compiled"] += 1
        return lowered.compile()
    text = lowered.as_text()  # without debug information: no source locations, no layer names
    key = (hashlib.blake2b(text.encode(), digest_size=20).hexdigest(), str(lowered.in_tree),
           str(lowered.out_tree), _devices(args))
    with _COMPILED_LOCK:
        executable = _COMPILED.get(key)
        if executable is not None:
            _COMPILED.move_to_end(key)
            _COMPILED_STATS["reused"] += 1
            return executable
    executable = lowered.compile()
    with _COMPILED_LOCK:
        _COMPILED[key] = executable
        _COMPILED_STATS["compiled"] += 1
        while len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return executable


def _deleted(tree: Any) -> bool:
    import jax

    return any(leaf.is_deleted() for leaf in jax.tree_util.tree_leaves(tree)
               if isinstance(leaf, jax.Array))


@contextlib.contextmanager
def _interrupts_held():
    """SIGINT held inside the block: yields a list that is non-empty once one arrived, which
    is delivered (the handler that was installed, by default ``KeyboardInterrupt``) on leaving
    the block. Outside the main thread (where Python delivers no signals) a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    received: list = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(frame))
    except ValueError:  # an interpreter that does not let us (embedded)
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        if callable(previous):
            previous(signal.SIGINT, received[0])
        elif previous == signal.SIG_DFL:
            signal.raise_signal(signal.SIGINT)


def _signature(args: tuple) -> tuple:
    import jax

    leaves, tree = jax.tree_util.tree_flatten(args)
    return tree, tuple((leaf.shape, leaf.dtype, getattr(leaf, "weak_type", False))
                       if hasattr(leaf, "shape") else type(leaf) for leaf in leaves)


class SharedJit:
    """``jax.jit(fn, donate_argnums=...)`` whose executables are shared with every other
    ``SharedJit`` that lowers to the same program (see ``_COMPILED``): the first call with
    given argument shapes traces and lowers ``fn``, then compiles only if no identical program
    was compiled before.

    Every argument is kept in the program (``keep_unused=True``): jit drops unused ones by
    default, and which ones it dropped is not in the text, so two models using different
    arguments could otherwise lower to the same text. The compiled executable is called
    directly, so ``jax.disable_jit()`` and ``jax_debug_nans`` do not reach these calls (train
    with ``kz.zoo.fit(..., fast=False)`` or ``model.fit`` to debug)."""

    def __init__(self, fn, donate_argnums: tuple = ()):
        import jax

        self._jit = jax.jit(fn, donate_argnums=donate_argnums, keep_unused=True)
        self._executables: dict = {}

    def __call__(self, *args):
        signature = _signature(args)
        executable = self._executables.get(signature)
        if executable is None:
            executable = self._executables[signature] = _shared_executable(self._jit, args)
        return executable(*args)


class JaxRunner:
    """One jitted epoch (a ``lax.scan`` over Keras' stateless train step), or one jitted call
    per batch where a scan is slow (:func:`scan_pays`); see the module."""

    def __init__(self, model: keras.Model, x: Any, y: np.ndarray, sw: Any, batch_size: int):
        import jax
        import jax.numpy as jnp

        self.model = model
        self.data = (keras.tree.map_structure(jnp.asarray, x), jnp.asarray(y),
                     None if sw is None else jnp.asarray(np.asarray(sw, dtype="float32")))
        n = len(keras.tree.flatten(x)[0])
        full, rest = _batches(n, batch_size)

        def gather(data, idx):
            xs, ys, sws = data
            batch = (keras.tree.map_structure(lambda a: jnp.take(a, idx, axis=0), xs),
                     jnp.take(ys, idx, axis=0))
            return batch if sws is None else (*batch, jnp.take(sws, idx, axis=0))

        def step(state, data, order, start):
            idx = jax.lax.dynamic_slice_in_dim(order, start, batch_size)
            return model.train_step(state, gather(data, idx))[1]

        def last(state, data, order):
            return model.train_step(state, gather(data, order[full * batch_size:]))[1]

        def epoch(state, data, order):
            def body(state, i):
                return step(state, data, order, i * batch_size), None

            if full:
                state, _ = jax.lax.scan(body, state, jnp.arange(full))
            return last(state, data, order) if rest else state

        self.scan = scan_pays(model, next(iter(self.data[1].devices())).platform)
        self._full, self._batch_size = full, batch_size
        self._epoch = SharedJit(epoch, donate_argnums=(0,))
        self._step = SharedJit(step, donate_argnums=(0,))
        self._last = SharedJit(last, donate_argnums=(0,)) if rest else None

    def _variables(self, optimizer: bool) -> tuple:
        """The variable groups of Keras' stateless state, in its order (``test_step``: no
        optimizer)."""
        m = self.model
        parts = [m.trainable_variables, m.non_trainable_variables]
        parts += [m.optimizer.variables] if optimizer else []
        return (*parts, m.metrics_variables)

    def _state(self, optimizer: bool = True) -> tuple:
        return tuple([v.value for v in vs] for vs in self._variables(optimizer))

    def _sync(self, state: tuple, optimizer: bool = True) -> None:
        for variables, values in zip(self._variables(optimizer), state):
            for variable, value in zip(variables, values):
                variable.assign(value)

    def epoch(self, order: np.ndarray) -> None:
        import jax.numpy as jnp

        order = jnp.asarray(order, dtype="int32")
        # Each call donates the state it is given, the model's own buffers first: a Ctrl-C
        # raised between a call's return and the assignment of its result would leave the
        # model on deleted buffers. SIGINT is held while the steps run (the loop stops after
        # the step it arrived in) and delivered once the model holds that step's state.
        with _interrupts_held() as interrupted:
            state = self._state()
            try:
                if self.scan:
                    state = self._epoch(state, self.data, order)
                    return
                for i in range(self._full):
                    state = self._step(state, self.data, order, np.int32(i * self._batch_size))
                    if interrupted:
                        return
                if self._last is not None:
                    state = self._last(state, self.data, order)
            finally:
                # Also when a step raised: the variables keep the last completed step's values
                # (unless that step's buffers were given away too).
                if not _deleted(state):
                    self._sync(state)

    def validation(self, x: Any, y: np.ndarray, sw: Any, chunk: int):
        import jax.numpy as jnp

        model = self.model
        step = SharedJit(lambda state, batch: model.test_step(state, batch)[1])
        chunks = [_chunk(x, y, sw, start, chunk, jnp.asarray)
                  for start in range(0, len(y), chunk)]

        def validate() -> None:
            model.reset_metrics()
            state = self._state(optimizer=False)
            for batch in chunks:
                state = step(state, batch)
            self._sync(state, optimizer=False)

        return validate


def jax_predict_applies(model: keras.Model) -> bool:
    """Whether :func:`jax_predict` computes what ``model.predict_on_batch`` does: a built model
    whose class keeps Keras' own ``predict_step`` and ``predict_on_batch``."""
    cls = type(model)
    return (cls.predict_step is keras.Model.predict_step
            and cls.predict_on_batch is keras.Model.predict_on_batch
            and all(layer.built for layer in model._flatten_layers()))


def jax_predict(model: keras.Model, chunks: list, functions: dict) -> list:
    """``model.predict_on_batch`` of each chunk on JAX, through Keras' stateless
    ``predict_step`` compiled once per chunk shape and shared with identical models
    (:class:`SharedJit`); ``functions`` is the model's own table of traced functions. The
    non-trainable state is written back after the chunks, as ``predict_on_batch`` does."""
    predict = functions.get("predict")
    if predict is None:
        predict = functions["predict"] = SharedJit(
            lambda state, x: model.predict_step(state, (x,)))
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    outputs = []
    for chunk in chunks:
        out, non_trainable = predict((trainable, non_trainable), chunk)
        outputs.append(keras.tree.map_structure(np.asarray, out))
    for variable, value in zip(model.non_trainable_variables, non_trainable):
        variable.assign(value)
    return outputs


class TorchRunner:
    """Keras' PyTorch ``train_step`` on device-resident index-gathered batches, see the module."""

    def __init__(self, model: keras.Model, x: Any, y: np.ndarray, sw: Any, batch_size: int):
        import torch

        self.torch = torch
        # Where Keras puts tensors now (its default device, or a keras.device scope), read
        # through the public API.
        self.device = keras.ops.convert_to_tensor(np.zeros(1, "float32")).device
        self.model = model
        to = self._tensor
        self.data = (keras.tree.map_structure(to, x), to(y),
                     None if sw is None else to(np.asarray(sw, dtype="float32")))
        self.n = len(y)
        self.batch_size = batch_size

    def _tensor(self, a: Any):
        return self.torch.as_tensor(np.asarray(a), device=self.device)

    def epoch(self, order: np.ndarray) -> None:
        xs, ys, sws = self.data
        order_t = self._tensor(order.astype("int64"))
        self.model.train()
        for start in range(0, self.n, self.batch_size):
            idx = order_t[start:start + self.batch_size]
            batch = (keras.tree.map_structure(lambda a, idx=idx: a[idx], xs), ys[idx])
            self.model.train_step(batch if sws is None else (*batch, sws[idx]))

    def validation(self, x: Any, y: np.ndarray, sw: Any, chunk: int):
        model, torch = self.model, self.torch
        chunks = [_chunk(x, y, sw, start, chunk, self._tensor)
                  for start in range(0, len(y), chunk)]

        def validate() -> None:
            model.reset_metrics()
            model.eval()
            with torch.no_grad():
                for batch in chunks:
                    model.test_step(batch)

        return validate


def _chunk(x: Any, y: np.ndarray, sw: Any, start: int, size: int, to) -> tuple:
    part = slice(start, start + size)
    batch = (keras.tree.map_structure(lambda a: to(a[part]), x), to(y[part]))
    return batch if sw is None else (*batch, to(np.asarray(sw[part], dtype="float32")))


def make_runner(model: keras.Model, x: Any, y: np.ndarray, sw: Any, batch_size: int):
    """The epoch runner for the backend in use (JAX or PyTorch)."""
    runner = JaxRunner if keras.backend.backend() == "jax" else TorchRunner
    return runner(model, x, y, sw, batch_size)
