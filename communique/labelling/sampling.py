"""``corpus sample``: which statements to label next, chosen from an unlabelled file in one streaming pass.

Like an active-learning "teach" loop, the default asks about the statements
the model is least sure of: the smallest margin between its two likeliest
labels (for act detectors, the smallest distance of any act from its
threshold). ``likely`` hunts for a rare label instead, ``random`` keeps the
sample honest about what a feed looks like, ``mixed`` takes half of each.
Near-duplicates are skipped, and no more than ``per_group`` statements are
taken from one document or event, so a long transcript cannot fill the sample.
"""

from __future__ import annotations

import heapq
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..batch.inputs import InputSpec, format_of, open_input, parse_record, raw_records
from ..errors import InputError
from ..models.model import Model

__all__ = ["STRATEGIES", "SampleOptions", "rows_to_label", "sample_statements"]

STRATEGIES = ("uncertain", "likely", "random", "mixed")
GROUP_FIELDS = ("document", "event")
DUPLICATE_OVERLAP = 0.8
_CHUNK = 2000
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SampleOptions:
    """How to choose the statements to label next (the options of ``communique corpus sample``)."""

    n: int
    strategy: str = "uncertain"
    label: str | None = None
    text_field: str = "text"
    input_format: str | None = None
    encoding: str = "utf-8"
    per_group: int = 3
    group_field: str | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be at least 1, not {self.n}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy {self.strategy!r} is not one of {', '.join(STRATEGIES)}")
        if self.strategy == "likely" and not self.label:
            raise ValueError("the likely strategy needs a label to look for")
        if self.per_group < 1:
            raise ValueError(f"per_group must be at least 1, not {self.per_group}")


def _priorities(model: Model, probabilities: np.ndarray, options: SampleOptions) -> list[float]:
    """Lower is asked first (the random share is drawn apart, in :func:`sample_statements`)."""
    classes = model.classes_
    if options.label is not None and options.label not in classes:
        raise InputError(f"label {options.label!r} is not one of the model's labels: {', '.join(classes)}")
    if options.strategy == "likely":
        return (-probabilities[:, classes.index(options.label)]).tolist()
    if model.decision == "acts":
        acts = [a for a in model.scheme.acts if a in classes] if options.label is None else [options.label]
        limits = np.array([model.thresholds.get(a, 0.5) for a in acts])
        distance = np.abs(probabilities[:, [classes.index(a) for a in acts]] - limits)
        return distance.min(axis=1).tolist()
    if options.label is not None:
        return np.abs(probabilities[:, classes.index(options.label)] - 0.5).tolist()
    top = np.sort(probabilities, axis=1)[:, -2:]
    return (top[:, 1] - top[:, 0]).tolist()


@dataclass(order=True)
class _Candidate:
    rank: float  # heap key: the negated priority, so that the heap keeps the lowest priorities
    order: int
    row: dict[str, Any]


def rows_to_label(
    path: str | Path, text_field: str = "text", input_format: str | None = None, encoding: str = "utf-8"
) -> Iterator[tuple[dict[str, Any], str]]:
    """Every classifiable row of an unlabelled file, with its fields, and its text.

    A row without ``id`` gets one from its line (``"FILE:LINE"``), so that
    annotation files can be joined later.
    """
    path = str(path)
    spec = InputSpec(path, format_of(path, input_format), text_field, encoding)
    name = Path(path).name
    source = open_input(spec)
    try:
        header, records = raw_records(source)
        for line, raw in records:
            record = parse_record(spec, header, line, raw)
            if record.error is None:
                row = dict(record.fields)
                row.setdefault("id", f"{name}:{line}")
                yield row, record.text
    finally:
        source.close()


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def _near(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether one text's words are mostly the other's (overlap coefficient above the limit)."""
    return bool(a) and bool(b) and len(a & b) / min(len(a), len(b)) > DUPLICATE_OVERLAP


def sample_statements(
    path: str | Path, model: Model, options: SampleOptions, *, exclude: set[str] | None = None
) -> list[dict[str, Any]]:
    """Choose ``options.n`` statements of ``path`` to label next.

    Rows keep every input field, and get an id as :func:`rows_to_label` gives
    them. Rows whose id or text is in ``exclude`` (for instance, those already labelled) are
    never chosen. Memory holds a few times ``n`` rows, whatever the file size.
    """
    rng = random.Random(options.seed)
    keep = max(4 * options.n, options.n + 200)  # spares for the duplicates and group caps skipped at the end
    exclude = exclude or set()
    heaps: dict[str, list[_Candidate]] = {"model": [], "random": []}
    share = {"uncertain": 0, "likely": 0, "random": 1, "mixed": 0.5}[options.strategy]
    batch: list[tuple[dict[str, Any], str]] = []
    counter = 0

    def flush() -> None:
        nonlocal counter
        texts = [t for _, t in batch]
        strategies = ["random"] if share == 1 else (["model"] if share == 0 else ["model", "random"])
        for name in strategies:
            if name == "random":
                priorities = [rng.random() for _ in texts]
            else:
                probabilities = model.scorer.predict_proba(texts)
                priorities = _priorities(model, probabilities, options)
            for (row, _), priority in zip(batch, priorities):
                counter += 1
                item = _Candidate(-priority, counter, row)
                heap = heaps[name]
                if len(heap) < keep:
                    heapq.heappush(heap, item)
                elif item > heap[0]:
                    heapq.heapreplace(heap, item)
        batch.clear()

    for row, text in rows_to_label(path, options.text_field, options.input_format, options.encoding):
        if text in exclude or str(row["id"]) in exclude:
            continue
        batch.append((row, text))
        if len(batch) >= _CHUNK:
            flush()
    if batch:
        flush()
    return _select(heaps, options, share)


def _select(heaps: dict[str, list[_Candidate]], options: SampleOptions, share: float) -> list[dict[str, Any]]:
    """The best candidates in order, skipping near-duplicates and groups already full."""
    wanted = {"random": round(options.n * share)}
    wanted["model"] = options.n - wanted["random"]
    chosen: list[dict[str, Any]] = []
    seen_words: list[frozenset[str]] = []
    per_group: Counter = Counter()
    group_field = options.group_field
    taken_ids: set[str] = set()
    for name in ("model", "random"):
        got = 0
        for item in sorted(heaps[name], reverse=True):
            if got >= wanted[name]:
                break
            row = item.row
            if str(row["id"]) in taken_ids:
                continue
            field = group_field or next((f for f in GROUP_FIELDS if f in row), None)
            group = row.get(field) if field else None
            if group is not None and per_group[group] >= options.per_group:
                continue
            words = _words(str(row.get(options.text_field, row.get("text", ""))))
            if any(_near(words, other) for other in seen_words):
                continue
            chosen.append(row)
            seen_words.append(words)
            taken_ids.add(str(row["id"]))
            if group is not None:
                per_group[group] += 1
            got += 1
    return chosen
