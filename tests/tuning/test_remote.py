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
import shlex
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
from keras_zoo.tuning.results import SearchResult
from keras_zoo.tuning.runtime import wire

KERAS_ZOO = os.path.join(os.path.dirname(sys.executable), "keras-zoo")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
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


def _worker(address, work_dir, token_file=None, *, prefix=(), env=None, extra=()):
    args = [*prefix, KERAS_ZOO, "worker", address, "--work-dir", work_dir,
            "--reconnect-timeout", "40", *extra]
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

@pytest.mark.every_backend
def test_calls_without_the_right_token_are_refused_and_change_nothing(tmp_path):
    import grpc
    import keras_tuner as kt
    from keras_tuner.src import protos

    from keras_zoo.tuning.oracles import kt_adapter
    from keras_zoo.tuning.oracles.strategies import make_oracle
    from keras_zoo.tuning.space import Space

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


@pytest.mark.every_backend
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


@pytest.mark.every_backend
@pytest.mark.parametrize("value", [0, -5.0, "600", True])
def test_a_bad_orphan_timeout_is_refused_before_anything_is_written(tmp_path, value):
    directory = tmp_path / "search"
    with pytest.raises(InputValueError, match="`orphan_timeout` must be a positive number"):
        kz.tuning.search("ann", "iris", {"activation": ["relu"]}, directory=str(directory),
                         serve="127.0.0.1:0", train=False, orphan_timeout=value, verbose=0)
    assert not directory.exists()


@pytest.mark.every_backend
def test_a_worker_waiting_for_the_end_of_the_search_is_bounded_and_takes_trials_put_back(
        caplog):
    from keras_zoo.tuning.runtime import remote_tuner

    caplog.set_level("INFO", logger=remote_tuner.__name__)

    class Tuner:  # runs the trial put back (a queued one), once
        trials_run, retired = 0, False

        def search(self, verbose=0):
            self.trials_run += 1

    replies = iter([{"running": ["03"], "queued": ["03"]}, {"running": [], "queued": []},
                    {"done": True}])
    tuner = Tuner()
    assert remote_tuner._until_finished(tuner, lambda: next(replies), "w-1", 5.0, 0.01) == 0
    assert tuner.trials_run == 1 and "the search is over: w-1 leaves" in caplog.text
    still = {"done": False, "running": ["07"], "queued": []}
    asks = []
    code = remote_tuner._until_finished(Tuner(), lambda: asks.append(1) or still, "w-2", 0.2,
                                        0.05)
    assert code == 0 and len(asks) <= 0.2 / 0.05 + 2  # bounded in time and count
    assert "Trial(s) 07 still run on other workers after 0 s without a trial for w-2" \
        in caplog.text
    code = remote_tuner._until_finished(Tuner(), lambda: None, "w-3", 0.1, 0.05)
    assert code == remote_tuner.EXIT_CHIEF_LOST  # no chief answered: not a clean exit


@pytest.mark.every_backend
def test_a_factory_other_machines_cannot_import_is_refused(tmp_path):
    def local_factory(input_dim=None, *, task=None, num_classes=None, normalization=None,
                      seed=None):
        return kz.zoo.ann(input_dim, task=task, num_classes=num_classes, seed=seed)

    directory = tmp_path / "search"
    with pytest.raises(InputValueError, match="registered model name or a module-level"):
        kz.tuning.search(local_factory, "iris", {"seed": [0, 1]}, epochs=1,
                         directory=str(directory), serve="127.0.0.1:0", verbose=0)
    assert not (directory / "trials").exists()


@pytest.mark.every_backend
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


SLEEP_ENV = "KERAS_ZOO_TEST_SLEEP_ONCE"
"""A marker file's path: the first trial built by a worker given it sleeps (see
:func:`sleepy_factory`)."""


