"""``corpus agreement``: how far two annotators' labels agree, and the rows to adjudicate."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.files import check_input_file
from ..corpus.reading import read_rows
from ..errors import InputError

__all__ = ["Agreement", "compare_annotations", "read_annotations"]


def read_annotations(path: str | Path, label_field: str = "label") -> dict[str, dict[str, Any]]:
    """An annotation file (``.jsonl`` or ``.csv``) as id -> row; every row needs an ``id`` and a label."""
    path = check_input_file(path, "annotation")
    rows: dict[str, dict[str, Any]] = {}
    for line, row, problem in read_rows(path):
        where = f"{path}:{line}"
        if problem:
            raise InputError(f"{where}: {problem}")
        if not isinstance(row, dict) or "id" not in row:
            raise InputError(f"{where}: every row needs an id, to join it with the other annotator's")
        if not isinstance(row.get(label_field), str) or not row[label_field].strip():
            raise InputError(f"{where}: field {label_field!r} is missing or empty")
        key = str(row["id"])
        if key in rows:
            raise InputError(f"{where}: duplicate id {key!r}")
        rows[key] = row
    if not rows:
        raise InputError(f"{path}: no annotated row found")
    return rows


@dataclass
class Agreement:
    """Agreement between two annotators on the rows they both labelled."""

    rows: int
    raw: float
    kappa: float
    per_label: dict[str, dict[str, Any]]
    labels: list[str]
    confusion: list[list[int]]
    disagreements: list[dict[str, Any]]
    only_first: list[str] = field(default_factory=list)
    only_second: list[str] = field(default_factory=list)
    acts: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "raw_agreement": self.raw,
            "cohen_kappa": self.kappa,
            "per_label": self.per_label,
            "labels": self.labels,
            "confusion": self.confusion,
            "disagreements": len(self.disagreements),
            "only_in_first": self.only_first,
            "only_in_second": self.only_second,
            "acts": self.acts,
        }


def _act_agreement(first: dict, second: dict, common: list[str]) -> dict[str, Any] | None:
    """Agreement on act sets, where both files record acts: exact sets, kappa on the sets, per act."""
    from sklearn.metrics import cohen_kappa_score

    both = [i for i in common if isinstance(first[i].get("acts"), list) and isinstance(second[i].get("acts"), list)]
    if not both:
        return None
    a = [",".join(sorted(first[i]["acts"])) for i in both]
    b = [",".join(sorted(second[i]["acts"])) for i in both]
    per_act = {}
    for act in sorted({x for i in both for x in first[i]["acts"] + second[i]["acts"]}):
        x = [act in first[i]["acts"] for i in both]
        y = [act in second[i]["acts"] for i in both]
        per_act[act] = {
            "kappa": round(float(cohen_kappa_score(x, y)), 4) if len(set(x + y)) > 1 else 1.0,
            "agreement": round(sum(p == q for p, q in zip(x, y)) / len(both), 4),
        }
    return {
        "rows": len(both),
        "exact_sets": round(sum(p == q for p, q in zip(a, b)) / len(both), 4),
        "kappa_on_sets": round(float(cohen_kappa_score(a, b)), 4) if len(set(a + b)) > 1 else 1.0,
        "per_act": per_act,
    }


def compare_annotations(
    first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]], label_field: str = "label"
) -> Agreement:
    """Raw agreement, Cohen's kappa (scikit-learn's), agreement per label, the confusion table, disagreements.

    Per label, the agreement is the specific agreement: of the rows either
    annotator gave that label, the share both gave it (2|A∩B| / (|A|+|B|)).
    """
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    common = [i for i in first if i in second]
    if not common:
        raise InputError("the two files share no id; agreement needs rows both annotators labelled")
    a = [first[i][label_field] for i in common]
    b = [second[i][label_field] for i in common]
    labels = sorted(set(a) | set(b))
    count_a, count_b = Counter(a), Counter(b)
    both = Counter(x for x, y in zip(a, b) if x == y)
    per_label = {
        label: {
            "first": count_a[label],
            "second": count_b[label],
            "both": both[label],
            "agreement": round(2 * both[label] / (count_a[label] + count_b[label]), 4),
        }
        for label in labels
    }
    disagreements = [
        {
            "id": first[i]["id"],
            "text": first[i].get("text", second[i].get("text")),
            "first": first[i],
            "second": second[i],
        }
        for i, x, y in zip(common, a, b)
        if x != y or first[i].get("acts") != second[i].get("acts")
    ]
    return Agreement(
        rows=len(common),
        raw=round(sum(x == y for x, y in zip(a, b)) / len(common), 4),
        kappa=round(float(cohen_kappa_score(a, b)), 4) if len(labels) > 1 else 1.0,
        per_label=per_label,
        labels=labels,
        confusion=confusion_matrix(a, b, labels=labels).tolist(),
        disagreements=disagreements,
        only_first=[i for i in first if i not in second],
        only_second=[i for i in second if i not in first],
        acts=_act_agreement(first, second, common),
    )
