"""Exceptions communique raises for problems a user can act on.

Every message says what was wrong, where (file, line, field) and, where there
is one, what to do about it. The command line turns these into a one-line
``Error: ...`` and exit code 1; anything else is a bug in communique.
"""

from __future__ import annotations

__all__ = [
    "CommuniqueError",
    "CorpusError",
    "InputError",
    "ModelError",
    "ModelIntegrityError",
    "ModelVersionError",
    "OutputError",
    "UnsupportedModelError",
]


class CommuniqueError(Exception):
    """Base class of every error communique reports to its user."""


class CorpusError(CommuniqueError, ValueError):
    """A labelled corpus or label scheme is malformed, or too small to train or evaluate on."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class InputError(CommuniqueError, ValueError):
    """An input cannot be read: bad file, bad format or a bad row."""


class OutputError(CommuniqueError):
    """An output cannot be written where it was asked for, or would destroy something."""


class ModelError(CommuniqueError):
    """A model folder is missing or cannot be used."""


class ModelIntegrityError(ModelError):
    """A model file does not match the SHA-256 recorded in its model.json."""


class ModelVersionError(ModelError):
    """A pickled pipeline was saved with another scikit-learn version."""


class UnsupportedModelError(ModelError, ValueError):
    """A pipeline uses settings the numpy scorer cannot reproduce exactly."""
