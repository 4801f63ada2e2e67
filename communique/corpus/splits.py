"""Held-out splits: whole events (and whole source documents) that validation never trains on."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..errors import CorpusError
from .reading import Corpus

__all__ = ["SPLIT_FILE", "groups_per_label", "heldout_groups", "read_split"]

SPLIT_FILE = "splits.json"


def groups_per_label(labels: Iterable[str], groups: Iterable[str]) -> dict[str, set[str]]:
    """Each label's distinct groups: how many folds a label can be spread over without splitting one."""
    found: dict[str, set[str]] = defaultdict(set)
    for label, group in zip(labels, groups):
        found[label].add(group)
    return dict(found)


def heldout_groups(corpus: Corpus, fraction: float = 0.2, seed: int = 0) -> list[str]:
    """Pick whole groups (events, documents) for a held-out split, about ``fraction`` of the rows.

    Groups are drawn in a seeded random order, and a group is taken only
    while it does not push any label past its share, so every label is
    represented on both sides.
    """
    by_group: dict[str, Counter] = defaultdict(Counter)
    for group, label in zip(corpus.groups, corpus.labels):
        by_group[group][label] += 1
    totals = Counter(corpus.labels)
    quota = {label: fraction * n for label, n in totals.items()}
    taken: Counter = Counter()
    groups = sorted(by_group)
    random.Random(seed).shuffle(groups)
    chosen = []
    for group in groups:
        if all(taken[label] + n <= quota[label] + 1 for label, n in by_group[group].items()):
            chosen.append(group)
            taken.update(by_group[group])
    return sorted(chosen)


def read_split(path: str | Path) -> list[str]:
    """Held-out group keys from a split file: ``heldout_events`` plus, if present, ``heldout_documents``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [str(e) for e in data["heldout_events"]] + [str(d) for d in data.get("heldout_documents", [])]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(
            f'{path}: cannot read the held-out split ({exc}); expected {{"heldout_events": [...]}}'
        ) from exc
