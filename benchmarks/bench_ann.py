"""The zoo's ANN training path against hand-written Keras and scikit-learn's MLPClassifier.

Same data, same splits, same architecture (Dense 32-16, ReLU, Adam, batch 32), run side by side
and interleaved (the machine's timing noise hits every contender alike). Prints JSON: median wall
time and test accuracy of each contender, and the ratios against hand-written Keras.

Contenders:
  keras_handwritten  keras.Sequential + model.fit(x, y, batch_size=32, epochs=50), as in tutorials
  zoo_same_schedule  kz.zoo.ann + kz.zoo.fit, the same model (Glorot init) and the same 50 epochs,
                     no early stopping: what the training path alone buys (in-memory tensors,
                     one graph call per epoch, the training step traced once)
  zoo_defaults       kz.zoo.ann + kz.zoo.fit with its defaults: early stopping (patience 10) on
                     the validation split, best weights restored
  zoo_first_fit      (JAX only) zoo_same_schedule with the executable cache emptied first: the
                     first fit of an architecture in a process, which compiles its programs.
                     The other zoo contenders reuse the executables of the earlier repeats'
                     models of the same architecture, as refits, cross-validation folds and
                     search trials over the learning rate or the seed do
  sklearn_mlp        MLPClassifier(hidden_layer_sizes=(32, 16), batch_size=32, max_iter=50)

Run:  python benchmarks/bench_ann.py [--backend tensorflow|jax|torch|all] [--dataset breast_cancer] [--repeats 5] [--epochs 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from backend_flag import add_argument, choose_backend

choose_backend()  # --backend: KERAS_BACKEND before Keras starts

import keras
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import keras_zoo as kz


def keras_handwritten(data, epochs, seed):
    keras.utils.set_random_seed(seed)
    scaler = StandardScaler().fit(data.x_train)
    model = keras.Sequential([
        keras.Input((data.input_dim,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(scaler.transform(data.x_train), data.y_train, batch_size=32, epochs=epochs, verbose=0)
    pred = model.predict(scaler.transform(data.x_test), verbose=0).ravel() > 0.5
    return float((pred == data.y_test).mean()), epochs


def _zoo(data, epochs, seed, early_stopping, **kwargs):
    model = kz.zoo.ann(**data.model_kwargs(kz.zoo.ann), hidden_units=(32, 16), seed=seed, **kwargs)
    history = kz.zoo.fit(model, data.x_train, data.y_train,
                         validation_data=(data.x_val, data.y_val) if early_stopping else None,
                         batch_size=32, epochs=epochs, early_stopping=early_stopping, seed=seed,
                         verbose=0)
    pred = kz.zoo.predict(model, data.x_test).ravel() > 0.5
    return float((pred == data.y_test).mean()), len(history.history["loss"])


def zoo_same_schedule(data, epochs, seed):
    # The hand-written model's exact configuration (Keras' default Glorot initializer, not the
    # zoo's He-for-ReLU), so the difference is the training path alone.
    return _zoo(data, epochs, seed, early_stopping=False, initializer="glorot_uniform")


def zoo_defaults(data, epochs, seed):
    return _zoo(data, epochs, seed, early_stopping=True)


def zoo_first_fit(data, epochs, seed):
    # The cache emptied for this fit only: the other contenders' executables are put back.
    from keras_zoo.zoo import fast_loop_backends

    saved = dict(fast_loop_backends._COMPILED)
    fast_loop_backends.clear_compiled()
    try:
        return zoo_same_schedule(data, epochs, seed)
    finally:
        fast_loop_backends._COMPILED.update(saved)


def sklearn_mlp(data, epochs, seed):
    scaler = StandardScaler().fit(data.x_train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(32, 16), batch_size=32, max_iter=epochs,
                            random_state=seed).fit(scaler.transform(data.x_train), data.y_train)
    return float(clf.score(scaler.transform(data.x_test), data.y_test)), clf.n_iter_


CONTENDERS = [keras_handwritten, zoo_same_schedule, zoo_first_fit, zoo_defaults, sklearn_mlp]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_argument(parser)
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    data = kz.load(args.dataset, seed=0)
    if data.task != "binary":
        raise SystemExit("bench_ann compares binary classifiers; pick a binary dataset.")
    contenders = [fn for fn in CONTENDERS
                  if fn is not zoo_first_fit or keras.backend.backend() == "jax"]
    # Warm-up: TensorFlow's one-off start-up costs are nobody's.
    for fn in contenders:
        fn(data, 1, 0)
    times = {fn.__name__: [] for fn in contenders}
    accs = {fn.__name__: [] for fn in contenders}
    epochs_run = {fn.__name__: [] for fn in contenders}
    for rep in range(args.repeats):
        for fn in contenders:
            keras.backend.clear_session()
            start = time.perf_counter()
            acc, n_epochs = fn(data, args.epochs, rep)
            times[fn.__name__].append(time.perf_counter() - start)
            accs[fn.__name__].append(acc)
            epochs_run[fn.__name__].append(n_epochs)
    base = statistics.median(times["keras_handwritten"])
    report = {
        "dataset": data.name, "train_samples": len(data.y_train), "repeats": args.repeats,
        "epochs": args.epochs, "keras": keras.__version__, "backend": keras.backend.backend(),
        "results": {
            name: {
                "median_seconds": round(statistics.median(t), 3),
                "speedup_vs_keras_handwritten": round(base / statistics.median(t), 2),
                "mean_test_accuracy": round(statistics.mean(accs[name]), 4),
                "accuracy_minus_keras_in_test_samples": round(
                    (statistics.mean(accs[name]) - statistics.mean(accs["keras_handwritten"]))
                    * len(data.y_test), 1),
                "median_epochs": statistics.median(epochs_run[name]),
            } for name, t in times.items()
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
