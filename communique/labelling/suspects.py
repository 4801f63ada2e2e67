"""``corpus suspects``: the rows whose given label the model doubts, most doubtful first.

Confident learning (Northcutt et al., as in cleanlab), on the out-of-fold
probabilities of the same grouped cross-validation ``train`` uses: each label
``j`` gets a threshold ``t_j``, the mean probability of ``j`` over the rows
labelled ``j``. A row is suspect when some other label reaches its own
threshold; the suggested label is the likeliest of those. Suspects are ranked
by self-confidence, the probability of the given label, lowest first (as
cleanlab ranks label issues); ``margin`` says how far the suggested label
leads the given one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..corpus.reading import MIN_EXAMPLES, read_corpus
from ..training.config import TrainingConfig
from ..training.data import TrainingData
from ..training.stages import grouped_folds, out_of_fold

__all__ = ["Suspect", "find_suspects"]


@dataclass
class Suspect:
    """A row whose label the model doubts."""

    line: int
    id: Any
    text: str
    label: str
    suggested: str
    confidence: float  # the probability of the given label: the lower, the more doubtful
    margin: float
    scores: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_suspects(
    corpus: str | Path,
    *,
    labels: str | Path | None = None,
    config: TrainingConfig | None = None,
    seed: int = 0,
    min_examples: int = MIN_EXAMPLES,
) -> list[Suspect]:
    """Every suspect row of ``corpus``, most doubtful first (see the module docstring)."""
    config = replace(config or TrainingConfig(), decision="single")
    read = read_corpus(corpus, labels, min_examples=min_examples)
    everything = list(range(len(read.rows)))
    data = TrainingData(read, sorted(set(read.labels)), "single", everything, [], "", [])
    given = data.labels
    folds = grouped_folds(given, data.corpus.groups, config.n_splits, seed)
    probabilities = out_of_fold(data, everything, folds, config, "single")
    classes = data.classes
    truth = np.array([classes.index(label) for label in given])
    thresholds = np.array(
        [probabilities[truth == k, k].mean() if (truth == k).any() else 1.0 for k in range(len(classes))]
    )
    suspects = []
    for i, row in enumerate(probabilities):
        above = row >= thresholds
        above[truth[i]] = False
        if not above.any():
            continue
        suggested = int(np.argmax(np.where(above, row, -1.0)))
        record = data.corpus.rows[i]
        suspects.append(
            Suspect(
                line=record["line"],
                id=record.get("id"),
                text=record["text"],
                label=given[i],
                suggested=classes[suggested],
                confidence=round(float(row[truth[i]]), 4),
                margin=round(float(row[suggested] - row[truth[i]]), 4),
                scores={c: round(float(p), 4) for c, p in zip(classes, row)},
            )
        )
    suspects.sort(key=lambda s: (s.confidence, -s.margin))
    return suspects
