"""Tables of figures, built once and rendered for the terminal or for Markdown reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Table",
    "act_table",
    "baseline_table",
    "confusion_table",
    "documents_table",
    "origin_table",
    "per_class_table",
]


@dataclass
class Table:
    """A header, rows of cells, and which columns are numbers (right-aligned in the terminal)."""

    header: Sequence[str]
    rows: list[Sequence[Any]]
    numeric: Sequence[bool] | None = None

    def _cells(self) -> list[list[str]]:
        return [[str(c) for c in self.header]] + [[("" if c is None else str(c)) for c in row] for row in self.rows]

    def text(self) -> str:
        """Columns padded to their widest cell, numbers right-aligned."""
        cells = self._cells()
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.header))]
        numeric = self.numeric or [k > 0 for k in range(len(self.header))]
        lines = []
        for row in cells:
            parts = [c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric)]
            lines.append("  ".join(parts).rstrip())
        return "\n".join(lines)

    def markdown(self) -> str:
        cells = [[c.replace("|", "\\|") for c in row] for row in self._cells()]
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)

    def render(self, markdown: bool = False) -> str:
        return self.markdown() if markdown else self.text()


def _f(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def per_class_table(metrics: dict[str, Any], lift: dict[str, dict[str, float]] | None = None) -> Table:
    """Precision, recall, F1 and support per label, macro-F1 and accuracy; lift over baselines if given."""
    names = list(lift or {})
    header = ["label", "precision", "recall", "F1", "support", *[f"lift vs {n}" for n in names]]
    rows: list[list[Any]] = []
    for label, m in metrics["per_class"].items():
        extra = [f"{lift[n][label]:+.3f}" for n in names] if lift else []
        rows.append([label, _f(m["precision"]), _f(m["recall"]), _f(m["f1"]), m["support"], *extra])
    extra = [f"{lift[n]['macro_f1']:+.3f}" for n in names] if lift else []
    rows.append(["macro-F1", "", "", _f(metrics["macro_f1"]), "", *extra])
    rows.append(["accuracy", "", "", _f(metrics["micro_f1"]), "", *[""] * len(names)])
    return Table(header, rows)


def confusion_table(metrics: dict[str, Any]) -> Table:
    labels = metrics["labels"]
    return Table(["true \\ predicted", *labels], [[label, *row] for label, row in zip(labels, metrics["confusion"])])


def baseline_table(metrics: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> Table:
    rows = [["model", _f(metrics["macro_f1"]), _f(metrics["micro_f1"])]]
    rows += [[f"{name} baseline", _f(b["macro_f1"]), _f(b["micro_f1"])] for name, b in baselines.items()]
    return Table(["system", "macro-F1", "accuracy"], rows)


def act_table(acts: dict[str, Any]) -> Table:
    """Act detection: precision, recall and F1 per act over statements."""
    rows = [[act, _f(m["precision"]), _f(m["recall"]), _f(m["f1"]), m["support"]] for act, m in acts["per_act"].items()]
    rows.append(["micro-F1", "", "", _f(acts["micro_f1"]), ""])
    rows.append(["exact act set", "", "", _f(acts["exact_set"]), acts["statements"]])
    return Table(["act", "precision", "recall", "F1", "statements"], rows)


def origin_table(by_origin: dict[str, dict[str, Any]]) -> Table:
    """Macro-F1 and accuracy per origin of the statements (real, written)."""
    rows = [[origin, m["rows"], _f(m["macro_f1"]), _f(m["micro_f1"])] for origin, m in by_origin.items()]
    return Table(["origin", "statements", "macro-F1", "accuracy"], rows)


def documents_table(documents: Any) -> Table:
    """The figures of a sentence-by-sentence evaluation of whole documents."""
    return Table(
        ["figure", "value"],
        [
            ["documents", documents.documents],
            ["sentences", documents.sentences],
            ["sentence accuracy", f"{documents.metrics['micro_f1']:.3f}"],
            ["sentence macro-F1", f"{documents.metrics['macro_f1']:.3f}"],
            ["document act sets identical", f"{documents.act_sets_equal:.3f}"],
            ["document acts, micro-F1", f"{documents.document_acts['micro_f1']:.3f}"],
            ["gold sentences the splitter reproduces", f"{documents.segmentation_agreement:.3f}"],
        ],
    )
