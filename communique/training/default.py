"""The bundled model: rebuilt for another scikit-learn, and refitted to check it matches its corpus."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ..base.files import bundled_corpus_path
from ..base.version import __version__
from ..corpus.reading import MIN_EXAMPLES
from ..models.folder import METADATA_FILE, read_metadata
from ..models.model import Model
from .config import TrainingConfig
from .data import prepare
from .stages import Recipe, fit_final

__all__ = ["rebuild_default_model", "recipe_of", "refit"]


def recipe_of(metadata: dict[str, Any], classes: list[str]) -> Recipe:
    """The recipe a model folder records: its decision, scaling and thresholds."""
    decision = metadata.get("decision", {"kind": "single"})
    calibration = metadata.get("metrics", {}).get("calibration", {})
    platt = calibration.get("platt", {})
    return Recipe(
        decision=decision["kind"],
        classes=classes,
        calibration=calibration.get("method", "none"),
        temperature=calibration.get("temperature", 1.0),
        platt=[tuple(platt[c]) for c in classes] if platt else [],
        thresholds=decision.get("thresholds", {}),
    )


def refit(folder: str | Path, corpus: str | Path) -> Model:
    """Fit the final model again from ``corpus`` with the recipe ``folder`` records, skipping validation.

    The result predicts what the saved model predicts if, and only if, the
    corpus and the code are those it was trained from.
    """
    metadata = read_metadata(Path(folder))
    training = metadata["training"]
    config = TrainingConfig.from_dict(training["config"])
    data = prepare(
        corpus, config, seed=training.get("seed", 0), min_examples=training.get("min_examples", MIN_EXAMPLES)
    )
    return fit_final(data, config, recipe_of(metadata, data.classes))[1]


def rebuild_default_model(metadata: dict[str, Any]) -> Path:
    """Retrain the bundled model for the installed scikit-learn, once, into the user's cache folder."""
    import sklearn

    from .train import train

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
    train(
        bundled_corpus_path(),
        folder,
        seed=recipe.get("seed", 0),
        config=TrainingConfig.from_dict(recipe.get("config", {})),
        min_examples=recipe.get("min_examples", MIN_EXAMPLES),
        overwrite=True,
        quiet=True,
    )
    return folder
