"""Labelled corpora: reading, checking, label schemes and the held-out split.

A corpus is a JSON Lines file (or a CSV file with a header), one statement a
row. ``text`` and ``label`` are required; ``id`` and ``event`` are strongly
recommended (``event`` groups the statements about one event so that
validation never puts one event on both sides of a split); ``speaker``,
``topic``, ``register`` and ``difficulty`` are descriptive.

Labels come from the corpus. A ``labels.json`` beside it (or passed
explicitly) declares their precedence for mixed statements, which label is the
background act, and the cue words of the keyword baseline; see
:class:`LabelScheme`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CorpusError

__all__ = ["Corpus", "CorpusReport", "LabelScheme", "check_corpus", "read_corpus"]

REQUIRED_FIELDS = ("text", "label")
OPTIONAL_FIELDS = ("id", "event", "speaker", "topic", "register", "difficulty")
DIFFICULTIES = ("typical", "hard")
# Fewer examples than this and a label cannot be cross-validated in five
# grouped folds with a held-out split beside them.
MIN_EXAMPLES = 10
NEAR_DUPLICATE_SIMILARITY = 0.8


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class LabelScheme:
    """How a corpus's labels relate to each other.

    Parameters
    ----------
    precedence : list of str
        Every label, the one that wins a mixed statement first.
    background : str or None
        The label for "none of the acts" (``other`` in the codebook). It does
        not drive a document's overall label.
    cues : dict
        Label -> regular expressions of its typical signals, used by the
        keyword baseline.
    signature_cues : dict
        Label -> the one most obvious cue, whose share the corpus check reports
        to show lexical variety.
    """

    precedence: list[str]
    background: str | None = None
    cues: dict[str, list[str]] = field(default_factory=dict)
    signature_cues: dict[str, str] = field(default_factory=dict)
    declared: bool = True

    @classmethod
    def from_file(cls, path: str | Path) -> LabelScheme:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorpusError(f"{path}: cannot read label scheme: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("precedence"), list):
            raise CorpusError(f"{path}: a label scheme is a JSON object with a 'precedence' list of labels")
        scheme = cls(
            precedence=[str(label) for label in data["precedence"]],
            background=data.get("background"),
            cues={k: list(v) for k, v in data.get("cues", {}).items()},
            signature_cues=dict(data.get("signature_cues", {})),
        )
        unknown = ({scheme.background} - {None}) | set(scheme.cues) | set(scheme.signature_cues)
        unknown -= set(scheme.precedence)
        if unknown:
            raise CorpusError(f"{path}: labels {sorted(unknown)} are used but not listed in 'precedence'")
        return scheme

    @classmethod
    def infer(cls, labels: Iterable[str]) -> LabelScheme:
        """A scheme for a corpus that declares none: labels sorted, no background."""
        return cls(precedence=sorted(set(labels)), declared=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precedence": self.precedence,
            "background": self.background,
            "cues": self.cues,
            "signature_cues": self.signature_cues,
        }

    def strongest(self, labels: Iterable[str]) -> str | None:
        """The label of highest precedence among ``labels`` (background ignored)."""
        found = set(labels) - {self.background}
        for label in self.precedence:
            if label in found:
                return label
        return None


@dataclass
class Corpus:
    """Rows of a labelled corpus, each a dict with at least ``text`` and ``label``.

    ``rows[i]["line"]`` is the row's line number in ``path``.
    """

    rows: list[dict[str, Any]]
    path: Path
    sha256: str
    scheme: LabelScheme

    @property
    def texts(self) -> list[str]:
        return [r["text"] for r in self.rows]

    @property
    def labels(self) -> list[str]:
        return [r["label"] for r in self.rows]

    @property
    def groups(self) -> list[str]:
        """Event keys; a row without an event is a group of its own."""
        return [r.get("event") or f"row:{r['line']}" for r in self.rows]

    def subset(self, indices: Iterable[int]) -> list[dict[str, Any]]:
        return [self.rows[i] for i in indices]


def _read_rows(path: Path) -> Iterable[tuple[int, Any, str | None]]:
    """(line number, parsed row or None, problem) for each non-blank row."""
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                if None in row or None in row.values():
                    yield reader.line_num, None, f"{len(row)} fields where the header has {len(reader.fieldnames)}"
                else:
                    yield reader.line_num, {k: v for k, v in row.items() if v != ""}, None
        return
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, None, f"invalid UTF-8 at byte {exc.start}"
                continue
            if not line.strip():
                continue
            try:
                yield number, json.loads(line), None
            except json.JSONDecodeError as exc:
                yield number, None, f"not valid JSON ({exc.msg} at column {exc.colno})"


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _label_problems(counts: Counter, scheme: LabelScheme, min_examples: int) -> list[str]:
    problems = []
    for label, n in sorted(counts.items()):
        if n < min_examples:
            problems.append(f"label {label!r} has {n} example(s); at least {min_examples} are needed to validate it")
    by_frequency = [label for label, _ in counts.most_common()]
    for i, rare in enumerate(by_frequency):
        for common in by_frequency[:i]:
            same = rare.strip().casefold().replace("-", "_") == common.strip().casefold().replace("-", "_")
            if same or (min(len(rare), len(common)) > 3 and _edit_distance(rare, common) <= 2):
                problems.append(
                    f"label {rare!r} ({counts[rare]} rows) looks like a typo of {common!r} ({counts[common]} rows)"
                )
                break
    if scheme.declared:
        for label in sorted(set(counts) - set(scheme.precedence)):
            problems.append(f"label {label!r} is not declared in the label scheme {scheme.precedence}")
    return problems


def read_corpus(
    path: str | Path,
    labels: str | Path | None = None,
    *,
    min_examples: int = MIN_EXAMPLES,
) -> Corpus:
    """Read and validate a labelled corpus.

    Every problem is collected before anything is returned, so one run names
    them all, each with its line number.

    Parameters
    ----------
    path : str or Path
        A ``.jsonl`` or ``.csv`` corpus.
    labels : str or Path, optional
        A label scheme (``labels.json``); by default the one beside the
        corpus if there is one.
    min_examples : int
        Fewest rows a label may have.

    Raises
    ------
    CorpusError
        With ``problems``, the list of every problem found.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: no such corpus file")
    scheme_path = Path(labels) if labels else path.with_name("labels.json")
    scheme = LabelScheme.from_file(scheme_path) if scheme_path.is_file() else None
    if labels and scheme is None:
        raise CorpusError(f"{labels}: no such label scheme file")

    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    known = set(REQUIRED_FIELDS) | set(OPTIONAL_FIELDS)
    for number, row, problem in _read_rows(path):
        where = f"{path}:{number}"
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: a row must be a JSON object, not {type(row).__name__}")
            continue
        missing = [f for f in REQUIRED_FIELDS if f not in row]
        if missing:
            problems.append(f"{where}: missing field(s) {', '.join(missing)}")
            continue
        unknown = sorted(set(row) - known)
        if unknown:
            problems.append(
                f"{where}: unknown field(s) {', '.join(unknown)}; known fields are {', '.join(sorted(known))}"
            )
        bad_types = [f for f in known & set(row) if not isinstance(row[f], str)]
        if bad_types:
            problems.append(f"{where}: field(s) {', '.join(sorted(bad_types))} must be strings")
            continue
        if not row["text"].strip():
            problems.append(f"{where}: field text is empty")
        if not row["label"].strip():
            problems.append(f"{where}: field label is empty")
        if "difficulty" in row and row["difficulty"] not in DIFFICULTIES:
            problems.append(f"{where}: field difficulty is {row['difficulty']!r}; use one of {', '.join(DIFFICULTIES)}")
        if "id" in row:
            if row["id"] in seen_ids:
                problems.append(f"{where}: duplicate id {row['id']!r} (first on line {seen_ids[row['id']]})")
            seen_ids.setdefault(row["id"], number)
        rows.append({**row, "line": number})

    counts = Counter(r["label"] for r in rows)
    scheme = scheme or LabelScheme.infer(counts)
    if not rows and not problems:
        problems.append(f"{path}: the corpus has no rows")
    problems += [f"{path}: {p}" for p in _label_problems(counts, scheme, min_examples)]
    if len(counts) == 1:
        problems.append(f"{path}: only one label ({next(iter(counts))!r}); a classifier needs at least two")
    if problems:
        raise CorpusError(f"{path}: {len(problems)} problem(s) found; first: {problems[0]}", problems)
    return Corpus(rows=rows, path=path, sha256=file_sha256(path), scheme=scheme)


