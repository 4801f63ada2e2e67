"""Reading and validating a labelled corpus: every problem found, each with its line."""

from __future__ import annotations

import contextlib
import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..base.files import check_input_file, file_sha256
from ..base.labels import LabelScheme
from ..errors import CorpusError, InputError

__all__ = [
    "DIFFICULTIES",
    "MIN_EXAMPLES",
    "OPTIONAL_FIELDS",
    "ORIGINS",
    "REQUIRED_FIELDS",
    "Corpus",
    "read_corpus",
    "read_rows",
]

REQUIRED_FIELDS = ("text", "label")
OPTIONAL_FIELDS = (
    "id",
    "acts",
    "event",
    "document",
    "speaker",
    "topic",
    "register",
    "difficulty",
    "origin",
    "source",
    "url",
    "license",
    "date",
    "title",
    "sampling",
)
LIST_FIELDS = frozenset({"acts"})
DIFFICULTIES = ("typical", "hard")
ORIGINS = ("real", "written")
# Fewer examples than this and a label cannot be cross-validated in five
# grouped folds with a held-out split beside them.
MIN_EXAMPLES = 10


@dataclass
class Corpus:
    """Rows of a labelled corpus, each a dict with at least ``text`` and ``label``.

    ``rows[i]["line"]`` is the row's line number in ``path``. The columns
    (``texts``, ``labels``...) are built once, on first use: training indexes
    them row by row, so rebuilding them on each access would cost time
    quadratic in the corpus size. The rows are not to be changed after reading.
    """

    rows: list[dict[str, Any]]
    path: Path
    sha256: str
    scheme: LabelScheme

    @cached_property
    def texts(self) -> list[str]:
        return [r["text"] for r in self.rows]

    @cached_property
    def labels(self) -> list[str]:
        return [r["label"] for r in self.rows]

    @cached_property
    def groups(self) -> list[str]:
        """What validation keeps together: the event, else the source document, else the row itself."""
        return [r.get("event") or r.get("document") or f"row:{r['line']}" for r in self.rows]

    @cached_property
    def origins(self) -> list[str]:
        """``real`` or ``written`` per row; a corpus that does not say counts as written."""
        return [r.get("origin", "written") for r in self.rows]

    @property
    def has_acts(self) -> bool:
        """Whether every row records its acts (else the model can only learn single labels)."""
        return all("acts" in r for r in self.rows)

    @cached_property
    def acts(self) -> list[list[str]]:
        """Each row's acts; for a row without them, its label alone (none for the background)."""
        return [r["acts"] if "acts" in r else self.scheme.acts_of_label(r["label"]) for r in self.rows]


def read_rows(path: Path) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, parsed row or None, problem) for each non-blank row of a .jsonl or .csv file."""
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                if None in row or None in row.values():
                    yield reader.line_num, None, f"{len(row)} fields where the header has {len(reader.fieldnames)}"
                    continue
                values = {k: v for k, v in row.items() if v != ""}
                if "acts" in values:  # a list in a CSV cell is written as JSON; if not, the check names it
                    with contextlib.suppress(ValueError):
                        values["acts"] = json.loads(values["acts"])
                yield reader.line_num, values, None
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


def _acts_problem(row: dict[str, Any], scheme: LabelScheme) -> str | None:
    """Why a row's ``acts`` do not fit its label and the scheme, or None."""
    acts = row["acts"]
    if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
        return "field acts must be a list of labels"
    if not scheme.declared:
        return None
    unknown = sorted(set(acts) - set(scheme.acts))
    if unknown:
        return f"field acts holds {', '.join(map(repr, unknown))}, not acts of the label scheme {scheme.acts}"
    if acts != scheme.ordered(acts):
        return f"field acts {acts} is not in precedence order {scheme.ordered(acts)} (or repeats an act)"
    expected = scheme.label_of(acts)
    if expected is not None and row["label"] != expected:
        return f"label {row['label']!r} does not match acts {acts}, which give {expected!r}"
    return None


def _row_problems(row: Any, scheme: LabelScheme, known: set[str]) -> tuple[list[str], bool]:
    """A row's problems, and whether it is fit to keep (has the required fields, with strings)."""
    if not isinstance(row, dict):
        return [f"a row must be a JSON object, not {type(row).__name__}"], False
    missing = [f for f in REQUIRED_FIELDS if f not in row]
    if missing:
        return [f"missing field(s) {', '.join(missing)}"], False
    problems = []
    unknown = sorted(set(row) - known)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}; known fields are {', '.join(sorted(known))}")
    bad_types = [f for f in (known & set(row)) - LIST_FIELDS if not isinstance(row[f], str)]
    if bad_types:
        return [*problems, f"field(s) {', '.join(sorted(bad_types))} must be strings"], False
    if not row["text"].strip():
        problems.append("field text is empty")
    if not row["label"].strip():
        problems.append("field label is empty")
    if "difficulty" in row and row["difficulty"] not in DIFFICULTIES:
        problems.append(f"field difficulty is {row['difficulty']!r}; use one of {', '.join(DIFFICULTIES)}")
    if "origin" in row and row["origin"] not in ORIGINS:
        problems.append(f"field origin is {row['origin']!r}; use one of {', '.join(ORIGINS)}")
    if row.get("origin") == "real":
        for name in ("source", "license"):
            if not row.get(name, "").strip():
                problems.append(f"a real row needs field {name} (where the passage was taken from, and its licence)")
    if "acts" in row:
        problem = _acts_problem(row, scheme)
        if problem:
            problems.append(problem)
    return problems, True


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
    try:
        check_input_file(path, "corpus")
    except InputError as exc:
        raise CorpusError(str(exc)) from None
    scheme_path = Path(labels) if labels else path.with_name("labels.json")
    if labels and not scheme_path.is_file():
        raise CorpusError(f"{labels}: no such label scheme file")
    scheme = LabelScheme.from_file(scheme_path) if scheme_path.is_file() else None

    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    known = set(REQUIRED_FIELDS) | set(OPTIONAL_FIELDS)
    for number, row, problem in read_rows(path):
        where = f"{path}:{number}"
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        found, keep = _row_problems(row, scheme or LabelScheme.infer([]), known)
        problems += [f"{where}: {p}" for p in found]
        if not keep:
            continue
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
