"""Which features and regularisation? Grouped cross-validated macro-F1 of the alternatives.

Runs the same 5-fold cross-validation grouped by event that `communique train`
uses (on the training events; the held-out events are left alone) for each
configuration below, and prints macro-F1, accuracy and the numpy scorer's
speed (statements/s, one core). The default of `TrainingConfig` is the
configuration chosen from this table; the README quotes it.

    python benchmarks/accuracy.py
    python benchmarks/accuracy.py --only default "min_df 1"
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from communique.corpus import read_corpus, read_split
from communique.evaluation import classification_metrics, grouped_folds
from communique.model import scorer_from_pipeline
from communique.training import TrainingConfig, build_pipeline, out_of_fold

ROOT = Path(__file__).resolve().parents[1]

DEFAULT = TrainingConfig()
# Each alternative changes one thing from the default (word 1-2 grams, sublinear tf,
# min_df 2, C 10, balanced class weights), so the table shows what each choice is worth.
CONFIGS = {
    "default": DEFAULT,
    "word 1-1": replace(DEFAULT, word_ngrams=(1, 1)),
    "word 1-3": replace(DEFAULT, word_ngrams=(1, 3)),
    "raw tf": replace(DEFAULT, sublinear_tf=False),
    "min_df 1": replace(DEFAULT, min_df=1),
    "no class weights": replace(DEFAULT, class_weight=None),
    "C 1": replace(DEFAULT, C=1.0),
    "C 3": replace(DEFAULT, C=3.0),
    "C 30": replace(DEFAULT, C=30.0),
    "char_wb 2-5 only": replace(DEFAULT, word_ngrams=None, char_ngrams=(2, 5)),
    "word 1-2 + char_wb 2-5": replace(DEFAULT, char_ngrams=(2, 5)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT / "corpus" / "statements.jsonl"))
    parser.add_argument("--only", nargs="*", help="Names of configurations to run.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = read_corpus(args.corpus)
    split = Path(args.corpus).with_name("splits.json")
    held = set(read_split(split)) if split.exists() else set()
    index = [i for i, g in enumerate(corpus.groups) if g not in held]
    texts = [corpus.texts[i] for i in index]
    labels = [corpus.labels[i] for i in index]
    groups = [corpus.groups[i] for i in index]
    classes = sorted(set(labels))
    speed_texts = (texts * (20_000 // len(texts) + 1))[:20_000]
    print(f"{len(texts)} training rows, {len(set(groups))} events, 5 folds grouped by event (seed {args.seed})")
    print(f"{'configuration':<24}{'macro-F1':>10}{'accuracy':>10}{'fit s':>8}{'statements/s':>14}")
    for name, config in CONFIGS.items():
        if args.only and name not in args.only:
            continue
        folds = grouped_folds(labels, groups, config.n_splits, args.seed)
        started = time.perf_counter()
        probabilities = out_of_fold(texts, labels, folds, config, classes)
        fit_seconds = (time.perf_counter() - started) / len(folds)
        metrics = classification_metrics(labels, [classes[k] for k in probabilities.argmax(axis=1)], classes)
        scorer = scorer_from_pipeline(build_pipeline(config).fit(texts, labels))
        started = time.perf_counter()
        for i in range(0, len(speed_texts), 2000):
            scorer.predict_proba(speed_texts[i : i + 2000])
        rate = len(speed_texts) / (time.perf_counter() - started)
        print(f"{name:<24}{metrics['macro_f1']:>10.3f}{metrics['micro_f1']:>10.3f}{fit_seconds:>8.1f}{rate:>14,.0f}")


if __name__ == "__main__":
    main()
