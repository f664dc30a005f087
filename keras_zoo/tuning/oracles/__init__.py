"""The oracles and what they keep: the search strategies (:mod:`.strategies`), the pruners
(:mod:`.pruning`), the oracle served to workers (:mod:`.chief`), resuming from the result files
(:mod:`.recovery`), and every use of Keras Tuner's internals (:mod:`.kt_adapter`).

Imports, of the search, only :mod:`~keras_zoo.tuning.space`, :mod:`~keras_zoo.tuning.ranking`,
:mod:`~keras_zoo.tuning.schema` and :mod:`~keras_zoo.tuning.errors`: an oracle knows no trial's
training and no process. This package hands nothing on: import its modules.
"""
