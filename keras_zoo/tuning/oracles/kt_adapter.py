"""Keras Tuner's internals, in one place: the one module to read and fix when Keras Tuner changes.

keras-zoo builds on Keras Tuner's engine (its oracles, its chief/worker protocol, its trial
bookkeeping). The rest of :mod:`keras_zoo.tuning` uses Keras Tuner's public API only: the
extension points ``Oracle.populate_space`` (the grid), ``Oracle.update_trial`` (pruning: the
answer's status ``STOPPED``), ``Oracle.score_trial`` (a pruned trial's score), the public
methods ``Oracle.create_trial``/``update_trial``/``end_trial`` overridden under
``keras_tuner.synchronized`` and ``save``/``reload`` overridden, ``BaseTuner.run_trial`` (a trial is a
:class:`~keras_zoo.tuning.trial.job.TrialJob` run) and the ``BaseTuner`` hooks ``on_search_begin``,
``pre_create_trial``, ``on_trial_begin``, ``on_trial_end``, ``on_search_end`` (the tuner's own
search loop), the ``keras_tuner.engine`` modules (``Trial``, ``TrialStatus``, ``BaseTuner``: Keras
Tuner's generated public namespace), ``oracle.trials`` and the ``KERASTUNER_*`` environment
variables of Keras Tuner's documented distributed tuning. ``HyperModel.fit`` is not used: a
trial builds and trains through its :class:`~keras_zoo.tuning.trial.job.TrialJob`, not a hypermodel.

What the public API does not cover goes through the functions and the mixin below, each
exercised on real Keras Tuner objects by ``tests/tuning/test_kt_adapter.py``, and checked by
:func:`missing_hooks`, so that a release that renames one fails that test with the version in
its message, not a search. The internals that remain, and why:

* ``Oracle._save_trial`` (overridden, :class:`OracleHooks`): Keras Tuner writes ``trial.json``
  through it from ``create_trial``, ``update_trial`` and ``end_trial``, non-atomically; there is
  no public hook for where or how a trial is written.
* ``Oracle._check_consecutive_failures`` (overridden, :class:`OracleHooks`): ``end_trial`` calls
  it, and Keras Tuner's counts the failed trials of earlier runs, so a resumed search stopped at
  once.
* ``Oracle._project_dir``, ``_get_oracle_fname``, ``_get_trial_dir``, ``_set_project_dir``: where
  Keras Tuner keeps ``oracle.json`` and the ``trial_<id>`` folders (written atomically here, and
  reconciled with the trials' ``result.json`` on resume).
* ``create_trial`` restated (:func:`create_trial`): Keras Tuner numbers a trial ``len(trials)``,
  padded to ``len(str(max_trials))``, with no hook for the id; the restatement reads
  ``ongoing_trials``, ``tuner_ids``, ``_retry_queue``, ``start_order``, ``_record_values``,
  ``_display`` as Keras Tuner's own does.
* ``_retry_queue``, ``ongoing_trials``, ``tuner_ids``, ``end_order``: who runs which trial and
  what runs again. The chief releases a dead worker's trial (queued to run again, or recorded as
  ended when its result was written); there is no public call for either.
* ``_duplicate``: the grid hands out the first configuration not yet tried.
* ``start_order``, ``end_order``, ``_tried_so_far``, ``_id_to_hash``, ``_record_values``,
  ``_seed_state``, ``_run_times``, ``set_state`` and ``oracle.json``'s keys, Hyperband's
  ``_brackets``: a resume rebuilds the oracle's bookkeeping from the result files
  (:mod:`~keras_zoo.tuning.oracles.recovery`); Keras Tuner's ``reload`` trusts its own files.
* Hyperband's ``_random_trial`` and ``_get_size`` (overridden, :class:`ShortSpaceHyperband`):
  a space smaller than a bracket's first round stopped the search after that round.
* ``BaseTuner._is_worker``, ``_get_tuner_fname``: a worker leaves the oracle to the chief; the
  tuner's file is written atomically.
* gRPC: ``keras_tuner.src.distribute.oracle_chief.OracleServicer`` and
  ``keras_tuner.src.protos.get_service_grpc()`` (:func:`serve`: a server the search starts and
  stops itself, instead of ``start_server``, which exits on its own and polls every 20 s), and
  ``OracleClient.stub`` (:func:`use_channel`: a channel with the token and timeouts).

No longer used: ``BaseTuner._try_run_and_update_trial`` and ``_run_and_update_trial`` (the
tuner's loop runs a trial with ``run_trial`` and reports it with ``oracle.update_trial``), and a
client tuner to make Keras Tuner's chief exit (the search stops its own server).

Known to work with keras-tuner 1.4.7 and 1.4.8 (:data:`KNOWN_VERSIONS`; ``pyproject.toml``
declares ``keras-tuner>=1.4.7,<1.5``); another version logs a warning at import.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

import keras_tuner as kt
from keras_tuner.engine.trial import Trial, TrialStatus

log = logging.getLogger(__name__)

KNOWN_VERSIONS = ">=1.4.7,<1.5"
"""The Keras Tuner releases this module is known to work with (as in ``pyproject.toml``)."""
_KNOWN_FROM, _KNOWN_BELOW = (1, 4, 7), (1, 5)

ORACLE_PRIVATE = ("_get_oracle_fname", "_get_trial_dir", "_project_dir", "_set_project_dir",
                  "_retry_queue", "_duplicate", "_record_values", "_display",
                  "_check_consecutive_failures", "_save_trial", "_run_times", "_seed_state",
                  "_tried_so_far", "_id_to_hash")
"""Private oracle members used here (read, written, called or overridden)."""
ORACLE_STATE = ("ongoing_trials", "tuner_ids", "start_order", "end_order")
"""Oracle attributes (public but undocumented) used here."""
HYPERBAND_PRIVATE = ("_brackets", "_random_trial", "_get_size")
"""Private members of Keras Tuner's Hyperband oracle used here."""
TUNER_PRIVATE = ("_is_worker", "_get_tuner_fname")
"""Private ``BaseTuner`` members used here."""
STATE_KEYS = ("ongoing_trials", "start_order", "end_order")
"""Keys of ``oracle.json`` (``Oracle.get_state()``) read or replaced here."""

