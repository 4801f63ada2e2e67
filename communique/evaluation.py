"""Honest figures: grouped cross-validation, baselines, calibration and metrics.

Statements about one event share names, places and phrasing, so a split that
puts one event on both sides flatters the model. Every split here is grouped
by event; the ungrouped figure is computed beside it only to show how much a
leaky split would have flattered.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .corpus import LabelScheme, file_sha256
from .errors import CorpusError

__all__ = [
    "calibration_figures",
    "classification_metrics",
    "evaluate_file",
    "fit_temperature",
    "grouped_folds",
    "keyword_baseline",
]

N_BINS = 10


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Per-class precision, recall, F1 and support; macro and micro F1; confusion matrix.

    ``confusion[i][j]`` counts statements of true label ``labels[i]``
    predicted as ``labels[j]``.
    """
    index = {label: i for i, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        confusion[index[t], index[p]] += 1
    true_positive = np.diag(confusion).astype(float)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(true_positive, predicted, out=np.zeros(len(labels)), where=predicted > 0)
    recall = np.divide(true_positive, support, out=np.zeros(len(labels)), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(len(labels)), where=denominator > 0)
    present = support > 0
    return {
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "macro_f1": round(float(f1[present].mean()) if present.any() else 0.0, 4),
        # With one label per statement, micro-F1 equals accuracy.
        "micro_f1": round(float(true_positive.sum() / max(confusion.sum(), 1)), 4),
        "labels": list(labels),
        "confusion": confusion.tolist(),
    }


def calibration_figures(y_true: Sequence[str], probabilities: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Expected calibration error (top label, 10 equal-width bins) and multi-class Brier score."""
    index = {label: i for i, label in enumerate(labels)}
    truth = np.array([index[t] for t in y_true])
    onehot = np.zeros_like(probabilities)
    onehot[np.arange(len(truth)), truth] = 1.0
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    bins = np.minimum((confidence * N_BINS).astype(int), N_BINS - 1)
    ece = 0.0
    table = []
    for b in range(N_BINS):
        mask = bins == b
        if mask.any():
            gap = abs(confidence[mask].mean() - correct[mask].mean())
            ece += mask.mean() * gap
            table.append(
                {
                    "bin": [b / N_BINS, (b + 1) / N_BINS],
                    "count": int(mask.sum()),
                    "confidence": round(float(confidence[mask].mean()), 4),
                    "accuracy": round(float(correct[mask].mean()), 4),
                }
            )
    return {
        "ece": round(float(ece), 4),
        "brier": round(float(((probabilities - onehot) ** 2).sum(axis=1).mean()), 4),
        "log_loss": round(float(-np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-15, 1)).mean()), 4),
        "bins": table,
    }


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T): the same as dividing the logistic-regression logits by T."""
    logits = np.log(np.clip(probabilities, 1e-300, 1)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def fit_temperature(y_true: Sequence[str], probabilities: np.ndarray, labels: Sequence[str]) -> float:
    """The temperature minimising held-out log loss (golden-section search on log T)."""
    index = {label: i for i, label in enumerate(labels)}
    truth = np.array([index[t] for t in y_true])

    def loss(log_t: float) -> float:
        p = apply_temperature(probabilities, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[np.arange(len(truth)), truth], 1e-15, 1)).mean())

    low, high = np.log(0.05), np.log(20.0)
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return round(float(np.exp((low + high) / 2)), 4)


def grouped_folds(
    labels: Sequence[str], groups: Sequence[str], n_splits: int = 5, seed: int = 0, *, grouped: bool = True
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that never split an event (``grouped=False``: plain stratified folds)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    counts = Counter(labels)
    events_per_label: dict[str, set] = {}
    for label, group in zip(labels, groups):
        events_per_label.setdefault(label, set()).add(group)
    thin = sorted(label for label, events in events_per_label.items() if len(events) < n_splits)
    if thin:
        raise CorpusError(
            "too small to validate: label(s) "
            + ", ".join(f"{label!r} ({len(events_per_label[label])} event(s), {counts[label]} rows)" for label in thin)
            + f" need statements from at least {n_splits} events for {n_splits}-fold grouped cross-validation"
        )
    y = np.asarray(labels)
    splitter = (
        StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        if grouped
        else StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    )
    return list(splitter.split(np.zeros(len(y)), y, groups=np.asarray(groups) if grouped else None))


def keyword_baseline(texts: Sequence[str], scheme: LabelScheme, fallback: str) -> list[str]:
    """The codebook as a keyword rule: the highest-precedence label whose cues occur.

    A statement with no cue gets ``fallback`` (the background label when the
    scheme has one, else the majority label).
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


def lift_table(model: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per-class F1 of the model minus that of each baseline."""
    return {
        name: {
            label: round(model["per_class"][label]["f1"] - baseline["per_class"][label]["f1"], 4)
            for label in model["per_class"]
        }
        | {"macro_f1": round(model["macro_f1"] - baseline["macro_f1"], 4)}
        for name, baseline in baselines.items()
    }


def evaluate_file(
    model: Any,
    path: str,
    *,
    text_field: str = "text",
    label_field: str = "label",
    report_dir: str | None = None,
    errors_path: str | None = None,
) -> dict[str, Any]:
    """Score ``model`` on a labelled ``.jsonl`` or ``.csv`` file.

    Rows that cannot be read, or lack a label, are skipped and counted.
    Labels the model does not know are kept (they can only be missed) and
    named in ``notes``.

    Returns
    -------
    dict
        ``metrics`` (as :func:`classification_metrics`), ``calibration``,
        ``baselines``, ``rows``, ``skipped``, ``notes``.
    """
    from pathlib import Path

    from .io import InputSpec, format_of, open_input, parse_record, raw_records
    from .report import write_evaluation_report

    spec = InputSpec(path, format_of(path), text_field)
    source = open_input(spec)
    texts, truth, lines, skipped, notes = [], [], [], 0, []
    try:
        header, records = raw_records(source)
        for line, raw in records:
            record = parse_record(spec, header, line, raw)
            label = record.fields.get(label_field)
            if record.error or not isinstance(label, str) or not label.strip():
                skipped += 1
                if len(notes) < 5:
                    notes.append(f"{path}:{line}: skipped ({record.error or f'no {label_field!r}'})")
                continue
            texts.append(record.text)
            truth.append(label)
            lines.append(line)
    finally:
        source.close()
    if not texts:
        raise CorpusError(f"{path}: no labelled statement found (fields {text_field!r} and {label_field!r})")
    trained_on = model.metadata.get("training", {}).get("corpus", {}).get("sha256")
    if trained_on and path != "-" and trained_on == file_sha256(path):
        notes.append(
            f"{path} is the corpus this model was trained on: these figures measure how well it fits its "
            "training data, not how well it classifies new statements (see report.md in the model folder)"
        )
    unknown = sorted(set(truth) - set(model.labels))
    if unknown:
        notes.append(f"labels the model does not know (always missed): {', '.join(unknown)}")
    labels = list(model.labels) + unknown
    probabilities = np.vstack([model.predict_proba(texts[i : i + 5000]) for i in range(0, len(texts), 5000)])
    predicted = [model.labels[k] for k in probabilities.argmax(axis=1)]
    metrics = classification_metrics(truth, predicted, labels)
    known = [i for i, t in enumerate(truth) if t in model.labels]
    calibration = calibration_figures([truth[i] for i in known], probabilities[known], model.labels)
    majority = Counter(truth).most_common(1)[0][0]
    baselines = {"majority": classification_metrics(truth, [majority] * len(truth), labels)}
    scheme = model.scheme
    if scheme.cues:
        baselines["keyword"] = classification_metrics(
            truth, keyword_baseline(texts, scheme, scheme.background or majority), labels
        )
    errors = [
        {
            "line": lines[i],
            "text": texts[i],
            "label": truth[i],
            "predicted": predicted[i],
            "confidence": round(float(probabilities[i].max()), 4),
        }
        for i in range(len(texts))
        if predicted[i] != truth[i]
    ]
    if errors_path:
        import json

        from .io import write_text

        write_text(Path(errors_path), "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))
    if report_dir:
        write_evaluation_report(Path(report_dir), model, path, metrics, calibration, baselines, errors)
    return {
        "rows": len(texts),
        "skipped": skipped,
        "notes": notes,
        "metrics": metrics,
        "calibration": calibration,
        "baselines": baselines,
        "errors": len(errors),
    }
