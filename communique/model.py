"""Saved models: a folder holding the scikit-learn pipeline and its numpy form.

A model folder holds:

``model.json``
    Labels and their scheme, versions, training parameters, corpus hash,
    metrics, the analyzer settings of the numpy form, and the SHA-256 of every
    other file in the folder.
``weights.npz``
    The pickle-free form: vocabularies, idf weights, coefficients and
    intercepts as plain arrays. Prediction uses this by default and imports
    neither scikit-learn nor joblib.
``model.joblib``
    The fitted scikit-learn ``Pipeline`` for users who want the estimator
    itself. Loading it runs pickle: only load files from a trusted source.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .corpus import LabelScheme, file_sha256
from .errors import ModelError, ModelIntegrityError, ModelVersionError, UnsupportedModelError
from .scorer import Scorer, TfidfBlock

__all__ = ["Model", "Prediction", "default_model_path", "load_model"]

FORMAT = "communique-model"
FORMAT_VERSION = 1
METADATA_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
PIPELINE_FILE = "model.joblib"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(*parts: str) -> Path:
    """A file shipped with communique: inside the installed package, or in the checkout."""
    installed = _PACKAGE_DIR.joinpath("_bundled", *parts)
    return installed if installed.exists() else _PACKAGE_DIR.parent.joinpath(*parts)


def default_model_path() -> Path:
    """Folder of the bundled default model."""
    return _bundled("models", "default")


def bundled_corpus_path() -> Path:
    return _bundled("corpus", "statements.jsonl")


@dataclass
class Prediction:
    """The response a model gives one statement.

    Attributes
    ----------
    label : str
        The most probable label.
    confidence : float
        Its probability.
    scores : dict
        Every label's probability, in the model's label order.
    explanation : list of (str, float) or None
        With ``explain=True``: the n-grams that pushed the statement most
        towards ``label`` and away from the runner-up, with their weights.
    """

    label: str
    confidence: float
    scores: dict[str, float]
    explanation: list[tuple[str, float]] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "confidence": self.confidence, "scores": self.scores}
        if self.explanation is not None:
            out["explanation"] = [{"ngram": t, "weight": w} for t, w in self.explanation]
        return out


@dataclass
class Model:
    """A trained classifier: the numpy scorer plus what ``model.json`` says of it."""

    scorer: Scorer
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def labels(self) -> list[str]:
        return self.scorer.classes

    @property
    def scheme(self) -> LabelScheme:
        data = self.metadata.get("label_scheme")
        if data:
            return LabelScheme(**{k: data[k] for k in ("precedence", "background", "cues", "signature_cues")})
        return LabelScheme.infer(self.labels)

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        return self.scorer.predict_proba(list(texts))

    def predict(self, texts: Iterable[str], *, explain: bool = False, top: int = 8) -> list[Prediction]:
        """One :class:`Prediction` per text, in order."""
        texts = list(texts)
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        labels = self.labels
        predictions = [
            Prediction(labels[b], float(row[b]), dict(zip(labels, row.tolist()))) for b, row in zip(best, probabilities)
        ]
        if explain:
            for text, prediction, row in zip(texts, predictions, probabilities):
                prediction.explanation = self.explain(text, row, top=top)
        return predictions

    def explain(self, text: str, probabilities: np.ndarray | None = None, *, top: int = 8) -> list[tuple[str, float]]:
        """N-grams of ``text`` that favour its label over the runner-up most.

        The weight of an n-gram is its TF-IDF value times the difference of
        its coefficients for the two labels: the amount it adds to the margin
        between them.
        """
        if probabilities is None:
            probabilities = self.predict_proba([text])[0]
        winner, runner_up = np.argsort(-probabilities)[:2]
        columns, contributions = self.scorer.contributions(text)
        margin = contributions[:, winner] - contributions[:, runner_up]
        order = np.argsort(-margin)[:top]
        terms = self.scorer.terms
        return [(terms[columns[i]], round(float(margin[i]), 4)) for i in order if margin[i] > 0]

    def pipeline(self) -> Any:
        """The fitted scikit-learn pipeline from ``model.joblib`` (runs pickle)."""
        if self.path is None:
            raise ModelError("this model was not loaded from a folder, so it has no model.joblib")
        return load_pipeline(self.path, self.metadata)


# -- conversion from scikit-learn -------------------------------------------------

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
    terms = [None] * len(vectorizer.vocabulary_)
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


def scorer_from_pipeline(pipeline: Any) -> Scorer:
    """The numpy form of a fitted ``Pipeline([features, LogisticRegression])``.

    ``features`` is a ``TfidfVectorizer`` or a ``FeatureUnion`` of them.
    Anything else raises :class:`UnsupportedModelError` rather than being
    approximated.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        raise UnsupportedModelError("expected a Pipeline of two steps: TF-IDF features, then LogisticRegression")
    features, classifier = pipeline.steps[0][1], pipeline.steps[1][1]
    if not isinstance(classifier, LogisticRegression):
        raise UnsupportedModelError(f"{type(classifier).__name__} is not supported; use LogisticRegression")
    if isinstance(features, FeatureUnion):
        if features.transformer_weights:
            raise UnsupportedModelError("FeatureUnion transformer_weights are not supported")
        blocks = [_block_from_vectorizer(t) for _, t in features.transformer_list if t != "drop"]
    else:
        blocks = [_block_from_vectorizer(features)]
    coef, intercept = classifier.coef_, classifier.intercept_
    if len(classifier.classes_) == 2:
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, intercept[0]])
    return Scorer(blocks, coef, intercept, [str(c) for c in classifier.classes_])


