"""The keras-zoo command: in-process for most checks, one real subprocess end to end."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_zoo import cli
from keras_zoo.cli import table as cli_table
from keras_zoo.cli import values as cli_values


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_models_lists_registered_models(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0 and "ann" in out and "family" in out


def test_datasets_and_components(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "breast_cancer" in out and "diabetes" in out
    code, out, _ = run(capsys, "components", "initializers", "*he*")
    assert code == 0 and "he_normal" in out and "kaiming_normal" in out and "glorot" not in out


@pytest.mark.parametrize("command", [[], ["models"], ["datasets"], ["components"], ["train"]])
def test_help_on_every_command(capsys, command):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    assert "usage: keras-zoo" in capsys.readouterr().out


def test_train_prints_metrics_and_saves(capsys, tmp_path):
    path = tmp_path / "iris.keras"
    code, out, err = run(capsys, "train", "ann", "--dataset", "iris", "--epochs", "30",
                         "--set", "hidden_units=16", "--set", "learning_rate=0.02",
                         "--output", str(path))
    assert code == 0
    assert "epoch 1/30" in err  # progress
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("split"))
    assert "accuracy" in header and "loss" in header
    test_row = next(line for line in lines if line.startswith("test"))
    accuracy = float(test_row.split()[header.split().index("accuracy")])
    assert accuracy >= 0.8
    model = keras.saving.load_model(path)
    assert model.get_layer("hidden_1").units == 16
    assert model.predict(np.zeros((1, 4)), verbose=0).shape == (1, 3)


@pytest.mark.parametrize("argv,needle", [
    (["train", "ann", "--dataset", "irs"], "Did you mean 'iris'"),
    (["train", "anm", "--dataset", "iris"], "Did you mean 'ann'"),
    (["train", "ann", "--dataset", "iris", "--set", "hiden_units=3"], "Did you mean 'hidden_units'"),
    (["train", "ann", "--dataset", "iris", "--set", "activation=rellu"], "Did you mean 'relu'"),
])
def test_bad_input_exits_2_with_a_message(capsys, argv, needle):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error:") and needle in err


@pytest.mark.parametrize("argv,needle", [
    (["tune", "missing.yaml"], "No such configuration file"),
    (["tune", "ann", "--set", "activation=relu"], "needs --dataset NAME"),
    (["train", "ann", "--dataset", "iris", "--set", "hidden_units"], "--set takes KEY=VALUE"),
    (["tune", "ann", "--dataset", "iris", "--set", "=relu"], "non-empty KEY"),
])
def test_input_errors_exit_2_with_the_message_and_no_traceback(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ") and needle in err and "Received: " in err
    assert "Traceback" not in err and out == ""


def test_the_resume_flag_is_gone(capsys):
    with pytest.raises(SystemExit) as exc:  # argparse's own usage error
        cli.main(["tune", "ann", "--dataset", "iris", "--set", "activation=relu", "--resume"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --resume" in capsys.readouterr().err


@pytest.mark.parametrize("error", [TypeError("an internal bug"), ValueError("an internal bug"),
                                   FileNotFoundError("an internal bug"),
                                   RuntimeError("an internal bug")])
def test_an_internal_error_is_a_crash_with_a_traceback(capsys, monkeypatch, error):
    """Only the library's InputError is bad input; a plain TypeError (a bug) is not."""
    from keras_zoo import datasets

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(datasets, "list_datasets", broken)
    code, _, err = run(capsys, "datasets")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "in broken" in err
    assert f"{type(error).__name__}: an internal bug" in err
    assert not err.startswith("error:")


def test_a_library_input_error_from_inside_exits_2(capsys, monkeypatch):
    from keras_zoo import datasets
    from keras_zoo.base.errors import InputTypeError

    def refuse(*args, **kwargs):
        raise InputTypeError("`pattern` must be a string. Received: 3")

    monkeypatch.setattr(datasets, "list_datasets", refuse)
    code, _, err = run(capsys, "datasets")
    assert code == 2 and err == "error: `pattern` must be a string. Received: 3\n"


