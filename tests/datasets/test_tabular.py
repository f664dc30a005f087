"""Tabular loaders: bundled sets, CSV/DataFrame, splits, pipelines, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo import datasets


@pytest.mark.parametrize("name,task,n_features,num_classes", [
    ("breast_cancer", "binary", 30, 2),
    ("iris", "multiclass", 4, 3),
    ("wine", "multiclass", 13, 3),
    ("digits", "multiclass", 64, 10),
    ("diabetes", "regression", 10, None),
])
def test_bundled_sets(name, task, n_features, num_classes):
    data = kz.load(name)
    assert data.task == task
    assert data.input_dim == n_features
    assert data.num_classes == num_classes
    sizes = data.sizes()
    total = sum(sizes.values())
    assert sizes["test"] == pytest.approx(0.2 * total, abs=1)
    assert sizes["val"] == pytest.approx(0.1 * total, abs=2)
    assert data.x_train.dtype == np.float32
    if num_classes:
        assert len(data.class_names) == num_classes
        assert set(np.unique(data.y_train)) == set(range(num_classes))
    assert len(data.feature_names) == n_features


def test_splits_are_stratified_and_seeded():
    a, b, c = kz.load("iris", seed=1), kz.load("iris", seed=1), kz.load("iris", seed=2)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert not np.array_equal(a.x_test, c.x_test)
    assert np.bincount(a.y_test).tolist() == [10, 10, 10]
    assert np.bincount(a.y_val).tolist() == [5, 5, 5]
    # every sample lands in exactly one split
    x = np.arange(100, dtype="float32").reshape(-1, 1)
    d = kz.datasets.from_arrays(x, np.arange(100) % 2, seed=0)
    ids = np.concatenate([d.x_train, d.x_val, d.x_test]).ravel()
    assert sorted(ids.tolist()) == list(range(100))


@pytest.mark.every_backend
def test_model_kwargs_fit_the_factory(breast_cancer):
    kwargs = breast_cancer.model_kwargs(kz.zoo.ann)
    assert kwargs["input_dim"] == 30 and kwargs["task"] == "binary"
    assert "input_shape" not in kwargs  # the ANN factory does not take it
    mean, _ = kwargs["normalization"]
    np.testing.assert_allclose(mean, breast_cancer.x_train.mean(axis=0), rtol=1e-4)
    assert "target_normalization" in kz.load("diabetes").model_kwargs()


def test_pipeline_batches_shuffles_train_only(iris):
    train = list(iris.pipeline("train", batch_size=32, seed=0).as_numpy_iterator())
    assert [len(x) for x, _ in train] == [32, 32, 32, 9]
    first = np.concatenate([y for _, y in train])
    again = np.concatenate([y for _, y in iris.pipeline("train", batch_size=32, seed=0)
                           .as_numpy_iterator()])
    assert sorted(first.tolist()) == sorted(iris.y_train.tolist())
    np.testing.assert_array_equal(np.concatenate([y for _, y in iris.pipeline("test")
                                                  .as_numpy_iterator()]), iris.y_test)
    ds = iris.pipeline("train", batch_size=50, seed=0)
    epoch1 = np.concatenate([y for _, y in ds.as_numpy_iterator()])
    epoch2 = np.concatenate([y for _, y in ds.as_numpy_iterator()])
    assert not np.array_equal(epoch1, epoch2)  # reshuffled every epoch
    with pytest.raises(ValueError, match="`split` must be one of"):
        iris.pipeline("dev")
    assert again.shape == first.shape


@pytest.mark.every_backend
def test_model_trains_on_the_pipeline(iris):
    model = kz.zoo.ann(**iris.model_kwargs(kz.zoo.ann), hidden_units=(16,), learning_rate=0.02,
                       seed=0)
    model.fit(iris.pipeline("train", seed=0), epochs=40, verbose=0, shuffle=False)  # it shuffles
    assert model.evaluate(iris.pipeline("test"), verbose=0, return_dict=True)["accuracy"] >= 0.9


def _frame(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "age": rng.integers(18, 80, n).astype(float),
        "city": rng.choice(["paris", "lyon", "nice"], n),
        "member": rng.choice([True, False], n),
        "label": rng.choice(["yes", "no"], n),
    })


def test_from_dataframe_keeps_the_table_for_the_model_by_default():
    frame = _frame()
    data = datasets.from_dataframe(frame, target="label", seed=0)
    assert data.task == "binary"
    assert data.class_names == ["no", "yes"]
    assert data.feature_names == ["age", "city", "member"]  # one encoded column per column
    table = data.table
    assert [(c.name, c.kind, c.source) for c in table.columns] == [
        ("age", "number", "float"), ("city", "category", "text"), ("member", "number", "bool")]
    assert table.columns[1].categories == ("lyon", "nice", "paris")
    assert set(np.unique(data.x_train[:, 1])) <= {1.0, 2.0, 3.0}  # ids; 0: missing or unseen
    kwargs = data.model_kwargs()
    assert kwargs["table"] == table.get_config() and kwargs["classes"] == ["no", "yes"]
    assert "normalization" not in kwargs  # the table's statistics standardise inside the model
    # the statistics come from the training split only; the splits hold the frame's rows encoded
    assert table.target == ("label",)
    assert table.columns[0].mean == pytest.approx(float(data.x_train[:, 0].mean()), rel=1e-6)
    splits = np.concatenate([data.x_train, data.x_val, data.x_test])
    np.testing.assert_array_equal(np.unique(table.encode(frame), axis=0), np.unique(splits, axis=0))
    lines = data.summary().splitlines()
    assert any(line.strip().startswith("city: category (text), 3 values") for line in lines)


def test_from_dataframe_encodes_categories_outside_the_model_when_asked():
    data = datasets.from_dataframe(_frame(), target="label", seed=0, categorical="onehot")
    assert data.feature_names == ["age", "city_lyon", "city_nice", "city_paris", "member"]
    assert data.metadata["categories"] == {"city": ["lyon", "nice", "paris"]}
    np.testing.assert_array_equal(data.x_train[:, 1:4].sum(axis=1), 1.0)
    ordinal = datasets.from_dataframe(_frame(), target="label", categorical="ordinal")
    assert ordinal.feature_names == ["age", "city", "member"]
    assert ordinal.table is None and "normalization" in ordinal.model_kwargs()


def test_from_csv(tmp_path):
    path = tmp_path / "people.csv"
    _frame(60).to_csv(path, index=False)
    data = datasets.from_csv(path, target="label")
    assert data.name == "people" and data.input_dim == 3
    assert sum(data.sizes().values()) == 60


def test_missing_target_lists_the_columns():
    with pytest.raises(ValueError, match=r"no column 'lable'\. Did you mean 'label'\? "
                                         r"Columns: age, city, member, label"):
        datasets.from_dataframe(_frame(), target="lable")


def test_nan_and_inf_name_the_columns_and_counts():
    df = _frame()
    df.loc[[0, 3], "age"] = np.nan
    df.loc[5, "city"] = None
    kept = datasets.from_dataframe(df, target="label")  # the model imputes them
    assert sum(c.missing for c in kept.table.columns) >= 1
    assert np.isnan(np.concatenate([kept.x_train, kept.x_val, kept.x_test])[:, 0]).sum() == 2
    for options in ({"missing": "refuse"}, {"categorical": "onehot"}):
        with pytest.raises(ValueError, match=r"'age' \(2 NaN\); 'city' \(1 NaN\)"):
            datasets.from_dataframe(df, target="label", **options)
    df = _frame()
    df.loc[1, "age"] = np.inf
    with pytest.raises(ValueError, match=r"column 'age' holds 1 infinite value"):
        datasets.from_dataframe(df, target="label")
    with pytest.raises(ValueError, match=r"'age' \(1 inf\)"):
        datasets.from_dataframe(df, target="label", missing="refuse")
    df = _frame()
    df.loc[2, "label"] = None
    with pytest.raises(ValueError, match="target has missing values: 'label' \\(1 missing\\)"):
        datasets.from_dataframe(df, target="label")
    x = np.ones((10, 2))
    x[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"'b' \(1 NaN\)"):
        datasets.from_arrays(x, np.arange(10) % 2, feature_names=["a", "b"])


def test_single_class_empty_and_mismatched():
    df = _frame()
    df["label"] = "yes"
    with pytest.raises(ValueError, match="single class"):
        datasets.from_dataframe(df, target="label")
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        datasets.from_arrays(np.ones((10, 2)), np.arange(9) % 2)
    with pytest.raises(ValueError, match="empty"):
        datasets.from_arrays(np.ones((0, 2)), np.ones(0))
    with pytest.raises(ValueError, match="empty"):
        datasets.from_dataframe(pd.DataFrame(), target="label")


def test_empty_and_missing_csv(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        datasets.from_csv(empty, target="label")
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,label\n")
    with pytest.raises(ValueError, match="no rows"):
        datasets.from_csv(header_only, target="label")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        datasets.from_csv(tmp_path / "nope.csv", target="label")


def test_unsupported_column_type():
    df = _frame()
    df["when"] = pd.date_range("2020-01-01", periods=len(df))
    with pytest.raises(ValueError, match="Column 'when' holds dates or durations \\(datetime64.*"
                       "df\\['when_year'\\] = df\\['when'\\].dt.year.*drop=\\['when'\\]"):
        datasets.from_dataframe(df, target="label")
    data = datasets.from_dataframe(df, target="label", drop=["when"])
    assert "when" not in data.feature_names


def test_unknown_dataset_and_listing():
    with pytest.raises(ValueError, match="Did you mean 'iris'"):
        kz.load("irs")
    listing = datasets.list_datasets()
    assert {"breast_cancer", "iris", "wine", "digits", "diabetes"} <= set(listing)
    assert all(listing.values())


def test_regression_and_task_override():
    data = datasets.from_arrays(np.arange(30.0).reshape(-1, 1), np.arange(30) % 3,
                                task="regression")
    assert data.task == "regression" and data.num_classes is None
    with pytest.raises(ValueError, match="labels are continuous"):
        datasets.from_arrays(np.ones((10, 1)), np.linspace(0, 1, 10), task="binary")


def test_a_csv_pandas_cannot_parse_or_decode_is_refused_by_name(tmp_path):
    from keras_zoo.base.errors import InputValueError

    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,0\n1,2,3,4,5\n")
    with pytest.raises(InputValueError, match="Cannot read the CSV file .*ragged.csv"):
        kz.datasets.from_csv(ragged, target="label")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,label\ncaf\xe9,1\nthe,0\n".encode("latin-1"))
    with pytest.raises(InputValueError, match="encoding"):
        kz.datasets.from_csv(latin, target="label")
