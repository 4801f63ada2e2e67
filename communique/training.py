"""Training: validate the corpus, measure the recipe honestly, fit and save.

One call of :func:`train` does, in order:

1. read and check the corpus (every problem reported with its line);
2. set aside the held-out events (the corpus's split file, else a seeded pick);
3. grouped, stratified 5-fold cross-validation on the rest, with the majority
   and keyword baselines on the same folds, and an ungrouped run beside it to
   show how much a leaky split would flatter;
4. decide on temperature calibration by cross-fitting it on the folds;
5. fit on the training events and score the held-out events;
6. fit the final model on every row, save it, and write its report and card.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import MIN_EXAMPLES, Corpus, heldout_events, read_corpus, read_split
from .errors import CorpusError
from .evaluation import (
    apply_temperature,
    calibration_figures,
    classification_metrics,
    fit_temperature,
    grouped_folds,
    keyword_baseline,
    lift_table,
)
from .model import Model, read_model, save_model
from .report import LEAK_GAP, write_model_report

__all__ = ["TrainingConfig", "build_pipeline", "train"]

SPLIT_FILE = "splits.json"
HELDOUT_FRACTION = 0.2


@dataclass
class TrainingConfig:
    """The recipe: TF-IDF features and logistic-regression settings.

    The defaults are the configuration that scored best in grouped
    cross-validation among those in ``benchmarks/accuracy.py``.
    """

    word_ngrams: tuple[int, int] | None = (1, 2)
    char_ngrams: tuple[int, int] | None = None
    sublinear_tf: bool = True
    min_df: int = 2
    strip_accents: str | None = "unicode"
    C: float = 10.0
    class_weight: str | None = "balanced"
    max_iter: int = 3000
    n_splits: int = 5
    calibrate: str = "auto"  # "auto": adopt temperature scaling if it lowers cross-fitted ECE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_pipeline(config: TrainingConfig) -> Any:
    """An unfitted scikit-learn ``Pipeline`` for ``config``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    common = dict(sublinear_tf=config.sublinear_tf, min_df=config.min_df, strip_accents=config.strip_accents)
    blocks = []
    if config.word_ngrams:
        blocks.append(("word", TfidfVectorizer(ngram_range=tuple(config.word_ngrams), **common)))
    if config.char_ngrams:
        blocks.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config.char_ngrams), **common)))
    if not blocks:
        raise ValueError("TrainingConfig needs word_ngrams, char_ngrams or both")
    features = blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)
    classifier = LogisticRegression(C=config.C, class_weight=config.class_weight, max_iter=config.max_iter)
    return Pipeline([("features", features), ("classifier", classifier)])


def scale_classifier(pipeline: Any, temperature: float) -> Any:
    """Fold temperature scaling into the logistic regression: logits / T = (W / T) x + b / T.

    The pipeline stays a plain scikit-learn object and the numpy form needs
    no extra step.
    """
    classifier = pipeline.steps[-1][1]
    classifier.coef_ = classifier.coef_ / temperature
    classifier.intercept_ = classifier.intercept_ / temperature
    return pipeline


def out_of_fold(texts: list[str], labels: list[str], folds, config: TrainingConfig, classes: list[str]) -> np.ndarray:
    probabilities = np.zeros((len(texts), len(classes)))
    for train_index, test_index in folds:
        pipeline = build_pipeline(config).fit([texts[i] for i in train_index], [labels[i] for i in train_index])
        order = [list(pipeline.classes_).index(c) for c in classes]
        probabilities[test_index] = pipeline.predict_proba([texts[i] for i in test_index])[:, order]
    return probabilities


def _baselines(
    corpus: Corpus, train_labels: list[str], test_texts: list[str], test_labels: list[str], classes: list[str]
) -> dict[str, dict]:
    majority = Counter(train_labels).most_common(1)[0][0]
    out = {"majority": classification_metrics(test_labels, [majority] * len(test_labels), classes)}
    if corpus.scheme.cues:
        fallback = corpus.scheme.background or majority
        predicted = keyword_baseline(test_texts, corpus.scheme, fallback)
        out["keyword"] = classification_metrics(test_labels, predicted, classes)
    return out


@dataclass
class TrainResult:
    """What :func:`train` produced: the saved model and every figure it measured."""

    model: Model
    folder: Path
    metrics: dict[str, Any] = field(default_factory=dict)


def _command(corpus, output, seed, config, labels, split, min_examples) -> str:
    """The command line that reproduces this training run."""
    parts = ["communique train", f"--corpus {corpus}", f"--output {output}", f"--seed {seed}"]
    default = TrainingConfig()
    if labels:
        parts.append(f"--labels {labels}")
    if split:
        parts.append(f"--split {split}")
    for option, value, base in (
        ("--word-ngrams", config.word_ngrams, default.word_ngrams),
        ("--char-ngrams", config.char_ngrams, default.char_ngrams),
    ):
        if value != base:
            parts.append(f"{option} {','.join(map(str, value)) if value else 'none'}")
    if config.C != default.C:
        parts.append(f"--C {config.C}")
    if config.min_df != default.min_df:
        parts.append(f"--min-df {config.min_df}")
    if min_examples != MIN_EXAMPLES:
        parts.append(f"--min-examples {min_examples}")
    return " ".join(parts)


