"""``communique corpus check``: a corpus's problems and the figures its datasheet quotes."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CorpusError
from .reading import MIN_EXAMPLES, read_corpus

__all__ = ["NEAR_DUPLICATE_SIMILARITY", "CorpusReport", "check_corpus", "near_duplicates"]

NEAR_DUPLICATE_SIMILARITY = 0.8
_BLOCK_ROWS = 1000
# Words in more than this share of the texts ("the", "we", "condemn") are left out of the products
# that find candidate pairs; they make most of the work, since they link almost every pair.
_FREQUENT_SHARE = 0.03


def near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_SIMILARITY) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, similarity)``, ``i < j``, whose TF-IDF cosine similarity exceeds ``threshold``.

    Exact, but without multiplying every pair over every word. Split each row's vector into its
    frequent words ``f`` and the rest ``r``: ``cos(i, j) = r_i.r_j + f_i.f_j`` and, by Cauchy-Schwarz,
    ``f_i.f_j <= |f_i| |f_j|``. So a pair can exceed the threshold only if ``r_i.r_j + |f_i| |f_j|``
    does (checked over the sparse product of the rare words alone, then computed exactly), or, sharing
    no rare word, if both rows have ``|f| > threshold`` (those few rows are compared in full).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    # float32 halves the cost of the products; the similarities move by far less than any threshold's margin.
    try:
        matrix = TfidfVectorizer(dtype=np.float32).fit_transform(texts).tocsc()
    except ValueError:  # no text has a word of two letters or more: nothing to compare
        return []
    n = matrix.shape[0]
    frequent = np.diff(matrix.indptr) > max(_FREQUENT_SHARE * n, 1)
    rare, common = matrix[:, ~frequent].tocsr(), matrix[:, frequent].tocsr()
    common_norm = np.sqrt(np.asarray(common.multiply(common).sum(axis=1)).ravel())
    found = [_pairs(rare, common, common_norm, threshold)]
    mostly_common = np.flatnonzero(common_norm > threshold)
    if len(mostly_common) > 1:
        i, j, similarity = _pairs(matrix.tocsr()[mostly_common], None, None, threshold)
        found.append((mostly_common[i], mostly_common[j], similarity))
    rows, cols, similarity = (np.concatenate(parts) for parts in zip(*found))
    _, first = np.unique(rows.astype(np.int64) * n + cols, return_index=True)  # a pair may be found twice
    return sorted(zip(rows[first].tolist(), cols[first].tolist(), similarity[first].astype(float).tolist()))


def _pairs(matrix, rest, rest_norm, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of rows whose product over ``matrix``, plus their product over ``rest`` (when
    given), exceeds ``threshold``. Blocks of rows keep memory bounded; the filters run in numpy."""
    transposed = matrix.T.tocsc()
    found = []
    for start in range(0, matrix.shape[0], _BLOCK_ROWS):
        block = (matrix[start : start + _BLOCK_ROWS] @ transposed[:, start:]).tocoo()
        rows, cols, similarity = block.row + start, block.col + start, block.data
        if rest is None:
            keep = (rows < cols) & (similarity > threshold)
            found.append((rows[keep], cols[keep], similarity[keep]))
            continue
        possible = (rows < cols) & (similarity + rest_norm[rows] * rest_norm[cols] > threshold - 1e-6)
        rows, cols, similarity = rows[possible], cols[possible], similarity[possible]
        similarity = similarity + np.asarray(rest[rows].multiply(rest[cols]).sum(axis=1)).ravel()
        keep = similarity > threshold
        found.append((rows[keep], cols[keep], similarity[keep]))
    empty = np.zeros(0, dtype=np.int64)
    return tuple(np.concatenate(parts) for parts in zip(*found)) if found else (empty, empty, empty.astype(np.float32))


@dataclass
class CorpusReport:
    """Figures describing a corpus, as ``communique corpus check`` prints them."""

    path: Path
    problems: list[str]
    figures: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.problems