ORACLE_IP_ENV, ORACLE_PORT_ENV, TUNER_ID_ENV = ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT",
                                                "KERASTUNER_TUNER_ID")
"""Keras Tuner's distributed-tuning environment variables (its documented protocol)."""


# --- the version ----------------------------------------------------------------------------

def version() -> str:
    return getattr(kt, "__version__", "unknown")


def _release(text: str) -> tuple[int, ...] | None:
    numbers = [re.match(r"\d*", part).group() for part in text.split(".")[:3]]
    if not numbers or not numbers[0]:
        return None
    return tuple(int(n or 0) for n in numbers)


def known_version(installed: str | None = None) -> bool:
    """Whether ``installed`` (default: the installed Keras Tuner) is in :data:`KNOWN_VERSIONS`;
    logs a warning when it is not (the search may still work: ``tests/tuning/test_kt_adapter.py``
    says which internal moved)."""
    installed = installed or version()
    release = _release(installed)
    if release is not None and _KNOWN_FROM <= release < _KNOWN_BELOW:
        return True
    log.warning("keras-tuner %s is installed; keras-zoo is known to work with keras-tuner%s and "
                "uses some of its internals (keras_zoo/tuning/oracles/kt_adapter.py), which "
                "another release may have renamed. If a search fails, install keras-tuner%s.",
                installed, KNOWN_VERSIONS, KNOWN_VERSIONS)
    return False


def missing_hooks() -> list[str]:
    """The internals above that the installed Keras Tuner lacks (empty when all are there)."""
    from keras_tuner.engine.base_tuner import BaseTuner

    oracle = kt.oracles.RandomSearchOracle(objective="val_loss", max_trials=1)
    hyperband = kt.oracles.HyperbandOracle(objective="val_loss", max_epochs=2)
    missing = [f"{type(o).__name__}.{name}" for o, names in
               ((oracle, ORACLE_PRIVATE + ORACLE_STATE), (hyperband, HYPERBAND_PRIVATE))
               for name in names if not hasattr(type(o), name) and not hasattr(o, name)]
    if not hasattr(getattr(oracle, "_display", None), "on_trial_begin"):
        missing.append("Oracle._display.on_trial_begin")
    missing += [f"BaseTuner.{name}" for name in TUNER_PRIVATE if not hasattr(BaseTuner, name)]
    missing += [f"Oracle.get_state()[{key!r}]" for key in STATE_KEYS
                if key not in oracle.get_state()]
    try:
        _, protos = _grpc_modules()
        missing += [f"protos.get_service_grpc().{name}"
                    for name in ("add_OracleServicer_to_server", "OracleStub")
                    if not hasattr(protos.get_service_grpc(), name)]
    except ImportError as err:
        missing.append(f"keras_tuner.src.distribute ({err})")
    try:
        from keras_tuner.src.distribute import oracle_client

        if not hasattr(oracle_client, "OracleClient"):
            missing.append("keras_tuner.src.distribute.oracle_client.OracleClient")
    except ImportError as err:
        missing.append(f"keras_tuner.src.distribute.oracle_client ({err})")
    return missing


