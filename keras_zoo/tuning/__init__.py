"""Hyperparameter search over any zoo factory, on top of Keras Tuner.

``search(model, data, space, strategy=...)`` runs grid, random, Bayesian or Hyperband search (or
a :class:`Strategy` of your own)
over factory arguments and fit arguments, places trials on GPUs (CPU fallback), survives crashes
(resumes where it stopped, never repeats a trial) and returns a :class:`SearchResult` with a
pandas leaderboard, the best parameters and model, CSV export and plots.

Example:
    >>> import keras_zoo as kz
    >>> result = kz.tuning.search("ann", "breast_cancer",                 # doctest: +SKIP
    ...                           {"activation": ["relu", "elu"], "batch_size": [32, 64]})
    >>> result.best_params                                              # doctest: +SKIP
"""

from keras_zoo.tuning.engine import search
from keras_zoo.tuning.errors import SearchError
from keras_zoo.tuning.oracles.pruning import AshaPruner, MedianPruner, Pruner
from keras_zoo.tuning.oracles.strategies import (
    BayesianStrategy,
    GridStrategy,
    HyperbandStrategy,
    RandomStrategy,
    Strategy,
)
from keras_zoo.tuning.ranking import infer_direction
from keras_zoo.tuning.results import SearchResult
from keras_zoo.tuning.runtime.remote import WorkerError, work
from keras_zoo.tuning.space import Space
from keras_zoo.tuning.trial.devices import describe as describe_devices
from keras_zoo.tuning.trial.devices import make_placement, resolve_devices, split_cpu

__all__ = [
           "AshaPruner",
           "BayesianStrategy",
           "GridStrategy",
           "HyperbandStrategy",
           "MedianPruner",
           "Pruner",
           "RandomStrategy",
           "SearchError",
           "SearchResult",
           "Space",
           "Strategy",
           "WorkerError",
           "describe_devices",
           "infer_direction",
           "make_placement",
           "resolve_devices",
           "search",
           "split_cpu",
           "work",
]
