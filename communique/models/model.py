"""A trained model in memory: its scorer, how it decides a label, and its predictions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..base.labels import LabelScheme
from ..errors import InputError, ModelError
from ..inference.scorer import Scorer

__all__ = ["DECISIONS", "Model", "Prediction", "as_statements", "first_act"]

# "single": one softmax over the labels; the label is the most probable one.
# "acts": one calibrated detector per act; the label is the first act, by the
#         scheme's precedence, whose probability reaches its threshold.
DECISIONS = ("single", "acts")
EXPLAIN_TOP = 8


def as_statements(texts: Any) -> tuple[list[str], bool]:
    """The statements in ``texts`` and whether a single one was given; refuses what is not text.

    >>> as_statements("We stand with you.")
    (['We stand with you.'], True)
    >>> as_statements(b"bytes")
    Traceback (most recent call last):
    ...
    TypeError: expected a str or an iterable of str, not bytes; decode bytes first
    """
    if isinstance(texts, str):
        texts, single = [texts], True
    elif isinstance(texts, (bytes, bytearray)):
        raise TypeError(f"expected a str or an iterable of str, not {type(texts).__name__}; decode bytes first")
    else:
        try:
            texts, single = list(texts), False
        except TypeError:
            raise TypeError(f"expected a str or an iterable of str, not {type(texts).__name__}") from None
    for i, text in enumerate(texts, 1):
        if not isinstance(text, str):
            raise TypeError(f"statement {i} is {type(text).__name__}, not str; give text only")
        if not text.strip():
            raise InputError(f"statement {i} is empty; there is nothing to classify")
    return texts, single


def first_act(
    probabilities: np.ndarray, act_columns: np.ndarray, thresholds: np.ndarray, fallback: np.ndarray | int
) -> tuple[np.ndarray, np.ndarray]:
    """The codebook's rule for act detectors, on rows of probabilities.

    ``act_columns`` are the acts' columns in precedence order and
    ``thresholds`` the probability each must reach. Returns each row's label
    column (the first act that reaches its threshold, else ``fallback``) and
    which acts reached theirs, shape (rows, acts).
    """
    found = probabilities[:, act_columns] >= thresholds
    if not len(act_columns):
        return np.broadcast_to(fallback, len(probabilities)).astype(np.int64), found
    return np.where(found.any(axis=1), act_columns[found.argmax(axis=1)], fallback), found


@dataclass
class Prediction:
    """The response a model gives one statement.

    Attributes
    ----------
    label : str
        The label: by the codebook's precedence, the strongest act found, else
        the background label (``other``).
    confidence : float
        The probability of ``label``.
    scores : dict
        Every label's probability, in the model's label order. For a
        single-label model they sum to one; for act detectors each is the
        probability that this act is present, on its own.
    acts : dict
        Each act found -> its probability, strongest first (empty for ``other``).
    known_terms : int
        How many of the statement's n-grams the model knows. With 0 the label
        rests on nothing but the model's prior: treat it as unknown.
    explanation : dict or None
        With ``explain=True``: for the label, or for each act found, the n-grams
        that pushed the statement most towards it, with their weights.
    """

    label: str
    confidence: float
    scores: dict[str, float]
    acts: dict[str, float] = field(default_factory=dict)
    known_terms: int = 0
    explanation: dict[str, list[tuple[str, float]]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "confidence": self.confidence,
            "scores": self.scores,
            "acts": self.acts,
            "known_terms": self.known_terms,
        }
        if self.explanation is not None:
            out["explanation"] = {
                name: [{"ngram": t, "weight": w} for t, w in terms] for name, terms in self.explanation.items()
            }
        return out


@dataclass
class Decisions:
    """Labels decided for a batch of probability rows, as column indices into ``classes_``."""

    labels: np.ndarray  # index of each row's label
    confidence: np.ndarray
    present: np.ndarray  # (rows, classes) bool: act found


@dataclass
class Model:
    """A trained classifier: the numpy scorer plus what ``model.json`` says of it.

    Attributes
    ----------
    classes_ : list of str
        The column order of :meth:`predict_proba` (``labels`` is the same list).
    decision : {"single", "acts"}
        How a label is chosen from the probabilities (see :data:`DECISIONS`).
    thresholds : dict
        For act detectors: the probability each act must reach to count.
    """

    scorer: Scorer
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        decision = self.metadata.get("decision", {})
        self.decision = decision.get("kind", "single")
        if self.decision not in DECISIONS:
            raise ModelError(f"model.json: decision {self.decision!r} is not one of {', '.join(DECISIONS)}")
        data = self.metadata.get("label_scheme")
        self.scheme = LabelScheme.from_dict(data) if data else LabelScheme.infer(self.classes_)
        self.thresholds = {k: float(v) for k, v in decision.get("thresholds", {}).items()}
        index = {label: i for i, label in enumerate(self.classes_)}
        self._act_columns = np.array([index[a] for a in self.scheme.acts if a in index], dtype=np.int64)
        self._background = index.get(self.scheme.background) if self.scheme.background is not None else None
        if self.decision == "acts":
            missing = [self.classes_[k] for k in self._act_columns if self.classes_[k] not in self.thresholds]
            if missing:
                raise ModelError(f"model.json: act detectors without a threshold: {', '.join(missing)}")
            self._threshold_row = np.array([self.thresholds[self.classes_[k]] for k in self._act_columns])

    @property
    def classes_(self) -> list[str]:
        return self.scorer.classes_

    @property
    def labels(self) -> list[str]:
        """The column order of :meth:`predict_proba` (the same as ``classes_``)."""
        return self.scorer.classes_

    def predict_proba(self, texts: str | Iterable[str]) -> np.ndarray:
        """Probabilities, shape (n_statements, n_labels), columns in ``classes_`` order.

        A ``str`` is one statement (one row).
        """
        statements, _ = as_statements(texts)
        return self.scorer.predict_proba(statements)

    def decide(self, probabilities: np.ndarray) -> Decisions:
        """The label of each row of probabilities, its confidence, and the acts found."""
        rows = np.arange(len(probabilities))
        present = np.zeros(probabilities.shape, dtype=bool)
        if self.decision == "single":
            labels = probabilities.argmax(axis=1) if len(probabilities) else np.zeros(0, dtype=np.int64)
            is_act = labels != (self._background if self._background is not None else -1)
            present[rows[is_act], labels[is_act]] = True
            return Decisions(labels, probabilities[rows, labels], present)
        columns = self._act_columns
        if self._background is not None:
            fallback: np.ndarray | int = self._background
        else:  # no background label: the most probable act stands in
            fallback = columns[probabilities[:, columns].argmax(axis=1)]
        labels, present[:, columns] = first_act(probabilities, columns, self._threshold_row, fallback)
        return Decisions(labels, probabilities[rows, labels], present)

    def predictions(
        self, probabilities: np.ndarray, known_terms: np.ndarray, texts: list[str] | None = None, *, explain=False
    ) -> list[Prediction]:
        """:class:`Prediction` objects for rows of probabilities (``texts`` are needed to explain)."""
        decided = self.decide(probabilities)
        classes = self.classes_
        act_columns = self._act_columns.tolist()
        out = []
        for i, row in enumerate(probabilities.tolist()):
            acts = {classes[k]: row[k] for k in act_columns if decided.present[i, k]}
            prediction = Prediction(
                classes[decided.labels[i]],
                float(decided.confidence[i]),
                dict(zip(classes, row)),
                acts,
                int(known_terms[i]),
            )
            if explain and texts is not None:
                prediction.explanation = self.explain(texts[i], prediction)
            out.append(prediction)
        return out

    def predict(self, texts: str | Iterable[str], *, explain: bool = False) -> list[Prediction]:
        """One :class:`Prediction` per statement, in order (a ``str`` is one statement)."""
        statements, _ = as_statements(texts)
        scores, known = self.scorer.scores(statements)
        return self.predictions(self.scorer.probabilities(scores), known, statements, explain=explain)

    def explain(
        self, text: str, prediction: Prediction, *, top: int = EXPLAIN_TOP
    ) -> dict[str, list[tuple[str, float]]]:
        """The n-grams of ``text`` that decided ``prediction``.

        A single-label model: for the label, each n-gram's TF-IDF value times
        the difference of its coefficients for the label and the runner-up,
        the amount it adds to the margin between them. Act detectors: for each
        act found, its contribution to that detector's score; for ``other``,
        the n-grams that held back the most probable act.
        """
        columns, contributions = self.scorer.contributions(text)
        index = {label: k for k, label in enumerate(self.classes_)}
        terms = self.scorer.terms

        def strongest(weights: np.ndarray) -> list[tuple[str, float]]:
            order = np.argsort(-weights)[:top]
            return [(terms[columns[i]], round(float(weights[i]), 4)) for i in order if weights[i] > 0]

        if self.decision == "single":
            scores = np.array(list(prediction.scores.values()))
            winner, runner_up = np.argsort(-scores)[:2]
            return {prediction.label: strongest(contributions[:, winner] - contributions[:, runner_up])}
        if prediction.acts:
            return {act: strongest(contributions[:, index[act]]) for act in prediction.acts}
        likeliest = max(self.scheme.acts, key=lambda a: prediction.scores.get(a, -1.0))
        return {prediction.label: strongest(-contributions[:, index[likeliest]])}

    def pipeline(self) -> Any:
        """The fitted scikit-learn pipeline from ``model.joblib`` (runs pickle)."""
        from .folder import load_pipeline

        if self.path is None:
            raise ModelError("this model was not loaded from a folder, so it has no model.joblib")
        return load_pipeline(self.path, self.metadata)
