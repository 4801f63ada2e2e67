"""The recipe: features, classifier and decision settings, and the scikit-learn pipeline they make."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

__all__ = ["DEFAULT_C", "DEFAULT_MIN_DF", "TrainingConfig", "build_pipeline", "fit_pipeline"]

DEFAULT_C = 10.0
DEFAULT_MIN_DF = 2
DEFAULT_WORD_NGRAMS = (1, 2)


@dataclass
class TrainingConfig:
    """TF-IDF features, logistic-regression settings and how labels are decided.

    The defaults are the configuration that scored best on the held-out
    splits among those ``benchmarks/accuracy.py`` compares.

    Parameters
    ----------
    decision : {"acts", "single"}
        ``acts``: one binary detector per act, the label being the first act by
        precedence whose probability reaches its threshold (needs a corpus
        with ``acts`` and a background label; otherwise training falls back to
        ``single`` and says so). ``single``: one softmax over the labels.
    real_weight : float
        Sample weight of rows whose ``origin`` is ``real`` (written rows weigh 1).
    calibrate : {"auto", "yes", "no"}
        ``auto`` keeps the scaling (temperature, or Platt per detector) only if,
        cross-fitted, it lowers the expected calibration error and the Brier score.
    """

    word_ngrams: tuple[int, int] | None = DEFAULT_WORD_NGRAMS
    char_ngrams: tuple[int, int] | None = None
    sublinear_tf: bool = True
    min_df: int = DEFAULT_MIN_DF
    strip_accents: str | None = "unicode"
    C: float = DEFAULT_C
    class_weight: str | None = "balanced"
    max_iter: int = 3000
    n_splits: int = 5
    calibrate: str = "auto"
    decision: str = "acts"
    real_weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        """A config from ``model.json``, tolerating keys of older or newer versions."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("calibrate") == "temperature":  # the name version 0.1 used for "yes"
            values["calibrate"] = "yes"
        for key in ("word_ngrams", "char_ngrams"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        values.setdefault("decision", "single")  # models written before act detectors existed
        return cls(**values)


def build_pipeline(config: TrainingConfig, decision: str | None = None) -> Any:
    """An unfitted scikit-learn ``Pipeline`` for ``config`` (``decision`` overrides ``config.decision``)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    common = dict(sublinear_tf=config.sublinear_tf, min_df=config.min_df, strip_accents=config.strip_accents)
    blocks = []
    if config.word_ngrams:
        blocks.append(("word", TfidfVectorizer(ngram_range=tuple(config.word_ngrams), **common)))
    if config.char_ngrams:
        blocks.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config.char_ngrams), **common)))
    if not blocks:
        raise ValueError("TrainingConfig needs word_ngrams, char_ngrams or both")
    features = blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)
    classifier = LogisticRegression(C=config.C, class_weight=config.class_weight, max_iter=config.max_iter)
    if (decision or config.decision) == "acts":
        classifier = OneVsRestClassifier(classifier)
    return Pipeline([("features", features), ("classifier", classifier)])


def fit_pipeline(
    config: TrainingConfig, decision: str, texts: list[str], target: Any, weights: np.ndarray | None = None
) -> Any:
    """Fit a new pipeline; ``target`` is a label list (single) or an indicator matrix (acts)."""
    import sklearn

    pipeline = build_pipeline(config, decision)
    if weights is None or np.all(weights == 1):
        return pipeline.fit(texts, target)
    # Sample weights reach the logistic regression inside OneVsRestClassifier only through metadata routing.
    with sklearn.config_context(enable_metadata_routing=True):
        classifier = pipeline.steps[-1][1]
        inner = classifier.estimator if decision == "acts" else classifier
        inner.set_fit_request(sample_weight=True)
        return pipeline.fit(texts, target, sample_weight=weights)
