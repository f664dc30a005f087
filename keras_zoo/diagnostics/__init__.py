"""Training diagnostics: measure why a network does or does not learn.

``Monitor`` is a Keras callback that records, per layer, gradient and weight norms, update
ratios and dead/saturated units while a model trains (and, for recurrent models, the gradient
through time); ``Monitor.report()`` and ``diagnose(...)`` turn the records into a ``Diagnosis``:
tables, ``Finding``s with the course's cure for each, a summary and a plot. The thresholds are the
constants of ``keras_zoo.diagnostics.findings``.

This package sits above ``keras_zoo.zoo`` (it trains through ``kz.zoo.fit``) and below
``keras_zoo.tuning`` (a search's trials can run a Monitor).
"""

from __future__ import annotations

from typing import Any

import keras

from keras_zoo.diagnostics import findings
from keras_zoo.diagnostics.findings import ADVICE, Finding
from keras_zoo.diagnostics.monitor import Monitor
from keras_zoo.diagnostics.report import Diagnosis

__all__ = ["ADVICE", "Diagnosis", "Finding", "Monitor", "diagnose", "findings"]


def diagnose(model: keras.Model, x: Any, y: Any, *, epochs: int = 5, batch_size: int | None = None,
             validation_data: Any = None, seed: int | None = None, every: int | str = 1,
             sample: int = 256, **fit_options: Any) -> Diagnosis:
    """Train ``model`` for ``epochs`` with a :class:`Monitor` and return its :class:`Diagnosis`.

    Training goes through ``kz.zoo.fit`` with early stopping off (every epoch is recorded), so
    ``model`` ends up trained. Extra keywords go to ``kz.zoo.fit``.

    Args:
        model: A compiled Keras model (a zoo factory's output or your own).
        x, y: Training inputs and targets (in memory: arrays, lists of texts, pandas objects).
        epochs: Epochs to train and record.
        batch_size: Samples per step (``None``: the zoo's default for the optimizer).
        validation_data: Optional ``(x_val, y_val)``.
        seed: Seed for training and for the probe draw.
        every: Record every this many epochs (or ``"end"``).
        sample: Rows in the probe sample.

    Example:
        >>> import numpy as np, keras_zoo as kz
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> y = (x[:, 0] > 0).astype("float32")
        >>> model = kz.zoo.ann(4, task="binary", initializer="zeros", seed=0)
        >>> "symmetric_units" in kz.diagnostics.diagnose(model, x, y, epochs=2, seed=0).codes
        True
    """
    from keras_zoo.zoo import fit

    monitor = Monitor(every=every, sample=sample, seed=seed)
    fit_options.setdefault("early_stopping", False)
    fit(model, x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
        seed=seed, callbacks=[monitor], **fit_options)
    return monitor.report()
