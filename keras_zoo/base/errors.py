"""The errors keras-zoo raises for input it refuses.

The rule (keras-hub's): a value outside what is accepted raises :class:`InputValueError` (a
``ValueError``), a value of the wrong type :class:`InputTypeError` (a ``TypeError``), a missing
file :class:`InputFileError` (a ``FileNotFoundError``). Each message says what was wrong and what
is accepted, and ends with what was received. All three derive from :class:`InputError`, so
``except keras_zoo.InputError`` catches every refusal of the library and nothing else; the
command line reports exactly these as "bad input" (exit 2) and lets anything else (a bug, an
error inside Keras) show its traceback (exit 1).

Catching the built-in types keeps working: ``except ValueError`` still catches an
``InputValueError``.
"""

from __future__ import annotations

__all__ = ["InputError", "InputFileError", "InputTypeError", "InputValueError"]


class InputError(Exception):
    """Base of every error keras-zoo raises for input it refuses."""


class InputValueError(InputError, ValueError):
    """A value outside what is accepted (an unknown name, a range, a contradiction)."""


class InputTypeError(InputError, TypeError):
    """A value of the wrong type (a string where a list is needed, an unexpected keyword)."""


class InputFileError(InputError, FileNotFoundError):
    """A file or folder that is not there (a CSV path, a search directory, a weights file)."""
