"""Stages 2 to 5 of training: cross-validation, calibration, act thresholds, held-out scoring, final fit.

Every figure a stage reports comes from data the model being measured did not
see: folds never split a group (an event or a source document), and the
calibration and the thresholds applied to a fold are fitted on the other folds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..corpus.splits import groups_per_label
from ..errors import CorpusError
from ..evaluation.baselines import keyword_baseline, majority_label
from ..evaluation.calibration import apply_platt, apply_temperature, calibration_figures, fit_platt, fit_temperature
from ..evaluation.metrics import classification_metrics, lift_table
from ..evaluation.scoring import Evaluation, evaluate_model, truth_matrix
from ..models.convert import check_parity, scorer_from_pipeline
from ..models.model import Model, first_act
from .config import TrainingConfig, fit_pipeline
from .data import TrainingData

__all__ = [
    "CrossValidation",
    "Recipe",
    "choose_thresholds",
    "fit_final",
    "fit_model",
    "fit_recipe",
    "grouped_folds",
    "out_of_fold",
    "score_heldout",
]

THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)


def grouped_folds(
    labels: list[str], groups: list[str], n_splits: int = 5, seed: int = 0, *, grouped: bool = True
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that never split a group (``grouped=False``: plain stratified folds)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    spread = groups_per_label(labels, groups)
    thin = sorted(label for label, events in spread.items() if len(events) < n_splits)
    if thin:
        raise CorpusError(
            "too small to validate: label(s) "
            + ", ".join(f"{label!r} ({len(spread[label])} event(s))" for label in thin)
            + f" need statements from at least {n_splits} events for {n_splits}-fold grouped cross-validation"
        )
    y = np.asarray(labels)
    splitter = (
        StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        if grouped
        else StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    )
    return list(splitter.split(np.zeros(len(y)), y, groups=np.asarray(groups) if grouped else None))


@dataclass
class Recipe:
    """What turns a fitted pipeline into the shipped model: its scaling and, for act detectors, thresholds."""

    decision: str
    classes: list[str]
    calibration: str = "none"  # "temperature", "platt" or "none"
    temperature: float = 1.0
    platt: list[tuple[float, float]] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)

    def scale(self, probabilities: np.ndarray) -> np.ndarray:
        if self.calibration == "temperature":
            return apply_temperature(probabilities, self.temperature)
        if self.calibration == "platt":
            return apply_platt(probabilities, self.platt)
        return probabilities

    def fold_into(self, pipeline: Any) -> Any:
        """Put the scaling into the logistic-regression coefficients, so the pipeline needs no extra step."""
        classifier = pipeline.steps[-1][1]
        if self.calibration == "temperature":
            classifier.coef_ = classifier.coef_ / self.temperature
            classifier.intercept_ = classifier.intercept_ / self.temperature
        elif self.calibration == "platt":
            for estimator, (a, b) in zip(classifier.estimators_, self.platt):
                estimator.coef_ = estimator.coef_ * a
                estimator.intercept_ = estimator.intercept_ * a + b
        return pipeline

    def decision_metadata(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.decision}
        if self.decision == "acts":
            out["thresholds"] = self.thresholds
        return out


def model_of(pipeline: Any, recipe: Recipe, data: TrainingData) -> Model:
    """The numpy :class:`Model` of a fitted (and scaled) pipeline, checked against scikit-learn."""
    scorer = scorer_from_pipeline(pipeline, recipe.classes)
    check_parity(pipeline, scorer)
    metadata = {"label_scheme": data.corpus.scheme.to_dict(), "decision": recipe.decision_metadata()}
    return Model(scorer, metadata)


def _decide_columns(probabilities: np.ndarray, recipe: Recipe, data: TrainingData) -> np.ndarray:
    """The column of each row's label under ``recipe`` (no scaling applied here)."""
    if recipe.decision == "single":
        return probabilities.argmax(axis=1)
    classes = recipe.classes
    scheme = data.corpus.scheme
    columns = np.array([classes.index(a) for a in scheme.acts if a in classes], dtype=np.int64)
    limits = np.array([recipe.thresholds.get(classes[k], 0.5) for k in columns])
    return first_act(probabilities, columns, limits, classes.index(scheme.background))[0]


def _decide(probabilities: np.ndarray, recipe: Recipe, data: TrainingData) -> list[str]:
    """Labels of probability rows under ``recipe`` (no scaling applied here)."""
    return [recipe.classes[k] for k in _decide_columns(probabilities, recipe, data)]


