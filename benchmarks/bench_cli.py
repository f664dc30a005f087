"""How fast the command line's light commands answer, against importing Keras alone.

`keras-zoo --help`, `--version`, `models`, `datasets` and `components` answer from a stored
snapshot of the registries without importing Keras (the suite asserts what they import; this
measures what that buys). Each command runs as the installed console script in a fresh process,
interleaved with the peer, `python -c "import keras"` (what any command that needs Keras pays
before its first line), after one warm-up run of each. Prints JSON: per command, the median wall
time and its ratio to the peer (the target: under 1 s).

Run:  python benchmarks/bench_cli.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXE = str(Path(sys.executable).with_name("keras-zoo"))
COMMANDS = {"--help": [EXE, "--help"], "--version": [EXE, "--version"],
            "models": [EXE, "models"], "datasets": [EXE, "datasets"],
            "components": [EXE, "components"],
            "peer: import keras": [sys.executable, "-c", "import keras"]}


def _wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, timeout=300)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():
        _wall(argv)  # warm the file cache
    for _ in range(args.repeats):
        for name, argv in COMMANDS.items():
            times[name].append(_wall(argv))
    peer = statistics.median(times["peer: import keras"])
    print(json.dumps({name: {"median_s": round(statistics.median(t), 3),
                             "ratio_to_import_keras": round(statistics.median(t) / peer, 3)}
                      for name, t in times.items()}, indent=2))


if __name__ == "__main__":
    main()
