"""Scoring a model on labelled statements: the figures ``evaluate`` prints and the training report shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..models.model import Model
from .baselines import keyword_baseline, majority_label
from .calibration import calibration_figures
from .metrics import act_metrics, classification_metrics, lift_table

__all__ = ["Evaluation", "LabelledStatements", "evaluate_model", "truth_matrix"]

SCORE_CHUNK = 5000


@dataclass
class LabelledStatements:
    """Statements with their true labels and, optionally, their acts, origin and line."""

    texts: list[str]
    labels: list[str]
    acts: list[list[str]] | None = None
    origins: list[str] | None = None
    lines: list[int] | None = None
    ids: list[Any] | None = None

    def take(self, indices: Sequence[int]) -> LabelledStatements:
        pick = lambda values: [values[i] for i in indices] if values is not None else None  # noqa: E731
        return LabelledStatements(
            pick(self.texts), pick(self.labels), pick(self.acts), pick(self.origins), pick(self.lines), pick(self.ids)
        )


@dataclass
class Evaluation:
    """Every figure of one model on one set of labelled statements."""

    rows: int
    metrics: dict[str, Any]
    calibration: dict[str, Any]
    baselines: dict[str, dict[str, Any]]
    lift: dict[str, dict[str, float]]
    acts: dict[str, Any] | None = None
    mixed: dict[str, Any] | None = None
    by_origin: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    no_known_terms: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            **self.metrics,
            "calibration": self.calibration,
            "baselines": self.baselines,
            "lift": self.lift,
            "acts": self.acts,
            "mixed": self.mixed,
            "by_origin": self.by_origin,
            "no_known_terms": self.no_known_terms,
        }


def truth_matrix(
    classes: Sequence[str], decision: str, background: str | None, labels: Sequence[str], acts: Sequence[Sequence[str]]
) -> np.ndarray:
    """What each probability column should have said: one-hot labels, or act indicators for detectors."""
    index = {label: k for k, label in enumerate(classes)}
    truth = np.zeros((len(labels), len(classes)))
    for i, (label, row_acts) in enumerate(zip(labels, acts)):
        if decision == "single":
            if label in index:
                truth[i, index[label]] = 1
            continue
        for act in row_acts:
            if act in index:
                truth[i, index[act]] = 1
        if not row_acts and background in index:
            truth[i, index[background]] = 1
    return truth


def _acts_of(data: LabelledStatements, model: Model) -> list[list[str]]:
    if data.acts is not None:
        return data.acts
    return [model.scheme.acts_of_label(label) for label in data.labels]


def evaluate_model(model: Model, data: LabelledStatements, *, train_labels: Sequence[str] | None = None) -> Evaluation:
    """Score ``model`` on ``data``: labels, calibration, baselines, acts, mixed statements, origins, errors.

    Labels the model does not know are kept (they can only be missed).
    ``train_labels`` gives the majority baseline its label (default: the
    majority of ``data``).
    """
    probabilities, known = [], []
    for start in range(0, len(data.texts), SCORE_CHUNK):
        scores, counts = model.scorer.scores(data.texts[start : start + SCORE_CHUNK])
        probabilities.append(model.scorer.probabilities(scores))
        known.append(counts)
    probabilities = np.vstack(probabilities) if probabilities else np.zeros((0, len(model.classes_)))
    known_terms = np.concatenate(known) if known else np.zeros(0, dtype=np.int64)
    decided = model.decide(probabilities)
    classes = model.classes_
    predicted = [classes[k] for k in decided.labels]
    labels = list(dict.fromkeys([*model.scheme.precedence, *classes, *sorted(set(data.labels) - set(classes))]))
    metrics = classification_metrics(data.labels, predicted, labels)

    true_acts = _acts_of(data, model)
    predicted_acts = [[classes[k] for k in np.flatnonzero(row)] for row in decided.present]
    predicted_acts = [model.scheme.ordered(a) for a in predicted_acts]
    truth = truth_matrix(classes, model.decision, model.scheme.background, data.labels, true_acts)
    correct = np.array([p == t for p, t in zip(predicted, data.labels)])
    calibration = calibration_figures(truth, probabilities, correct, decided.confidence, model.scorer.link)

    majority = majority_label(train_labels or data.labels)
    baselines = {"majority": classification_metrics(data.labels, [majority] * len(data.labels), labels)}
    scheme = model.scheme
    if scheme.cues:
        guesses = keyword_baseline(data.texts, scheme, scheme.background or majority)
        baselines["keyword"] = classification_metrics(data.labels, guesses, labels)

    act_figures = mixed = None
    if scheme.acts:
        act_figures = act_metrics(true_acts, predicted_acts, scheme.acts)
        multi = [i for i, a in enumerate(true_acts) if len(a) >= 2]
        mixed = {
            "statements": len(multi),
            "label_accuracy": round(float(np.mean([correct[i] for i in multi])), 4) if multi else None,
            "acts_all_found": round(float(np.mean([set(true_acts[i]) <= set(predicted_acts[i]) for i in multi])), 4)
            if multi
            else None,
        }
    by_origin = {}
    if data.origins is not None and len(set(data.origins)) > 1:
        for origin in sorted(set(data.origins)):
            rows = [i for i, o in enumerate(data.origins) if o == origin]
            by_origin[origin] = classification_metrics(
                [data.labels[i] for i in rows], [predicted[i] for i in rows], labels
            ) | {"rows": len(rows)}
    errors = [
        {
            "line": data.lines[i] if data.lines else None,
            "id": data.ids[i] if data.ids else None,
            "text": data.texts[i],
            "label": data.labels[i],
            "predicted": predicted[i],
            "confidence": round(float(decided.confidence[i]), 4),
            "acts": true_acts[i],
            "predicted_acts": predicted_acts[i],
        }
        for i in range(len(data.texts))
        if predicted[i] != data.labels[i]
    ]
    return Evaluation(
        rows=len(data.texts),
        metrics=metrics,
        calibration=calibration,
        baselines=baselines,
        lift=lift_table(metrics, baselines),
        acts=act_figures,
        mixed=mixed,
        by_origin=by_origin,
        errors=errors,
        no_known_terms=int((known_terms == 0).sum()),
    )