def macro_f1(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Macro-F1 of integer labels, as ``sklearn.metrics.f1_score(average="macro")`` computes it.

    The threshold search calls this thousands of times; scikit-learn's checks
    would dominate its cost. ``tests/test_training.py`` pins the two together.
    """
    confusion = np.bincount(truth * n_classes + predicted, minlength=n_classes * n_classes).reshape(n_classes, -1)
    hits = np.diag(confusion).astype(float)
    support, guessed = confusion.sum(axis=1), confusion.sum(axis=0)
    present = (support + guessed) > 0
    f1 = np.divide(2 * hits, support + guessed, out=np.zeros(n_classes), where=present)
    return float(f1[present].mean()) if present.any() else 0.0


def choose_thresholds(probabilities: np.ndarray, labels: list[str], recipe: Recipe, data: TrainingData) -> dict:
    """Per act, the threshold that maximises macro-F1 of the decided labels (coordinate ascent)."""
    acts = [a for a in data.corpus.scheme.acts if a in recipe.classes]
    truth = np.array([recipe.classes.index(label) for label in labels])
    k = len(recipe.classes)
    trial = Recipe(recipe.decision, recipe.classes, thresholds={a: 0.5 for a in acts})
    best = macro_f1(truth, _decide_columns(probabilities, trial, data), k)
    for _ in range(3):
        improved = False
        for act in acts:
            for value in THRESHOLD_GRID:
                candidate = Recipe(
                    recipe.decision, recipe.classes, thresholds=dict(trial.thresholds, **{act: float(value)})
                )
                score = macro_f1(truth, _decide_columns(probabilities, candidate, data), k)
                if score > best + 1e-9:
                    best, trial, improved = score, candidate, True
        if not improved:
            break
    return trial.thresholds


@dataclass
class CrossValidation:
    """Grouped cross-validation on the training rows, with everything fitted on other folds."""

    metrics: dict[str, Any]
    calibration: dict[str, Any]
    baselines: dict[str, dict[str, Any]]
    lift: dict[str, dict[str, float]]
    ungrouped_macro_f1: float
    rows: int
    scheme: str
    probabilities: np.ndarray  # out-of-fold, raw


def out_of_fold(data: TrainingData, indices: list[int], folds, config: TrainingConfig, decision: str) -> np.ndarray:
    """Out-of-fold probabilities of ``indices`` (columns: ``data.classes``)."""
    texts = data.texts
    probabilities = np.zeros((len(indices), len(data.classes)))
    for train_part, test_part in folds:
        rows = [indices[i] for i in train_part]
        pipeline = fit_pipeline(
            config, decision, [texts[i] for i in rows], data.target(rows, decision), data.weights(rows, config)
        )
        predicted = pipeline.predict_proba([texts[indices[i]] for i in test_part])
        if decision == "single":  # a fold may lack a class; align columns by name
            order = [list(pipeline.classes_).index(c) for c in data.classes]
            predicted = predicted[:, order]
        probabilities[test_part] = predicted
    return probabilities


def _fit_scaling(recipe: Recipe, truth: np.ndarray, probabilities: np.ndarray) -> Recipe:
    fitted = Recipe(recipe.decision, recipe.classes, thresholds=dict(recipe.thresholds))
    if recipe.decision == "single":
        fitted.calibration, fitted.temperature = "temperature", fit_temperature(truth, probabilities)
    else:
        fitted.calibration, fitted.platt = "platt", fit_platt(truth, probabilities)
    return fitted


def _crossfit(
    oof: np.ndarray, folds, labels: list[str], truth: np.ndarray, base: Recipe, data: TrainingData, *, scale: bool
) -> tuple[np.ndarray, list[str]]:
    """Each fold's probabilities and labels under a scaling and thresholds fitted on the other folds."""
    probabilities = oof.copy()
    decided = [""] * len(labels)
    for k, (_, test_part) in enumerate(folds):
        others = np.concatenate([t for j, (_, t) in enumerate(folds) if j != k])
        recipe = _fit_scaling(base, truth[others], oof[others]) if scale else base
        if base.decision == "acts":
            recipe = Recipe(recipe.decision, recipe.classes, recipe.calibration, recipe.temperature, recipe.platt)
            recipe.thresholds = choose_thresholds(recipe.scale(oof[others]), [labels[i] for i in others], recipe, data)
        probabilities[test_part] = recipe.scale(oof[test_part])
        for i, label in zip(test_part, _decide(probabilities[test_part], recipe, data)):
            decided[i] = label
    return probabilities, decided


def _figures(truth, probabilities, labels, decided, recipe: Recipe) -> dict[str, Any]:
    columns = [recipe.classes.index(d) for d in decided]
    correct = np.array([d == t for d, t in zip(decided, labels)])
    confidence = probabilities[np.arange(len(decided)), columns]
    link = "softmax" if recipe.decision == "single" else "sigmoid"
    return calibration_figures(truth, probabilities, correct, confidence, link)


def fit_recipe(
    data: TrainingData, config: TrainingConfig, decision: str, seed: int, say: Callable[[str], None]
) -> tuple[Recipe, CrossValidation]:
    """Grouped cross-validation, then the calibration and thresholds the final model will use."""
    indices = data.train_index
    labels = [data.labels[i] for i in indices]
    groups = [data.corpus.groups[i] for i in indices]
    scheme = data.corpus.scheme
    say(f"{config.n_splits}-fold cross-validation grouped by event on {len(indices)} rows ({decision} model) ...")
    folds = grouped_folds(labels, groups, config.n_splits, seed)
    oof = out_of_fold(data, indices, folds, config, decision)
    base = Recipe(decision, data.classes)
    acts = data.corpus.acts
    truth = truth_matrix(data.classes, decision, scheme.background, labels, [acts[i] for i in indices])
    raw_probabilities, raw_decided = _crossfit(oof, folds, labels, truth, base, data, scale=False)
    scaled_probabilities, scaled_decided = _crossfit(oof, folds, labels, truth, base, data, scale=True)
    raw = _figures(truth, raw_probabilities, labels, raw_decided, base)
    scaled = _figures(truth, scaled_probabilities, labels, scaled_decided, base)
    adopt = config.calibrate == "yes" or (
        config.calibrate == "auto" and scaled["ece"] < raw["ece"] and scaled["brier"] <= raw["brier"]
    )
    recipe = _fit_scaling(base, truth, oof) if adopt else base
    if decision == "acts":
        recipe.thresholds = choose_thresholds(recipe.scale(oof), labels, recipe, data)
    method = "temperature scaling" if decision == "single" else "Platt scaling per detector"
    calibration = {
        "method": recipe.calibration,
        "temperature": recipe.temperature,
        "platt": {c: list(ab) for c, ab in zip(recipe.classes, recipe.platt)},
        "cv_uncalibrated": raw,
        "cv_crossfitted": scaled,
        "reason": (
            f"cross-fitted {method} {'lowered' if adopt else 'did not lower'} the grouped-CV expected calibration "
            f"error ({raw['ece']} -> {scaled['ece']}; Brier {raw['brier']} -> {scaled['brier']})"
        ),
    }
    metrics = classification_metrics(labels, scaled_decided if adopt else raw_decided, data.classes)
    metrics["calibration"] = scaled if adopt else raw
    baselines = _pooled_baselines(data, indices, folds)

    say("ungrouped cross-validation, to measure how much events leak ...")
    leaky_folds = grouped_folds(labels, groups, config.n_splits, seed, grouped=False)
    leaky = recipe.scale(out_of_fold(data, indices, leaky_folds, config, decision))
    leaky_metrics = classification_metrics(labels, _decide(leaky, recipe, data), data.classes)
    cv = CrossValidation(
        metrics=metrics,
        calibration=calibration,
        baselines=baselines,
        lift=lift_table(metrics, baselines),
        ungrouped_macro_f1=leaky_metrics["macro_f1"],
        rows=len(indices),
        scheme=f"StratifiedGroupKFold({config.n_splits}) by event or source document on the training rows",
        probabilities=oof,
    )
    return recipe, cv


def _pooled_baselines(data: TrainingData, indices: list[int], folds) -> dict[str, dict[str, Any]]:
    """The majority and keyword baselines on the same folds, pooled like the model's predictions."""
    scheme = data.corpus.scheme
    labels = [data.labels[i] for i in indices]
    out = {}
    for name in ("majority", "keyword") if scheme.cues else ("majority",):
        predicted = [""] * len(indices)
        for train_part, test_part in folds:
            majority = majority_label([labels[i] for i in train_part])
            texts = [data.texts[indices[i]] for i in test_part]
            guesses = (
                [majority] * len(test_part)
                if name == "majority"
                else keyword_baseline(texts, scheme, scheme.background or majority)
            )
            for i, guess in zip(test_part, guesses):
                predicted[i] = guess
        out[name] = classification_metrics(labels, predicted, data.classes)
    return out


def fit_model(data: TrainingData, config: TrainingConfig, recipe: Recipe, rows: list[int]) -> tuple[Any, Model]:
    """A pipeline fitted on ``rows`` with ``recipe`` folded in, and its numpy model."""
    pipeline = fit_pipeline(
        config,
        recipe.decision,
        [data.texts[i] for i in rows],
        data.target(rows, recipe.decision),
        data.weights(rows, config),
    )
    recipe.fold_into(pipeline)
    return pipeline, model_of(pipeline, recipe, data)


def score_heldout(
    data: TrainingData, config: TrainingConfig, recipe: Recipe, *, rows: list[int] | None = None
) -> Evaluation:
    """The recipe fitted on the training rows (or ``rows``) and scored on the held-out rows."""
    _, model = fit_model(data, config, recipe, rows if rows is not None else data.train_index)
    return evaluate_model(
        model, data.statements(data.test_index), train_labels=[data.labels[i] for i in data.train_index]
    )


def fit_final(data: TrainingData, config: TrainingConfig, recipe: Recipe) -> tuple[Any, Model]:
    """The shipped model: the recipe fitted on every row, training and held-out."""
    return fit_model(data, config, recipe, list(range(len(data.texts))))
