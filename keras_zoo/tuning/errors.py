"""The error a search raises when it cannot go on (not an input error: nothing was refused)."""

from __future__ import annotations

__all__ = ["SearchError"]


class SearchError(RuntimeError):
    """A search that cannot go on (too many failed trials in a row, a worker crash ...).

    Completed trials stay in the search directory; rerunning the same search resumes it.
    """
