"""The package name every keras_zoo layer and loss is registered under (``keras_zoo>Name``)."""

PACKAGE = "keras_zoo"
