"""Bad input to `keras-zoo tune` (issue 10, item 12): the library's own message naming the key or
flag, exit 2, no traceback, and nothing written; the same errors from the Python API."""

from __future__ import annotations

import os

import pytest

from keras_zoo import cli, tuning
from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.datasets import from_csv
from keras_zoo.tuning.config import load_config
from keras_zoo.tuning.trial.devices import resolve_devices

SEARCH = ["tune", "ann", "--dataset", "iris", "--epochs", "1", "--quiet"]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(capsys, directory, *argv):
    """Run ``tune`` on ``directory``; check exit 2, one ``error:`` line, nothing written."""
    code, out, err = run(capsys, *argv, "--directory", directory)
    assert code == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and out == ""
    assert not os.path.exists(directory)  # refused before the search touched its directory
    return err


@pytest.mark.parametrize("sets,needles", [
    (["activation"], ["--set activation has no '='", "KEY=VALUE"]),
    (["=relu,elu"], ["non-empty KEY (e.g. --set activation=relu)", "Received: --set =relu,elu"]),
    (["learning_rate="], ["--set learning_rate= has an empty value", "null for None"]),
    (["learning_rate=1e-4:"], ["--set learning_rate=1e-4: is not a range",
                               "min:max[:step][:log] with numbers"]),
    (["learning_rate=0.1:x:0.2"], ["is not a range", "--set learning_rate=0.1:x:0.2"]),
    (["learning_rate=abc:def"], ["`learning_rate` must be a positive number",
                                 "Received: learning_rate='abc:def'"]),
    (["activation=relu,,elu"], ["--set activation=relu,,elu", "none of them empty"]),
    (["activation=relu,elu", "learning_rate=0.1", "activation=tanh"],
     ["--set activation is given twice (activation=relu,elu and activation=tanh)",
      "give each key once"]),
    (["activation=relu", "learning-rate=0.1", "learning_rate=0.2"],
     ["--set learning_rate is given twice (learning-rate=0.1 and learning_rate=0.2)"]),
])
def test_bad_set_values_are_refused_naming_the_key(capsys, tmp_path, sets, needles):
    argv = [part for item in sets for part in ("--set", item)]
    err = refused(capsys, tmp_path / "d", *SEARCH, *argv)
    for needle in needles:
        assert needle in err


@pytest.mark.parametrize("flags,needle", [
    (["--seed", "-1"], "`seed` must be an integer from 0 to 4294967295, or None. "
                       "Received: seed=-1"),
    (["--seed", str(2**32)], f"Received: seed={2**32}"),
    (["--top", "0"], "--top (leaderboard rows to print) must be an integer >= 1"),
    (["--top", "-1"], "Received: --top -1"),
])
def test_bad_seed_and_top_are_refused(capsys, tmp_path, flags, needle):
    err = refused(capsys, tmp_path / "d", *SEARCH, "--set", "activation=relu,elu", *flags)
    assert needle in err


@pytest.mark.parametrize("flags,needle", [
    (["--batch-size", "0"], "`batch_size` must be a positive integer or None. Received: "
                            "batch_size=0"),
    (["--batch-size", "-3"], "Received: batch_size=-3"),
    (["--epochs", "0"], "`epochs` must be an integer >= 1. Received: epochs=0"),
    (["--max-trials", "0"], "`max_trials` must be a positive integer"),
    (["--patience", "-1"], "`patience` must be an integer >= 1. Received: patience=-1"),
    (["--executions-per-trial", "0"], "Received: executions_per_trial=0"),
])
def test_numeric_flags_are_refused_before_anything_runs(capsys, tmp_path, flags, needle):
    # Already refused before this change; kept here so that every numeric flag stays covered.
    err = refused(capsys, tmp_path / "d", *SEARCH, "--set", "activation=relu,elu", *flags)
    assert needle in err


