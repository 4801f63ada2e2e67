"""Model folders: the format on disk, the conversion from scikit-learn, and the model in memory.

Depends on :mod:`communique.base` and :mod:`communique.inference` only; it never
imports training, so loading a model cannot start one.
"""

from .loading import load_model, read_model
from .model import Model, Prediction

__all__ = ["Model", "Prediction", "load_model", "read_model"]
