"""Keras Tuner's internals, in one place.

keras-zoo builds on Keras Tuner's engine (its oracles, its chief/worker protocol, its trial
bookkeeping) and uses its public extension points where they suffice: ``Oracle.populate_space``
(the grid), ``Oracle.update_trial`` (pruning), ``BaseTuner.run_trial`` (a trial is a
:class:`~keras_zoo.tuning.trial.TrialJob` run). What they do not cover goes through the names
below, each checked by ``tests/tuning/test_kt_adapter.py`` against the installed Keras Tuner, so
that a release that renames one fails that test with the version in its message, not a search.

Known to work with keras-tuner 1.4.7 and 1.4.8 (``pyproject.toml`` declares
``keras-tuner>=1.4.7,<1.5``).
"""

from __future__ import annotations

from typing import Any

import keras_tuner as kt

KNOWN_VERSIONS = ">=1.4.7,<1.5"

ORACLE_PRIVATE = ("_get_oracle_fname", "_get_trial_dir", "_project_dir", "_retry_queue",
                  "_duplicate", "_record_values", "_display", "_check_consecutive_failures",
                  "_save_trial", "_run_times")
"""Private oracle members the tuning code reads or overrides."""
ORACLE_STATE = ("ongoing_trials", "tuner_ids", "start_order", "end_order", "trials")
"""Oracle attributes (public but undocumented) the tuning code reads."""
TUNER_PRIVATE = ("_try_run_and_update_trial", "_run_and_update_trial", "_is_worker",
                 "_get_tuner_fname", "_populate_initial_space")
"""Private ``BaseTuner`` members the tuning code calls or overrides."""


def version() -> str:
    return getattr(kt, "__version__", "unknown")


def missing_hooks() -> list[str]:
    """The internals above that the installed Keras Tuner lacks (empty when all are there)."""
    from keras_tuner.engine.base_tuner import BaseTuner

    oracle = kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=1)
    missing = [f"Oracle.{name}" for name in ORACLE_PRIVATE + ORACLE_STATE
               if not hasattr(oracle, name) and not hasattr(type(oracle), name)]
    missing += [f"BaseTuner.{name}" for name in TUNER_PRIVATE if not hasattr(BaseTuner, name)]
    try:
        servicer, protos = _grpc_modules()
        if not hasattr(protos.get_service_grpc(), "add_OracleServicer_to_server"):
            missing.append("protos.get_service_grpc().add_OracleServicer_to_server")
        if not hasattr(protos.get_service_grpc(), "OracleStub"):
            missing.append("protos.get_service_grpc().OracleStub")
        del servicer
    except ImportError as err:
        missing.append(f"keras_tuner.src.distribute ({err})")
    try:
        from keras_tuner.src.distribute import oracle_client

        if not hasattr(oracle_client, "OracleClient"):
            missing.append("keras_tuner.src.distribute.oracle_client.OracleClient")
    except ImportError as err:
        missing.append(f"keras_tuner.src.distribute.oracle_client ({err})")
    return missing


def _grpc_modules() -> tuple[Any, Any]:
    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer

    return OracleServicer, protos


def serve(oracle: kt.Oracle, host: str, port: int, *, interceptors: tuple[Any, ...] = (),
          handlers: tuple[Any, ...] = (), threads: int = 8) -> tuple[Any, int]:
    """Serve ``oracle`` with Keras Tuner's servicer (plus ``handlers``) on ``host:port``
    (port 0: any free one); returns the started gRPC server and its port.

    ``SO_REUSEPORT`` is off (gRPC turns it on by default, which would let two searches bind the
    same port and serve each other's workers).

    Raises:
        OSError: The address cannot be listened on (in use, not this machine's).
    """
    from concurrent import futures

    import grpc

    from keras_zoo.tuning.wire import GRPC_OPTIONS

    servicer, protos = _grpc_modules()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=threads),
                         interceptors=list(interceptors),
                         options=[("grpc.so_reuseport", 0), *GRPC_OPTIONS])
    protos.get_service_grpc().add_OracleServicer_to_server(servicer(oracle), server)
    if handlers:
        server.add_generic_rpc_handlers(tuple(handlers))
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        bound = server.add_insecure_port(where)
    except RuntimeError:  # newer gRPC raises instead of returning 0
        bound = 0
    if not bound:
        raise OSError(f"cannot listen on {where} (the port is in use, or the address is not "
                      "one of this machine's)")
    server.start()
    return server, bound


def use_channel(client: Any, channel: Any) -> None:
    """Make a worker's ``OracleClient`` (``tuner.oracle`` in a Keras Tuner worker) call the chief
    through ``channel`` (one that carries the token and gives up in time; Keras Tuner's own is
    an insecure channel whose calls wait up to an hour)."""
    _, protos = _grpc_modules()
    client.stub = protos.get_service_grpc().OracleStub(channel)
