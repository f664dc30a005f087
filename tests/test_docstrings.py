"""Every example in the library's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import keras_zoo

MODULES = sorted(m.name for m in pkgutil.walk_packages(keras_zoo.__path__, "keras_zoo."))


def test_the_modules_are_found():
    assert {"keras_zoo.zoo.factory", "keras_zoo.zoo.tabular", "keras_zoo.base.tasks"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save files write them here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
