"""Stage 1 of training: read the corpus, check it can be validated, and split off the held-out groups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..corpus.reading import MIN_EXAMPLES, Corpus, read_corpus
from ..corpus.splits import SPLIT_FILE, groups_per_label, heldout_groups, read_split
from ..errors import CorpusError
from ..evaluation.scoring import LabelledStatements
from .config import TrainingConfig

__all__ = ["HELDOUT_FRACTION", "TrainingData", "prepare"]

HELDOUT_FRACTION = 0.2


@dataclass
class TrainingData:
    """A validated corpus, what a model learns from it, and its split into training and held-out rows."""

    corpus: Corpus
    classes: list[str]
    decision: str
    train_index: list[int]
    test_index: list[int]
    split_source: str
    heldout_groups: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return self.corpus.texts

    @property
    def labels(self) -> list[str]:
        return self.corpus.labels

    def statements(self, indices: list[int] | None = None) -> LabelledStatements:
        data = LabelledStatements(
            self.corpus.texts,
            self.corpus.labels,
            self.corpus.acts,
            self.corpus.origins,
            [r["line"] for r in self.corpus.rows],
            [r.get("id") for r in self.corpus.rows],
        )
        return data if indices is None else data.take(indices)

    def target(self, indices: list[int], decision: str | None = None) -> list[str] | np.ndarray:
        """What the classifier learns for these rows: labels, or act indicators (background: no act)."""
        if (decision or self.decision) == "single":
            return [self.corpus.labels[i] for i in indices]
        acts = self.corpus.acts
        column = {c: k for k, c in enumerate(self.classes)}
        background = self.corpus.scheme.background
        matrix = np.zeros((len(indices), len(self.classes)), dtype=np.int64)
        for row, i in enumerate(indices):
            for act in acts[i] or [background]:
                matrix[row, column[act]] = 1
        return matrix

    def weights(self, indices: list[int], config: TrainingConfig) -> np.ndarray:
        origins = self.corpus.origins
        return np.array([config.real_weight if origins[i] == "real" else 1.0 for i in indices])

    def origins_present(self) -> set[str]:
        return set(self.corpus.origins)


def _choose_decision(corpus: Corpus, config: TrainingConfig) -> tuple[str, list[str]]:
    if config.decision not in ("acts", "single"):
        raise CorpusError(f"decision {config.decision!r} is not one of acts, single")
    if config.decision == "single":
        return "single", []
    if not corpus.has_acts or corpus.scheme.background is None:
        missing = "rows without an acts field" if not corpus.has_acts else "no background label in labels.json"
        return "single", [f"the corpus cannot train act detectors ({missing}): trained one single-label model instead"]
    return "acts", []


def _check_size(corpus: Corpus, n_splits: int) -> None:
    needed = n_splits + 1
    spread = groups_per_label(corpus.labels, corpus.groups)
    thin = {label: events for label, events in sorted(spread.items()) if len(events) < needed}
    if thin:
        counts = Counter(corpus.labels)
        raise CorpusError(
            f"{corpus.path}: too small to validate: label(s) "
            + ", ".join(f"{label!r} ({len(events)} event(s), {counts[label]} rows)" for label, events in thin.items())
            + f" need statements from at least {needed} events ({n_splits} grouped folds and a held-out split);"
            " add statements about more events"
        )


def _split(corpus: Corpus, split: str | Path | None, seed: int) -> tuple[list[str], str]:
    path = Path(split) if split else corpus.path.with_name(SPLIT_FILE)
    if path.is_file():
        groups = read_split(path)
        unknown = sorted(set(groups) - set(corpus.groups))
        if unknown:
            raise CorpusError(f"{path}: held-out group(s) not in the corpus: {', '.join(unknown[:5])}")
        return groups, str(path.name)
    if split:
        raise CorpusError(f"{split}: no such split file")
    return heldout_groups(corpus, HELDOUT_FRACTION, seed), f"seeded pick of events (seed {seed})"


def prepare(
    corpus_path: str | Path,
    config: TrainingConfig,
    *,
    labels: str | Path | None = None,
    split: str | Path | None = None,
    seed: int = 0,
    min_examples: int = MIN_EXAMPLES,
) -> TrainingData:
    """Read and check the corpus, decide how labels are learned, and split off the held-out groups."""
    corpus = read_corpus(corpus_path, labels, min_examples=min_examples)
    decision, notes = _choose_decision(corpus, config)
    _check_size(corpus, config.n_splits)
    groups, source = _split(corpus, split, seed)
    held = set(groups)
    train_index = [i for i, g in enumerate(corpus.groups) if g not in held]
    test_index = [i for i, g in enumerate(corpus.groups) if g in held]
    missing = sorted(set(corpus.labels) - {corpus.labels[i] for i in test_index})
    if missing:
        raise CorpusError(f"held-out split has no statement of label(s) {', '.join(missing)}; add events or change it")
    return TrainingData(
        corpus=corpus,
        classes=sorted(set(corpus.labels)),
        decision=decision,
        train_index=train_index,
        test_index=test_index,
        split_source=source,
        heldout_groups=sorted(held),
        notes=notes,
    )
