"""Training: stages that each return a small dataclass, from corpus to saved model folder.

:mod:`.data` reads and splits the corpus, :mod:`.stages` cross-validates,
calibrates, picks act thresholds and scores the held-out rows, :mod:`.train`
runs them in order and saves the folder, :mod:`.default` owns the bundled model.
"""

from .config import TrainingConfig, build_pipeline
from .train import TrainResult, train

__all__ = ["TrainResult", "TrainingConfig", "build_pipeline", "train"]
