"""From a fitted scikit-learn pipeline to its numpy form, refusing what cannot be reproduced exactly.

This is the only module that looks inside scikit-learn estimators. Two shapes
are supported:

- ``Pipeline([features, LogisticRegression])``: one multinomial model (softmax);
- ``Pipeline([features, OneVsRestClassifier(LogisticRegression)])`` fitted on
  an indicator matrix: one binary detector per class (sigmoid each).

``features`` is a ``TfidfVectorizer`` or a ``FeatureUnion`` of them. Anything
else raises :class:`UnsupportedModelError` rather than being approximated, and
every conversion ends with a parity check against the pipeline itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UnsupportedModelError
from ..inference.analyzers import TfidfBlock
from ..inference.scorer import Scorer
from .folder import write_model_files

__all__ = ["PARITY_TOLERANCE", "check_parity", "save_pipeline", "scorer_from_pipeline"]

PARITY_TOLERANCE = 1e-9

_VECTORIZER_DEFAULTS = {
    "input": "content",
    "preprocessor": None,
    "tokenizer": None,
    "dtype": np.float64,
}


def _block_from_vectorizer(vectorizer: Any) -> TfidfBlock:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    name = type(vectorizer).__name__
    if not isinstance(vectorizer, TfidfVectorizer):
        raise UnsupportedModelError(f"{name} is not supported; the numpy scorer reproduces TfidfVectorizer only")
    params = vectorizer.get_params()
    for key, expected in _VECTORIZER_DEFAULTS.items():
        if params[key] is not expected and params[key] != expected:
            raise UnsupportedModelError(f"TfidfVectorizer({key}={params[key]!r}) is not supported by the numpy scorer")
    if callable(params["analyzer"]) or callable(params["strip_accents"]):
        raise UnsupportedModelError("a callable analyzer or strip_accents cannot be saved in the pickle-free form")
    if not isinstance(params["token_pattern"], str) and params["analyzer"] == "word":
        raise UnsupportedModelError("token_pattern must be a string")
    stop_words = params["stop_words"]
    if stop_words == "english":
        stop_words = ENGLISH_STOP_WORDS
    elif isinstance(stop_words, str):
        raise UnsupportedModelError(f"stop_words={stop_words!r} is not supported")
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return TfidfBlock(
        analyzer=params["analyzer"],
        ngram_range=tuple(params["ngram_range"]),
        lowercase=bool(params["lowercase"]),
        strip_accents=params["strip_accents"],
        token_pattern=params["token_pattern"] or "",
        stop_words=sorted(stop_words) if stop_words is not None else None,
        binary=bool(params["binary"]),
        sublinear_tf=bool(params["sublinear_tf"]),
        norm=params["norm"],
        terms=terms,
        idf=np.asarray(vectorizer.idf_, dtype=np.float64) if params["use_idf"] else None,
    )


def _check_logistic(classifier: Any, n_classes: int) -> None:
    """Refuse the logistic-regression settings whose probabilities are not a softmax of the scores."""
    from sklearn.linear_model import LogisticRegression

    if not isinstance(classifier, LogisticRegression):
        raise UnsupportedModelError(f"{type(classifier).__name__} is not supported; use LogisticRegression")
    if n_classes > 2:
        params = classifier.get_params()
        if params.get("multi_class") == "ovr" or params.get("solver") == "liblinear":
            raise UnsupportedModelError(
                "LogisticRegression with multi_class='ovr' or solver='liblinear' normalises one-vs-rest "
                "probabilities, which the numpy scorer does not reproduce; use the default multinomial "
                "solver, or OneVsRestClassifier(LogisticRegression()) for independent detectors"
            )


def scorer_from_pipeline(pipeline: Any, classes: list[str] | None = None) -> Scorer:
    """The numpy form of a fitted pipeline (see the module docstring for the shapes supported).

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
    classes : list of str, optional
        Names of a one-vs-rest model's columns (fitted on an indicator matrix,
        its ``classes_`` are only column numbers). Default: ``classes_``.
    """
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        raise UnsupportedModelError("expected a Pipeline of two steps: TF-IDF features, then LogisticRegression")
    features, classifier = pipeline.steps[0][1], pipeline.steps[1][1]
    if isinstance(features, FeatureUnion):
        if features.transformer_weights:
            raise UnsupportedModelError("FeatureUnion transformer_weights are not supported")
        blocks = [_block_from_vectorizer(t) for _, t in features.transformer_list if t != "drop"]
    else:
        blocks = [_block_from_vectorizer(features)]
    if isinstance(classifier, OneVsRestClassifier):
        if not getattr(classifier, "multilabel_", False):
            raise UnsupportedModelError(
                "OneVsRestClassifier fitted on single labels normalises its probabilities; fit it on an "
                "indicator matrix (one column per act) for independent detectors"
            )
        for estimator in classifier.estimators_:
            _check_logistic(estimator, 2)
        coef = np.vstack([e.coef_[0] for e in classifier.estimators_])
        intercept = np.array([e.intercept_[0] for e in classifier.estimators_])
        names = classes or [str(c) for c in classifier.classes_]
        return Scorer(blocks, coef, intercept, names, link="sigmoid")
    _check_logistic(classifier, len(classifier.classes_))
    coef, intercept = classifier.coef_, classifier.intercept_
    if len(classifier.classes_) == 2:
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    return Scorer(blocks, coef, intercept, classes or [str(c) for c in classifier.classes_])


def _probe_texts(scorer: Scorer, n: int = 200) -> list[str]:
    """Texts that exercise every corner of the vocabulary, plus a few hostile ones."""
    terms = scorer.terms
    step = max(1, len(terms) // (n * 5))
    picked = terms[::step]
    texts = [" ".join(picked[i : i + 5]) for i in range(0, len(picked), 5)][:n]
    texts += ["", "   ", "ÉCOLE naïve Ünïcödé", "We\tstand\n\nwith  you.", "ok"]
    return texts


def check_parity(pipeline: Any, scorer: Scorer, texts: list[str] | None = None) -> float:
    """The largest difference between the pipeline's and the scorer's probabilities; refuses above 1e-9."""
    texts = texts if texts is not None else _probe_texts(scorer)
    expected = np.asarray(pipeline.predict_proba(texts), dtype=np.float64)
    difference = float(np.abs(expected - scorer.predict_proba(texts)).max()) if texts else 0.0
    if not difference <= PARITY_TOLERANCE:
        raise UnsupportedModelError(
            f"the numpy form differs from the scikit-learn pipeline by {difference:.3g} on probe texts; the "
            "pipeline uses a setting the scorer does not reproduce, so it cannot be saved"
        )
    return difference


def save_pipeline(
    pipeline: Any, folder: str | Path, metadata: dict[str, Any] | None = None, classes: list[str] | None = None
) -> Path:
    """Save a fitted pipeline as a model folder, after converting it and checking the numpy form against it.

    Nothing is written if the pipeline cannot be reproduced exactly. ``metadata``
    is added to ``model.json`` (``label_scheme``, ``decision``...).
    """
    scorer = scorer_from_pipeline(pipeline, classes)
    check_parity(pipeline, scorer)
    return write_model_files(pipeline, scorer, folder, metadata or {})
