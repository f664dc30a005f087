"""The per-trial progress lines of ``search(verbose=1)``, written to stderr.

A thread watches the trial folders and writes one line per finished trial::

    [3/12] trial 2  val_accuracy 0.9649  best 0.9737  (1.2s, /CPU:0)  learning_rate=2.237e-05
    [4/12] trial 3  val_accuracy 0.8421  best 0.9737  pruned at epoch 5  (0.4s, /CPU:0)  ...

Scores and hyperparameters print as the CLI's tables print them
(:func:`~keras_zoo.base.formatting.format_number`: 4 significant digits, integers as integers).
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from keras_zoo.base.formatting import format_number, format_value
from keras_zoo.tuning.schema import RESULT_FILE, TrialRecord, read_record

log = logging.getLogger(__name__)


class Progress:
    """Writes one line per finished trial to ``stream`` (stderr), best score so far included.

    Args:
        project_dir: The folder of the trial folders (``<directory>/trials``).
        total: The number of trials expected (``None``: unknown, shown as ``?``).
        objective, direction: The objective's name and ``"max"`` or ``"min"``.
        verbose: 0 writes nothing (the counts are still kept).
        stream: Where lines go (default ``sys.stderr``).
    """

    def __init__(self, project_dir: str, total: int | None, objective: str, direction: str,
                 verbose: int, stream=None):
        self.project_dir = project_dir
        self.total = total
        self.objective = objective
        self.direction = direction
        self.verbose = verbose
        self.stream = stream or sys.stderr
        self.seen: set[str] = set()
        self.best: float | None = None
        self.done = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def scan(self, announce: bool = True) -> None:
        """Count (and, with ``announce``, write a line for) the trials finished since the last
        scan."""
        with self._lock:
            if not os.path.isdir(self.project_dir):
                return
            for name in sorted(os.listdir(self.project_dir)):
                if name in self.seen:
                    continue
                record = read_record(os.path.join(self.project_dir, name, RESULT_FILE))
                if record is None or record.status == "running":
                    continue
                self.seen.add(name)
                self.done += 1
                self._update_best(record)
                if announce and self.verbose:
                    self._line(record)

    def _update_best(self, record: TrialRecord) -> None:
        score = record.score
        if not record.scored or score is None:
            return
        if self.best is None or (score > self.best if self.direction == "max"
                                 else score < self.best):
            self.best = score

    def _line(self, record: TrialRecord) -> None:
        total = self.total if self.total is not None else "?"
        # [done/total] counts finished trials; the id is the leaderboard's `trial` column and
        # the trials/trial_<id> folder.
        head = f"[{self.done}/{total}] trial {_or(record, 'trial_id', '?')}"
        if record.scored:
            body = (f"{self.objective} {format_number(record.score)}  "
                    f"best {format_number(self.best)}")
            if record.status == "pruned":
                body += f"  pruned at epoch {_or(record, 'pruned_at_epoch', '?')}"
        else:
            body = f"failed: {_or(record, 'error', '')}"[:160]
        params = ", ".join(f"{k}={format_value(v)}" for k, v in (record.params or {}).items())
        self.stream.write(f"{head}  {body}  ({_or(record, 'seconds', 0):.1f}s, "
                          f"{_or(record, 'device', '?')})  {params}\n")
        self.stream.flush()
        if record.traceback:  # shown with the CLI's -v; always in the trial's result.json
            log.info("trial %s failed; its traceback (also in trial_%s/%s):\n%s",
                     record.trial_id, record.trial_id, RESULT_FILE, record.traceback.rstrip())

    def start(self) -> None:
        """Count what a resumed search already holds, then watch in a background thread."""
        self.scan(announce=False)
        if self.verbose and self.done:
            self.stream.write(f"resuming: {self.done} trial(s) already finished\n")

        def loop():
            while not self._stop.wait(0.5):
                self.scan()

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, after a last scan (no finished trial goes unreported)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.scan()


def _or(record: TrialRecord, name: str, default: object) -> object:
    """The record's ``name``, or ``default`` when the key is missing (a ``null`` stays ``None``,
    as the line always printed it)."""
    return getattr(record, name) if record.has(name) else default