# --- where an oracle keeps its files --------------------------------------------------------

def set_project_dir(oracle: kt.Oracle, directory: str, project_name: str) -> None:
    """What ``BaseTuner`` does to an oracle it is given (tests, tools without a tuner)."""
    oracle._set_project_dir(directory, project_name)


def project_dir(oracle: kt.Oracle) -> str:
    """``directory/project_name`` (created when missing)."""
    return oracle._project_dir


def oracle_file(oracle: kt.Oracle) -> str:
    """The oracle's state file, ``oracle.json`` in the project directory."""
    return oracle._get_oracle_fname()


def trial_dir(oracle: kt.Oracle, trial_id: str) -> str:
    """The trial's folder, ``trial_<id>`` in the project directory (created when missing)."""
    return oracle._get_trial_dir(trial_id)


def save_trial(oracle: kt.Oracle, trial: Trial) -> None:
    """Write the trial's ``trial.json`` (atomically for keras-zoo's oracles: :class:`OracleHooks`)."""
    oracle._save_trial(trial)


# --- who runs which trial, and what runs again ----------------------------------------------

def ongoing(oracle: kt.Oracle) -> dict[str, Trial]:
    """The running trials by tuner id (the oracle's own dict: changes are the oracle's)."""
    return oracle.ongoing_trials


def tuner_ids(oracle: kt.Oracle) -> set[str]:
    """The ids of the tuners that asked for a trial and were not told to stop (the oracle's set)."""
    return oracle.tuner_ids


def start_order(oracle: kt.Oracle) -> list[str]:
    """The ids of the started trials, in the order they started (the oracle's list)."""
    return oracle.start_order


def end_order(oracle: kt.Oracle) -> list[str]:
    """The ids of the ended trials, in the order they ended (the oracle's list)."""
    return oracle.end_order


def record_ended(oracle: kt.Oracle, trial_id: str) -> None:
    """Count the trial as ended (once), as ``end_trial`` does."""
    if trial_id not in oracle.end_order:
        oracle.end_order.append(trial_id)


def retry_queue(oracle: kt.Oracle) -> list[str]:
    """The ids of started trials waiting to run again, the next one last (the oracle's list)."""
    return oracle._retry_queue


def queue_retry(oracle: kt.Oracle, trial_id: str) -> None:
    """Have the trial run again: ``create_trial`` hands it out before any new one."""
    oracle._retry_queue.append(trial_id)


def unqueue(oracle: kt.Oracle, trial_id: str) -> bool:
    """Take the trial off the retry queue; whether it was there."""
    if trial_id in oracle._retry_queue:
        oracle._retry_queue.remove(trial_id)
        return True
    return False


def is_duplicate(oracle: kt.Oracle, values: dict[str, Any]) -> bool:
    """Whether a started trial used these hyperparameter values."""
    return oracle._duplicate(values)


def record_values(oracle: kt.Oracle, trial: Trial) -> None:
    """Count the trial's values as tried (:func:`is_duplicate`)."""
    oracle._record_values(trial)


def display_begin(oracle: kt.Oracle, trial: Trial) -> None:
    """Keras Tuner's printout of a trial that starts (silent with ``oracle.verbose = 0``)."""
    oracle._display.on_trial_begin(trial)


def create_trial(oracle: kt.Oracle, tuner_id: str, new_id: Callable[[], str]) -> Trial:
    """Keras Tuner 1.4.8's ``Oracle.create_trial`` (call it under the oracle's lock), with a new
    trial's id from ``new_id()`` instead of ``len(trials)`` padded to ``len(str(max_trials))``."""
    if tuner_id in oracle.ongoing_trials:
        return oracle.ongoing_trials[tuner_id]
    oracle.tuner_ids.add(tuner_id)
    if oracle._retry_queue:  # started trials to run again come first
        trial = oracle.trials[oracle._retry_queue.pop()]
        trial.status = TrialStatus.RUNNING
        oracle.ongoing_trials[tuner_id] = trial
        oracle.save()
        oracle._display.on_trial_begin(trial)
        return trial
    trial_id = new_id()
    if oracle.max_trials and len(oracle.trials) >= oracle.max_trials:
        response = {"status": TrialStatus.STOPPED, "values": None}
    else:
        response = oracle.populate_space(trial_id)
    hyperparameters = oracle.hyperparameters.copy()
    hyperparameters.values = response.get("values") or {}
    trial = Trial(hyperparameters=hyperparameters, trial_id=trial_id, status=response["status"])
    if trial.status == TrialStatus.RUNNING:
        oracle._record_values(trial)
        oracle.ongoing_trials[tuner_id] = trial
        oracle.trials[trial_id] = trial
        oracle.start_order.append(trial_id)
        oracle._save_trial(trial)
        oracle.save()
        oracle._display.on_trial_begin(trial)
    if trial.status == TrialStatus.STOPPED:
        oracle.tuner_ids.discard(tuner_id)
    return trial


