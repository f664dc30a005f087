"""Where a search's trials run: the tuner (:mod:`.tuner`), in this process or in supervised
worker processes (:mod:`.launcher`, :mod:`.pool`, :mod:`.worker`), on other machines
(:mod:`.remote`, :mod:`.remote_tuner`), and what travels between them (:mod:`.wire`).

Imports :mod:`~keras_zoo.tuning.trial` and :mod:`~keras_zoo.tuning.oracles`, and of the face
only :mod:`~keras_zoo.tuning.space`, :mod:`~keras_zoo.tuning.ranking`,
:mod:`~keras_zoo.tuning.schema` and :mod:`~keras_zoo.tuning.errors`. This package hands nothing
on: import its modules.
"""
