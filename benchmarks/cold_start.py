"""Cold start: `communique predict "one statement"` in a new process vs `import sklearn`.

Prints the median wall time of each over several runs, interleaved so that
machine noise hits both alike, and their ratio (target: at most 0.5).

    python benchmarks/cold_start.py --runs 15
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    script = shutil.which("communique")
    predict = ([script] if script else [sys.executable, "-m", "communique"]) + [
        "predict",
        "We stand in full solidarity with our ally.",
    ]
    sklearn = [sys.executable, "-c", "import sklearn"]
    wall(predict), wall(sklearn)  # warm the file cache
    ours, theirs = [], []
    for _ in range(args.runs):
        ours.append(wall(predict))
        theirs.append(wall(sklearn))
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f'communique predict "..." : {a * 1000:7.0f} ms (median of {args.runs})')
    print(f"python -c 'import sklearn': {b * 1000:7.0f} ms (median of {args.runs})")
    print(f"ratio: {a / b:.2f}  (target: at most 0.5)")


if __name__ == "__main__":
    main()
