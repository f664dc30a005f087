"""One trial: what it builds and trains (:mod:`.job`), on which device (:mod:`.devices`), the
model it may reuse (:mod:`.reuse`) and what it logs for TensorBoard (:mod:`.tensorboard`).

Imports, of the search, only :mod:`~keras_zoo.tuning.space`, :mod:`~keras_zoo.tuning.ranking`,
:mod:`~keras_zoo.tuning.schema` and :mod:`~keras_zoo.tuning.errors`: a trial knows no oracle
and no process. This package hands nothing on: import its modules.
"""
