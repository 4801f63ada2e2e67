"""The linear part: TF-IDF features times coefficients, then a softmax or one sigmoid per class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ModelError
from .analyzers import TfidfBlock

__all__ = ["LINKS", "Scorer"]

# "softmax": one multinomial logistic regression, probabilities summing to one.
# "sigmoid": one binary logistic regression per class (one-vs-rest), each its own probability.
LINKS = ("softmax", "sigmoid")


class Scorer:
    """A TF-IDF + logistic-regression classifier that scores text with numpy alone.

    Parameters
    ----------
    blocks : list of TfidfBlock
        The vectorizers whose outputs are stacked side by side (one block for a
        plain ``TfidfVectorizer``, several for a ``FeatureUnion``).
    coef : ndarray of shape (n_classes, n_features)
        Logistic-regression weights. A binary softmax model is stored as two
        rows, the first all zeros, because softmax([0, z]) equals the sigmoid of z.
    intercept : ndarray of shape (n_classes,)
    classes : list of str
        Labels in the order of ``coef`` rows.
    link : {"softmax", "sigmoid"}
        How scores become probabilities.

    Attributes
    ----------
    classes_, coef_, intercept_
        As in scikit-learn's ``LogisticRegression``.
    """

    def __init__(
        self,
        blocks: list[TfidfBlock],
        coef: np.ndarray,
        intercept: np.ndarray,
        classes: list[str],
        link: str = "softmax",
    ):
        self.blocks = blocks
        # Copies: the arrays of a fitted estimator must not change under the scorer, nor the other way round.
        self.coef_ = np.array(coef, dtype=np.float64)
        self.intercept_ = np.array(intercept, dtype=np.float64)
        self.classes_ = list(classes)
        self.link = link
        if link not in LINKS:
            raise ModelError(f"link {link!r} is not one of {', '.join(LINKS)}")
        n_features = sum(b.n_features for b in blocks)
        if self.coef_.shape != (len(self.classes_), n_features) or self.intercept_.shape != (len(self.classes_),):
            raise ModelError(
                f"weights do not fit together: coef {self.coef_.shape}, intercept {self.intercept_.shape}, "
                f"{len(self.classes_)} labels, {n_features} features"
            )
        self._offsets = np.cumsum([0] + [b.n_features for b in blocks])[:-1]
        # column-major copy: each feature's weights for all classes are contiguous
        self._coef_by_feature = np.ascontiguousarray(self.coef_.T)
        self.terms = [t for b in blocks for t in b.terms]

    def features(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Stacked TF-IDF triplets (row, column, value) of all blocks."""
        parts = [b.transform(texts) for b in self.blocks]
        rows = np.concatenate([p[0] for p in parts])
        cols = np.concatenate([p[1] + off for p, off in zip(parts, self._offsets)])
        values = np.concatenate([p[2] for p in parts])
        return rows, cols, values

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Decision scores, shape (n_texts, n_classes), and how many known n-grams each text has."""
        rows, cols, values = self.features(texts)
        scores = np.zeros((len(texts), len(self.classes_)))
        if len(rows):
            contributions = self._coef_by_feature[cols] * values[:, None]
            if len(self.blocks) > 1:  # blocks are concatenated; bring each row's entries together
                order = np.argsort(rows, kind="stable")
                rows, contributions = rows[order], contributions[order]
            starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])  # rows are sorted
            scores[rows[starts]] = np.add.reduceat(contributions, starts, axis=0)
        return scores + self.intercept_, np.bincount(rows, minlength=len(texts))

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        return self.scores(texts)[0]

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Decision scores turned into probabilities by the link (in place)."""
        if self.link == "sigmoid":
            # 1 / (1 + exp(-z)), written so that neither branch overflows
            exp = np.exp(-np.abs(scores))
            return np.where(scores < 0, exp / (1 + exp), 1 / (1 + exp))
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape (n_texts, n_classes), columns in ``classes_`` order."""
        if isinstance(texts, str):
            raise TypeError("Iterable over raw text documents expected, string object received.")
        return self.probabilities(self.decision_function(list(texts)))

    def contributions(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns present in ``text`` and their per-class score contributions."""
        rows, cols, values = self.features([text])
        return cols, self._coef_by_feature[cols] * values[:, None]

    def settings(self) -> dict[str, Any]:
        """What ``model.json`` records to rebuild this scorer from its arrays."""
        return {"classes": self.classes_, "link": self.link, "blocks": [b.settings() for b in self.blocks]}

    def top_terms(self, label: str, n: int = 20) -> list[tuple[str, float]]:
        """The ``n`` n-grams with the largest weight towards ``label``.

        Softmax weights are relative, so each is taken against the mean over
        the labels; a sigmoid head's weights stand on their own.
        """
        k = self.classes_.index(label)
        relative = self.link == "softmax" and len(self.classes_) > 2
        weights = self.coef_[k] - (self.coef_.mean(axis=0) if relative else 0)
        order = np.argsort(-weights)[:n]
        return [(self.terms[j], float(weights[j])) for j in order]
