"""The public entry points: :func:`predict` and :func:`load_model`.

This is the top of the library: it may use every layer below, which is how
loading the bundled ``model.joblib`` under another scikit-learn can rebuild it
(training) while :mod:`communique.models` never imports training.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, overload

from .base.files import bundled_model_path
from .errors import ModelVersionError
from .models import loading
from .models.folder import load_pipeline, read_metadata
from .models.model import Model, Prediction, as_statements

__all__ = ["load_model", "predict"]


@overload
def load_model(path: str | Path | None = None, *, as_sklearn: Literal[False] = False) -> Model: ...
@overload
def load_model(path: str | Path | None = None, *, as_sklearn: Literal[True]) -> Any: ...


def load_model(path: str | Path | None = None, *, as_sklearn: bool = False) -> Model | Any:
    """Load a model folder; by default the bundled one.

    Parameters
    ----------
    path : str or Path, optional
        A model folder written by ``communique train``. Default: the bundled
        model (:func:`communique.bundled_model_path`).
    as_sklearn : bool
        Return the fitted scikit-learn ``Pipeline`` (from ``model.joblib``)
        instead of a :class:`Model`. This runs pickle: use it only on folders
        from a trusted source. For the bundled model saved with another
        scikit-learn version, the pipeline is rebuilt once from the bundled
        corpus into the user's cache folder.

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
    try:
        return loading.load_model(path, as_sklearn=as_sklearn)
    except ModelVersionError:
        if path is not None or not as_sklearn:
            raise
    from .training.default import rebuild_default_model

    rebuilt = rebuild_default_model(read_metadata(bundled_model_path()))
    return load_pipeline(rebuilt, read_metadata(rebuilt))


@overload
def predict(texts: str, model: Model | str | Path | None = None, *, explain: bool = False) -> Prediction: ...
@overload
def predict(
    texts: Iterable[str], model: Model | str | Path | None = None, *, explain: bool = False
) -> list[Prediction]: ...


def predict(
    texts: str | Iterable[str], model: Model | str | Path | None = None, *, explain: bool = False
) -> Prediction | list[Prediction]:
    """Classify one statement or many.

    Parameters
    ----------
    texts : str or iterable of str
        A statement, or statements. Anything else (bytes, numbers, None) is a
        ``TypeError``; an empty statement is an ``InputError``.
    model : Model, str or Path, optional
        A loaded model or a model folder; default: the bundled model. Folders
        are loaded once and reused across calls.
    explain : bool
        Attach to each prediction the n-grams that decided it.

    Returns
    -------
    Prediction or list of Prediction
        A single :class:`Prediction` for a string, else a list in input order.

    Examples
    --------
    >>> [p.label for p in predict(["The accusations are groundless.", "The two ministers met."])]
    ['denial', 'other']
    """
    statements, single = as_statements(texts)
    if not isinstance(model, Model):
        model = load_model(model)
    predictions = model.predict(statements, explain=explain)
    return predictions[0] if single else predictions
