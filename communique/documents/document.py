"""Whole documents: classify each sentence, then summarise by the label precedence.

An article or briefing transcript carries several responses from several
speakers. Each sentence is classified on its own; the document summary lists
every act found with the sentences that carry it (all the acts of each
sentence, not only its label), and gives one overall label: the act found
highest in the label scheme's precedence. Sentences without an act stay in
the output but do not drive it. Sentences are numbered from 1, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models.model import Model, Prediction
from .segmentation import split_sentences

__all__ = ["DocumentResult", "SentenceResult", "classify_document"]


@dataclass
class SentenceResult:
    """One sentence: its number (from 1), its offsets in the document and its prediction."""

    number: int
    start: int
    end: int
    text: str
    prediction: Prediction

    def to_dict(self) -> dict[str, Any]:
        return {"sentence": self.number, "start": self.start, "end": self.end, "text": self.text} | (
            self.prediction.to_dict()
        )


@dataclass
class DocumentResult:
    """Per-sentence predictions plus the document summary.

    Attributes
    ----------
    label : str
        The overall label: the highest-precedence act found, else the
        background label.
    confidence : float
        The highest probability with which a sentence carries that act.
    acts : dict
        Each act found -> the numbers (from 1) of the sentences that carry it,
        in precedence order.
    sentences : list of SentenceResult
    """

    label: str
    confidence: float
    acts: dict[str, list[int]]
    sentences: list[SentenceResult]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": self.confidence,
            "acts": self.acts,
            "sentences": [s.to_dict() for s in self.sentences],
        }


def summarise(sentences: list[SentenceResult], model: Model) -> DocumentResult:
    """The document's acts and overall label from its sentences' predictions."""
    scheme = model.scheme
    found: dict[str, list[int]] = {}
    strength: dict[str, float] = {}
    for s in sentences:
        for act, probability in s.prediction.acts.items():
            found.setdefault(act, []).append(s.number)
            strength[act] = max(strength.get(act, 0.0), probability)
    acts = {act: found[act] for act in scheme.ordered(found)}
    if acts:
        label = next(iter(acts))
        return DocumentResult(label, strength[label], acts, sentences)
    label = scheme.background or (sentences[0].prediction.label if sentences else "")
    confidence = min((s.prediction.scores.get(label, 0.0) for s in sentences), default=0.0)
    return DocumentResult(label, confidence, {}, sentences)


def classify_document(text: str, model: Model | None = None, *, explain: bool = False) -> DocumentResult:
    """Split ``text`` into sentences, classify each, and summarise.

    Parameters
    ----------
    text : str
        An article, transcript or statement.
    model : Model, optional
        Default: the bundled model.
    explain : bool
        Add each sentence's explanation.

    Returns
    -------
    DocumentResult
    """
    if model is None:
        from ..models.loading import load_model

        model = load_model()
    pieces = split_sentences(text)
    predictions = model.predict([p.text for p in pieces], explain=explain) if pieces else []
    sentences = [
        SentenceResult(n, p.start, p.end, p.text, prediction)
        for n, (p, prediction) in enumerate(zip(pieces, predictions), 1)
    ]
    return summarise(sentences, model)
