"""communique: which diplomatic response is an official statement?

>>> from communique import predict
>>> predict("NATO stands in full solidarity with Czechia.").label
'solidarity'
"""

from __future__ import annotations

from .api import load_model, predict
from .base.files import bundled_model_path
from .base.version import __version__
from .documents.document import DocumentResult, classify_document
from .models.model import Model, Prediction
from .training.config import TrainingConfig
from .training.train import train

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
