"""``python -m keras_zoo.tuning.worker``: the command of a worker process started ahead by the
``keras-zoo`` command (``keras_zoo/_prestart.py`` names this path). The worker is
:mod:`keras_zoo.tuning.runtime.worker`; a search starts its own as
``python -m keras_zoo.tuning.runtime.worker``.
"""

from keras_zoo.tuning.runtime.worker import run

if __name__ == "__main__":
    run()