def test_a_stopped_search_exits_1_with_its_message(capsys, monkeypatch):
    from keras_zoo import tuning

    def stopped(*args, **kwargs):
        raise tuning.SearchError("The search stopped: 3 trial(s) failed in a row.")

    monkeypatch.setattr(tuning, "search", stopped)
    code, _, err = run(capsys, "tune", "ann", "--dataset", "iris", "--set", "activation=relu")
    assert code == 1
    assert err == "error: The search stopped: 3 trial(s) failed in a row.\n"


def test_parse_value():
    assert cli.parse_value("0.1") == 0.1
    assert cli.parse_value("true") is True
    assert cli.parse_value("[64, 32]") == [64, 32]
    assert cli.parse_value("relu") == "relu"
    assert cli_values._train_value("[64,32]") == (64, 32)


def test_console_script_end_to_end(tmp_path):
    """The installed entry point, as a user runs it (one subprocess: TensorFlow starts once)."""
    exe = os.path.join(os.path.dirname(sys.executable), "keras-zoo")
    result = subprocess.run(
        [exe, "train", "ann", "--dataset", "breast_cancer", "--epochs", "20", "--quiet",
         "--output", str(tmp_path / "m.keras")],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "ann on breast_cancer" in result.stdout
    assert "saved" in result.stdout and (tmp_path / "m.keras").exists()
    assert "cuda" not in result.stderr.lower()  # TensorFlow's start-up chatter is silenced


# === Issue 23: numbers, one --set grammar, arguments checked first, whole values named ===

@pytest.mark.parametrize("value,text", [
    (2.2366903722394796e-05, "2.237e-05"), (3.8e-05, "3.8e-05"), (0.96491, "0.9649"),
    (np.float32(0.1), "0.1"), (20.0, "20"), (np.int64(7), "7"), (12345.6, "12346"),
    (1e30, "1e+30"), (None, "-"), (float("nan"), "-"), ((64, 32), "(64, 32)"), ("relu", "relu"),
])
def test_table_cells_keep_four_significant_digits(value, text):
    assert cli_table.cell(value) == text


def test_small_learning_rates_do_not_print_as_zero():
    rows = [{"trial": "0", "learning_rate": 2.2366903722394796e-05, "val_loss": 0.5},
            {"trial": "1", "learning_rate": 3.8e-05, "val_loss": 0.25}]
    table = cli_table.table(rows, ["trial", "learning_rate", "val_loss"]).splitlines()
    assert table[2].split() == ["0", "2.237e-05", "0.5"]
    assert table[3].split() == ["1", "3.8e-05", "0.25"]
    assert "0.0000" not in "\n".join(table)


@pytest.mark.parametrize("text", ["[64,32]", "[[8],[4]]", "64", "relu", "0.1", "1e-4", "true",
                                  "null", '"a,b"', '"a:b"', "{a: 1, b: 2}", "a:b"])
def test_a_single_value_reads_the_same_in_train_and_tune(text):
    assert cli_values._train_value(text, "k") == cli_values._space_value(text, "k")


@pytest.mark.parametrize("text,needle", [
    ("64,32", "write a tuple in brackets: --set hidden_units=[64,32]"),
    ("[64,32],[32]", "gives 2 values, but train and diagnose take one value per key"),
    ("8:64", "is a range (min:max[:step][:log]), which only `keras-zoo tune` searches"),
])
def test_train_refuses_what_tune_would_search(capsys, monkeypatch, text, needle):
    from keras_zoo import datasets

    monkeypatch.setattr(datasets, "load", lambda *a, **k: pytest.fail("the dataset loaded"))
    for command in ("train", "diagnose"):
        code, out, err = run(capsys, command, "ann", "--dataset", "iris", "--set",
                             f"hidden_units={text}")
        assert code == 2 and out == ""
        assert err.startswith("error: --set hidden_units=") and needle in err
        assert err.endswith(f"Received: --set hidden_units={text}\n") and err.count("\n") == 1
    assert isinstance(cli_values._space_value(text, "hidden_units"), (list, dict))  # tune: searched


def test_train_builds_the_tuple_written_in_brackets(capsys, tmp_path):
    path = tmp_path / "m.keras"
    code, _, _ = run(capsys, "train", "ann", "--dataset", "iris", "--epochs", "1", "--quiet",
                     "--set", "hidden_units=[8,4]", "--output", str(path))
    assert code == 0
    model = keras.saving.load_model(path)
    assert [model.get_layer(f"hidden_{i}").units for i in (1, 2)] == [8, 4]


@pytest.mark.parametrize("command", ["train", "diagnose", "tune"])
def test_help_shows_the_one_set_grammar_with_examples(capsys, command):
    from keras_zoo.cli.values import SET_GRAMMAR

    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and SET_GRAMMAR in out
    assert f"e.g. keras-zoo {command} " in out and "hidden_units=[" in out.split(SET_GRAMMAR)[1]


@pytest.mark.parametrize("argv,message", [
    (["train", "--epochs", "-3"], "`--epochs` must be a positive integer. Received: --epochs=-3"),
    (["train", "--epochs", "0"], "Received: --epochs=0"),
    (["train", "--batch-size", "0"], "`--batch-size` must be a positive integer. "
                                     "Received: --batch-size=0"),
    (["train", "--patience", "-1"], "`--patience` must be an integer >= 0 (0 turns early "
                                    "stopping off). Received: --patience=-1"),
    (["diagnose", "--epochs", "-3"], "`--epochs` must be a positive integer. "
                                     "Received: --epochs=-3"),
    (["diagnose", "--batch-size", "-1"], "Received: --batch-size=-1"),
    (["train", "--set", "hiden_units=[3]"], "Did you mean 'hidden_units'?"),
])
def test_arguments_are_checked_before_the_dataset_loads(capsys, monkeypatch, argv, message):
    from keras_zoo import datasets

    monkeypatch.setattr(datasets, "load", lambda *a, **k: pytest.fail("the dataset loaded"))
    command, *flags = argv
    code, out, err = run(capsys, command, "ann", "--dataset", "iris", *flags)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and err.count("\n") == 1  # no summary


@pytest.mark.parametrize("model,dataset,key", [
    ("ann", "iris", "hidden_units"), ("cnn", "digits_images", "filters"),
    ("cnn", "digits_images", "dense_units"),
])
def test_a_bad_value_is_named_whole(capsys, model, dataset, key):
    code, out, err = run(capsys, "train", model, "--dataset", dataset, "--set", f"{key}=abc")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.endswith(f"Received: {key}='abc'\n")
    assert "Received: 'a'" not in err and "Dataset" not in err  # refused before the summary


def test_a_broken_pipe_that_is_not_the_output_is_a_crash(capsys, monkeypatch):
    """Only a closed stdout/stderr ends a command quietly (status 141, tests/test_cli_fast.py);
    a BrokenPipeError from elsewhere (a socket) is a crash as before."""
    from keras_zoo import datasets

    def broken(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(datasets, "list_datasets", broken)
    code, _, err = run(capsys, "datasets")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "BrokenPipeError" in err


def test_tune_leaves_trials_per_process_to_the_search_unless_given():
    """Without --trials-per-process the search's default (25 a worker process) holds; `none`
    is None (never replaced); a number is that number."""
    from keras_zoo.cli.app import _tune_options
    from keras_zoo_cli.parser import build_parser

    def options(*flags):
        return _tune_options(build_parser().parse_args(["tune", "ann", "--dataset", "iris", *flags]))

    assert "trials_per_process" not in options()
    assert options("--trials-per-process", "none")["trials_per_process"] is None
    assert options("--trials-per-process", "3")["trials_per_process"] == 3

