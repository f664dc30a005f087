"""``python -m keras_zoo.cli ...``: the ``keras-zoo`` command."""

import sys

from keras_zoo.cli import main

sys.exit(main())