def _python_chief(directory, address, token_file, worker_timeout):
    """A ``train=False`` chief (the search in Python) of :func:`sleepy_factory` on 2 configs."""
    code = ("import sys, keras_zoo as kz\n"
            "from tests.tuning.test_remote import sleepy_factory\n"
            "kz.tuning.search(sleepy_factory, 'digits', {'units': [8, 16]}, epochs=1,\n"
            "    directory=sys.argv[1], serve=sys.argv[2], token=open(sys.argv[3]).read(),\n"
            "    train=False, worker_timeout=float(sys.argv[4]), verbose=0)\n")
    return subprocess.Popen(
        [sys.executable, "-c", code, directory, address, token_file, str(worker_timeout)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": REPO}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True)


def _read(path) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


@pytest.mark.large
def test_a_worker_out_of_trials_waits_while_a_trial_runs_elsewhere_and_runs_it_when_its_worker_dies(
        tmp_path, token_file):
    """Issue 23, item 2: of two workers on a 2-trial grid, the first to build a trial stays busy
    with it (heartbeats going); the other runs the last trial and is told "no trial left" while
    the busy one's trial runs. It must not leave: the busy worker is then killed (SIGKILL), the
    chief puts its trial back, and the waiting worker runs it; the search ends (chief and
    worker exit 0) instead of the chief waiting with no worker, forever."""
    address = f"127.0.0.1:{_free_port()}"
    directory = str(tmp_path / "search")
    marker = str(tmp_path / "busy-worker")
    env = {**os.environ, "PYTHONPATH": REPO, SLEEP_ENV: marker}
    chief = _python_chief(directory, address, token_file, worker_timeout=3)
    workers = [_worker(address, str(tmp_path / name), token_file, env=env,
                       extra=("--allow-import", "tests.tuning.test_remote")) for name in "ab"]
    try:
        by_id = {_joined_as(proc): proc for proc in workers}
        _wait(lambda: _read(marker) in by_id, 60, "a worker busy with a trial")
        busy = _read(marker)
        other = next(w for w in by_id if w != busy)
        _wait(lambda: busy in _ongoing(directory), 30, f"{busy}'s trial in oracle.json")
        busy_trial = _ongoing(directory)[busy]
        _wait(lambda: any(r["worker"] == other for r in _results(directory)), 120,
              f"{other}'s result of the last trial")
        os.killpg(by_id[busy].pid, signal.SIGKILL)  # the busy worker dies; the other waits
        by_id[busy].communicate()
        code, _out, err = _finish(chief, 120)
        assert code == 0, err[-3000:]
        assert re.search(rf"Worker {re.escape(busy)} sent no heartbeat for 3 s while running "
                         rf"trial {re.escape(busy_trial)}, which runs again", err), err[-3000:]
        records = _results(directory)
        assert len(records) == 2 and all(r["status"] == "completed" for r in records)
        assert {r["trial_id"]: r["worker"] for r in records}[busy_trial] == other
        code, _, err = _finish(by_id[other], 60)
        assert code == 0, err[-3000:]
        assert re.search(rf"trial\(s\) {re.escape(busy_trial)} still run on other workers", err)
        assert f"the search is over: {other} leaves" in err, err[-3000:]
    finally:
        _kill_all(chief, *workers)


def _serving(chief) -> None:
    """Read the chief's output up to its "Serving the search at ..." line."""
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and chief.poll() is None:
        lines.append(chief.stderr.readline())
        if "Serving the search at" in lines[-1]:
            return
    raise AssertionError("the chief never served: " + "".join(lines)[-2000:])


def _take_a_trial_and_die(address, token_file) -> tuple[str, str]:
    """A worker in this process: it joins, takes a trial, then goes silent (as a worker killed
    mid-trial: it sends nothing more). Returns its id and its trial's."""
    from keras_tuner.engine.trial import Trial
    from keras_tuner.src import protos

    with open(token_file) as handle:
        token = handle.read().strip()
    ids = {"worker": "", "session": ""}
    channel = wire.credentials_channel(address, token, ids, 30)
    try:
        info, _ = wire.unpack(channel.unary_unary(wire.JOIN)(
            wire.pack({"host": "doomed", "pid": 0, "device": "/CPU:0", "nonce": "n",
                       "format": wire.FORMAT}), timeout=30))
        ids.update(worker=info["worker"], session=info["session"])
        reply = protos.get_service_grpc().OracleStub(channel).CreateTrial(
            protos.get_service().CreateTrialRequest(tuner_id=ids["worker"]), timeout=30)
    finally:
        channel.close()
    trial = Trial.from_proto(reply.trial)
    assert trial.status == "RUNNING"
    return ids["worker"], trial.trial_id


@pytest.mark.large
def test_a_no_train_chief_left_without_workers_says_so_then_stops_with_the_resume_command(
        tmp_path, token_file):
    """Issue 23, item 2: the only worker dies mid-trial; the chief (--no-train) puts its trial
    back, says that it waits for a worker and how to start one, and after --orphan-timeout
    stops (exit 1) with the command that resumes, instead of waiting with no end."""
    address = f"127.0.0.1:{_free_port()}"
    directory = str(tmp_path / "search")
    chief = _chief(directory, address, token_file, "--worker-timeout", "2",
                   "--orphan-timeout", "4", epochs=1)
    try:
        _serving(chief)
        worker, trial = _take_a_trial_and_die(address, token_file)
        code, _out, err = _finish(chief, 120)
        assert code == 1, err[-3000:]
        assert re.search(rf"Worker {re.escape(worker)} sent no heartbeat for 2 s while running "
                         rf"trial {re.escape(trial)}, which runs again", err), err[-3000:]
        # Under load the chief may have made another trial for a request that timed out: the
        # waiting list holds ours, maybe with others.
        assert re.search(rf"Trial\(s\) (?:\d+, )*{re.escape(trial)}(?:, \d+)* wait for a "
                         rf"worker; none is connected; start one with: keras-zoo worker "
                         rf"{re.escape(address)} ",
                         err), err[-3000:]
        message = err[err.rindex("error: "):]
        assert "No worker was connected for 4 s" in message and "Completed trials are kept" \
            in message, message
        resume = re.search(r"run the same command again: (keras-zoo tune ann .*)", message)
        assert resume, message
        assert shlex.split(resume.group(1)) == ["keras-zoo", *chief.args[1:]]  # as started
        with open(os.path.join(directory, "search.json")) as handle:
            assert json.load(handle)["state"] == "stopped"
    finally:
        _kill_all(chief)


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
        before = {r["trial_id"]: r["worker"] for r in _results(directory)}
        assert len(before) < 12
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
        code_a, _, err_a = _finish(a)
        assert code_a == 0 and "restarted" in err_a  # rejoined the new chief, then done
        code_late, _, err_late = _finish(late)
        assert code_late == 0
        # every record names the worker that ran it, for the whole search: the restarted chief
        # numbers its workers past the names already recorded (it once named a's successor and
        # the late worker 'host-0' again, so two workers shared a name in one leaderboard)
        joined = re.compile(r"joined the search at \S+ as (\S+)")
        names_a, names_late = joined.findall(err_a), joined.findall(err_late)
        assert len(names_a) >= 2 and len(names_late) == 1, (err_a[-2000:], err_late[-2000:])
        assert len(set(names_a + names_late)) == len(names_a) + len(names_late)
        assert set(before.values()) == {names_a[0]}  # a ran every trial before the crash
        after = {r["worker"] for r in records if r["trial_id"] not in before}
        assert after and after <= set(names_a[1:] + names_late)
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


@pytest.mark.every_backend
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


def sleepy_factory(input_dim=None, *, task=None, num_classes=None, normalization=None,
                   units=4, seed=None):
    """:func:`plain_factory`; in a worker given ``$KERAS_ZOO_TEST_SLEEP_ONCE`` (a marker file's
    path), the first call of all creates the marker, writes its worker's id into it and sleeps
    600 s: that worker stays busy with its trial (beating all along) until the test kills it."""
    from keras_zoo.tuning.oracles.kt_adapter import TUNER_ID_ENV

    marker = os.environ.get(SLEEP_ENV)
    if marker:
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(os.environ.get(TUNER_ID_ENV, ""))
            time.sleep(600)
    return plain_factory(input_dim, task=task, num_classes=num_classes,
                         normalization=normalization, units=units, seed=seed)
