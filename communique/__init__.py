"""communique: which diplomatic response is an official statement?

>>> from communique import predict
>>> predict("NATO stands in full solidarity with Czechia.").label
'solidarity'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import load_model, predict
from .base.files import bundled_model_path
from .base.version import __version__
from .models.model import Model, Prediction

if TYPE_CHECKING:
    from .documents.document import DocumentResult, classify_document
    from .training.config import TrainingConfig
    from .training.train import train

# Imported on first use, so that classifying a statement does not load the training code.
_LAZY = {
    "DocumentResult": ".documents.document",
    "classify_document": ".documents.document",
    "TrainingConfig": ".training.config",
    "train": ".training.train",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'communique' has no attribute {name!r}")


__all__ = [
    "DocumentResult",
    "Model",
    "Prediction",
    "TrainingConfig",
    "__version__",
    "bundled_model_path",
    "classify_document",
    "load_model",
    "predict",
    "train",
]
