"""The model folder format: what each file holds, how it is written, and how it is checked on load.

A model folder holds:

``model.json``
    Labels and their scheme, how a label is decided (one softmax, or one
    detector per act with thresholds), versions, training settings, corpus
    hash, metrics, the analyzer settings of the numpy form, and the SHA-256 of
    every other file in the folder.
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
import platform
from pathlib import Path
from typing import Any

import numpy as np

from ..base.files import atomic_write, file_sha256, write_text_atomic
from ..base.version import __version__
from ..errors import ModelError, ModelIntegrityError, ModelVersionError
from ..inference.scorer import Scorer
from ..inference.weights import save_weights

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "METADATA_FILE",
    "PIPELINE_FILE",
    "WEIGHTS_FILE",
    "load_pipeline",
    "read_metadata",
    "verify_file",
    "write_model_files",
]

FORMAT = "communique-model"
# 2: one-vs-rest act detectors ("decision" and the scorer's "link"); version 1 folders still load.
FORMAT_VERSION = 2
METADATA_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
PIPELINE_FILE = "model.joblib"


def versions() -> dict[str, str]:
    import sklearn

    return {
        "communique": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def write_model_files(pipeline: Any, scorer: Scorer, folder: str | Path, metadata: dict[str, Any]) -> Path:
    """Write ``model.joblib``, ``weights.npz`` and ``model.json`` into ``folder``.

    Each file is written under a temporary name and renamed once complete, and
    ``model.json``, which records the others' hashes, comes last: a folder
    never holds a half-written model file.
    """
    import joblib

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / PIPELINE_FILE, lambda f: joblib.dump(pipeline, f, compress=3))
    atomic_write(folder / WEIGHTS_FILE, lambda f: save_weights(scorer, f))
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "labels": scorer.classes_,
        **metadata,
        "versions": versions(),
        "inference": scorer.settings(),
        "files": {name: file_sha256(folder / name) for name in (PIPELINE_FILE, WEIGHTS_FILE)},
    }
    write_text_atomic(folder / METADATA_FILE, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return folder


def read_metadata(folder: Path) -> dict[str, Any]:
    path = folder / METADATA_FILE
    if folder.exists() and not folder.is_dir():
        raise ModelError(f"{folder}: is a file; a model is a folder holding model.json and weights.npz")
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
            f"{corpus} --output {folder} --overwrite  (or use the pickle-free weights.npz, which any version reads)"
        )
    return joblib.load(path)
