"""Calibration: how far confidence matches accuracy, and the scalings that bring them together.

A single-label model is rescaled by one temperature (its logits divided by T);
act detectors by Platt scaling, one ``a * logit + b`` per detector. Either folds
into the logistic-regression coefficients, so the saved model needs no extra
step and the numpy and scikit-learn forms stay equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["N_BINS", "apply_platt", "apply_temperature", "calibration_figures", "fit_platt", "fit_temperature"]

N_BINS = 10
_EPSILON = 1e-15


def calibration_figures(
    truth: np.ndarray, probabilities: np.ndarray, correct: np.ndarray, confidence: np.ndarray, link: str = "softmax"
) -> dict[str, Any]:
    """Expected calibration error of the decided label (10 equal-width bins), Brier score and log loss.

    Parameters
    ----------
    truth : ndarray of shape (n, n_columns)
        One-hot true labels (single-label model) or true act indicators (detectors).
    probabilities : ndarray of the same shape
    correct : ndarray of bool, shape (n,)
        Whether each decided label was right.
    confidence : ndarray, shape (n,)
        The probability given to each decided label.
    link : {"softmax", "sigmoid"}
        Softmax rows: the log loss is that of the true label. Sigmoid
        detectors: the sum of each detector's binary log loss.
    """
    bins = np.minimum((confidence * N_BINS).astype(int), N_BINS - 1)
    ece = 0.0
    table = []
    for b in range(N_BINS):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
            table.append(
                {
                    "bin": [b / N_BINS, (b + 1) / N_BINS],
                    "count": int(mask.sum()),
                    "confidence": round(float(confidence[mask].mean()), 4),
                    "accuracy": round(float(correct[mask].mean()), 4),
                }
            )
    clipped = np.clip(probabilities, _EPSILON, 1 - _EPSILON)
    if link == "softmax":
        log_loss = -np.log(np.clip((probabilities * truth).sum(axis=1), _EPSILON, 1)).mean()
    else:
        log_loss = -(truth * np.log(clipped) + (1 - truth) * np.log(1 - clipped)).sum(axis=1).mean()
    return {
        "ece": round(float(ece), 4),
        "brier": round(float(((probabilities - truth) ** 2).sum(axis=1).mean()), 4),
        "log_loss": round(float(log_loss), 4),
        "bins": table,
    }


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log p / T): the same as dividing the logistic-regression logits by T."""
    logits = np.log(np.clip(probabilities, 1e-300, 1)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def fit_temperature(truth: np.ndarray, probabilities: np.ndarray) -> float:
    """The temperature minimising the log loss of one-hot ``truth`` (golden-section search on log T)."""
    rows, columns = np.nonzero(truth)

    def loss(log_t: float) -> float:
        p = apply_temperature(probabilities, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[rows, columns], _EPSILON, 1)).mean())

    ratio = (np.sqrt(5) - 1) / 2
    low, high = np.log(0.05), np.log(20.0)
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    loss_a, loss_b = loss(a), loss(b)
    for _ in range(60):  # each step reuses one of the two losses it already knows
        if loss_a < loss_b:
            high, b, loss_b = b, a, loss_a
            a = high - ratio * (high - low)
            loss_a = loss(a)
        else:
            low, a, loss_a = a, b, loss_b
            b = low + ratio * (high - low)
            loss_b = loss(b)
    return round(float(np.exp((low + high) / 2)), 4)


def _logit(probabilities: np.ndarray) -> np.ndarray:
    p = np.clip(probabilities, _EPSILON, 1 - _EPSILON)
    return np.log(p) - np.log1p(-p)


def fit_platt(truth: np.ndarray, probabilities: np.ndarray) -> list[tuple[float, float]]:
    """Per column, the ``(a, b)`` for which ``sigmoid(a * logit(p) + b)`` best fits ``truth``."""
    from sklearn.linear_model import LogisticRegression

    scalings = []
    for k in range(truth.shape[1]):
        z = _logit(probabilities[:, k]).reshape(-1, 1)
        if truth[:, k].min() == truth[:, k].max():  # one class only: nothing to fit
            scalings.append((1.0, 0.0))
            continue
        fit = LogisticRegression(C=1e6, max_iter=1000).fit(z, truth[:, k])
        scalings.append((round(float(fit.coef_[0, 0]), 6), round(float(fit.intercept_[0]), 6)))
    return scalings


def apply_platt(probabilities: np.ndarray, scalings: list[tuple[float, float]]) -> np.ndarray:
    z = _logit(probabilities) * np.array([a for a, _ in scalings]) + np.array([b for _, b in scalings])
    return 1 / (1 + np.exp(-z))