def check_consecutive_failures(oracle: kt.Oracle, skip: Iterable[str] = ()) -> None:
    """Keras Tuner 1.4.8's stop after ``max_consecutive_failed_trials`` failed trials in a row
    (in ``end_order``), not counting the trials in ``skip``.

    Raises:
        RuntimeError: Keras Tuner's, with its message.
    """
    skip = set(skip)
    in_a_row = 0
    for trial_id in oracle.end_order:
        if trial_id in skip:
            continue
        trial = oracle.trials[trial_id]
        in_a_row = in_a_row + 1 if trial.status == TrialStatus.FAILED else 0
        if in_a_row == oracle.max_consecutive_failed_trials:
            raise RuntimeError("Number of consecutive failures exceeded the limit of "
                               f"{oracle.max_consecutive_failed_trials}.\n"
                               + (trial.message or ""))


class OracleHooks:
    """Keras Tuner's private oracle methods that keras-zoo replaces, each forwarded to a method
    with a public name that a subclass overrides (mix in before the Keras Tuner oracle)."""

    def _save_trial(self, trial):  # Oracle.create_trial, update_trial and end_trial call it
        self.write_trial(trial)

    def _check_consecutive_failures(self):  # Oracle.end_trial calls it
        self.check_consecutive_failures()

    def write_trial(self, trial: Trial) -> None:
        """Write the trial's ``trial.json`` (Keras Tuner's, unless overridden)."""
        super()._save_trial(trial)

    def check_consecutive_failures(self) -> None:
        """Stop the search after too many failed trials (Keras Tuner's, unless overridden)."""
        super()._check_consecutive_failures()


# --- an oracle rebuilt from its files (keras_zoo.tuning.oracles.recovery) -------------------

def apply_state(oracle: kt.Oracle, state: dict[str, Any]) -> None:
    """Apply a state read from ``oracle.json``, with no trial running (each reruns or is done).

    Raises:
        KeyError, TypeError, ValueError, AttributeError: ``state`` is not a Keras Tuner oracle's;
            the oracle is left as it was (fresh).
    """
    fresh = (oracle.hyperparameters, oracle._seed_state)
    try:
        oracle.set_state({**state, "ongoing_trials": {}})
    except (KeyError, TypeError, ValueError, AttributeError):
        oracle.hyperparameters, oracle._seed_state = fresh
        oracle._run_times = collections.defaultdict(int)
        raise


