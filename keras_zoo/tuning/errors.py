"""The errors of a search: the one it raises when it cannot go on (not an input error: nothing
was refused), and the two a trial's run tells apart (the configuration's fault or not)."""

from __future__ import annotations

from typing import Any

__all__ = ["SearchError"]


class SearchError(RuntimeError):
    """A search that cannot go on (too many failed trials in a row, a worker crash ...).

    Completed trials stay in the search directory; rerunning the same search resumes it.
    """


class TrialFailed(Exception):
    """A trial that cannot produce a score (an exception, a NaN loss ...): recorded as failed.

    Attributes:
        diagnostics: The Monitor's ``Diagnosis.scores()`` of the execution that failed (a
            search with ``diagnostics=True``: why a diverged trial failed), else ``None``.
    """

    def __init__(self, message: str, diagnostics: dict[str, Any] | None = None):
        super().__init__(message)
        self.diagnostics = diagnostics


class NotTheTrialsFault(Exception):
    """A mark for an error met during a trial that is not its configuration's fault (the chief
    could not be reached ...): the trial is not recorded as failed and runs again. Mixed into
    the error's own class; a full disk is told by its ``errno`` instead
    (:func:`~keras_zoo.tuning.trial.job.disk_full`)."""