# -- saving and loading ------------------------------------------------------------


def versions() -> dict[str, str]:
    import sklearn

    return {
        "communique": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_model(pipeline: Any, folder: str | Path, metadata: dict[str, Any]) -> Path:
    """Write ``model.joblib``, ``weights.npz`` and ``model.json`` into ``folder``.

    Files are written under temporary names and renamed once complete, so a
    folder never holds a half-written model file.
    """
    import joblib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scorer = scorer_from_pipeline(pipeline)
    files = {}
    for name, write in (
        (PIPELINE_FILE, lambda p: joblib.dump(pipeline, p, compress=3)),
        (WEIGHTS_FILE, lambda p: scorer.save(p)),
    ):
        temporary = folder / f".{name}.tmp"
        # np.savez appends .npz to names lacking it; open the file ourselves.
        with open(temporary, "wb") as f:
            write(f)
        os.replace(temporary, folder / name)
        files[name] = file_sha256(folder / name)
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "labels": scorer.classes,
        **metadata,
        "versions": versions(),
        "inference": scorer.settings(),
        "files": files,
    }
    for as_sklearn in (False, True):
        _CACHE.pop((folder.resolve(), as_sklearn), None)
    temporary = folder / f".{METADATA_FILE}.tmp"
    temporary.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, folder / METADATA_FILE)
    return folder


def read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA_FILE
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: missing; a model folder holds model.json and weights.npz") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot be read ({exc})") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelError(f"{path}: not a communique model description")
    if metadata.get("format_version", 0) > FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {metadata['format_version']} is newer than this communique "
            f"({__version__}) reads; upgrade communique"
        )
    return metadata


def verify_file(folder: Path, name: str, metadata: dict[str, Any]) -> Path:
    """Check a model file against the SHA-256 that ``model.json`` records."""
    path = folder / name
    expected = metadata.get("files", {}).get(name)
    if expected is None:
        raise ModelIntegrityError(f"{folder / METADATA_FILE}: records no SHA-256 for {name}; refusing to load it")
    if not path.is_file():
        raise ModelError(f"{path}: missing from the model folder")
    actual = file_sha256(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"{path}: SHA-256 {actual[:12]}... does not match {expected[:12]}... recorded in model.json; "
            "the file is corrupted or was altered. Retrain the model or fetch the folder again"
        )
    return path


