"""Classification figures, computed by ``sklearn.metrics`` and kept as plain, rounded dicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["act_metrics", "classification_metrics", "lift_table"]

DECIMALS = 4


def _round(value: float) -> float:
    return round(float(value), DECIMALS)


def _per_name(names, precision, recall, f1, support) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "precision": _round(precision[k]),
            "recall": _round(recall[k]),
            "f1": _round(f1[k]),
            "support": int(support[k]),
        }
        for k, name in enumerate(names)
    }


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Per-class precision, recall, F1 and support; macro-F1, accuracy; confusion matrix.

    ``macro_f1`` is ``sklearn.metrics.f1_score(average="macro")``: the mean over
    the labels that occur in ``y_true`` or ``y_pred``. ``per_class`` lists every
    label in ``labels``. ``micro_f1`` equals accuracy (one label per statement).
    ``confusion[i][j]`` counts statements of true label ``labels[i]``
    predicted as ``labels[j]``.

    >>> m = classification_metrics(["a", "a", "b"], ["a", "b", "b"], ["a", "b", "c"])
    >>> m["macro_f1"], m["micro_f1"], m["per_class"]["c"]["support"]
    (0.6667, 0.6667, 0)
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "per_class": _per_name(labels, precision, recall, f1, support),
        "macro_f1": _round(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "micro_f1": _round(accuracy_score(y_true, y_pred)),
        "labels": labels,
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def act_metrics(
    true_acts: Sequence[Sequence[str]], predicted_acts: Sequence[Sequence[str]], acts: Sequence[str]
) -> dict[str, Any]:
    """Act detection: per-act precision, recall and F1 over statements; micro and macro F1; exact sets.

    >>> m = act_metrics([["x", "y"], []], [["x"], ["y"]], ["x", "y"])
    >>> m["per_act"]["x"]["f1"], m["per_act"]["y"]["f1"], m["exact_set"]
    (1.0, 0.0, 0.0)
    """
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    acts = list(acts)
    index = {a: k for k, a in enumerate(acts)}
    truth = np.zeros((len(true_acts), len(acts)), dtype=int)
    guess = np.zeros_like(truth)
    for i, (t, p) in enumerate(zip(true_acts, predicted_acts)):
        truth[i, [index[a] for a in t if a in index]] = 1
        guess[i, [index[a] for a in p if a in index]] = 1
    precision, recall, f1, support = precision_recall_fscore_support(truth, guess, zero_division=0)
    return {
        "per_act": _per_name(acts, precision, recall, f1, support),
        "micro_f1": _round(f1_score(truth, guess, average="micro", zero_division=0)),
        "macro_f1": _round(f1_score(truth, guess, average="macro", zero_division=0)),
        "exact_set": _round((truth == guess).all(axis=1).mean()) if len(truth) else 0.0,
        "statements": len(truth),
    }


def lift_table(model: dict[str, Any], baselines: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per-class F1 of the model minus that of each baseline, and the same for macro-F1."""
    return {
        name: {
            label: _round(model["per_class"][label]["f1"] - baseline["per_class"][label]["f1"])
            for label in model["per_class"]
        }
        | {"macro_f1": _round(model["macro_f1"] - baseline["macro_f1"])}
        for name, baseline in baselines.items()
    }
