"""Whole documents, sentence by sentence: per-sentence figures and the agreement of each document's acts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..documents.document import classify_document
from ..documents.segmentation import split_sentences
from ..models.model import Model
from .metrics import act_metrics, classification_metrics

__all__ = ["DocumentEvaluation", "evaluate_documents"]


@dataclass
class DocumentEvaluation:
    """How a model reads labelled documents: each gold sentence, and each document's set of acts."""

    documents: int
    sentences: int
    metrics: dict[str, Any]  # per gold sentence
    document_acts: dict[str, Any]  # acts of each document, predicted from its sentences vs gold
    act_sets_equal: float
    segmentation_agreement: float  # share of gold sentences the splitter cuts the same way

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "sentence_metrics": self.metrics,
            "document_acts": self.document_acts,
            "act_sets_equal": self.act_sets_equal,
            "segmentation_agreement": self.segmentation_agreement,
        }


def evaluate_documents(model: Model, documents: list[dict[str, Any]]) -> DocumentEvaluation:
    """Score ``model`` on documents labelled sentence by sentence.

    Sentence figures classify each gold sentence span, so they measure the
    classifier alone; document acts run the whole ``--by-sentence`` path
    (splitter included) and compare the acts found with the gold ones.
    """
    scheme = model.scheme
    truth, predicted, gold_sets, found_sets = [], [], [], []
    same_spans = total_spans = 0
    for document in documents:
        text = document["text"]
        gold = document["sentences"]
        spans = [text[s["start"] : s["end"]] for s in gold]
        predicted += [p.label for p in model.predict(spans)]
        truth += [s["label"] for s in gold]
        cut = {(s.start, s.end) for s in split_sentences(text)}
        same_spans += sum((s["start"], s["end"]) in cut for s in gold)
        total_spans += len(gold)
        gold_acts = {act for s in gold for act in s.get("acts", scheme.acts_of_label(s["label"]))}
        gold_sets.append(scheme.ordered(gold_acts))
        found_sets.append(list(classify_document(text, model).acts))
    labels = list(dict.fromkeys([*scheme.precedence, *model.classes_, *sorted(set(truth))]))
    acts = act_metrics(gold_sets, found_sets, scheme.acts)
    return DocumentEvaluation(
        documents=len(documents),
        sentences=total_spans,
        metrics=classification_metrics(truth, predicted, labels),
        document_acts=acts,
        act_sets_equal=acts["exact_set"],
        segmentation_agreement=round(same_spans / total_spans, 4) if total_spans else 0.0,
    )
