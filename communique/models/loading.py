"""Loading model folders: checked against their hashes, read once per process, then reused."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, overload

from ..base.files import bundled_model_path
from ..errors import ModelError
from ..inference.weights import load_weights
from .folder import WEIGHTS_FILE, load_pipeline, read_metadata, verify_file
from .model import Model

__all__ = ["clear_cache", "load_model", "read_model"]

_CACHE: dict[tuple[Path, bool], Any] = {}


def read_model(folder: str | Path, metadata: dict[str, Any] | None = None) -> Model:
    """Read the numpy form of a model folder, uncached (see :func:`load_model`)."""
    folder = Path(folder)
    metadata = metadata or read_metadata(folder)
    weights = verify_file(folder, WEIGHTS_FILE, metadata)
    try:
        scorer = load_weights(weights, metadata["inference"])
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelError(f"{weights}: cannot be read as model weights ({exc})") from exc
    return Model(scorer, metadata, folder)


def clear_cache(folder: str | Path | None = None) -> None:
    """Forget loaded models (of one folder, or all), e.g. after retraining into the same folder."""
    if folder is None:
        _CACHE.clear()
        return
    for as_sklearn in (False, True):
        _CACHE.pop((Path(folder).resolve(), as_sklearn), None)


@overload
def load_model(path: str | Path | None = None, *, as_sklearn: Literal[False] = False) -> Model: ...
@overload
def load_model(path: str | Path | None = None, *, as_sklearn: Literal[True]) -> Any: ...


def load_model(path: str | Path | None = None, *, as_sklearn: bool = False) -> Model | Any:
    """Load a model folder; by default the bundled one. See :func:`communique.load_model`."""
    folder = Path(path if path is not None else bundled_model_path()).resolve()
    key = (folder, as_sklearn)
    if key not in _CACHE:
        metadata = read_metadata(folder)
        _CACHE[key] = load_pipeline(folder, metadata) if as_sklearn else read_model(folder, metadata)
    return _CACHE[key]