def state_orders(state: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The start and end orders that a state read from ``oracle.json`` records."""
    return state["start_order"], state["end_order"]


def advance_seed(oracle: kt.Oracle, steps: int) -> None:
    """Move random and Bayesian search's seed on by ``steps`` draws."""
    oracle._seed_state += steps


def reset_bookkeeping(oracle: kt.Oracle, *, started: list[str], ended: list[str],
                      rerun: list[str]) -> None:
    """Set which trials started and ended, and which run again (``rerun``, the first first);
    none runs now, and the values of the started ones are the ones tried."""
    oracle.start_order = started
    oracle.end_order = ended
    oracle._retry_queue = list(reversed(rerun))  # popped from the end: the first started first
    oracle.ongoing_trials = {}
    oracle._tried_so_far = set()
    oracle._id_to_hash = collections.defaultdict(lambda: None)
    for trial_id in started:
        oracle._record_values(oracle.trials[trial_id])


class ShortSpaceHyperband:
    """A mixin for Keras Tuner's ``HyperbandOracle``: a bracket whose first round the space
    cannot fill (``_random_trial`` finds no new configuration) ends that round at the size it
    reached, and its later rounds shrink alike (``_get_size``), so successive halving goes on
    instead of the search stopping with every trial at the first round's epochs. Keras Tuner
    has no public hook for either. Only a finite space counts as used up (``zoo_space``'s
    grid size reached): Keras Tuner also gives up after 20 random draws that were all tried."""

    @property
    def exhausted_at(self) -> dict[int, int]:
        """Bracket -> the size its first round reached when the space ran out."""
        return self.__dict__.setdefault("_zoo_exhausted_at", {})

    def _used_up(self) -> bool:
        space = self.zoo_space  # declared by the oracle it is mixed into (strategies)
        size = space.grid_size if space is not None else None
        return size is not None and len(self._tried_so_far) >= size

    def _random_trial(self, trial_id: str, bracket: dict[str, Any]) -> dict[str, Any]:
        answer = super()._random_trial(trial_id, bracket)
        number, first_round = bracket["bracket_num"], bracket["rounds"][0]
        if (answer["status"] == "RUNNING" or not first_round or number in self.exhausted_at
                or not self._used_up()):
            return answer
        self.exhausted_at[number] = len(first_round)
        log.warning(
            "Hyperband: the space has no configuration left for bracket %d, whose first round "
            "wanted %d (it has %d); its rounds go on with those, so the best is trained for "
            "the full %d epochs. With so few configurations, strategy='grid' trains every "
            "one for %d epochs.", number, super()._get_size(number, 0), len(first_round),
            self.max_epochs, self.max_epochs)
        return self.populate_space(trial_id)  # once per bracket: its size is known now

    def _get_size(self, bracket_num: int, round_num: int) -> int:
        size = super()._get_size(bracket_num, round_num)
        short = self.exhausted_at.get(bracket_num)
        if short is None:
            return size
        return min(size, max(1, math.ceil(short / self.factor ** round_num)))

    def get_state(self) -> dict[str, Any]:
        state = super().get_state()
        state["zoo_exhausted_at"] = {str(k): v for k, v in self.exhausted_at.items()}
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        self.exhausted_at.clear()
        self.exhausted_at.update({int(k): int(v)
                                  for k, v in (state.get("zoo_exhausted_at") or {}).items()})


def hyperband_references(oracle: kt.Oracle) -> set[str]:
    """The ids of the trials a Hyperband oracle's state refers to (started, or in a bracket)."""
    referenced = set(oracle.start_order)
    for bracket in oracle._brackets:
        for round_info in bracket["rounds"]:
            referenced |= {info[k] for info in round_info for k in ("id", "past_id") if info[k]}
    return referenced


# --- the tuner and the chief/worker protocol ------------------------------------------------

def is_worker(tuner: Any) -> bool:
    """Whether the tuner is a worker of a chief's oracle (its ``oracle`` is a client)."""
    return tuner._is_worker()


def tuner_file(tuner: Any) -> str:
    """The tuner's state file, ``tuner_<tuner id>.json`` in the project directory."""
    return tuner._get_tuner_fname()


def has_chief() -> bool:
    """Whether this process takes part in a distributed search (chief or worker)."""
    return ORACLE_IP_ENV in os.environ


def worker_environ(host: str, port: int | str, tuner_id: str) -> dict[str, str]:
    """The environment that makes a ``BaseTuner`` built in it a worker of the chief at
    ``host:port`` (its oracle becomes a client of the chief's)."""
    return {ORACLE_IP_ENV: host, ORACLE_PORT_ENV: str(port), TUNER_ID_ENV: tuner_id}


def chief_environ(host: str) -> dict[str, str]:
    """The environment that makes a ``BaseTuner`` built in it the chief (it keeps its oracle)."""
    return {ORACLE_IP_ENV: host, ORACLE_PORT_ENV: "0", TUNER_ID_ENV: "chief"}


def _grpc_modules() -> tuple[Any, Any]:
    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer

    return OracleServicer, protos


def serve(oracle: kt.Oracle, host: str, port: int, *, interceptors: tuple[Any, ...] = (),
          handlers: tuple[Any, ...] = (), options: tuple[tuple[str, Any], ...] = (),
          threads: int = 8) -> tuple[Any, int]:
    """Serve ``oracle`` with Keras Tuner's servicer (plus ``handlers``) on ``host:port``
    (port 0: any free one), with gRPC's ``options`` (the message sizes of
    :data:`~keras_zoo.tuning.runtime.wire.GRPC_OPTIONS`); returns the started server and its port.

    ``SO_REUSEPORT`` is off (gRPC turns it on by default, which would let two searches bind the
    same port and serve each other's workers).

    Raises:
        OSError: The address cannot be listened on (in use, not this machine's).
    """
    from concurrent import futures

    import grpc

    servicer, protos = _grpc_modules()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=threads),
                         interceptors=list(interceptors),
                         options=[("grpc.so_reuseport", 0), *options])
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


known_version()
