"""communique: which diplomatic response is an official statement?

>>> from communique import predict
>>> predict("NATO stands in full solidarity with Czechia.").label
'solidarity'
"""

from __future__ import annotations

__version__ = "0.1.0"

from collections.abc import Iterable
from pathlib import Path

from .document import DocumentResult, classify_document
from .model import Model, Prediction, load_model
from .training import TrainingConfig, train

__all__ = [
    "DocumentResult",
    "Model",
    "Prediction",
    "TrainingConfig",
    "__version__",
    "classify_document",
    "load_model",
    "predict",
    "train",
]


def predict(
    texts: str | Iterable[str], model: Model | str | Path | None = None, *, explain: bool = False
) -> Prediction | list[Prediction]:
    """Classify one statement or many.

    Parameters
    ----------
    texts : str or iterable of str
        A statement, or statements.
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
    if not isinstance(model, Model):
        model = load_model(model)
    if isinstance(texts, str):
        return model.predict([texts], explain=explain)[0]
    return model.predict(texts, explain=explain)
