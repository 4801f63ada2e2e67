"""The state of a labelling session: what is left, what was decided, undo. No terminal here.

Each decision is appended to the output file as one JSON line and flushed to
disk at once, so closing the terminal loses nothing; a session started again
on the same output skips every row already there. Undo removes the last line
(even one written by an earlier session) and asks about its row again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.labels import LabelScheme
from ..corpus.reading import OPTIONAL_FIELDS
from ..errors import InputError
from ..models.model import Model, Prediction

__all__ = ["AnnotationSession"]

# Input fields carried into the output, so that it can be used as a corpus as it is.
KEPT_FIELDS = tuple(f for f in OPTIONAL_FIELDS if f not in ("id", "acts"))


@dataclass
class AnnotationSession:
    """Rows to label, the output file, the labels offered (in the scheme's order) and an optional model."""

    rows: list[dict[str, Any]]
    output: Path
    scheme: LabelScheme
    model: Model | None = None
    annotator: str | None = None
    text_field: str = "text"
    queue: list[dict[str, Any]] = field(init=False)
    done: int = field(init=False, default=0)
    _last_rows: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.output = Path(self.output)
        labelled = self._labelled_ids()
        self.done = len(labelled)
        self.queue = [r for r in self.rows if str(r["id"]) not in labelled]

    @property
    def labels(self) -> list[str]:
        """The labels offered, numbered from 1 in this order."""
        return list(self.scheme.precedence)

    def _labelled_ids(self) -> set[str]:
        if not self.output.exists():
            return set()
        data = self.output.read_bytes()
        if data and not data.endswith(b"\n"):  # a line cut short by a crash: drop it, its row comes back
            data = data[: data.rfind(b"\n") + 1]
            self.output.write_bytes(data)
        ids = set()
        for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
            try:
                ids.add(str(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                raise InputError(f"{self.output}:{number}: not a line this tool wrote; give another --output") from None
        return ids

    def current(self) -> dict[str, Any] | None:
        return self.queue[0] if self.queue else None

    def suggestion(self, row: dict[str, Any]) -> Prediction | None:
        return self.model.predict([row[self.text_field]])[0] if self.model is not None else None

    def decide(self, label: str, acts: list[str] | None = None) -> None:
        """Record ``label`` (and its acts; by default the label alone) for the current row, and move on."""
        row = self.queue.pop(0)
        acts = self.scheme.ordered(acts if acts is not None else [label])
        acts = [a for a in acts if a != self.scheme.background]
        out = {"id": row["id"], "text": row[self.text_field], "label": label, "acts": acts}
        out |= {k: row[k] for k in KEPT_FIELDS if k in row and k != "text"}
        if self.annotator:
            out["annotator"] = self.annotator
        with open(self.output, "a", encoding="utf-8") as f:
            f.write(json.dumps(out, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.done += 1
        self._last_rows.append(row)

    def skip(self) -> None:
        """Leave the current row for now; a later session asks about it again."""
        self.queue.pop(0)

    def undo(self) -> bool:
        """Remove the last decision from the file and ask about its row again; False if there is none."""
        if not self.output.exists():
            return False
        data = self.output.read_bytes()
        if not data:
            return False
        start = data.rfind(b"\n", 0, len(data) - 1) + 1
        last = json.loads(data[start:])
        with open(self.output, "r+b") as f:
            f.truncate(start)
            f.flush()
            os.fsync(f.fileno())
        row = next((r for r in reversed(self._last_rows) if str(r["id"]) == str(last["id"])), None)
        if row is None:  # decided in an earlier session: rebuild the row from the line
            row = {k: v for k, v in last.items() if k not in ("label", "acts", "annotator")}
            row[self.text_field] = last["text"]
        self.queue.insert(0, row)
        self.done -= 1
        return True
