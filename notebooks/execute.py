"""Execute the notebooks at full size and commit them with their outputs (``make notebooks``).

Each notebook runs top to bottom in a fresh kernel, in a temporary working directory (what it
writes, a search directory or a saved model, is not left in the repository), with
``KERAS_ZOO_SMALL`` unset, so at full size; the seeds are fixed in the notebooks themselves. The
executed notebook is written back in place with its outputs, without timing metadata, and with
``metadata["keras_zoo"]["code_sha256"]``, a digest of its code cells: the test suite
(``tests/notebooks/test_notebooks.py``) fails when a committed notebook's code no longer has the
digest it was executed with (its outputs are stale), when it has no outputs, or when it is over
``MAX_BYTES``.

Run:  python notebooks/execute.py [notebooks/01_tabular_ann.ipynb ...]   (default: all)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_BYTES = 1_000_000
"""A committed notebook's largest size (1 MB): figures are PNGs at the inline backend's dpi."""


def code_digest(nb) -> str:
    """The sha256 of a notebook's code cells, in order (markdown and outputs excluded)."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    return hashlib.sha256(json.dumps(sources).encode()).hexdigest()


def execute(path: Path, timeout: int = 3600) -> float:
    """Run ``path`` at full size and write it back with its outputs; returns the seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_ZOO_SMALL"}
    env.update({"MPLBACKEND": "module://matplotlib_inline.backend_inline",
                "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0"})
    start = time.perf_counter()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        with tempfile.TemporaryDirectory() as work:
            NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                           resources={"metadata": {"path": work}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata["keras_zoo"] = {"code_sha256": code_digest(nb), "small": False}
    nbformat.write(nb, path)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted(HERE.glob("*.ipynb")))
    args = parser.parse_args()
    for path in args.notebooks:
        seconds = execute(path)
        size = path.stat().st_size
        print(f"{path.name}: executed in {seconds:.0f} s, {size / 1e6:.2f} MB"
              + ("  (over the 1 MB limit: smaller figures?)" if size > MAX_BYTES else ""),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
