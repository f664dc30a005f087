"""What travels between a search's chief and its workers: the token, the job as data, messages.

* **The token.** Every call to a chief carries it (gRPC metadata); the chief's :class:`Gate`
  refuses a call without the right one (``UNAUTHENTICATED``) before it reaches the oracle, so
  it changes nothing. A chief always has a token: the one given (``--token-file`` or the
  ``KERAS_ZOO_TOKEN`` environment variable), or on 127.0.0.1 a random one written to the
  search directory (:data:`TOKEN_FILE`, readable by its owner only).
* **The job as data.** A worker on another machine gets the search's job from the chief as JSON
  plus the dataset's arrays in ``.npz`` form (read with ``allow_pickle=False``): nothing read
  from the network is unpickled. The factory travels by name: a registered model name, or the
  import path (``module:function``) of a function every worker can import; a lambda, a nested
  function or one defined in ``__main__`` is refused with :class:`InputValueError`.
* **Messages.** The chief's own service (:mod:`~keras_zoo.tuning.runtime.remote`) speaks bytes: a
  JSON header line, then an optional binary payload (:func:`pack`, :func:`unpack`).
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import hmac
import importlib
import io
import ipaddress
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from keras_zoo.base.errors import InputValueError

FORMAT = 1
"""The version of what travels; a chief and a worker of different versions refuse each other."""
TOKEN_ENV = "KERAS_ZOO_TOKEN"
"""The environment variable a chief and its workers read the token from."""
ALLOW_ENV = "KERAS_ZOO_ALLOW_IMPORT"
"""The modules a joining worker process may import a factory from (comma-separated)."""
TOKEN_FILE = ".keras-zoo-token"
"""Where a chief serving on 127.0.0.1 without a given token writes the one it made."""
TOKEN_KEY, WORKER_KEY, SESSION_KEY = "x-keras-zoo-token", "x-keras-zoo-worker", "x-keras-zoo-session"
SERVICE = "keras_zoo.Search"
JOIN = f"/{SERVICE}/Join"
MAX_MESSAGE = 512 * 2**20
"""The largest message either side accepts (the dataset's arrays travel in one message)."""
GRPC_OPTIONS = [("grpc.max_send_message_length", MAX_MESSAGE),
                ("grpc.max_receive_message_length", MAX_MESSAGE)]
RECONNECT_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 500),
                     ("grpc.min_reconnect_backoff_ms", 500),
                     ("grpc.max_reconnect_backoff_ms", 5000)]
"""A worker's channel tries again within 5 s: gRPC's default backoff grows to 120 s, so a
worker started before its chief could miss it for minutes (and give up with "No search
answered" while the chief was serving)."""


# === Addresses and tokens ===

def parse_address(address: Any, what: str = "serve") -> tuple[str, int]:
    """``"HOST:PORT"`` -> ``(host, port)``; ``[::1]:7000`` for IPv6. Port 0: any free port."""
    text = str(address).strip() if isinstance(address, str) else ""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise InputValueError(f"`{what}` must be an address HOST:PORT (e.g. 127.0.0.1:7000, "
                              f"0.0.0.0:7000 for every interface). Received: {what}={address!r}")
    return host, int(port)


