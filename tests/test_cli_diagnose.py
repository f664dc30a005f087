"""keras-zoo diagnose: findings, the per-layer table, plot and CSV; tune --diagnostics."""

from __future__ import annotations

import pandas as pd
import pytest

from keras_zoo import cli

DEEP = "hidden_units=[32,32,32,32,32,32,32,32]"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_deep_sigmoid_net_reports_vanishing_gradients_and_writes_plot_and_csv(capsys, tmp_path):
    png, table = tmp_path / "p.png", tmp_path / "out" / "t.csv"
    code, out, _ = run(capsys, "diagnose", "ann", "--dataset", "digits", "--set", DEEP,
                       "--set", "activation=sigmoid", "--set", "initializer=glorot_uniform",
                       "--epochs", "3", "--output", str(png), "--csv", str(table))
    assert code == 0  # problems found are a report, not an error
    assert "vanishing_gradients" in out and "cure:" in out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("layer "))
    assert header.split() == ["layer", "kind", "activation", "grad_norm", "weight_norm",
                              "update_ratio", "dead_fraction", "saturated_fraction"]
    first = next(line for line in lines if line.startswith("hidden_1 "))
    assert "sigmoid" in first and "e-" in first.split()[3]  # a tiny norm, readable
    assert "layers at epoch 3" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"plot:  {png}" in out
    frame = pd.read_csv(table)
    assert f"table: {table}" in out
    assert {"epoch", "layer", "grad_norm", "update_ratio"} <= set(frame.columns)
    assert sorted(frame["epoch"].unique()) == [1, 2, 3] and frame["layer"].nunique() == 9


def test_relu_with_he_initialization_has_no_vanishing_gradients(capsys):
    code, out, _ = run(capsys, "diagnose", "ann", "--dataset", "digits", "--set", DEEP,
                       "--set", "activation=relu", "--set", "initializer=he_normal",
                       "--epochs", "3")
    assert code == 0
    assert "vanishing_gradients" not in out
    assert "hidden_8" in out and "plot:" not in out


@pytest.mark.parametrize("argv,needle", [
    (["diagnose", "ann", "--dataset", "digits", "--set", "hiden_units=[8,8]"],
     "Did you mean 'hidden_units'"),
    (["diagnose", "anm", "--dataset", "digits"], "Did you mean 'ann'"),
    (["diagnose", "ann", "--dataset", "digts"], "Did you mean 'digits'"),
    (["diagnose", "ann", "--dataset", "digits", "--set", "hidden_units"], "--set takes KEY=VALUE"),
])
def test_bad_input_exits_2_with_the_message_train_gives(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error:") and needle in err and "Traceback" not in err
    assert "vanishing" not in out


def test_help_names_the_command_and_tune_names_diagnostics(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["diagnose", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "usage: keras-zoo diagnose" in text and "--csv" in text and "--output" in text
    with pytest.raises(SystemExit):
        cli.main(["tune", "--help"])
    assert "--diagnostics" in capsys.readouterr().out


def test_tune_diagnostics_prints_the_findings_column(capsys, tmp_path):
    code, out, _ = run(capsys, "tune", "ann", "--dataset", "digits",
                       "--set", "activation=sigmoid,relu", "--set", "hidden_units=[8,8,8,8,8,8,8,8]",
                       "--epochs", "2", "--diagnostics", "--quiet",
                       "--directory", str(tmp_path / "s"))
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("trial"))
    assert {"grad_ratio", "dead_fraction", "saturated_fraction", "findings"} <= set(header.split())
    sigmoid = next(line for line in out.splitlines() if " sigmoid " in f" {line} ")
    assert "vanishing_gradients" in sigmoid
    board = pd.read_csv(tmp_path / "s" / "leaderboard.csv")
    assert "grad_ratio" in board.columns
