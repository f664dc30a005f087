"""The zoo's CNN against the same architecture hand-written in Keras, and what each default buys.

Same data, same splits, same architecture (Rescaling -> Conv 32 3x3 same ReLU -> MaxPool 2 ->
Conv 64 3x3 same ReLU -> MaxPool 2 -> Flatten -> Dense 64 ReLU -> softmax; Glorot initialization,
Adam, batch 32, the same number of epochs, no early stopping), run side by side and interleaved
(the machine's timing noise hits every contender alike). Prints JSON: per dataset and contender,
the training throughput (samples per second of the training call, first-epoch tracing included),
its ratio to hand-written Keras, and the test accuracy.

Contenders:
  keras_handwritten  keras.Sequential + model.compile(...) defaults + model.fit, as in tutorials
  zoo                kz.zoo.cnn + kz.zoo.fit: the zoo's defaults (steps_per_execution=32, XLA off
                     on CPU, in-memory epoch loop over train_step)
  zoo_model_fit      kz.zoo.cnn + plain model.fit: what steps_per_execution=32 alone buys
  zoo_model_fit_spe1 kz.zoo.cnn(steps_per_execution=1) + model.fit: the zoo's model with
                     Keras' defaults (should match hand-written: same graph)
  zoo_pipeline       kz.zoo.cnn + model.fit(data.pipeline("train")): tf.data cache + prefetch
  zoo_xla            kz.zoo.cnn(jit_compile=True) + kz.zoo.fit: what XLA costs on this machine
  zoo_augmented      kz.zoo.cnn(augmentation={"rotation": 0.05, "translation": 0.1}) + kz.zoo.fit:
                     the price of augmentation layers in the training step

Datasets: scikit-learn's digits as 8x8x1 images (1,257 training images), and a synthetic set of
32x32x3 uint8 images (10 classes, each a faint colour template under 90% noise; 1,433 training
images of the default 2,048).

On JAX and PyTorch (``--backend jax|torch|all``) zoo_xla is left out: JAX always compiles with
XLA, and PyTorch's jit_compile (torch.compile) is not what this benchmark measures.

Run:  python benchmarks/bench_cnn.py [--backend tensorflow|jax|torch|all] [--repeats 3] [--digits-epochs 30] [--synthetic-epochs 5]
                                     [--synthetic-samples 2048] [--only zoo,keras_handwritten]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from backend_flag import add_argument, choose_backend

choose_backend()  # --backend: KERAS_BACKEND before Keras starts

import keras
import numpy as np

import keras_zoo as kz

BATCH = 32


def synthetic(n: int, seed: int = 0) -> kz.datasets.Dataset:
    """32x32x3 uint8 images: a faint per-class colour template (8x8 upsampled) under noise."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(0, 255, size=(10, 8, 8, 3))
    templates = templates.repeat(4, axis=1).repeat(4, axis=2)
    y = np.arange(n) % 10
    noise = rng.uniform(0, 255, size=(n, 32, 32, 3))
    x = np.clip(0.1 * templates[y] + 0.9 * noise, 0, 255).astype("uint8")  # ~0.85-0.9 accuracy
    return kz.datasets.from_images(x, y, name="synthetic_32x32x3", seed=seed)


