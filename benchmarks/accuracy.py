"""Which recipe reads real official text best? Each alternative changes one setting of the default.

For every configuration: grouped cross-validation on the training rows (folds
never split an event or a source document; act thresholds chosen on the other
folds), then the recipe fitted on all training rows and scored on the held-out
split. Macro-F1 is printed for real and written statements apart, with the
scoring speed of the numpy form. Choose on the cross-validation columns; the
held-out columns confirm.

    python benchmarks/accuracy.py                     # every configuration
    python benchmarks/accuracy.py --only default,single
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from communique.evaluation.metrics import classification_metrics  # noqa: E402
from communique.training.config import TrainingConfig  # noqa: E402
from communique.training.data import prepare  # noqa: E402
from communique.training.stages import (  # noqa: E402
    Recipe,
    _decide,
    choose_thresholds,
    fit_model,
    grouped_folds,
    out_of_fold,
)

DEFAULT = TrainingConfig()
CONFIGURATIONS = {
    "default": (DEFAULT, None),
    "single": (replace(DEFAULT, decision="single"), None),
    "single with floor 0.5": (replace(DEFAULT, decision="single"), 0.5),
    "real weight 2": (replace(DEFAULT, real_weight=2.0), None),
    "real weight 3": (replace(DEFAULT, real_weight=3.0), None),
    "C 3": (replace(DEFAULT, C=3.0), None),
    "C 30": (replace(DEFAULT, C=30.0), None),
    "no class weights": (replace(DEFAULT, class_weight=None), None),
    "min_df 1": (replace(DEFAULT, min_df=1), None),
    "word 1-3": (replace(DEFAULT, word_ngrams=(1, 3)), None),
    "word + char_wb 2-5": (replace(DEFAULT, char_ngrams=(2, 5)), None),
}


def by_origin(labels, predicted, origins, classes) -> dict[str, float]:
    out = {}
    for origin in ("real", "written"):
        rows = [i for i, o in enumerate(origins) if o == origin]
        if rows:
            out[origin] = classification_metrics([labels[i] for i in rows], [predicted[i] for i in rows], classes)[
                "macro_f1"
            ]
    return out


def decide(probabilities, recipe, data, floor):
    labels = _decide(probabilities, recipe, data)
    if floor is not None:  # below the floor the statement is background
        best = probabilities.max(axis=1)
        labels = [data.corpus.scheme.background if p < floor else label for label, p in zip(labels, best)]
    return labels


def run(corpus: Path, config: TrainingConfig, floor: float | None, folds_n: int) -> dict:
    data = prepare(corpus, config)
    decision = data.decision
    train = data.train_index
    labels = [data.labels[i] for i in train]
    origins = [data.corpus.origins[i] for i in train]
    folds = grouped_folds(labels, [data.corpus.groups[i] for i in train], folds_n, 0)
    oof = out_of_fold(data, train, folds, config, decision)
    recipe = Recipe(decision, data.classes)
    predicted = [""] * len(train)
    for k, (_, test_part) in enumerate(folds):  # thresholds for a fold come from the other folds
        others = np.concatenate([t for j, (_, t) in enumerate(folds) if j != k])
        if decision == "acts":
            recipe.thresholds = choose_thresholds(oof[others], [labels[i] for i in others], recipe, data)
        for i, label in zip(test_part, decide(oof[test_part], recipe, data, floor)):
            predicted[i] = label
    cv = by_origin(labels, predicted, origins, data.classes)
    if decision == "acts":
        recipe.thresholds = choose_thresholds(oof, labels, recipe, data)
    started = time.perf_counter()
    _, model = fit_model(data, config, recipe, train)
    fit_seconds = time.perf_counter() - started
    test = data.test_index
    texts = [data.texts[i] for i in test]
    probabilities = model.predict_proba(texts)
    started = time.perf_counter()
    for _ in range(3):
        model.scorer.predict_proba(texts)
    rate = 3 * len(texts) / (time.perf_counter() - started)
    held = by_origin(
        [data.labels[i] for i in test],
        decide(probabilities, recipe, data, floor),
        [data.corpus.origins[i] for i in test],
        data.classes,
    )
    return {"cv": cv, "heldout": held, "fit": fit_seconds, "rate": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "statements.jsonl")
    parser.add_argument("--folds", type=int, default=3, help="grouped folds on the training rows")
    parser.add_argument("--only", help="comma-separated configuration names")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(CONFIGURATIONS)
    print(
        f"{'configuration':<26}{'CV real':>9}{'CV written':>12}{'held-out real':>15}{'held-out written':>18}{'fit s':>7}{'stmts/s':>9}"
    )
    for name in names:
        config, floor = CONFIGURATIONS[name]
        result = run(args.corpus, config, floor, args.folds)
        cv, held = result["cv"], result["heldout"]
        print(
            f"{name:<26}{cv.get('real', float('nan')):>9.3f}{cv.get('written', float('nan')):>12.3f}"
            f"{held.get('real', float('nan')):>15.3f}{held.get('written', float('nan')):>18.3f}"
            f"{result['fit']:>7.1f}{result['rate']:>9,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