def _split(corpus: Corpus, split: str | Path | None, seed: int) -> tuple[list[str], str]:
    path = Path(split) if split else corpus.path.with_name(SPLIT_FILE)
    if path.is_file():
        events = read_split(path)
        unknown = sorted(set(events) - set(corpus.groups))
        if unknown:
            raise CorpusError(f"{path}: held-out event(s) not in the corpus: {', '.join(unknown[:5])}")
        return events, str(path.name)
    if split:
        raise CorpusError(f"{split}: no such split file")
    return heldout_events(corpus, HELDOUT_FRACTION, seed), f"seeded pick of events (seed {seed})"


def train(
    corpus: str | Path,
    output: str | Path,
    *,
    seed: int = 0,
    config: TrainingConfig | None = None,
    labels: str | Path | None = None,
    split: str | Path | None = None,
    min_examples: int = MIN_EXAMPLES,
    quiet: bool = False,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train, validate and save a model folder.

    Parameters
    ----------
    corpus : str or Path
        Labelled ``.jsonl`` or ``.csv`` file (see :mod:`communique.corpus`).
    output : str or Path
        Folder to write the model into (created if needed).
    seed : int
        Seed of the fold assignment and of the held-out pick when the corpus
        has no split file. Training is otherwise deterministic.
    config : TrainingConfig, optional
        Features and classifier settings; the documented default if omitted.
    labels : str or Path, optional
        Label scheme file; default ``labels.json`` beside the corpus.
    split : str or Path, optional
        Held-out split file; default ``splits.json`` beside the corpus, else
        20% of the events picked with ``seed``.
    min_examples : int
        Fewest statements a label may have.
    quiet : bool
        Print no progress.
    log : callable, optional
        Receives progress lines (default: print to stderr).

    Returns
    -------
    TrainResult
    """
    config = config or TrainingConfig()
    say = (lambda message: None) if quiet else (log or (lambda message: print(message, file=sys.stderr)))
    started = time.perf_counter()
    data = read_corpus(corpus, labels, min_examples=min_examples)
    classes = sorted(set(data.labels))
    say(f"corpus {data.path}: {len(data.rows)} rows, {len(classes)} labels, {len(set(data.groups))} events")

    events_per_label: dict[str, set] = {}
    for label, group in zip(data.labels, data.groups):
        events_per_label.setdefault(label, set()).add(group)
    needed = config.n_splits + 1
    thin = {label: events for label, events in sorted(events_per_label.items()) if len(events) < needed}
    if thin:
        counts = Counter(data.labels)
        raise CorpusError(
            f"{data.path}: too small to validate: label(s) "
            + ", ".join(f"{label!r} ({len(events)} event(s), {counts[label]} rows)" for label, events in thin.items())
            + f" need statements from at least {needed} events ({config.n_splits} grouped folds and a held-out split);"
            " add statements about more events"
        )
    heldout, split_source = _split(data, split, seed)
    held = set(heldout)
    train_index = [i for i, g in enumerate(data.groups) if g not in held]
    test_index = [i for i, g in enumerate(data.groups) if g in held]
    texts, y = data.texts, data.labels
    train_texts, train_y = [texts[i] for i in train_index], [y[i] for i in train_index]
    test_texts, test_y = [texts[i] for i in test_index], [y[i] for i in test_index]
    missing = sorted(set(classes) - set(test_y))
    if missing:
        raise CorpusError(f"held-out split has no statement of label(s) {', '.join(missing)}; add events or change it")
    train_groups = [data.groups[i] for i in train_index]

    say(f"{config.n_splits}-fold cross-validation grouped by event on {len(train_index)} rows ...")
    folds = grouped_folds(train_y, train_groups, config.n_splits, seed)
    oof = out_of_fold(train_texts, train_y, folds, config, classes)
    cv_pred = [classes[k] for k in oof.argmax(axis=1)]
    cv = classification_metrics(train_y, cv_pred, classes)
    # Baselines are scored on the same folds and pooled like the model's predictions.
    pooled = {}
    for name in ("majority", "keyword") if data.scheme.cues else ("majority",):
        predicted = [""] * len(train_y)
        for train_part, test_part in folds:
            majority = Counter(train_y[i] for i in train_part).most_common(1)[0][0]
            fold_texts = [train_texts[i] for i in test_part]
            fold_pred = (
                [majority] * len(test_part)
                if name == "majority"
                else keyword_baseline(fold_texts, data.scheme, data.scheme.background or majority)
            )
            for i, p in zip(test_part, fold_pred):
                predicted[i] = p
        pooled[name] = classification_metrics(train_y, predicted, classes)

    say("ungrouped cross-validation, to measure how much events leak ...")
    leaky_folds = grouped_folds(train_y, train_groups, config.n_splits, seed, grouped=False)
    leaky_oof = out_of_fold(train_texts, train_y, leaky_folds, config, classes)
    leaky = classification_metrics(train_y, [classes[k] for k in leaky_oof.argmax(axis=1)], classes)

    # Calibration: fit T on the other folds' out-of-fold scores, apply to this
    # fold, and keep it only if that lowers the error it is meant to lower.
    crossfit = np.zeros_like(oof)
    for k, (_, test_part) in enumerate(folds):
        others = np.concatenate([t for j, (_, t) in enumerate(folds) if j != k])
        t = fit_temperature([train_y[i] for i in others], oof[others], classes)
        crossfit[test_part] = apply_temperature(oof[test_part], t)
    raw_cal = calibration_figures(train_y, oof, classes)
    scaled_cal = calibration_figures(train_y, crossfit, classes)
    temperature = fit_temperature(train_y, oof, classes)
    adopt = config.calibrate == "temperature" or (
        config.calibrate == "auto" and scaled_cal["ece"] < raw_cal["ece"] and scaled_cal["brier"] <= raw_cal["brier"]
    )
    calibration = {
        "method": "temperature" if adopt else "none",
        "temperature": temperature if adopt else 1.0,
        "fitted_temperature": temperature,
        "cv_uncalibrated": raw_cal,
        "cv_temperature_crossfitted": scaled_cal,
        "reason": (
            f"cross-fitted temperature scaling {'lowered' if adopt else 'did not lower'} the grouped-CV expected "
            f"calibration error ({raw_cal['ece']} -> {scaled_cal['ece']}; Brier {raw_cal['brier']} -> "
            f"{scaled_cal['brier']})"
        ),
    }
    cv_calibrated = calibration_figures(train_y, apply_temperature(oof, temperature), classes) if adopt else raw_cal
    say(f"cross-validated macro-F1 {cv['macro_f1']:.3f} grouped, {leaky['macro_f1']:.3f} ungrouped")
    if leaky["macro_f1"] - cv["macro_f1"] > LEAK_GAP:
        say("warning: events leak: ungrouped validation flatters the model; trust the grouped figures")
    say(f"calibration: {calibration['reason']}")

    say(f"fitting on the training events, scoring {len(test_index)} held-out rows ...")
    pipeline = build_pipeline(config).fit(train_texts, train_y)
    if adopt:
        scale_classifier(pipeline, temperature)
    held_probabilities = pipeline.predict_proba(test_texts)
    held_pred = list(pipeline.classes_[held_probabilities.argmax(axis=1)])
    held_metrics = classification_metrics(test_y, held_pred, classes)
    held_baselines = _baselines(data, train_y, test_texts, test_y, classes)
    errors = [
        {
            "line": data.rows[i]["line"],
            "id": data.rows[i].get("id"),
            "text": texts[i],
            "label": y[i],
            "predicted": p,
            "confidence": round(float(row.max()), 4),
        }
        for i, p, row in zip(test_index, held_pred, held_probabilities)
        if p != y[i]
    ]

    say(f"fitting the final model on all {len(texts)} rows ...")
    final = build_pipeline(config).fit(texts, y)
    if adopt:
        scale_classifier(final, temperature)
    metrics = {
        "cross_validation": {
            "scheme": f"StratifiedGroupKFold({config.n_splits}) by event on the training events",
            "rows": len(train_index),
            **cv,
            "calibration": cv_calibrated,
            "baselines": pooled,
            "lift": lift_table(cv, pooled),
            "ungrouped_macro_f1": leaky["macro_f1"],
        },
        "heldout": {
            "split": split_source,
            "events": len(held),
            "rows": len(test_index),
            **held_metrics,
            "calibration": calibration_figures(test_y, held_probabilities, classes),
            "baselines": held_baselines,
            "lift": lift_table(held_metrics, held_baselines),
        },
        "calibration": calibration,
    }
    metadata = {
        "label_scheme": data.scheme.to_dict(),
        "training": {
            "config": config.to_dict(),
            "seed": seed,
            "min_examples": min_examples,
            "command": _command(corpus, output, seed, config, labels, split, min_examples),
            "final_fit": "all rows (training and held-out events); held-out figures come from the same recipe "
            "fitted on the training events only",
            "corpus": {"path": data.path.name, "sha256": data.sha256, "rows": len(data.rows)},
            "heldout_events": sorted(held),
            "label_counts": dict(Counter(y).most_common()),
        },
        "metrics": metrics,
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
    folder = save_model(final, output, metadata)
    model = read_model(folder)
    write_model_report(model, errors=errors)
    say(f"saved {folder} in {time.perf_counter() - started:.1f} s")
    return TrainResult(model=model, folder=Path(folder), metrics=metrics)