def _share(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 3) if hits else 0.0


def _provenance_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows by origin, and for real rows, by source and licence."""
    figures: dict[str, Any] = {"origins": dict(Counter(r.get("origin", "written") for r in rows).most_common())}
    real = [r for r in rows if r.get("origin") == "real"]
    if real:
        by_source: dict[str, Counter] = defaultdict(Counter)
        for r in real:
            by_source[r.get("document", "?").split(":")[0]][r["label"]] += 1
        figures["real_by_source"] = {k: dict(v.most_common()) for k, v in sorted(by_source.items())}
        figures["real_labels"] = dict(Counter(r["label"] for r in real).most_common())
        figures["licenses"] = dict(Counter(r["license"] for r in real).most_common())
        figures["real_documents"] = len({r.get("document") for r in real})
    return figures


def check_corpus(
    path: str | Path, labels: str | Path | None = None, *, min_examples: int = MIN_EXAMPLES
) -> CorpusReport:
    """Validate a corpus and compute its figures; never raises for bad rows.

    The figures are the ones the datasheet quotes: label counts, rows by
    origin, source and licence, breadth (speakers, topics, registers, events,
    documents), acts per row, the share of each label's statements carrying
    its most obvious cue, the share of hard statements, lengths, and
    near-duplicate pairs (which count as problems).
    """
    try:
        corpus = read_corpus(path, labels, min_examples=min_examples)
    except CorpusError as exc:
        if not exc.problems:
            raise
        return CorpusReport(Path(path), exc.problems, {})
    rows = corpus.rows
    figures: dict[str, Any] = {"rows": len(rows), "sha256": corpus.sha256}
    figures["labels"] = dict(Counter(r["label"] for r in rows).most_common())
    figures.update(_provenance_figures(rows))
    for name in ("speaker", "topic", "register", "event", "document"):
        figures[f"{name}s"] = len({r[name] for r in rows if name in r})
    topics_per_label = defaultdict(set)
    for r in rows:
        if "topic" in r:
            topics_per_label[r["label"]].add(r["topic"])
    figures["topics_per_label"] = {k: len(v) for k, v in sorted(topics_per_label.items())}
    if any("acts" in r for r in rows):
        acts = [r.get("acts", []) for r in rows]
        figures["acts_per_row"] = dict(sorted(Counter(min(len(a), 3) for a in acts).items()))
        figures["acts"] = dict(Counter(a for row in acts for a in row).most_common())
    figures["signature_cue_share"] = {
        label: _share([bool(re.search(pattern, r["text"], re.IGNORECASE)) for r in rows if r["label"] == label])
        for label, pattern in corpus.scheme.signature_cues.items()
    }
    hard = defaultdict(list)
    for r in rows:
        if "difficulty" in r:
            hard[r["label"]].append(r["difficulty"] == "hard")
    figures["hard_share"] = {k: _share(v) for k, v in sorted(hard.items())}
    words = np.array(sorted(len(r["text"].split()) for r in rows))
    figures["words"] = {"min": int(words[0]), "median": int(words[len(words) // 2]), "max": int(words[-1])}
    sentences = Counter(min(len(re.findall(r"[.!?](?:\s|$)", r["text"])), 4) for r in rows)
    figures["sentences"] = {("4+" if k == 4 else str(k)): v for k, v in sorted(sentences.items())}
    pairs = near_duplicates(corpus.texts)
    figures["near_duplicates"] = [
        {"lines": [rows[i]["line"], rows[j]["line"]], "similarity": round(s, 3)} for i, j, s in pairs
    ]
    problems = [
        f"{corpus.path}:{rows[j]['line']}: near-duplicate of line {rows[i]['line']} (cosine {s:.2f})"
        for i, j, s in pairs
    ]
    return CorpusReport(corpus.path, problems, figures)
