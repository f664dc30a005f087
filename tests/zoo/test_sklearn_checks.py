"""scikit-learn's own estimator checks on the zoo's estimators, and their introspection.

The full ``parametrize_with_checks`` run uses small instances (few epochs, few units: every
check fits several times), and runs the array API check, which scikit-learn skips unless
``SCIPY_ARRAY_API=1`` is set, in a fresh interpreter that sets it. ``check_supervised_y_2d`` and
``check_fit2d_1sample`` (issue 13) also run at the defaults.
"""

from __future__ import annotations

import functools
import inspect
import os
import pickle
import pydoc
import re
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest
from sklearn.utils import get_tags
from sklearn.utils._test_common.instance_generator import _get_check_estimator_ids as _key
from sklearn.utils.estimator_checks import (
    _check_name,
    check_fit2d_1sample,
    check_supervised_y_2d,
    parametrize_with_checks,
)

import keras_zoo as kz
from keras_zoo.zoo.sklearn import _FIT_PARAMETERS, ANNClassifier, ANNRegressor

# Small and quick: every check fits several times. The learning rate gives the regressor the
# R^2 > 0.5 check_regressors_train asks for (0.79) in five epochs.
SMALL = {"hidden_units": (8,), "epochs": 5, "learning_rate": 0.05, "random_state": 0}


def _expected_failures(estimator):
    """Checks these estimators fail by design, each with its reason (scikit-learn lists the same
    one for its own mini-batch estimators: SGDClassifier, SGDRegressor, Perceptron)."""
    return {"check_sample_weight_equivalence_on_dense_data": (
        "sample_weight is not equivalent to removing/repeating samples: training runs in "
        "mini-batches, and a row of weight 2 and the same row twice fall in different batches "
        "(measured: predict_proba differs by 5e-5 where the check allows 1e-7)")}


@functools.cache
def _array_api_checks_in_a_fresh_process() -> dict[tuple[str, str], str]:
    """scikit-learn skips its array API checks unless ``SCIPY_ARRAY_API=1`` was set before SciPy
    was imported, so they run here in one fresh interpreter that sets it, for both estimators.
    Returns ``{(estimator, check): error}``, the error "" when the check passed."""
    code = textwrap.dedent("""
        import pickle, sys, traceback
        from sklearn.utils.estimator_checks import _check_name, estimator_checks_generator
        from sklearn.utils._test_common.instance_generator import _get_check_estimator_ids as key
        results = {}
        for estimator in pickle.load(sys.stdin.buffer):
            for est, check in estimator_checks_generator(estimator, mark=None):
                if _check_name(check).startswith("check_array_api"):
                    try:
                        check(est)
                        results[key(est), key(check)] = ""
                    except Exception:
                        results[key(est), key(check)] = traceback.format_exc()
        with open(sys.argv[1], "wb") as out:
            pickle.dump(results, out)
    """)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.pickle")
        done = subprocess.run([sys.executable, "-c", code, out], input=pickle.dumps(CHECKED),
                              env={**os.environ, "SCIPY_ARRAY_API": "1"}, capture_output=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stderr.decode()[-3000:]
        with open(out, "rb") as results:
            return pickle.load(results)


CHECKED = [kz.zoo.ann_classifier(**SMALL), kz.zoo.ann_regressor(**SMALL)]


@pytest.mark.large
@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failures)
def test_scikit_learn_checks(estimator, check):
    if _check_name(check).startswith("check_array_api") and \
            os.environ.get("SCIPY_ARRAY_API") != "1":
        error = _array_api_checks_in_a_fresh_process()[_key(estimator), _key(check)]
        assert not error, error
    else:
        check(estimator)


@pytest.mark.parametrize("make", [kz.zoo.ann_classifier, kz.zoo.ann_regressor])
def test_y_2d_and_1sample_checks_pass_at_the_defaults(make):
    estimator = make()
    assert estimator.get_params() == type(estimator)().get_params()  # the defaults
    check_supervised_y_2d(type(estimator).__name__, estimator)
    check_fit2d_1sample(type(estimator).__name__, estimator)


