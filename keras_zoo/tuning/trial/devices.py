"""Where trials run: device placement on every Keras backend, memory growth, CPU fallback.

``devices="auto"`` uses every visible GPU (memory growth enabled, so trials share a card without
one grabbing all of its memory) and falls back to the CPU, saying so once in the log. A list of
device names (``["/GPU:0", "/GPU:1"]``, ``["/CPU:0"]``) or ``"cpu"`` chooses explicitly.

With several devices, ``multi_device`` picks how a search uses them:

* ``"workers"`` (default): trials run in parallel, one Keras Tuner worker per device (Keras
  Tuner's chief/worker mode: the search's process is the chief and one worker; one more worker
  process per extra device);
* ``"mirrored"``: one trial at a time across all devices with ``tf.distribute.MirroredStrategy``.

Device names are TensorFlow's on every backend (``/CPU:0``, ``/GPU:1``); a trial runs under
``keras.device`` with the backend's own name for it (``gpu:1`` on JAX, ``cuda:1`` on PyTorch).
Worker processes see only their card (``CUDA_VISIBLE_DEVICES``) on every backend.
``"mirrored"`` is TensorFlow's ``tf.distribute`` and is refused on JAX and PyTorch.

The placement logic is tested on a CPU split into logical devices
(:func:`split_cpu`), which is what ``tf.device`` sees on a multi-GPU machine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from keras_zoo.base.backend import backend, keras_device_name, require_tensorflow
from keras_zoo.base.errors import InputTypeError, InputValueError

log = logging.getLogger(__name__)

_said_cpu = False
_BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


def physical_gpus() -> list[str]:
    """The GPUs the Keras backend sees, by its own names (``/physical_device:GPU:0``,
    ``cuda:0``, ...); an empty list on a machine without one."""
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if name == "jax":
        # Trials share a card (this process runs one, its workers others): JAX then allocates
        # on demand, TensorFlow's memory growth, unless the user chose otherwise. It applies
        # only if JAX has not started yet; worker processes get it in their environment.
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        import jax

        try:
            return [str(d) for d in jax.devices("gpu")]
        except RuntimeError:  # no GPU platform in this jaxlib, or no card
            return []
    if name == "torch":
        import torch

        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return []  # a backend without GPU support here (numpy, openvino)


def enable_memory_growth() -> list[str]:
    """Let trials share a GPU: TensorFlow's memory growth on every GPU (returns the GPUs it
    could set). JAX and PyTorch allocate on demand already when a worker process starts with
    ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` (set by the search) or by design (PyTorch)."""
    if backend() != "tensorflow":
        return []
    import tensorflow as tf

    done = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
            done.append(gpu.name)
        except RuntimeError:  # already initialised: growth can no longer change
            log.info("Memory growth could not be set on %s (already initialised).", gpu.name)
    return done


def split_cpu(n: int) -> list[str]:
    """Split the CPU into ``n`` logical devices (``/CPU:0`` ... ``/CPU:n-1``).

    Must run before the backend initialises its devices (before the first op). Used by the tests
    and by ``keras-zoo devices --split-cpu N`` to exercise multi-device placement without GPUs.
    TensorFlow splits into logical devices; JAX into ``n`` host devices
    (``jax_num_cpu_devices``); PyTorch has one CPU device and refuses ``n > 1``.
    """
    if n < 1:
        raise InputValueError(f"`n` (logical CPU devices) must be >= 1. Received: n={n}")
    name = backend()
    if name == "jax":
        import jax

        try:
            jax.config.update("jax_num_cpu_devices", n)
        except AttributeError:  # a JAX without the option
            raise InputValueError(
                f"This JAX ({jax.__version__}) cannot split its CPU from Python: set "
                f"XLA_FLAGS=--xla_force_host_platform_device_count={n} before Python starts. "
                f"Received: n={n}") from None
        except RuntimeError:  # JAX has started: its devices are what they are
            if len(jax.devices("cpu")) != n:
                raise InputValueError(
                    f"JAX has already started with {len(jax.devices('cpu'))} CPU device(s): "
                    "split_cpu must run before its first operation (or set "
                    f"XLA_FLAGS=--xla_force_host_platform_device_count={n}). Received: n={n}"
                ) from None
        return [f"/CPU:{d.id}" for d in jax.devices("cpu")]
    if name == "torch":
        if n > 1:
            raise InputValueError(
                "PyTorch has one CPU device: it cannot be split into logical devices "
                "(TensorFlow and JAX can). Use split_cpu(1), workers=N on '/CPU:0', or "
                f"KERAS_BACKEND=tensorflow/jax. Received: n={n}")
        return ["/CPU:0"]
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is None or len(current) != n:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    return [d.name.replace("/device:", "/") for d in tf.config.list_logical_devices("CPU")]


def available_devices() -> list[str]:
    """Every device a trial can be placed on, in keras-zoo's names (``/CPU:0``, ``/GPU:1``)."""
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        return [_normalise(d.name) for d in tf.config.list_logical_devices()]
    gpus = [f"/GPU:{i}" for i in range(len(physical_gpus()))]
    if name == "jax":
        import jax

        return [f"/CPU:{d.id}" for d in jax.devices("cpu")] + gpus
    return ["/CPU:0"] + gpus


def _normalise(name: str) -> str:
    name = name.strip()
    if not name.startswith("/"):
        name = "/" + name
    name = name.replace("/device:", "/").replace("/physical_device:", "/")
    kind, _, index = name[1:].partition(":")
    return f"/{kind.upper()}:{index or 0}"


def check_devices(devices: Any) -> None:
    """Refuse a ``devices`` that is neither ``None``, a string nor a list of device names (a
    YAML ``devices: 5``), before anything runs.

    Raises:
        InputTypeError: Anything else; the message says what is accepted.
    """
    names = [devices] if isinstance(devices, str) else devices
    ok = devices is None or isinstance(names, (list, tuple)) and bool(names) and all(
        isinstance(d, str) and d.strip() for d in names)
    if not ok:
        raise InputTypeError(
            "`devices` must be 'auto', 'cpu', 'gpu', a device name ('/GPU:0') or a non-empty "
            f"list of device names (['/GPU:0', '/GPU:1']). Received: devices={devices!r}")


def resolve_devices(devices: str | Sequence[str] | None = "auto") -> list[str]:
    """The devices a search would use.

    Args:
        devices: ``"auto"`` (every GPU, else the CPU), ``"cpu"``, ``"gpu"`` (every GPU; an error
            without one), or a list of names such as ``["/GPU:0", "/GPU:1"]``.

    Raises:
        InputValueError: An unknown device name, or ``"gpu"`` on a machine without a GPU.
        InputTypeError: A ``devices`` of the wrong type (see :func:`check_devices`).
    """
    check_devices(devices)
    global _said_cpu
    if devices is None or devices == "auto":
        gpus = physical_gpus()
        if gpus:
            enable_memory_growth()
            return [f"/GPU:{i}" for i in range(len(gpus))]
        if not _said_cpu:
            log.info("No GPU found: trials run on the CPU.")
            _said_cpu = True
        return ["/CPU:0"]
    if devices == "cpu":
        return ["/CPU:0"]
    if devices == "gpu":
        gpus = physical_gpus()
        if not gpus:
            raise InputValueError(f"devices='gpu' but {_BACKEND_NAMES.get(backend(), backend())} sees no "
                                  "GPU; use "
                                  "devices='auto' (GPUs, else the CPU) or 'cpu'. "
                                  "Received: devices='gpu'")
        enable_memory_growth()
        return [f"/GPU:{i}" for i in range(len(gpus))]
    if isinstance(devices, str):
        devices = [devices]
    names = [_normalise(d) for d in devices]
    if any(n.startswith("/GPU") for n in names):
        enable_memory_growth()
    available = set(available_devices())
    for name in names:
        if name not in available:
            raise InputValueError(
                f"Unknown device {name!r}. Available: {', '.join(sorted(available))}; or "
                f"devices='auto' to take every GPU, or 'cpu'. Received: {name!r}"
            )
    if len(set(names)) != len(names):
        raise InputValueError(f"A device is listed twice; list each once. Received: {names}")
    return names


@dataclass(frozen=True)
class Placement:
    """How a search places its trials: a device per worker, or one strategy over all devices."""

    devices: tuple[str, ...]
    mode: str  # "single", "workers" or "mirrored"

    @property
    def n_workers(self) -> int:
        return len(self.devices) if self.mode == "workers" else 1

    def device_for(self, worker: int) -> str:
        if self.mode == "mirrored":
            return "+".join(self.devices)
        return self.devices[worker % len(self.devices)]

    @contextlib.contextmanager
    def scope(self, worker: int = 0):
        """The context a trial runs in: ``keras.device`` on the worker's device (``tf.device``
        on TensorFlow), or a ``MirroredStrategy`` scope."""
        if self.mode == "mirrored":
            import tensorflow as tf

            strategy = tf.distribute.MirroredStrategy(list(self.devices))
            with strategy.scope():
                yield
        else:
            import keras

            with keras.device(keras_device_name(self.device_for(worker))):
                yield


def make_placement(devices: str | Sequence[str] | None = "auto", multi_device: str = "workers"
                   ) -> Placement:
    """Resolve ``devices`` and choose how several of them are used (see the module docstring)."""
    if multi_device not in ("workers", "mirrored"):
        raise InputValueError("`multi_device` must be 'workers' or 'mirrored'. "
                              f"Received: multi_device={multi_device!r}")
    names = tuple(resolve_devices(devices))
    if len(names) > 1 and multi_device == "mirrored":
        require_tensorflow("multi_device='mirrored' (tf.distribute.MirroredStrategy)",
                           "Use multi_device='workers' (one trial per device, in parallel), "
                           "which works on every backend.")
    if len(names) == 1:
        return Placement(names, "single")
    return Placement(names, multi_device)


def describe(devices: str | Sequence[str] | None = "auto", multi_device: str = "workers"
             ) -> dict[str, Any]:
    """What a search would use, for ``keras-zoo devices``: the backend, the devices it sees,
    whether it was built for GPUs (``built_with_cuda``), and the placement."""
    placement = make_placement(devices, multi_device)
    name = backend()
    if name == "tensorflow":
        import tensorflow as tf

        physical = [f"{d.device_type}: {d.name}" for d in tf.config.list_physical_devices()]
        cuda = tf.test.is_built_with_cuda()
    elif name == "jax":
        import jax

        physical = [f"{d.platform.upper()}: {d}" for d in jax.devices("cpu")]
        physical += [f"GPU: {d}" for d in physical_gpus()]
        cuda = bool(physical_gpus()) or any(  # jaxlib's CUDA plugin is installed
            importlib.util.find_spec(f"jax_cuda{v}_plugin") for v in (12, 13))
    else:
        import torch

        physical = ["CPU: cpu"] + [f"GPU: {d} ({torch.cuda.get_device_name(i)})"
                                   for i, d in enumerate(physical_gpus())]
        cuda = torch.version.cuda is not None
    return {
        "backend": name,
        "physical": physical,
        "gpus": len(physical_gpus()),
        "devices": list(placement.devices),
        "mode": placement.mode,
        "workers": placement.n_workers,
        "built_with_cuda": cuda,
    }