def join_address(host: str, port: int | str) -> str:
    """``host:port``, an IPv6 host in brackets (``[::1]:7000``)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return False


def read_token(token: str | None = None, token_file: str | None = None) -> str | None:
    """The token given, read from ``token_file``, or from :data:`TOKEN_ENV` (``None``: none).

    Raises:
        InputValueError: An unreadable or empty token file, or an empty token.
    """
    if token is None and token_file is not None:
        try:
            with open(token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as err:
            raise InputValueError(f"Cannot read the token file {token_file!r} ({err}). "
                                  f"Received: token_file={token_file!r}") from err
        if not token:
            raise InputValueError(f"The token file {token_file!r} is empty. "
                                  f"Received: token_file={token_file!r}")
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise InputValueError(f"The token must be a non-empty string. Received: {token!r}")
    return token.strip() if token else None


def chief_token(host: str, token: str | None, directory: str) -> str:
    """The token a chief on ``host`` checks: the one given, or on 127.0.0.1 the one in
    ``directory/.keras-zoo-token`` (mode 0600): written at random the first time, reused when
    the search is resumed, so that its workers stay accepted.

    Raises:
        InputValueError: Serving on an address other than 127.0.0.1 without a token.
    """
    if token:
        return token
    if not is_loopback(host):
        raise InputValueError(
            f"Serving a search on {host} (reachable from other machines) requires a token, so "
            "that only your workers can reach it: give --token-file FILE (token=... in Python) "
            f"or set {TOKEN_ENV}, and the same to every worker. Create one with: "
            "openssl rand -hex 16 > token.txt. "
            f"Received: serve on {host} without a token")
    path = os.path.join(directory, TOKEN_FILE)
    with contextlib.suppress(OSError, ValueError):
        with open(path, encoding="utf-8") as handle:
            kept = handle.read().strip()
        if kept:
            return kept
    token = secrets.token_hex(16)
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token


# === The chief's gate ===

class Gate:
    """A gRPC server interceptor: the token on every call, the chief's session, and who was seen.

    Args:
        token: The token every call must carry.
        session: This chief's session (a new one each time a chief starts). A call from a
            worker of an earlier session (a chief that was restarted) is refused with
            ``FAILED_PRECONDITION``: the worker joins again.

    Attributes:
        last_seen: Worker id -> ``time.monotonic()`` of its last call.
        released: Workers the chief gave up on (no heartbeat in time): refused, they rejoin.
    """

    def __init__(self, token: str, session: str):
        import grpc

        self.token = token.encode()
        self.session = session
        self.last_seen: dict[str, float] = {}
        self.released: set[str] = set()
        self.lock = threading.Lock()  # last_seen and released (the supervisor reads them)

        def refuse(code: Any, message: str) -> Any:
            def abort(request: Any, context: Any) -> Any:
                context.abort(code, message)

            return grpc.unary_unary_rpc_method_handler(abort)

        self._denied = refuse(grpc.StatusCode.UNAUTHENTICATED,
                              "wrong or missing token: this chief needs the token it was "
                              "started with")
        self._restarted = refuse(grpc.StatusCode.FAILED_PRECONDITION,
                                 "the chief was restarted: join again")
        self._released = refuse(grpc.StatusCode.FAILED_PRECONDITION,
                                "this worker missed its heartbeats and was released: join again")
        self.interceptor = _make_interceptor(self)

    def check(self, method: str, metadata: Mapping[str, str]) -> Any:
        """``None`` when the call may go on, else the handler that refuses it."""
        if not hmac.compare_digest(metadata.get(TOKEN_KEY, "").encode(), self.token):
            return self._denied
        worker = metadata.get(WORKER_KEY, "")
        if method != JOIN and metadata.get(SESSION_KEY) != self.session:
            return self._restarted
        with self.lock:  # checked and marked seen in one step: a release cannot come between
            if worker in self.released:
                return self._released
            if worker:
                self.last_seen[worker] = time.monotonic()
        return None


def _make_interceptor(gate: Gate) -> Any:
    import grpc

    class _Interceptor(grpc.ServerInterceptor):
        def intercept_service(self, continuation, handler_call_details):
            metadata = dict(handler_call_details.invocation_metadata or ())
            refusal = gate.check(handler_call_details.method, metadata)
            return refusal if refusal is not None else continuation(handler_call_details)

    return _Interceptor()


# === A worker's credentials ===

class _CallDetails(collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready",
                         "compression"))):
    pass


def credentials_channel(address: str, token: str | None, ids: Mapping[str, str],
                        timeout: float) -> Any:
    """A gRPC channel to ``address`` whose calls carry the token, the worker's id and the
    chief's session (``ids["worker"]``, ``ids["session"]``, read at each call), and give up
    after ``timeout`` seconds (Keras Tuner's client waits an hour)."""
    import grpc

    class _Credentials(grpc.UnaryUnaryClientInterceptor):
        def intercept_unary_unary(self, continuation, details, request):
            metadata = [*(details.metadata or ()), (TOKEN_KEY, token or ""),
                        (WORKER_KEY, ids.get("worker", "")),
                        (SESSION_KEY, ids.get("session", ""))]
            limit = timeout if details.timeout is None else min(details.timeout, timeout)
            return continuation(_CallDetails(details.method, limit, metadata,
                                             details.credentials, details.wait_for_ready,
                                             details.compression), request)

    channel = grpc.insecure_channel(address, options=[*GRPC_OPTIONS, *RECONNECT_OPTIONS])
    return grpc.intercept_channel(channel, _Credentials())


def proof(token: bytes | str, nonce: str) -> str:
    """What a chief answers a joining worker's ``nonce`` with: an HMAC of it under the token, so
    the worker knows it reached a server that knows the token before it uses anything sent."""
    key = token.encode() if isinstance(token, str) else token
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def proof_ok(token: str | None, nonce: str, answer: Any) -> bool:
    return isinstance(answer, str) and hmac.compare_digest(proof(token or "", nonce), answer)


def allowed_imports() -> list[str]:
    """The modules this worker process may import a factory from (:data:`ALLOW_ENV`)."""
    return [m.strip() for m in os.environ.get(ALLOW_ENV, "").split(",") if m.strip()]


# === Messages ===

def pack(header: Mapping[str, Any], payload: bytes = b"") -> bytes:
    """A message: one JSON line, then the payload's bytes."""
    return json.dumps(header, allow_nan=True).encode() + b"\n" + payload


def unpack(message: bytes) -> tuple[dict[str, Any], bytes]:
    head, _, payload = message.partition(b"\n")
    return json.loads(head.decode()), payload


# === The job as data ===

def _encode(value: Any, where: str) -> Any:
    """JSON with tuples kept (``{"__tuple__": [...]}``); anything else than JSON's own types
    and NumPy scalars is refused, naming where it was."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: _encode(v, f"{where}.{k}") for k, v in value.items()}
    raise InputValueError(
        f"A search served to other machines sends its job as data (JSON), and {where} is a "
        f"{type(value).__name__}, which JSON cannot hold; give it as a name, number, string, list "
        f"or dict (or run the search on one machine). Received: {value!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_decode(v) for v in value["__tuple__"])
        return {k: _decode(v) for k, v in value.items()}
    return value


def factory_reference(name: str, factory: Callable[..., Any]) -> dict[str, str]:
    """How a worker finds the factory: a registered name, or an importable ``module:function``.

    Raises:
        InputValueError: A factory another machine cannot import.
    """
    from keras_zoo.zoo import registry

    if name in registry.list_models() and registry.model_info(name).factory is factory:
        return {"registered": name}
    module = getattr(factory, "__module__", None) or ""
    qualname = getattr(factory, "__qualname__", None) or ""
    if module != "__main__" and "<" not in qualname and module:
        try:
            found = _import(f"{module}:{qualname}")
        except (ImportError, AttributeError):
            found = None
        if found is factory:
            return {"import": f"{module}:{qualname}"}
    raise InputValueError(
        "A search served to other machines names its factory for the workers: give a "
        "registered model name or a module-level function of a module every worker can import "
        "(module:function; not a lambda, a nested function or one defined in a script's or "
        f"notebook's __main__). Received: {name}")


def _import(path: str) -> Any:
    module, _, qualname = path.partition(":")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


_NOT_FIT = ("model_name", "factory", "space", "fixed", "data")


def encode_job(job: Any) -> tuple[dict[str, Any], bytes]:
    """A :class:`~keras_zoo.tuning.trial.job.TrialJob` as a JSON-able header and its dataset's
    arrays as ``.npz`` bytes.

    Raises:
        InputValueError: A factory that cannot be named, a fixed keyword JSON cannot hold, or
            arrays of Python objects (which ``.npz`` holds only pickled).
    """
    from keras_zoo.tuning.trial.job import fingerprint

    data = job.data
    arrays: dict[str, np.ndarray] = {}
    x_keys: dict[str, list[str] | None] = {}
    for split in ("train", "val", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        if isinstance(x, Mapping):
            x_keys[split] = list(x)
            arrays.update({f"x_{split}/{k}": np.asarray(v) for k, v in x.items()})
        else:
            x_keys[split] = None
            arrays[f"x_{split}"] = np.asarray(x)
        arrays[f"y_{split}"] = np.asarray(y)
    objects = [k for k, a in arrays.items() if a.dtype.kind == "O"]
    if objects:
        raise InputValueError(
            "A search served to other machines sends its dataset as arrays, and "
            f"{', '.join(objects)} hold Python objects (text?), which cannot travel without "
            "pickle; encode them as numbers or strings first. Received: dataset "
            f"{data.name!r}")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    metadata = {}
    for key, value in (data.metadata or {}).items():
        try:
            metadata[key] = _encode(value, f"metadata {key!r}")
        except InputValueError:
            continue  # a loader's extra (a tokenizer ...): trials do not read it
    header = {
        "format": FORMAT,
        "factory": factory_reference(job.model_name, job.factory),
        "model_name": job.model_name,
        "fixed": _encode(job.fixed, "a fixed keyword"),
        "space": [_encode(dataclasses.asdict(axis), f"space axis {name!r}")
                  for name, axis in job.space.axes.items()],
        "fit": {f.name: _encode(getattr(job, f.name), f.name) for f in dataclasses.fields(job)
                if f.name not in _NOT_FIT},
        "data": {"name": data.name, "task": data.task, "num_classes": data.num_classes,
                 "class_names": data.class_names, "feature_names": data.feature_names,
                 "metadata": metadata, "x_keys": x_keys, "fingerprint": fingerprint(data)},
    }
    return header, buffer.getvalue()


def decode_job(header: Mapping[str, Any], payload: bytes, allowed: Sequence[str] = ()) -> Any:
    """The :class:`~keras_zoo.tuning.trial.job.TrialJob` :func:`encode_job` sent; a factory by
    import path only from a module in ``allowed`` (or under a package in it).

    Raises:
        InputValueError: Another format, a factory this machine may not or cannot import, or a
            dataset that arrived different from the chief's.
    """
    if header.get("format") != FORMAT:
        raise InputValueError(f"The chief sends jobs in format {header.get('format')!r}, this "
                              f"worker reads format {FORMAT}: run the same keras-zoo version on "
                              "the chief and the workers.")
    from keras_zoo.datasets.core import Dataset
    from keras_zoo.tuning.space import Axis, Space
    from keras_zoo.tuning.trial.job import TrialJob, fingerprint
    from keras_zoo.zoo import registry

    reference = header["factory"]
    if "registered" in reference:
        factory = registry.model_info(reference["registered"]).factory
    else:
        module = str(reference.get("import", "")).partition(":")[0]
        if not any(module == m or module.startswith(m + ".") for m in allowed):
            raise InputValueError(
                f"The chief asks this worker to import the factory {reference.get('import')!r}. "
                "A worker imports only what it was allowed to: start it with --allow-import "
                f"{module.split('.')[0]} (allow_imports=[...] in Python) if you trust that code.")
        try:
            factory = _import(reference["import"])
        except (ImportError, AttributeError) as err:
            raise InputValueError(
                f"This worker cannot import the search's factory {reference['import']!r} "
                f"({type(err).__name__}: {err}); install the module it lives in on this "
                "machine.") from err
    with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = header["data"]
    splits: dict[str, Any] = {}
    for split in ("train", "val", "test"):
        keys = meta["x_keys"][split]
        splits[f"x_{split}"] = ({k: arrays[f"x_{split}/{k}"] for k in keys} if keys is not None
                                else arrays[f"x_{split}"])
        splits[f"y_{split}"] = arrays[f"y_{split}"]
    data = Dataset(name=meta["name"], task=meta["task"], num_classes=meta["num_classes"],
                   class_names=meta["class_names"], feature_names=meta["feature_names"],
                   metadata=_decode(meta["metadata"]), **splits)
    if fingerprint(data) != meta["fingerprint"]:
        raise InputValueError("The dataset arrived different from the chief's (fingerprint "
                              "mismatch); the worker does not train on it.")
    axes = {}
    for spec in header["space"]:
        spec = _decode(spec)
        axes[spec["name"]] = Axis(**spec)
    return TrialJob(model_name=header["model_name"], factory=factory, space=Space(axes, {}),
                    fixed=_decode(header["fixed"]), data=data, **_decode(header["fit"]))
