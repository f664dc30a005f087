"""A practitioner's own table: missing values and text columns inside the saved model, raw rows
in (DataFrame, dict of columns, list of records), class names out, class weights."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

import keras_zoo as kz
from keras_zoo.base.table import TableSpec
from keras_zoo.zoo.layers.table import TablePreprocessing

pytestmark = pytest.mark.every_backend  # the table's layer and raw rows on every backend


def customers(n=500, seed=0) -> pd.DataFrame:
    """A churn table as CSV files come: numbers with gaps, text columns, a text target."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.normal(40, 10, n).round(),
        "income": rng.normal(50_000, 12_000, n).round(-2),  # far from unit scale
        "plan": rng.choice(["basic", "gold", "silver"], n),
        "city": rng.choice([f"town{i}" for i in range(30)], n),  # wide: an embedding
        "member": rng.choice([True, False], n),
    })
    churn = (df.plan == "gold") | (df.age > 50) | (df.income < 35_000)
    df["churn"] = np.where(churn, "yes", "no")
    df.loc[rng.random(n) < 0.1, "age"] = np.nan
    df.loc[rng.random(n) < 0.08, "plan"] = None
    return df


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One model trained on a CSV through from_csv + the factory + kz.zoo.fit, shared."""
    path = tmp_path_factory.mktemp("table") / "customers.csv"
    customers().to_csv(path, index=False)
    data = kz.datasets.from_csv(path, target="churn", seed=0)
    model = kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), hidden_units=(32,), seed=0)
    kz.zoo.fit(model, data.x_train, data.y_train, validation_data=(data.x_val, data.y_val),
               epochs=60, seed=0, verbose=0)
    return path, data, model


NEW_ROWS = [  # a missing number and category, an unseen category, a complete row
    {"age": None, "income": 61_000, "plan": None, "city": "town3", "member": True},
    {"age": 35, "income": 52_000, "plan": "platinum", "city": "atlantis", "member": False},
    {"age": 58, "income": 40_000, "plan": "gold", "city": "town7", "member": True},
]


def test_a_csv_with_gaps_and_text_trains_and_reloads_taking_raw_rows(trained, tmp_path):
    path, data, model = trained
    assert type(model).__name__ == "TableModel"
    assert model.evaluate(data.x_test, data.y_test, verbose=0, return_dict=True)["accuracy"] > 0.85
    raw = pd.read_csv(path)  # the raw rows, target column included: it is skipped
    accuracy = np.mean(model.predict_classes(raw) == raw["churn"].to_numpy())
    assert accuracy > 0.85
    saved = tmp_path / "churn.keras"
    model.save(saved)
    reloaded = keras.saving.load_model(saved, safe_mode=True)
    assert type(reloaded).__name__ == "TableModel" and reloaded.classes_.tolist() == ["no", "yes"]
    expected = kz.zoo.predict(model, pd.DataFrame(NEW_ROWS))
    assert np.all(np.isfinite(expected))
    for rows in (pd.DataFrame(NEW_ROWS), NEW_ROWS,
                 {k: [r[k] for r in NEW_ROWS] for k in NEW_ROWS[0]}):
        np.testing.assert_allclose(kz.zoo.predict(reloaded, rows), expected, rtol=1e-6)
        np.testing.assert_allclose(reloaded.predict(rows, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded(NEW_ROWS)), expected,
                               rtol=1e-5)
    assert set(reloaded.predict_classes(NEW_ROWS)) <= {"no", "yes"}
    # the unseen category is the missing bucket, not an error; the numbers keep their meaning
    assert reloaded.table.encode(NEW_ROWS[1:2])[0, 2] == 0.0
    # plain Keras on raw rows and class names, after the reload
    names = raw["churn"].to_numpy()
    reloaded.fit(raw.drop(columns="churn"), names, epochs=1, batch_size=64, verbose=0)
    assert reloaded.evaluate(raw, names, verbose=0, return_dict=True)["accuracy"] > 0.85


def test_bad_rows_name_the_column(trained):
    _, _, model = trained
    rows = pd.DataFrame(NEW_ROWS)
    with pytest.raises(ValueError, match=r"missing column\(s\) 'income'.*The model takes: 'age'"):
        model.predict(rows.drop(columns="income"), verbose=0)
    with pytest.raises(ValueError, match=r"not trained on: 'colour' \(drop them\)"):
        kz.zoo.predict(model, rows.assign(colour="red"))
    with pytest.raises(ValueError, match=r"column 'age' holds numbers in training, but here 1 "
                                         r"value\(s\) are not numbers: 'old'"):
        kz.zoo.predict(model, rows.assign(age=["old", 30, 40]))
    with pytest.raises(TypeError, match="must hold table rows: a pandas DataFrame, a dict of "
                                        "columns"):
        model.table.encode("age=3")
    with pytest.raises(ValueError, match="holds dates or durations"):
        TableSpec.learn(rows.assign(when=pd.Timestamp("2024-01-01")))
    with pytest.raises(ValueError, match="`normalization` does not apply with `table`"):
        kz.zoo.ann(table=model.table, normalization=([0.0] * 5, [1.0] * 5), task="binary")
    with pytest.raises(ValueError, match=r"`input_dim` must be the table's number of columns \(5\)"):
        kz.zoo.ann(4, table=model.table, task="binary")


def test_numbers_are_standardised_imputed_and_flagged_categories_one_hot_or_embedded():
    frame = customers(200)
    spec = TableSpec.learn(frame.drop(columns="churn"))
    layer = TablePreprocessing(spec)  # plan: 3 values + the bucket -> one-hot; city: 31 ids
    assert [type(e).__name__ for e in layer._encoders] == ["CategoryEncoding", "Embedding"]
    # age, income, member standardised; age's missing-indicator; plan one-hot (4); city (11)
    assert layer.output_width == 3 + 1 + 4 + 11  # round(1.6 * 31 ** 0.56)
    out = keras.ops.convert_to_numpy(layer(spec.encode(frame.drop(columns="churn"))))
    age = frame["age"]
    np.testing.assert_allclose(out[age.notna().to_numpy(), 0],
                               ((age - age.mean()) / age.std(ddof=0)).dropna(), atol=1e-4)
    np.testing.assert_array_equal(out[age.isna().to_numpy(), 0], 0.0)  # the mean
    np.testing.assert_array_equal(out[:, 3], age.isna().to_numpy())
    assert abs(out[:, 1].mean()) < 1e-4 and abs(out[:, 1].std() - 1) < 1e-3  # income: scaled
    wide = TablePreprocessing(spec, max_onehot=64)
    assert [type(e).__name__ for e in wide._encoders] == ["CategoryEncoding", "CategoryEncoding"]


def test_class_weight_balanced_is_scikit_learns_rule(trained):
    _, data, _ = trained
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.unique(data.y_train)
    expected = dict(zip(classes.tolist(), compute_class_weight("balanced", classes=classes,
                                                               y=data.y_train)))
    assert kz.zoo.training.balanced_class_weight("balanced", data.y_train) == pytest.approx(
        expected)
    histories = []
    for weights in ("balanced", expected):
        model = kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), hidden_units=(8,), seed=1)
        histories.append(kz.zoo.fit(model, data.x_train, data.y_train, epochs=3, seed=1,
                                    class_weight=weights, verbose=0).history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-6)
    model = kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), hidden_units=(8,), seed=1)
    with pytest.raises(ValueError, match="`class_weight` must be 'balanced', a dict"):
        kz.zoo.fit(model, data.x_train, data.y_train, epochs=1, class_weight="even", verbose=0)
    regressor = kz.zoo.ann(3, task="regression", hidden_units=(4,))
    with pytest.raises(ValueError, match=r"a regression loss \(mean_squared_error\), not a classif"):
        kz.zoo.fit(regressor, np.ones((8, 3)), np.arange(8.0), epochs=1,  # whole numbers
                   class_weight="balanced", verbose=0)
    with pytest.raises(ValueError, match="applies to class labels"):
        kz.zoo.training.balanced_class_weight("balanced", np.linspace(0, 1, 8))


def test_numeric_class_names_are_names_as_text_and_integers_stay_ids():
    """A CSV's 1/2 target: the classes are named "1" and "2"; their text maps by name, and
    integers are class ids as in plain Keras (never guessed from the values present)."""
    frame = customers(200)
    frame["churn"] = np.where(frame["churn"] == "yes", 2, 1)
    data = kz.datasets.from_dataframe(frame, target="churn", seed=0)
    assert data.class_names == ["1", "2"]
    model = kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), hidden_units=(8,), seed=0)
    rows, labels = frame.drop(columns="churn"), frame["churn"].to_numpy()
    by_name = model.evaluate(rows, labels.astype(str), verbose=0, return_dict=True)
    by_id = model.evaluate(rows, labels - 1, verbose=0, return_dict=True)
    assert by_name == pytest.approx(by_id)
    ones = np.ones(len(rows), dtype="int64")  # id 1, whatever the other labels are
    assert model.evaluate(rows, ones, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(rows, np.full(len(rows), "2"), verbose=0, return_dict=True))
    assert set(model.predict_classes(rows)) <= {"1", "2"}


def test_columns_as_users_hand_them_in():
    """Codes read as floats in training (a gap) and as integers later; a dict of columns with
    None; object dates and lists; repeated names; a column empty in training."""
    train = pd.DataFrame({"code": [1.0, 2.0, None, 3.0], "x": [0.5, 1.5, 2.5, 3.5],
                          "empty": [np.nan] * 4})
    spec = TableSpec.learn(train, categorical=["code"])
    assert spec.columns[0].categories == ("1", "2", "3")  # not "1.0"
    later = pd.DataFrame({"code": [1, 3, 7], "x": [0.0, 0.0, 0.0], "empty": ["a", None, 4]})
    np.testing.assert_array_equal(spec.encode(later)[:, 0], [1.0, 3.0, 0.0])
    np.testing.assert_array_equal(spec.encode(later)[:, 2], 0.0)  # empty in training: missing
    assert "empty in training" in spec.describe(4)[2]
    numbers = TableSpec.learn({"age": [31, None, 45], "plan": ["a", "b", None]})
    assert [c.kind for c in numbers.columns] == ["number", "category"]
    import datetime
    with pytest.raises(ValueError, match="'when' holds dates or durations"):
        TableSpec.learn(pd.DataFrame({"when": [datetime.date(2024, 1, 1), None]}, dtype=object))
    with pytest.raises(ValueError, match="'tags' holds Python lists"):
        TableSpec.learn(pd.DataFrame({"tags": [["a"], ["b"]]}))
    with pytest.raises(ValueError, match="columns with the same name: 'x'"):
        spec.encode(pd.concat([later, later[["x"]]], axis=1))
    with pytest.raises(ValueError, match="`categorical` names no feature column of the table: "
                                         "'codes'. Did you mean 'code'"):
        TableSpec.learn(train, categorical=["codes"])
    constant = TableSpec.learn(pd.DataFrame({"c": np.full(50, 0.1), "x": np.arange(50.0)}))
    assert constant.columns[0].variance == 0.0  # 7.7e-34 in float64: constant, kept unscaled
    out = keras.ops.convert_to_numpy(TablePreprocessing(constant)(constant.encode(
        pd.DataFrame({"c": [0.2], "x": [1.0]}))))
    assert abs(out[0, 0] - 0.1) < 1e-5  # (0.2 - 0.1) / 1, not 1e15


def test_category_ids_survive_a_mixed_precision_policy():
    frame = pd.DataFrame({"code": [f"c{i:03d}" for i in range(400)]})
    spec = TableSpec.learn(frame)
    rows = spec.encode(frame.iloc[[301, 302, 303]])
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        layer = TablePreprocessing(spec)
        out = keras.ops.convert_to_numpy(keras.ops.cast(layer(rows), "float32"))
    finally:
        keras.config.set_dtype_policy(previous)
    table = keras.ops.convert_to_numpy(keras.ops.cast(layer._encoders[0].embeddings, "float32"))
    expected = keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.cast(
        table[rows[:, 0].astype(int)], "bfloat16"), "float32"))
    np.testing.assert_array_equal(out, expected)  # rows 302, 303, 304 of the table, no other


def test_a_factory_without_table_is_refused_the_encoded_rows(trained):
    _, data, _ = trained
    with pytest.raises(ValueError, match=r"only a factory taking `table=` \(kz.zoo.ann\) can "
                                         r"learn from; cnn\(\) takes no `table`"):
        data.model_kwargs(kz.zoo.cnn)