def test_workers_zero_is_refused(capsys, tmp_path):
    # search() checks `workers` once it owns its directory (engine/launcher), so only the exit
    # status and the message are asserted here.
    code, out, err = run(capsys, *SEARCH, "--set", "activation=relu,elu", "--workers", "0",
                         "--directory", tmp_path / "d")
    assert code == 2 and "`workers` must be a positive integer" in err and out == ""
    assert "Traceback" not in err and not os.path.exists(tmp_path / "d" / "trials")


def test_seed_out_of_range_from_the_api(iris, tmp_path):
    with pytest.raises(InputValueError, match=r"`seed` must be an integer from 0 to"):
        tuning.search("ann", iris, {"activation": ["relu", "elu"]}, seed=-1, epochs=1,
                      directory=str(tmp_path / "d"), verbose=0)
    assert not os.path.exists(tmp_path / "d")


def test_devices_of_the_wrong_type_in_a_config(capsys, tmp_path):
    directory = tmp_path / "d"
    path = tmp_path / "search.yaml"
    path.write_text("model: ann\ndataset: iris\nepochs: 1\ndevices: 5\n"
                    f"space: {{activation: [relu, elu]}}\ndirectory: {directory}\n")
    with pytest.raises(InputTypeError, match=r"`devices` must be 'auto', 'cpu', 'gpu', a device "
                                             r"name .* Received: devices=5"):
        load_config(str(path))
    code, out, err = run(capsys, "tune", path)
    assert code == 2 and "`devices` must be" in err and "Received: devices=5" in err
    assert "Traceback" not in err and out == "" and not os.path.exists(directory)


@pytest.mark.parametrize("devices", [5, [], ["/CPU:0", 3], [""], {"gpu": 1}])
def test_resolve_devices_refuses_the_wrong_type(devices):
    with pytest.raises(InputTypeError, match="`devices` must be"):
        resolve_devices(devices)


def test_a_csv_too_small_to_split_says_how_many_rows_it_needs(capsys, tmp_path):
    csv = tmp_path / "two.csv"
    csv.write_text("a,b,label\n1,2,0\n3,4,1\n")
    with pytest.raises(InputValueError) as exc:
        from_csv(str(csv), target="label")
    message = str(exc.value)
    assert message.startswith("two: 2 sample(s) (rows) are too few to split into train, "
                              "validation and test sets")
    assert "at least 3 are needed" in message and message.endswith("Received: 2 sample(s)")
    directory = tmp_path / "d"
    path = tmp_path / "search.yaml"
    path.write_text(f"model: ann\ndataset: {{csv: {csv}, target: label}}\n"
                    f"space: {{activation: [relu, elu]}}\ndirectory: {directory}\n")
    code, out, err = run(capsys, "tune", path)
    assert code == 2 and "2 sample(s) (rows) are too few" in err and "at least 3" in err
    assert "Traceback" not in err and "sklearn" not in err and out == ""
    assert not os.path.exists(directory)
    # Without a test split three rows are not needed: two are enough.
    assert len(from_csv(str(csv), target="label", test_size=0.0, val_size=0.5).y_val) == 1


def test_retry_failed_flag_is_passed_to_search(capsys, monkeypatch, tmp_path):
    calls = []

    def fake_search(model, data, space, **kwargs):
        calls.append(kwargs)
        raise InputValueError("stopped by the test")

    monkeypatch.setattr(tuning, "search", fake_search)
    argv = [*SEARCH, "--set", "activation=relu,elu", "--directory", tmp_path / "d"]
    assert run(capsys, *argv, "--retry-failed")[0] == 2
    assert run(capsys, *argv)[0] == 2
    assert calls[0]["retry_failed"] is True and "retry_failed" not in calls[1]
    with pytest.raises(SystemExit):
        cli.main(["tune", "--help"])
    assert "run trials that failed in an earlier run of this search again" in " ".join(
        capsys.readouterr().out.split())


def test_retry_failed_is_a_config_key(tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text("model: ann\ndataset: iris\nretry_failed: true\n"
                    "space: {activation: [relu, elu]}\n")
    assert load_config(str(path))["retry_failed"] is True
