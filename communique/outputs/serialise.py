"""The one serialiser of results: every output path (batch, arguments, documents, Dask) writes through it.

A result row is the input's fields followed by the outputs. Input fields named
like an output (``label``, ``confidence``, ``scores``, ``acts``,
``known_terms``, ``error``, ``explanation``, ``sentences``) are replaced, never
repeated. Probabilities are rounded to :data:`SCORE_DECIMALS` places. JSON
Lines rows keep the input's key order; CSV has a header row and writes dicts
and lists as JSON.

The batch path formats a whole chunk of plain predictions at once
(:meth:`RowWriter.predictions`); the general path (:meth:`RowWriter.rows`)
encodes any dict rows. Both give the same bytes for the same row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["OUTPUT_FIELDS", "SCORE_DECIMALS", "RowWriter", "rounded"]

SCORE_DECIMALS = 6
OUTPUT_FIELDS = ("label", "confidence", "scores", "acts", "known_terms", "error")
EXTRA_FIELDS = ("explanation", "sentences")
RESERVED = frozenset(OUTPUT_FIELDS) | frozenset(EXTRA_FIELDS)


def rounded(value: Any) -> Any:
    """``value`` with every float rounded to :data:`SCORE_DECIMALS` places, recursively.

    >>> rounded({"a": [0.1234567891, 2], "b": 1 / 3})
    {'a': [0.123457, 2], 'b': 0.333333}
    """
    if isinstance(value, float):
        return round(value, SCORE_DECIMALS)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    return value


def _inputs(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in RESERVED}


class RowWriter:
    """Serialises result rows as JSON Lines or CSV text, one chunk at a time.

    Parameters
    ----------
    fmt : {"jsonl", "csv"}
    input_columns : list of str, optional
        The input's columns (CSV output needs them up front); default ``text``.
    labels : list of str
        The model's labels, in column order.
    extra : tuple of str
        Output fields beyond the standard ones (``explanation``, ``sentences``).
    """

    def __init__(
        self, fmt: str, input_columns: Sequence[str] | None, labels: Sequence[str], extra: tuple[str, ...] = ()
    ):
        self.format = fmt
        columns = [c for c in (input_columns or ["text"]) if c not in RESERVED]
        self.columns = columns + list(OUTPUT_FIELDS) + [e for e in EXTRA_FIELDS if e in extra]
        self.labels = list(labels)
        self._label_json = [json.dumps(label, ensure_ascii=False) for label in self.labels]
        # %r formats each float in C; the labels are JSON-escaped once, here.
        self._scores = "{" + ", ".join(f"{j.replace('%', '%%')}: %r" for j in self._label_json) + "}"
        self._encode = json.JSONEncoder(ensure_ascii=False).encode

    def header(self) -> str:
        if self.format != "csv":
            return ""
        return self._csv([self.columns])

    def _csv(self, rows: list[list[Any]]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue()

    def _csv_values(self, row: dict[str, Any]) -> list[Any]:
        values = []
        for column in self.columns:
            v = row.get(column)
            values.append(self._encode(v) if isinstance(v, (dict, list)) else ("" if v is None else v))
        return values

    @staticmethod
    def error_row(fields: dict[str, Any], error: str) -> dict[str, Any]:
        """The row of an input that could not be classified: its fields, null outputs, and the reason."""
        return _inputs(fields) | dict.fromkeys(OUTPUT_FIELDS[:-1]) | {"error": error}

    def rows(self, results: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
        """Rows of ``(input fields, outputs)`` pairs, in order; an output missing from a pair is null."""
        ordered = []
        for fields, outputs in results:
            values = {k: outputs.get(k) for k in OUTPUT_FIELDS} | {k: outputs[k] for k in EXTRA_FIELDS if k in outputs}
            ordered.append(_inputs(fields) | rounded(values))
        if self.format == "jsonl":
            return "".join(self._encode(row) + "\n" for row in ordered)
        return self._csv([self._csv_values(row) for row in ordered])

    def predictions(
        self,
        records: Sequence[Any],
        probabilities: np.ndarray,
        labels: np.ndarray,
        present: np.ndarray,
        known_terms: np.ndarray,
    ) -> str:
        """Rows for parsed records (``fields``, ``error``, ``source``), the good ones in step with the arrays.

        ``labels`` are column indices, ``present`` marks the acts found; the
        numbers are formatted in bulk, which is most of the speed of batch runs.
        """
        values = probabilities.round(SCORE_DECIMALS)
        rows_list = values.tolist()
        confidence = values[np.arange(len(values)), labels].tolist() if len(values) else []
        present_list = present.tolist()
        columns = np.flatnonzero(present.any(axis=0)).tolist() if len(present) else []
        out: list[str] = []
        k = 0
        for record in records:
            if record.error is not None:
                row = self.error_row(record.fields, record.error)
                out.append(self._encode(row) + "\n" if self.format == "jsonl" else self._csv_values(row))
                continue
            if self.format == "jsonl":
                scores = self._scores % tuple(rows_list[k])
                row, found = rows_list[k], present_list[k]
                acts = "{" + ", ".join([f"{self._label_json[j]}: {row[j]!r}" for j in columns if found[j]]) + "}"
                outputs = (
                    f'"label": {self._label_json[labels[k]]}, "confidence": {confidence[k]!r}, '
                    f'"scores": {scores}, "acts": {acts}, "known_terms": {int(known_terms[k])}, "error": null}}\n'
                )
                if record.source:  # the input line as it stood, without its closing brace
                    out.append(f"{record.source[:-1].rstrip()}, {outputs}")
                else:
                    head = self._encode(_inputs(record.fields))[:-1]
                    out.append(f"{head}, {outputs}" if len(head) > 1 else "{" + outputs)
            else:
                row = _inputs(record.fields) | {
                    "label": self.labels[labels[k]],
                    "confidence": confidence[k],
                    "scores": dict(zip(self.labels, rows_list[k])),
                    "acts": {self.labels[j]: rows_list[k][j] for j in columns if present_list[k][j]},
                    "known_terms": int(known_terms[k]),
                }
                out.append(self._csv_values(row))
            k += 1
        if self.format == "jsonl":
            return "".join(out)
        return self._csv(out)
