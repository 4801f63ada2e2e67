"""Batch throughput and memory of `communique predict --input X.jsonl --output Y.jsonl`.

Builds a realistic input (statements of 10 to 80 words made of the corpus's
sentences, shuffled and cut, so no line repeats another), then prints the
median of several runs of:

- end-to-end statements/s of the predict command with 1 job and with all cores;
- the same texts tokenized by plain Python re.findall(r"(?u)\\b\\w\\w+\\b", text.lower()),
  the floor any Python tokenizer pays;
- the ratio of the two, and the peak resident memory of the predict process.

    python benchmarks/throughput.py                 # 200,000 rows, 3 runs
    python benchmarks/throughput.py --rows 1000000 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r"(?u)\b\w\w+\b")


def build_input(path: Path, rows: int, seed: int = 0) -> list[str]:
    """Statements of 10-80 words from shuffled corpus sentences; returns a sample of texts."""
    rng = random.Random(seed)
    corpus = [json.loads(line)["text"] for line in (ROOT / "corpus" / "statements.jsonl").open(encoding="utf-8")]
    sentences = [s for text in corpus for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    sample = []
    with path.open("w", encoding="utf-8") as f:
        for i in range(rows):
            words: list[str] = []
            target = rng.randint(10, 80)
            while len(words) < target:
                words += rng.choice(sentences).split()
            text = " ".join(words[:target])
            f.write(json.dumps({"id": i, "text": text}) + "\n")
            if i < 200_000:
                sample.append(text)
    return sample


def tokenize_rate(texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        TOKEN.findall(text.lower())
    return len(texts) / (time.perf_counter() - started)


def run_predict(source: Path, target: Path, jobs: int, model: str | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one predict process."""
    command = [
        sys.executable,
        "-m",
        "communique",
        "predict",
        "--input",
        str(source),
        "--output",
        str(target),
        "--jobs",
        str(jobs),
        "--quiet",
        "--overwrite",
        *(["--model", model] if model else []),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", help="model folder (default: the bundled model)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "statements.jsonl", Path(folder) / "out.jsonl"
        sample = build_input(source, args.rows)
        size = source.stat().st_size
        print(
            f"input: {args.rows:,} statements, {size / 1e6:.0f} MB, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
        )
        cores = os.cpu_count() or 1
        results = {1: [], cores: []}
        tokenize = []
        peaks = []
        for _ in range(args.runs):
            # Interleave the measurements so that machine noise hits them alike.
            tokenize.append(tokenize_rate(sample))
            for jobs in results:
                seconds, peak = run_predict(source, target, jobs, args.model)
                results[jobs].append(args.rows / seconds)
                peaks.append(peak)
        floor = statistics.median(tokenize)
        one = statistics.median(results[1])
        print(f"plain tokenization:           {floor:12,.0f} statements/s")
        print(f"predict, 1 job:               {one:12,.0f} statements/s   ratio to tokenization {one / floor:.2f}")
        if cores > 1:
            many = statistics.median(results[cores])
            print(f"predict, {cores} jobs:              {many:12,.0f} statements/s   speed-up {many / one:.2f}x")
        print(f"peak memory of predict:       {max(peaks) / 1024:12,.0f} MB (largest child RSS over all runs)")


if __name__ == "__main__":
    main()