def test_a_single_sample_is_refused_in_scikit_learns_words():
    with pytest.raises(ValueError, match="got 1 sample \\(n_samples=1\\)"):
        ANNClassifier(**SMALL).fit([[0.0, 1.0]], [1])


def test_column_vector_targets_warn_and_are_raveled():
    from sklearn.exceptions import DataConversionWarning

    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]] * 5
    for estimator, y in ((ANNClassifier(**SMALL), [[0], [1], [0], [1]] * 5),
                         (ANNRegressor(**SMALL), [[0.0], [1.0], [0.5], [0.3]] * 5)):
        with pytest.warns(DataConversionWarning, match="A column-vector y was passed when a "
                                                       "1d array was expected"):
            estimator.fit(X, y)
        assert estimator.predict(X).shape == (20,)


def test_tags_state_what_the_estimators_support():
    assert get_tags(ANNClassifier()).classifier_tags.multi_label
    assert get_tags(ANNRegressor()).target_tags.multi_output
    assert all(get_tags(cls()).input_tags.allow_nan for cls in (ANNClassifier, ANNRegressor))


def test_factories_show_the_estimators_parameters():
    for function, cls in ((kz.zoo.ann_classifier, ANNClassifier),
                          (kz.zoo.ann_regressor, ANNRegressor)):
        params = inspect.signature(function).parameters
        names = list(params)
        assert names == list(inspect.signature(cls).parameters)
        assert names[:3] == ["hidden_units", "activation", "initializer"]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
        assert params["hidden_units"].default == (64, 32)
        assert params["epochs"].default == _FIT_PARAMETERS["epochs"]
        assert inspect.signature(function).return_annotation in (cls, cls.__name__)
        assert function(epochs=3).get_params()["epochs"] == 3
    pipeline = inspect.signature(kz.zoo.ann_pipeline).parameters
    assert list(pipeline)[:3] == ["task", "scaler", "hidden_units"]
    assert list(pipeline).count("task") == 1


@pytest.mark.parametrize("obj", [ANNClassifier, ANNRegressor, kz.zoo.ann_classifier,
                                 kz.zoo.ann_regressor])
def test_help_documents_every_parameter(obj):
    args = inspect.getdoc(obj).split("\nArgs:\n", 1)[1]
    for name in inspect.signature(obj).parameters:  # what it does, not only its default
        assert re.search(rf"^    {name}: (?!Default:)\S", args, re.MULTILINE), name
    assert "Default: ``(64, 32)``" in args
    text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
    assert "hidden_units: Units per hidden layer" in text and "random_state: Seeds" in text
    if not inspect.isclass(obj):
        assert f"{obj.__name__}(*, hidden_units: 'Sequence[int]' = (64, 32), activation" in text
        assert "epochs: 'int' = 100" in text
        assert "**params" not in text


@pytest.mark.every_backend
def test_predictions_do_not_depend_on_the_rows_around_them():
    rng = np.random.default_rng(0)
    X = 3 * rng.uniform(size=(40, 3))
    y = X[:, 0].astype(int)
    est = ANNClassifier(**SMALL).fit(X, y)
    idx = rng.permutation(len(X))
    proba = est.predict_proba(X)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba[idx], est.predict_proba(X[idx]), rtol=1e-12, atol=0)
    np.testing.assert_allclose(proba, est.model_.predict_on_batch(X.astype("float32")),
                               rtol=1e-5, atol=1e-6)  # the same network as model_
    reg = ANNRegressor(**SMALL).fit(X, X @ [1.0, -2.0, 0.5])
    assert reg.predict(X).dtype == np.float64
    np.testing.assert_allclose(reg.predict(X)[idx], reg.predict(X[idx]), rtol=1e-12, atol=0)


@pytest.mark.every_backend
def test_predictions_follow_model_weights_trained_further():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = X @ [1.0, 2.0, -1.0, 0.5]
    est = ANNRegressor(**SMALL).fit(X, y)
    before = est.predict(X)
    est.model_.fit(X.astype("float32"), y.astype("float32"), epochs=3, verbose=0)
    after = est.predict(X)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, est.model_.predict_on_batch(X.astype("float32")).ravel(),
                               rtol=1e-5, atol=1e-5)
