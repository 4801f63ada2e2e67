"""Whole documents: classify each sentence, then summarise by the label precedence.

An article or briefing transcript carries several responses from several
speakers. Each sentence is classified on its own; the document summary lists
the acts found with the sentences that carry them, and gives one overall
label: the found act highest in the label scheme's precedence. Sentences with
the background label (``other``) stay in the output but do not drive it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Model, Prediction, load_model
from .segmentation import split_sentences

__all__ = ["DocumentResult", "SentenceResult", "classify_document"]


@dataclass
class SentenceResult:
    """One sentence, its offsets in the document and its prediction."""

    start: int
    end: int
    text: str
    prediction: Prediction

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, **self.prediction.to_dict()}


@dataclass
class DocumentResult:
    """Per-sentence predictions plus the document summary.

    Attributes
    ----------
    label : str
        The overall label: the highest-precedence act found, else the
        background label.
    acts : dict
        Each act found (background excluded) -> indices of its sentences,
        in precedence order.
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
        ``confidence`` is that of the sentence that set the overall label
        (the most confident one carrying it).
    """
    model = model or load_model()
    pieces = split_sentences(text)
    predictions = model.predict([p.text for p in pieces], explain=explain) if pieces else []
    sentences = [SentenceResult(p.start, p.end, p.text, pred) for p, pred in zip(pieces, predictions)]
    scheme = model.scheme
    found: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        if s.prediction.label != scheme.background:
            found.setdefault(s.prediction.label, []).append(i)
    ordered = [label for label in scheme.precedence if label in found]
    acts = {label: found[label] for label in ordered}
    if ordered:
        label = ordered[0]
        confidence = max(sentences[i].prediction.confidence for i in acts[label])
    else:
        label = scheme.background or (predictions[0].label if predictions else "")
        confidence = max((s.prediction.confidence for s in sentences), default=0.0)
    return DocumentResult(label, confidence, acts, sentences)
