"""Whole documents labelled sentence by sentence (``corpus/documents.jsonl``).

Each row holds a document's ``text`` and its ``sentences``: ``start`` and
``end`` character offsets into the text, a ``label`` and the sentence's
``acts``, plus the document's provenance.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..base.files import check_input_file
from ..errors import CorpusError, InputError

__all__ = ["read_labelled_documents"]


def read_labelled_documents(path: str | Path) -> list[dict[str, Any]]:
    """The documents of ``path``, each checked: offsets inside the text, in order, each with a label."""
    path = Path(path)
    try:
        check_input_file(path, "documents")
    except InputError as exc:
        raise CorpusError(str(exc)) from None
    documents = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise CorpusError(f"{where}: not valid JSON ({exc})") from None
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("text"), str)
                or not isinstance(row.get("sentences"), list)
            ):
                raise CorpusError(f"{where}: a labelled document is an object with text and a list of sentences")
            previous_end = 0
            for k, sentence in enumerate(row["sentences"], 1):
                start, end = sentence.get("start"), sentence.get("end")
                if not (
                    isinstance(start, int) and isinstance(end, int) and previous_end <= start < end <= len(row["text"])
                ):
                    raise CorpusError(
                        f"{where}: sentence {k} has offsets {start}:{end} outside the text or out of order"
                    )
                if not isinstance(sentence.get("label"), str):
                    raise CorpusError(f"{where}: sentence {k} has no label")
                previous_end = end
            documents.append({**row, "line": number})
    if not documents:
        raise CorpusError(f"{path}: no labelled document found")
    return documents
