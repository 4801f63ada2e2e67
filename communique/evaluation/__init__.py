"""Honest figures: metrics over ``sklearn.metrics``, calibration, baselines, and scoring a model.

Statements about one event share names, places and phrasing, so training
never lets an event (or a source document) sit on both sides of a split; the
functions here compute the figures on whatever rows they are given.
"""

from .metrics import act_metrics, classification_metrics
from .scoring import Evaluation, LabelledStatements, evaluate_model

__all__ = ["Evaluation", "LabelledStatements", "act_metrics", "classification_metrics", "evaluate_model"]