def load_pipeline(folder: Path, metadata: dict[str, Any]) -> Any:
    """The scikit-learn pipeline of a model folder, after hash and version checks."""
    import joblib
    import sklearn

    path = verify_file(folder, PIPELINE_FILE, metadata)
    saved = metadata.get("versions", {}).get("scikit-learn")
    if saved != sklearn.__version__:
        corpus = metadata.get("training", {}).get("corpus", {}).get("path", "CORPUS.jsonl")
        raise ModelVersionError(
            f"{path}: saved with scikit-learn {saved}, but {sklearn.__version__} is installed; a pickled "
            f"pipeline is only safe with the version that wrote it. Retrain it: communique train --corpus "
            f"{corpus} --output {folder}  (or use the pickle-free weights.npz, which any version reads)"
        )
    return joblib.load(path)


def read_model(folder: str | Path, metadata: dict[str, Any] | None = None) -> Model:
    """Read the numpy form of a model folder (no cache; see :func:`load_model`)."""
    folder = Path(folder)
    metadata = metadata or read_metadata(folder)
    weights = verify_file(folder, WEIGHTS_FILE, metadata)
    try:
        scorer = Scorer.load(weights, metadata["inference"])
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelError(f"{weights}: cannot be read as model weights ({exc})") from exc
    return Model(scorer, metadata, folder)


_CACHE: dict[tuple[Path, bool], Any] = {}


def _rebuild_default(metadata: dict[str, Any]) -> Path:
    """Retrain the bundled model for the installed scikit-learn, once, into the user cache."""
    import sklearn

    from .training import TrainingConfig, train

    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "communique"
    folder = cache_root / f"default-{__version__}-sklearn-{sklearn.__version__}"
    if (folder / METADATA_FILE).is_file():
        return folder
    recipe = metadata.get("training", {})
    print(
        f"communique: the bundled model.joblib was saved with scikit-learn "
        f"{metadata.get('versions', {}).get('scikit-learn')}; rebuilding it for {sklearn.__version__} "
        f"from the bundled corpus into {folder} (once)",
        file=sys.stderr,
    )
    config = TrainingConfig(**recipe.get("config", {}))
    train(
        bundled_corpus_path(),
        folder,
        seed=recipe.get("seed", 0),
        config=config,
        min_examples=recipe.get("min_examples", 10),
        quiet=True,
    )
    return folder


def load_model(path: str | Path | None = None, *, as_sklearn: bool = False) -> Any:
    """Load a model folder; by default the bundled one.

    Parameters
    ----------
    path : str or Path, optional
        A model folder written by ``communique train``. Default: the bundled
        default model.
    as_sklearn : bool
        Return the fitted scikit-learn ``Pipeline`` (from ``model.joblib``)
        instead of a :class:`Model`. This runs pickle: use it only on folders
        from a trusted source.

    Returns
    -------
    Model or sklearn.pipeline.Pipeline
        Loaded once per folder and process, then reused.

    Raises
    ------
    ModelError
        The folder or a file is missing, a file's SHA-256 does not match
        ``model.json``, or (``as_sklearn``) the pipeline was saved with another
        scikit-learn version.
    """
    is_default = path is None
    folder = Path(path if path is not None else default_model_path()).resolve()
    key = (folder, as_sklearn)
    if key in _CACHE:
        return _CACHE[key]
    metadata = read_metadata(folder)
    if as_sklearn:
        try:
            result = load_pipeline(folder, metadata)
        except ModelVersionError:
            if not is_default:
                raise
            rebuilt = _rebuild_default(metadata)
            result = load_pipeline(rebuilt, read_metadata(rebuilt))
    else:
        result = read_model(folder, metadata)
    _CACHE[key] = result
    return result