def near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_SIMILARITY) -> list[tuple[int, int, float]]:
    """Pairs of rows whose TF-IDF cosine similarity exceeds ``threshold``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer().fit_transform(texts)
    pairs = []
    # Blocks of rows keep memory bounded on large corpora.
    for start in range(0, matrix.shape[0], 2000):
        block = (matrix[start : start + 2000] @ matrix.T).tocoo()
        for i, j, s in zip(block.row, block.col, block.data):
            if start + i < j and s > threshold:
                pairs.append((int(start + i), int(j), float(s)))
    return sorted(pairs)


@dataclass
class CorpusReport:
    """Figures describing a corpus, as ``communique corpus check`` prints them."""

    path: Path
    problems: list[str]
    figures: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_corpus(
    path: str | Path, labels: str | Path | None = None, *, min_examples: int = MIN_EXAMPLES
) -> CorpusReport:
    """Validate a corpus and compute its figures; never raises for bad rows.

    The figures are the ones the datasheet quotes: label counts, breadth
    (speakers, topics, registers, events, topics per label), the share of
    each label's statements carrying its most obvious cue, the share of hard
    statements, lengths, and near-duplicate pairs.
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
    for name in ("speaker", "topic", "register", "event"):
        figures[f"{name}s"] = len({r[name] for r in rows if name in r})
    topics_per_label = defaultdict(set)
    for r in rows:
        if "topic" in r:
            topics_per_label[r["label"]].add(r["topic"])
    figures["topics_per_label"] = {k: len(v) for k, v in sorted(topics_per_label.items())}
    cue_share = {}
    for label, pattern in corpus.scheme.signature_cues.items():
        texts = [r["text"] for r in rows if r["label"] == label]
        if texts:
            hits = sum(bool(re.search(pattern, t, re.IGNORECASE)) for t in texts)
            cue_share[label] = round(hits / len(texts), 3)
    figures["signature_cue_share"] = cue_share
    hard = defaultdict(list)
    for r in rows:
        if "difficulty" in r:
            hard[r["label"]].append(r["difficulty"] == "hard")
    figures["hard_share"] = {k: round(sum(v) / len(v), 3) for k, v in sorted(hard.items())}
    words = sorted(len(r["text"].split()) for r in rows)
    figures["words"] = {"min": words[0], "median": words[len(words) // 2], "max": words[-1]}
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


def heldout_events(corpus: Corpus, fraction: float = 0.2, seed: int = 0) -> list[str]:
    """Pick whole events for a held-out split, about ``fraction`` of the rows.

    Events are drawn in a seeded random order, and an event is taken only
    while it does not push any label past its share, so every label is
    represented on both sides.
    """
    by_event: dict[str, Counter] = defaultdict(Counter)
    for group, label in zip(corpus.groups, corpus.labels):
        by_event[group][label] += 1
    totals = Counter(corpus.labels)
    quota = {label: fraction * n for label, n in totals.items()}
    taken: Counter = Counter()
    events = sorted(by_event)
    random.Random(seed).shuffle(events)
    chosen = []
    for event in events:
        if all(taken[label] + n <= quota[label] + 1 for label, n in by_event[event].items()):
            chosen.append(event)
            taken.update(by_event[event])
    return sorted(chosen)


def read_split(path: str | Path) -> list[str]:
    """Held-out event keys from a split file (``{"heldout_events": [...]}``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [str(e) for e in data["heldout_events"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(
            f'{path}: cannot read the held-out split ({exc}); expected {{"heldout_events": [...]}}'
        ) from exc