def handwritten_model(data) -> keras.Model:
    model = keras.Sequential([
        keras.Input(data.input_shape),
        keras.layers.Rescaling(1.0 / data.metadata["pixel_max"]),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(data.num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def zoo_model(data, seed, **kwargs) -> keras.Model:
    # The hand-written model's exact configuration (Keras' default Glorot initializer rather than
    # the zoo's He-for-ReLU), so the differences are the training path and compile defaults.
    return kz.zoo.cnn(**data.model_kwargs(kz.zoo.cnn), filters=(32, 64), dense_units=(64,),
                      initializer="glorot_uniform", seed=seed, **kwargs)


def _accuracy(model, data) -> float:
    pred = kz.zoo.predict(model, data.x_test).argmax(axis=1)
    return float((pred == data.y_test).mean())


def _timed_fit(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def keras_handwritten(data, epochs, seed):
    keras.utils.set_random_seed(seed)
    model = handwritten_model(data)
    seconds = _timed_fit(lambda: model.fit(data.x_train, data.y_train, batch_size=BATCH,
                                           epochs=epochs, verbose=0))
    return seconds, _accuracy(model, data)


def _zoo_fit(data, epochs, seed, **kwargs):
    model = zoo_model(data, seed, **kwargs)
    seconds = _timed_fit(lambda: kz.zoo.fit(model, data.x_train, data.y_train, batch_size=BATCH,
                                            epochs=epochs, early_stopping=False, seed=seed,
                                            verbose=0))
    return seconds, _accuracy(model, data)


def zoo(data, epochs, seed):
    return _zoo_fit(data, epochs, seed)


def zoo_model_fit(data, epochs, seed):
    model = zoo_model(data, seed)
    seconds = _timed_fit(lambda: model.fit(data.x_train, data.y_train, batch_size=BATCH,
                                           epochs=epochs, verbose=0))
    return seconds, _accuracy(model, data)


def zoo_model_fit_spe1(data, epochs, seed):
    model = zoo_model(data, seed, steps_per_execution=1)
    seconds = _timed_fit(lambda: model.fit(data.x_train, data.y_train, batch_size=BATCH,
                                           epochs=epochs, verbose=0))
    return seconds, _accuracy(model, data)


def zoo_pipeline(data, epochs, seed):
    model = zoo_model(data, seed)
    ds = data.pipeline("train", batch_size=BATCH, seed=seed)
    seconds = _timed_fit(lambda: model.fit(ds, epochs=epochs, verbose=0, shuffle=False))
    return seconds, _accuracy(model, data)


def zoo_xla(data, epochs, seed):
    return _zoo_fit(data, epochs, seed, jit_compile=True)


def zoo_augmented(data, epochs, seed):
    return _zoo_fit(data, epochs, seed, augmentation={"rotation": 0.05, "translation": 0.1})


CONTENDERS = [keras_handwritten, zoo, zoo_model_fit, zoo_model_fit_spe1, zoo_pipeline, zoo_xla,
              zoo_augmented]


def bench(data, epochs: int, repeats: int, contenders) -> dict:
    for fn in contenders:  # warm-up: TensorFlow's one-off start-up costs are nobody's
        keras.backend.clear_session()
        fn(data, 1, 0)
    seconds = {fn.__name__: [] for fn in contenders}
    accuracy = {fn.__name__: [] for fn in contenders}
    for rep in range(repeats):
        for fn in contenders:
            keras.backend.clear_session()
            s, acc = fn(data, epochs, rep)
            seconds[fn.__name__].append(s)
            accuracy[fn.__name__].append(acc)
    samples = len(data.y_train) * epochs
    base = samples / statistics.median(seconds[contenders[0].__name__])
    return {
        "dataset": data.name, "input_shape": list(data.input_shape),
        "train_samples": len(data.y_train), "epochs": epochs, "repeats": repeats,
        "results": {
            name: {
                "median_fit_seconds": round(statistics.median(s), 3),
                "samples_per_second": round(samples / statistics.median(s), 1),
                "throughput_ratio_vs_handwritten": round(
                    samples / statistics.median(s) / base, 2),
                "mean_test_accuracy": round(statistics.mean(accuracy[name]), 4),
                "fit_seconds": [round(v, 2) for v in s],
            } for name, s in seconds.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_argument(parser)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--digits-epochs", type=int, default=30)
    parser.add_argument("--synthetic-epochs", type=int, default=5)
    parser.add_argument("--synthetic-samples", type=int, default=2048)
    parser.add_argument("--only", default=None,
                        help="comma-separated contenders (keras_handwritten is always first)")
    args = parser.parse_args()
    contenders = CONTENDERS
    if args.only:
        wanted = {"keras_handwritten", *args.only.split(",")}
        contenders = [fn for fn in CONTENDERS if fn.__name__ in wanted]
    if keras.backend.backend() != "tensorflow":  # XLA is how JAX always runs; torch.compile
        contenders = [fn for fn in contenders if fn is not zoo_xla]  # is not this benchmark's
    from keras_zoo.tuning.trial.devices import physical_gpus

    report = {
        "keras": keras.__version__, "backend": keras.backend.backend(), "cpus": os.cpu_count(),
        "gpus": len(physical_gpus()),
        "benchmarks": [
            bench(kz.load("digits", as_images=True, seed=0), args.digits_epochs, args.repeats,
                  contenders),
            bench(synthetic(args.synthetic_samples), args.synthetic_epochs, args.repeats,
                  contenders),
        ],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
