"""A search across machines: a chief (``tune --serve``) and workers (``keras-zoo worker``).

The chief and every worker are separate processes, each with its own working directory (no
shared files: the job travels as data, results and models come back over the connection). The
kills are real SIGKILLs. One test puts chief and worker in two Linux network namespaces joined
by a veth pair (addresses only inside those namespaces), as two hosts would be.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

import keras_zoo as kz
from keras_zoo.base.errors import InputValueError
from keras_zoo.tuning import wire
from keras_zoo.tuning.results import SearchResult

KERAS_ZOO = os.path.join(os.path.dirname(sys.executable), "keras-zoo")
GRID = ["--set", "activation=relu,tanh,elu", "--set", "learning_rate=0.001,0.01",
        "--set", "hidden_units=[16],[32]"]  # 12 configurations


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _chief(directory, address, token_file, *extra, prefix=(), epochs=3, cwd=None):
    """``tune --serve --no-train`` on a 12-trial grid; ``epochs`` without early stopping."""
    return subprocess.Popen(
        [*prefix, KERAS_ZOO, "tune", "ann", "--dataset", "digits", *GRID, "--epochs",
         str(epochs), "--patience", str(epochs), "--directory", directory, "--serve", address, "--token-file", token_file,
         "--no-train", "--quiet", *extra],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)


def _worker(address, work_dir, token_file=None, *, prefix=(), env=None):
    args = [*prefix, KERAS_ZOO, "worker", address, "--work-dir", work_dir,
            "--reconnect-timeout", "40"]
    if token_file:
        args += ["--token-file", token_file]
    os.makedirs(work_dir, exist_ok=True)
    return subprocess.Popen(args, cwd=work_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env=env)


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _results(directory):
    root = os.path.join(directory, "trials")
    out = []
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        path = os.path.join(root, name, "result.json")
        if os.path.exists(path):
            with open(path) as handle:
                out.append(json.load(handle))
    return out


def _ongoing(directory) -> dict:
    try:
        with open(os.path.join(directory, "trials", "oracle.json")) as handle:
            return json.load(handle).get("ongoing_trials", {})
    except (OSError, ValueError):
        return {}


def _finish(proc, timeout=240):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"process did not finish: {err[-3000:]}") from None
    return proc.returncode, out, err


def _kill_all(*procs):
    for proc in procs:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _check_complete_grid(directory):
    """12 trials, each configuration exactly once, all completed, the best model at the chief."""
    records = _results(directory)
    assert len(records) == 12
    assert all(r["status"] == "completed" for r in records), [r.get("error") for r in records]
    combos = {json.dumps(r["params"], sort_keys=True) for r in records}
    assert len(combos) == 12
    result = SearchResult.load(directory)
    assert len(result.leaderboard) == 12
    model = result.best_model  # sent back by the worker that trained it
    assert model.count_params() > 0
    return records


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token.txt"
    path.write_text("s3cret-" + uuid.uuid4().hex + "\n")
    return str(path)


# === The door: the token, the session ===

def test_calls_without_the_right_token_are_refused_and_change_nothing(tmp_path):
    import grpc
    import keras_tuner as kt
    from keras_tuner.src import protos

    from keras_zoo.tuning import kt_adapter
    from keras_zoo.tuning.space import Space
    from keras_zoo.tuning.tuner import make_oracle

    space = Space.parse({"units": [1, 2, 3]}, "grid")
    oracle = make_oracle("grid", space, kt.Objective("val_loss", "min"), max_trials=None,
                         seed=0, max_epochs=1, max_consecutive_failures=3)
    kt_adapter.set_project_dir(oracle, str(tmp_path), "trials")  # as Keras Tuner's tuner does
    oracle.serving = True
    gate = wire.Gate("right-token", "session-1")
    server, port = kt_adapter.serve(oracle, "127.0.0.1", 0, interceptors=(gate.interceptor,))
    service = protos.get_service()
    try:
        def create(token=None, session="session-1"):
            ids = {"worker": "w", "session": session}
            channel = (grpc.insecure_channel(f"127.0.0.1:{port}") if token is None
                       else wire.credentials_channel(f"127.0.0.1:{port}", token, ids, 10))
            stub = protos.get_service_grpc().OracleStub(channel)
            return stub.CreateTrial(service.CreateTrialRequest(tuner_id="w"), timeout=10)

        for token in (None, "wrong-token", ""):
            with pytest.raises(grpc.RpcError) as refused:
                create(token)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert oracle.trials == {} and kt_adapter.ongoing(oracle) == {}  # nothing changed
        with pytest.raises(grpc.RpcError) as stale:  # a worker of a chief that restarted
            create("right-token", session="session-0")
        assert stale.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert oracle.trials == {}
        from keras_tuner.engine.trial import Trial

        reply = create("right-token")
        assert oracle.stop_error is None
        assert Trial.from_proto(reply.trial).status == "RUNNING" and len(oracle.trials) == 1
    finally:
        server.stop(0).wait()


def test_serving_beyond_this_machine_needs_a_token(tmp_path, monkeypatch):
    monkeypatch.delenv(wire.TOKEN_ENV, raising=False)
    directory = tmp_path / "search"
    with pytest.raises(InputValueError, match="requires a token"):
        kz.tuning.search("ann", "iris", {"activation": ["relu", "elu"]}, epochs=1,
                         directory=str(directory), serve="0.0.0.0:7000", verbose=0)
    assert not directory.exists()  # refused before anything was written
    with pytest.raises(InputValueError, match="HOST:PORT"):
        kz.tuning.search("ann", "iris", {"activation": ["relu"]}, directory=str(directory),
                         serve="7000", verbose=0)


def test_a_factory_other_machines_cannot_import_is_refused(tmp_path):
    def local_factory(input_dim=None, *, task=None, num_classes=None, normalization=None,
                      seed=None):
        return kz.zoo.ann(input_dim, task=task, num_classes=num_classes, seed=seed)

    directory = tmp_path / "search"
    with pytest.raises(InputValueError, match="registered model name or a module-level"):
        kz.tuning.search(local_factory, "iris", {"seed": [0, 1]}, epochs=1,
                         directory=str(directory), serve="127.0.0.1:0", verbose=0)
    assert not (directory / "trials").exists()


def test_the_job_travels_as_data_and_arrives_the_same():
    from keras_zoo.tuning import checks

    job, _ = checks.build_job(
        "ann", "iris", {"hidden_units": [(8, 4), (16,)], "learning_rate": [1e-3, 1e-2]},
        strategy="grid", objective=None, epochs=3, batch_size=None, patience=2,
        early_stopping=True, executions_per_trial=1, seed=0, keep_models="best",
        fixed={"dropout": 0.1})
    job.search_id = "abc123"
    header, payload = wire.encode_job(job)
    json.dumps(header)  # plain JSON: nothing to unpickle
    with np.load(__import__("io").BytesIO(payload), allow_pickle=False) as npz:
        assert set(npz.files) >= {"x_train", "y_train", "x_val", "y_val"}
    back = wire.decode_job(json.loads(json.dumps(header)), payload)
    assert back.factory is job.factory and back.fixed == job.fixed
    assert back.space.axes["hidden_units"].values == [(8, 4), (16,)]  # tuples kept
    assert back.space.grid_size == job.space.grid_size
    np.testing.assert_array_equal(back.data.x_train, job.data.x_train)
    assert (back.objective, back.direction, back.epochs, back.search_id) == (
        job.objective, job.direction, 3, "abc123")
    job.fixed["callback"] = object()  # JSON cannot hold it: refused, named
    with pytest.raises(InputValueError, match="callback"):
        wire.encode_job(job)


# === Chief and workers as separate processes ===

@pytest.mark.large
def test_two_workers_finish_a_grid_once_and_a_killed_worker_loses_nothing(tmp_path, token_file):
    port = _free_port()
    address = f"127.0.0.1:{port}"
    directory = str(tmp_path / "chief" / "search")
    os.makedirs(tmp_path / "chief")
    chief = _chief(directory, address, token_file, "--worker-timeout", "4", epochs=40,
                   cwd=str(tmp_path / "chief"))
    a = _worker(address, str(tmp_path / "a"), token_file)
    b = _worker(address, str(tmp_path / "b"), token_file)
    intruder = _worker(address, str(tmp_path / "c"), token_file=None,
                       env={**os.environ, wire.TOKEN_ENV: "not-the-token"})
    try:
        code, _, err = _finish(intruder, 90)
        assert code == 1 and "refused this worker's token" in err
        assert not os.path.exists(os.path.join(directory, "trials", "trial_12"))
        # Kill worker a (its process group: the supervisor and its trial's process) mid-trial.
        a_id, b_id = _joined_as(a), _joined_as(b)
        _wait(lambda: a_id in _ongoing(directory), 60, f"{a_id} running a trial")
        os.killpg(a.pid, signal.SIGKILL)
        a.communicate()
        code, _out, err = _finish(chief)
        assert code == 0, err[-3000:]
        # The chief says what became of the trial a was running when it went silent: it runs
        # again elsewhere, or (when a's result had arrived just before the kill and
        # oracle.json, saved a moment later, still showed it running) its result is kept.
        said = re.search(rf"Worker {re.escape(a_id)} sent no heartbeat for 4 s while running "
                         r"trial (\S+), which (runs again|was done)", err)
        assert said, err[-3000:]
        records = _check_complete_grid(directory)
        ran_by = {r["trial_id"]: r["worker"] for r in records}
        trial, outcome = said.group(1), said.group(2)
        if outcome == "runs again":
            assert ran_by[trial] == b_id  # nothing lost; the grid check: nothing twice
        else:
            assert ran_by[trial] == a_id  # done before the kill: kept, not run again
        assert _finish(b)[0] == 0  # told the search is over: exits 0
        assert not os.path.exists(os.path.join(str(tmp_path / "b"), "search"))
        assert {r["worker"] for r in records} <= {a_id, b_id}
    finally:
        _kill_all(chief, a, b, intruder)


def _joined_as(proc) -> str:
    """The id the chief gave a worker (from its ``joined ... as ID`` line)."""
    if not hasattr(proc, "_joined"):
        deadline = time.monotonic() + 90
        lines = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            lines.append(line)
            match = re.search(r"joined the search at \S+ as (\S+)", line)
            if match:
                proc._joined = match.group(1)
                break
        else:
            raise AssertionError("worker never joined: " + "".join(lines)[-2000:])
    return proc._joined


@pytest.mark.large
def test_a_restarted_chief_resumes_and_workers_rejoin_or_join_late(tmp_path, token_file):
    port = _free_port()
    address = f"127.0.0.1:{port}"
    directory = str(tmp_path / "search")
    chief = _chief(directory, address, token_file, epochs=40)
    a = _worker(address, str(tmp_path / "a"), token_file)
    late = restarted = None
    try:
        _wait(lambda: len(_results(directory)) >= 3, 120, "three results")
        os.killpg(chief.pid, signal.SIGKILL)  # the chief's machine goes down mid-search
        chief.communicate()
        done_before = len(_results(directory))
        assert done_before < 12
        # a worker that was not there before the crash, started while the chief is down: it
        # waits for the address and joins the restarted chief with worker a (started after the
        # restart, its seconds of importing TensorFlow let a take every remaining trial on a
        # loaded machine, and the check that both took part saw one worker)
        late = _worker(address, str(tmp_path / "late"), token_file)
        time.sleep(1.0)
        restarted = _chief(directory, address, token_file, epochs=40)  # the same command
        code, _out, err = _finish(restarted)
        assert code == 0, err[-3000:]
        records = _check_complete_grid(directory)
        assert len({r["worker"] for r in records}) >= 2
        code_a, _, err_a = _finish(a)
        assert code_a == 0 and "restarted" in err_a  # rejoined the new chief, then done
        assert _finish(late)[0] == 0
        again = _chief(directory, address, token_file, epochs=40)  # nothing left: no waiting
        assert _finish(again, 120)[0] == 0
        assert len(_results(directory)) == 12
    finally:
        _kill_all(chief, restarted, a, late)


# === Two hosts: Linux network namespaces ===

def _ip(*args, netns=None):
    prefix = ["ip", "netns", "exec", netns] if netns else []
    return subprocess.run([*prefix, "ip", *args], check=False, capture_output=True, text=True,
                          timeout=20)


@pytest.fixture
def two_hosts():
    """Two network namespaces joined by a veth pair: 10.231.7.1 (chief) and 10.231.7.2."""
    tag = uuid.uuid4().hex[:6]
    chief_ns, worker_ns = f"kz-chief-{tag}", f"kz-worker-{tag}"
    made = _ip("netns", "add", chief_ns)
    if made.returncode != 0:
        pytest.skip(f"cannot create network namespaces here (needs root): {made.stderr.strip()}")
    try:
        assert _ip("netns", "add", worker_ns).returncode == 0
        steps = [((("link", "add", f"kzc{tag}", "type", "veth", "peer", "name", f"kzw{tag}")),
                  None),
                 (("link", "set", f"kzc{tag}", "netns", chief_ns), None),
                 (("link", "set", f"kzw{tag}", "netns", worker_ns), None),
                 (("addr", "add", "10.231.7.1/24", "dev", f"kzc{tag}"), chief_ns),
                 (("addr", "add", "10.231.7.2/24", "dev", f"kzw{tag}"), worker_ns),
                 (("link", "set", f"kzc{tag}", "up"), chief_ns),
                 (("link", "set", f"kzw{tag}", "up"), worker_ns),
                 (("link", "set", "lo", "up"), chief_ns),
                 (("link", "set", "lo", "up"), worker_ns)]
        for args, netns in steps:
            done = _ip(*args, netns=netns)
            assert done.returncode == 0, done.stderr
        yield chief_ns, worker_ns
    finally:
        _ip("netns", "del", worker_ns)
        _ip("netns", "del", chief_ns)  # the veth pair goes with it


@pytest.mark.large
@pytest.mark.every_backend
def test_chief_and_worker_on_two_hosts(tmp_path, token_file, two_hosts):
    chief_ns, worker_ns = two_hosts
    address = "10.231.7.1:7355"  # only inside the two namespaces
    directory = str(tmp_path / "chief")
    chief = subprocess.Popen(
        ["ip", "netns", "exec", chief_ns, KERAS_ZOO, "tune", "ann", "--dataset", "digits",
         "--set", "activation=relu,tanh", "--set", "learning_rate=0.001,0.01", "--epochs", "2",
         "--directory", directory, "--serve", "10.231.7.1:7355", "--token-file", token_file,
         "--no-train", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    worker = _worker(address, str(tmp_path / "worker"), token_file,
                     prefix=("ip", "netns", "exec", worker_ns))
    try:
        code, _out, err = _finish(chief, 240)
        assert code == 0, err[-3000:]
        records = _results(directory)
        assert len(records) == 4 and all(r["status"] == "completed" for r in records)
        assert _finish(worker)[0] == 0
    finally:
        _kill_all(chief, worker)


def test_a_worker_trusts_only_a_chief_that_knows_the_token_and_imports_only_what_it_allows():
    from keras_zoo.tuning import checks

    assert wire.proof_ok("tok", "n1", wire.proof("tok", "n1"))
    assert not wire.proof_ok("tok", "n1", wire.proof("other", "n1"))
    assert not wire.proof_ok("tok", "n1", None)
    job, _ = checks.build_job(
        plain_factory, "iris", {"units": [4, 8]}, strategy="grid", objective=None, epochs=1,
        batch_size=None, patience=1, early_stopping=True, executions_per_trial=1, seed=0,
        keep_models="best", fixed={})
    header, payload = wire.encode_job(job)
    assert header["factory"] == {"import": f"{__name__}:plain_factory"}
    module = __name__.partition(".")[0]
    with pytest.raises(InputValueError, match="--allow-import"):
        wire.decode_job(header, payload)  # the chief names code: refused unless allowed
    assert wire.decode_job(header, payload, allowed=[module]).factory is plain_factory
    with pytest.raises(InputValueError, match="same keras-zoo version"):
        wire.decode_job({**header, "format": 99}, payload, allowed=[module])


def plain_factory(input_dim=None, *, task=None, num_classes=None, normalization=None,
                  units=4, seed=None):
    """A factory of this test module (by import path, not registered)."""
    return kz.zoo.ann(input_dim, task=task, num_classes=num_classes,
                      normalization=normalization, hidden_units=(units,), seed=seed)
