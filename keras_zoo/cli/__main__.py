"""``python -m keras_zoo.cli ...``: the ``keras-zoo`` command."""

import sys

from keras_zoo.cli import main

if __name__ == "__main__":
    sys.exit(main())
