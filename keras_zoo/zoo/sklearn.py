"""scikit-learn estimators around the ANN family, and StandardScaler pipelines.

``ANNClassifier`` and ``ANNRegressor`` are thin estimators of our own (``BaseEstimator`` +
``ClassifierMixin``/``RegressorMixin``) around :func:`keras_zoo.zoo.ann`. Every hyperparameter
is a top-level estimator parameter, so ``clone``, ``get_params``/``set_params``, ``Pipeline``,
``GridSearchCV`` and ``cross_val_score`` vary and keep each one (Keras' own
``SKLearnClassifier`` loses its ``fit_kwargs`` on ``clone`` and one-hot encodes binary targets,
which breaks the single sigmoid unit; SciKeras is unmaintained).

Choices a user will notice:

* Inputs: NumPy arrays or pandas DataFrames (column names are remembered in
  ``feature_names_in_``); labels may be strings or any hashable values, decoded back by
  ``predict``. Multilabel targets are 0/1 indicator matrices.
* A DataFrame with text or ``category`` columns or missing values (or an array with ``NaN``) is
  taken as it is, as ``HistGradientBoosting`` does: the network starts with the table's own
  preprocessing (numbers standardised and imputed with a missing-indicator, categories one-hot
  encoded or embedded, unseen ones as missing), learned on the training rows (``table_``; see
  ``keras_zoo.zoo.sklearn_table``).
* ``class_weight`` (``"balanced"`` or ``{label: weight}``) and ``fit(X, y, sample_weight=...)``
  weigh the rows' losses.
* The network standardises its inputs itself (a first ``Normalization`` layer with the training
  rows' statistics, or the table's preprocessing), so the bare estimators take unscaled columns
  (``ann_pipeline``'s scaler is then harmless, not needed), and the regressor learns
  standardised targets, predicting in their units (issue 25's benchmark: unscaled number
  columns and raw-unit targets cost up to 0.3 R², ``benchmarks/README.md``).
* The defaults are chosen by score (``benchmarks/bench_quality.py``: 5x3 repeated
  cross-validation on every bundled tabular dataset, against ``MLPClassifier``/``MLPRegressor``
  at theirs): as in scikit-learn's MLP, training uses all the data (no early stopping) with an
  L2 penalty (``l2=1e-4`` on the hidden kernels; ``ann()`` itself defaults to 0), for
  ``epochs=100`` (the MLP's ``max_iter`` is 200; 200 epochs scored lower on breast_cancer). Early stopping on a
  held-out 10% scored lower on these small sets (iris: 0.913 against 0.944); it is one
  parameter away: ``early_stopping=True`` holds out ``validation_split`` (seeded, stratified),
  stops on its loss after ``patience`` epochs without improvement and restores the best
  epoch's weights, and ``refit=True`` then trains a fresh network on all the data for the
  epochs it picked.
* ``random_state`` seeds Python, NumPy and Keras (the scikit-learn name for ``seed``).
* A column-vector ``y`` (shape ``(n, 1)``) is one target: it is raveled, with scikit-learn's
  ``DataConversionWarning``. The classifier refuses a single sample, saying so.
* ``predict``/``predict_proba`` compute in float64 (a float64 copy of ``model_``'s current
  weights) and return float64, so a row's prediction does not depend on the rows predicted
  with it; training stays float32.
* The estimators pass scikit-learn's ``check_estimator`` suite but its sample-weight
  equivalence check, which scikit-learn's own mini-batch estimators (``SGDClassifier`` ...) fail
  too (a row of weight 2 and the row twice fall in different batches); their tags say that the
  classifier takes multilabel indicator targets and the regressor several targets, and that
  ``NaN`` is taken (imputed inside the network, or with the training mean at ``predict`` when
  training had no gap).
* The fitted estimator pickles (and so round-trips through joblib) with its Keras model.

Example:
    >>> from sklearn.datasets import load_breast_cancer
    >>> import keras_zoo as kz
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> pipe = kz.zoo.ann_pipeline(task="binary", hidden_units=(32,), epochs=30, random_state=0)
    >>> pipe.fit(X, y).score(X, y) > 0.9
    True
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import keras
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from keras_zoo.base.errors import InputTypeError, InputValueError
from keras_zoo.base.table import mean_variance
from keras_zoo.zoo import training
from keras_zoo.zoo.heads import resolve_head
from keras_zoo.zoo.sklearn_float64 import predict_float64
from keras_zoo.zoo.sklearn_params import (  # noqa: F401  _FIT_PARAMETERS: read by the tests
    _ESTIMATOR_DEFAULTS,
    _FIT_PARAMETERS,
    _FROM_DATA,
    _args_section,
    _estimator_signature,
    _keyword_signature,
    _with_args,
)
from keras_zoo.zoo.sklearn_table import NumericScaler, as_table_frame, learn_table, needs_table
from keras_zoo.zoo.tabular import ann

__all__ = ["ANNClassifier", "ANNRegressor", "ann_classifier", "ann_pipeline", "ann_regressor"]


class _ANNEstimator(BaseEstimator):
    """Parameters shared by the classifier and the regressor.

    They are read off :func:`keras_zoo.zoo.ann`'s signature (every keyword but ``input_dim``,
    the normalization statistics, ``num_classes``/``num_outputs``, ``seed``, ``compile`` and
    ``name``), followed by the training settings ``epochs``, ``batch_size``,
    ``validation_split``, ``early_stopping``, ``patience``, ``verbose``, ``random_state``
    (the seed) and ``refit``. A keyword added to ``ann()`` is at once an estimator and ``GridSearchCV``
    parameter.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        try:
            bound = type(self).__init__.__signature__.bind(self, *args, **kwargs)
        except TypeError as err:
            raise InputTypeError(f"{type(self).__name__}: {err}. Accepted: "
                                 f"{', '.join(self._get_param_names())}.") from None
        bound.apply_defaults()
        for key, value in bound.arguments.items():
            if key != "self":
                setattr(self, key, value)

    __init__.__signature__ = _estimator_signature()  # type: ignore[attr-defined]

    # --- internals ---------------------------------------------------------------------------

    def _build(self, X: np.ndarray, y: np.ndarray, task: str, n_out: int) -> keras.Model:
        """The network for these training rows: its first layer standardises the features with
        their statistics (the table's own, or ``normalization=`` of a numeric ``X``), and a
        regressor learns standardised targets, mapped back to their units by its last layer
        (``target_normalization=``), as ``Dataset.model_kwargs()`` does for the factory."""
        factory_keys = [k for k in inspect.signature(ann).parameters if k not in _FROM_DATA]
        table = getattr(self, "table_", None)
        stats = None if table is not None else mean_variance(X)
        self._train_means = None if stats is None else np.asarray(stats[0], dtype="float32")
        return ann(
            None if table is not None else X.shape[1],
            table=table,
            normalization=stats,
            target_normalization=mean_variance(y.reshape(len(y), -1)) if task == "regression"
            else None,
            **{k: getattr(self, k) for k in factory_keys if k != "task"},
            task=task,
            num_classes=n_out if task in ("multiclass", "multilabel") else None,
            num_outputs=n_out if task == "regression" else 1,
            seed=self.random_state,
        )

    def _features(self, X: Any, y: Any = "no_y", *, reset: bool, **checks: Any
                  ) -> tuple[Any, Any]:
        """``(X, y)`` as the network takes them. Numeric ``X`` is validated as scikit-learn's
        estimators do; a table (``needs_table``: text columns or missing values) is encoded with
        the spec learned on the training rows (``table_``), see ``keras_zoo.zoo.sklearn_table``."""
        if reset:
            self.table_ = learn_table(X) if needs_table(X) else None
        table = getattr(self, "table_", None)
        if table is None:
            if isinstance(y, str) and y == "no_y":  # predict: a gap takes the training mean
                X = validate_data(self, X, reset=reset, dtype="float32",
                                  ensure_all_finite="allow-nan")
                gaps = np.isnan(X)
                means = getattr(self, "_train_means", None)
                if gaps.any() and means is not None:
                    X = np.where(gaps, means, X)
                return X, None
            return validate_data(self, X, y, dtype="float32", **checks)
        if isinstance(y, str) and y == "no_y":
            validate_data(self, X, reset=reset, skip_check_array=True)
        else:
            X, y = validate_data(self, X, y, reset=reset, skip_check_array=True)
            y = check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=True)
            check_consistent_length(X, y)
        frame = as_table_frame(X, None if isinstance(X, pd.DataFrame) else table.names)
        return table.encode(frame, "X"), y

    def _fit_keras(self, X: np.ndarray, y: np.ndarray, task: str, n_out: int,
                   sample_weight: Any = None, class_weight: Any = None):
        use_val = bool(self.early_stopping) and self.validation_split > 0
        if self.refit and not use_val:
            warnings.warn("refit=True retrains on all the data for the epochs early stopping "
                          "picked; it applies with early_stopping=True and validation_split > "
                          f"0 and is ignored here (early_stopping={self.early_stopping!r}, "
                          f"validation_split={self.validation_split!r}).", UserWarning,
                          stacklevel=3)
        self.__dict__.pop("refit_history_", None)  # from an earlier fit
        model = self._build(X, y, task, n_out)
        history = training.fit(
            model, X, y,
            validation_split=self.validation_split if use_val else 0.0,
            epochs=self.epochs,
            batch_size=self.batch_size,
            early_stopping=self.patience if use_val else False,
            verbose=self.verbose,
            seed=self.random_state,
            sample_weight=sample_weight,
            class_weight=class_weight,
        ).history
        self.history_ = history
        epochs_run = len(history.get("loss", []))
        best, finite = _kept_epoch(history.get("val_loss")) if use_val else (epochs_run, True)
        self.best_epoch_ = best
        if use_val and self.refit and not finite:
            warnings.warn("refit=True: the validation loss was never finite (training "
                          "diverged: a lower learning_rate?), so there is no epoch count to "
                          "retrain for; model_ is the diverged network.", UserWarning,
                          stacklevel=3)
        elif use_val and self.refit:  # all the data, for the epochs early stopping picked
            model = self._build(X, y, task, n_out)
            history = training.fit(model, X, y, epochs=self.best_epoch_,
                                   batch_size=self.batch_size, early_stopping=False,
                                   verbose=self.verbose, seed=self.random_state,
                                   sample_weight=sample_weight,
                                   class_weight=class_weight).history
            self.refit_history_ = history
        self.model_ = model
        self.n_iter_ = len(history.get("loss", []))
        return self

    def _raw_predict(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X, _ = self._features(X, reset=False)
        return predict_float64(self.model_, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # imputed inside the network (sklearn_table). Not input_tags.categorical: scikit-learn
        # reads it as "takes categories only" and rounds the checks' data to integers
        tags.input_tags.allow_nan = True
        return tags


def _kept_epoch(losses: list[float] | None) -> tuple[int, bool]:
    """The 1-based epoch whose weights ``keras.callbacks.EarlyStopping`` (mode min, min_delta
    0, restore_best_weights) keeps, by its rule: the first value is the best so far, and a
    later one replaces it only when strictly lower (so after a NaN first value nothing does);
    and whether that epoch's loss is finite."""
    best, index = None, 0
    for i, value in enumerate(losses or []):
        if best is None or value < best:
            best, index = value, i
    return index + 1, best is not None and bool(np.isfinite(best))


def _column_to_1d(y: np.ndarray) -> np.ndarray:
    """A ``(n, 1)`` target is one target, as in scikit-learn's own estimators (with its warning)."""
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected; it is "
                      "raveled to shape (n_samples,).", DataConversionWarning, stacklevel=3)
        return y.ravel()
    return y


class ANNClassifier(ClassifierMixin, _ANNEstimator):
    """A scikit-learn classifier around :func:`keras_zoo.zoo.ann`.

    Binary labels train one sigmoid unit with binary cross-entropy, several classes a softmax
    with (sparse) categorical cross-entropy, a 0/1 indicator matrix independent sigmoid units
    (multilabel). ``task`` forces one of ``binary``/``multiclass``/``multilabel``.

    Attributes:
        classes_: The class labels, in the order of ``predict_proba``'s columns.
        model_: The trained Keras model.
        history_: Keras' training history (a dict of per-epoch lists); with early stopping, of
            the run that held out the validation part (``val_loss`` ...).
        best_epoch_: The epoch whose weights were kept (1-based): early stopping's best, else
            the last.
        refit_history_: With ``refit=True``: the history of the network trained on all the data.
        n_iter_: Epochs the network in ``model_`` trained.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 0/1 indicator matrices train one sigmoid per label. Of the multilabel checks this
        # turns on, check_classifiers_multilabel_output_format_decision_function skips itself:
        # there is no decision_function (probabilities come from predict_proba, as in
        # MLPClassifier). Every other scikit-learn check runs and passes.
        tags.classifier_tags.multi_label = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (an array, or a DataFrame as it is: text columns and missing values
        go into the network) and the labels ``y``; ``sample_weight`` weighs each row's loss."""
        X, y = self._features(X, y, reset=True, multi_output=True, ensure_all_finite=True,
                              y_numeric=False)
        if X.shape[0] < 2:  # in scikit-learn's words (its check_fit2d_1sample reads them)
            raise InputValueError(
                "ANNClassifier needs at least 2 samples of 2 classes to train; got 1 sample "
                "(n_samples=1)."
            )
        y = _column_to_1d(y)
        kind = type_of_target(y)
        if kind == "continuous" or kind == "continuous-multioutput":
            raise InputValueError(
                "ANNClassifier got continuous targets; use ANNRegressor (or ann_pipeline("
                "task='regression')) for regression."
            )
        if kind == "multilabel-indicator":
            task = "multilabel"
            self._encoder = None  # not the label encoder of an earlier fit
            self.classes_ = np.arange(y.shape[1])
            y_enc = y.astype("float32")
            n_out = y.shape[1]
        else:
            y = np.ravel(y)
            self._encoder = LabelEncoder().fit(y)
            self.classes_ = self._encoder.classes_
            if len(self.classes_) < 2:
                raise InputValueError(
                    "ANNClassifier needs at least 2 classes; y has one class "
                    f"({self.classes_[0]!r}). Received: {len(y)} label(s)"
                )
            y_enc = self._encoder.transform(y)
            task = "binary" if len(self.classes_) == 2 else "multiclass"
            n_out = len(self.classes_)
            if self.task == "multiclass":
                task = "multiclass"
            y_enc = y_enc.astype("float32" if task == "binary" else "int32")
            if task == "multiclass" and resolve_head(
                    task, num_classes=n_out, loss=self.loss,
                    label_format=self.label_format).label_format == "onehot":
                y_enc = np.eye(n_out, dtype="float32")[y_enc]  # what a one-hot loss expects
        if self.task is not None and self.task != task:
            raise InputValueError(
                f"task={self.task!r} does not fit these labels ({kind}, {n_out} classes); "
                f"they call for task={task!r}."
            )
        weights = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        return self._fit_keras(X, y_enc, task, n_out, weights, self._class_weight_ids(task))

    def _class_weight_ids(self, task: str) -> Any:
        """``class_weight`` keyed by class ids, as Keras takes it ("balanced" as it is)."""
        weights = self.class_weight
        if weights is None or isinstance(weights, str) and weights == "balanced" and \
                task != "multilabel":
            return weights
        if task == "multilabel" or not isinstance(weights, dict):
            raise InputValueError(
                "`class_weight` must be 'balanced', a dict {label: weight} or None (single-label "
                f"classification). Received: class_weight={weights!r}"
                + (" with multilabel targets" if task == "multilabel" else ""))
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        unknown = [k for k in weights if k not in index]
        if unknown:
            raise InputValueError(f"`class_weight` names labels that are not in y: {unknown!r}; "
                                  f"the labels are {self.classes_.tolist()!r}.")
        return {index[k]: float(v) for k, v in weights.items()}

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``."""
        out = self._raw_predict(X)
        if self.model_.output_shape[-1] == 1 and len(self.classes_) == 2:
            p = out.reshape(-1)
            return np.column_stack([1.0 - p, p])
        return out

    def predict(self, X) -> np.ndarray:
        proba = self.predict_proba(X)
        if getattr(self, "_encoder", None) is None:  # multilabel
            return (proba >= 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]


class ANNRegressor(RegressorMixin, _ANNEstimator):
    """A scikit-learn regressor around :func:`keras_zoo.zoo.ann` (linear output, MSE by default).

    The network learns standardised targets (the training targets' mean and variance), and its
    last layer maps its outputs back, so predictions, ``score`` and a saved ``model_`` are in the
    targets' units whatever their scale.

    Attributes:
        model_, history_, best_epoch_, refit_history_, n_iter_: As for :class:`ANNClassifier`.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # a 2-D y trains one linear unit per column
        return tags

    def fit(self, X, y, sample_weight=None):
        """Train on ``X`` (an array, or a DataFrame as it is: text columns and missing values
        go into the network) and the targets ``y``; ``sample_weight`` weighs each row's loss."""
        if self.class_weight is not None:
            raise InputValueError("`class_weight` applies to classifiers; a regressor takes "
                                  f"sample_weight= in fit. Received: class_weight="
                                  f"{self.class_weight!r}")
        X, y = self._features(X, y, reset=True, multi_output=True, y_numeric=True,
                              ensure_all_finite=True)
        y = _column_to_1d(y)
        y = np.asarray(y, dtype="float32")
        n_out = 1 if y.ndim == 1 else y.shape[1]
        if self.task not in (None, "regression"):
            raise InputValueError(f"ANNRegressor only does task='regression'. Received: task={self.task!r}")
        self._y_ndim = y.ndim
        weights = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        return self._fit_keras(X, y, "regression", n_out, weights)

    def predict(self, X) -> np.ndarray:
        out = self._raw_predict(X)
        return out.reshape(-1) if self._y_ndim == 1 else out


def ann_classifier(**params: Any) -> ANNClassifier:
    """An :class:`ANNClassifier` with these parameters (the same as ``ANNClassifier(...)``).

    Returns:
        The unfitted estimator.

    Example:
        >>> import inspect, keras_zoo as kz
        >>> list(inspect.signature(kz.zoo.ann_classifier).parameters)[:3]
        ['hidden_units', 'activation', 'initializer']
    """
    return ANNClassifier(**params)


def ann_regressor(**params: Any) -> ANNRegressor:
    """An :class:`ANNRegressor` with these parameters (the same as ``ANNRegressor(...)``).

    Returns:
        The unfitted estimator.
    """
    return ANNRegressor(**params)


def ann_pipeline(task: str | None = None, *, scaler: Any = "standard", **params: Any) -> Pipeline:
    """``Pipeline([("scaler", NumericScaler()), ("ann", estimator)])``: a DataFrame goes in as
    it is (text columns and missing values included).

    Args:
        task: ``"regression"`` gives an :class:`ANNRegressor`; ``"binary"``, ``"multiclass"``,
            ``"multilabel"`` or ``None`` an :class:`ANNClassifier` (``None`` lets it read the
            task off the labels).
        scaler: ``"standard"`` (default: a ``StandardScaler`` on the number columns, text
            columns passed through to the network, which encodes them; see
            ``keras_zoo.zoo.sklearn_table.NumericScaler``), any scikit-learn transformer, or
            ``None`` for no scaling.
        **params: Estimator parameters (``hidden_units``, ``activation``, ``epochs`` ...); in a
            grid search they are ``ann__<name>``.

    Example:
        >>> pipe = ann_pipeline(task="multiclass", hidden_units=(32,), epochs=50)
        >>> [name for name, _ in pipe.steps]
        ['scaler', 'ann']

        A DataFrame with text columns goes in as it is; a ``ColumnTransformer`` of one's own
        still works, e.g. to one-hot the text outside the network:

        >>> from sklearn.compose import make_column_selector, make_column_transformer
        >>> from sklearn.preprocessing import OneHotEncoder, StandardScaler
        >>> mixed = make_column_transformer(
        ...     (StandardScaler(), make_column_selector(dtype_include="number")),
        ...     (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")))
        >>> pipe = ann_pipeline(scaler=mixed, epochs=50)
    """
    if task == "regression":
        estimator: _ANNEstimator = ANNRegressor(**params)
    elif task in (None, "binary", "multiclass", "multilabel"):
        estimator = ANNClassifier(task=task, **params)
    else:
        raise InputValueError(
            "`task` must be one of 'binary', 'multiclass', 'multilabel', 'regression' or None. "
            f"Received: task={task!r}"
        )
    if scaler == "standard":
        scaler = NumericScaler()
    steps = ([("scaler", scaler)] if scaler is not None else []) + [("ann", estimator)]
    return Pipeline(steps)


# help(), IDEs and inspect.signature see the real parameters and their documentation.
for _cls, _function in ((ANNClassifier, ann_classifier), (ANNRegressor, ann_regressor)):
    _cls.__doc__ = _with_args(_cls.__doc__, _args_section(_cls.__name__))
    _function.__doc__ = _with_args(_function.__doc__, _args_section(_cls.__name__))
    _function.__signature__ = _keyword_signature(_function)  # type: ignore[attr-defined]
_own = list(inspect.signature(ann_pipeline).parameters.values())[:2]  # task, scaler
ann_pipeline.__signature__ = _keyword_signature(  # type: ignore[attr-defined]
    ann_pipeline, leading=tuple(_own), drop=("task",))
del _cls, _function, _own
