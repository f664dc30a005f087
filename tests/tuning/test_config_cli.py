"""`keras-zoo tune` from a config file and from flags; config validation; `keras-zoo devices`."""

from __future__ import annotations

import json
import re

import pytest

from keras_zoo import cli
from keras_zoo.base.errors import InputValueError
from keras_zoo.cli import table as cli_table
from keras_zoo.cli import values as cli_values
from keras_zoo.tuning import SearchResult
from keras_zoo.tuning.config import load_config

CONFIG = """
model: ann
dataset: {{name: iris, seed: 1}}
strategy: grid
epochs: 2
space:
  activation: [relu, tanh]
  hidden_units: [[8], [8, 4]]
fixed:
  dropout: 0.1
directory: {directory}
"""


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_tune_from_a_yaml_config(capsys, tmp_path):
    directory = tmp_path / "cfg"
    path = tmp_path / "search.yaml"
    path.write_text(CONFIG.format(directory=directory))
    code, out, err = run(capsys, "tune", path)
    assert code == 0
    assert "[4/4] trial " in err
    result = SearchResult.load(str(directory))
    assert len(result.leaderboard) == 4
    assert set(result.leaderboard["hidden_units"]) == {(8,), (8, 4)}
    assert result.spec["fixed"]["dropout"] == 0.1
    for needle in ("leaderboard:", "plot:", "best model:", "val_accuracy"):
        assert needle in out
    assert (directory / "search.png").exists() and (directory / "leaderboard.csv").exists()


def test_tune_from_flags_with_ranges_and_tuples(capsys, tmp_path):
    directory = tmp_path / "flags"
    code, _, _ = run(capsys, "tune", "ann", "--dataset", "iris", "--set", "activation=relu,elu",
                       "--set", "hidden_units=[8],[8,4]", "--set", "learning_rate=1e-2:1e-1:10:log",
                       "--set", "dropout=0.1", "--epochs", "1", "--directory", directory, "--quiet")
    assert code == 0
    board = SearchResult.load(str(directory)).leaderboard
    assert len(board) == 2 * 2 * 2
    assert sorted(set(board["learning_rate"])) == [0.01, 0.1]
    # Rerunning the same command resumes: nothing runs twice.
    code, _, err = run(capsys, "tune", "ann", "--dataset", "iris", "--set", "activation=relu,elu",
                       "--set", "hidden_units=[8],[8,4]", "--set",
                       "learning_rate=1e-2:1e-1:10:log", "--set", "dropout=0.1", "--epochs", "1",
                       "--directory", directory)
    assert code == 0 and "resuming: 8 trial(s) already finished" in err
    assert len(SearchResult.load(str(directory)).leaderboard) == 8


def test_space_value_syntax():
    assert cli_values._space_value("relu,elu") == ["relu", "elu"]
    assert cli_values._space_value("[64,32],[32]") == [(64, 32), (32,)]
    assert cli_values._space_value("[64,32]") == (64, 32)
    assert cli_values._space_value("0.0:0.5:0.1") == {"min": 0.0, "max": 0.5, "step": 0.1,
                                                      "sampling": "linear"}
    assert cli_values._space_value("1e-4:1e-1:log") == {"min": 1e-4, "max": 0.1, "sampling": "log"}
    assert cli_values._space_value("0.2") == 0.2


@pytest.mark.parametrize("text,needle", [
    ("model: ann\ndataset: iris\nspace: {activation: [relu]}\nepoch: 3\n",
     "unknown key 'epoch'. Did you mean 'epochs'"),
    ("model: ann\nspace: {activation: [relu]}\n", "missing key 'dataset'"),
    ("model: ann\ndataset: iris\nspace: []\n", "'space' must be a non-empty mapping"),
    ("model: ann\ndataset: {csv: x.csv}\nspace: {a: [1]}\n", "dataset.target"),
    ("model: [unclosed\n", "not valid YAML"),
])
def test_config_errors_name_the_key(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=needle):
        load_config(str(path))


@pytest.mark.parametrize("name,text,where", [
    ("bad.yaml", "model: ann\ndataset: iris\nspace: {activation: [relu}\n",
     "bad.yaml, line 3, column 26: not valid YAML"),
    ("bad.json", '{"model": "ann",\n "space": }\n', "bad.json, line 2, column 11: not valid JSON"),
])
def test_a_config_that_does_not_parse_names_the_file_and_line(capsys, tmp_path, name, text,
                                                              where):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputValueError, match=re.escape(where)) as exc:
        load_config(str(path))
    assert str(exc.value).endswith(f"Received: {text.splitlines()[-1]!r}")
    code, out, err = run(capsys, "tune", path)
    assert code == 2 and err.startswith("error: ") and where in err
    assert "Traceback" not in err and out == ""


def test_json_config_and_cli_error_exit(capsys, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"model": "ann", "dataset": "iris",
                                "space": {"activation": ["relu", "rellu"]},
                                "directory": str(tmp_path / "j")}))
    code, _, err = run(capsys, "tune", path)
    assert code == 2 and "Did you mean 'relu'" in err
    code, _, err = run(capsys, "tune", "ann", "--dataset", "iris")
    assert code == 2 and "Nothing to search" in err


def test_devices_command(capsys):
    code, out, _ = run(capsys, "devices")
    assert code == 0 and "a search would use: /CPU:0" in out and "no GPU" in out
    code, out, _ = run(capsys, "devices", "--devices", "/CPU:0", "/CPU:1", "--multi-device",
                       "mirrored")
    assert code == 0 and "/CPU:0, /CPU:1" in out and "mirrored" in out


@pytest.mark.parametrize("command", [["tune"], ["devices"]])
def test_help(capsys, command):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0 and "usage: keras-zoo" in capsys.readouterr().out


# === Issue 23: numbers with significant digits, the default directory named as it is ===

def test_progress_lines_print_numbers_as_the_leaderboard_does(tmp_path):
    import io

    from keras_zoo.base import format_number
    from keras_zoo.tuning.progress import Progress
    from keras_zoo.tuning.trial.job import RESULT_FILE

    rate = 2.2366903722394796e-05
    folder = tmp_path / "trial_0"
    folder.mkdir()
    (folder / RESULT_FILE).write_text(json.dumps(
        {"trial_id": "0", "status": "completed", "score": 3.8e-05, "seconds": 1.25,
         "device": "/CPU:0", "params": {"learning_rate": rate, "hidden_units": [64, 32],
                                        "epochs": 20, "activation": "relu"}}))
    stream = io.StringIO()
    Progress(str(tmp_path), 1, "val_loss", "min", verbose=1, stream=stream).scan()
    line = stream.getvalue()
    assert "val_loss 3.8e-05  best 3.8e-05" in line
    assert "learning_rate=2.237e-05, hidden_units=(64, 32), epochs=20, activation=relu" in line
    assert repr(rate) not in line and "0.0000" not in line
    assert format_number(rate) == cli_table.cell(rate) == "2.237e-05"  # one rule for both


def test_tune_help_names_the_default_directory_the_search_uses(capsys):
    from keras_zoo.tuning.directory import default_directory

    with pytest.raises(SystemExit):
        cli.main(["tune", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    example = default_directory("ann", "breast_cancer", "grid")
    assert example == "runs/ann_breast_cancer_grid"
    assert "default runs/<model>_<dataset>_<strategy>, " in out and f"{example})" in out
    assert "<model>-<data" not in out
