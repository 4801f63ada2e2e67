"""Inter-annotator agreement of the bundled corpus, recomputed from the files.

``second_annotation.jsonl`` holds, for the sampled rows, the writer's label
(``first``) and the blind second annotator's (``second``). Every disagreement
has a decision in ``adjudication.jsonl``; later changes by the review flags and
the consistency sweep are in ``review_flags.jsonl`` and
``consistency_sweep.jsonl``. This script prints Cohen's kappa between the two
annotations and checks that the corpus holds the label of the last decision
for each of these rows.

    python corpus/annotation/agreement.py
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in (HERE / name).open(encoding="utf-8") if line.strip()]


def cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[k] * count_b[k] for k in set(a) | set(b)) / (n * n)
    return (observed - expected) / (1 - expected)


def main() -> None:
    corpus = {r["id"]: r["label"] for r in read("../statements.jsonl")}
    second = read("second_annotation.jsonl")
    adjudicated = {r["id"]: r for r in read("adjudication.jsonl")}
    # The last decision on a row wins: adjudication, then review flags, then the sweep.
    decided = {i: r["final"] for i, r in adjudicated.items()}
    decided |= {r["id"]: r["final"] for r in read("review_flags.jsonl")}
    decided |= {r["id"]: r["proposed"] for r in read("consistency_sweep.jsonl") if r["applied"]}
    for row_id, label in decided.items():
        assert corpus[row_id] == label, f"{row_id}: corpus says {corpus[row_id]}, last decision {label}"
    first = [r["first"] for r in second]
    other = [r["second"] for r in second]
    for r in second:
        if r["first"] != r["second"]:
            assert r["id"] in adjudicated, f"disagreement on {r['id']} was not adjudicated"
    n = len(second)
    print(f"second annotation: {n} of {len(corpus)} rows ({n / len(corpus):.1%})")
    agree = sum(a == b for a, b in zip(first, other))
    print(f"raw agreement: {agree / n:.3f}; Cohen's kappa: {cohen_kappa(first, other):.3f}")
    for label in sorted(set(first)):
        a = [str(x == label) for x in first]
        b = [str(x == label) for x in other]
        print(f"  {label:<16} kappa (this label against the rest) {cohen_kappa(a, b):.3f}")
    changed = Counter((r["first"], r["final"]) for r in adjudicated.values() if r["first"] != r["final"])
    print(
        f"disagreements adjudicated: {len(adjudicated)}; first label kept {len(adjudicated) - sum(changed.values())}, changed {sum(changed.values())}"
    )
    for (a, b), k in changed.most_common():
        print(f"  {a} -> {b}: {k}")
    flags = read("review_flags.jsonl")
    sweep = read("consistency_sweep.jsonl")
    print(f"review flags adjudicated: {len(flags)}, label changed on {sum(r['first'] != r['final'] for r in flags)}")
    print(f"consistency sweep: {len(sweep)} rows listed, label changed on {sum(r['applied'] for r in sweep)}")


if __name__ == "__main__":
    main()
