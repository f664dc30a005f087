"""Run under one Keras backend (``KERAS_BACKEND=... python tests/backend_parity.py OUT MODE``):
the numbers the parity tests compare across TensorFlow, JAX and PyTorch. Several modes run in
order in one interpreter (``... OUT save load``).

``save``: every custom layer and loss of the zoo on fixed inputs (and fixed weights), written to
``OUT/<backend>/layers.npz``; then the portable zoo models (a tabular ANN, a CNN with min
pooling and reflect padding, an LSTM on token ids), with seeded weights, saved to
``OUT/<backend>/<name>.keras`` with their predictions on fixed inputs in
``OUT/<backend>/saved.npz``.

``load``: loads the ``.keras`` files every other backend saved, in safe mode, under this one, and
writes its predictions to ``OUT/<backend>/loaded_from_<other>.npz``.
"""

from __future__ import annotations

import os
import sys

import numpy as np


def _inputs() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "images": rng.uniform(0, 1, size=(2, 6, 6, 3)).astype("float32"),
        "query": rng.normal(size=(2, 3, 4)).astype("float32"),
        "values": rng.normal(size=(2, 5, 4)).astype("float32"),
        "mask": np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool),
        "y_true": rng.normal(size=(8, 3)).astype("float32"),
        "y_pred": rng.normal(size=(8, 3)).astype("float32"),
        "labels": np.array([0, 2, 1, 1, 0, 2, 2, 1], dtype="int32"),
        "logits": rng.normal(size=(8, 3)).astype("float32"),
        "tabular": rng.normal(size=(4, 6)).astype("float32"),
        "tokens": rng.integers(1, 20, size=(4, 7)).astype("int32"),
    }


def _seeded_weights(layer_or_model, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    layer_or_model.set_weights([rng.normal(scale=0.3, size=w.shape).astype(w.dtype)
                                for w in layer_or_model.get_weights()])


def compute() -> dict[str, np.ndarray]:
    import keras
    from keras import ops

    import keras_zoo  # noqa: F401  (registered layers)
    from keras_zoo.zoo import layers as zl
    from keras_zoo.zoo.translation.metrics import SequenceAccuracy

    data, out = _inputs(), {}
    images = data["images"]
    out["min_pooling"] = zl.MinPooling2D(pool_size=2)(images)
    for mode in ("reflect", "edge", "symmetric", "constant"):
        out[f"padding_{mode}"] = zl.Padding2D(padding=(2, 1), mode=mode)(images)
    for mode in ("caffe", "tf", "torch"):
        out[f"imagenet_{mode}"] = zl.ImagenetPreprocessing(mode=mode)(images)
    out["crop_inference"] = zl.PaddedRandomCrop(padding=2, mode="reflect")(images)
    mask = ops.convert_to_tensor(data["mask"])
    for name, layer in (("bahdanau", zl.BahdanauAttention(units=6)),
                        ("luong_general", zl.LuongAttention(score="general")),
                        ("luong_dot", zl.LuongAttention(score="dot", scale=True))):
        layer(data["query"], data["values"], mask)  # builds it
        _seeded_weights(layer)
        context, weights = layer(data["query"], data["values"], mask)
        out[f"{name}_context"], out[f"{name}_weights"] = context, weights
    for delta in (0.5, 2.0):
        out[f"pseudo_huber_{delta}"] = zl.PseudoHuber(delta=delta)(data["y_true"], data["y_pred"])
    for smoothing, logits in ((0.0, True), (0.1, True), (0.2, False)):
        pred = data["logits"] if logits else ops.softmax(data["logits"])
        loss = zl.SparseCategoricalCrossentropyWithSmoothing(label_smoothing=smoothing,
                                                             from_logits=logits)
        out[f"sparse_smoothing_{smoothing}_{logits}"] = loss(data["labels"], pred)
    metric = SequenceAccuracy()
    metric.update_state(data["labels"].reshape(2, 4), data["logits"].reshape(2, 4, 3))
    out["sequence_accuracy"] = metric.result()
    return {k: keras.ops.convert_to_numpy(v) for k, v in out.items()}


def portable_models():
    """name -> (model, input): the zoo models whose ``.keras`` files move between backends."""
    import keras_zoo as kz

    data = _inputs()
    return {
        "ann": (kz.zoo.ann(input_dim=6, task="multiclass", num_classes=3, hidden_units=(8, 4)),
                data["tabular"]),
        "cnn": (kz.zoo.cnn(input_shape=(6, 6, 3), task="multiclass", num_classes=3,
                           filters=(4,), pooling="min", padding="reflect", dense_units=(8,)),
                data["images"]),
        "lstm": (kz.zoo.lstm(vocab_size=20, embedding_dim=4, units=5, task="binary"),
                 data["tokens"]),
    }


MODEL_INPUTS = {"ann": "tabular", "cnn": "images", "lstm": "tokens"}


def save(here: str) -> None:
    import keras

    np.savez(os.path.join(here, "layers.npz"), **compute())
    predictions = {}
    for key, (model, x) in portable_models().items():
        _seeded_weights(model, seed=len(key))
        model.save(os.path.join(here, f"{key}.keras"))
        predictions[key] = keras.ops.convert_to_numpy(model.predict(x, verbose=0))
    np.savez(os.path.join(here, "saved.npz"), **predictions)


def load(out_dir: str, name: str) -> None:
    import keras

    import keras_zoo  # noqa: F401  (registered layers)

    data = _inputs()
    for other in sorted(os.listdir(out_dir)):
        if other == name or not os.path.exists(os.path.join(out_dir, other, "saved.npz")):
            continue
        predictions = {}
        for key, x in MODEL_INPUTS.items():
            model = keras.saving.load_model(os.path.join(out_dir, other, f"{key}.keras"),
                                            safe_mode=True)
            predictions[key] = keras.ops.convert_to_numpy(model.predict(data[x], verbose=0))
        np.savez(os.path.join(out_dir, name, f"loaded_from_{other}.npz"), **predictions)


def run(out_dir: str, mode: str) -> None:
    """``save`` or ``load`` under the backend this interpreter runs (the test suite calls it for
    its own backend in its own process)."""
    import keras

    name = keras.backend.backend()
    here = os.path.join(out_dir, name)
    os.makedirs(here, exist_ok=True)
    if mode == "save":
        save(here)
    elif mode == "load":
        load(out_dir, name)
    else:
        raise ValueError(f"mode must be 'save' or 'load'. Received: mode={mode!r}")


def main(argv: list[str]) -> int:
    out_dir, *modes = argv  # one interpreter may save, then load (``OUT save load``)
    for mode in modes:
        run(out_dir, mode)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main(sys.argv[1:]))
