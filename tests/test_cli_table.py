"""keras-zoo on a practitioner's own CSV file: train --csv, predict, evaluate (in-process).

One table model is trained through the command once (module fixture) on a churn table with
missing values and text columns; predict and evaluate then run on its saved file.
"""

from __future__ import annotations

import contextlib
import io
import json

import keras
import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo import cli
from keras_zoo.base.errors import InputValueError
from tests.zoo.test_table import customers

NEW_ROWS = [  # a missing number and category, an unseen plan and city, a complete row
    {"id": 9001, "age": None, "income": 61_000, "plan": None, "city": "town3", "member": True},
    {"id": 9002, "age": 35, "income": 52_000, "plan": "platinum", "city": "atlantis",
     "member": False},
    {"id": 9003, "age": 58, "income": 40_000, "plan": "gold", "city": "town7", "member": True},
]


def run(capsys, *argv):
    capsys.readouterr()
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``train ann --csv`` once: the table (an id column the model must not take), the new rows
    and the saved model, reloaded in safe mode."""
    folder = tmp_path_factory.mktemp("cli_table")
    rows = customers(400, seed=0)
    rows.insert(0, "id", np.arange(len(rows)))
    table, new, model = folder / "customers.csv", folder / "new.csv", folder / "out" / "m.keras"
    rows.to_csv(table, index=False)
    pd.DataFrame(NEW_ROWS).to_csv(new, index=False)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["train", "ann", "--csv", str(table), "--target", "churn", "--drop", "id",
                         "--epochs", "30", "--set", "hidden_units=16",
                         "--set", "learning_rate=0.01", "--quiet", "--output", str(model)])
    assert code == 0, err.getvalue()
    assert f"saved {model}\n" in out.getvalue() and "WARNING" not in out.getvalue()
    reloaded = keras.saving.load_model(model, safe_mode=True)
    return {"table": table, "new": new, "model": model, "rows": pd.read_csv(table),
            "reloaded": reloaded, "summary": err.getvalue()}


def test_train_csv_saves_a_table_model_of_the_files_columns(trained):
    model = trained["reloaded"]
    assert type(model).__name__ == "TableModel"
    assert model.classes_.tolist() == ["no", "yes"]
    assert model.table.names == ["age", "income", "plan", "city", "member"]  # not id, not churn
    assert "age: number (float)" in trained["summary"] and "missing" in trained["summary"]
    assert not list(trained["model"].parent.glob(".tmp-*"))  # the atomic save left no temp file


def test_predict_writes_the_rows_with_class_and_probabilities(trained, capsys, tmp_path):
    model, rows = trained["reloaded"], trained["rows"]
    target = tmp_path / "sub" / "predictions.csv"
    code, out, err = run(capsys, "predict", trained["model"], trained["table"], "--output", target)
    assert code == 0, err
    assert out == f"{len(rows)} predictions: {target}\n"
    written = pd.read_csv(target)
    assert list(written.columns) == [*rows.columns, "prediction", "probability_no",
                                     "probability_yes"]
    pd.testing.assert_frame_equal(written[rows.columns], rows)  # the input rows, unchanged
    features = rows.drop(columns="id")  # the target is skipped, an id would be refused
    assert written["prediction"].tolist() == model.predict_classes(features).tolist()
    assert np.mean(written["prediction"] == rows["churn"]) > 0.8
    p = kz.zoo.predict(model, features)[:, 0]
    np.testing.assert_allclose(written["probability_yes"], p, rtol=1e-6)
    np.testing.assert_allclose(written["probability_no"] + written["probability_yes"], 1.0)
    assert ((written["probability_yes"] > 0.5) == (written["prediction"] == "yes")).all()


def test_predict_takes_missing_values_and_unseen_categories_to_stdout(trained, capsys):
    model = trained["reloaded"]
    code, out, err = run(capsys, "predict", trained["model"], trained["new"])
    assert code == 0, err
    written = pd.read_csv(io.StringIO(out))
    assert written["id"].tolist() == [9001, 9002, 9003]  # a column the model does not take
    expected = model.predict_classes(pd.DataFrame(NEW_ROWS).drop(columns="id"))
    assert written["prediction"].tolist() == expected.tolist()
    assert np.isfinite(written["probability_yes"]).all()
    assert model.table.encode(pd.DataFrame(NEW_ROWS[1:2]).drop(columns="id"))[0, 2] == 0.0


def test_evaluate_prints_the_models_own_metrics(trained, capsys):
    model, rows = trained["reloaded"], trained["rows"]
    expected = model.evaluate(rows.drop(columns="id"), rows["churn"].to_numpy(), verbose=0,
                              return_dict=True)
    code, out, err = run(capsys, "evaluate", trained["model"], trained["table"],
                         "--target", "churn", "--json")
    assert code == 0, err
    printed = json.loads(out)
    assert printed["rows"] == len(rows) and set(printed) == {"rows", *expected}
    for name, value in expected.items():
        assert abs(printed[name] - float(value)) <= 1e-6, name
    assert printed["accuracy"] > 0.8
    code, out, _ = run(capsys, "evaluate", trained["model"], trained["table"], "--target", "churn")
    assert code == 0
    header, rule, values = out.splitlines()[1:]
    assert header.split() == ["rows", "accuracy", "loss"] and set(rule) <= {"-", " "}
    shown = dict(zip(header.split(), values.split()))
    assert float(shown["accuracy"]) == pytest.approx(expected["accuracy"], rel=1e-3)


@pytest.fixture
def numbers_model(tmp_path):
    """A plain Keras classifier on 3 numbers (no table): predict takes a CSV of 3 numbers."""
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)  # saved as trained models are
    path = tmp_path / "plain.keras"
    model.save(path)
    return model, path


def test_a_model_on_numbers_takes_a_csv_of_as_many_numbers(numbers_model, capsys, tmp_path):
    model, path = numbers_model
    x = np.random.default_rng(0).normal(size=(5, 3))
    rows = pd.DataFrame(x, columns=["a", "b", "c"]).assign(label=[0, 1, 1, 0, 1])
    rows.to_csv(tmp_path / "x.csv", index=False)
    rows.drop(columns="label").to_csv(tmp_path / "x3.csv", index=False)
    code, out, err = run(capsys, "predict", path, tmp_path / "x3.csv")
    assert code == 0, err
    written = pd.read_csv(io.StringIO(out))
    probabilities = model.predict(x.astype("float32"), verbose=0)
    np.testing.assert_allclose(written[["probability_0", "probability_1"]], probabilities,
                               rtol=1e-5)
    assert written["prediction"].tolist() == probabilities.argmax(axis=1).tolist()
    code, out, err = run(capsys, "evaluate", path, tmp_path / "x.csv", "--target", "label",
                         "--json")
    assert code == 0, err
    expected = model.evaluate(x.astype("float32"), rows["label"].to_numpy(), verbose=0,
                              return_dict=True)
    assert json.loads(out)["accuracy"] == pytest.approx(float(expected["accuracy"]), abs=1e-6)
    code, _, err = run(capsys, "predict", path, tmp_path / "x.csv")  # label is a 4th column
    assert code == 2 and "takes 3 number column(s)" in err and "the file has 4" in err
    rows.assign(label="x").to_csv(tmp_path / "text.csv", index=False)
    code, _, err = run(capsys, "evaluate", path, tmp_path / "text.csv", "--target", "c")
    assert code == 2 and "column(s) label hold text" in err


def _error_files(trained, tmp_path):
    """The files the error cases name (``ERRORS``' placeholders)."""
    (tmp_path / "notzip.keras").write_text("not a model")
    (tmp_path / "model.h5").write_text("")
    trained["rows"].drop(columns=["plan", "city"]).to_csv(tmp_path / "lacks.csv", index=False)
    return {"table": trained["table"], "model": trained["model"], "dir": tmp_path}


ERRORS = [
    (["train", "ann", "--dataset", "{table}"],
     ["for a CSV file use --csv {table} --target COLUMN", "its columns: id, age, income, plan, "
      "city, member, churn", "Received: --dataset {table}"]),
    (["train", "ann", "--dataset", "customers.csv"],
     ["use --csv customers.csv --target COLUMN. Received"]),  # no such file: no columns
    (["diagnose", "ann", "--dataset", "{table}"], ["use --data-csv {table} --target COLUMN"]),
    (["train", "ann", "--csv", "{table}"], ["--csv FILE needs --target COLUMN", "churn"]),
    (["train", "ann", "--dataset", "iris", "--target", "churn"],
     ["--target applies to a CSV file", "Received: --dataset iris --target churn"]),
    (["train", "ann", "--csv", "{table}", "--target", "churn", "--output", "{dir}/m.h5"],
     ["--output must name a .keras file", "Received: --output {dir}/m.h5"]),
    (["train", "ann", "--dataset", "diabetes", "--class-weight", "balanced"],
     ["--class-weight balanced weighs the classes of a classifier", "regression"]),
    (["predict", "{dir}/missing.keras", "{table}"], ["No such model file: '{dir}/missing.keras'"]),
    (["predict", "{dir}/model.h5", "{table}"], ["MODEL must name a .keras file"]),
    (["predict", "{dir}/notzip.keras", "{table}"],
     ["'{dir}/notzip.keras' is not a .keras model file"]),
    (["predict", "{model}", "{dir}/missing.csv"], ["No such CSV file: '{dir}/missing.csv'"]),
    (["predict", "{model}", "{dir}/lacks.csv"],
     ["{dir}/lacks.csv: no column(s) plan, city, which the model takes"]),
    (["evaluate", "{model}", "{table}", "--target", "chrun"],
     ["{table}: no column 'chrun' (--target). Did you mean 'churn'?",
      "Columns: id, age, income, plan, city, member, churn"]),
]


@pytest.mark.parametrize("argv,needles", ERRORS, ids=lambda v: " ".join(v)[:60])
def test_bad_input_is_one_line_and_exit_2(trained, capsys, tmp_path, argv, needles):
    files = _error_files(trained, tmp_path)

    def filled(text):
        return text.format(**files)

    code, out, err = run(capsys, *map(filled, argv))
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    for needle in needles:
        assert filled(needle) in err


@pytest.mark.parametrize("argv,message", [
    (["train", "ann", "--dataset", "iris", "--csv", "x.csv"], "not allowed with argument"),
    (["train", "ann"], "one of the arguments --dataset --csv/--data-csv is required"),
    (["evaluate", "m.keras", "x.csv"], "the following arguments are required: --target"),
])
def test_the_parser_refuses_a_missing_or_double_source(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_class_weight_balanced_reaches_fit(capsys, monkeypatch, trained):
    from keras_zoo import zoo

    seen = {}

    def fit(model, x, y, **kwargs):
        seen.update(kwargs)
        raise InputValueError("stopped after fit's arguments")

    monkeypatch.setattr(zoo, "fit", fit)
    code, _, err = run(capsys, "train", "ann", "--csv", trained["table"], "--target", "churn",
                       "--class-weight", "balanced")
    assert code == 2 and "stopped after fit's arguments" in err
    assert seen["class_weight"] == "balanced"


def test_load_names_from_csv_for_a_csv_file(trained):
    with pytest.raises(InputValueError, match=r"kz\.datasets\.from_csv\(.*customers\.csv', "
                                              r"target='COLUMN'\) \(its columns: id, age"):
        kz.datasets.load(str(trained["table"]))
    with pytest.raises(InputValueError, match="Did you mean 'iris'"):  # a name, as before
        kz.datasets.load("irs")


def test_tune_searches_a_csv_file_with_class_weights(trained, capsys, tmp_path):
    directory = tmp_path / "search"
    code, _out, err = run(capsys, "tune", "ann", "--csv", trained["table"], "--target", "churn",
                         "--drop", "id", "--set", "class_weight=null,balanced",
                         "--set", "hidden_units=[8]", "--strategy", "grid", "--epochs", "2",
                         "--directory", directory, "--quiet")
    assert code == 0, err
    result = kz.tuning.SearchResult.load(directory)
    values = result.leaderboard["class_weight"].tolist()  # None reads back as a missing value
    assert len(values) == 2 and "balanced" in values and any(pd.isna(v) for v in values)
    assert type(result.best_model).__name__ == "TableModel"
    assert result.best_model.table.names == ["age", "income", "plan", "city", "member"]
    code, _, err = run(capsys, "tune", "ann", "--csv", trained["table"], "--set",
                       "hidden_units=[8],[4]", "--directory", tmp_path / "x")
    assert code == 2 and "--csv FILE needs --target COLUMN" in err and "churn" in err
