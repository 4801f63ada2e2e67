"""Agreement figures of the corpus annotation, as the datasheet quotes them.

    python corpus/annotation/agreement.py

Real passages: the first annotation (real/first.jsonl) against the blind second one
(real/second.jsonl), per source. Written statements: the labels of corpus v1 with the acts the
first annotator added (written/first_acts.jsonl) against a blind second annotation
(written/blind.jsonl). Whole documents: sentence labels of two annotators on 14 documents.
Each uses the same comparison as ``communique corpus agreement``.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from communique.labelling.agreement import compare_annotations  # noqa: E402


def rows(path: Path) -> dict[str, dict]:
    parsed = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {row["id"]: row for row in parsed}


def line(name: str, first: dict, second: dict) -> str:
    result = compare_annotations(first, second)
    acts = result.acts or {}
    return (
        f"{name:<22}{result.rows:>6}{result.raw:>10.3f}{result.kappa:>9.3f}"
        f"{acts.get('exact_sets', float('nan')):>15.3f}{acts.get('kappa_on_sets', float('nan')):>15.3f}"
    )


def main() -> None:
    print(f"{'':<22}{'rows':>6}{'agreement':>10}{'kappa':>9}{'same act sets':>15}{'kappa on sets':>15}")
    first, second = rows(HERE / "real" / "first.jsonl"), rows(HERE / "real" / "second.jsonl")
    by_source: dict[str, set] = defaultdict(set)
    for key in second:
        by_source[key.split("-")[0]].add(key)
    print(line("real, all sources", first, second))
    for source, keys in sorted(by_source.items()):
        print(line(f"  {source}", {k: first[k] for k in keys}, {k: second[k] for k in keys}))
    print(f"  ({len(second)} of {len(first)} real passages annotated twice, {len(second) / len(first):.1%})")

    corpus_v1 = rows(HERE / "written" / "corpus_v1_labels.jsonl")
    acts = rows(HERE / "written" / "first_acts.jsonl")
    blind = rows(HERE / "written" / "blind.jsonl")
    given = {k: {"id": k, "label": corpus_v1[k]["label"], "acts": acts[k]["acts"]} for k in blind}
    print(line("written", given, blind))
    print(f"  ({len(blind)} of {len(corpus_v1)} written statements annotated twice, {len(blind) / len(corpus_v1):.1%})")

    def sentences(path: Path) -> dict[str, dict]:
        out = {}
        for document in rows(path).values():
            for sentence in document["sentences"]:
                out[f"{document['id']}#{sentence['n']}"] = {"id": f"{document['id']}#{sentence['n']}", **sentence}
        return out

    second_documents = sentences(HERE / "real" / "document_second.jsonl")
    first_documents = {
        k: v for k, v in sentences(HERE / "real" / "document_first.jsonl").items() if k in second_documents
    }
    print(line("document sentences", first_documents, second_documents))


if __name__ == "__main__":
    main()
