"""Baselines every model is measured against: the majority label and the codebook's cue words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ..base.labels import LabelScheme

__all__ = ["keyword_baseline", "majority_label"]


def majority_label(labels: Sequence[str]) -> str:
    return Counter(labels).most_common(1)[0][0]


def keyword_baseline(texts: Sequence[str], scheme: LabelScheme, fallback: str) -> list[str]:
    """The codebook as a keyword rule: the highest-precedence label whose cues occur.

    A statement with no cue gets ``fallback`` (the background label when the
    scheme has one, else the majority label).

    >>> scheme = LabelScheme(["threat", "other"], "other", cues={"threat": ["sanction"]})
    >>> keyword_baseline(["New sanctions today.", "Talks went well."], scheme, "other")
    ['threat', 'other']
    """
    patterns = [
        (label, re.compile("|".join(f"(?:{c})" for c in scheme.cues[label]), re.IGNORECASE))
        for label in scheme.precedence
        if scheme.cues.get(label)
    ]
    predictions = []
    for text in texts:
        found = next((label for label, pattern in patterns if pattern.search(text)), None)
        predictions.append(found or fallback)
    return predictions
